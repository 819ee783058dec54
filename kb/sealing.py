"""Seal a secret for a while (a ticket's token kept for a retry of the same request): Fernet, keyed by the site's
secret key, so a database dump alone does not give the tokens away."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet


class Sealer:
    """Seals and opens short secrets with a key derived from `secret`."""

    def __init__(self, secret: str):
        self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(("kb-seal:" + secret).encode()).digest()))

    def seal(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def open(self, sealed: str) -> str:
        return self._fernet.decrypt(sealed.encode()).decode()

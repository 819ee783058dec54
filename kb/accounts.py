"""Staff accounts: the roles, password hashing (argon2id, argon2-cffi) and the inputs that create and sign in one.

Roles are ranked: an `admin` may do all an `editor` may (articles and tickets), and also manage rules and users."""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

from kb.errors import KBError
from kb.schemas import OneOf
from kb.schemas import Request
from kb.schemas import Text

ROLES = ("editor", "admin")  # lowest first: a role may do what every role before it may
NAME_PATTERN = r"^[a-z][a-z0-9._\-]{1,63}$"
PASSWORD = (12, 200)  # long passphrases welcome; the hash sees at most 200 characters
_HASHER = PasswordHasher()
# Verified against when there is no such account, so a wrong name takes as long as a wrong password.
_DUMMY = _HASHER.hash("no such account, no such password")


class NewUser(Request):
    """An account to create: a login name (lower case), its role and its password."""

    name: Text(2, 64, pattern=NAME_PATTERN)
    role: OneOf(ROLES)
    password: Text(*PASSWORD)


class RoleChange(Request):
    """Another role for an existing account."""

    name: Text(2, 64, pattern=NAME_PATTERN)
    role: OneOf(ROLES)


class PasswordChange(Request):
    """A staff member's own new password: the current one, and the new one twice (the policy of NewUser)."""

    current: Text(1, PASSWORD[1])
    password: Text(*PASSWORD)
    again: Text(1, PASSWORD[1])


class SignIn(Request):
    """A sign-in attempt."""

    name: Text(1, 64)
    password: Text(1, PASSWORD[1])


def may(role: str | None, needed: str) -> bool:
    """Whether `role` includes `needed` (an admin may do what an editor may)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def hash_password(password: str) -> str:
    """The argon2id hash of a password, with a fresh salt, in PHC string form."""
    return _HASHER.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash (None: no account, checked against a dummy all the same)."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a hash was made with weaker parameters than today's (it is replaced at the next good sign-in)."""
    return _HASHER.check_needs_rehash(stored)


class SignInRefused(KBError):
    """A sign-in that did not succeed: a wrong name or password (one message for both), or a locked account."""

    code = "sign_in_refused"

    def __init__(self, locked_until: dt.datetime | None = None):
        self.locked_until = locked_until
        super().__init__(f"account locked until {locked_until.isoformat()}" if locked_until else "wrong name or password")

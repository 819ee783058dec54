"""Mail to customers (a new ticket's number and link, a notice of a staff reply) through the SMTP server of
KB_SMTP_URL, with the standard library. Mail is a courtesy: a server that is down or refuses is logged, and the
ticket or the reply it follows stands."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from email.utils import make_msgid
from urllib.parse import unquote
from urllib.parse import urlsplit

from kb.schemas import EMAIL

log = logging.getLogger(__name__)
SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


def is_address(contact: str) -> bool:
    """Whether a ticket's contact is one plain email address (else a phone number: nothing to send). The form's
    check lets "a,b@example.com" through; as a recipient that would be two, so the mail header's own parser decides."""
    if not EMAIL.fullmatch(contact or ""):
        return False
    try:
        return Address(addr_spec=contact).addr_spec == contact
    except (ValueError, HeaderParseError):
        return False


def check_url(url: str) -> str:
    """`url` if it is smtp://, smtp+starttls:// or smtps:// with a host (and optional user:password, port)."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValueError("KB_SMTP_URL must be smtp://, smtp+starttls:// or smtps://[user:password@]host[:port]")
    _ = parts.port  # a port that is not a number raises ValueError here, at start, not at the first mail
    return url


class Mailer:
    """Sends one plain-text message at a time; `send` says whether it went."""

    def __init__(self, url: str, sender: str, timeout: float = 5):
        self.parts, self.sender, self.timeout = urlsplit(check_url(url)), sender, timeout

    def send(self, to: str, subject: str, body: str, *, about: str = "") -> bool:
        """Send, or log why not (never raise): `about` names what the mail was for in the log, never its text."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Date"], message["Message-ID"] = formatdate(localtime=False), make_msgid(domain=self._domain())
        message.set_content(body)
        try:
            with self._connect() as server:
                if self.parts.username:
                    server.login(unquote(self.parts.username), unquote(self.parts.password or ""))
                server.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail %s to the contact not sent: %s: %s", about, type(exc).__name__, exc)
            return False
        return True

    def _connect(self) -> smtplib.SMTP:
        scheme, host = self.parts.scheme, self.parts.hostname
        port = self.parts.port or SCHEMES[scheme]
        if scheme == "smtps":
            return smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=ssl.create_default_context())
        server = smtplib.SMTP(host, port, timeout=self.timeout)
        if scheme == "smtp+starttls":
            try:
                server.starttls(context=ssl.create_default_context())
            except BaseException:
                server.close()
                raise
        return server

    def _domain(self) -> str:
        return self.sender.rpartition("@")[2] or "localhost"

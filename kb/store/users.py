"""Staff accounts in the store: create, list, change, and sign in with a lockout after repeated failures.

The failure count and the lock live in the database, so every worker and host sees the same lock; the password is
checked outside the write transaction (argon2 takes tens of milliseconds) and only the outcome is written."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kb.accounts import ROLES
from kb.accounts import SignInRefused
from kb.accounts import check_password
from kb.accounts import hash_password
from kb.accounts import needs_rehash
from kb.errors import Conflict
from kb.errors import NotFound
from kb.store.audit import record
from kb.store.db import Database
from kb.store.db import now
from kb.store.tables import StaffUser


def _view(user: StaffUser) -> dict:
    """What the site may know of an account (never its hash); `stamp` changes when its password or role does."""
    return {"id": user.id, "name": user.name, "role": user.role, "locked_until": user.locked_until,
            "failed_sign_ins": user.failed_sign_ins, "created_at": user.created_at,
            "stamp": f"{user.role}:{user.password_hash[-16:]}"}


class Users:
    """Staff accounts."""

    def __init__(self, db: Database):
        self.db = db

    def add(self, name: str, role: str, password: str, *, actor: str) -> dict:
        """Create an account (a validated kb.accounts.NewUser); an existing name is a Conflict."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        user = StaffUser(name=name, role=role, password_hash=hash_password(password), failed_sign_ins=0, created_at=now())
        try:
            with self.db.write.begin() as session:
                session.add(user)
                session.flush()
                record(session, actor, "user.add", f"user:{name}", None, {"role": role})
        except IntegrityError:
            raise Conflict(f"there is already an account named {name}") from None
        return _view(user)

    def all(self) -> list[dict]:
        """Every account, by name."""
        with self.db.read.begin() as session:
            return [_view(u) for u in session.scalars(select(StaffUser).order_by(StaffUser.name))]

    def get(self, user_id: int) -> dict | None:
        """The account with this id, or None (deleted since the session signed in)."""
        with self.db.read.begin() as session:
            user = session.get(StaffUser, user_id)
            return _view(user) if user else None

    def set_role(self, name: str, role: str, *, actor: str) -> dict:
        """Give an account another role (its sessions end: their stamp no longer matches)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        with self.db.write.begin() as session:
            user = self._named(session, name)
            record(session, actor, "user.role", f"user:{name}", {"role": user.role}, {"role": role})
            user.role = role
            return _view(user)

    def set_password(self, name: str, password: str, *, actor: str) -> dict:
        """A new password (a validated one); the account's sessions end, and a lock is lifted."""
        hashed = hash_password(password)
        with self.db.write.begin() as session:
            user = self._named(session, name)
            user.password_hash, user.failed_sign_ins, user.locked_until = hashed, 0, None
            record(session, actor, "user.password", f"user:{name}", None, None)
            return _view(user)

    def unlock(self, name: str, *, actor: str) -> dict:
        """Lift a lock and forget the failed sign-ins."""
        with self.db.write.begin() as session:
            user = self._named(session, name)
            record(session, actor, "user.unlock", f"user:{name}",
                   {"locked_until": user.locked_until.isoformat() if user.locked_until else None,
                    "failed_sign_ins": user.failed_sign_ins}, {"locked_until": None, "failed_sign_ins": 0})
            user.failed_sign_ins, user.locked_until = 0, None
            return _view(user)

    def sign_in(self, name: str, password: str, *, max_failures: int, lock_for: dt.timedelta) -> dict:
        """The account if the password is right and it is not locked; else SignInRefused. The `max_failures`-th
        failure in a row locks the account for `lock_for` (then the count starts again)."""
        with self.db.read.begin() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.name == name.strip().lower()))
        good = check_password(user.password_hash if user else None, password)
        if user is None:
            raise SignInRefused()
        if user.locked_until is not None and user.locked_until > now():
            raise SignInRefused(user.locked_until)
        with self.db.write.begin() as session:
            user = session.get(StaffUser, user.id, with_for_update=True)
            if good:
                user.failed_sign_ins, user.locked_until = 0, None
                if needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                return _view(user)
            user.failed_sign_ins += 1
            locked = user.failed_sign_ins >= max_failures
            if locked:
                user.failed_sign_ins, user.locked_until = 0, now() + lock_for
                record(session, user.name, "user.locked", f"user:{user.name}", None,
                       {"locked_until": user.locked_until.isoformat()})
        raise SignInRefused(user.locked_until if locked else None)

    @staticmethod
    def _named(session, name: str) -> StaffUser:
        user = session.scalar(select(StaffUser).where(StaffUser.name == name).with_for_update())
        if user is None:
            raise NotFound(f"no account named {name}")
        return user

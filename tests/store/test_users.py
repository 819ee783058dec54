"""Staff accounts in the store: hashed passwords, the lockout, and audit entries written with each change."""

import datetime as dt

import pytest

from kb.accounts import SignInRefused
from kb.errors import Conflict
from kb.store.tables import StaffUser

PASSWORD = "correct horse battery staple"
LOCK = {"max_failures": 3, "lock_for": dt.timedelta(minutes=15)}


def test_the_password_is_kept_as_an_argon2_hash(store):
    store.users.add("li.wei", "editor", PASSWORD, actor="tests")
    with store.db.read.begin() as session:
        kept = session.query(StaffUser).one().password_hash
    assert kept.startswith("$argon2id$") and PASSWORD not in kept
    assert store.users.sign_in("li.wei", PASSWORD, **LOCK)["role"] == "editor"
    with pytest.raises(Conflict):
        store.users.add("li.wei", "admin", PASSWORD, actor="tests")


def test_failures_in_a_row_lock_and_a_good_sign_in_resets_the_count(store):
    store.users.add("li.wei", "editor", PASSWORD, actor="tests")
    for _ in range(2):
        with pytest.raises(SignInRefused) as refused:
            store.users.sign_in("li.wei", "wrong", **LOCK)
        assert refused.value.locked_until is None
    store.users.sign_in("li.wei", PASSWORD, **LOCK)  # the count starts again
    for _ in range(2):
        with pytest.raises(SignInRefused):
            store.users.sign_in("li.wei", "wrong", **LOCK)
    with pytest.raises(SignInRefused) as refused:
        store.users.sign_in("li.wei", "wrong", **LOCK)
    assert refused.value.locked_until > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=14)
    with pytest.raises(SignInRefused) as refused:
        store.users.sign_in("li.wei", PASSWORD, **LOCK)
    assert refused.value.locked_until is not None


def test_a_lock_ends_by_itself(store):
    store.users.add("li.wei", "editor", PASSWORD, actor="tests")
    for _ in range(3):
        with pytest.raises(SignInRefused):
            store.users.sign_in("li.wei", "wrong", max_failures=3, lock_for=dt.timedelta(microseconds=1))
    assert store.users.sign_in("li.wei", PASSWORD, **LOCK)["name"] == "li.wei"


def test_an_unknown_name_is_refused_like_a_wrong_password(store):
    with pytest.raises(SignInRefused) as refused:
        store.users.sign_in("nobody", PASSWORD, **LOCK)
    assert refused.value.locked_until is None


def test_every_change_writes_who_what_before_and_after(store):
    store.users.add("li.wei", "editor", PASSWORD, actor="admin")
    store.users.set_role("li.wei", "admin", actor="admin")
    store.users.set_password("li.wei", PASSWORD + "!", actor="li.wei")
    entries = store.audit.entries()
    assert [(e["actor"], e["action"], e["before"], e["after"]) for e in entries] == [
        ("li.wei", "user.password", None, None), ("admin", "user.role", {"role": "editor"}, {"role": "admin"}),
        ("admin", "user.add", None, {"role": "editor"})]
    assert store.audit.entries(target="user:nobody") == []

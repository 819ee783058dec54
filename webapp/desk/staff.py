"""Who is signed in to the desk, and what their role lets them open.

The session keeps the account's id and a stamp of its role and password hash: changing either (or deleting the
account) ends its sessions at their next request. Every desk view needs at least `editor`; a view marked
`@needs("admin")` needs admin. Pages send anyone not signed in to the sign-in form; the staff API answers 401."""

from __future__ import annotations

import hmac

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import g
from flask import redirect
from flask import request
from flask import session
from flask import url_for

from kb.accounts import may
from webapp.services import get_store

SESSION_KEY = "staff"
PUBLIC = {"engineer.login", "engineer.logout"}


def current_staff() -> dict | None:
    """The signed-in account (its view in kb.store.users), or None; looked up once per request."""
    if "staff" not in g:
        kept = session.get(SESSION_KEY)
        user = None
        if isinstance(kept, dict) and isinstance(kept.get("id"), int) and isinstance(kept.get("stamp"), str):
            found = get_store().users.get(kept["id"])
            if found and hmac.compare_digest(found["stamp"], kept["stamp"]):
                user = found
        g.staff = user
    return g.staff


def sign_in(user: dict) -> None:
    """Start a staff session for `user`, under a new session id."""
    session.renew()  # a new session id on sign-in: one planted before it opens nothing
    session[SESSION_KEY] = {"id": user["id"], "stamp": user["stamp"]}
    g.staff = user


def actor() -> str:
    """The name the audit log records for a change made in this request."""
    return current_staff()["name"]


def needs(role: str):
    """Mark a view as needing `role` (the default for every desk view is editor)."""
    def mark(view):
        view.needed_role = role
        return view
    return mark


def protect(bp: Blueprint, *, api: bool = False) -> None:
    """Check every request to `bp`: signed in (else the sign-in form, or 401 for the API) and the view's role (403)."""

    @bp.before_request
    def require_staff():
        if request.endpoint in PUBLIC:
            return None
        user = current_staff()
        if user is None:
            if api:
                abort(401)
            return redirect(url_for("engineer.login", next=request.full_path.rstrip("?")))
        view = current_app.view_functions.get(request.endpoint)
        if not may(user["role"], getattr(view, "needed_role", "editor")):
            abort(403)
        return None

    @bp.context_processor
    def signed_in():
        return {"staff": current_staff()}

    @bp.after_request
    def private(response):
        """Desk pages show customers' words and accounts: no cache may keep them."""
        response.headers["Cache-Control"] = "no-store"
        return response

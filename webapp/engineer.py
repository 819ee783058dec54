"""The engineers' desk: sign-in and sign-out, questions the site could not answer, problems in rules and articles,
and, for admins, the rules in force with their tests, the staff accounts and the audit log.

These pages show what customers typed (hosts, addresses, error output), so each needs a staff account
(webapp.desk.staff). Sign-ins are slowed per client (webapp.limits) and lock an account after
KB_LOCKOUT_FAILURES failures in a row."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _

from kb.accounts import ROLES
from kb.accounts import NewUser
from kb.accounts import PasswordChange
from kb.accounts import RoleChange
from kb.accounts import SignIn
from kb.accounts import SignInRefused
from kb.drafts import rule_texts
from kb.drafts import rules_changed
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.rules.ruletests import run_rule_tests
from kb.schemas import parse
from webapp import inputs
from webapp.desk import staff
from webapp.home import local_path
from webapp.i18n import describe
from webapp.i18n import format_time
from webapp.services import get_kb
from webapp.services import get_service
from webapp.services import get_store

bp = Blueprint("engineer", __name__, url_prefix="/engineer")
staff.protect(bp)
UNANSWERED_LIMIT = 100
AUDIT_LIMIT = 200
FIRED_DAYS = 30  # the rules table counts how often each rule fired in these last days


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Account name and password; the same words for a wrong name and a wrong password."""
    target = local_path(request.values.get("next", "")) or url_for("engineer.unanswered")
    error, status = None, 200
    if request.method == "POST":
        settings = current_app.config["KB_SETTINGS"]
        try:
            given = parse(SignIn, inputs.fields(request.form, {"name", "password"}, strict=False))
            user = get_store().users.sign_in(given.name, given.password, max_failures=settings.lockout_failures,
                                             lock_for=dt.timedelta(minutes=settings.lockout_minutes))
        except InvalidInput as exc:
            error, status = describe(exc), 400
        except SignInRefused as refused:
            status = 401
            error = {"field": "name", "fields": ["name", "password"],
                     "message": _refusal(refused, _("That account name or password is not right."))}
        else:
            staff.sign_in(user)
            return redirect(target)
    return render_template("engineer/login.html", error=error, next=target, name=request.form.get("name", "")[:64],
                           no_accounts=not get_store().users.all()), status


def _refusal(refused: SignInRefused, wrong: str) -> str:
    """Why a password was refused: the account is locked (until when), else `wrong`."""
    if refused.locked_until:
        return _("This account is locked after too many failed sign-ins. Try again after %(time)s, or ask an admin to "
                 "unlock it.", time=format_time(refused.locked_until).striptags())
    return wrong


@bp.post("/logout")
def logout():
    """End the session on the server: a cookie saved before opens nothing afterwards."""
    session.end()
    return redirect(url_for("home.index"))


@bp.route("/password", methods=("GET", "POST"))
def password():
    """Change one's own password: the current one (a wrong one counts as a failed sign-in), the new one twice. The
    account's other sessions end (their stamp no longer matches); this one goes on under a new id."""
    error, status, done = None, 200, request.args.get("changed") == "1"
    if request.method == "POST":
        settings, name = current_app.config["KB_SETTINGS"], staff.actor()
        try:
            given = parse(PasswordChange, inputs.fields(request.form, {"current", "password", "again"}, strict=False))
            if given.again != given.password:
                raise InvalidInput("again", "mismatch")
            if given.password == given.current:
                raise InvalidInput("password", "unchanged")
            get_store().users.sign_in(name, given.current, max_failures=settings.lockout_failures,
                                      lock_for=dt.timedelta(minutes=settings.lockout_minutes))
        except InvalidInput as exc:
            error, status = describe(exc), 400
        except SignInRefused as refused:
            status = 401
            error = {"field": "current", "message": _refusal(refused, _("That is not your current password."))}
        else:
            staff.sign_in(get_store().users.set_password(name, given.password, actor=name))
            return redirect(url_for("engineer.password", changed=1))
    return render_template("desk/password.html", error=error, done=done), status


@bp.get("/unanswered")
def unanswered():
    """List searches and questions that found nothing useful."""
    return render_template("engineer/unanswered.html", rows=get_store().logs.unanswered(UNANSWERED_LIMIT))


@bp.get("/problems")
def problems():
    """List every problem found in the rules and articles at the last load."""
    kb = get_kb()
    return render_template("engineer/problems.html", problems=kb.problems(), kb=kb, index=kb.index_status())


@bp.get("/users")
@staff.needs("admin")
def users():
    """The staff accounts, a form to add one, and their roles and locks."""
    return _users_page()


def _users_page(error: dict | None = None, status: int = 200, form=None):
    return render_template("desk/users.html", users=get_store().users.all(), roles=ROLES, error=error,
                           form=form or {}), status


@bp.post("/users")
@staff.needs("admin")
def add_user():
    """Create an account (name, role, password), written to the audit log."""
    form = inputs.fields(request.form, {"name", "role", "password"}, strict=False)
    try:
        new = parse(NewUser, form)
        get_store().users.add(new.name, new.role, new.password, actor=staff.actor())
    except InvalidInput as exc:
        return _users_page(describe(exc), 400, form)
    except Conflict:
        return _users_page({"field": "name", "message": _("There is already an account with that name.")}, 409, form)
    return redirect(url_for("engineer.users"))


@bp.post("/users/role")
@staff.needs("admin")
def change_role():
    """Give an account another role; nobody changes their own (the last admin cannot lock everyone out)."""
    try:
        change = parse(RoleChange, inputs.fields(request.form, {"name", "role"}, strict=False))
        if change.name == staff.actor():
            return _users_page({"field": "role", "message": _("You cannot change your own role.")}, 400)
        get_store().users.set_role(change.name, change.role, actor=staff.actor())
    except InvalidInput as exc:
        return _users_page(describe(exc), 400)
    except NotFound:
        return _users_page({"field": "name", "message": _("There is no account with that name.")}, 404)
    return redirect(url_for("engineer.users"))


@bp.post("/users/unlock")
@staff.needs("admin")
def unlock_user():
    """Lift an account's lock after failed sign-ins."""
    try:
        get_store().users.unlock(inputs.clean(request.form.get("name", ""), 64), actor=staff.actor())
    except NotFound:
        return _users_page({"field": "name", "message": _("There is no account with that name.")}, 404)
    return redirect(url_for("engineer.users"))


@bp.get("/rules")
@staff.needs("admin")
def rules():
    """The rules in force: what they hold, their problems at the last load, and the rule tests on demand."""
    return _rules_page(None)


@bp.post("/rules/test")
@staff.needs("admin")
def test_rules():
    """Run the cases of rules/tests against the rules in force, as `kb rules test` does."""
    kb = get_kb()
    return _rules_page(run_rule_tests(kb.book, kb.rules_dir / "tests"))


def _rules_page(report):
    """The rule files to edit, the decision rules with how often each fired lately and who changed it last."""
    kb, store = get_kb(), get_store()
    since = get_service().clock() - dt.timedelta(days=FIRED_DAYS)
    return render_template("desk/rules.html", kb=kb, book=kb.book, problems=kb.rule_problems, report=report,
                           files=sorted(rule_texts(kb.rules_dir)), fired=store.logs.fired_counts(since),
                           changed=rules_changed(store.rule_revisions.history()), fired_days=FIRED_DAYS)


@bp.get("/audit")
@staff.needs("admin")
def audit():
    """The newest changes staff made: who, when, what, before and after."""
    return render_template("desk/audit.html", entries=get_store().audit.entries(AUDIT_LIMIT))

"""The rules on the desk: try a case against the rules in force (editors and admins); for admins, edit a rule file,
see what the change does before it is saved, and the versions of the rule set with rollback.

A try decides the case as a customer's question is decided (kb.service), but is neither searched nor logged.
A check or a save loads the rules with the change in a draft folder as `kb rules check` does (problems at file and
line), runs every rule test case and replays the last days' logged decisions and tickets (kb.drafts); a case tried
in the editor
is decided by the draft, loaded the same way, and by the rules in force, side by side; a save that breaks a test
case is refused, one that started from an older version of the rule set is a conflict with a diff. A saved version
is a database revision every worker writes into its rules folder and reloads (webapp.desk.content)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from kb.content.revisions import unified_texts
from kb.desk import ExpectedOutcome
from kb.desk import RuleEdit
from kb.drafts import MAX_TEXT
from kb.drafts import PATH
from kb.drafts import DraftCheck
from kb.drafts import DraftTry
from kb.drafts import check_draft
from kb.drafts import draft_knowledge
from kb.drafts import rule_texts
from kb.errors import InvalidFiles
from kb.errors import InvalidInput
from kb.replay import add_case
from kb.replay import case_from_log
from kb.replay import replayable
from kb.schemas import MAX_QUESTION
from kb.schemas import AskRequest
from kb.store.rule_revisions import RulesConflict
from webapp import inputs
from webapp.desk import staff
from webapp.desk.content import sync_now
from webapp.i18n import describe
from webapp.i18n import get_lang
from webapp.services import get_kb
from webapp.services import get_service
from webapp.services import get_store

bp = Blueprint("desk_rules", __name__, url_prefix="/engineer/rules")
staff.protect(bp)
TRY_FIELDS = {"question", "plan", "severity", "onsite_mode", "onsite_staff", "onsite_city", "reported_at", "software",
              "os", "version"}
REPLAY_DAYS = 30  # a draft is replayed against the decisions logged and the tickets filed in these last days,
REPLAY_LIMIT = 500  # at most this many of the newest of both (about 10 s on one core): the CLI replays them all
LOG_LIMIT = 100  # logged answers listed
FROM_LOG = "tests/from-log.yaml"  # where a logged answer's test case goes, as `kb rules case-from-log` puts it
CASE_FIELDS = {"id", "scope", "software", "channels", "response_target_minutes", "rules", "base"}


@bp.before_request
def newest_rules():
    """Every page here starts from the newest saved rules, not from this worker's last look (KB_RELOAD_INTERVAL ago):
    an edit shown from an older text than its version would undo a change saved meanwhile."""
    sync_now()


@bp.route("/try", methods=("GET", "POST"))
def try_case():
    """Question, plan, severity, onsite contract and time in; the decision card, its trace and the rules that fired."""
    values = request.form if request.method == "POST" else request.args
    decision = view = error = None
    if "question" in values:
        try:
            data = inputs.nested_onsite(inputs.fields(values, TRY_FIELDS, strict=False))
            decision, view = get_service().try_case(inputs.validated(AskRequest, data), get_lang())
        except InvalidInput as exc:
            error = describe(exc)
    return render_template("desk/try.html", form=values, book=get_kb().book, decision=decision, view=view,
                           error=error, max_question=MAX_QUESTION), 400 if error else 200


def _try_draft(path: str, text: str) -> tuple[DraftTry | None, DraftCheck | None]:
    """The editor's case (its try fields) decided by the rules in force and with `text` as `path`: (the try, None),
    or (None, the draft's problems) when the draft does not load. Nothing is saved or logged."""
    data = inputs.nested_onsite(inputs.fields(request.form, TRY_FIELDS, strict=False))
    case, service, lang = inputs.validated(AskRequest, data), get_service(), get_lang()
    case = case.model_copy(update={"reported_at": case.reported_at or service.clock()})  # "now" is one time for both
    try:
        with draft_knowledge(get_kb(), {path: text}) as draft:
            return DraftTry(*service.try_case(case, lang), *service.try_case(case, lang, draft)), None
    except InvalidFiles as exc:
        return None, DraftCheck(exc.problems)


def logged_recently() -> list[dict]:
    """The logged decisions and tickets a draft is replayed against: the newest REPLAY_LIMIT of both of the last
    REPLAY_DAYS, oldest first."""
    since = get_service().clock() - dt.timedelta(days=REPLAY_DAYS)
    return replayable(get_store(), since)[-REPLAY_LIMIT:]


def _current(path: str) -> str:
    """The served text of one rule file (404 for a path that is no rule file)."""
    if not PATH.fullmatch(path):
        abort(404)
    text = rule_texts(get_kb().rules_dir).get(path)
    if text is None:
        abort(404)
    return text


def save_rules(changes: dict[str, str | None], base: int, note: str | None):
    """Check `changes` and save them as the next version of the rule set from `base`: (check, saved version or None).
    Refused (None) when the draft does not load or breaks a test case; RulesConflict when someone saved since."""
    kb, store = get_kb(), get_store()
    check = check_draft(kb, changes, logged_recently())
    if not check.ok:
        return check, None
    served = rule_texts(kb.rules_dir)
    saved = store.rule_revisions.save(changes, before={p: served.get(p) for p in changes}, author=staff.actor(),
                                      base=base, note=note)
    sync_now()
    return check, saved


@bp.route("/files/<path:path>", methods=("GET", "POST"))
@staff.needs("admin")
def edit(path):
    """The editor: check the text (problems, rule tests, what-if replay), try a case with it beside the rules in
    force, or save it; a refused save keeps the text."""
    current = _current(path)
    base = get_store().rule_revisions.latest()
    text, check, tried, error, conflict, status = current, None, None, None, None, 200
    if request.method == "POST":
        form = inputs.fields(request.form, {"text", "base", "action", "note"}, strict=False)
        text = form.get("text", "")[:MAX_TEXT]  # shown back as it was sent (escaped)
        try:
            given = inputs.validated(RuleEdit, form)
        except InvalidInput as exc:
            error, status = describe(exc), 400
        else:
            text, base = given.text.replace("\r\n", "\n") + "\n", given.base
            try:
                if given.action == "save" and text == current:
                    error, status = {"field": "text", "message": _("The file is as it was: nothing to save.")}, 400
                elif given.action == "try":
                    tried, check = _try_draft(path, text)
                elif given.action == "save":
                    check, saved = save_rules({path: text}, base, given.note)
                    if saved:
                        return redirect(url_for("desk_rules.versions", saved=saved["version"]))
                    error, status = {"field": "text", "message": _(
                        "Not saved: fix the problems or the failing rule tests below.")}, 422
                else:
                    check = check_draft(get_kb(), {path: text}, logged_recently())
            except InvalidInput as exc:  # the try's case
                error, status = describe(exc), 400
            except RulesConflict as exc:
                conflict, status = exc, 409
                error = {"field": "text", "message": _(
                    "%(author)s saved the rules (version %(version)s) after you started editing. Their change is "
                    "below; merge it into your text and save again.", author=exc.current["author"],
                    version=exc.current["version"])}
    return render_template("desk/rule_edit.html", path=path, text=text, base=base, check=check, error=error,
                           conflict=conflict, max_text=MAX_TEXT, tried=tried, form=request.form, book=get_kb().book,
                           max_question=MAX_QUESTION), status


@bp.get("/versions")
@staff.needs("admin")
def versions():
    """Every saved version of the rule set, newest first, with its author and files; rollback to any earlier one."""
    return render_template("desk/rule_versions.html", history=get_store().rule_revisions.history(),
                           saved=request.args.get("saved", type=int), check=None), 200


@bp.get("/versions/<int:version>")
@staff.needs("admin")
def version(version):
    """What one version changed, file by file."""
    found = get_store().rule_revisions.get(version)
    lines = [line for path in sorted(found["files"]) for line in unified_texts(
        found["before"].get(path) or "", found["files"][path] or "", f"{path} version {version - 1}",
        f"{path} version {version}")]
    return render_template("desk/rule_version.html", revision=found, lines=lines)


@bp.post("/versions/<int:version>/rollback")
@staff.needs("admin")
def rollback(version):
    """Save the rule set as it was at `version` (0: the files before the first save) as the newest version; nothing
    is lost, the versions after it stay. Checked as a save is."""
    store = get_store()
    latest = store.rule_revisions.latest()
    if version >= latest:
        abort(404)
    target, served = store.rule_revisions.state(version), rule_texts(get_kb().rules_dir)
    changes = {path: text for path, text in target.items() if served.get(path) != text}
    if not changes:
        return redirect(url_for("desk_rules.versions"))
    try:
        check, saved = save_rules(changes, latest, f"rolled back to version {version}")
    except RulesConflict:
        return redirect(url_for("desk_rules.versions"))
    if saved is None:
        return render_template("desk/rule_versions.html", history=store.rule_revisions.history(), saved=None,
                               check=check, refused=version), 422
    return redirect(url_for("desk_rules.versions", saved=saved["version"]))


@bp.get("/log")
def logged():
    """The newest logged answers, with what the rules decided; an admin makes a wrong one a rule test case."""
    return render_template("desk/logged.html", rows=get_store().logs.recent(LOG_LIMIT))


@bp.route("/log/<int:log_id>", methods=("GET", "POST"))
@staff.needs("admin")
def logged_answer(log_id):
    """A logged answer and a form, filled with its input and outcome, for the outcome it should have had; saved as a
    case of rules/tests/from-log.yaml through the rules' save path (checked, versioned, audited)."""
    store = get_store()
    entry = next(iter(store.logs.decisions(log_id=log_id)), None)
    if entry is None:
        abort(404)
    decided = entry["decided"] or {}
    form = {"id": f"log-{log_id}", "scope": decided.get("scope"), "software": decided.get("software"),
            "channels": ", ".join(decided.get("channels") or []), "rules": ", ".join(entry["fired"] or []),
            "response_target_minutes": decided.get("response_target_minutes"), "base": store.rule_revisions.latest()}
    check, error, status = None, None, 200
    if request.method == "POST":
        form = inputs.fields(request.form, CASE_FIELDS, strict=False)
        try:
            given = inputs.validated(ExpectedOutcome, form)
            case = case_from_log(entry, given.expect(), given.id)
            check, saved = save_rules({FROM_LOG: _with_case(case)}, given.base, f"test case from logged answer #{log_id}")
        except InvalidInput as exc:
            error, status = describe(exc), 400
        except ValueError:  # add_case: the file already has a case of that id
            error, status = {"field": "id", "message": _("There is already a test case with that id.")}, 409
        except InvalidFiles as exc:  # the served file no longer loads: it must be fixed in its editor first
            error, status = {"field": "id", "message": _("%(file)s does not load: %(problem)s", file=FROM_LOG,
                                                         problem=str(exc).splitlines()[0])}, 422
        except RulesConflict as exc:
            error, status = {"field": "id", "message": _(
                "%(author)s saved the rules (version %(version)s) after you started; check the case and save again.",
                author=exc.current["author"], version=exc.current["version"])}, 409
            form = dict(form, base=exc.current["version"])
        else:
            if saved:
                return redirect(url_for("desk_rules.versions", saved=saved["version"]))
            error, status = {"field": "id", "message": _("Not saved: fix the problems or the failing rule tests below.")}, 422
    return render_template("desk/logged_answer.html", entry=entry, form=form, check=check, error=error,
                           book=get_kb().book), status


def _with_case(case: dict) -> str:
    """The text of FROM_LOG with `case` added, as `kb rules case-from-log` adds it (kb.replay.add_case)."""
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / Path(FROM_LOG).name
        served = rule_texts(get_kb().rules_dir).get(FROM_LOG)
        if served is not None:
            file.write_text(served, encoding="utf-8")
        add_case(file, case)
        return file.read_text(encoding="utf-8")

"""The `kb` command line: thin adapters that parse options, call the core and print."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from kb.accounts import ROLES
from kb.accounts import NewUser
from kb.errors import Conflict
from kb.errors import InvalidFiles
from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.rules.book import load_rulebook
from kb.rules.case import Onsite
from kb.rules.engine import decide
from kb.rules.intake import intake_for
from kb.rules.render import render_decision
from kb.rules.ruletests import run_rule_tests
from kb.schemas import AskRequest
from kb.schemas import parse
from kb.settings import Settings


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def _book(ctx):
    try:
        return load_rulebook(ctx.obj["settings"].rules_dir)
    except InvalidFiles as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False), help="Folder of rule files (KB_RULES_DIR).")
@click.option("--articles", "articles_dir", type=click.Path(file_okay=False), help="Folder of articles (KB_ARTICLES_DIR).")
@click.option("--index-dir", type=click.Path(file_okay=False), help="Where the search index lives (KB_INDEX_DIR).")
@click.pass_context
def cli(ctx, rules_dir, articles_dir, index_dir):
    """Support knowledge base: rules, articles, search and the scope assistant.

    Paths default to kb.settings (KB_* environment variables, instance/config.py): rules, articles and
    instance/index of the project."""
    given = {"rules_dir": rules_dir, "articles_dir": articles_dir, "index_dir": index_dir}
    try:
        settings = Settings(**{k: Path(v) for k, v in given.items() if v is not None})
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    ctx.ensure_object(dict).update(settings=settings)


def _print_decision(d: dict, as_json: bool) -> None:
    if as_json:
        click.echo(_dump(d))
        return
    c = d["case"]
    click.echo(f"scope: {d['scope']}  ({d['reason']})")
    if d["clause"]:
        click.echo(f"clause: 「{d['clause']['text']}」 — {d['clause']['source']}")
    severity = d["severity"]
    click.echo(f"software: {c['software'] or c['product'] or '-'} [{c['software_status']}]  activity: {c['activity']}  "
               f"plan: {c['plan'] or '-'}  severity: {severity['id']}{' (assumed)' if severity['assumed'] else ''}")
    if d["support_level"]:
        click.echo(f"support level: {d['support_level']['name']}")
    if d["response_target_minutes"] is not None:
        click.echo(f"response target: {d['response_target_minutes']} min ({d['response_kind']}) → deadline {d['deadline']}")
    for fact in d["facts"]:
        click.echo(f"fact: {fact['text']} — {fact['source']}")
    for i, ch in enumerate(d["channels"], 1):
        click.echo(f"channel {i}: {ch['name']} — {ch['how']} ({ch['why']}{'; ' + ch['note'] if ch.get('note') else ''})")
    for alt in d["alternatives"]:
        click.echo(f"instead: {alt['name']} — {alt['how']}")
    o = d["onsite"]
    if o and o["response_deadline"]:
        click.echo(f"onsite {o['mode']} level {o['fault_level']}: respond by {o['response_deadline']}, "
                   f"arrive by {o['arrival_deadline']} (in service hours: {o['in_service_hours']})")
    for note in d["notes"]:
        click.echo(f"note: {note}")
    click.echo("trace:")
    for t in d["rules"]:
        click.echo(f"  {t['id']}: {t['reason']}  [{t['source']}]")


@cli.command("ask")
@click.argument("question", required=False)
@click.option("--plan", help="Support plan id from rules/plans.yaml (e.g. S3).")
@click.option("--severity", help="Case severity id from rules/severities.yaml.")
@click.option("--onsite", "onsite_mode", help="Onsite contract mode from rules/onsite.yaml, if any.")
@click.option("--staff", type=click.IntRange(1, 100), default=1, show_default=True, help="Onsite staff count.")
@click.option("--city", help="City of the onsite contract.")
@click.option("--at", "reported_at", type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
              help="Reported at (Asia/Shanghai).")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of the answer (default: the question's).")
@click.option("--batch", type=click.File("r", encoding="utf-8"), help="Answer one question per line of this file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per line with --batch).")
@click.pass_context
def ask_command(ctx, question, plan, severity, onsite_mode, staff, city, reported_at, lang, batch, as_json):
    """Decide whether QUESTION is covered, through which channel and how fast, with the rules that fired."""
    if bool(question) == bool(batch):
        raise click.UsageError("give either a QUESTION or --batch FILE")
    book = _book(ctx)
    if reported_at is not None:  # a time typed without an offset is the rules' own zone (Asia/Shanghai)
        reported_at = reported_at.replace(tzinfo=ZoneInfo(book.calendar.timezone))
    onsite = {"mode": onsite_mode, "staff": staff, "city": city} if onsite_mode else None
    questions = [line.strip() for line in batch if line.strip()] if batch else [question]
    for text in questions:
        try:
            request = parse(AskRequest, {"question": text, "plan": plan.upper() if plan else None, "severity": severity,
                                         "onsite": onsite, "reported_at": reported_at, "lang": lang}, book)
        except InvalidInput as exc:
            error = exc.errors[0]
            raise click.BadParameter(str(error).removeprefix(f"{error.field}: "), param_hint=OPTIONS.get(error.field)) from exc
        case = intake_for(book).read(request.question, plan=request.plan, severity=request.severity,
                                     onsite=Onsite(onsite_mode, staff, city) if onsite else None,
                                     reported_at=request.reported_at)
        _print_decision(render_decision(book, decide(book, case), lang or case.lang).model_dump(mode="json"), as_json)


# The command-line option of each request field, for error messages.
OPTIONS = {"question": "QUESTION", "plan": "--plan", "severity": "--severity", "onsite_mode": "--onsite",
           "onsite_staff": "--staff", "onsite_city": "--city", "reported_at": "--at"}


@cli.group("rules")
def rules_group():
    """Check and test the rule files."""


@rules_group.command("check")
@click.option("--strict", is_flag=True, help="Also fail on rules no test makes fire and on conflicts.")
@click.pass_context
def rules_check_command(ctx, strict):
    """Validate every rule file against its schema and its references."""
    book = _book(ctx)
    click.echo(f"rules ok: {len(book.decisions)} decision rules, {len(book.plans)} plans, {len(book.catalog)} catalog rows")
    if strict:
        report = _run_tests(ctx, book)
        _print_coverage(report)
        if report.unfired or report.conflicts or not report.ok:
            raise SystemExit(1)


def _run_tests(ctx, book):
    try:
        return run_rule_tests(book, ctx.obj["settings"].rules_dir / "tests")
    except InvalidFiles as exc:
        raise click.ClickException(str(exc)) from exc


def _print_coverage(report) -> None:
    for r in report.unfired:
        click.echo(f"warning: rule {r['rule']} ({r['where']}) is fired by no test case")
    for c in report.conflicts:
        click.echo(f"warning: {c['case']}: rules {c['rules']} set {c['outcome']} to {c['values']}")


@rules_group.command("test")
@click.pass_context
def rules_test_command(ctx):
    """Run the cases in rules/tests/ and report failures, coverage and conflicts."""
    report = _run_tests(ctx, _book(ctx))
    _print_failures(report)
    _print_coverage(report)
    click.echo(f"{report.total - len(report.failures)} passed, {len(report.failures)} failed")
    if not report.ok:
        raise SystemExit(1)


@rules_group.command("replay")
@click.option("--rules", "draft_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="The draft rule folder (a branch's rules/), replayed against the live one (kb --rules).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
              help="Only questions logged and tickets filed since (UTC).")
@click.option("--log", "log_file", type=click.File("r", encoding="utf-8"),
              help="A decision log exported with `kb db export-log` (default: the database's log and tickets).")
@click.option("--url", help="Database URL (default: KB_DATABASE_URL, else SQLite in the instance folder).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.pass_context
def rules_replay_command(ctx, draft_dir, since, log_file, url, as_json):
    """Decide every logged question and ticket with the live rules and the draft, and report what the draft would
    change.

    Exit status: 0 after a replay (changes or not), 1 when the draft does not load."""
    import tempfile

    from kb.knowledge import KnowledgeBase
    from kb.replay import label
    from kb.replay import replay

    settings = ctx.obj["settings"]
    since = since.replace(tzinfo=ZoneInfo("UTC")) if since else None
    if log_file is not None:
        entries = [json.loads(line) for line in log_file if line.strip()]
        entries = [e for e in entries if since is None or dt.datetime.fromisoformat(e["created_at"]) >= since]
    else:
        entries = _replayable(ctx, url, since)
    with tempfile.TemporaryDirectory() as unused_index:  # deciding needs no search index
        try:
            live = KnowledgeBase(settings.rules_dir, settings.articles_dir, unused_index, embedder=None)
            draft = KnowledgeBase(draft_dir, settings.articles_dir, unused_index, embedder=None)
        except InvalidFiles as exc:
            raise click.ClickException(str(exc)) from exc
        report = replay(entries, live, draft)
    if as_json:
        click.echo(_dump(report.to_json()))
        return
    click.echo(f"{report.replayed} decisions replayed, {len(report.changes)} would change, "
               f"{len(report.failed)} could not be replayed")
    for name, count in report.by_field.most_common():
        click.echo(f"  {name:24} {count}")
    for cause, count in report.by_cause.most_common():
        click.echo(f"{cause}: {count} changed")
        for change in report.examples(cause):
            fields = "; ".join(f"{k} {a} -> {b}" for k, (a, b) in change.fields.items())
            click.echo(f"    {change.label} {change.question[:60]!r}: {fields}")
    for failure in report.failed[:10]:
        click.echo(f"could not replay {label(failure['source'], failure['ref'])}: {failure['error']}")


@rules_group.command("case-from-log")
@click.argument("log_id", type=click.IntRange(1))
@click.option("--expect", "expects", multiple=True, required=True, metavar="KEY=VALUE",
              help="What the answer should have been, as in a rule test (scope=out, software=ssh, rules=[a, b]).")
@click.option("--id", "case_id", help="The case's id (default log-LOG_ID).")
@click.option("--file", "tests_file", type=click.Path(dir_okay=False), help="Default: <rules>/tests/from-log.yaml.")
@click.option("--url", help="Database URL (default: KB_DATABASE_URL, else SQLite in the instance folder).")
@click.pass_context
def rules_case_from_log_command(ctx, log_id, expects, case_id, tests_file, url):
    """Turn a logged answer that was wrong into a rule test case with the outcome expected; it fails until the
    rules are fixed, and guards the fix afterwards. Prints whether the live rules pass it now."""
    import yaml

    from kb.replay import add_case
    from kb.replay import case_from_log
    from kb.rules.ruletests import check_case

    settings = ctx.obj["settings"]
    entry = next(iter(_logged(ctx, url, log_id=log_id)), None)
    if entry is None:
        raise click.ClickException(f"no logged answer #{log_id}")
    expect = {}
    for item in expects:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--expect")
        expect[key.strip()] = yaml.safe_load(value)
    case = case_from_log(entry, expect, case_id)
    path = Path(tests_file) if tests_file else settings.rules_dir / "tests" / "from-log.yaml"
    try:
        add_case(path, case)
    except (InvalidFiles, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    mismatches, _conflicts, _fired = check_case(_book(ctx), case)
    click.echo(f"added {case['id']} to {path}")
    click.echo("the live rules pass it" if not mismatches else "the live rules fail it: " + "; ".join(mismatches))


def _logged(ctx, url, since=None, log_id=None) -> list[dict]:
    """The database's decision log, oldest first (or the one answer `log_id`)."""
    with _store(ctx, url) as store:
        return store.logs.decisions(since, log_id)


def _replayable(ctx, url, since=None) -> list[dict]:
    """The database's decision log and tickets, oldest first: what a draft is replayed against."""
    from kb.replay import replayable

    with _store(ctx, url) as store:
        return replayable(store, since)


def _knowledge(ctx):
    from kb.knowledge import KnowledgeBase

    try:
        return KnowledgeBase.from_settings(ctx.obj["settings"])
    except InvalidFiles as exc:
        raise click.ClickException(str(exc)) from exc


@cli.group("articles")
def articles_group():
    """Check the article library."""


@articles_group.command("check")
@click.pass_context
def articles_check_command(ctx):
    """Validate every article: front matter, sections, ids, translations, related links."""
    from kb.content.articles import load_library

    book = _book(ctx)
    lib = load_library(ctx.obj["settings"].articles_dir, book.topics())
    for problem in lib.problems:
        click.echo(str(problem))
    click.echo(f"{len(lib.articles)} articles ok, {len(lib.problems)} problems")
    if lib.problems:
        raise SystemExit(1)


@cli.command("index")
@click.pass_context
def index_command(ctx):
    """Build the search index into a new folder and switch to it atomically."""
    kb = _knowledge(ctx)
    for problem in kb.problems():
        click.echo(f"warning: {problem}", err=True)
    build = kb.build_index(progress=True)
    manifest = json.loads((build / "manifest.json").read_text())
    click.echo(f"index {build.name}: {manifest['articles']} articles, {manifest['passages']} passages, "
               f"{len(manifest['embedded'])} articles embedded anew")


@cli.command("search")
@click.argument("query", required=False)
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Only articles in this language.")
@click.option("--software", help="Only articles about this catalog key or topic.")
@click.option("--mode", type=click.Choice(["hybrid", "keyword", "semantic"]), default="hybrid", show_default=True)
@click.option("--limit", type=click.IntRange(1, 50), default=10, show_default=True)
@click.option("--batch", type=click.File("r", encoding="utf-8"), help="One query per line of this file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one list per line with --batch).")
@click.pass_context
def search_command(ctx, query, lang, software, mode, limit, batch, as_json):
    """Search the articles."""
    if bool(query) == bool(batch):
        raise click.UsageError("give either a QUERY or --batch FILE")
    kb = _knowledge(ctx)
    for text in ([line.strip() for line in batch if line.strip()] if batch else [query]):
        hits = kb.search(text, lang=lang, software=software, limit=limit, mode=mode)
        if as_json:
            click.echo(_dump([h.to_dict() for h in hits]))
            continue
        if hits.suggestion:
            click.echo(f"Did you mean: {hits.suggestion}")
        for i, h in enumerate(hits, 1):
            click.echo(f"{i:2}. {h.id}  [{h.software}]  {h.title}  ({h.score})")


@cli.command("eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False))
@click.option("--min", "minimums", multiple=True, metavar="NAME=VALUE",
              help="Fail below this, e.g. hybrid:lang:zh:recall@5=0.9 or assistant:scope_accuracy=0.8.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def eval_command(ctx, queries, minimums, as_json):
    """Measure search (keyword, semantic, hybrid, hybrid without the bridge) and the assistant."""
    from kb.evaluation import check_thresholds
    from kb.evaluation import evaluate
    from kb.evaluation import format_report
    from kb.evaluation import load_queries

    report = evaluate(_knowledge(ctx), load_queries(queries))
    click.echo(_dump(report) if as_json else format_report(report))
    failures = check_thresholds(report, dict(_threshold(m) for m in minimums))
    for failure in failures:
        click.echo(f"FAIL {failure}", err=True)
    if failures:
        raise SystemExit(1)


@cli.command("eval-real")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--split", type=click.Choice(["tune", "holdout"]), help="Only the items of this split.")
@click.option("--fold", type=click.Choice(["A", "B"]), help="Only this half of the tune split (sha1(id) even: A, odd: B).")
@click.option("--min", "minimums", multiple=True, metavar="GROUP:METRIC=VALUE",
              help="Fail below this (above, for `unknown`), e.g. split:tune:scope=0.9 or split:tune:lang:zh:unknown=0.05.")
@click.option("--no-kinds", is_flag=True, help="Leave the per-kind lines out of the table.")
@click.option("--json", "as_json", is_flag=True, help="Print the report, with every miss, as JSON.")
@click.pass_context
def eval_real_command(ctx, files, split, fold, minimums, no_kinds, as_json):
    """Measure the assistant on labelled real questions (docs/labelling-guide.md): scope, recall of out, software,
    unknown rate and the channels of failure reports, per split, language and kind."""
    from kb.evaluation import check_real_thresholds
    from kb.evaluation import evaluate_real
    from kb.evaluation import fold_of
    from kb.evaluation import format_real
    from kb.evaluation import load_real

    items = [i for i in load_real(files) if split in (None, i["split"])
             and (fold is None or i["split"] == "tune" and fold_of(i) == fold)]
    report = evaluate_real(_knowledge(ctx), items)
    click.echo(_dump(report) if as_json else format_real(report, kinds=not no_kinds))
    failures = check_real_thresholds(report, dict(_threshold(m) for m in minimums))
    for failure in failures:
        click.echo(f"FAIL {failure}", err=True)
    if failures:
        raise SystemExit(1)


def _threshold(text: str) -> tuple[str, float]:
    name, _, value = text.rpartition("=")
    try:
        return name, float(value)
    except ValueError:
        raise click.BadParameter(f"expected NAME=NUMBER, got {text!r}") from None


@cli.group("db")
def db_group():
    """The database of tickets, votes and logs."""


@db_group.command("upgrade")
@click.option("--url", help="Database URL (default: KB_DATABASE_URL, else SQLite in the instance folder).")
@click.pass_context
def db_upgrade_command(ctx, url):
    """Migrate the database to the newest revision: a deploy step outside development."""
    from kb.store import Store

    settings = ctx.obj["settings"]
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    store = Store(url or settings.database)
    try:
        store.upgrade()
        current, _head = store.db.revision()
    finally:
        store.close()
    click.echo(f"database at revision {current}")


@db_group.command("export-log")
@click.option("--url", help="Database URL (default: KB_DATABASE_URL, else SQLite in the instance folder).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
              help="Only questions logged and tickets filed since (UTC).")
@click.pass_context
def db_export_log_command(ctx, url, since):
    """Print the decision log and the tickets (their decided input, no contact) as JSON lines, for `kb rules replay
    --log` on another machine (CI, a branch)."""
    for entry in _replayable(ctx, url, since.replace(tzinfo=ZoneInfo("UTC")) if since else None):
        click.echo(_dump(entry))


@contextmanager
def _store(ctx, url: str | None):
    """The settings' database (or `url`), migrated in development as the site does; closed afterwards."""
    from kb.store import Store

    settings = ctx.obj["settings"]
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    store = Store(url or settings.database)
    try:
        if settings.development:
            store.upgrade()
        yield store
    finally:
        store.close()


def _invalid(exc: InvalidInput) -> click.BadParameter:
    error = exc.errors[0]
    return click.BadParameter(str(error).removeprefix(f"{error.field}: "), param_hint=error.field)


@cli.group("users")
def users_group():
    """Staff accounts of the engineers' desk (roles: editor, admin)."""


URL_OPTION = click.option("--url", help="Database URL (default: KB_DATABASE_URL, else SQLite in the instance folder).")


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="editor: articles and tickets; admin: also rules and users.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@URL_OPTION
@click.pass_context
def users_add_command(ctx, name, role, password_stdin, url):
    """Create the account NAME; the password is asked for (twice) unless --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        new = parse(NewUser, {"name": name, "role": role, "password": password})
    except InvalidInput as exc:
        raise _invalid(exc) from exc
    with _store(ctx, url) as store:
        try:
            store.users.add(new.name, new.role, new.password, actor=f"cli:{getpass.getuser()}")
        except Conflict as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"added {new.name} ({new.role})")


@users_group.command("list")
@URL_OPTION
@click.pass_context
def users_list_command(ctx, url):
    """Every account with its role, and its lock if it has one."""
    with _store(ctx, url) as store:
        for user in store.users.all():
            locked = f"  locked until {user['locked_until'].isoformat()}" if user["locked_until"] else ""
            click.echo(f"{user['name']}\t{user['role']}{locked}")


@users_group.command("unlock")
@click.argument("name")
@URL_OPTION
@click.pass_context
def users_unlock_command(ctx, name, url):
    """Lift the lock that failed sign-ins put on NAME."""
    with _store(ctx, url) as store:
        try:
            store.users.unlock(name, actor=f"cli:{getpass.getuser()}")
        except NotFound as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"unlocked {name}")


@cli.group("content")
def content_group():
    """Articles and rules saved on the desk (database revisions) to and from the files in git."""


@content_group.command("export")
@click.option("--to", "folder", type=click.Path(file_okay=False), help="Write into this folder (default: the articles).")
@click.option("--rules-to", "rules_folder", type=click.Path(file_okay=False),
              help="Write the saved rule set into this folder (default: the rules).")
@URL_OPTION
@click.pass_context
def content_export_command(ctx, folder, rules_folder, url):
    """Write the newest saved version of every edited article and rule file into the files, to commit and review in
    git."""
    from kb.content.revisions import publish
    from kb.drafts import write_rules

    settings = ctx.obj["settings"]
    with _store(ctx, url) as store:
        changed = publish(Path(folder) if folder else settings.articles_dir, store.revisions.newest())
        rules = write_rules(Path(rules_folder) if rules_folder else settings.rules_dir, store.rule_revisions.state())
    for path in [*changed, *(f"rules/{p}" for p in rules)]:
        click.echo(f"wrote {path}")
    click.echo(f"{len(changed) + len(rules)} files written")


@content_group.command("import")
@URL_OPTION
@click.pass_context
def content_import_command(ctx, url):
    """Save every article and rule file changed in git since its newest saved version as a new version (after a
    pull or a merge), so that every host serves it. Rules are imported only if they load and pass their tests."""
    from kb.content.revisions import changed_files
    from kb.content.revisions import check

    book = _book(ctx)
    with _store(ctx, url) as store:
        newest = store.revisions.newest()
        changed = changed_files(ctx.obj["settings"].articles_dir, newest)
        broken = {path: problems for path, text in changed.items() if (problems := check(text, path, book.topics())[1])}
        for problem in (p for problems in broken.values() for p in problems):
            click.echo(str(problem), err=True)
        if broken:
            raise click.ClickException(f"{len(broken)} files have problems: nothing imported")
        rules = _changed_rules(ctx, store, book)
        for path, text in sorted(changed.items()):
            saved = store.revisions.save(path, text, author=f"cli:{getpass.getuser()}", base=newest[path]["version"],
                                         note="imported from the files")
            click.echo(f"{path}: version {saved['version']}")
        if rules:
            saved = store.rule_revisions.save(rules, before=store.rule_revisions.state(), author=f"cli:{getpass.getuser()}",
                                              base=store.rule_revisions.latest(), note="imported from the files")
            click.echo(f"rules ({', '.join(sorted(rules))}): version {saved['version']}")
    click.echo(f"{len(changed) + len(rules)} files imported")


def _print_failures(report, err: bool = False) -> None:
    for f in report.failures:
        click.echo(f"FAIL {f['case']}", err=err)
        for p in f["problems"]:
            click.echo(f"    {p}", err=err)


def _changed_rules(ctx, store, book) -> dict[str, str | None]:
    """The rule files whose text differs from the saved rule set's (None: removed from the folder), refused unless
    the folder's rules pass their test cases (they have loaded: `book`)."""
    from kb.drafts import rule_texts

    files, saved = rule_texts(ctx.obj["settings"].rules_dir), store.rule_revisions.state()
    changed = {path: files.get(path) for path, text in saved.items() if files.get(path) != text}
    if changed:
        report = _run_tests(ctx, book)
        _print_failures(report, err=True)
        if not report.ok:
            raise click.ClickException(f"{len(report.failures)} rule test cases fail: nothing imported")
    return changed


if __name__ == "__main__":
    cli()

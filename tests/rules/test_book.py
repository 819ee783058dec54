import re
import shutil

from click.testing import CliRunner

from kb.cli import cli
from kb.errors import RuleError
from kb.rules.book import load_rulebook
from kb.rules.ruletests import run_rule_tests
from tests.conftest import RULES


def copy_rules(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def test_shipped_rules_load_with_every_catalog_row(book):
    assert list(book.catalog) == ["ssh", "rdp", "scp_rsync", "sftp", "ftp", "firewall_linux", "firewall_windows"]
    assert set(book.plans) == {"S1", "S2", "S3", "S4"}
    assert all(rule.source for rule in book.decisions)


def test_shipped_rule_tests_pass_and_fire_every_rule(book):
    report = run_rule_tests(book, RULES / "tests")
    assert report.total >= 80
    assert report.failures == []
    assert report.unfired == []
    assert report.conflicts == []


def test_yaml_syntax_error_is_reported_with_file_and_line(tmp_path):
    rules = copy_rules(tmp_path)
    text = (rules / "plans.yaml").read_text().replace("rank: 2", "rank: [2")
    (rules / "plans.yaml").write_text(text)
    try:
        load_rulebook(rules)
    except RuleError as exc:
        problem = exc.problems[0]
        assert problem.path.endswith("plans.yaml") and problem.line
    else:
        raise AssertionError("broken YAML was accepted")


def test_schema_error_points_at_the_offending_line(tmp_path):
    rules = copy_rules(tmp_path)
    lines = (rules / "decisions.yaml").read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if "priority: 50" in line)
    lines[index] = "    priority: high"
    (rules / "decisions.yaml").write_text("\n".join(lines))
    try:
        load_rulebook(rules)
    except RuleError as exc:
        assert any(p.line == index + 1 and "priority" in p.message for p in exc.problems)
    else:
        raise AssertionError("a string priority was accepted")


def test_unknown_condition_and_alternative_are_reported(tmp_path):
    rules = copy_rules(tmp_path)
    text = (rules / "decisions.yaml").read_text()
    text = text.replace("when: {activity: [develop]}", "when: {colour: [develop]}", 1)
    text = text.replace("alternatives: [expert_services]", "alternatives: [astrologer]")
    (rules / "decisions.yaml").write_text(text)
    try:
        load_rulebook(rules)
    except RuleError as exc:
        messages = " ".join(p.message for p in exc.problems)
        assert "unknown condition `colour`" in messages and "unknown alternative `astrologer`" in messages
    else:
        raise AssertionError("unknown names were accepted")


def test_rules_check_exits_1_on_a_broken_file(tmp_path):
    rules = copy_rules(tmp_path)
    (rules / "channels.yaml").write_text("kind: channels\nchannels: nope\n")
    result = CliRunner().invoke(cli, ["--rules", str(rules), "rules", "check"])
    assert result.exit_code == 1
    assert "channels.yaml" in result.output


def test_rules_check_strict_and_rules_test_pass_on_shipped_rules():
    runner = CliRunner()
    assert runner.invoke(cli, ["--rules", str(RULES), "rules", "check", "--strict"]).exit_code == 0
    result = runner.invoke(cli, ["--rules", str(RULES), "rules", "test"])
    assert result.exit_code == 0 and " 0 failed" in result.output


def test_a_catalog_row_can_be_added_without_code(tmp_path):
    rules = copy_rules(tmp_path)
    with open(rules / "catalog.yaml", "a", encoding="utf-8") as f:
        f.write("""  - key: telnet
    category: remote_access_file_copy
    name: {zh: Telnet, en: Telnet}
    aliases: [telnetd]
    range: {zh: 测试行, en: test row}
    platforms:
      - {os: linux, image: provider}
    examples:
      - id: telnet.connect
        text: {zh: 连接失败排查, en: connection failures}
    source: test fixture
""")
    book = load_rulebook(rules)
    from kb.rules.engine import decide
    from kb.rules.intake import Intake

    decision = decide(book, Intake(book).read("telnetd connection failed", plan="S3"))
    assert decision.case.software == "telnet" and decision.scope == "in"


def test_a_running_knowledge_base_keeps_its_last_good_rules(tmp_path):
    from kb.knowledge import KnowledgeBase
    from tests.conftest import ARTICLES

    rules = copy_rules(tmp_path)
    kb = KnowledgeBase(rules, ARTICLES, tmp_path / "index", embedder=None)
    (rules / "plans.yaml").write_text("kind: plans\nplans: [\n")
    assert kb.refresh(min_interval=0)
    assert kb.rule_problems and kb.rule_problems[0].path.endswith("plans.yaml")
    assert kb.ask("sshd fails to start", plan="S3").response_minutes == 120


def test_plan_channels_are_derived_from_channels_yaml_only(book):
    assert all("channels" not in plan.model_dump() for plan in book.plans.values())
    ids = {pid: [ch.id for ch in book.plan_channels(pid) if "self_service" not in ch.purposes] for pid in book.plans}
    assert ids["S1"] == ["ticket", "online", "im_group", "tam", "dedicated_hotline", "hotline", "architecture", "expert_escort"]
    assert ids["S2"] == ["ticket", "online", "im_group", "dedicated_hotline", "hotline", "expert_escort"]
    assert ids["S3"] == ids["S4"] == ["ticket", "online", "hotline"]
    escort = book.channel("expert_escort")
    assert book.channel_offer(escort, "S2") == "paid"


def test_every_message_is_used_and_a_missing_one_is_reported(tmp_path, book):
    from kb.rules.text import MESSAGE_KEYS

    assert set(book.messages) == set(MESSAGE_KEYS)
    rules = copy_rules(tmp_path)
    text = (rules / "messages.yaml").read_text(encoding="utf-8")
    (rules / "messages.yaml").write_text("\n".join(line for line in text.splitlines() if not line.startswith("  scope_unknown:")),
                                         encoding="utf-8")
    try:
        load_rulebook(rules)
    except RuleError as exc:
        assert any(p.path.endswith("messages.yaml") and "scope_unknown" in p.message for p in exc.problems)
    else:
        raise AssertionError("a missing message was accepted")


def test_a_service_question_naming_an_unknown_channel_is_reported(tmp_path):
    rules = copy_rules(tmp_path)
    lexicon = rules / "lexicon" / "intake.yaml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace("channels: [im_group]", "channels: [carrier_pigeon]"),
                       encoding="utf-8")
    try:
        load_rulebook(rules)
    except RuleError as exc:
        assert any("unknown channel `carrier_pigeon`" in p.message for p in exc.problems)
    else:
        raise AssertionError("an unknown channel was accepted")


def test_ask_validates_choices_against_the_loaded_rules():
    runner = CliRunner()
    result = runner.invoke(cli, ["--rules", str(RULES), "ask", "x", "--plan", "S9"])
    assert result.exit_code == 2 and "S1, S2, S3, S4" in result.output
    result = runner.invoke(cli, ["--rules", str(RULES), "ask", "does the Enterprise plan have a TAM?"])
    assert result.exit_code == 0 and "fact: S2 (Enterprise) does not include" in result.output


def test_kb_ask_stamps_questions_with_the_real_time_on_a_utc_host():
    """A naive local "now" on a UTC host made every question 8 hours early (and every deadline wrong)."""
    import datetime as dt
    import json
    import os
    import subprocess
    import sys

    env = dict(os.environ, TZ="UTC")
    before = dt.datetime.now(dt.UTC)
    out = subprocess.run([sys.executable, "-m", "kb.cli", "--rules", str(RULES), "ask", "sshd fails to start", "--plan", "S3",
                          "--json"], env=env, capture_output=True, text=True, check=True).stdout
    reported = dt.datetime.fromisoformat(json.loads(out)["case"]["reported_at"])
    assert reported.utcoffset() == dt.timedelta(hours=8)  # shown in the rules' zone, Asia/Shanghai
    assert before - dt.timedelta(seconds=5) <= reported <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)


def test_an_edit_copied_in_with_an_older_time_is_still_picked_up(tmp_path):
    """Reload decided on file count and newest mtime, so `cp -p`, `git checkout` or rsync edits were never served."""
    import os

    from kb.knowledge import KnowledgeBase
    from tests.conftest import ARTICLES

    rules = copy_rules(tmp_path)
    kb = KnowledgeBase(rules, ARTICLES, tmp_path / "index", embedder=None)
    served = kb.fingerprint
    plans = rules / "plans.yaml"
    before = plans.stat()
    plans.write_text(plans.read_text(encoding="utf-8").replace("business_down: 15", "business_down: 10", 1), encoding="utf-8")
    os.utime(plans, ns=(before.st_atime_ns, before.st_mtime_ns - 10**12))  # as `cp -p` of an older file leaves it
    assert kb.refresh(min_interval=0)
    assert kb.fingerprint != served and kb.book.plans["S1"].response.by_severity["business_down"] == 10
    assert not kb.refresh(min_interval=0)  # nothing changed since


def test_the_readme_lists_every_condition_the_rules_can_use():
    from kb.rules.conditions import CONDITIONS
    from tests.conftest import ROOT

    table = (ROOT / "README.md").read_text(encoding="utf-8").split("Conditions (`kb/rules/conditions.py`):")[1]
    table = table.split("Outcomes:")[0]
    assert sorted(CONDITIONS) == sorted(re.findall(r"^\| `(\w+)` \|", table, re.M))


def test_every_citation_reads_in_english_with_its_chinese_original(book):
    from kb.rules.render import render_decision

    assert book.sources.english("服务计划说明书 / 服务范围包含 / 配置或使用") == \
        "Service plan description / Scope of service: included / Configuration or use"
    heading = "服务计划说明书 / 支持渠道"
    assert book.sources.cite(heading, "zh") == {"source": heading, "source_original": None}
    assert book.sources.cite("our own wording (not from the seeds)", "en")["source_original"] is None
    from kb.rules.engine import decide
    from kb.rules.intake import Intake
    case = Intake(book).read("sshd won't start on my server", plan="S2")
    view = render_decision(book, decide(book, case), "en")
    cited = [view.clause, *view.rules, *view.channels]
    assert all(c.source_original and not re.search("[\u4e00-\u9fff]", c.source) for c in cited)


def test_a_citation_with_an_untranslated_heading_is_reported_at_its_line(tmp_path):
    rules = copy_rules(tmp_path)
    scope = rules / "scope.yaml"
    lines = scope.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("source: 服务计划说明书 / 服务范围包含"))
    lines[at] = lines[at].split("source:")[0] + "source: 服务计划说明书 / 新的一节"
    scope.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        load_rulebook(rules)
    except RuleError as exc:
        assert [(p.path.endswith("scope.yaml"), p.line) for p in exc.problems if "新的一节" in p.message] == [(True, at + 1)]
    else:
        raise AssertionError("a citation with no English name was accepted")


def test_a_heading_no_rule_cites_is_reported_at_its_line(tmp_path):
    rules = copy_rules(tmp_path)
    sources = rules / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text + '  - {zh: "无人引用的一节", en: "A section nobody cites"}\n', encoding="utf-8")
    try:
        load_rulebook(rules)
    except RuleError as exc:
        assert [(p.path.endswith("sources.yaml"), p.line) for p in exc.problems] == [(True, len(text.splitlines()) + 1)]
    else:
        raise AssertionError("a heading no rule cites was accepted")

"""Every key of every rule file is either checked by the loader or truly optional: renaming or deleting one in a copy
of rules/ gives a located problem (file and line) or a rule book that still answers every kind of question."""

from __future__ import annotations

import datetime as dt
import functools
import shutil

import pytest
import yaml

from kb.errors import RuleError
from kb.rules import book as book_module
from kb.rules.book import load_rulebook
from kb.rules.book import rule_files
from kb.rules.case import Onsite
from kb.rules.engine import decide
from kb.rules.intake import Intake
from kb.rules.render import render_decision
from kb.yamlfile import parse_yaml
from tests.conftest import RULES

# Questions that between them reach every part of the rule book: catalog rows and their platforms, plans and their
# features, channels, severities, the onsite clock (a holiday night), service questions, and out-of-scope work.
SMOKE = [
    ("vsftpd 3.0.2 被动模式 列表超时", {"plan": "S3"}),
    ("sshd fails to start after editing sshd_config", {"plan": "S4"}),
    ("how do I install MySQL on my server", {"plan": "S1"}),
    ("S4 可以用 IM 企业群吗", {}),
    ("旗舰版响应时间是多久", {}),
    ("驻场服务的交付报告有哪些，节假日加班怎么调休", {"onsite": Onsite("5x8", 2, "上海")}),
    ("平台瘫痪", {"plan": "S2", "onsite": Onsite("5x8", 2, "上海"), "reported_at": dt.datetime(2026, 10, 3, 22, 0)}),
    ("双十一大促期间需要护航保障，架构师能帮忙吗", {"plan": "S1"}),
    ("FileZilla Server 0.9.60.2 on Windows Server 2019 530 login incorrect", {"plan": "S2", "severity": "business_down"}),
]


def _key_sites():
    """(file, key path, line, column) of the first instance of every key pattern in the shipped rule files."""
    sites: dict[tuple, tuple] = {}

    def walk(node, path, name):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = path + (key.value,)
                pattern = (name,) + tuple("*" if isinstance(step, int) else step for step in here)
                sites.setdefault(pattern, (name, here, key.start_mark.line + 1, key.start_mark.column))
                walk(value, here, name)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,), name)

    for path in rule_files(RULES):
        walk(yaml.compose(path.read_text(encoding="utf-8")), (), path.relative_to(RULES).as_posix())
    return sorted(sites.values())


SITES = _key_sites()
pytestmark = pytest.mark.slow  # a thousand rule books are loaded
IDS = ["/".join(map(str, site[1])) + "@" + site[0] for site in SITES]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A copy of rules/ that each case changes one file of and restores; YAML parsing cached by content."""
    target = tmp_path_factory.mktemp("keys") / "rules"
    shutil.copytree(RULES, target)
    patch = pytest.MonkeyPatch()
    patch.setattr(book_module, "parse_yaml", functools.lru_cache(maxsize=None)(parse_yaml))
    yield target
    patch.undo()


def _answers_everything(book) -> None:
    intake = Intake(book)
    for text, given in SMOKE:
        decision = decide(book, intake.read(text, **given), now=dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
        for lang in ("zh", "en"):
            render_decision(book, decision, lang)


def _changed(workspace, name, text):
    original = (workspace / name).read_text(encoding="utf-8")
    (workspace / name).write_text(text, encoding="utf-8")
    try:
        return load_rulebook(workspace), None
    except RuleError as exc:
        return None, exc
    finally:
        (workspace / name).write_text(original, encoding="utf-8")


@pytest.mark.parametrize(("name", "path", "line", "column"), SITES, ids=IDS)
def test_renaming_a_key_is_reported_at_its_line(workspace, name, path, line, column):
    lines = (workspace / name).read_text(encoding="utf-8").splitlines(keepends=True)
    key = str(path[-1])
    assert lines[line - 1][column:].startswith(key)
    lines[line - 1] = lines[line - 1][:column] + key + "_renamed" + lines[line - 1][column + len(key):]
    _book, error = _changed(workspace, name, "".join(lines))
    assert error is not None, f"{name}: renaming `{'/'.join(map(str, path))}` was accepted"
    located = [p for p in error.problems if p.path.endswith(name) and p.line]
    assert located and min(p.line for p in located) <= line, error.problems


@pytest.mark.parametrize(("name", "path", "line", "column"), SITES, ids=IDS)
def test_deleting_a_key_is_reported_or_optional(workspace, name, path, line, column):
    data = yaml.safe_load((workspace / name).read_text(encoding="utf-8"))
    parent = functools.reduce(lambda node, step: node[step], path[:-1], data)
    del parent[path[-1]]
    book, error = _changed(workspace, name, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    if error is None:
        _answers_everything(book)
    else:
        assert all(p.line for p in error.problems if p.path.endswith(".yaml")), error.problems

import shutil

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.content.articles import load_library
from kb.content.articles import parse_article
from kb.content.render import render_markdown
from tests.conftest import ARTICLES
from tests.conftest import RULES

GOOD = """---
id: demo-topic-en
lang: en
translation_key: demo-topic
title: "Demo: sshd fails"
summary: "A short summary of the demo topic."
software: ssh
category: troubleshooting
symptoms: ["sshd: no hostkeys available -- exiting."]
applies_to: ["CentOS 7"]
tags: [sshd, 22]
updated: 2026-11-22
related: []
---

## Symptoms

It fails.

## Fix

```bash
sshd -t
```
"""
TOPICS = {"ssh", "plans"}


def test_good_article_parses_and_renders_anchors():
    article, problems = parse_article(GOOD, "demo.en.md")
    assert problems == []
    assert [s.heading for s in article.sections] == ["Symptoms", "Fix"]
    assert '<h2 id="symptoms">' in article.html and "language-bash" in article.html
    assert article.tags == ("sshd", "22")


def test_search_text_has_no_markdown_marks():
    article, _ = parse_article(GOOD.replace("It fails.", "It **fails** with `code 255`.\n\n| a | b |\n|---|---|\n| 1 < 2 | x |"),
                               "demo.en.md")
    assert article.sections[0].text == "It fails with code 255.\na  b\n1 < 2  x"
    assert article.sections[1].text == "sshd -t"
    assert "**" not in article.text and "```" not in article.text and "#" not in article.text


@pytest.mark.parametrize(("broken", "line", "words"), [
    (GOOD.replace("lang: en", "lang: fr"), 3, "lang"),
    (GOOD.replace("title: \"Demo: sshd fails\"\n", ""), 1, "title"),
    (GOOD.replace("summary: \"A short", "summary: [\"A short"), None, "invalid YAML"),
    (GOOD.replace("It fails.", ""), 16, "empty section"),
    (GOOD.replace("## Symptoms", "# Symptoms"), 16, "level-1"),
    (GOOD.replace("---\nid", "id", 1), 1, "front matter"),
    (GOOD.replace("updated: 2026-11-22", "updated: yesterday"), 12, "updated"),
])
def test_each_validation_error_names_the_line(broken, line, words):
    article, problems = parse_article(broken, "demo.en.md")
    assert article is None
    assert any(words in p.message for p in problems), problems
    if line:
        assert any(p.line == line for p in problems), problems


@pytest.mark.parametrize("evil", [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)" onclick="x()">a</a>',
    "<iframe src=\"https://evil.example\"></iframe>",
])
def test_rendering_never_lets_script_through(evil):
    html = render_markdown(f"## T\n\n{evil}\n")
    lowered = html.lower()
    assert "<script" not in lowered and "onerror" not in lowered and "onclick" not in lowered
    assert "javascript:" not in lowered and "<iframe" not in lowered


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_library_checks_translations_related_topics_and_duplicates(tmp_path):
    zh = GOOD.replace("demo-topic-en", "demo-topic-zh").replace("lang: en", "lang: zh")
    write(tmp_path / "ssh", "demo-topic.en.md", GOOD.replace("related: []", "related: [missing-topic]"))
    write(tmp_path / "ssh", "demo-topic.zh.md", zh)
    write(tmp_path / "ssh", "copy.zh.md", zh)
    write(tmp_path / "ssh", "lonely.en.md", GOOD.replace("demo-topic", "lonely"))
    write(tmp_path / "ssh", "apart.en.md", GOOD.replace("demo-topic", "apart"))
    write(tmp_path / "ssh", "apart.zh.md", zh.replace("demo-topic", "apart").replace("troubleshooting", "configuration"))
    write(tmp_path / "ssh", "bad-software.en.md", GOOD.replace("demo-topic", "odd").replace("software: ssh", "software: mysql"))
    lib = load_library(tmp_path, TOPICS)
    messages = " | ".join(p.message for p in lib.problems)
    assert "related topic `missing-topic` does not exist" in messages
    assert "duplicate id `demo-topic-zh`" in messages
    assert "no zh translation for `lonely`" in messages
    assert "software `mysql`" in messages
    assert "category differs from its `zh` translation (apart-zh: configuration)" in messages
    apart = [p for p in lib.problems if p.path.endswith("apart.en.md")]
    assert [(p.line, p.severity) for p in apart] == [(8, "warning")]  # at the field's line
    assert set(lib.articles) == {"demo-topic-en", "demo-topic-zh", "lonely-en", "apart-en", "apart-zh"}


def test_a_broken_edit_keeps_the_last_good_version(tmp_path):
    write(tmp_path / "ssh", "demo-topic.en.md", GOOD)
    first = load_library(tmp_path, TOPICS)
    write(tmp_path / "ssh", "demo-topic.en.md", GOOD.replace("lang: en", "lang: [oops"))
    second = load_library(tmp_path, TOPICS, previous=first)
    assert second.problems and "demo-topic-en" in second.articles
    assert second.articles["demo-topic-en"].title == "Demo: sshd fails"


def test_shipped_library_is_complete_and_clean():
    result = CliRunner().invoke(cli, ["--rules", str(RULES), "--articles", str(ARTICLES), "articles", "check"])
    assert result.exit_code == 0, result.output
    lib = load_library(ARTICLES, TOPICS | {"rdp", "scp_rsync", "sftp", "ftp", "firewall_linux", "firewall_windows", "onsite"})
    assert len(lib.articles) >= 120
    keys = {a.translation_key for a in lib.articles.values()}
    assert len(keys) >= 60


def test_articles_check_exits_1_on_a_bad_file(tmp_path):
    shutil.copytree(ARTICLES / "plans", tmp_path / "plans")
    (tmp_path / "plans" / "plans-overview.en.md").write_text("no front matter\n")
    result = CliRunner().invoke(cli, ["--rules", str(RULES), "--articles", str(tmp_path), "articles", "check"])
    assert result.exit_code == 1
    assert "plans-overview.en.md:1" in result.output


@pytest.mark.parametrize(("html", "shown"), [("<b>bold</b>", "<b>"), ('<img src="x" onerror="alert(1)">', "<img"),
                                             ("<!-- note -->", "<!--"), ("</div>", "</div>")])
def test_raw_html_in_the_markdown_is_reported_at_its_line(html, shown):
    article, problems = parse_article(GOOD.replace("It fails.", f"It fails.\n\n{html}"), "demo.en.md")
    assert article is None
    assert [p.line for p in problems if shown in p.message] == [20]  # "It fails." is line 18


def test_html_in_code_and_autolinks_are_not_raw_html():
    body = "It fails.\n\nRun `echo <b>` and see <https://example.com/a>.\n\n```\n<div>in a fence</div>\n```"
    article, problems = parse_article(GOOD.replace("It fails.", body), "demo.en.md")
    assert problems == [] and article is not None

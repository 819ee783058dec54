"""The request's language, the switch between languages, and the catalogues."""

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT
from tests.conftest import text_of


def test_every_ui_string_has_a_chinese_translation_and_no_stale_one():
    """The catalogue matches what the code and templates say: pybabel extract, then compare with zh/messages.po."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2"), ("**/templates/**.txt", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}
    used = {m[2] if isinstance(m[2], str) else m[2][0] for m in extract_from_dir(
        ROOT / "webapp", method_map, options_map=options, keywords={"_": None, "_l": None, "gettext": None,
                                                                      "ngettext": (1, 2), "lazy_gettext": None})}
    with open(ROOT / "webapp" / "translations" / "zh" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalogue = read_po(f, locale="zh")
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalogue if m.id}
    assert sorted(used - set(translated)) == []
    assert sorted(set(translated) - used) == []
    assert [k for k, v in translated.items() if not (v if isinstance(v, str) else all(v))] == []


def test_counts_are_plural_and_minutes_are_chinese(client, en):
    assert "1 article</p>" in text_of(en.get("/search", query_string={"q": "sshd_config line 142: Bad configuration option",
                                                                       "software": "ssh", "category": "troubleshooting"})) \
        or "articles</p>" in text_of(en.get("/search", query_string={"q": "ssh"}))
    page = text_of(client.get("/"))
    assert "分钟" in page and " min<" not in page


def test_default_language_is_chinese(client):
    page = text_of(client.get("/"))
    assert '<html lang="zh-CN">' in page
    assert "我们能帮您什么？" in page


@pytest.mark.parametrize(("how", "expected"), [
    ({"headers": {"Accept-Language": "en-GB,en;q=0.8"}}, "How can we help?"),
    ({"headers": {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}}, "我们能帮您什么？"),
    ({"query_string": {"lang": "en"}}, "How can we help?"),
    ({"query_string": {"lang": "xx"}, "headers": {"Accept-Language": "en"}}, "How can we help?"),
])
def test_language_follows_query_then_accept_language(client, how, expected):
    assert expected in text_of(client.get("/", **how))


def test_query_language_beats_cookie_beats_accept_language(client):
    client.set_cookie("lang", "en")
    assert "How can we help?" in text_of(client.get("/", headers={"Accept-Language": "zh"}))
    assert "我们能帮您什么？" in text_of(client.get("/?lang=zh"))


def test_language_switch_sets_cookie_and_returns_to_the_page(client):
    page = text_of(client.get("/search?q=ssh&lang=zh"))
    href = re.search(r'class="lang-switch" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(href).query)["next"] == ["/search?q=ssh"]
    response = client.get(href)
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?q=ssh"
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "How can we help?" in text_of(client.get("/"))


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "\\\\evil", ""])
def test_language_switch_only_redirects_to_local_pages(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\\evil.example",
                                    " //evil.example", "/\x00/evil.example", "http:/evil.example", "/ /evil.example",
                                    "\t//evil.example", "//evil.example", "https://evil.example/"])
def test_language_switch_refuses_anything_but_a_local_path(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_keeps_local_paths_with_their_query(client):
    response = client.get("/lang/en", query_string={"next": "/search?q=ssh%20timeout&software=ssh"})
    assert response.headers["Location"] == "/search?q=ssh%20timeout&software=ssh"


def test_language_switch_on_an_article_goes_to_its_translation(client, en):
    page = text_of(en.get("/articles/ssh-host-keys-en"))
    href = re.search(r'class="lang-switch" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(href).query)["next"] == ["/articles/ssh-host-keys-zh"]
    assert en.get(href).headers["Location"] == "/articles/ssh-host-keys-zh"


def test_responses_vary_on_language(client):
    assert {"Accept-Language", "Cookie"} <= set(client.get("/").vary)


def test_chinese_article_is_marked_as_chinese(en):
    page = text_of(en.get("/articles/ssh-host-keys-zh"))
    assert '<article class="article" lang="zh-CN">' in page
    assert "Read in English" in page

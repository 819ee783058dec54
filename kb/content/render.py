"""Render article Markdown to safe HTML: tables, fenced code, heading anchors, then nh3 sanitising."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

import markdown
import nh3

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "kbd", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
_ATTRS = {"a": {"href", "title"}, "code": {"class"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "th": {"align"}, "td": {"align"},
          "span": {"class"}, "div": {"class"}}


def _slugify(value: str, separator: str) -> str:
    """Heading anchors that keep Chinese characters (the default slugify drops them)."""
    value = unicodedata.normalize("NFKC", value).strip().lower()
    value = re.sub(r"[^\w\s-]", "", value)
    return re.sub(r"[\s_-]+", separator, value).strip(separator) or "section"


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML: no script, no event handlers, no javascript: links, ever."""
    md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists", "toc"],
                           extension_configs={"toc": {"slugify": _slugify, "permalink": False}})
    html = md.convert(text)
    return sanitize(html)


def sanitize(html: str) -> str:
    """Keep only the tags and attributes articles need; links get safe schemes and rel=noopener."""
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRS, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")



class _TextParser(HTMLParser):
    """Collects the text of HTML: white space folded except in <pre>, a line break after each block."""

    BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr", "div", "blockquote", "dt", "dd", "br"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_pre = 0

    def handle_starttag(self, tag, attrs):
        self.in_pre += tag == "pre"
        if tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        self.in_pre -= tag == "pre"
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data if self.in_pre else re.sub(r"\s+", " ", data))


def plain_text(html: str) -> str:
    """The words of rendered HTML, one block a line: what search indexes and snippets quote (no Markdown marks)."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return "\n".join(line.strip() for line in "".join(parser.parts).splitlines() if line.strip())

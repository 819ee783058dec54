"""The article store: parse Markdown files with YAML front matter, validate them, render them.

A broken file is reported (file and line) and left out; if it parsed before, its last good
version keeps serving.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property
from pathlib import Path
from typing import Annotated
from typing import Literal

import frontmatter
from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import ConfigDict
from pydantic import Field
from pydantic import StringConstraints
from pydantic import ValidationError
from pydantic import field_validator

from kb.content.render import plain_text
from kb.content.render import render_markdown
from kb.errors import Problem
from kb.yamlfile import YAMLProblem
from kb.yamlfile import line_of
from kb.yamlfile import parse_yaml

LANGS = ("zh", "en")
CATEGORIES = ("troubleshooting", "configuration", "plan", "onsite")
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,100}$")]
Items = list[Annotated[str, StringConstraints(min_length=1)]]


class FrontMatter(BaseModel):
    """The fields an article's front matter must have (README: Writing an article)."""

    model_config = ConfigDict(extra="forbid")

    id: Slug
    lang: Literal[LANGS]
    translation_key: Slug
    title: Annotated[str, StringConstraints(min_length=4, max_length=200)]
    summary: Annotated[str, StringConstraints(min_length=10, max_length=600)]
    software: str
    category: Literal[CATEGORIES]
    symptoms: Items
    applies_to: Items
    tags: list[Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v)]]
    updated: dt.date
    related: Annotated[list[str], Field(max_length=8)]

    @field_validator("updated", mode="before")
    @classmethod
    def _a_date(cls, value):
        if not isinstance(value, dt.date):  # YAML reads 2026-11-22 as a date; anything else is a typo
            raise ValueError("must be a date such as 2026-11-22")
        return value


# A tag or comment written in the Markdown itself (an autolink such as <https://…> is Markdown, not HTML).
_RAW_HTML = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?|!--[\s\S]*?--)>")
_INLINE_CODE = re.compile(r"`+[^`]*`+")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Section:
    """One level-2 section of an article: its heading, anchor and plain text (no Markdown marks)."""

    heading: str
    anchor: str
    text: str


@dataclass(frozen=True)
class Article:
    """One article in one language."""

    id: str
    lang: str
    translation_key: str
    title: str
    summary: str
    software: str
    category: str
    symptoms: tuple
    applies_to: tuple
    tags: tuple
    updated: dt.date
    related: tuple
    body: str
    html: str
    text: str
    sections: tuple
    path: str
    digest: str

    def to_dict(self, html: bool = False) -> dict:
        """A JSON-ready view (the rendered HTML only when asked for)."""
        data = {k: getattr(self, k) for k in ("id", "lang", "translation_key", "title", "summary", "software", "category",
                                               "symptoms", "applies_to", "tags", "related", "path")}
        data = {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}
        data["updated"] = self.updated.isoformat()
        data["sections"] = [{"heading": s.heading, "anchor": s.anchor} for s in self.sections]
        if html:
            data["html"] = self.html
        return data


def parse_article(text: str, path: str) -> tuple[Article | None, list[Problem]]:
    """Parse one article file; return it (or None) and every problem found in it."""
    try:
        fm_text, body = frontmatter.YAMLHandler().split(text)
    except ValueError:
        return None, [Problem(path, 1, "no YAML front matter (the file must start with a line '---')")]
    if not text.startswith("---"):
        return None, [Problem(path, 1, "no YAML front matter (the file must start with a line '---')")]
    offset = text[: text.index(fm_text)].count("\n") if fm_text else 1  # lines before the front matter
    try:
        meta = parse_yaml(fm_text, path, first_line=offset + 1)
    except YAMLProblem as exc:
        return None, [exc.problem]
    if not isinstance(meta, dict):
        return None, [Problem(path, 2, "front matter must be a mapping of fields")]
    problems = _front_matter_problems(meta, path, offset)
    body_line = text[: text.rindex(body)].count("\n") + 1 if body.strip() else fm_text.count("\n") + 3
    sections, section_problems = _sections(body, path, body_line)
    problems += section_problems
    if problems:
        return None, problems
    html = render_markdown(body)
    anchors = re.findall(r'<h2 id="([^"]+)">', html)
    bodies = re.split(r'<h2 id="[^"]+">.*?</h2>', html)[1:]
    sections = tuple(Section(h, a, plain_text(b)) for (h, _md), a, b in zip(sections, anchors, bodies, strict=False))
    article = Article(
        id=meta["id"], lang=meta["lang"], translation_key=meta["translation_key"], title=meta["title"],
        summary=meta["summary"], software=meta["software"], category=meta["category"],
        symptoms=tuple(meta["symptoms"]), applies_to=tuple(meta["applies_to"]), tags=tuple(str(t) for t in meta["tags"]),
        updated=meta["updated"], related=tuple(meta["related"]), body=body, html=html, text=plain_text(html), sections=sections,
        path=path, digest=_digest(text),
    )
    return article, []


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _front_matter_problems(meta, path: str, offset: int) -> list[Problem]:
    """Every way the front matter breaks FrontMatter, at its line in the file."""
    try:
        FrontMatter.model_validate(meta)
    except ValidationError as exc:
        return [Problem(path, _line(meta, e, offset), f"front matter {'/'.join(map(str, e['loc']))}: {_reason(e)}")
                for e in exc.errors()]
    return []


def _line(meta, error: dict, offset: int) -> int:
    """The line of the offending key; a field missing from the front matter is reported at its opening `---`."""
    if error["type"] == "missing" and len(error["loc"]) == 1:
        return offset + 1
    return (line_of(meta, list(error["loc"])) or 1) + offset


def _reason(error: dict) -> str:
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "extra_forbidden":
        return "unknown field"
    return error["msg"].removeprefix("Value error, ")


def _sections(body: str, path: str, first_line: int) -> tuple[list[tuple[str, str]], list[Problem]]:
    """Split the body at level-2 headings; report a level-1 heading and any empty section."""
    sections, problems = [], []
    current, lines, start = None, [], first_line
    in_code = False
    for offset, line in enumerate(body.splitlines() + ["## end"]):
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        m = None if in_code else _HEADING.match(line)
        tag = None if in_code else _RAW_HTML.search(_INLINE_CODE.sub("", line))
        if tag:
            problems.append(Problem(path, first_line + offset, f"raw HTML `{tag.group()[:40]}` (the renderer strips it: write "
                                                                "Markdown, or put it in `code`)"))
        if m and len(m.group(1)) == 1:
            problems.append(Problem(path, first_line + offset, "level-1 heading in the body (the title comes from front matter)"))
        if m and len(m.group(1)) == 2:
            if current is not None:
                text = "\n".join(lines).strip()
                if not re.sub(r"^#{3,6}.*$", "", text, flags=re.M).strip():
                    problems.append(Problem(path, start, f"empty section '{current}'"))
                sections.append((current, text))
            current, lines, start = m.group(2), [], first_line + offset
        else:
            lines.append(line)
    if not sections:
        problems.append(Problem(path, first_line, "the body has no '## ' sections"))
    return sections, problems


@dataclass
class Library:
    """Every good article, by id, plus the problems found while loading."""

    articles: dict[str, Article] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def by_key(self, key: str) -> dict[str, Article]:
        """The articles sharing a translation key, by language."""
        return dict(self._topics.get(key, {}))

    @cached_property
    def _topics(self) -> dict[str, dict[str, Article]]:
        """Articles by translation key and language, grouped once: a search looks up every topic it ranks. A
        library is not changed once loaded (load_library fills a new one), so the grouping never goes stale."""
        grouped: dict[str, dict[str, Article]] = {}
        for a in self.articles.values():
            grouped.setdefault(a.translation_key, {})[a.lang] = a
        return grouped

    def translation(self, article: Article) -> Article | None:
        """The same topic in the other language."""
        return next((a for lang, a in self.by_key(article.translation_key).items() if lang != article.lang), None)

    def topics(self, lang: str, software: str | None = None, category: str | None = None) -> list[Article]:
        """Every topic once, in `lang` where it is written (else its other language), optionally of one software
        or category, by title: the browse pages list all of them, not a search's first page."""
        chosen: dict[str, Article] = {}
        for a in self.articles.values():
            if software and a.software != software or category and a.category != category:
                continue
            if a.translation_key not in chosen or a.lang == lang:
                chosen[a.translation_key] = a
        return sorted(chosen.values(), key=lambda a: a.title.casefold())

    def recent(self, lang: str, limit: int) -> list[Article]:
        """The most recently updated topics in `lang` (newest first; equal dates by title)."""
        return sorted(self.topics(lang), key=lambda a: a.updated, reverse=True)[:limit]

    def related(self, article: Article) -> list[Article]:
        """Related topics, in the article's language where it exists."""
        found = []
        for key in article.related:
            versions = self.by_key(key)
            pick = versions.get(article.lang) or next(iter(versions.values()), None)
            if pick:
                found.append(pick)
        return found


def load_library(articles_dir: str | Path, topics: set[str], previous: Library | None = None,
                 parsed: dict[str, Article] | None = None) -> Library:
    """Load every article under `articles_dir`; `topics` are the allowed `software` values. An unchanged file's
    article is taken from `previous` (the library this one replaces, whose articles also stand in for files broken
    since) or from `parsed` (articles by path that another process parsed, kb.content.parsed)."""
    root = Path(articles_dir)
    lib = Library()
    old_by_path = {a.path: a for a in previous.articles.values()} if previous else {}
    known = {**(parsed or {}), **old_by_path}
    for path in sorted(root.rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        rel = str(path)
        try:
            text = path.read_text(encoding="utf-8")
            same = known.get(rel)
            if same is not None and same.digest == _digest(text):  # unchanged: parsing and rendering give the same
                article, problems = same, []
            else:
                article, problems = parse_article(text, rel)
        except UnicodeDecodeError:
            article, problems = None, [Problem(rel, None, "not UTF-8 text")]
        if article and article.software not in topics:
            problems.append(Problem(rel, 2, f"software `{article.software}` is neither a catalog key nor a topic "
                                            f"({', '.join(sorted(topics))})"))
            article = None
        if article and article.id in lib.articles:
            problems.append(Problem(rel, 2, f"duplicate id `{article.id}` (also {lib.articles[article.id].path})"))
            article = None
        lib.problems += problems
        if article is None and rel in old_by_path:
            article = old_by_path[rel]  # the last good version keeps serving
        if article:
            lib.articles[article.id] = article
    lib.problems += _library_problems(lib)
    return lib


AGREE = ("software", "category", "related")  # what the two languages of a topic must say alike


def _library_problems(lib: Library, texts: dict[str, str] | None = None) -> list[Problem]:
    """Checks across files: translations paired both ways and agreeing on AGREE, related keys that resolve; each at
    its field's line (`texts`: a file's text by path, for one not written yet)."""
    problems = []
    by_key: dict[str, list[Article]] = {}  # grouped once: comparing every article with every other is quadratic
    for a in lib.articles.values():
        by_key.setdefault(a.translation_key, []).append(a)

    def at(article: Article, name: str, message: str, severity: str = "error") -> None:
        text = (texts or {}).get(article.path)
        problems.append(Problem(article.path, field_line(article.path if text is None else None, text, name), message,
                                severity))

    for article in lib.articles.values():
        versions = by_key[article.translation_key]
        langs = [a.lang for a in versions]
        if langs.count(article.lang) > 1:
            at(article, "translation_key", f"two `{article.lang}` articles share translation_key `{article.translation_key}`")
        missing = [lang for lang in LANGS if lang not in langs]
        if missing:
            at(article, "translation_key", f"no {'/'.join(missing)} translation for `{article.translation_key}`",
               "warning")  # served all the same; a new topic is written one language at a time
        for other in (a for a in versions if a.lang != article.lang):
            for name in AGREE:
                mine, theirs = getattr(article, name), getattr(other, name)
                if (sorted(mine) if name == "related" else mine) != (sorted(theirs) if name == "related" else theirs):
                    at(article, name, f"{name} differs from its `{other.lang}` translation ({other.id}: {theirs})",
                       "warning")  # one language is changed first, then the other
        for key in article.related:
            if key not in by_key:
                at(article, "related", f"related topic `{key}` does not exist")
            elif key == article.translation_key:
                at(article, "related", "an article cannot be related to itself")
    return problems


def field_line(path: str | None, text: str | None, name: str) -> int:
    """The line of front matter field `name` in a file (its text, or read from `path`); 2 when it cannot be found."""
    if text is None and path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
    found = re.search(rf"^{re.escape(name)}\s*:", text or "", re.M)
    return text.count("\n", 0, found.start()) + 1 if found else 2


def draft_problems(library: Library, article: Article, text: str) -> list[Problem]:
    """The checks across files for `article` (parsed from `text`, its path as `library` names files) as if it replaced
    the file at its path: its own problems at their lines, and those it would newly cause in other files (as
    warnings naming them)."""
    others = {a.id: a for a in library.articles.values() if a.path != article.path}
    problems = []
    if article.id in others:
        problems.append(Problem(article.path, field_line(None, text, "id"),
                                f"duplicate id `{article.id}` (also {others[article.id].path})"))
    before = {(p.path, p.message) for p in _library_problems(library)}
    after = Library({**others, article.id: article}) if article.id not in others else Library(others)
    for problem in _library_problems(after, {article.path: text}):
        if problem.path == article.path:
            problems.append(problem)
        elif (problem.path, problem.message) not in before:
            problems.append(Problem(article.path, None, f"in {problem.path}: {problem.message}", "warning"))
    return problems

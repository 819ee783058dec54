"""The web editor's side of the content: articles saved on the desk are revisions in the database (every host reads
them), and each host writes the newest revision of each file into its articles folder, where the site loads
articles from as always. `kb content export` does the same into a git checkout, to commit and review; `kb content
import` records files changed in git (after a pull or a merge) as new revisions, so every host serves them too.

The database wins for a file that has revisions; the files alone serve every other article."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
import re
from pathlib import Path

import frontmatter

from kb.content.articles import Article
from kb.content.articles import Library
from kb.content.articles import draft_problems
from kb.content.articles import field_line
from kb.content.articles import parse_article
from kb.content.render import render_markdown
from kb.errors import Problem

PATH = re.compile(r"^[a-z0-9][a-z0-9_\-]*(/[a-z0-9][a-z0-9_\-.]*)*\.md$")
MAX_TEXT = 60_000  # characters of one article file


def unified_texts(old: str, new: str, old_name: str, new_name: str) -> list[str]:
    """The unified diff of two texts, line by line."""
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name, lineterm=""))


def preview(text: str, path: str, topics: set[str], library: Library | None = None,
            articles_dir: Path | None = None) -> tuple[str, list[Problem]]:
    """The body rendered as the site renders it (also while the file has problems) and the file's problems (across
    files too, given the library loaded from `articles_dir`)."""
    article, problems = check(text, path, topics, library, articles_dir)
    if article is not None:
        return article.html, problems
    try:
        body = frontmatter.YAMLHandler().split(text)[1] if text.startswith("---") else text
    except ValueError:
        body = text
    return render_markdown(body), problems


def check(text: str, path: str, topics: set[str], library: Library | None = None,
          articles_dir: Path | None = None) -> tuple[Article | None, list[Problem]]:
    """The checks `kb articles check` makes on one file (front matter, sections, raw HTML, the software topic),
    with their lines; given the library loaded from `articles_dir`, also those across files, run on the text as if
    it replaced the file at `path` (ids, translations, related topics)."""
    article, problems = parse_article(text, path)
    if article and article.software not in topics:
        problems.append(Problem(path, field_line(None, text, "software"),
                                f"software `{article.software}` is neither a catalog key nor a topic "
                                f"({', '.join(sorted(topics))})"))
    if article and library is not None:
        placed = dataclasses.replace(article, path=str(Path(articles_dir) / path))  # as the library names files
        problems += [dataclasses.replace(p, path=path) for p in draft_problems(library, placed, text)]
    return article, problems


def new_path(software: str, key: str, lang: str) -> str:
    """Where a new article is kept: its software's folder, a file named by its translation key and language."""
    return f"{software}/{key}.{lang}.md"


def starting_text(software: str, key: str, lang: str, today: dt.date, other: str | None = None) -> str:
    """The text a new article starts from: its translation's file (`other`) with this language's id and lang, else
    front matter with the chosen software, key and language and every other field to fill in."""
    if other is not None:
        text = re.sub(r"^id:.*$", f"id: {key}-{lang}", other, count=1, flags=re.M)
        return re.sub(r"^lang:.*$", f"lang: {lang}", text, count=1, flags=re.M)
    return (f"---\nid: {key}-{lang}\nlang: {lang}\ntranslation_key: {key}\ntitle: \"\"\nsummary: \"\"\n"
            f"software: {software}\ncategory: \nsymptoms: []\napplies_to: []\ntags: []\nupdated: {today.isoformat()}\n"
            "related: []\n---\n")


def placement_problems(text: str, software: str, key: str, lang: str) -> list[Problem]:
    """Where the front matter says otherwise than the file's place (software folder, key and language)."""
    path = new_path(software, key, lang)
    article, _problems = parse_article(text, path)  # its own problems are reported by check()
    if article is None:
        return []
    return [Problem(path, field_line(None, text, name), f"{name} must be `{wanted}` (the file is {path})")
            for name, wanted in (("software", software), ("translation_key", key), ("lang", lang))
            if getattr(article, name) != wanted]


def relative(articles_dir: Path, article: Article) -> str:
    """The article's file relative to the articles folder, as revisions name it."""
    return Path(article.path).resolve().relative_to(Path(articles_dir).resolve()).as_posix()


def write_atomically(target: Path, text: str) -> bool:
    """Write `text` to `target` (written aside, then renamed over it: a reader sees the old or the new file, never
    half of one); False when it already held that text."""
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    aside = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    aside.write_text(text, encoding="utf-8")
    os.replace(aside, target)
    return True


def publish(articles_dir: Path, newest: dict[str, dict]) -> list[str]:
    """Write the newest revision of each file into `articles_dir`; the paths that changed."""
    root = Path(articles_dir).resolve()
    changed = []
    for path, revision in sorted(newest.items()):
        if not PATH.fullmatch(path):
            continue  # never a path out of the folder (the save checked it; this is the second fence)
        if write_atomically(root / path, revision["text"]):
            changed.append(path)
    return changed


def changed_files(articles_dir: Path, newest: dict[str, dict]) -> dict[str, str]:
    """Files whose text differs from their newest revision (edited in git since): path → the file's text."""
    root = Path(articles_dir)
    found = {}
    for path, revision in newest.items():
        file = root / path
        if file.is_file() and (text := file.read_text(encoding="utf-8")) != revision["text"]:
            found[path] = text
    return found


def outdated_translations(articles_dir: Path, library: Library, newest: dict[str, dict]) -> set[str]:
    """Ids of articles whose translation was saved after them: changing one language flags the other."""
    flagged = set()
    for article in library.articles.values():
        other = library.translation(article)
        if other is None:
            continue
        mine, theirs = (newest.get(relative(articles_dir, a)) for a in (article, other))
        if theirs and (mine is None or mine["created_at"] < theirs["created_at"]):
            flagged.add(article.id)
    return flagged


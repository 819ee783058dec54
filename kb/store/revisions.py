"""Article revisions in the store: save a version (a conflict when someone saved since the version it started
from), list, read, and the newest version of every file for the hosts to serve."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kb.content.revisions import unified_texts as unified
from kb.errors import Conflict
from kb.errors import NotFound
from kb.store.audit import record
from kb.store.db import Database
from kb.store.db import now
from kb.store.tables import ArticleRevision


class EditConflict(Conflict):
    """Someone saved the article since the version this save started from: `current` is their version, `diff`
    what it changed from the start (unified diff lines)."""

    code = "edit_conflict"

    def __init__(self, current: dict, diff: list[str]):
        self.current, self.diff = current, diff
        super().__init__(f"{current['path']} was saved as version {current['version']} by {current['author']} meanwhile")


def _view(r: ArticleRevision) -> dict:
    return {"id": r.id, "path": r.path, "version": r.version, "text": r.text, "author": r.author, "note": r.note,
            "published": r.published, "created_at": r.created_at}


class Revisions:
    """Versions of article files."""

    def __init__(self, db: Database):
        self.db = db

    def save(self, path: str, text: str, *, author: str, base: int | None, note: str | None = None,
             baseline: str | None = None, published: bool = True) -> dict:
        """Keep `text` as the next version of `path` (a draft unless `published`), started from version `base`
        (None: from the file, when the article has no version yet; `baseline` is that file's text, kept as version
        1 by "files" if it differs).
        A version saved since `base` raises EditConflict with what it changed. Written to the audit log."""
        try:
            with self.db.write.begin() as session:
                latest = session.scalar(select(ArticleRevision).where(ArticleRevision.path == path)
                                        .order_by(ArticleRevision.version.desc()).limit(1).with_for_update())
                if (latest.version if latest else None) != base:
                    start = self._start(session, path, base, baseline)
                    raise EditConflict(_view(latest), unified(start, latest.text, f"version {base or 0}",
                                                              f"version {latest.version}"))
                version = base or 0
                if latest is None and baseline is not None and baseline != text:
                    version += 1  # the file as it was: the first version, so the edit can be undone
                    session.add(ArticleRevision(path=path, version=version, text=baseline, author="files",
                                                note="the file before the first edit", created_at=now()))
                revision = ArticleRevision(path=path, version=version + 1, text=text, author=author, note=note,
                                           published=published, created_at=now())
                session.add(revision)
                session.flush()
                record(session, author, "article.save" if published else "article.draft", f"article:{path}",
                       {"version": base} if base else None, {"version": revision.version, "note": note})
        except IntegrityError:  # the same version inserted at the same moment by another save
            latest = self.history(path)[0]
            with self.db.read.begin() as session:
                start = self._start(session, path, base, baseline)
            raise EditConflict(latest, unified(start, latest["text"], f"version {base or 0}",
                                               f"version {latest['version']}")) from None
        return _view(revision)

    def _start(self, session, path: str, base: int | None, baseline: str | None) -> str:
        """The text a save started from: version `base`, else the file (its text, or version 1 that kept it)."""
        if base:
            return self._text(session, path, base)
        return baseline if baseline is not None else self._text(session, path, 1)

    @staticmethod
    def _text(session, path: str, version: int) -> str:
        found = session.scalar(select(ArticleRevision.text).where(ArticleRevision.path == path,
                                                                  ArticleRevision.version == version))
        return found or ""

    def history(self, path: str) -> list[dict]:
        """Every version of `path`, newest first."""
        with self.db.read.begin() as session:
            return [_view(r) for r in session.scalars(select(ArticleRevision).where(ArticleRevision.path == path)
                                                      .order_by(ArticleRevision.version.desc()))]

    def get(self, path: str, version: int) -> dict:
        """One version of `path`."""
        with self.db.read.begin() as session:
            found = session.scalar(select(ArticleRevision).where(ArticleRevision.path == path,
                                                                 ArticleRevision.version == version))
        if found is None:
            raise NotFound(f"{path} has no version {version}")
        return _view(found)

    def newest(self, published: bool = True) -> dict[str, dict]:
        """The newest published version of every file that has one, by path: what every host serves (with
        `published=False`, the newest version, draft or not)."""
        versions = select(ArticleRevision.path, func.max(ArticleRevision.version).label("version"))
        if published:
            versions = versions.where(ArticleRevision.published.is_(True))
        newest = versions.group_by(ArticleRevision.path).subquery()
        query = select(ArticleRevision).join(newest, (ArticleRevision.path == newest.c.path)
                                             & (ArticleRevision.version == newest.c.version))
        with self.db.read.begin() as session:
            return {r.path: _view(r) for r in session.scalars(query)}

    def stamp(self) -> int:
        """The id of the newest revision (0 for none): a host compares it to see whether anything was saved."""
        with self.db.read.begin() as session:
            return session.scalar(select(func.max(ArticleRevision.id))) or 0

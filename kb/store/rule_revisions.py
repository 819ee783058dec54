"""Rule-set revisions in the store: save a version (a conflict when someone saved since the version it started
from), list, read, and the rule set as it was at any version: what every host serves, and what a rollback restores."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kb.content.revisions import unified_texts
from kb.errors import Conflict
from kb.errors import NotFound
from kb.store.audit import record
from kb.store.db import Database
from kb.store.db import now
from kb.store.tables import RuleRevision


class RulesConflict(Conflict):
    """Someone saved the rules since the version this save started from: `current` is their version, `diff` what it
    changed in the files this save changes (unified diff lines)."""

    code = "rules_conflict"

    def __init__(self, current: dict, diff: list[str]):
        self.current, self.diff = current, diff
        super().__init__(f"the rules were saved as version {current['version']} by {current['author']} meanwhile")


def _view(r: RuleRevision) -> dict:
    return {"id": r.id, "version": r.version, "files": r.files, "before": r.before, "author": r.author,
            "note": r.note, "created_at": r.created_at}


class RuleRevisions:
    """Versions of the rule set."""

    def __init__(self, db: Database):
        self.db = db

    def save(self, files: dict[str, str | None], *, before: dict[str, str | None], author: str, base: int,
             note: str | None = None) -> dict:
        """Keep `files` (path → new text, None: removed; `before` their text at `base`) as the next version of the
        rule set, started from version `base` (0: the files, nothing saved yet). A version saved since raises
        RulesConflict with what it changed. Written to the audit log."""
        try:
            with self.db.write.begin() as session:
                latest = session.scalar(select(RuleRevision).order_by(RuleRevision.version.desc()).limit(1)
                                        .with_for_update())
                if (latest.version if latest else 0) != base:
                    raise self._conflict(session, latest, base, files)
                revision = RuleRevision(version=base + 1, files=files, before=before, author=author, note=note,
                                        created_at=now())
                session.add(revision)
                session.flush()
                record(session, author, "rules.save", "rules", {"version": base} if base else None,
                       {"version": revision.version, "files": sorted(files), "note": note})
        except IntegrityError:  # the same version inserted at the same moment by another save
            with self.db.read.begin() as session:
                latest = session.scalar(select(RuleRevision).order_by(RuleRevision.version.desc()).limit(1))
                raise self._conflict(session, latest, base, files) from None
        return _view(revision)

    def _conflict(self, session, latest: RuleRevision, base: int, files) -> RulesConflict:
        start, now_ = _state(session, base), _state(session, latest.version)
        diff = [line for path in sorted(files) if start.get(path) != now_.get(path)
                for line in unified_texts(start.get(path) or "", now_.get(path) or "", f"{path} version {base}",
                                          f"{path} version {latest.version}")]
        return RulesConflict(_view(latest), diff)

    def history(self) -> list[dict]:
        """Every version, newest first."""
        with self.db.read.begin() as session:
            return [_view(r) for r in session.scalars(select(RuleRevision).order_by(RuleRevision.version.desc()))]

    def latest(self) -> int:
        """The newest version (0: nothing saved yet): where an edit starts from."""
        with self.db.read.begin() as session:
            return session.scalar(select(func.max(RuleRevision.version))) or 0

    def get(self, version: int) -> dict:
        """One version."""
        with self.db.read.begin() as session:
            found = session.scalar(select(RuleRevision).where(RuleRevision.version == version))
        if found is None:
            raise NotFound(f"the rules have no version {version}")
        return _view(found)

    def state(self, version: int | None = None) -> dict[str, str | None]:
        """The text of every file a version changed, as the rule set had it at `version` (None: the newest; a file
        first changed later has its text from before that change; None: no such file)."""
        with self.db.read.begin() as session:
            return _state(session, version)

    def stamp(self) -> int:
        """The id of the newest revision (0 for none): a host compares it to see whether anything was saved."""
        with self.db.read.begin() as session:
            return session.scalar(select(func.max(RuleRevision.id))) or 0


def _state(session, version: int | None) -> dict[str, str | None]:
    texts: dict[str, str | None] = {}
    for r in session.scalars(select(RuleRevision).order_by(RuleRevision.version)):
        for path, text in r.files.items():
            if version is None or r.version <= version:
                texts[path] = text
            else:
                texts.setdefault(path, r.before.get(path))
    return texts

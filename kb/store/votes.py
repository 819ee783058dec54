"""Article votes: "was this helpful", one per voter (a browser session) and article; the last one counts."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from kb.store.db import Database
from kb.store.db import now
from kb.store.tables import Vote


class Votes:
    """Record votes and count them."""

    def __init__(self, db: Database):
        self.db = db

    def record(self, article_id: str, helpful: bool, lang: str, voter: str | None = None) -> None:
        """Count one helpful / not helpful answer for an article; with a `voter`, voting again replaces the vote."""
        for attempt in range(2):
            try:
                with self.db.write.begin() as session:
                    if voter is not None:
                        found = session.execute(update(Vote).where(Vote.article_id == article_id, Vote.voter == voter)
                                                .values(helpful=bool(helpful), lang=lang, created_at=now())).rowcount
                        if found:
                            return
                    session.add(Vote(article_id=article_id, voter=voter, helpful=bool(helpful), lang=lang, created_at=now()))
                return
            except IntegrityError:  # the same voter's vote inserted concurrently: update it instead
                if voter is None or attempt:
                    raise

    def of(self, article_id: str, voter: str | None) -> bool | None:
        """The voter's vote on an article: True (helpful), False, or None when they have not voted."""
        if not voter:
            return None
        with self.db.read.begin() as session:
            return session.scalar(select(Vote.helpful).where(Vote.article_id == article_id, Vote.voter == voter))

    def counts(self, article_id: str) -> dict:
        """{"helpful": n, "not_helpful": m} for an article (zeros when nobody voted)."""
        counts = {"helpful": 0, "not_helpful": 0}
        with self.db.read.begin() as session:
            rows = session.execute(select(Vote.helpful, func.count()).where(Vote.article_id == article_id)
                                   .group_by(Vote.helpful)).all()
        for helpful, n in rows:
            counts["helpful" if helpful else "not_helpful"] = n
        return counts

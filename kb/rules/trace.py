"""One line of a decision's trace: a rule that fired, or a fact that was looked up, with why and what it set."""

from __future__ import annotations

from dataclasses import dataclass

from kb.rules.text import Wording


@dataclass(frozen=True)
class Step:
    """A rule that fired (`kind` "rule") or a fact looked up ("fact"), with its source, reason and outcome."""

    id: str
    kind: str
    source: str
    reason: Wording
    outcome: dict
    priority: int | None = None

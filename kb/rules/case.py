"""A support case: what the engine decides on. Built by intake from text, or directly by callers."""

from __future__ import annotations

import datetime
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field

from kb.rules.text import Message
from kb.rules.text import to_json


@dataclass
class Onsite:
    """An onsite (OTSS) contract: its mode, how many engineers it has, and the city."""

    mode: str
    staff: int = 1
    city: str | None = None


@dataclass
class Case:
    """The facts of one question. `notes` says what intake could not tell."""

    text: str = ""
    lang: str = "en"
    plan: str | None = None
    software: str | None = None
    software_status: str = "none"  # catalog | out_of_range | uncatalogued | cloud_product | none
    product: str | None = None
    version: str | None = None
    os: str | None = None
    install_method: str | None = None
    platform: int | None = None  # which of the catalog row's platforms the case is on, when intake could tell
    image: str | None = None  # provider | custom, when the text says
    activity: str = "consult"
    during: str | None = None  # the excluded activity a failure of no software happened during (a migration)
    severity: str | None = None
    fault_level: int | None = None
    port_issue: bool = False
    environment: str | None = None  # lexicon `environments` id: not the provider's image, or reached through something
    work: list[str] = field(default_factory=list)  # lexicon `work_kinds` ids found
    topic: str | None = None
    asks: list[str] = field(default_factory=list)  # service questions asked (lexicon service_questions ids)
    named_plans: list[str] = field(default_factory=list)  # plans the text names (the question may be about another)
    named_modes: list[str] = field(default_factory=list)  # onsite modes the text names
    onsite: Onsite | None = None
    reported_at: datetime.datetime | None = None
    mentions: list[str] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)  # what intake could not tell, as messages

    def to_dict(self) -> dict:
        """A JSON-ready view of the case (notes as message keys with their values)."""
        data = asdict(self)
        data["reported_at"] = self.reported_at.isoformat() if self.reported_at else None
        data["notes"] = [to_json(note) for note in self.notes]
        return data

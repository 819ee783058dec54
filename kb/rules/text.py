"""Language-neutral wording: what the engine says, as message keys with parameters, rendered later in zh or en.

A decision holds `Message`s (a key of rules/messages.yaml and its values), bilingual `Text`s from the rule files
and `Joined` lists; `render` turns any of them into one language. So a decision is made once and shown in
whichever language its reader has, and a stored decision can be replayed without its wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kb.rules.model import Text

LANGS = ("zh", "en")

# The messages.yaml keys the code uses; the loader refuses a rule book that lacks one.
MESSAGE_KEYS = (
    "software_unknown", "plan_unknown", "version_unreadable", "version_assumed", "install_assumed",
    "severity_from_fault_level", "variant_not_in_catalog", "client_tool", "scope_unknown", "fault_level_assumed",
    "onsite_in_hours", "onsite_out_of_hours", "calendar_unknown_year", "calendar_provisional_year",
    "plan_label", "list_separator", "clause_separator", "all_customers", "paid_marker", "fact_offered", "fact_paid",
    "fact_not_offered", "fact_audience", "fact_response_times", "response_row", "fact_response_accepted",
    "fact_third_party", "fact_onsite_items", "item_frequency", "fact_onsite_overtime", "fact_onsite_deliverables",
    "report_months", "trace_response", "trace_accepted", "trace_channel", "trace_day", "trace_day_named",
    "day_workday", "day_weekend", "day_holiday", "day_adjusted_workday",
    "ask_plan", "ask_software", "ask_os", "ask_version", "trace_software_evidence", "software_misspelt",
)


@dataclass(frozen=True)
class Message:
    """A messages.yaml key and the values its wording is filled with (values may be wordings themselves)."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def values(self) -> dict[str, Any]:
        return dict(self.params)


@dataclass(frozen=True)
class Joined:
    """Wordings joined by a separator that is itself a message (、 in Chinese, ", " in English), or by nothing."""

    parts: tuple
    separator: str | None = "list_separator"


def msg(key: str, **values) -> Message:
    """A message with its values; `key` must be one of MESSAGE_KEYS."""
    return Message(key, tuple(values.items()))


Wording = Message | Joined | Text | str | int | None


def render(messages: dict[str, Text], value: Wording, lang: str) -> str:
    """`value` in `lang`, every nested wording rendered too."""
    if isinstance(value, Message):
        filled = {k: render(messages, v, lang) for k, v in value.params}
        return messages[value.key].pick(lang).format(**filled)
    if isinstance(value, Joined):
        glue = render(messages, msg(value.separator), lang) if value.separator else ""
        return glue.join(render(messages, p, lang) for p in value.parts)
    if isinstance(value, Text):
        return value.pick(lang)
    return "" if value is None else str(value)


def both(messages: dict[str, Text], value: Wording) -> dict[str, str]:
    """`value` rendered in every language: {zh: …, en: …}."""
    return {lang: render(messages, value, lang) for lang in LANGS}


def to_json(value: Wording):
    """A JSON-ready form of a wording, so a logged decision keeps what it said without its rule book."""
    if isinstance(value, Message):
        return {"msg": value.key, "params": {k: to_json(v) for k, v in value.params}}
    if isinstance(value, Joined):
        return {"join": [to_json(p) for p in value.parts], "sep": value.separator}
    if isinstance(value, Text):
        return {"zh": value.zh, "en": value.en}
    return value

"""Follow-ups in a conversation: "我是企业版呢?", "what if it's urgent?", "版本是 2.3.4" refine the case of the previous
question instead of starting a new one.

Pure functions over the previous turn's input (as the decision log keeps it) and the new text, reading both with the
rule book's intake, so what counts as a plan, a severity, an operating system or a version is the lexicon's, once.
"""

from __future__ import annotations

from kb.rules.case import Case
from kb.rules.intake import intake_for

# The facts of a case a follow-up can change without changing the problem (the plan is read from the follow-up
# alone: the previous question may name another plan).
REFINED = ("severity", "os", "version")
# The fields of an ask that a follow-up carries over from the previous turn (the question's time is the new turn's).
CARRIED = ("question", "plan", "severity", "onsite", "software", "os", "version")


def has_own_subject(case: Case, book) -> bool:
    """Whether a text read on its own is a question of its own: it names software, asks about a service, reports
    something to do, or has a topic that is not just the plan it names."""
    plan_topics = {t.id for t in book.lexicon.topics if t.plan_names}
    topic_of_its_own = case.topic is not None and not (case.named_plans and case.topic in plan_topics)
    return bool(case.software_status != "none" or case.mentions or case.asks or topic_of_its_own
                or case.activity != book.lexicon.default_activity)


def refinements(previous: dict, text: str, book) -> dict:
    """What `text` changes in the previous turn's case: the plan and operating system it names, and the severity,
    operating system and version that the previous question read together with `text` has, and alone has not."""
    intake = intake_for(book)
    # Read without the previous turn's own refinements, so that only what `text` adds makes a difference.
    known = {"plan": previous.get("plan"), "software": previous.get("software")}
    said = intake.read(text)
    before = intake.read(previous["question"], **known)
    after = intake.read(f"{previous['question']}\n{text}", **known)
    changed = {name: getattr(after, name) for name in REFINED
               if getattr(after, name) is not None and getattr(after, name) != getattr(before, name)}
    for name in ("plan", "os"):  # named in the follow-up itself: "我是企业版呢?", "it's on Windows"
        if getattr(said, name) is not None:
            changed[name] = getattr(said, name)
    return changed


def merge(previous: dict | None, text: str, book, given: dict | None = None) -> dict:
    """The input of the next turn: `text` with the facts the customer gave (`given`: plan, os, version... chosen
    from the answer's choices, which win), continuing the previous turn's case when `text` only refines it.

    The same question again, or a text that adds a fact and has no subject of its own, keeps the previous question
    and its facts; anything else is a new question, which keeps only the customer's plan and onsite contract."""
    given = {k: v for k, v in (given or {}).items() if v is not None}
    if previous is None:
        return dict(given, question=text)
    carried = {k: previous.get(k) for k in CARRIED}
    if text.strip() == previous["question"].strip():
        changed = {}
    else:
        changed = {} if has_own_subject(intake_for(book).read(text), book) else refinements(previous, text, book)
        if not changed:  # a new question: the customer's contract is still theirs, the problem's facts are not
            plan = carried["plan"] or intake_for(book).read(previous["question"]).plan
            carried = {"question": text, "plan": plan, "onsite": carried["onsite"]}
    return {k: v for k, v in (carried | changed | given).items() if v is not None}

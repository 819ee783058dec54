"""Rule-set revisions in the store: versions with their authors and audit entries, the rule set as it was at any
version (a file first changed later has its text from before; one added later did not exist), and a conflict with
the diff when two saves start from the same version."""

import pytest

from kb.drafts import rules_changed
from kb.store.rule_revisions import RulesConflict

PLANS = "kind: plans\nplans: []\n"
DECISIONS = "kind: decisions\nrules:\n  - {id: a, priority: 1}\n  - {id: b, priority: 2}\n"


def test_the_rule_set_at_every_version(store):
    one = store.rule_revisions.save({"plans.yaml": PLANS + "# v1\n"}, before={"plans.yaml": PLANS}, author="li.wei", base=0)
    two = store.rule_revisions.save({"decisions.yaml": DECISIONS.replace("priority: 2", "priority: 3"),
                                     "tests/from-log.yaml": "kind: rule_tests\ncases: []\n"},
                                    before={"decisions.yaml": DECISIONS, "tests/from-log.yaml": None},
                                    author="wang.fang", base=1, note="b first")
    assert (one["version"], two["version"]) == (1, 2) and store.rule_revisions.latest() == 2
    assert store.rule_revisions.state(0) == {"plans.yaml": PLANS, "decisions.yaml": DECISIONS, "tests/from-log.yaml": None}
    assert store.rule_revisions.state(1) == {"plans.yaml": PLANS + "# v1\n", "decisions.yaml": DECISIONS,
                                             "tests/from-log.yaml": None}
    assert store.rule_revisions.state()["decisions.yaml"].endswith("priority: 3}\n")
    assert [(r["version"], r["author"], r["note"]) for r in store.rule_revisions.history()] == [
        (2, "wang.fang", "b first"), (1, "li.wei", None)]
    audit = store.audit.entries(target="rules")
    assert [(e["action"], e["after"]["version"], e["after"]["files"]) for e in audit] == [
        ("rules.save", 2, ["decisions.yaml", "tests/from-log.yaml"]), ("rules.save", 1, ["plans.yaml"])]
    changed = rules_changed(store.rule_revisions.history())
    assert set(changed) == {"b"} and changed["b"]["author"] == "wang.fang"  # rule a is as it was
    assert store.rule_revisions.stamp() == two["id"]


def test_a_save_from_an_older_version_is_a_conflict_with_what_changed(store):
    store.rule_revisions.save({"plans.yaml": PLANS + "# li\n"}, before={"plans.yaml": PLANS}, author="li.wei", base=0)
    with pytest.raises(RulesConflict) as conflict:
        store.rule_revisions.save({"plans.yaml": PLANS + "# wang\n"}, before={"plans.yaml": PLANS}, author="wang.fang",
                                  base=0)
    assert conflict.value.current["author"] == "li.wei" and "+# li" in conflict.value.diff
    assert [r["author"] for r in store.rule_revisions.history()] == ["li.wei"]
    with pytest.raises(RulesConflict) as unrelated:  # a conflict whatever file: the rule set is one
        store.rule_revisions.save({"decisions.yaml": DECISIONS}, before={"decisions.yaml": DECISIONS}, author="wang.fang",
                                  base=0)
    assert unrelated.value.diff == []  # their change touched no file this save changes

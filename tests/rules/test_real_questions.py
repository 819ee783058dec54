"""The floor on the real questions' tuning split (tests/data/real, labelled by docs/labelling-guide.md): CI fails
when a change reads real customers worse than the figures the README gives. The held-out split is not checked
here, so that nothing is tuned against it; `kb eval-real` reports both."""

from __future__ import annotations

import pytest

from kb.evaluation import check_real_thresholds
from kb.evaluation import evaluate_real
from kb.evaluation import fold_of
from kb.evaluation import judge
from kb.evaluation import load_real
from tests.conftest import DATA

REAL = sorted((DATA / "real").glob("*.yaml"))
# A little under the measured tune figures (README, Evaluation): a drop below them is a regression to look at.
# Round 3 added 84 unseen questions (49 of them to the tuning split), which the floor now includes; round 4's rules
# raised the figures, and its 73 new questions (47 to tune, not yet tuned on) brought them to scope 0.859, S4 0.859,
# out recall 0.840, software 0.868, unknown 0.015, channels 0.996 (en 0.855, zh 0.862); round 5 (issue 11) took them to
# scope 0.893, S4 0.911, out recall 0.883, software 0.883, unknown 0.003, channels 1.000 (en 0.883, zh 0.901). Then 95
# fresh questions (en_fresh3, zh_fresh3; 54 to tune, not yet tuned on) brought the tune split to scope 0.868, S4 0.889,
# out recall 0.854, software 0.882, unknown 0.008, channels 0.986 (en 0.835, zh 0.897).
FLOOR = {"split:tune:scope": 0.86, "split:tune:scope_s4": 0.88, "split:tune:out_recall": 0.845,
         "split:tune:software": 0.875, "split:tune:unknown": 0.012, "split:tune:failure_channels": 0.98,
         "split:tune:lang:en:scope": 0.83, "split:tune:lang:zh:scope": 0.89}


@pytest.fixture(scope="module")
def tune_report(knowledge):
    return evaluate_real(knowledge, [i for i in load_real(REAL) if i["split"] == "tune"])


def test_the_tuning_split_holds_its_floor(tune_report):
    assert check_real_thresholds(tune_report, FLOOR) == []


def test_every_item_is_split_by_the_hash_of_its_url():
    import hashlib

    for item in load_real(REAL):
        digit = hashlib.sha1(item["source_url"].encode()).hexdigest()[-1]
        assert item["split"] == ("holdout" if digit in "012345" else "tune"), item["id"]


def test_the_tune_split_is_halved_by_a_second_hash():
    """`kb eval-real --fold A|B`: sha1(id) ends in an even hex digit for A (a fix is studied on one half's misses and
    kept only when the other half holds)."""
    assert fold_of({"id": "zh-198"}) == "A" and fold_of({"id": "en-001"}) == "B"  # sha1 ends in 0 and in 7
    folds = [fold_of(i) for i in load_real(REAL) if i["split"] == "tune"]
    assert abs(folds.count("A") - folds.count("B")) < len(folds) / 4


def test_a_planless_question_is_compared_on_s3_and_on_s4(knowledge):
    item = {"id": "t", "question": "sshd won't start after I edited sshd_config", "plan": None, "scope": "in",
            "scope_s4": "partial", "software": "ssh", "activity": "troubleshoot", "failure_report": True,
            "channel": "ticket", "split": "tune"}
    row = judge(knowledge, item)
    assert row["scope"] and row["scope_s4"] and row["failure_channels"] and row["software"]
    assert not judge(knowledge, item | {"scope_s4": None})["scope_s4"]  # S4 is partial: a label of `in` is wrong


def test_thresholds_fail_below_a_minimum_and_above_the_unknown_maximum(tune_report):
    assert check_real_thresholds(tune_report, {"split:tune:scope": 1.01, "split:tune:unknown": -0.01,
                                               "split:nowhere:scope": 0.1}) == [
        f"split:tune:scope = {tune_report['groups']['split:tune']['scope']} < 1.01",
        f"split:tune:unknown = {tune_report['groups']['split:tune']['unknown']} > -0.01",
        "split:nowhere:scope = None < 0.1"]

"""The engine against the labelled narrative sets: the targets from issue 3."""

import pytest

from tests.cad.grading.metrics import HOLDOUT, LABELLED, load, score


def test_the_labelled_set_is_big_and_varied_enough():
    rows = load(LABELLED)

    assert len(rows) >= 150
    assert sum(r["domestic_abuse"] for r in rows) / len(rows) >= 0.40
    assert {r["channel"] for r in rows} >= {"999", "101"}
    assert any(r["silent"] for r in rows)


@pytest.mark.parametrize("path", [LABELLED, HOLDOUT], ids=["labelled", "holdout"])
def test_the_engine_meets_the_targets(path):
    scores = score(load(path))
    print("\n" + scores.summary(path.name))
    for miss in scores.misses:
        print("  " + miss)

    assert scores.recall >= 0.95
    assert scores.false_positive_rate <= 0.10
    assert scores.immediate_when_needed == 1.0

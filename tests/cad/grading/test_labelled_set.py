"""The engine against the labelled narrative sets: the recall, false-positive and Immediate targets."""

import pytest

from tests.cad.grading.metrics import DEV, HOLDOUT, KINDS, LABELLED, load, score


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


@pytest.mark.parametrize("path", [DEV, KINDS], ids=["dev", "kinds"])
def test_the_engine_holds_on_narratives_written_apart_from_it(path):
    # The development set was written by someone who had not read the engine; the kinds set
    # holds the kinds of call the engine used to miss. Floors, so a regression shows; the
    # targets (recall 0.95, false positives 0.08, Immediate 0.95) are measured by the bench.
    scores = score(load(path))
    print("\n" + scores.summary(path.name))

    assert scores.recall >= 0.90
    assert scores.false_positive_rate <= 0.05
    assert scores.immediate_when_needed >= 0.90

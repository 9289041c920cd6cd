"""Grading engine metrics and latency over the labelled narratives (run with `make bench`)."""

import pytest

from cad.grading.lexicon import clear_cache, get_lexicon
from tests.cad.grading.metrics import HOLDOUT, LABELLED, load, score

REPEAT = 20


@pytest.mark.bench
def test_grading_metrics_and_latency():
    clear_cache()
    get_lexicon()  # loading and compiling the lexicon happens once per process, not per call
    rows = load(LABELLED) + load(HOLDOUT)

    for name, subset in (("labelled", load(LABELLED)), ("holdout", load(HOLDOUT))):
        print("\n" + score(subset).summary(name))
    scores = score(rows, repeat=REPEAT)

    print(
        f"\nassess() latency over {len(scores.latencies_ms)} calls ({len(rows)} narratives x "
        f"{REPEAT}): p50={scores.percentile_ms(50):.2f} ms p95={scores.percentile_ms(95):.2f} ms "
        f"max={max(scores.latencies_ms):.2f} ms"
    )
    assert scores.total == len(rows)

"""Grading engine metrics and latency (run with `make bench` / `pytest -m bench`).

Scores every labelled set (the project's own, its holdout, the kinds of call the engine used to
miss, and the development set written by someone who had not read the engine) and measures
assess() time: p50/p95 over the sets, and on long narratives with no full stops at 2,000 and
20,000 characters (the API's cap), where the tense check used to rescan the sentence per match;
and the text models' training time and inference latency. The scores here are on the text
models' own training data; the out-of-voice measurement is `python -m tests.cad.grading.crossval`.
"""

import statistics
import time

import pytest

from cad.grading import assess, textmodel
from cad.grading.lexicon import clear_cache, get_lexicon
from tests.cad.grading.metrics import DEV, HOLDOUT, KINDS, LABELLED, load, score

REPEAT = 5
LONG_REPEAT = 20
PATHOLOGICAL = {
    "one word, no full stops": "knife ",
    "abuse words, no full stops": "my ex is hitting me he has a knife and he is outside now ",
    "caller's words with commas": "he hit me, the kids are here, he's shouting, I'm scared, ",
}


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


@pytest.mark.bench
def test_text_model_training_and_inference():
    # The text models train once per process, lazily, on the labelled corpora (no model file).
    textmodel.clear_cache()
    started = time.perf_counter()
    models = textmodel.get_models()
    trained_s = time.perf_counter() - started
    timings = {2000: [], 20000: []}
    for length in timings:
        text = (PATHOLOGICAL["caller's words with commas"] * (length // 50 + 1))[:length]
        for _ in range(LONG_REPEAT):
            started = time.perf_counter()
            models.read(text)
            timings[length].append((time.perf_counter() - started) * 1000)
    print(f"\ntext models trained on {models.trained_on} narratives in {trained_s:.1f} s")
    for length, values in timings.items():
        print(
            f"text models, {length} chars: p50={statistics.median(values):.1f} ms "
            f"p95={_percentile(values, 95):.1f} ms"
        )


@pytest.mark.bench
def test_grading_metrics_and_latency():
    clear_cache()
    get_lexicon()  # loading and compiling the lexicon happens once per process, not per call
    textmodel.get_models()  # so is training the text models
    sets = {"labelled": LABELLED, "holdout": HOLDOUT, "kinds": KINDS, "dev": DEV}
    rows = []
    for name, path in sets.items():
        subset = load(path)
        rows += subset
        print("\n" + score(subset).summary(name))
    scores = score(rows, repeat=REPEAT)

    print(
        f"\nassess() latency over {len(scores.latencies_ms)} calls ({len(rows)} narratives x "
        f"{REPEAT}): p50={scores.percentile_ms(50):.2f} ms p95={scores.percentile_ms(95):.2f} ms "
        f"max={max(scores.latencies_ms):.2f} ms"
    )
    assert scores.total == len(rows)


@pytest.mark.bench
@pytest.mark.parametrize("length", [2000, 20000])
def test_grading_latency_on_long_narratives(length):
    get_lexicon()
    textmodel.get_models()
    for name, unit in PATHOLOGICAL.items():
        text = (unit * (length // len(unit) + 1))[:length]
        timings = []
        for _ in range(LONG_REPEAT):
            started = time.perf_counter()
            assess(narrative=text, channel="999")
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"\n{length} chars, {name}: p50={statistics.median(timings):.1f} ms "
            f"p95={_percentile(timings, 95):.1f} ms max={max(timings):.1f} ms"
        )


@pytest.mark.bench
@pytest.mark.django_db
def test_a_999_create_with_a_20000_character_narrative(api):
    # Creating an incident assesses the narrative (and the context); with the old tense check a
    # 20,000-character narrative without full stops took about a minute here.
    client = api("CALL_HANDLER")
    narrative = ("knife " * 4000)[:20000]
    timings = []
    for n in range(3):
        started = time.perf_counter()
        response = client.post(
            "/api/v1/incidents/",
            {
                "channel": "999",
                "caller_phone": f"07700 90012{n}",
                "address": "12 Acacia Avenue, Leeds LS6 2AB",
                "narrative": narrative,
            },
            format="json",
        )
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.content
    print(f"\n999 create, 20,000 chars: {', '.join(f'{t:.0f} ms' for t in timings)}")

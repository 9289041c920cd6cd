"""Score the grading engine on a labelled narrative set (JSON lines).

Each line: {"narrative", "channel", "silent", "marked", "domestic_abuse", "minimum_grade",
"present_danger"}, optionally "tag" (the kind of call, for counting misses). `marked` means the
caller's number or address has an active marker (given to the engine as a context result, as the
riskflags provider would).

Run on any file from the repository root: `python -m tests.cad.grading.metrics PATH [PATH...]`.
It prints aggregate numbers and miss counts per tag only, never narrative text, so it can score a
blind set without showing it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# The engine is imported inside the functions so that `python -m` can set Django up first.

# The labelled sets live beside the engine (`cad/grading/corpus/`): the text models learn from
# them (`cad.grading.textmodel.TRAINING_FILES`), so these scores are on training data; the
# honest measurement is `python -m tests.cad.grading.crossval`.
HERE = Path(__file__).resolve().parents[3] / "cad" / "grading" / "corpus"
LABELLED = HERE / "narratives.jsonl"
HOLDOUT = HERE / "narratives_holdout.jsonl"
# Kinds of call the engine used to miss (female perpetrators, shorthand, third parties, coercion,
# stalking, minor-now-with-history, loose present danger, log style) and their look-alikes.
KINDS = HERE / "narratives_kinds.jsonl"
# Written by someone who had not read the engine; tune on it, but never on the blind set.
DEV = HERE / "narratives_dev.jsonl"


def load(path: Path) -> list[dict]:
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def context_for(row: dict) -> list:
    from cad.context import ContextResult

    if not row.get("marked"):
        return []
    return [ContextResult(provider="riskflags", marked=True)]


@dataclass
class Scores:
    total: int = 0
    true_positives: int = 0
    false_negatives: int = 0
    false_positives: int = 0
    true_negatives: int = 0
    present_danger_calls: int = 0
    present_danger_immediate: int = 0
    minimum_grade_matches: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    # Misses by kind ("missed DA", "false DA", "not IMMEDIATE") and the row's tag.
    miss_tags: Counter = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        positives = self.true_positives + self.false_negatives
        return self.true_positives / positives if positives else 1.0

    @property
    def false_positive_rate(self) -> float:
        negatives = self.false_positives + self.true_negatives
        return self.false_positives / negatives if negatives else 0.0

    @property
    def immediate_when_needed(self) -> float:
        if not self.present_danger_calls:
            return 1.0
        return self.present_danger_immediate / self.present_danger_calls

    @property
    def minimum_grade_accuracy(self) -> float:
        return self.minimum_grade_matches / self.total if self.total else 1.0

    def percentile_ms(self, pct: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
        return ordered[index]

    def summary(self, name: str) -> str:
        positives = self.true_positives + self.false_negatives
        return (
            f"{name}: n={self.total} (DA {positives}, {positives / self.total:.0%}) "
            f"DA recall={self.recall:.3f} false-positive rate={self.false_positive_rate:.3f} "
            f"Immediate-when-needed={self.present_danger_immediate}/{self.present_danger_calls} "
            f"({self.immediate_when_needed:.3f}) minimum-grade accuracy="
            f"{self.minimum_grade_accuracy:.3f}"
        )


def score(rows: list[dict], *, repeat: int = 1) -> Scores:
    from cad.grading import assess, textmodel

    textmodel.get_models()  # trained before scoring, so no call is scored on the rules alone
    scores = Scores()
    for row in rows:
        context = context_for(row)
        for _ in range(repeat):
            started = time.perf_counter()
            assessment = assess(
                narrative=row["narrative"],
                channel=row["channel"],
                silent=row.get("silent", False),
                context=context,
            )
            scores.latencies_ms.append((time.perf_counter() - started) * 1000)
        scores.total += 1
        tag = row.get("tag") or "untagged"
        expected = row["domestic_abuse"]
        if expected and assessment.domestic_abuse:
            scores.true_positives += 1
        elif expected:
            scores.false_negatives += 1
            scores.misses.append(f"missed DA: {row['narrative']}")
            scores.miss_tags[("missed DA", tag)] += 1
        elif assessment.domestic_abuse:
            scores.false_positives += 1
            scores.misses.append(f"false DA: {row['narrative']}")
            scores.miss_tags[("false DA", tag)] += 1
        else:
            scores.true_negatives += 1
        if expected and row.get("present_danger"):
            scores.present_danger_calls += 1
            if assessment.minimum_grade == "IMMEDIATE":
                scores.present_danger_immediate += 1
            else:
                scores.misses.append(f"not IMMEDIATE: {row['narrative']}")
                scores.miss_tags[("not IMMEDIATE", tag)] += 1
        if assessment.minimum_grade == row["minimum_grade"]:
            scores.minimum_grade_matches += 1
    return scores


def aggregate_report(path: Path, scores: Scores) -> str:
    """Numbers and miss counts per tag: nothing that quotes a narrative."""
    lines = [scores.summary(str(path))]
    for (kind, tag), count in sorted(scores.miss_tags.items()):
        lines.append(f"  {kind:<14} {tag:<28} {count}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m tests.cad.grading.metrics PATH [PATH...]", file=sys.stderr)
        return 2
    for arg in argv:
        path = Path(arg)
        print(aggregate_report(path, score(load(path))))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlroom.settings")
    # A scoring run needs no secrets: the development defaults (embedded SQLite) will do.
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    sys.exit(main(sys.argv[1:]))

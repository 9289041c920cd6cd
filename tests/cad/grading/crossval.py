"""Cross-validate the rules + text model combination and choose its thresholds.

Folds: each blind set left out in turn (`A`, `B`: written by people who never read the engine,
so they measure how the combination holds on voices it has not seen), the project's own small
sets together (`own`: labelled, holdout, kinds) and five stratified folds of the development set
(`dev0`..`dev4`, seed 0). For each fold the text models are trained on every other row
(`textmodel.train`, the same code the engine uses), then the held-out rows are assessed twice by
the real engine: on the rules alone, and with the fold's models and a DA threshold of 0 (so the
engine reports, for a call the gate lets through, the grade it would have as DA). The combination
(`combine.decide`) is then replayed over a grid of thresholds, with no further training.

Thresholds are chosen without looking at the fold they are scored on: for each held-out fold,
by the objective below over the other folds (nested), and the thresholds recommended for
`lexicon.toml` over all of them. Objective (lower is better), per group of folds (A, B, own, the
development folds together) then averaged: 2 x the recall shortfall below 0.95 + 2 x the false
positive excess above 0.08 + the Immediate shortfall below 0.95 + 0.3 x the share of calls
labelled below IMMEDIATE that are made IMMEDIATE (so the danger threshold does not simply fall
to the bottom of its grid), then a little recall preferred.

Prints aggregate numbers only (no narrative text), so the blind sets stay unread.
Run from the repository root: `python -m tests.cad.grading.crossval` (several minutes: eight
trainings and two assessments of every row). `--save PATH` keeps the per-row results (scores
and verdicts, no text) so `--load PATH` can replay other thresholds or objectives at once.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

HERE_SETS = {
    "own": ("narratives.jsonl", "narratives_holdout.jsonl", "narratives_kinds.jsonl"),
    "dev": ("narratives_dev.jsonl",),
    "A": ("blind/blind_a.jsonl",),
    "B": ("blind/blind_b.jsonl",),
    "F": ("narratives_f.jsonl",),
    "I": ("narratives_i.jsonl",),
    "E": ("blind/blind_e.jsonl",),
    "G": ("blind/blind_g.jsonl",),
    "H": ("blind/blind_h.jsonl",),
    "J": ("blind/blind_j.jsonl",),
    "K": ("blind/blind_k.jsonl",),
    "L": ("blind/blind_l.jsonl",),
    "M": ("blind/blind_m.jsonl",),
    "N": ("blind/blind_n.jsonl",),
    "O": ("blind/blind_o.jsonl",),
    "P": ("blind/blind_p.jsonl",),
    "Q": ("blind/blind_q.jsonl",),
    "R": ("blind/blind_r.jsonl",),
    "S": ("blind/blind_s.jsonl",),
    "T": ("blind/blind_t.jsonl",),
    "U": ("blind/blind_u.jsonl",),
    "V": ("blind/blind_v.jsonl",),
    "W": ("blind/blind_w.jsonl",),
}
# Written apart from the engine (blind sets and sets F, I): each held out measures a voice the
# models have not seen.
OUT_OF_VOICE = tuple("ABFIEGHJKLMNOPQRSTUVW")  # every fold but own and dev*
DEV_FOLDS = 5
SEED = 0
DA_GRID = [round(0.30 + 0.05 * i, 2) for i in range(14)]  # 0.30 .. 0.95
DANGER_GRID = [round(0.20 + 0.05 * i, 2) for i in range(16)]  # 0.20 .. 0.95
VETO_GRID = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]  # 0: the model never overrules the rules
ASK = 0.35
# `model_unconnected_threshold`, as shipped (not searched: the grid search chooses the others).
UNCONNECTED = 0.7
# `model_danger_veto_threshold`, as shipped (not searched).
DANGER_VETO = 0.05


@dataclass
class Row:
    fold: str
    domestic_abuse: bool
    present_danger: bool
    rules_da: bool
    rules_immediate: bool  # minimum IMMEDIATE on the rules alone
    gate_open: bool
    immediate_if_da: bool  # minimum IMMEDIATE when the model makes it DA (no danger model)
    da_score: float
    danger_score: float
    labelled_immediate: bool  # the row's own minimum grade is IMMEDIATE
    # Something beyond the model's reading supports DA (`engine._supported_on_record`): the model never
    # overrules the rules then.
    supported: bool = False
    # The gate is shut only for want of a named connection (`combine.Gate.unblocked`).
    gate_unblocked: bool = False
    # The only support is a danger the rules read as now (`Thresholds.danger_veto`).
    danger_only: bool = False


def rows_with_folds() -> list[tuple[str, dict]]:
    from sklearn.model_selection import StratifiedKFold

    from cad.grading.textmodel import CORPUS, load_rows

    found = []
    for group, names in HERE_SETS.items():
        rows = load_rows([CORPUS / name for name in names])
        if group != "dev":
            found += [(group, row) for row in rows]
            continue
        folds = StratifiedKFold(DEV_FOLDS, shuffle=True, random_state=SEED)
        labels = [row["domestic_abuse"] for row in rows]
        for k, (_, held) in enumerate(folds.split(rows, labels)):
            found += [(f"dev{k}", rows[i]) for i in held]
    return found


def assess_folds() -> list[Row]:
    from cad.grading import assess
    from cad.grading.combine import Thresholds
    from cad.grading.textmodel import train
    from tests.cad.grading.metrics import context_for

    labelled = rows_with_folds()
    out = []
    for fold in dict.fromkeys(f for f, _ in labelled):
        models = train([row for f, row in labelled if f != fold])
        gate_through = Thresholds(domestic_abuse=0.0, ask=ASK, present_danger=1.01, unconnected=0.0)
        for f, row in labelled:
            if f != fold:
                continue
            kwargs = dict(
                narrative=row["narrative"],
                channel=row["channel"],
                silent=row.get("silent", False),
                context=context_for(row),
            )
            rules_only = assess(**kwargs, statistical=False)
            through = assess(**kwargs, models=models, thresholds=gate_through)
            panel = through.model
            out.append(
                Row(
                    fold=fold,
                    domestic_abuse=row["domestic_abuse"],
                    present_danger=bool(row.get("present_danger")),
                    rules_da=rules_only.domestic_abuse,
                    rules_immediate=rules_only.minimum_grade == "IMMEDIATE",
                    gate_open=bool(panel.get("gate", {}).get("open")),
                    immediate_if_da=through.minimum_grade == "IMMEDIATE",
                    da_score=panel.get("domestic_abuse") or 0.0,
                    danger_score=panel.get("present_danger") or 0.0,
                    labelled_immediate=row["minimum_grade"] == "IMMEDIATE",
                    supported=bool(panel.get("rules", {}).get("supported")),
                    danger_only=bool(panel.get("rules", {}).get("danger_only")),
                    gate_unblocked=not panel.get("gate", {}).get("open")
                    and not panel.get("gate", {}).get("blocked_by"),
                )
            )
        print(f"  fold {fold}: {sum(r.fold == fold for r in out)} assessed", file=sys.stderr)
    return out


@dataclass
class Result:
    recall: float
    false_positive_rate: float
    immediate: float
    n: int
    # Calls labelled below IMMEDIATE that are given IMMEDIATE (the cost of a low danger threshold).
    over_immediate: float = 0.0

    def line(self) -> str:
        return (
            f"DA recall={self.recall:.3f} false-positive rate={self.false_positive_rate:.3f} "
            f"Immediate-when-needed={self.immediate:.3f} "
            f"IMMEDIATE-when-labelled-lower={self.over_immediate:.3f} (n={self.n})"
        )


def replay(
    rows: list[Row],
    da: float | None,
    danger: float | None,
    veto: float = 0.0,
    danger_veto: float | None = None,
) -> Result:
    """The combination (`combine.decide`) with these thresholds; None: rules alone."""
    from cad.grading.combine import Thresholds, decide

    tp = fn = fp = tn = needed = immediate = lower = over = 0
    for r in rows:
        if da is None:
            is_da, is_immediate = r.rules_da, r.rules_immediate
        else:
            outcome = decide(
                rules_da=r.rules_da,
                answers_confirm=False,
                gate_open=r.gate_open,
                gate_unblocked=r.gate_unblocked,
                da_score=r.da_score,
                danger_score=r.danger_score,
                thresholds=Thresholds(
                    domestic_abuse=da,
                    ask=ASK,
                    present_danger=danger,
                    veto=veto,
                    unconnected=UNCONNECTED,
                    danger_veto=DANGER_VETO if danger_veto is None else danger_veto,
                ),
                supported=r.supported,
                danger_only=r.danger_only,
            )
            is_da = outcome.domestic_abuse
            is_immediate = (
                # An overruled call loses what the rules' DA gave it (approximated: all of the
                # rules' IMMEDIATE; other kinds of call keep theirs in the real engine).
                (r.rules_immediate and not outcome.overruled)
                or (outcome.by_model and r.immediate_if_da)
                or outcome.present_danger
            )
        if r.domestic_abuse:
            tp += is_da
            fn += not is_da
        else:
            fp += is_da
            tn += not is_da
        if r.domestic_abuse and r.present_danger:
            needed += 1
            immediate += is_immediate
        if not r.labelled_immediate:
            lower += 1
            over += is_immediate
    return Result(
        recall=tp / (tp + fn) if tp + fn else 1.0,
        false_positive_rate=fp / (fp + tn) if fp + tn else 0.0,
        immediate=immediate / needed if needed else 1.0,
        n=len(rows),
        over_immediate=over / lower if lower else 0.0,
    )


def group_of(fold: str) -> str:
    return "dev" if fold.startswith("dev") else fold


def objective(result: Result) -> float:
    return (
        2 * max(0.0, 0.95 - result.recall)
        + 2 * max(0.0, result.false_positive_rate - 0.08)
        + max(0.0, 0.95 - result.immediate)
        + 0.3 * result.over_immediate
        - 0.05 * result.recall
        + 0.05 * result.false_positive_rate
    )


def choose(rows: list[Row]) -> tuple[float, float, float]:
    """(DA, danger, veto) thresholds minimising the objective over `rows`' groups of folds."""
    groups: dict[str, list[Row]] = {}
    for r in rows:
        groups.setdefault(group_of(r.fold), []).append(r)

    def cost(triple):
        return sum(objective(replay(g, *triple)) for g in groups.values()) / len(groups)

    return min(
        ((da, danger, veto) for da in DA_GRID for danger in DANGER_GRID for veto in VETO_GRID),
        key=cost,
    )


def main(argv: list[str]) -> int:
    import dataclasses
    import json

    if argv[:1] == ["--load"]:
        with open(argv[1]) as handle:
            rows = [Row(**item) for item in json.load(handle)]
    else:
        rows = assess_folds()
    if argv[:1] == ["--save"]:
        with open(argv[1], "w") as handle:
            json.dump([dataclasses.asdict(r) for r in rows], handle)
    folds = list(dict.fromkeys(r.fold for r in rows))
    print("Held-out fold: rules alone | rules + models, thresholds chosen on the other folds")
    for fold in folds:
        held = [r for r in rows if r.fold == fold]
        da, danger, veto = choose([r for r in rows if r.fold != fold])
        print(f"{fold:>5}  rules: {replay(held, None, None).line()}")
        print(
            f"{'':>5}  combined (DA >= {da}, danger >= {danger}, veto < {veto}): "
            f"{replay(held, da, danger, veto).line()}"
        )
    da, danger, veto = choose(rows)
    print(
        f"Thresholds chosen on all folds: model_da_threshold = {da}, "
        f"model_danger_threshold = {danger}, model_veto_threshold = {veto}"
    )
    for name, subset in (
        ("A+B+F (out of voice)", [r for r in rows if r.fold in ("A", "B", "F")]),
        ("A+B+F+I (out of voice)", [r for r in rows if r.fold in ("A", "B", "F", "I")]),
        ("E+G+H+J+K+L (out of voice)", [r for r in rows if r.fold in "EGHJKL"]),
        ("all out of voice", [r for r in rows if r.fold in OUT_OF_VOICE]),
        ("dev folds", [r for r in rows if r.fold.startswith("dev")]),
        ("own", [r for r in rows if r.fold == "own"]),
    ):
        print(f"  {name}: {replay(subset, da, danger, veto).line()}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlroom.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    sys.exit(main(sys.argv[1:]))

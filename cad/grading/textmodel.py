"""The statistical layer: two n-gram text models trained on the in-repo labelled corpora.

The rules (`people.py`, `rules.py`, `linking.py`, `domestic.py`) read WHO did WHAT to WHOM and
WHEN; they hold on the sentences their authors had in front of them and miss calls phrased in
voices they have not seen. These models read the same narrative as a bag of word and character
n-grams (scikit-learn: TF-IDF, word 1-2 grams and character 2-5 grams within words, sublinear
term frequency; L2 logistic regression, classes balanced, liblinear solver with a fixed seed), so
they catch phrasing no rule names ("the kids' da", "ex-p", "she gets my wages"):

- `domestic_abuse`: the probability (0-1) that a narrative is domestic abuse;
- `present_danger`: the probability (0-1) that the danger is present now (the person there, at
  the door or trying to get in, violence in progress, "something in his hand").

How the scores combine with the rules (the model never makes a call DA on its own, and never
makes a stranger assault DA) is `combine.py`.

Training data: `corpus/*.jsonl` listed in `TRAINING_FILES` (one JSON object a line:
`narrative`, `domestic_abuse`, `present_danger`, ...). The models are trained lazily the first
time a process assesses a call, or as the ASGI server starts (about 4 s on 7,800 narratives, measured quiet,
in a background thread: a call that comes before they are ready waits up to
`GRADING_MODEL_WAIT_SECONDS`, default 3, then is assessed on the rules alone and says so in its
`model` panel) and cached for the life of the process: no model file is generated or stored,
so the models are always those the repository's corpora and this code make (retrain = restart
the process; `clear_cache()` in tests). Training is deterministic: same corpus, same scores.

Evidence: a model score is explained by the word n-grams present in the narrative that pushed it
up most (TF-IDF value x coefficient), each quoted from the narrative with its span
(`Scored.evidence`). Character n-grams add to the score but are not quoted (a fragment of a word
explains nothing to a handler).

Scoring one narrative takes a few milliseconds (linear in its length: the vectorisers make one
pass); 20,000 characters take tens of milliseconds.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
# The labelled sets the models learn from. Listed, not globbed: a new blind set dropped into the
# corpus folder for scoring must not be learnt before it is scored.
TRAINING_FILES: tuple[str, ...] = (
    "narratives.jsonl",
    "narratives_holdout.jsonl",
    "narratives_kinds.jsonl",
    "narratives_dev.jsonl",
    "blind/blind_a.jsonl",
    "blind/blind_b.jsonl",
    "narratives_f.jsonl",
    "narratives_i.jsonl",
    # Spent blind sets: each was scored once as a measurement (blind/README.md) and is training
    # data since; a new measurement needs a new set.
    "blind/blind_e.jsonl",
    "blind/blind_g.jsonl",
    "blind/blind_h.jsonl",
    "blind/blind_j.jsonl",
    "blind/blind_k.jsonl",
    "blind/blind_l.jsonl",
    "blind/blind_m.jsonl",
    "blind/blind_n.jsonl",
    "blind/blind_o.jsonl",
    "blind/blind_p.jsonl",
    "blind/blind_q.jsonl",
    "blind/blind_r.jsonl",
    "blind/blind_s.jsonl",
    "blind/blind_t.jsonl",
    "blind/blind_u.jsonl",
    "blind/blind_v.jsonl",
    "blind/blind_w.jsonl",
)
SEED = 0
# Regularisation of the logistic regression (inverse strength), chosen by cross-validation.
C = 4.0
# How many n-grams are quoted as a score's evidence.
EVIDENCE_NGRAMS = 4


def load_rows(paths=None) -> list[dict]:
    """The labelled rows of `paths` (default: `TRAINING_FILES` under `CORPUS`), in file order."""
    rows: list[dict] = []
    for path in paths or [CORPUS / name for name in TRAINING_FILES]:
        with open(path, encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


@dataclass(frozen=True)
class Scored:
    """A model's reading of one narrative: `score` in 0-1 and the n-grams behind it."""

    score: float
    # [(n-gram, (start, end))]: the word n-grams that raised the score most, with where each
    # first occurs in the narrative (character offsets).
    evidence: list[tuple[str, tuple[int, int]]] = field(default_factory=list)


class TextModel:
    """TF-IDF word and character n-grams (fitted once) and one logistic regression per target."""

    def __init__(self, texts: list[str], targets: dict[str, list], *, c: float = C, seed=SEED):
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self._hstack = hstack
        self.words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
        )
        matrix = hstack([self.words.fit_transform(texts), self.chars.fit_transform(texts)]).tocsr()
        self.models = {
            name: LogisticRegression(
                C=c, class_weight="balanced", solver="liblinear", random_state=seed, max_iter=1000
            ).fit(matrix, [bool(y) for y in labels])
            for name, labels in targets.items()
        }
        names = self.words.get_feature_names_out()
        self._word_names = names
        # Word n-grams a handler can read as a reason: not made of stop words alone ("she is").
        self._quotable = [any(w not in ENGLISH_STOP_WORDS for w in n.split()) for n in names]

    def scores(self, target: str, texts: list[str]) -> list[float]:
        """The probability of `target` for each text (batch form, for cross-validation)."""
        matrix = self._hstack([self.words.transform(texts), self.chars.transform(texts)]).tocsr()
        return [float(p) for p in self.models[target].predict_proba(matrix)[:, 1]]

    def read(self, text: str, *, with_evidence: bool = True) -> dict[str, Scored]:
        """Every target's `Scored` reading of one text (one pass of the vectorisers)."""
        words = self.words.transform([text]).tocsr()
        matrix = self._hstack([words, self.chars.transform([text])]).tocsr()
        found = {}
        for name, model in self.models.items():
            score = _probability(model, matrix)
            evidence = self._evidence(text, words, model.coef_[0]) if with_evidence else []
            found[name] = Scored(score=score, evidence=evidence)
        return found

    def _evidence(self, text: str, words, coef) -> list[tuple[str, tuple[int, int]]]:
        contributions = sorted(
            (
                (float(value) * float(coef[index]), int(index))
                for index, value in zip(words.indices, words.data, strict=True)
                if coef[index] > 0 and self._quotable[index]
            ),
            reverse=True,
        )
        evidence = []
        for _, index in contributions:
            ngram = str(self._word_names[index])
            span = _locate(text, ngram)
            # One quote per place: "my ex" and "ex" both present quote "my ex" once.
            if span is not None and not any(span[0] < e and s < span[1] for _, (s, e) in evidence):
                evidence.append((ngram, span))
            if len(evidence) == EVIDENCE_NGRAMS:
                break
        return evidence


def _probability(model, matrix) -> float:
    """`float(model.predict_proba(matrix)[0, 1])` for a binary logistic regression and a
    one-row sparse matrix the vectorisers made, computed as scikit-learn computes it (its
    decision function through the logistic function) without its checks of the input, which
    cost more than the sum itself on every call taken (tests hold the two equal)."""
    from scipy.special import expit
    from sklearn.utils.extmath import safe_sparse_dot

    decision = safe_sparse_dot(matrix, model.coef_.T, dense_output=True) + model.intercept_
    return float(expit(decision)[0, 0])


def _locate(text: str, ngram: str) -> tuple[int, int] | None:
    """Where the word n-gram first occurs in `text` (the vectoriser's tokens are runs of two or
    more word characters, lower-cased, so anything else may stand between them)."""
    pattern = r"(?<!\w)" + r"\W+(?:\w\W+)*?".join(re.escape(w) for w in ngram.split()) + r"(?!\w)"
    match = re.search(pattern, text, re.IGNORECASE)
    return match.span() if match else None


DOMESTIC_ABUSE = "domestic_abuse"
PRESENT_DANGER = "present_danger"


@dataclass(frozen=True)
class Models:
    text: TextModel
    trained_on: int  # how many narratives

    def read(self, narrative: str) -> dict[str, Scored]:
        """{"domestic_abuse": Scored, "present_danger": Scored} for one narrative."""
        return self.text.read(narrative)


def train(rows: list[dict], *, c: float = C, seed: int = SEED) -> Models:
    """Both models from labelled rows (`narrative`, `domestic_abuse`, `present_danger`)."""
    targets = {
        DOMESTIC_ABUSE: [r["domestic_abuse"] for r in rows],
        PRESENT_DANGER: [bool(r.get("present_danger")) for r in rows],
    }
    return Models(
        text=TextModel([r["narrative"] for r in rows], targets, c=c, seed=seed),
        trained_on=len(rows),
    )


_lock = threading.Lock()
_training: threading.Thread | None = None


@lru_cache(maxsize=1)
def _trained() -> Models:
    return train(load_rows())


def get_models() -> Models:
    """The process's models, trained on the corpora the first time they are asked for (blocks
    until they are)."""
    with _lock:
        return _trained()


def models_within(seconds: float) -> Models | None:
    """The process's models if they are trained within `seconds`, else None (training goes on
    in a background thread and a later call gets them). A call assessed in the first seconds of
    a process is then assessed on the rules alone, and says so, rather than waiting."""
    global _training
    if _trained.cache_info().currsize:
        return get_models()
    with _lock:
        if _training is None or not _training.is_alive():
            _training = threading.Thread(target=get_models, name="grading-textmodel", daemon=True)
            _training.start()
        thread = _training
    thread.join(seconds)
    return None if thread.is_alive() else get_models()


def clear_cache() -> None:
    _trained.cache_clear()

"""A narrative's model scores are computed without scikit-learn's input checks
(`textmodel._probability`) and are exactly the probabilities `predict_proba` gives: the same
floats, bit for bit, for every narrative in the corpora and for odd ones."""

import pytest

from cad.grading.textmodel import get_models, load_rows

ODD = [
    "",
    " ",
    "???",
    "Dw i'n ofni, mae e wrth y drws",
    "HE'S GOT A KNIFE!!! 999 999",
    "ex-p kicked off again, kids' da at the door " * 40,
    "Zażółć gęślą jaźń — über café naïve",
]


@pytest.mark.parametrize("start", range(0, 4))
def test_the_scores_are_predict_probas_own_for_every_narrative(start):
    model = get_models().text
    rows = load_rows()
    narratives = [row["narrative"] for row in rows[start::4]] + (ODD if start == 0 else [])
    for text in narratives:
        read = model.read(text, with_evidence=False)
        words = model.words.transform([text]).tocsr()
        matrix = model._hstack([words, model.chars.transform([text])]).tocsr()
        for name, classifier in model.models.items():
            assert read[name].score == float(classifier.predict_proba(matrix)[0, 1]), text

"""Reading a narrative: normalisation, negation, tense and hypothetical cues."""

import pytest

from cad.grading.text import (
    TENSE_HISTORIC,
    TENSE_OVERNIGHT,
    TENSE_PRESENT,
    TENSE_RECENT,
    TENSE_UNSPECIFIED,
    Narrative,
    normalise,
)


def _at(narrative: Narrative, words: str) -> tuple[int, int]:
    start = narrative.text.index(words)
    return start, start + len(words)


def test_normalising_keeps_offsets_so_spans_point_at_the_callers_words():
    original = "My fiancé’s EX—HUSBAND"

    text = normalise(original)

    assert len(text) == len(original)
    assert text == "my fiance's ex-husband"


@pytest.mark.parametrize(
    ("sentence", "words", "negated"),
    [
        ("he hasn't hit me", "hit me", True),
        ("there are no weapons", "weapons", True),
        ("nobody is injured", "injured", True),
        ("he hasn't hit me yet", "hit me", False),
        ("he hasn't hit me and he is outside", "outside", False),
        ("i couldn't stop him hitting me", "hitting me", False),
        ("he hit me, but no weapons", "hit me", False),
    ],
)
def test_negation_governs_only_the_words_it_reaches(sentence, words, negated):
    narrative = Narrative(sentence)

    assert narrative.is_negated(*_at(narrative, words), window=4) is negated


@pytest.mark.parametrize(
    ("sentence", "words", "tense"),
    [
        ("he is hitting me right now", "hitting", TENSE_PRESENT),
        ("he hit me last year", "hit", TENSE_HISTORIC),
        ("he hit me two weeks ago", "hit", TENSE_HISTORIC),
        ("he hit me last night", "hit", TENSE_OVERNIGHT),
        ("c/r states her fella battered her last nt", "battered", TENSE_OVERNIGHT),
        ("ex-p assaulted ip o/n, now left", "assaulted", TENSE_OVERNIGHT),
        ("he hit me yday", "hit", TENSE_OVERNIGHT),
        ("he hit me earlier today", "hit", TENSE_RECENT),
        ("he hit me", "hit", TENSE_UNSPECIFIED),
        ("he choked me on sunday and i've still got marks", "choked", TENSE_HISTORIC),
        ("he hit me last night and now he's outside", "outside", TENSE_PRESENT),
    ],
)
def test_tense_comes_from_the_clause_then_the_sentence(sentence, words, tense):
    narrative = Narrative(sentence)

    assert narrative.tense(_at(narrative, words)[0]) == tense


@pytest.mark.parametrize(
    ("sentence", "words", "hypothetical"),
    [
        ("i'm scared he'll hit me", "hit me", True),
        ("he threatened to strangle me", "strangle me", True),
        ("he's going to hurt me", "hurt me", True),
        ("he hit me", "hit me", False),
        ("he's been hitting me", "hitting me", False),
    ],
)
def test_feared_or_threatened_acts_are_hypothetical(sentence, words, hypothetical):
    narrative = Narrative(sentence)

    assert narrative.is_hypothetical(_at(narrative, words)[0], window=4) is hypothetical


def test_clauses_split_at_but_and_commas():
    narrative = Narrative("He hasn't hit me, but he is threatening me. He left.")

    clauses = [narrative.text[c.start : c.end].strip(" ,.") for c in narrative.clauses]

    assert clauses == ["he hasn't hit me", "but he is threatening me", "he left"]

"""A narrative not in English is said to be unread, not silently graded as if nothing were in
it (cad.grading.language, py3langid)."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from cad.grading import language
from tests.cad.factories import call_handler
from tests.cad.grading.helpers import assess_999

CORPUS = Path(__file__).resolve().parents[3] / "cad" / "grading" / "corpus"


@pytest.mark.parametrize(
    ("narrative", "name"),
    [
        ("Mój mąż mnie bije, jest teraz w domu, pomocy.", "Polish"),
        ("Mi marido me pegó y está en la puerta, tengo miedo.", "Spanish"),
        ("Soțul meu mă bate, e acasă acum", "Romanian"),
    ],
)
def test_a_narrative_in_another_language_is_said_to_be_unread(narrative, name):
    assessment = assess_999(narrative)

    assert assessment.language["english"] is False and assessment.language["name"] == name
    assert assessment.reasons[0].startswith(f"The narrative reads as {name}, not English")
    # Not graded on words nobody read: at least the channel's default, also as the minimum.
    assert assessment.recommended_grade == "PRIORITY" and assessment.minimum_grade == "PRIORITY"
    assert assessment.da_questions["needed"] is True
    assert "interpreter" in assessment.da_questions["why"]
    # The text models, trained on English, are not asked.
    assert assessment.model["domestic_abuse"] is None
    assert assessment.as_dict()["language"]["code"] == assessment.language["code"]


@pytest.mark.parametrize(
    "narrative",
    [
        "help",
        "IP states ex-p o/s, C/B no reply",
        "Silent 999, open line, shouting heard",
        "My ex-husband is banging at my door",
    ],
)
def test_english_and_a_few_words_are_not_flagged(narrative):
    assessment = assess_999(narrative)

    assert assessment.language is None
    assert assessment.as_dict()["language"] is None


def test_none_of_the_labelled_english_narratives_is_flagged():
    """1,334 training narratives in the caller's words and in log style, none in another
    language."""
    narratives = [
        json.loads(line)["narrative"]
        for path in sorted(CORPUS.glob("*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]

    assert len(narratives) > 1300
    assert [n for n in narratives if language.not_english(n)] == []


@pytest.mark.django_db
def test_the_call_taking_screen_says_the_narrative_is_unread(client):
    client.force_login(call_handler())
    response = client.post(
        reverse("call-assess"), {"narrative": "Mój mąż mnie bije, jest teraz w domu, pomocy."}
    )

    html = response.content.decode()
    assert 'id="assess-language"' in html and "Not English: Polish." in html
    assert 'id="assess-da">DA: not assessed<' in html


@pytest.mark.parametrize(
    "narrative",
    [
        "caller speaking Romanian only, distressed, crying, male voice in background",
        'caller in Polish, interpreter requested, caller crying and saying "mąż, nóż"',
        "Caller has very little English, says man in the house",
    ],
)
def test_a_caller_noted_as_needing_an_interpreter_is_not_graded_on_the_words_alone(narrative):
    """The handler's note that the caller cannot speak English: what they said may not be in
    the narrative, so the first reason says so and a 999 call keeps PRIORITY as its minimum."""
    assessment = assess_999(narrative)

    assert assessment.reasons[0].startswith("The caller needs an interpreter")
    assert assessment.minimum_grade in ("PRIORITY", "IMMEDIATE")
    assert assessment.language is None  # the narrative itself is English


def test_speaking_english_only_is_no_language_barrier():
    assessment = assess_999("Caller speaks English only and is reporting a car crash, no injuries")

    assert not assessment.reasons[0].startswith("The caller needs an interpreter")

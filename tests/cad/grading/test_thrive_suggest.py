"""THRIVE pre-filled from the engine's findings: each heading cites the words behind it."""

from cad.context import ContextResult, Finding, FindingCategory
from cad.grading.thrive import HEADINGS, LEVELLED, thrive_suggest
from tests.cad.grading.helpers import assess_999


def _suggest(narrative: str, **kwargs) -> dict:
    return thrive_suggest(assess_999(narrative, **kwargs).as_dict())


def test_every_heading_has_a_text_and_the_levelled_ones_a_level():
    panel = _suggest("Someone has stolen my car from the drive")

    assert [h for h, _ in HEADINGS] == list(panel)
    for heading, _ in HEADINGS:
        assert panel[heading]["text"].strip()
        assert ("level" in panel[heading]) == (heading in LEVELLED)


def test_a_da_call_with_the_suspect_at_the_door_is_high_threat_citing_the_words():
    panel = _suggest(
        "Caller says her ex-husband is banging on her door. She had a court order against him "
        "last year. She is scared."
    )

    assert panel["threat"]["level"] == "HIGH"
    assert '"ex-husband"' in panel["threat"]["text"]
    assert '"banging on her door"' in panel["threat"]["text"]
    assert panel["risk"]["level"] == "HIGH"
    assert "IMMEDIATE" in panel["risk"]["text"]
    assert '"court order"' in panel["investigation"]["text"]
    assert '"scared"' in panel["vulnerability"]["text"]
    assert "on the line" in panel["engagement"]["text"]


def test_injury_weapon_and_children_raise_harm_and_vulnerability():
    panel = _suggest(
        "My boyfriend punched me, my nose is bleeding, he is still here and has a knife. "
        "The kids are upstairs."
    )

    assert panel["harm"]["level"] == "HIGH"
    assert '"my nose is bleeding"' in panel["harm"]["text"]
    assert '"has a knife"' in panel["harm"]["text"]
    assert panel["vulnerability"]["level"] == "HIGH"
    assert '"kids are upstairs"' in panel["vulnerability"]["text"]


def test_a_routine_report_is_low_on_every_level():
    panel = _suggest("Shed broken into overnight, tools taken", channel="101")

    assert {panel[h]["level"] for h in LEVELLED} == {"LOW"}
    assert "SCHEDULED" in panel["risk"]["text"]


def test_a_call_that_needs_the_da_questions_says_to_ask_them():
    panel = _suggest("My ex-husband hasn't brought the kids back from school")

    assert "ask" in panel["investigation"]["text"]
    assert "Ask the DA questions" in panel["engagement"]["text"]


def test_the_handlers_answers_are_cited_as_the_handlers():
    panel = _suggest(
        "My ex-husband hasn't brought the kids back from school",
        da_answers={"connection": "yes", "present": "yes", "afraid": "yes"},
    )

    assert "handler's answer: yes" in panel["threat"]["text"]
    assert panel["threat"]["level"] == "HIGH"
    assert "Afraid of what they will do" in panel["vulnerability"]["text"]


def test_records_on_file_are_cited_by_category_not_by_their_codes():
    history = ContextResult(
        provider="intelligence",
        risk_factors=[
            Finding(
                code="any_code_the_app_likes",
                label="DA crime at this address",
                evidence="DA crime 2024: assault by ex-partner",
                source="intel",
                categories=frozenset({FindingCategory.DA_HISTORY}),
            )
        ],
    )

    panel = _suggest("Caller asking about a parking ticket", context=[history])

    assert "DA crime 2024: assault by ex-partner" in panel["threat"]["text"]
    assert "On record: DA crime at this address" in panel["investigation"]["text"]


def test_the_suggestion_reads_a_stored_assessment_and_an_empty_one():
    assert thrive_suggest({})["risk"]["level"] == "LOW"
    stored = {"recommended_grade": "PRIORITY", "minimum_grade": "PRIORITY", "reasons": ["Why"]}

    assert thrive_suggest(stored)["risk"] == {
        "text": "Recommended PRIORITY, minimum PRIORITY.\nWhy",
        "level": "MEDIUM",
    }


def test_a_long_list_of_findings_is_cut_short():
    behaviours = [
        {
            "code": "VIOLENCE",
            "class": "physical abuse",
            "who": {"text": f"person {n}"},
            "evidence": f'"hit {n}"',
            "domestic": True,
        }
        for n in range(30)
    ]

    text = thrive_suggest({"behaviours": behaviours})["threat"]["text"]

    assert len(text.splitlines()) == 8
    assert text.endswith("more findings.")


def test_a_narrative_in_another_language_is_not_assessed_rather_than_low():
    """Nothing found in words nobody read is not "no threat": the panel says so, nothing that
    carries a level is LOW, and an interpreter is called for."""
    panel = thrive_suggest(
        assess_999("Mój mąż mnie bije, jest teraz w domu, pomocy. Nie mogę mówić.").as_dict()
    )

    for heading in ("threat", "harm", "vulnerability"):
        assert "Not assessed: the narrative is in Polish" in panel[heading]["text"], heading
    assert all(panel[h]["level"] != "LOW" for h in ("threat", "harm", "risk", "vulnerability"))
    assert "interpreter" in panel["engagement"]["text"]

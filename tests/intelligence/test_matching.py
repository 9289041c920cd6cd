"""Normalisation and matching: numbers, addresses (the house-number trap) and names."""

import pytest

from cad.normalise import normalise_address, normalise_name, normalise_phone
from intelligence.check import CheckQuery, check_compute
from intelligence.matching import match_names
from tests.intelligence.factories import contact, record


@pytest.mark.parametrize(
    "raw",
    ["07700 900123", "+44 7700 900123", "447700900123", "0044 7700 900123", "(07700) 900-123"],
)
def test_every_common_way_of_writing_a_uk_mobile_normalises_to_one_e164(raw):
    assert normalise_phone(raw).e164 == "+447700900123"


@pytest.mark.parametrize(
    "raw",
    [
        "12 Acacia Avenue, Leeds LS6 2AB",
        "12, ACACIA AVE., LEEDS, ls62ab",
        "No. 12 Acacia Av Leeds LS6  2AB",
    ],
)
def test_one_address_typed_many_ways_compares_equal(raw):
    assert normalise_address(raw).normalised == "12 acacia avenue leeds ls6 2ab"


def test_flat_and_house_numbers_are_both_kept():
    assert normalise_address("Flat 3, 12a Mill Rd, Leeds").numbers == ("3", "12a")


def test_names_lose_titles_punctuation_and_case():
    assert normalise_name("Mrs. Anne  O'Brien-Smith") == "anne obrien smith"


def _check(**kwargs):
    from django.utils import timezone

    return check_compute(
        CheckQuery(
            phone=kwargs.get("phone", ""),
            address=normalise_address(kwargs.get("address", "")),
            names=tuple(kwargs.get("names", ())),
            now=timezone.now(),
        )
    )


@pytest.mark.django_db
def test_a_misspelt_address_without_postcode_is_a_probable_match_that_says_why():
    saved = record("DA_CRIME", phones=[], addresses=["12 Acacia Avenue, Leeds LS6 2AB"])

    result = _check(address="12 Accacia Avenue, Leeds")

    assert [r["id"] for r in result.records] == [saved.pk]
    assert result.records[0]["why"][0] == (
        "address (probable: street spelt 'accacia avenue' and 'acacia avenue')"
    )


@pytest.mark.django_db
def test_the_house_number_trap_a_neighbour_is_never_matched():
    record("DA_CRIME", phones=[], addresses=["14 Acacia Avenue, Leeds LS6 2AB"])
    contact(phone="", address="14 Acacia Avenue, Leeds LS6 2AB")

    result = _check(address="12 Acacia Avenue, Leeds LS6 2AB")

    assert result.records == []
    assert result.previous_contacts == []


@pytest.mark.django_db
def test_a_misspelt_address_finds_the_previous_contact_but_not_next_door():
    saved = contact(phone="", address="12 Acacia Avenue, Leeds LS6 2AB")
    contact(phone="", address="21 Acacia Avenue, Leeds LS6 2AB")

    result = _check(address="12 Acacia Avenu, Leeds LS6 2AB")

    assert [c["id"] for c in result.previous_contacts] == [saved.pk]


@pytest.mark.django_db
def test_a_similar_name_matches_with_its_score_and_a_different_one_does_not():
    record("DA_CRIME", phones=[], names=["Anne Example", "Zoe Unrelated"])

    hits = match_names(("ann example",))

    assert [h.matched for h in hits] == ["Anne Example"]
    assert 85 <= hits[0].score < 100


@pytest.mark.django_db
def test_an_alias_matches_and_says_so():
    record(
        "WARNING",
        phones=[],
        people=[{"name": "Brian Example", "aliases": ["Bri Example"], "role": "SUBJECT"}],
    )

    hits = match_names(("bri example",))

    assert hits[0].alias and hits[0].score == 100

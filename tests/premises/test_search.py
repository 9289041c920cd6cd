"""The address search: words in any order, abbreviations, half-typed words and typos."""

import pytest

from premises.models import SearchWord
from premises.search import (
    ABBREVIATION,
    COMPLETION,
    EXACT,
    TYPO,
    Group,
    _completions,
    _spelt_out,
    _typos,
    premises_search,
    query_words,
    read_words,
)

pytestmark = pytest.mark.usefixtures("gazetteer")


def first(query: str) -> str:
    hits = premises_search(query)
    return hits[0].premises.one_line if hits else ""


@pytest.mark.parametrize(
    "query",
    [
        "21a acacia ho mill la",
        "Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB",
        "mill lane 21a",
        "ls6 2ab 21a",
        "LS62AB flat 21A",
        "21A ACACIA HOUSE",
        "acaica house 21a",  # two letters swapped
        "21a acacia hose",  # a letter missing
        "21a acaciaa house mill lane",  # a letter too many
        "21a acacia house mil",  # still typing
        "flat 21a acácia house",
    ],
)
def test_flat_21a_is_found_first_however_it_is_typed(query):
    assert first(query) == "Flat 21A, Acacia House, 5 Mill Lane, Headingley, Leeds LS6 2AB"


def test_flat_21b_is_found_for_21b_not_21a():
    assert (
        first("21b acacia house")
        == "Flat 21B, Acacia House, 5 Mill Lane, Headingley, Leeds LS6 2AB"
    )


def test_the_building_comes_before_its_flats_when_no_flat_is_typed():
    hits = premises_search("5 mill lane leeds")

    assert hits[0].premises.one_line == "Acacia House, 5 Mill Lane, Headingley, Leeds LS6 2AB"
    assert all("Mill Lane" in h.premises.one_line for h in hits)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("12 acacia av", "12 Acacia Avenue, Headingley, Leeds LS6 2AB"),
        ("acacia avenue 12", "12 Acacia Avenue, Headingley, Leeds LS6 2AB"),
        ("12 acacia avenu leeds", "12 Acacia Avenue, Headingley, Leeds LS6 2AB"),
        ("red lion", "Red Lion, 1 High Street, Leeds LS1 1AA"),
        ("flat 2/1 main st", "Flat 2/1, 10 Main Street, Leeds LS2 9JT"),
        ("4 mill la otley", "4 Mill Lane, Otley LS21 1AA"),
        ("27 church rd", "27 Church Road, Ilkley LS29 9AA"),
        ("flat 3 8 park view", "Flat 3, 8 Park View, Beeston, Leeds LS11 5AB"),
    ],
)
def test_other_addresses_are_found_from_what_a_handler_types(query, expected):
    assert first(query) == expected


def test_each_result_has_its_uprn_and_coordinates():
    hit = premises_search("21a acacia house")[0]

    assert hit.premises.uprn > 0
    assert hit.premises.latitude == pytest.approx(53.8196)
    assert hit.premises.longitude == pytest.approx(-1.5765)


@pytest.mark.parametrize(
    "query", ["", "   ", "zzzz qqqq", "🙂🙂", "x" * 5000, "' | & ! ( ) :*", "\\"]
)
def test_a_query_that_names_nothing_finds_nothing_without_error(query):
    assert premises_search(query) == []


def test_a_word_that_matches_nothing_is_ignored_when_the_rest_finds_the_premises():
    assert first("21a acacia house zebedee") == (
        "Flat 21A, Acacia House, 5 Mill Lane, Headingley, Leeds LS6 2AB"
    )


def test_query_words_fold_case_accents_postcodes_and_flat_words():
    assert query_words("Flat 21A, Acácia Ho., LS6 2AB") == ["21a", "acacia", "ho", "ls62ab"]


def test_a_known_word_that_contradicts_the_rest_is_dropped_last_typed_first():
    assert first("21a acacia house otley") == (
        "Flat 21A, Acacia House, 5 Mill Lane, Headingley, Leeds LS6 2AB"
    )


def _read_one_word_at_a_time(words):
    """The readings as the search gave them before issue 14: each word's completions and typos
    looked up on their own (`_completions`, `_typos`), word after word."""
    groups = [Group(typed=w, last=i == len(words) - 1) for i, w in enumerate(words)]
    for group in groups:
        for word in [group.typed, *_spelt_out(group.typed)]:
            if SearchWord.objects.filter(word=word).exists():
                group.readings.setdefault(word, EXACT if word == group.typed else ABBREVIATION)
        if group.number and not group.last:
            continue
        if group.last or not group.readings:
            for word in _completions(group.typed):
                group.readings.setdefault(word, COMPLETION)
        if not group.readings and len(group.typed) >= 4 and not group.number:
            for word in _typos(group.typed):
                group.readings.setdefault(word, TYPO)
    return groups


@pytest.mark.parametrize(
    "query",
    [
        "21a acacia ho mill la",
        "acaica hose 21a mil",
        "acaciaa housse mil lane leeds",
        "zebedee quux 12 acac",
        "12 acacia av",
        "st 5 mill la otley 2",
        "flat 2/1 main st",
        "millx lanee leedz ls6 2ab",
        "a b 1 2",
        "ho",
    ],
)
def test_every_word_is_read_as_it_was_one_word_at_a_time(query):
    words = query_words(query)
    batched = [(g.typed, list(g.readings.items())) for g in read_words(words)]
    one_at_a_time = [(g.typed, list(g.readings.items())) for g in _read_one_word_at_a_time(words)]
    assert batched == one_at_a_time


def test_the_words_are_read_in_two_queries_however_many_are_unknown(
    django_assert_num_queries,
):
    words = query_words("zebedee quux blorpington acaica hose mil 21a")
    with django_assert_num_queries(2):
        groups = read_words(words)
    # The typos and the half-typed word were still read.
    assert groups[3].readings.get("acacia") == "typo"
    assert groups[4].readings.get("house") == "typo"
    assert "mill" in groups[5].readings

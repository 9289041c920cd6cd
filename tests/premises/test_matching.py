"""The one matcher: the same premises (exact, or probable with a reason) or different."""

import pytest

from premises.matching import Verdict, compare, compare_text
from premises.parsing import AddressParts, parse_address

MARKED = "Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB"


@pytest.mark.parametrize(
    "typed",
    [
        "21A Acacia House, 5 Mill Lane, Leeds LS6 2AB",
        "Flat 21A, Acacia House, 5 Mill Lane, Leeds",
        "Flat 21A Acacia House, 5 Mill Lane, LS6 2AB",
        "flat 21a acacia ho 5 mill la leeds",
        "FLAT 21A ACACIA HOUSE 5 MILL LANE LS62AB",
        "Apartment 21A, Acacia House, 5 Mill Lane, Headingley, Leeds",
        "Flat 21A, 5 Mill Lane, LS6 2AB",
    ],
)
def test_each_way_of_writing_the_marked_flat_is_the_same_premises(typed):
    match = compare_text(typed, parse_address(MARKED))

    assert match.verdict == Verdict.EXACT, match.reason


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("Flat 21B, Acacia House, 5 Mill Lane, Leeds LS6 2AB", "flat 21b is not flat 21a"),
        ("21B Acacia House, 5 Mill Lane, Leeds", "flat 21b is not flat 21a"),
        ("Flat 21A, 7 Mill Lane, Leeds LS6 2AB", "number 7 is not 5"),
        ("Flat 21A, Acacia House, 5 Mill Lane, Otley", "otley is not leeds"),
        ("Flat 21A, 5 Mill Lane, LS6 2AC", "postcode LS6 2AC is not LS6 2AB"),
        ("Flat 21A, 5 Church Road, Leeds", "church road is not mill lane"),
        ("", "no address on one side"),
    ],
)
def test_a_neighbour_or_another_street_is_a_different_premises(typed, reason):
    match = compare_text(typed, parse_address(MARKED))

    assert match.verdict == Verdict.DIFFERENT
    assert match.reason == reason


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("5 Mill Lane, Leeds LS6 2AB", "flat 21a given on one side only"),
        ("21a acacia ho mill la", "town and postcode not given on one side"),
        ("Flat 21A, Acacia House, 5 Mill Lame, Leeds", "street spelt 'mill lame' and 'mill lane'"),
        (
            "Flat 21A, Acacia Hous, 5 Mill Lane, Leeds",
            "building spelt 'acacia hous' and 'acacia house'",
        ),
    ],
)
def test_a_probable_match_says_why_it_is_not_certain(typed, reason):
    match = compare_text(typed, parse_address(MARKED))

    assert match.verdict == Verdict.PROBABLE
    assert match.same
    assert reason in match.reason


def test_the_same_uprn_is_the_same_premises_whatever_the_text():
    a = AddressParts(uprn=100, street="mill lane")
    b = AddressParts(uprn=100, street="somewhere else")

    assert compare(a, b).verdict == Verdict.EXACT
    assert compare(a, AddressParts(uprn=101, street="mill lane")).verdict == Verdict.DIFFERENT


def test_houses_on_one_street_are_different_premises():
    match = compare_text(
        "12 Acacia Avenue, Leeds LS6 2AB", parse_address("14 Acacia Avenue, Leeds")
    )

    assert match.verdict == Verdict.DIFFERENT


def test_a_town_may_be_missing_on_one_side_and_a_locality_counts_as_the_town():
    marked = parse_address("12 Acacia Avenue, Headingley, Leeds LS6 2AB")

    assert compare_text("12 Acacia Ave, Leeds", marked).verdict == Verdict.EXACT
    assert compare_text("12 Acacia Ave, Headingley", marked).verdict == Verdict.EXACT
    assert compare_text("12 Acacia Avenue LS6 2AB", marked).verdict == Verdict.EXACT


def test_a_number_on_a_court_read_as_a_flat_in_it_is_probable():
    match = compare_text(
        "5 Acacia Court, Leeds", parse_address("Flat 5, Acacia Court, 12 Mill Lane, Leeds")
    )

    assert match.verdict == Verdict.PROBABLE
    assert "read as flat 5" in match.reason


def test_a_named_building_without_a_number_is_the_same_building():
    match = compare_text(
        "Red Lion, High Street, Leeds", parse_address("Red Lion, 1 High Street, Leeds LS1 1AA")
    )

    assert match.verdict == Verdict.EXACT
    assert match.reason == "same red lion, high street, leeds"


def test_too_little_address_is_never_a_match():
    match = compare_text("Leeds", parse_address("12 Acacia Avenue, Leeds"))

    assert match.verdict == Verdict.DIFFERENT


def test_a_building_and_a_flat_in_it_are_probably_the_same_premises_despite_their_uprns():
    flat = AddressParts(
        uprn=101, sub_building="21a", building_number="5", street="mill lane", town="leeds"
    )
    building = AddressParts(uprn=100, building_number="5", street="mill lane", town="leeds")
    other_flat = AddressParts(
        uprn=102, sub_building="21b", building_number="5", street="mill lane", town="leeds"
    )

    assert compare(building, flat).verdict == Verdict.PROBABLE
    assert compare(building, flat).reason == "flat 21a given on one side only"
    assert compare(other_flat, flat).verdict == Verdict.DIFFERENT

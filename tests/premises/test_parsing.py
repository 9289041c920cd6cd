"""Free-text addresses into parts: every shape handlers type and callers give."""

import pytest

from premises.parsing import AddressParts, parse_address

FLAT_21A = {
    "sub_building": "21a",
    "building_name": "acacia house",
    "building_number": "5",
    "street": "mill lane",
}


def parts(text: str) -> dict:
    parsed = parse_address(text)
    return {k: v for k, v in parsed.__dict__.items() if v and k != "raw"}


@pytest.mark.parametrize(
    "text, extra",
    [
        (
            "Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB",
            {"town": "leeds", "postcode": "LS6 2AB"},
        ),
        ("21A Acacia House, 5 Mill Lane, Leeds LS6 2AB", {"town": "leeds", "postcode": "LS6 2AB"}),
        ("Flat 21A, Acacia House, 5 Mill Lane, Leeds", {"town": "leeds"}),
        ("Flat 21A Acacia House, 5 Mill Lane, LS6 2AB", {"postcode": "LS6 2AB"}),
        ("21A Acacia House 5 Mill La", {}),
        ("flat 21a acacia ho 5 mill ln leeds ls62ab", {"town": "leeds", "postcode": "LS6 2AB"}),
        (
            "FLAT 21A, ACACIA HOUSE, 5 MILL LANE, LEEDS, LS6 2AB",
            {"town": "leeds", "postcode": "LS6 2AB"},
        ),
        ("Apartment 21A, Acacia Hse, 5 Mill Lane", {}),
        ("Flat 21 A, Acacia House, 5 Mill Lane", {}),
        ("flat no. 21a acacia house 5 mill lane", {}),
    ],
)
def test_every_way_of_writing_flat_21a_reads_as_the_same_parts(text, extra):
    assert parts(text) == FLAT_21A | extra


def test_a_number_before_a_named_building_with_no_street_number_is_its_flat():
    assert parts("21a acacia ho mill la") == {
        "sub_building": "21a",
        "building_name": "acacia house",
        "street": "mill lane",
    }
    assert parts("5 Acacia House") == {"sub_building": "5", "building_name": "acacia house"}


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "flat 2/1, 10 Main St, Glasgow",
            {
                "sub_building": "2/1",
                "building_number": "10",
                "street": "main street",
                "town": "glasgow",
            },
        ),
        (
            "2/1 10 main street glasgow g12 8qq",
            {
                "sub_building": "2/1",
                "building_number": "10",
                "street": "main street",
                "town": "glasgow",
                "postcode": "G12 8QQ",
            },
        ),
        (
            "Apartment 3, 10 Main St",
            {"sub_building": "3", "building_number": "10", "street": "main street"},
        ),
        ("5a", {"building_number": "5a"}),
        ("5A Mill Lane", {"building_number": "5a", "street": "mill lane"}),
        ("12 a Acacia Ave", {"building_number": "12a", "street": "acacia avenue"}),
        (
            "12-14 High Street, Otley",
            {"building_number": "12-14", "street": "high street", "town": "otley"},
        ),
        (
            "Ground floor flat, 12 Acacia Avenue",
            {"sub_building": "ground floor", "building_number": "12", "street": "acacia avenue"},
        ),
        (
            "1st Floor, 12 Acacia Avenue",
            {"sub_building": "first floor", "building_number": "12", "street": "acacia avenue"},
        ),
        (
            "Flat B, 12 High St",
            {"sub_building": "b", "building_number": "12", "street": "high street"},
        ),
        (
            "Red Lion, 1 High Street, Leeds LS1 1AA",
            {
                "building_name": "red lion",
                "building_number": "1",
                "street": "high street",
                "town": "leeds",
                "postcode": "LS1 1AA",
            },
        ),
        (
            "Acacia House, Mill Lane, Leeds",
            {"building_name": "acacia house", "street": "mill lane", "town": "leeds"},
        ),
        (
            "acacia house mill lane leeds ls6",
            {
                "building_name": "acacia house",
                "street": "mill lane",
                "town": "leeds",
                "outcode": "LS6",
            },
        ),
        (
            "5 St Johns Rd, Leeds",
            {"building_number": "5", "street": "saint johns road", "town": "leeds"},
        ),
        ("Mill Lane 5", {"building_number": "5", "street": "mill lane"}),
        ("5 The Green", {"building_number": "5", "street": "the green"}),
        (
            "12 Acacia Avenue, Headingley, Leeds",
            {
                "building_number": "12",
                "street": "acacia avenue",
                "locality": "headingley",
                "town": "leeds",
            },
        ),
        (
            "10 Downing Street, London SW1A 2AA",
            {
                "building_number": "10",
                "street": "downing street",
                "town": "london",
                "postcode": "SW1A 2AA",
            },
        ),
    ],
)
def test_uk_address_shapes_are_split_into_their_parts(text, expected):
    assert parts(text) == expected


@pytest.mark.parametrize("postcode", ["LS6 2AB", "ls62ab", "Ls6  2aB", "LS62AB"])
def test_postcodes_are_read_with_or_without_the_space_in_any_case(postcode):
    assert parse_address(f"5 Mill Lane, Leeds {postcode}").postcode == "LS6 2AB"


def test_accents_and_other_scripts_are_folded_or_dropped():
    assert parts("Siobhán's Cottage, Lõ Lane") == {
        "building_name": "siobhans cottage",
        "street": "lo lane",
    }
    assert parts("🙂 5 Mill Lane 北京") == {"building_number": "5", "street": "mill lane"}


@pytest.mark.parametrize(
    "text", ["", "   ", ",,,;;", None, "x" * 5000, "5 " * 400, "\x00\x01", "Flat", "/-/-/"]
)
def test_any_text_parses_without_error(text):
    parsed = parse_address(text)
    assert isinstance(parsed, AddressParts)
    assert len(parsed.raw) <= 300


def test_describe_gives_a_readable_line():
    described = parse_address("Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB").describe()
    assert described == "flat 21a, acacia house, 5 mill lane, leeds LS6 2AB"


@pytest.mark.parametrize("letter", ["a", "e", "n", "s", "w"])
def test_a_lettered_flat_is_a_flat_whatever_the_letter(letter):
    assert parse_address(f"Flat {letter.upper()}, 12 High St").sub_building == letter

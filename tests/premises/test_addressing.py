"""Addresses on other apps' rows: the fields written, the blocking keys, the judgement."""

from types import SimpleNamespace

import pytest

from premises.addressing import (
    address_fields_for,
    address_query,
    blocks,
    judge,
    parts_dict,
    parts_from_dict,
)
from premises.matching import Verdict
from premises.parsing import parse_address

pytestmark = pytest.mark.usefixtures("gazetteer")


def row(address: str, **kwargs):
    """A stand-in for a model row with the AddressedModel fields."""
    fields = address_fields_for(address, **kwargs)
    premises = fields.pop("premises")
    return SimpleNamespace(premises_id=premises.pk if premises else None, **fields)


def test_parts_survive_the_round_trip_through_json():
    parts = parse_address("Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB")

    assert parts_from_dict(parts_dict(parts)) == parts
    assert parts_from_dict({"street": "mill lane", "unknown": 1}).street == "mill lane"


def test_blocks_put_a_misspelt_street_with_the_right_one():
    right = blocks(parse_address("5 Mill Lane, Leeds"))
    misspelt = blocks(parse_address("5 Mill Lame, Leeds"))

    assert right.street == misspelt.street == "5|mi"
    assert blocks(parse_address("Flat 21A, 5 Mill Lane, LS6 2AB")).postcode == "LS6 2AB|5"
    assert blocks(parse_address("Acacia House, LS6 2AB")).building == "acacia house|LS6 2AB"
    assert blocks(parse_address("Leeds")) == blocks(parse_address(""))


def test_a_registered_address_is_written_with_its_premises_and_its_parts():
    fields = address_fields_for("21A Acacia House, 5 Mill Lane, Leeds")

    assert fields["premises"].sub_building == "Flat 21A"
    assert fields["address_parts"]["uprn"] == fields["premises"].uprn
    assert fields["address_parts"]["sub_building"] == "21a"
    assert fields["address_block_street"] == "5|mi"


def test_free_text_outside_the_register_keeps_its_parts_only():
    fields = address_fields_for("Flat 9, 99 Nowhere Road, Leeds LS9 9ZZ")

    assert fields["premises"] is None
    assert fields["address_parts"]["street"] == "nowhere road"
    assert fields["address_block_postcode"] == "LS9 9ZZ|99"


@pytest.mark.parametrize(
    "written",
    [
        "Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB",
        "21A Acacia House, 5 Mill Lane, Leeds LS6 2AB",
        "Flat 21A, Acacia House, 5 Mill Lane, Leeds",
        "Flat 21A Acacia House, 5 Mill Lane, LS6 2AB",
    ],
)
def test_a_row_written_at_any_variant_is_judged_the_same_premises_as_the_call(written):
    call = address_query("flat 21a acacia ho 5 mill la leeds")

    assert judge(call, row(written)).verdict == Verdict.EXACT


def test_flat_21b_is_judged_different_premises():
    call = address_query("Flat 21A, Acacia House, 5 Mill Lane, Leeds")

    assert judge(call, row("Flat 21B, Acacia House, 5 Mill Lane, Leeds")).verdict == (
        Verdict.DIFFERENT
    )


def test_an_unregistered_row_is_judged_by_its_parts():
    call = address_query("99 Nowhere Road, Leeds")

    assert judge(call, row("99 Nowhere Rd, Leeds LS9 9ZZ")).verdict == Verdict.EXACT
    assert judge(call, row("97 Nowhere Road, Leeds")).verdict == Verdict.DIFFERENT

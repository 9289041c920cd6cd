"""Which premises a written address names: by UPRN, by index, then by search; one matcher."""

import pytest

from premises.demo import FIRST_UPRN
from premises.matching import Verdict
from premises.selectors import premises_get, premises_resolve

pytestmark = pytest.mark.usefixtures("gazetteer")

FLAT_21A = "Flat 21A, Acacia House, 5 Mill Lane, Headingley, Leeds LS6 2AB"


@pytest.mark.parametrize(
    "address",
    [
        "Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB",
        "21A Acacia House, 5 Mill Lane, Leeds LS6 2AB",
        "Flat 21A, Acacia House, 5 Mill Lane, Leeds",
        "Flat 21A Acacia House, 5 Mill Lane, LS6 2AB",
        "flat 21a acacia ho 5 mill la leeds",
    ],
)
def test_each_variant_of_flat_21a_resolves_to_its_premises(address):
    resolution = premises_resolve(address=address)

    assert resolution.match.verdict == Verdict.EXACT
    assert resolution.premises.one_line == FLAT_21A


def test_flat_21b_resolves_to_21b():
    resolution = premises_resolve(address="Flat 21B, Acacia House, 5 Mill Lane, Leeds")

    assert resolution.premises.one_line.startswith("Flat 21B, Acacia House")


def test_a_misspelt_street_is_found_by_the_search_and_is_probable():
    resolution = premises_resolve(address="Flat 21A, Acacia House, 5 Mill Lame, Leeds")

    assert resolution.premises is None
    assert resolution.match.verdict == Verdict.PROBABLE
    assert [p.one_line for p in resolution.probable][:1] == [FLAT_21A]


def test_the_uprn_the_handler_picked_wins_over_the_text():
    uprn = premises_resolve(address=FLAT_21A).premises.uprn

    resolution = premises_resolve(address="something else entirely", uprn=str(uprn))

    assert resolution.premises.uprn == uprn
    assert resolution.parts.sub_building == "21a"


def test_an_address_not_in_the_register_keeps_its_parsed_parts():
    resolution = premises_resolve(address="Flat 9, 99 Nowhere Road, Leeds LS9 9ZZ")

    assert resolution.premises is None
    assert resolution.match.verdict == Verdict.DIFFERENT
    assert resolution.parts.street == "nowhere road"
    assert resolution.parts.sub_building == "9"


@pytest.mark.parametrize("uprn", ["", None, "abc", "-1", "99999999999999", str(FIRST_UPRN + 9999)])
def test_an_unknown_or_malformed_uprn_falls_back_to_the_address(uprn):
    resolution = premises_resolve(address="Red Lion, 1 High Street, Leeds", uprn=uprn)

    assert resolution.premises.one_line == "Red Lion, 1 High Street, Leeds LS1 1AA"
    assert premises_get(uprn) is None

"""Markers through the one name matcher: a call naming a marker's victim or perpetrator, however
the name is written, shows the marker (with why); the floor stays with the marked address."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cad import services as cad_services
from tests.riskflags.conftest import T0

pytestmark = pytest.mark.django_db


def _assess(**kwargs):
    fields = {"narrative": "My ex is outside", "channel": "101", "now": T0}
    fields.update(kwargs)
    assessment, _ = cad_services.call_assess(**fields)
    return assessment


@pytest.mark.parametrize(
    ("victim", "named"),
    [
        ("MCDONALD, Kirsty", "Kirsty McDonald"),
        ("Siobhán O'Neill", "Siobhan O Neill (caller's sister)"),
        ("Ciarán O'Connor", "Ciaran O Connor, 29"),
    ],
)
def test_a_call_naming_the_victim_elsewhere_shows_her_marker_without_its_floor(
    create_marker, victim, named
):
    marker = create_marker(victim_name=victim, phone="")

    assessment = _assess(address="40 Other Street, York YO1 7AA", named_people=[named])

    items = assessment.context["riskflags"]["items"]
    assert [i["id"] for i in items] == [marker.pk]
    assert items[0]["why_matched"].startswith("victim name")
    assert any("Named on this call" in b["text"] for b in assessment.banners)
    assert assessment.context_floor == ""


def test_a_call_naming_the_perpetrator_shows_the_marker(create_marker):
    marker = create_marker(perpetrator_name="Brian Example", phone="")

    assessment = _assess(address="", named_people=["EXAMPLE, Brian (ex-husband)"])

    [item] = assessment.context["riskflags"]["items"]
    assert item["id"] == marker.pk
    assert item["why_matched"] == "perpetrator name Brian Example"


def test_a_different_person_with_the_same_surname_does_not_show_the_marker(create_marker):
    create_marker(victim_name="Kirsty McDonald", perpetrator_name="Brian Example", phone="")

    assessment = _assess(address="", named_people=["Karen McDonald", "Bruce Example"])

    assert assessment.context["riskflags"]["items"] == []


@pytest.mark.parametrize("name", ["x" * 300, "Ünïcödé 😀 ﷽", "((((", "O'", ", ,"])
def test_marker_names_of_any_shape_never_cause_a_server_error(api, oic, name):
    client = api(user=oic)

    r = client.post(
        "/api/v1/markers/",
        {
            "address": "12 Acacia Avenue, Leeds LS6 2AB",
            "victim_name": name,
            "perpetrator_name": name,
            "reason": "Threats",
            "grade_floor": "IMMEDIATE",
            "expires_at": (timezone.now() + timedelta(days=30)).isoformat(),
            "oic": oic.username,
        },
        format="json",
    )

    assert r.status_code < 500
    assert r.status_code == (400 if len(name) > 200 else 201), r.json()

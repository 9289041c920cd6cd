"""Intel records, previous contacts and previous incidents are found at the premises however
the address is written (the one matcher, through the API); the flat next door's are not."""

import pytest

from premises.demo import seed_premises

pytestmark = pytest.mark.django_db

WRITTEN = "Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB"
VARIANTS = [
    "21A Acacia House, 5 Mill Lane, Leeds LS6 2AB",
    "Flat 21A, Acacia House, 5 Mill Lane, Leeds",
    "Flat 21A Acacia House, 5 Mill Lane, LS6 2AB",
    "flat 21a acacia ho 5 mill la leeds",
]
NEXT_DOOR = "Flat 21B, Acacia House, 5 Mill Lane, Leeds LS6 2AB"


@pytest.fixture(params=["with the register", "free text only"])
def history(request, api):
    """A MARAC record, a switchboard contact and an incident, each written at Flat 21A (and
    one of each at 21B), with and without the demo gazetteer."""
    if request.param == "with the register":
        seed_premises()
    admin, handler = api("ADMIN"), api("CALL_HANDLER")
    ids = {}
    for flat, address in (("21a", WRITTEN), ("21b", NEXT_DOOR)):
        record = admin.post(
            "/api/v1/intel/records/",
            {
                "kind": "MARAC",
                "summary": f"Victim at flat {flat} heard at MARAC",
                "occurred_at": "2026-06-01T10:00:00Z",
                "addresses": [address],
            },
            format="json",
        )
        contact = handler.post(
            "/api/v1/contacts/",
            {"channel": "SWITCHBOARD", "address": address, "summary": f"Flat {flat} asked"},
            format="json",
        )
        incident = handler.post(
            "/api/v1/incidents/",
            {"channel": "101", "address": address, "narrative": f"Flat {flat}: noise"},
            format="json",
        )
        assert {record.status_code, contact.status_code, incident.status_code} == {201}
        ids[flat] = {
            "record": record.json()["id"],
            "contact": contact.json()["id"],
            "incident": incident.json()["id"],
        }
    return ids


@pytest.mark.parametrize("address", VARIANTS)
def test_a_check_at_any_variant_finds_the_flats_record_contact_and_incident_only(
    api, history, address
):
    response = api("SUPPORT_OPERATOR").post(
        "/api/v1/intel/checks/", {"address": address}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert [r["id"] for r in body["records"]] == [history["21a"]["record"]]
    assert history["21a"]["contact"] in [c["id"] for c in body["previous_contacts"]]
    assert history["21b"]["contact"] not in [c["id"] for c in body["previous_contacts"]]
    assert [i["id"] for i in body["previous_incidents"]] == [history["21a"]["incident"]]
    assert body["records"][0]["why"][0].startswith("address: same ")


@pytest.mark.parametrize("address", VARIANTS)
def test_a_new_call_from_any_variant_shows_the_flats_history(api, history, address):
    response = api("CALL_HANDLER").post(
        "/api/v1/incidents/",
        {"channel": "101", "address": address, "narrative": "Shouting upstairs"},
        format="json",
    )

    check = response.json()["intel_check"]
    assert [r["id"] for r in check["records"]] == [history["21a"]["record"]]
    assert [i["id"] for i in check["previous_incidents"]] == [history["21a"]["incident"]]


def test_a_check_at_the_flat_next_door_finds_only_its_own(api, history):
    body = (
        api("SUPPORT_OPERATOR")
        .post("/api/v1/intel/checks/", {"address": NEXT_DOOR}, format="json")
        .json()
    )

    assert [r["id"] for r in body["records"]] == [history["21b"]["record"]]
    assert [i["id"] for i in body["previous_incidents"]] == [history["21b"]["incident"]]

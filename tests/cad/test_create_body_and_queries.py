"""The create answers from what it holds: its 201 body is the body a read of the incident gives,
each look-up runs once, one savepoint, reference data read from the process's cache; and a
bound on the queries per create, so a regression fails here."""

import pytest

from cad import refdata
from cad.models import GradePolicy, OpeningCode
from cad.services import incident_create
from tests.cad.factories import call_handler
from tests.intelligence.factories import record
from tests.riskflags.factories import MarkerFactory

ADDRESS = "12 Acacia Avenue, Leeds LS6 2AB"
PHONE = "07700 900123"
E164 = "+447700900123"
# The queries one create makes through the API (the token with its user's roles, BEGIN and
# COMMIT included) with a marker and an intelligence record at the caller's number and address,
# premises register empty (2 of them are the address matcher's word look-ups, whatever the
# number of words; 1 keeps the contact rollups the year reports read: an advisory lock on the
# key and three upserts in one round trip). Before issue 14: 87; 57 before the word look-ups
# were batched, the history counted first, the roles read with the token and the rollups sent
# together; 46 before the intelligence check's reads at the number and premises went together
# (`intelligence.check.lookups`) and its contacts and incidents were counted in one statement;
# 42 before the markers at the number and the address were looked up together.
MAX_QUERIES = 41


def _scenarios():
    return {
        "marker and intelligence": {
            "channel": "999",
            "caller_phone": PHONE,
            "caller_name": "Anne Example",
            "address": ADDRESS,
            "narrative": "My ex is banging on the door, he hit me last week",
        },
        "opening code, confirmed grade, thrive and DA answers": {
            "channel": "101",
            "caller_phone": "0113 496 0000",
            "address": "3 Mill Lane, Leeds",
            "narrative": "Shed broken into overnight",
            "opening_code": "BURGLARY",
            "confirm_grade": True,
            "thrive": {},
            "da_answers": {"afraid": "no"},
        },
        "silent call from an unreadable number": {
            "channel": "999",
            "caller_phone": "not a number",
            "narrative": "",
            "silent": True,
        },
        "DA qualifier removed with a reason": {
            "channel": "999",
            "caller_phone": PHONE,
            "narrative": "My husband hit me",
            "domestic_abuse": False,
            "domestic_abuse_reason": "Caller says it was an accident",
            "named_people": ["Brian Example (ex-husband)"],
        },
    }


@pytest.fixture
def known_caller():
    MarkerFactory(address=ADDRESS, phones=[E164])
    record("MARAC", phones=[PHONE], addresses=[ADDRESS])


@pytest.mark.django_db
@pytest.mark.parametrize("scenario", list(_scenarios()))
def test_the_201_body_is_the_body_a_read_of_the_incident_gives(api, known_caller, scenario):
    body = _scenarios()[scenario]
    if "opening_code" in body:
        OpeningCode.objects.get_or_create(code="BURGLARY", defaults={"label": "Burglary"})
    client = api("CALL_HANDLER")
    created = client.post("/api/v1/incidents/", body, format="json")
    assert created.status_code == 201, created.content
    read = client.get(f"/api/v1/incidents/{created.json()['id']}/")
    assert created.json() == read.json()


@pytest.mark.django_db
def test_the_body_holds_the_marker_and_the_check_the_create_found(api, known_caller):
    client = api("CALL_HANDLER")
    created = client.post("/api/v1/incidents/", _scenarios()["marker and intelligence"], "json")
    body = created.json()
    assert [m["status"] for m in body["markers"]] == ["ACTIVE"]
    assert body["intel_check"]["records"]
    assert body["tags"] == ["MARKER"]
    assert any(line["text"].startswith("Marker #") for line in body["log"])
    assert any(line["text"].startswith("Intelligence check ran") for line in body["log"])


@pytest.mark.django_db
def test_a_failing_hook_still_gives_the_body_a_read_gives(api, known_caller):
    from cad.signals import incident_created

    def broken(**kwargs):
        raise RuntimeError("receiver down")

    incident_created.connect(broken, dispatch_uid="test.broken")
    try:
        client = api("CALL_HANDLER")
        created = client.post("/api/v1/incidents/", _scenarios()["marker and intelligence"], "json")
    finally:
        incident_created.disconnect(dispatch_uid="test.broken")
    assert created.status_code == 201
    body = created.json()
    # The providers' records survived the receiver's failure; the failure is flagged.
    assert body["intel_check"] is not None and body["tags"] == ["MARKER"]
    assert "hook_failed" in [f["code"] for f in body["flags"]]
    read = client.get(f"/api/v1/incidents/{body['id']}/")
    assert body == read.json()


@pytest.mark.django_db(transaction=True)
def test_a_create_makes_a_bounded_number_of_queries_each_look_up_once(
    api, known_caller, django_assert_max_num_queries
):
    client = api("CALL_HANDLER")
    body = _scenarios()["marker and intelligence"]
    client.post("/api/v1/incidents/", body, format="json")  # warms the reference data cache
    with django_assert_max_num_queries(MAX_QUERIES) as captured:
        response = client.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 201
    sql = [q["sql"] for q in captured.captured_queries]

    def count(fragment):
        return sum(fragment in s for s in sql)

    # Markers: one look-up by number feeds the assessment, the check and the body.
    assert count('"riskflags_markerphone"."marker_id" AS "marker_id"') == 1
    # Grade policies come from the process's cache (its version read once).
    assert count('FROM "cad_gradepolicy"') == 0
    assert count('FROM "cad_referencedataversion"') == 1
    # One savepoint around the other apps' hooks (the create itself is the transaction).
    assert count("SAVEPOINT") - count("RELEASE SAVEPOINT") == 1
    # Nothing read back for the body: no select of the incident, its log or its check.
    assert count('FROM "cad_incidentlogentry"') == 0
    assert count('FROM "intelligence_intelcheck"') == 0


@pytest.mark.django_db
def test_a_grade_policy_change_reaches_the_next_create_however_it_is_made():
    handler = call_handler()
    first = incident_create(actor=handler, channel="101", narrative="Shed broken into")
    grade = first.grade
    # A bulk update (no signal) from "another process": the trigger changes the version.
    GradePolicy.objects.filter(grade=grade).update(urban_target_minutes=999)
    second = incident_create(actor=handler, channel="101", narrative="Shed broken into")
    assert (second.target_response_at - second.received_at).total_seconds() == 999 * 60


@pytest.mark.django_db
def test_the_reference_version_changes_with_the_data_and_not_otherwise():
    before = refdata.version()
    assert before is not None
    assert refdata.version() == before
    OpeningCode.objects.create(code="DRONE", label="Drone nuisance")
    after = refdata.version()
    assert after != before
    loads = []
    refdata.cached("probe", lambda: loads.append(1) or "value")
    refdata.cached("probe", lambda: loads.append(1) or "value")
    assert loads == [1]
    OpeningCode.objects.filter(code="DRONE").update(label="Drones")
    refdata.cached("probe", lambda: loads.append(1) or "value")
    assert loads == [1, 1]


@pytest.mark.django_db
def test_an_opening_code_retired_in_the_database_is_refused_at_once(api):
    from cad.exceptions import ValidationFailed

    OpeningCode.objects.get_or_create(code="BURGLARY", defaults={"label": "Burglary"})
    handler = call_handler()
    incident_create(actor=handler, channel="101", narrative="x", opening_code="BURGLARY")
    OpeningCode.objects.filter(code="BURGLARY").update(active=False)
    with pytest.raises(ValidationFailed):
        incident_create(actor=handler, channel="101", narrative="x", opening_code="BURGLARY")


def _drf_builds_fields_each_time(monkeypatch):
    """Serializers build their fields as DRF does, for every instance (no `FieldsBuiltOnce`)."""
    from core.serializers import FieldsBuiltOnce

    monkeypatch.setattr(
        FieldsBuiltOnce, "get_fields", lambda self: super(FieldsBuiltOnce, self).get_fields()
    )


@pytest.mark.django_db
def test_the_bodies_are_those_drf_gives_building_the_fields_each_time(
    api, known_caller, monkeypatch
):
    client = api("CALL_HANDLER")
    created = client.post("/api/v1/incidents/", _scenarios()["marker and intelligence"], "json")
    assert created.status_code == 201
    pk = created.json()["id"]
    # A pending downgrade, so the body holds a grade request too.
    asked = client.post(
        f"/api/v1/incidents/{pk}/grade/", {"grade": "SCHEDULED", "reason": "Unsure"}, "json"
    )
    assert asked.status_code == 202
    paths = [f"/api/v1/incidents/{pk}/", "/api/v1/incidents/", "/api/v1/contacts/"]
    once = [client.get(path).json() for path in paths]
    assert once[0]["pending_grade_request"]["status"] == "PENDING"
    _drf_builds_fields_each_time(monkeypatch)
    assert [client.get(path).json() for path in paths] == once
    second = client.post("/api/v1/incidents/", _scenarios()["marker and intelligence"], "json")
    monkeypatch.undo()
    assert second.json() == client.get(f"/api/v1/incidents/{second.json()['id']}/").json()


def test_each_serializer_binds_fields_of_its_own():
    from cad.serializers import IncidentSerializer

    first, second = IncidentSerializer(context={}), IncidentSerializer(context={})
    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other and field.parent is first and other.parent is second
    # Nested serializers (and their children) are the instance's own too.
    log = first.fields["log"]
    assert log.child is not second.fields["log"].child
    assert log.child.parent is log and log.child.fields["author"].parent is log.child
    assert first.fields["da_answers"].child.parent is first.fields["da_answers"]
    # What is kept for the class stays unbound.
    kept = IncidentSerializer.__dict__["_fields_built_once"]
    assert all(getattr(field, "parent", None) is None for field, _ in kept.values())

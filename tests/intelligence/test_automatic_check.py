"""The check runs itself: on every new incident and when its caller, address or names change.
A check is only ever written by the system's run, and cannot be rewritten."""

import pytest
from django.db import DatabaseError, connection, transaction

from cad.services import incident_create
from core.models import AuditEvent
from intelligence.models import CheckTrigger, IntelCheck
from tests.intelligence.factories import ADDRESS, contact, record

pytestmark = pytest.mark.django_db


def test_creating_an_incident_runs_and_stores_the_check_as_the_system(make_staff):
    handler = make_staff("CALL_HANDLER")
    marac = record("MARAC", names=["Anne Example"], phones=[])

    incident = incident_create(
        actor=handler,
        channel="999",
        caller_phone="07700 900999",
        caller_name="Anne Example",
        address=ADDRESS,
        narrative="Someone banging at the door",
    )

    check = IntelCheck.objects.get(incident=incident)
    assert check.ran_by is None and check.trigger == CheckTrigger.INCIDENT_CREATED
    assert [r["id"] for r in check.result["records"]] == [marac.pk]
    event = AuditEvent.objects.get(action="intel.check_ran", object_id=str(incident.pk))
    assert event.actor is None and event.data["triggered_by"] == handler.username


def test_the_incident_api_shows_the_latest_check_with_kinds_channels_and_why(api):
    client = api("CALL_HANDLER")
    record("DA_CRIME", phones=["07700 900123"])
    contact(channel="SWITCHBOARD", phone="07700 900123")

    body = client.post(
        "/api/v1/incidents/",
        {"channel": "999", "caller_phone": "+44 7700 900123", "narrative": "help"},
        format="json",
    ).json()

    intel = body["intel_check"]
    assert {"id", "ran_at", "records", "previous_contacts", "previous_incidents", "markers"} <= set(
        intel
    )
    assert intel["ran_by"] == "system"
    assert intel["records"][0]["kind"] == "DA_CRIME"
    assert intel["previous_contacts"][0]["channel"] == "SWITCHBOARD"
    assert intel["previous_contacts"][0]["why"] == ["phone +447700900123"]


def test_a_serious_intel_finding_reaches_the_assessment(api):
    record("MARAC", phones=["07700 900123"])

    body = (
        api("CALL_HANDLER")
        .post(
            "/api/v1/incidents/",
            {"channel": "999", "caller_phone": "07700 900123", "narrative": "help"},
            format="json",
        )
        .json()
    )

    factors = {f["code"]: f for f in body["assessment"]["risk_factors"]}
    assert factors["MARAC_12_MONTHS"]["weight"] == "serious"
    assert body["assessment"]["context"]["intelligence"]["counts"][0]["kind"] == "MARAC"


def test_changing_the_address_re_runs_the_check_once(make_staff):
    from cad.services import incident_update_details

    handler = make_staff("CALL_HANDLER")
    incident = incident_create(actor=handler, channel="999", narrative="help", address="1 A Road")
    record("DA_CRIME", phones=[], addresses=[ADDRESS])

    incident_update_details(actor=handler, incident=incident, address=ADDRESS)

    checks = list(IntelCheck.objects.filter(incident=incident).order_by("ran_at", "id"))
    assert [c.trigger for c in checks] == [
        CheckTrigger.INCIDENT_CREATED,
        CheckTrigger.DETAILS_CHANGED,
    ]
    assert checks[-1].record_count == 1 and checks[-1].ran_by is None


def test_a_change_of_address_at_a_given_time_re_runs_the_check_once_at_that_time(make_staff):
    from datetime import UTC, datetime, timedelta

    from cad.services import incident_update_details

    taken = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    changed = taken + timedelta(minutes=4)
    handler = make_staff("CALL_HANDLER")
    incident = incident_create(
        actor=handler, channel="999", narrative="help", address="1 A Road", now=taken
    )

    incident_update_details(actor=handler, incident=incident, address=ADDRESS, now=changed)

    checks = IntelCheck.objects.filter(incident=incident).order_by("ran_at", "id")
    assert [(c.trigger, c.ran_at) for c in checks] == [
        (CheckTrigger.INCIDENT_CREATED, taken),
        (CheckTrigger.DETAILS_CHANGED, changed),
    ]


def test_the_signal_alone_re_runs_the_check_when_the_caller_changes(make_staff):
    from cad.models import Incident
    from cad.signals import incident_changed

    handler = make_staff("CALL_HANDLER")
    incident = incident_create(actor=handler, channel="999", narrative="help")
    record("WARNING", names=["Brian Example"], phones=[])
    Incident.objects.filter(pk=incident.pk).update(caller_name="Brian Example")
    incident.refresh_from_db()

    with transaction.atomic():
        incident_changed.send(
            sender=Incident,
            incident=incident,
            actor=handler,
            changes={"caller_name": ("", "Brian Example")},
        )

    latest = IntelCheck.objects.filter(incident=incident).order_by("-ran_at", "-id").first()
    assert latest.trigger == CheckTrigger.DETAILS_CHANGED and latest.record_count == 1


def test_a_status_change_does_not_re_run_the_check(make_staff):
    from cad.models import Incident
    from cad.signals import incident_changed

    incident = incident_create(
        actor=make_staff("CALL_HANDLER"), channel="999", narrative="x", address=ADDRESS
    )

    incident_changed.send(
        sender=Incident, incident=incident, actor=None, changes={"status": ("OPEN", "CLOSED")}
    )

    assert IntelCheck.objects.filter(incident=incident).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger is PostgreSQL only")
def test_a_stored_check_cannot_be_rewritten_or_deleted(make_staff):
    incident = incident_create(
        actor=make_staff("CALL_HANDLER"), channel="999", narrative="x", address=ADDRESS
    )
    check = IntelCheck.objects.get(incident=incident)

    with pytest.raises(DatabaseError), transaction.atomic():
        IntelCheck.objects.filter(pk=check.pk).update(record_count=99)
    with pytest.raises(DatabaseError), transaction.atomic():
        IntelCheck.objects.filter(pk=check.pk).delete()

    check.refresh_from_db()
    assert check.record_count == 0


def test_a_call_with_nothing_to_check_stores_no_check_and_says_so(make_staff):
    from intelligence.services import NO_CHECK_YET

    handler = make_staff("CALL_HANDLER")

    incident = incident_create(actor=handler, channel="999", narrative="Silent call, withheld")

    assert not IntelCheck.objects.filter(incident=incident).exists()
    assert not AuditEvent.objects.filter(
        action="intel.check_ran", object_id=str(incident.pk)
    ).exists()
    assert incident.log_entries.filter(text=NO_CHECK_YET).count() == 1
    assert not any(f.get("code") == "hook_failed" for f in incident.flags)


def test_the_check_runs_once_details_are_added_to_an_empty_call(make_staff):
    from cad.services import incident_update_details

    handler = make_staff("CALL_HANDLER")
    incident = incident_create(actor=handler, channel="999", narrative="Silent call, withheld")

    incident_update_details(actor=handler, incident=incident, address=ADDRESS)

    assert IntelCheck.objects.filter(incident=incident).count() == 1


def test_a_check_that_cannot_be_stored_flags_the_incident_for_a_manual_check(
    make_staff, monkeypatch
):
    def broken(**kwargs):
        raise DatabaseError("intelligence store down")

    monkeypatch.setattr("intelligence.services.intel_check_attach", broken)
    handler = make_staff("CALL_HANDLER")

    incident = incident_create(
        actor=handler, channel="999", caller_phone="07700 900999", narrative="help"
    )

    incident.refresh_from_db()
    assert any(f.get("code") == "hook_failed" for f in incident.flags)
    assert incident.log_entries.filter(text__contains="check manually").exists()

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from cad import services
from cad.exceptions import Conflict, InvalidTransition, ReasonRequired, ValidationFailed
from cad.models import Grade, GradeRequest, Incident, IncidentStatus
from cad.signals import incident_changed
from core.audit import audit_trail
from tests.cad.factories import (
    RecordingProvider,
    call_handler,
    incident,
    install_provider,
    supervisor,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def move(created, status, **kwargs):
    return services.incident_set_status(actor=None, incident=created, status=status, **kwargs)


def test_an_incident_moves_open_resourced_at_scene_and_arrival_stops_the_clock():
    created = incident(now=NOW)
    move(created, "RESOURCED", now=NOW + timedelta(minutes=2))
    move(created, "AT_SCENE", now=NOW + timedelta(minutes=9))
    created.refresh_from_db()
    assert created.status == IncidentStatus.AT_SCENE
    assert created.first_arrived_at == NOW + timedelta(minutes=9)


def test_it_goes_back_to_open_when_its_last_unit_leaves_before_arriving():
    created = incident()
    move(created, "RESOURCED")
    move(created, "OPEN", reason="BX21 released")
    assert created.status == IncidentStatus.OPEN
    assert "incident.status_changed" in [e.action for e in audit_trail(created)]


def test_a_move_outside_the_transition_table_is_refused():
    created = incident()
    move(created, "AT_SCENE")
    with pytest.raises(InvalidTransition):
        move(created, "OPEN")


def test_closing_is_not_a_plain_status_change():
    with pytest.raises(InvalidTransition) as error:
        move(incident(), "CLOSED")
    assert error.value.code == "close_needs_code"


def test_a_status_change_sends_incident_changed_with_the_change():
    created, seen = incident(), []

    def receiver(sender, incident, actor, changes, **kwargs):
        seen.append(changes)

    incident_changed.connect(receiver)
    try:
        move(created, "RESOURCED")
    finally:
        incident_changed.disconnect(receiver)
    assert seen == [{"status": ("OPEN", "RESOURCED")}]


def test_closing_needs_a_known_closing_code_and_a_resolution_note():
    created = incident()
    with pytest.raises(ValidationFailed) as error:
        services.incident_close(
            actor=call_handler(), incident=created, closing_code="NOPE", resolution_note="x"
        )
    assert error.value.code == "unknown_closing_code"
    with pytest.raises(ValidationFailed) as error:
        services.incident_close(
            actor=call_handler(), incident=created, closing_code="ARREST", resolution_note=" "
        )
    assert error.value.code == "note_required"


def test_closing_records_code_note_and_time_and_cannot_happen_twice():
    created = incident()
    closed = services.incident_close(
        actor=call_handler(),
        incident=created,
        closing_code="ARREST",
        resolution_note="Suspect arrested",
        now=NOW,
    )
    assert (closed.status, closed.closed_at, closed.closing_code_id) == ("CLOSED", NOW, "ARREST")
    with pytest.raises(InvalidTransition):
        services.incident_close(
            actor=call_handler(), incident=created, closing_code="ARREST", resolution_note="again"
        )


def test_a_supervisor_closing_withdraws_a_pending_downgrade_request(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    handler = call_handler()
    created = incident(actor=handler)
    request = services.incident_grade(actor=handler, incident=created, grade="PRIORITY", reason="a")
    services.incident_close(
        actor=supervisor(), incident=created, closing_code="NO_TRACE", resolution_note="No one"
    )
    request.refresh_from_db()
    assert request.status == GradeRequest.Status.WITHDRAWN


def test_closing_an_unattended_da_incident_without_a_supervisor_is_refused(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    handler = call_handler()
    created = incident(actor=handler)
    request = services.incident_grade(actor=handler, incident=created, grade="PRIORITY", reason="a")

    with pytest.raises(Conflict) as error:
        services.incident_close(
            actor=handler, incident=created, closing_code="NO_TRACE", resolution_note="No one"
        )

    assert error.value.code == "supervisor_required"
    assert "supervisor" in str(error.value)
    created.refresh_from_db()
    request.refresh_from_db()
    assert created.status == IncidentStatus.OPEN
    assert request.status == GradeRequest.Status.PENDING


def test_closing_an_incident_a_unit_reached_needs_no_supervisor(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    handler = call_handler()
    created = incident(actor=handler, now=NOW)
    move(created, "RESOURCED", now=NOW + timedelta(minutes=2))
    move(created, "AT_SCENE", now=NOW + timedelta(minutes=9))

    closed = services.incident_close(
        actor=handler, incident=created, closing_code="ARREST", resolution_note="Arrested"
    )

    assert closed.status == IncidentStatus.CLOSED


def test_the_database_refuses_a_closed_incident_without_code_and_note():
    created = incident()
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=created.pk).update(status="CLOSED")


def test_the_log_is_appended_to_with_author_and_time():
    handler = call_handler()
    taken = NOW - timedelta(minutes=3)
    created = incident(actor=handler, narrative="First line", now=taken)
    entry = services.incident_log_add(actor=handler, incident=created, text="Second line", now=NOW)
    assert (entry.author, entry.at) == (handler, NOW)
    assert [e.text for e in created.log_entries.all()][-1] == "Second line"


def test_every_line_written_while_taking_a_call_carries_the_time_the_service_was_given():
    # The intelligence check runs during the call: its log line and audit event are stamped
    # with the call's time, not the wall clock, so the log reads in the order things happened.
    created = incident(narrative="First line", now=NOW)
    lines = list(created.log_entries.all())
    assert any(line.text.startswith("Intelligence check ran") for line in lines)
    assert {line.at for line in lines} == {NOW}
    assert {event.at for event in audit_trail(created)} == {NOW}


def test_an_empty_log_line_is_refused():
    with pytest.raises(ValidationFailed):
        services.incident_log_add(actor=call_handler(), incident=incident(), text="   ")


def test_a_log_line_with_new_risk_raises_the_minimum_and_the_grade(engine):
    engine(recommended=Grade.SCHEDULED, minimum=Grade.SCHEDULED)
    created = incident(now=NOW)
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    services.incident_log_add(
        actor=call_handler(), incident=created, text="He has threatened to kill her", now=NOW
    )
    created.refresh_from_db()
    assert (created.minimum_grade, created.grade) == (Grade.IMMEDIATE, Grade.IMMEDIATE)
    assert created.domestic_abuse is True
    assert created.target_response_at == NOW + timedelta(minutes=15)


def test_a_log_line_never_lowers_the_minimum(engine):
    engine(recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    created = incident()
    engine(recommended=Grade.SCHEDULED, minimum=Grade.RESOLUTION)
    services.incident_log_add(actor=call_handler(), incident=created, text="All quiet now")
    created.refresh_from_db()
    assert (created.minimum_grade, created.grade) == (Grade.IMMEDIATE, Grade.IMMEDIATE)


def test_removing_the_da_qualifier_needs_a_reason_and_is_audited(engine):
    engine(domestic_abuse=True, recommended=Grade.PRIORITY, minimum=Grade.PRIORITY)
    created = incident()
    with pytest.raises(ReasonRequired):
        services.incident_set_domestic_abuse(
            actor=call_handler(), incident=created, domestic_abuse=False
        )
    services.incident_set_domestic_abuse(
        actor=call_handler(), incident=created, domestic_abuse=False, reason="Flatmates"
    )
    created.refresh_from_db()
    assert (created.domestic_abuse, created.domestic_abuse_removed_reason) == (False, "Flatmates")
    event = audit_trail(created).get(action="incident.domestic_abuse_set")
    assert event.data["reason"] == "Flatmates"


def test_adding_the_da_qualifier_raises_the_incident_to_at_least_priority(engine):
    engine(recommended=Grade.SCHEDULED, minimum=Grade.RESOLUTION)
    created = incident()
    services.incident_set_domestic_abuse(
        actor=call_handler(), incident=created, domestic_abuse=True
    )
    created.refresh_from_db()
    assert (created.minimum_grade, created.grade) == (Grade.PRIORITY, Grade.PRIORITY)


def test_updating_the_address_reruns_the_checks_and_sends_incident_changed(monkeypatch):
    provider = RecordingProvider()
    install_provider(monkeypatch, provider)
    created = incident(address="1 Wrong Street")
    seen = []

    def receiver(sender, incident, actor, changes, **kwargs):
        seen.append(changes)

    incident_changed.connect(receiver)
    try:
        services.incident_update_details(
            actor=call_handler(), incident=created, address="12 Acacia Ave, Leeds LS6 2AB"
        )
    finally:
        incident_changed.disconnect(receiver)
    assert provider.queries[-1].address.normalised == "12 acacia avenue leeds ls6 2ab"
    assert provider.queries[-1].exclude_incident_id == created.pk
    assert provider.attached == [created.pk, created.pk]
    assert seen == [{"address": ("1 Wrong Street", "12 Acacia Ave, Leeds LS6 2AB")}]


def test_new_details_at_a_marked_address_raise_the_floor(monkeypatch):
    created = incident()
    install_provider(monkeypatch, RecordingProvider(floor=Grade.IMMEDIATE))
    services.incident_update_details(actor=call_handler(), incident=created, address="Marked")
    created.refresh_from_db()
    assert (created.minimum_grade, created.grade) == (Grade.IMMEDIATE, Grade.IMMEDIATE)
    assert created.assessment["context_floor"] == Grade.IMMEDIATE


def test_an_update_that_changes_nothing_records_nothing():
    created = incident(address="1 Test Street, Leeds LS1 1AA")
    before = audit_trail(created).count()
    services.incident_update_details(
        actor=call_handler(), incident=created, address="1 Test Street, Leeds LS1 1AA"
    )
    assert audit_trail(created).count() == before


def test_tags_are_added_once_and_audited():
    created = incident()
    services.incident_tag_add(actor=None, incident=created, tag="divert")
    services.incident_tag_add(actor=None, incident=created, tag="DIVERT")
    assert created.tag_names == ["DIVERT"]
    assert [e.action for e in audit_trail(created)].count("incident.tagged") == 1

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from cad.exceptions import ReasonRequired, ValidationFailed
from cad.models import Contact, Grade, Incident
from cad.signals import incident_created
from core.audit import audit_trail
from tests.cad.factories import RecordingProvider, call_handler, incident, install_provider

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def test_an_incident_gets_a_reference_per_london_day_numbered_in_order():
    first = incident(now=NOW)
    second = incident(now=NOW + timedelta(minutes=1))
    assert first.reference == "CAD-20261128-0001"
    assert second.reference == "CAD-20261128-0002"


def test_the_reference_day_is_the_london_day_not_the_utc_day():
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (BST).
    late = incident(now=datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    assert late.reference == "CAD-20260702-0001"


def test_creating_an_incident_records_its_contact_log_and_audit():
    handler = call_handler()
    created = incident(actor=handler, now=NOW, narrative="Shouting next door")
    contact = Contact.objects.get(incident=created)
    assert (contact.channel, contact.caller_phone, contact.handler) == (
        "999",
        "+447700900999",
        handler,
    )
    assert [e.text for e in created.log_entries.filter(kind="NOTE")] == ["Shouting next door"]
    assert "incident.created" in [e.action for e in audit_trail(created)]


def test_the_incident_starts_at_the_recommended_grade_with_its_target(engine):
    engine(recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    created = incident(now=NOW)
    assert created.grade == created.recommended_grade == Grade.IMMEDIATE
    assert created.target_response_at == NOW + timedelta(minutes=15)
    assert created.graded_by is None


@pytest.mark.parametrize(
    ("grade", "area", "minutes"),
    [("IMMEDIATE", "URBAN", 15), ("IMMEDIATE", "RURAL", 20), ("PRIORITY", "URBAN", 60)],
)
def test_the_target_comes_from_the_grade_policy_and_area(engine, grade, area, minutes):
    engine(recommended=grade, minimum=grade)
    created = incident(now=NOW, area=area)
    assert created.target_response_at == NOW + timedelta(minutes=minutes)


@pytest.mark.parametrize("grade", ["SCHEDULED", "RESOLUTION"])
def test_scheduled_and_resolution_have_no_countdown(engine, grade):
    engine(recommended=grade, minimum=Grade.RESOLUTION)
    assert incident(now=NOW).target_response_at is None


def test_an_empty_narrative_on_a_999_call_is_allowed_but_flagged():
    created = incident(narrative="", silent=True)
    assert [f["code"] for f in created.flags] == ["empty_narrative"]
    assert not created.log_entries.filter(kind="NOTE").exists()
    assert created.log_entries.filter(text__startswith="Flag: Empty narrative").exists()


def test_an_empty_narrative_on_a_101_call_is_refused():
    with pytest.raises(ValidationFailed) as error:
        incident(channel="101", narrative=" ")
    assert error.value.code == "narrative_required"


def test_an_unparseable_caller_number_is_kept_and_flagged_on_the_incident():
    created = incident(caller_phone="999-CALL-ME")
    assert created.caller_phone == "999-CALL-ME"
    assert created.phone_valid is False
    assert "phone_unparsed" in [f["code"] for f in created.flags]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("channel", "PIGEON", "unknown_channel"),
        ("area", "SUBURBAN", "unknown_area"),
        ("opening_code", "NOT_A_CODE", "unknown_opening_code"),
    ],
)
def test_unknown_reference_values_are_refused_and_nothing_is_written(field, value, code):
    with pytest.raises(ValidationFailed) as error:
        incident(**{field: value})
    assert error.value.code == code
    assert not Incident.objects.exists()


def test_the_opening_code_comes_from_reference_data():
    created = incident(opening_code="DOMESTIC")
    assert created.opening_code.label == "Domestic incident"


def test_a_repeated_idempotency_key_returns_the_first_incident_and_records_nothing_new():
    first = incident(idempotency_key="form-123")
    again = incident(idempotency_key="form-123", narrative="A different narrative")
    assert again.pk == first.pk
    assert again.replayed is True
    assert Incident.objects.filter(idempotency_key="form-123").count() == 1
    assert Contact.objects.filter(incident=first).count() == 1


def test_a_call_that_fits_the_da_definition_is_recorded_with_the_da_qualifier(engine):
    engine(domestic_abuse=True, recommended=Grade.PRIORITY, minimum=Grade.PRIORITY)
    assert incident().domestic_abuse is True


def test_recording_a_da_call_without_the_qualifier_needs_a_reason(engine):
    engine(domestic_abuse=True, recommended=Grade.PRIORITY, minimum=Grade.PRIORITY)
    with pytest.raises(ReasonRequired):
        incident(domestic_abuse=False)
    assert not Incident.objects.exists()


def test_a_da_call_recorded_without_the_qualifier_keeps_the_reason_and_audits_it(engine):
    engine(domestic_abuse=True, recommended=Grade.PRIORITY, minimum=Grade.PRIORITY)
    created = incident(domestic_abuse=False, domestic_abuse_reason="Caller's brother is 12")
    assert created.domestic_abuse is False
    assert created.domestic_abuse_removed_reason == "Caller's brother is 12"
    event = audit_trail(created).get(action="incident.created")
    assert event.data["assessed_domestic_abuse"] is True
    assert event.data["domestic_abuse_reason"] == "Caller's brother is 12"


def test_a_handler_adding_the_da_qualifier_makes_the_call_at_least_priority(engine):
    engine(recommended=Grade.SCHEDULED, minimum=Grade.RESOLUTION)
    created = incident(domestic_abuse=True)
    assert created.domestic_abuse is True
    assert (created.minimum_grade, created.grade) == (Grade.PRIORITY, Grade.PRIORITY)


def test_saving_with_confirm_grade_records_the_handler_accepting_the_recommendation():
    handler = call_handler()
    created = incident(actor=handler, confirm_grade=True, now=NOW)
    assert (created.graded_by, created.graded_at) == (handler, NOW)
    assert created.grade_changes.get().by == handler


def test_the_context_providers_are_asked_about_the_caller_address_and_named_people(monkeypatch):
    provider = RecordingProvider()
    install_provider(monkeypatch, provider)
    created = incident(
        caller_phone="07700 900123",
        caller_name="Anne Example",
        address="12 Acacia Ave, Leeds LS6 2AB",
        named_people=["Brian Example"],
    )
    query = provider.queries[0]
    assert query.phone == "+447700900123"
    assert query.address.normalised == "12 acacia avenue leeds ls6 2ab"
    assert query.names == ("anne example", "brian example")
    assert provider.attached == [created.pk]


def test_a_context_floor_raises_the_minimum_and_the_banners_are_kept(monkeypatch):
    install_provider(monkeypatch, RecordingProvider(floor=Grade.IMMEDIATE))
    created = incident()
    assert created.minimum_grade == Grade.IMMEDIATE
    assert created.grade == Grade.IMMEDIATE
    assert created.assessment["banners"] == [
        {"level": "danger", "text": "TEST MARKER", "provider": "test_provider"}
    ]


def test_a_failing_provider_cannot_stop_a_call_being_recorded(monkeypatch):
    install_provider(monkeypatch, RecordingProvider(fail_attach=True))
    created = incident()
    assert Incident.objects.filter(pk=created.pk).exists()
    assert "hook_failed" in [f["code"] for f in created.flags]
    assert any("failed; check manually" in e.text for e in created.log_entries.all())


def test_incident_created_is_sent_once_with_the_actor():
    received = []

    def receiver(sender, incident, actor, **kwargs):
        received.append((incident.pk, actor.pk))

    incident_created.connect(receiver)
    try:
        handler = call_handler()
        created = incident(actor=handler)
    finally:
        incident_created.disconnect(receiver)
    assert received == [(created.pk, handler.pk)]


def test_the_incident_is_created_at_the_injected_time():
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        created = incident(now=NOW)
    assert created.received_at == NOW

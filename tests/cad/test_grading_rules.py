"""DESIGN.md rule 4: grading below the minimum needs a reason; below a marker's
floor or a DA Immediate also a supervisor; the incident keeps the safer grade meanwhile."""

from datetime import UTC, datetime, timedelta

import pytest

from cad import services
from cad.exceptions import Conflict, InvalidTransition, ReasonRequired, ValidationFailed
from cad.models import Grade, GradeRequest
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


def actions(obj):
    return [e.action for e in audit_trail(obj)]


def test_grading_at_or_above_the_minimum_applies_and_is_audited(engine):
    engine(recommended=Grade.PRIORITY, minimum=Grade.SCHEDULED)
    handler = call_handler()
    created = incident(actor=handler, now=NOW)
    graded = services.incident_grade(actor=handler, incident=created, grade="SCHEDULED")
    assert graded.grade == Grade.SCHEDULED
    assert graded.graded_by == handler
    assert "incident.graded" in actions(created)


def test_grading_below_the_minimum_without_a_reason_is_refused(engine):
    engine(recommended=Grade.PRIORITY, minimum=Grade.PRIORITY)
    created = incident(now=NOW)
    with pytest.raises(ReasonRequired):
        services.incident_grade(actor=call_handler(), incident=created, grade="SCHEDULED")
    created.refresh_from_db()
    assert created.grade == Grade.PRIORITY


def test_grading_below_the_minimum_with_a_reason_applies_when_no_sign_off_is_needed(engine):
    engine(recommended=Grade.PRIORITY, minimum=Grade.PRIORITY)
    created = incident(now=NOW)
    graded = services.incident_grade(
        actor=call_handler(), incident=created, grade="SCHEDULED", reason="Suspect left 3h ago"
    )
    assert graded.grade == Grade.SCHEDULED
    assert graded.grade_changes.order_by("id").last().reason == "Suspect left 3h ago"


def test_an_unknown_grade_is_refused():
    with pytest.raises(ValidationFailed) as error:
        services.incident_grade(actor=call_handler(), incident=incident(), grade="URGENT")
    assert error.value.code == "unknown_grade"


def test_a_regrade_recomputes_the_target_from_when_the_call_was_received(engine):
    engine(recommended=Grade.PRIORITY, minimum=Grade.SCHEDULED)
    created = incident(now=NOW)
    graded = services.incident_grade(
        actor=call_handler(), incident=created, grade="IMMEDIATE", now=NOW + timedelta(minutes=40)
    )
    assert graded.target_response_at == NOW + timedelta(minutes=15)


def test_a_da_downgrade_below_an_assessed_immediate_waits_for_a_supervisor(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    handler = call_handler()
    created = incident(actor=handler, now=NOW)
    request = services.incident_grade(
        actor=handler, incident=created, grade="PRIORITY", reason="Caller unsure who it is"
    )
    assert isinstance(request, GradeRequest)
    assert request.status == GradeRequest.Status.PENDING
    assert "IMMEDIATE" in request.why_supervisor
    created.refresh_from_db()
    assert created.grade == Grade.IMMEDIATE
    assert "incident.downgrade_requested" in actions(created)


def test_a_downgrade_that_needs_a_supervisor_also_needs_a_reason(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    with pytest.raises(ReasonRequired):
        services.incident_grade(actor=call_handler(), incident=incident(), grade="PRIORITY")
    assert not GradeRequest.objects.exists()


def test_any_other_da_call_cannot_be_resolved_without_deployment_without_a_supervisor(engine):
    engine(domestic_abuse=True, recommended=Grade.PRIORITY, minimum=Grade.PRIORITY)
    created = incident()
    handler = call_handler()
    scheduled = services.incident_grade(
        actor=handler, incident=created, grade="SCHEDULED", reason="Caller asks for an appointment"
    )
    assert scheduled.grade == Grade.SCHEDULED
    request = services.incident_grade(
        actor=handler, incident=created, grade="RESOLUTION", reason="Advice given by phone"
    )
    assert isinstance(request, GradeRequest)


def test_a_downgrade_below_a_marker_floor_waits_for_a_supervisor(monkeypatch):
    install_provider(monkeypatch, RecordingProvider(floor=Grade.IMMEDIATE))
    created = incident()
    request = services.incident_grade(
        actor=call_handler(), incident=created, grade="PRIORITY", reason="Only noise"
    )
    assert isinstance(request, GradeRequest)
    assert "marker" in request.why_supervisor


def test_removing_the_da_qualifier_does_not_remove_the_need_for_sign_off(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    handler = call_handler()
    created = incident(actor=handler)
    services.incident_set_domestic_abuse(
        actor=handler, incident=created, domestic_abuse=False, reason="Not partners"
    )
    result = services.incident_grade(
        actor=handler, incident=created, grade="PRIORITY", reason="Not partners"
    )
    assert isinstance(result, GradeRequest)


def test_a_second_downgrade_request_while_one_is_pending_is_a_conflict(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    handler = call_handler()
    created = incident(actor=handler)
    services.incident_grade(actor=handler, incident=created, grade="PRIORITY", reason="a")
    with pytest.raises(Conflict) as error:
        services.incident_grade(actor=handler, incident=created, grade="SCHEDULED", reason="b")
    assert error.value.code == "request_pending"


def test_a_supervisor_approving_applies_the_grade_with_their_sign_off(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    handler, boss = call_handler(), supervisor()
    created = incident(actor=handler, now=NOW)
    request = services.incident_grade(
        actor=handler, incident=created, grade="PRIORITY", reason="Caller unsure", now=NOW
    )
    decided = services.grade_request_decide(
        actor=boss, grade_request=request, approve=True, note="Agreed", now=NOW
    )
    created.refresh_from_db()
    assert decided.status == GradeRequest.Status.APPROVED
    assert created.grade == Grade.PRIORITY
    assert created.target_response_at == NOW + timedelta(minutes=60)
    change = created.grade_changes.last()
    assert (change.by, change.approved_by, change.reason) == (handler, boss, "Caller unsure")
    assert "incident.downgrade_approved" in actions(created)


def test_a_supervisor_refusing_keeps_the_safer_grade(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    handler = call_handler()
    created = incident(actor=handler)
    request = services.incident_grade(actor=handler, incident=created, grade="PRIORITY", reason="a")
    services.grade_request_decide(
        actor=supervisor(), grade_request=request, approve=False, note="No"
    )
    created.refresh_from_db()
    assert created.grade == Grade.IMMEDIATE
    assert "incident.downgrade_refused" in actions(created)


def test_a_request_cannot_be_decided_twice(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    handler = call_handler()
    request = services.incident_grade(
        actor=handler, incident=incident(actor=handler), grade="PRIORITY", reason="a"
    )
    services.grade_request_decide(
        actor=supervisor(), grade_request=request, approve=False, note="No"
    )
    with pytest.raises(Conflict) as error:
        services.grade_request_decide(
            actor=supervisor(), grade_request=request, approve=True, note="Yes"
        )
    assert error.value.code == "already_decided"


def test_nobody_signs_off_their_own_downgrade(engine, make_staff):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    handler = call_handler()
    request = services.incident_grade(
        actor=handler, incident=incident(actor=handler), grade="PRIORITY", reason="a"
    )
    handler.groups.add(make_staff("SUPERVISOR").groups.get())
    with pytest.raises(Conflict) as error:
        services.grade_request_decide(
            actor=handler, grade_request=request, approve=True, note="Yes"
        )
    assert error.value.code == "self_approval"


def test_a_supervisors_own_grading_is_its_sign_off(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    boss = supervisor()
    graded = services.incident_grade(
        actor=boss, incident=incident(), grade="PRIORITY", reason="Spoke to caller again"
    )
    assert graded.grade == Grade.PRIORITY
    assert graded.grade_changes.order_by("id").last().approved_by == boss


@pytest.mark.parametrize(
    "reason", ["a", "aaaaaaaaaaaaaaaaaaaaaaaa", "ok ok ok ok ok ok ok ok", "Checked it all"]
)
def test_a_supervisors_own_downgrade_of_a_da_call_needs_a_reason_of_substance(engine, reason):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    boss, created = supervisor(), incident()

    with pytest.raises(ReasonRequired) as refused:
        services.incident_grade(actor=boss, incident=created, grade="PRIORITY", reason=reason)

    assert refused.value.code == "reason_of_substance_required"
    created.refresh_from_db()
    assert created.grade == Grade.IMMEDIATE


def test_a_supervisors_own_downgrade_below_a_marker_floor_needs_a_reason_of_substance(
    monkeypatch,
):
    install_provider(monkeypatch, RecordingProvider(floor=Grade.IMMEDIATE))
    boss, created = supervisor(), incident()

    with pytest.raises(ReasonRequired):
        services.incident_grade(actor=boss, incident=created, grade="PRIORITY", reason="noise")
    graded = services.incident_grade(
        actor=boss,
        incident=created,
        grade="PRIORITY",
        reason="Marker victim moved away in May; caller is the new tenant",
    )

    assert graded.grade == Grade.PRIORITY


def test_grading_directly_withdraws_a_pending_request(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    handler = call_handler()
    created = incident(actor=handler)
    request = services.incident_grade(actor=handler, incident=created, grade="PRIORITY", reason="a")
    services.incident_grade(actor=handler, incident=created, grade="IMMEDIATE")
    request.refresh_from_db()
    assert request.status == GradeRequest.Status.WITHDRAWN


def test_a_closed_incident_cannot_be_regraded():
    created = incident()
    services.incident_close(
        actor=call_handler(),
        incident=created,
        closing_code="RESOLVED_BY_PHONE",
        resolution_note="Advice given",
    )
    with pytest.raises(InvalidTransition):
        services.incident_grade(actor=call_handler(), incident=created, grade="IMMEDIATE")

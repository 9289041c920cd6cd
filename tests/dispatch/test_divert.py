"""Diverts can never orphan an incident: tag, outstanding list, alert, controller review,
inspector task, escalation."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cad.exceptions import Conflict, Forbidden, ValidationFailed
from cad.models import IncidentStatus
from core.models import Notification
from dispatch import selectors, services
from dispatch.models import (
    AssignmentStatus,
    DivertStatus,
    InspectorTask,
    InspectorTaskStatus,
    UnitStatus,
)
from dispatch.tasks import divert_escalation
from monitoring.models import Alert, AlertKind, AlertStatus
from tests.dispatch import unit_factories as f
from tests.factories import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def diverted():
    """BX21 was on a DA call (original) and is diverted to a knife call (target)."""
    unit = f.unit(call_sign="BX21")
    original = f.incident(domestic_abuse=True, marker=True, narrative="Someone buzzing at my door")
    target = f.incident(narrative="Two men fighting, one has a knife")
    actor = f.dispatcher("disp")
    services.unit_assign(actor=actor, unit=unit, incident=original)
    divert = services.unit_divert(
        actor=actor, unit=unit, to_incident=target, reason="Knife incident, higher risk"
    )
    return {"unit": unit, "original": original, "target": target, "divert": divert}


def _open_alerts(incident, kind):
    return Alert.objects.filter(incident=incident, kind=kind, status=AlertStatus.OPEN)


def test_a_divert_records_from_to_who_why_and_both_grades(diverted):
    divert = diverted["divert"]

    assert divert.status == DivertStatus.PENDING_REVIEW
    assert (divert.from_incident, divert.to_incident) == (diverted["original"], diverted["target"])
    assert divert.requested_by.username == "disp"
    assert divert.reason == "Knife incident, higher risk"
    assert (divert.from_grade, divert.to_grade) == ("IMMEDIATE", "IMMEDIATE")
    assert divert.from_domestic_abuse is True and divert.to_domestic_abuse is False


def test_a_divert_tags_the_original_and_returns_it_to_open(diverted):
    original, target, unit = diverted["original"], diverted["target"], diverted["unit"]

    original.refresh_from_db()
    target.refresh_from_db()
    unit.refresh_from_db()
    assert original.tag_names == ["DIVERT"]
    assert original.status == IncidentStatus.OPEN
    assert target.status == IncidentStatus.RESOURCED
    assert unit.status == UnitStatus.ASSIGNED
    assert unit.assignments.get(incident=original).status == AssignmentStatus.DIVERTED
    assert original.log_entries.filter(text__startswith="DIVERT: BX21").exists()


def test_a_divert_raises_divert_unresourced_for_the_original(diverted):
    assert _open_alerts(diverted["original"], AlertKind.DIVERT_UNRESOURCED).count() == 1


def test_a_divert_from_an_incident_that_keeps_another_unit_raises_no_unresourced_alert():
    first, second = f.unit(), f.unit()
    original, target = f.incident(), f.incident()
    actor = f.dispatcher()
    services.unit_assign(actor=actor, unit=first, incident=original)
    services.unit_assign(actor=actor, unit=second, incident=original)

    services.unit_divert(actor=actor, unit=first, to_incident=target, reason="needed")

    original.refresh_from_db()
    assert original.status == IncidentStatus.RESOURCED
    assert original.tag_names == ["DIVERT"]
    assert not _open_alerts(original, AlertKind.DIVERT_UNRESOURCED).exists()


def test_diverting_a_unit_that_is_not_committed_is_refused():
    with pytest.raises(Conflict) as exc:
        services.unit_divert(
            actor=f.dispatcher(), unit=f.unit(), to_incident=f.incident(), reason="why"
        )

    assert exc.value.code == "unit_not_committed"


def test_a_divert_without_a_reason_is_refused_and_changes_nothing():
    unit, original, target = f.unit(), f.incident(), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=original)

    with pytest.raises(ValidationFailed) as exc:
        services.unit_divert(actor=f.dispatcher(), unit=unit, to_incident=target, reason="  ")

    assert exc.value.code == "reason_required"
    original.refresh_from_db()
    assert original.status == IncidentStatus.RESOURCED
    assert original.tag_names == []


def test_diverting_to_the_same_incident_is_refused():
    unit, incident = f.unit(), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)

    with pytest.raises(ValidationFailed) as exc:
        services.unit_divert(actor=f.dispatcher(), unit=unit, to_incident=incident, reason="x")

    assert exc.value.code == "same_incident"


def test_approval_opens_an_inspector_task_that_escalates_later(diverted, settings):
    settings.DIVERT_ESCALATE_MINUTES = 5
    now = timezone.now()

    services.divert_review(
        actor=f.controller(), divert=diverted["divert"], decision="APPROVE", note="ok", now=now
    )

    task = InspectorTask.objects.get(divert=diverted["divert"])
    assert task.status == InspectorTaskStatus.OPEN
    assert task.escalate_at == now + timedelta(minutes=5)


def test_reviewing_a_divert_twice_is_refused(diverted):
    services.divert_review(actor=f.controller(), divert=diverted["divert"], decision="APPROVE")

    with pytest.raises(Conflict) as exc:
        services.divert_review(actor=f.controller(), divert=diverted["divert"], decision="APPROVE")

    assert exc.value.code == "already_reviewed"
    assert InspectorTask.objects.filter(divert=diverted["divert"]).count() == 1


def test_whoever_diverted_cannot_review_their_own_divert():
    both = staff("DISPATCHER", "CONTROLLER")
    unit, original, target = f.unit(), f.incident(), f.incident()
    services.unit_assign(actor=both, unit=unit, incident=original)
    divert = services.unit_divert(actor=both, unit=unit, to_incident=target, reason="x")

    with pytest.raises(Conflict) as exc:
        services.divert_review(actor=both, divert=divert, decision="APPROVE")

    assert exc.value.code == "self_review"


def test_an_override_needs_a_note(diverted):
    with pytest.raises(ValidationFailed) as exc:
        services.divert_review(actor=f.controller(), divert=diverted["divert"], decision="OVERRIDE")

    assert exc.value.code == "note_required"


def test_an_override_sends_the_unit_back_and_tells_the_crew():
    crew = staff("OFFICER")
    unit = f.unit(call_sign="BX21", officers=[crew.username])
    original, target = f.incident(domestic_abuse=True), f.incident()
    actor = f.dispatcher()
    services.unit_assign(actor=actor, unit=unit, incident=original)
    divert = services.unit_divert(actor=actor, unit=unit, to_incident=target, reason="knife")

    services.divert_review(
        actor=f.controller(), divert=divert, decision="OVERRIDE", note="DA victim at risk"
    )

    original.refresh_from_db()
    target.refresh_from_db()
    divert.refresh_from_db()
    assert divert.status == DivertStatus.OVERRIDDEN
    assert original.status == IncidentStatus.RESOURCED
    assert target.status == IncidentStatus.OPEN
    assert unit.assignments.get(incident=target).status == AssignmentStatus.RECALLED
    assert unit.assignments.get(incident=original, status=AssignmentStatus.ASSIGNED)
    assert original.tag_names == ["DIVERT"]
    assert not _open_alerts(original, AlertKind.DIVERT_UNRESOURCED).exists()
    note = Notification.objects.get(user=crew)
    assert original.reference in note.text and "DA victim at risk" in note.text


def test_an_override_after_the_unit_moved_on_is_refused(diverted):
    services.unit_release(actor=f.dispatcher(), unit=diverted["unit"], reason="needed")

    with pytest.raises(Conflict) as exc:
        services.divert_review(
            actor=f.controller(), divert=diverted["divert"], decision="OVERRIDE", note="back"
        )

    assert exc.value.code == "unit_moved"
    diverted["divert"].refresh_from_db()
    assert diverted["divert"].status == DivertStatus.PENDING_REVIEW


def test_the_inspector_assigns_a_replacement_and_the_alert_settles(diverted):
    services.divert_review(actor=f.controller(), divert=diverted["divert"], decision="APPROVE")
    task = InspectorTask.objects.get()
    replacement = f.unit(call_sign="BX22")

    services.inspector_task_resolve(
        actor=f.inspector("insp"), task=task, unit=replacement, note="BX22 free"
    )

    task.refresh_from_db()
    original = diverted["original"]
    original.refresh_from_db()
    assert task.status == InspectorTaskStatus.RESOLVED
    assert task.unit == replacement
    assert "BX22 assigned by inspector insp" in task.outcome
    assert original.status == IncidentStatus.RESOURCED
    assert original.tag_names == ["DIVERT"]
    assert not _open_alerts(original, AlertKind.DIVERT_UNRESOURCED).exists()


def test_resolving_with_an_unavailable_unit_is_refused_and_the_task_stays_open(diverted):
    services.divert_review(actor=f.controller(), divert=diverted["divert"], decision="APPROVE")
    task = InspectorTask.objects.get()
    busy = f.unit()
    services.unit_set_status(actor=f.dispatcher(), unit=busy, status=UnitStatus.UNAVAILABLE)

    with pytest.raises(Conflict) as exc:
        services.inspector_task_resolve(actor=f.inspector(), task=task, unit=busy)

    assert exc.value.code == "unit_unavailable"
    task.refresh_from_db()
    assert task.status == InspectorTaskStatus.OPEN
    assert _open_alerts(diverted["original"], AlertKind.DIVERT_UNRESOURCED).exists()


def test_resolving_a_task_twice_is_refused(diverted):
    services.divert_review(actor=f.controller(), divert=diverted["divert"], decision="APPROVE")
    task = InspectorTask.objects.get()
    services.inspector_task_resolve(actor=f.inspector(), task=task, unit=f.unit())

    with pytest.raises(Conflict) as exc:
        services.inspector_task_resolve(actor=f.inspector(), task=task, unit=f.unit())

    assert exc.value.code == "already_resolved"


def test_a_dispatcher_resourcing_the_original_closes_the_inspector_task(diverted):
    services.divert_review(actor=f.controller(), divert=diverted["divert"], decision="APPROVE")

    services.unit_assign(
        actor=f.dispatcher(), unit=f.unit(call_sign="BX23"), incident=diverted["original"]
    )

    task = InspectorTask.objects.get()
    assert task.status == InspectorTaskStatus.RESOLVED
    assert task.outcome.startswith("Resourced: BX23")


def test_an_approved_divert_without_a_replacement_escalates_once(diverted, settings):
    settings.DIVERT_ESCALATE_MINUTES = 5
    approved_at = timezone.now()
    services.divert_review(
        actor=f.controller(), divert=diverted["divert"], decision="APPROVE", now=approved_at
    )

    early = services.diverts_escalate(now=approved_at + timedelta(minutes=4))
    first = services.diverts_escalate(now=approved_at + timedelta(minutes=5, seconds=1))
    again = services.diverts_escalate(now=approved_at + timedelta(minutes=6))

    assert (early, first, again) == (0, 1, 0)
    alerts = Alert.objects.filter(kind=AlertKind.ESCALATED, incident=diverted["original"])
    assert alerts.count() == 1
    assert alerts.get().subject == f"divert:{diverted['divert'].pk}"


def test_the_escalation_task_is_idempotent(diverted, settings):
    settings.DIVERT_ESCALATE_MINUTES = 0
    services.divert_review(actor=f.controller(), divert=diverted["divert"], decision="APPROVE")

    divert_escalation.apply()
    divert_escalation.apply()

    assert Alert.objects.filter(kind=AlertKind.ESCALATED).count() == 1


def test_a_replacement_after_escalation_settles_the_escalated_alert(diverted, settings):
    settings.DIVERT_ESCALATE_MINUTES = 0
    services.divert_review(actor=f.controller(), divert=diverted["divert"], decision="APPROVE")
    services.diverts_escalate(now=timezone.now() + timedelta(seconds=1))

    services.inspector_task_resolve(
        actor=f.inspector(), task=InspectorTask.objects.get(), unit=f.unit()
    )

    assert not Alert.objects.filter(kind=AlertKind.ESCALATED, status=AlertStatus.OPEN).exists()


# --- API --------------------------------------------------------------------------------------


def test_the_whole_divert_review_inspector_path_through_the_api(api):
    admin, disp, ctrl, insp = api("ADMIN"), api("DISPATCHER"), api("CONTROLLER"), api("INSPECTOR")
    u1 = admin.post("/api/v1/units/", {"call_sign": "BX21"}, format="json").json()["id"]
    u2 = admin.post("/api/v1/units/", {"call_sign": "BX22"}, format="json").json()["id"]
    original, target = f.incident(domestic_abuse=True), f.incident()
    assert (
        disp.post(
            f"/api/v1/incidents/{original.pk}/assign/", {"unit": u1}, format="json"
        ).status_code
        == 201
    )

    r = disp.post(
        f"/api/v1/units/{u1}/divert/",
        {"to_incident": target.pk, "reason": "Knife incident"},
        format="json",
    )
    assert r.status_code == 201
    divert = r.json()
    assert divert["status"] == "PENDING_REVIEW"
    assert (divert["from_incident"], divert["to_incident"], divert["unit"]) == (
        original.pk,
        target.pk,
        u1,
    )
    assert "DIVERT" in disp.get(f"/api/v1/incidents/{original.pk}/").json()["tags"]
    alerts = api("SUPERVISOR").get("/api/v1/alerts/?status=OPEN").json()["results"]
    assert ("DIVERT_UNRESOURCED", original.pk) in {(a["kind"], a["incident"]) for a in alerts}

    pending = ctrl.get("/api/v1/diverts/?status=PENDING_REVIEW").json()["results"]
    assert [d["id"] for d in pending] == [divert["id"]]
    r = ctrl.post(
        f"/api/v1/diverts/{divert['id']}/review/",
        {"decision": "APPROVE", "note": "Knife first"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "APPROVED"

    tasks = insp.get("/api/v1/inspector-tasks/?status=OPEN").json()["results"]
    assert len(tasks) == 1
    r = insp.post(
        f"/api/v1/inspector-tasks/{tasks[0]['id']}/resolve/",
        {"unit": u2, "note": "BX22 free"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "RESOLVED"

    body = disp.get(f"/api/v1/incidents/{original.pk}/").json()
    assert {a["unit"] for a in body["assignments"] if a["status"] == "ASSIGNED"} == {u2}
    assert "DIVERT" in body["tags"]


def test_divert_endpoint_409s_for_a_free_unit(api):
    r = api("DISPATCHER").post(
        f"/api/v1/units/{f.unit().pk}/divert/",
        {"to_incident": f.incident().pk, "reason": "x"},
        format="json",
    )

    assert r.status_code == 409
    assert r.json()["code"] == "unit_not_committed"


def test_divert_endpoint_needs_a_reason(api):
    unit = f.unit()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=f.incident())

    r = api("DISPATCHER").post(
        f"/api/v1/units/{unit.pk}/divert/", {"to_incident": f.incident().pk}, format="json"
    )

    assert r.status_code == 400


def test_only_a_controller_reviews(api, diverted):
    r = api("DISPATCHER").post(
        f"/api/v1/diverts/{diverted['divert'].pk}/review/", {"decision": "APPROVE"}, format="json"
    )

    assert r.status_code == 403


def test_review_with_an_unknown_decision_is_a_400(api, diverted):
    r = api("CONTROLLER").post(
        f"/api/v1/diverts/{diverted['divert'].pk}/review/", {"decision": "MAYBE"}, format="json"
    )

    assert r.status_code == 400


def test_reviewing_twice_through_the_api_is_a_409(api, diverted):
    ctrl = api("CONTROLLER")
    url = f"/api/v1/diverts/{diverted['divert'].pk}/review/"
    ctrl.post(url, {"decision": "APPROVE"}, format="json")

    r = ctrl.post(url, {"decision": "APPROVE"}, format="json")

    assert r.status_code == 409
    assert r.json()["code"] == "already_reviewed"


def test_only_an_inspector_resolves_tasks(api, diverted):
    services.divert_review(actor=f.controller(), divert=diverted["divert"], decision="APPROVE")
    task = InspectorTask.objects.get()

    r = api("DISPATCHER").post(
        f"/api/v1/inspector-tasks/{task.pk}/resolve/", {"unit": f.unit().pk}, format="json"
    )

    assert r.status_code == 403


def test_an_unknown_divert_status_filter_is_a_400(api):
    r = api("CONTROLLER").get("/api/v1/diverts/?status=LATER")

    assert r.status_code == 400


def test_a_divert_awaiting_review_escalates_once_while_the_original_has_no_unit(diverted, settings):
    settings.DIVERT_ESCALATE_MINUTES = 5
    requested_at = diverted["divert"].requested_at

    early = services.diverts_escalate(now=requested_at + timedelta(minutes=4))
    first = services.diverts_escalate(now=requested_at + timedelta(minutes=5, seconds=1))
    again = services.diverts_escalate(now=requested_at + timedelta(minutes=6))

    assert (early, first, again) == (0, 1, 0)
    alert = _open_alerts(diverted["original"], AlertKind.ESCALATED).get()
    assert "awaits review" in alert.message


def test_a_pending_divert_escalation_settles_when_the_original_gets_a_unit(diverted, settings):
    settings.DIVERT_ESCALATE_MINUTES = 5
    later = diverted["divert"].requested_at + timedelta(minutes=6)
    services.diverts_escalate(now=later)

    services.unit_assign(actor=f.dispatcher(), unit=f.unit(), incident=diverted["original"])

    assert not _open_alerts(diverted["original"], AlertKind.ESCALATED).exists()


def test_diverting_the_only_unit_at_scene_puts_the_incident_back_on_the_outstanding_list():
    unit, original, target = f.unit(), f.incident(), f.incident()
    actor = f.dispatcher()
    services.unit_assign(actor=actor, unit=unit, incident=original)
    services.unit_set_status(actor=actor, unit=unit, status=UnitStatus.AT_SCENE)

    services.unit_divert(actor=actor, unit=unit, to_incident=target, reason="Knife call")

    original.refresh_from_db()
    assert original.status == IncidentStatus.AT_SCENE
    assert original.pk in [i.pk for i in selectors.incidents_outstanding()]
    assert original.pk in [i.pk for i in selectors.incidents_outstanding(unresourced=True)]


def _divert_and_approve(n):
    actor, controller = f.dispatcher(), f.controller()
    for _ in range(n):
        unit, original, target = f.unit(), f.incident(), f.incident()
        services.unit_assign(actor=actor, unit=unit, incident=original)
        divert = services.unit_divert(actor=actor, unit=unit, to_incident=target, reason="knife")
        services.divert_review(actor=controller, divert=divert, decision="APPROVE")


def _queries(fn):
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def test_the_divert_list_and_the_inspector_queue_take_the_same_queries_for_one_or_many(api, client):
    reader = api("CONTROLLER")
    client.force_login(f.inspector())
    f.unit(), f.unit()  # available units to rank
    _divert_and_approve(1)
    one = (
        _queries(lambda: reader.get("/api/v1/diverts/")),
        _queries(lambda: client.get("/dispatch/inspector/")),
    )

    _divert_and_approve(3)
    many = (
        _queries(lambda: reader.get("/api/v1/diverts/")),
        _queries(lambda: client.get("/dispatch/inspector/")),
    )

    assert many == one


def test_the_review_service_refuses_anyone_but_a_controller(diverted):
    with pytest.raises(Forbidden) as exc:
        services.divert_review(actor=f.dispatcher(), divert=diverted["divert"], decision="APPROVE")

    assert exc.value.code == "not_controller"
    diverted["divert"].refresh_from_db()
    assert diverted["divert"].status == DivertStatus.PENDING_REVIEW


def test_the_resolve_service_refuses_anyone_but_an_inspector(diverted):
    services.divert_review(actor=f.controller(), divert=diverted["divert"], decision="APPROVE")
    task = InspectorTask.objects.get()

    with pytest.raises(Forbidden) as exc:
        services.inspector_task_resolve(actor=f.dispatcher(), task=task, unit=f.unit())

    assert exc.value.code == "not_inspector"
    task.refresh_from_db()
    assert task.status == InspectorTaskStatus.OPEN

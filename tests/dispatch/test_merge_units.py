"""When two incidents are merged, the units committed to the merged one move to the survivor with
their progress, so no crew drives to a closed incident and the survivor is not left unresourced."""

import pytest

from cad import services as cad_services
from cad.models import IncidentStatus
from core.audit import audit_trail
from dispatch import services
from dispatch.models import Assignment, AssignmentStatus, UnitStatus
from tests.dispatch import unit_factories as f

pytestmark = pytest.mark.django_db


def test_a_unit_en_route_to_the_merged_incident_moves_to_the_survivor():
    survivor = f.incident(grade="PRIORITY")
    merged = f.incident(grade="IMMEDIATE")
    unit = f.unit(call_sign="BX41")
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=merged)
    services.unit_set_status(actor=f.dispatcher(), unit=unit, status=UnitStatus.EN_ROUTE)

    cad_services.incident_merge(actor=f.dispatcher(), incident=merged, into=survivor)

    old = Assignment.objects.get(incident=merged)
    new = Assignment.objects.get(incident=survivor)
    assert old.status == AssignmentStatus.MOVED and old.ended_at is not None
    assert (new.unit_id, new.status) == (unit.pk, AssignmentStatus.EN_ROUTE)
    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert survivor.status == IncidentStatus.RESOURCED
    assert merged.status == IncidentStatus.CLOSED
    unit.refresh_from_db()
    assert unit.status == UnitStatus.EN_ROUTE
    assert any("BX41" in line for line in survivor.log_entries.values_list("text", flat=True))
    assert "unit.moved" in [e.action for e in audit_trail(survivor)]


def test_a_unit_at_scene_of_the_merged_incident_puts_the_survivor_at_scene():
    survivor = f.incident(grade="PRIORITY")
    merged = f.incident(grade="IMMEDIATE")
    unit = f.unit(call_sign="BX42")
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=merged)
    services.unit_set_status(actor=f.dispatcher(), unit=unit, status=UnitStatus.AT_SCENE)

    cad_services.incident_merge(actor=f.dispatcher(), incident=merged, into=survivor)

    survivor.refresh_from_db()
    assert survivor.status == IncidentStatus.AT_SCENE
    assert survivor.first_arrived_at is not None
    new = Assignment.objects.get(incident=survivor)
    assert new.status == AssignmentStatus.AT_SCENE and new.arrived_at is not None

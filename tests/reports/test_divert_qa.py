from datetime import timedelta

import pytest

from cad.exceptions import Forbidden, NotFound, ValidationFailed
from core.models import AuditEvent
from reports import presentation, services
from reports.models import DivertFinding
from reports.queries.diverts import divert_get
from reports.queries.timeline import incident_qa_timeline
from tests.factories import staff
from tests.reports import factories as f
from tests.reports.conftest import NOW, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def diverts():
    """D1: a DA Immediate call re-resourced 25 minutes later. D2: overridden after 10 minutes.
    D3: an Immediate call never re-resourced. D4: a Scheduled call another unit stayed on."""
    slow = f.incident(received_at=at(10, 10), domestic_abuse=True, arrived_after=40)
    d1 = f.divert(from_incident=slow, at=at(10, 10, 5))
    f.assignment(incident=slow, unit=f.unit(), at=at(10, 10, 30))

    overridden = f.incident(received_at=at(11, 9, 55), grade="PRIORITY", target_minutes=60)
    d2 = f.divert(from_incident=overridden, at=at(11, 10), status="OVERRIDDEN")
    f.assignment(incident=overridden, unit=d2.unit, at=at(11, 10, 10))

    never = f.incident(received_at=at(12, 3), closed_after=90)
    d3 = f.divert(from_incident=never, at=at(12, 3, 4))

    covered = f.incident(received_at=at(13, 15), grade="SCHEDULED", target_minutes=None)
    f.assignment(incident=covered, unit=f.unit(), at=at(13, 15, 1))
    d4 = f.divert(from_incident=covered, at=at(13, 15, 6), assigned_minutes_before=2)

    f.divert(from_incident=f.incident(received_at=at(20, 9, month=2)), at=at(20, 9, 5, month=2))
    return {"slow": d1, "overridden": d2, "never": d3, "covered": d4}


@pytest.fixture
def reviewer():
    return staff("QA_REVIEWER", username="quinn_qa")


def rows_by_divert(result):
    return {row["divert_id"]: row for row in result.table("diverts").rows}


def test_divert_outcomes_and_time_to_re_resource(diverts, march):
    result = presentation.report_diverts(march(), now=NOW)

    rows = rows_by_divert(result)
    assert set(rows) == {d.pk for d in diverts.values()}
    slow = rows[diverts["slow"].pk]
    assert (slow["outcome"], slow["minutes_to_resource"]) == ("RE_RESOURCED", 25.0)
    overridden = rows[diverts["overridden"].pk]
    assert (overridden["outcome"], overridden["minutes_to_resource"]) == ("OVERRIDDEN", 10.0)
    never = rows[diverts["never"].pk]
    assert (never["outcome"], never["minutes_to_resource"]) == ("NEVER_RE_RESOURCED", None)
    covered = rows[diverts["covered"].pk]
    assert (covered["outcome"], covered["minutes_to_resource"]) == ("RE_RESOURCED", 0.0)


def test_high_risk_diverts_left_waiting_are_suggested_for_urgent_review(diverts, march):
    result = presentation.report_diverts(march(), now=NOW)

    rows = rows_by_divert(result)
    assert rows[diverts["slow"].pk]["urgent"] is True
    assert "re-resourced after more than 15 min" in rows[diverts["slow"].pk]["urgent_reason"]
    assert rows[diverts["never"].pk]["urgent"] is True
    assert "never re-resourced" in rows[diverts["never"].pk]["urgent_reason"]
    assert rows[diverts["overridden"].pk]["urgent"] is False
    assert rows[diverts["covered"].pk]["urgent"] is False
    # Urgent and unreviewed come first.
    first_two = {row["divert_id"] for row in result.table("diverts").rows[:2]}
    assert first_two == {diverts["slow"].pk, diverts["never"].pk}


def test_reviewed_and_unreviewed_counts(diverts, march, reviewer):
    services.divert_finding_record(
        actor=reviewer, divert_id=diverts["overridden"].pk, outcome="APPROPRIATE", notes="", now=NOW
    )

    result = presentation.report_diverts(march(), now=NOW)

    assert result.summary_value("diverts") == 4
    assert result.summary_value("reviewed") == 1
    assert result.summary_value("unreviewed") == 3
    assert result.summary_value("urgent_unreviewed") == 2
    assert result.summary_value("never_re_resourced") == 1
    assert result.charts[0].series[0].values == [1, 2, 1]


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"outcome": "NEVER_RE_RESOURCED"}, ["never"]),
        ({"outcome": "OVERRIDDEN"}, ["overridden"]),
        ({"domestic_abuse": "true"}, ["slow"]),
        ({"grade": "SCHEDULED"}, ["covered"]),
        ({"urgent": "true"}, ["slow", "never"]),
    ],
)
def test_divert_list_filters(diverts, march, filters, expected):
    result = presentation.report_diverts(march(**filters), now=NOW)

    assert set(rows_by_divert(result)) == {diverts[name].pk for name in expected}


def test_reviewed_filter_narrows_rows_but_counts_show_both(diverts, march, reviewer):
    services.divert_finding_record(
        actor=reviewer, divert_id=diverts["slow"].pk, outcome="APPROPRIATE", notes="", now=NOW
    )

    result = presentation.report_diverts(march(reviewed="false"), now=NOW)

    assert diverts["slow"].pk not in rows_by_divert(result)
    assert result.table("diverts").total == 3
    assert result.summary_value("reviewed") == 1


def test_finding_is_recorded_and_audited_on_the_incident(diverts, reviewer):
    divert = diverts["never"]

    finding = services.divert_finding_record(
        actor=reviewer,
        divert_id=divert.pk,
        outcome="not_appropriate",
        notes="A DA Immediate call was left with no unit for 90 minutes.",
        now=NOW,
    )

    assert finding.outcome == "NOT_APPROPRIATE"
    event = AuditEvent.objects.get(
        object_type="cad.incident",
        object_id=str(divert.from_incident_id),
        action="divert.qa_finding",
    )
    assert event.actor == reviewer
    assert event.data["outcome"] == "NOT_APPROPRIATE"
    assert AuditEvent.objects.filter(
        object_type="reports.divertfinding", object_id=str(finding.pk)
    ).exists()


def test_a_later_finding_supersedes_and_both_are_kept(diverts, reviewer):
    divert = diverts["slow"]
    first = services.divert_finding_record(
        actor=reviewer, divert_id=divert.pk, outcome="APPROPRIATE", notes="", now=NOW
    )

    services.divert_finding_record(
        actor=reviewer,
        divert_id=divert.pk,
        outcome="LEARNING_IDENTIFIED",
        notes="Controller should have asked the inspector sooner.",
        now=NOW + timedelta(hours=1),
    )

    row = divert_get(divert.pk, now=NOW)
    assert row["finding"] == "LEARNING_IDENTIFIED"
    assert DivertFinding.objects.filter(divert=divert).count() == 2
    latest = AuditEvent.objects.filter(action="divert.qa_finding").order_by("-at").first()
    assert latest.data["supersedes"] == first.pk


def test_finding_other_than_appropriate_without_notes_is_refused(diverts, reviewer):
    with pytest.raises(ValidationFailed) as error:
        services.divert_finding_record(
            actor=reviewer, divert_id=diverts["slow"].pk, outcome="NOT_APPROPRIATE", notes=" "
        )

    assert error.value.code == "notes_required"
    assert not DivertFinding.objects.filter(divert=diverts["slow"]).exists()


def test_unknown_finding_is_refused(diverts, reviewer):
    with pytest.raises(ValidationFailed) as error:
        services.divert_finding_record(
            actor=reviewer, divert_id=diverts["slow"].pk, outcome="FINE", notes=""
        )

    assert error.value.code == "invalid_outcome"


def test_only_a_qa_reviewer_records_findings(diverts):
    with pytest.raises(Forbidden):
        services.divert_finding_record(
            actor=staff("SUPERVISOR"), divert_id=diverts["slow"].pk, outcome="APPROPRIATE", notes=""
        )


def test_finding_on_a_missing_divert_is_not_found(reviewer):
    with pytest.raises(NotFound):
        services.divert_finding_record(
            actor=reviewer, divert_id=999999, outcome="APPROPRIATE", notes=""
        )


def test_reviewer_can_clear_a_suggested_urgent_flag_with_a_reason(diverts, march, reviewer):
    services.divert_urgent_set(
        actor=reviewer,
        divert_id=diverts["slow"].pk,
        urgent=False,
        reason="Re-resourced by a double-crewed unit on arrival",
        now=NOW,
    )
    services.divert_urgent_set(
        actor=reviewer,
        divert_id=diverts["covered"].pk,
        urgent=True,
        reason="Complaint received",
        now=NOW,
    )

    rows = rows_by_divert(presentation.report_diverts(march(), now=NOW))

    assert rows[diverts["slow"].pk]["urgent"] is False
    assert rows[diverts["covered"].pk]["urgent"] is True
    assert rows[diverts["covered"].pk]["urgent_reason"] == "set by QA: Complaint received"


def test_urgent_flag_needs_a_reason(diverts, reviewer):
    with pytest.raises(ValidationFailed) as error:
        services.divert_urgent_set(
            actor=reviewer, divert_id=diverts["slow"].pk, urgent=True, reason=""
        )

    assert error.value.code == "reason_required"


def test_incident_timeline_merges_audit_and_log_with_its_diverts(diverts, reviewer):
    from cad.models import IncidentLogEntry

    incident = diverts["never"].from_incident
    IncidentLogEntry.objects.create(
        incident=incident, at=at(12, 3, 4), kind="SYSTEM", text="DIVERT: unit diverted"
    )
    services.divert_finding_record(
        actor=reviewer, divert_id=diverts["never"].pk, outcome="APPROPRIATE", notes="", now=NOW
    )

    detail = incident_qa_timeline(incident.pk, now=NOW)

    assert [d["divert_id"] for d in detail["diverts"]] == [diverts["never"].pk]
    assert [e["source"] for e in detail["timeline"]] == ["log", "audit"]
    assert detail["timeline"][1]["who"] == "quinn_qa"


def test_reports_never_change_data(diverts, march):
    from reports.registry import REPORTS

    before = AuditEvent.objects.count(), DivertFinding.objects.count()

    for definition in REPORTS.values():
        definition.build(march(allowed=definition.filters), now=NOW)

    assert (AuditEvent.objects.count(), DivertFinding.objects.count()) == before

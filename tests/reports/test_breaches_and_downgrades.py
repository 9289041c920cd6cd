import pytest

from reports import presentation
from tests.factories import staff
from tests.reports import factories as f
from tests.reports.conftest import NOW, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def breaches():
    supervisor = staff("SUPERVISOR", username="sam_supervisor")
    late = f.incident(received_at=at(10, 10, 30), arrived_after=30, domestic_abuse=True)
    f.divert(from_incident=late, at=at(10, 10, 35))
    f.breached_alert(incident=late, acknowledged_by=supervisor, acknowledged_at=at(10, 10, 47))
    never = f.incident(received_at=at(10, 14))
    f.breached_alert(incident=never)
    closed_late = f.incident(received_at=at(15, 8), closed_after=60)
    f.incident(received_at=at(10, 9), arrived_after=10)  # within target: not a breach
    f.incident(received_at=at(20, 11, 55))  # target still ahead: not a breach
    return {"late": late, "never": never, "closed_late": closed_late}


def test_every_breached_incident_is_listed_with_how_late(breaches, march):
    result = presentation.report_breaches(march(), now=NOW)

    rows = {row["incident_id"]: row for row in result.table("breaches").rows}
    assert set(rows) == {i.pk for i in breaches.values()}
    assert rows[breaches["late"].pk]["minutes_late"] == 15.0
    assert rows[breaches["closed_late"].pk]["minutes_late"] == 45.0
    # Never attended and still open: late until now (10 Mar 14:15 -> 20 Mar 12:00).
    assert rows[breaches["never"].pk]["minutes_late"] == (9 * 24 + 21) * 60 + 45
    assert rows[breaches["never"].pk]["state"] == "Not attended: still open"


def test_breach_shows_the_divert_before_it_and_who_acknowledged(breaches, march):
    result = presentation.report_breaches(march(), now=NOW)

    rows = {row["incident_id"]: row for row in result.table("breaches").rows}
    late = rows[breaches["late"].pk]
    assert late["divert_before"] is True
    assert late["acknowledged_by"] == "sam_supervisor"
    assert late["acknowledged_at"] == at(10, 10, 47)
    assert rows[breaches["never"].pk]["divert_before"] is False
    assert rows[breaches["never"].pk]["acknowledged_by"] == ""


def test_breach_summary_and_lateness_chart(breaches, march):
    result = presentation.report_breaches(march(), now=NOW)

    assert result.summary_value("breached") == 3
    assert result.summary_value("divert_before") == 1
    assert result.summary_value("unacknowledged") == 2
    assert result.summary_value("domestic_abuse") == 1
    assert result.summary_value("median_minutes_late") == 45.0
    assert result.charts[0].series[0].values == [1, 0, 1, 0, 1]


def test_breach_rows_are_paged_but_counted_in_full(breaches, march):
    result = presentation.report_breaches(march(), now=NOW, limit=2, offset=2)

    table = result.table("breaches")
    assert (table.total, len(table.rows), table.offset) == (3, 1, 2)


@pytest.fixture
def downgrades():
    handler = staff("CALL_HANDLER", username="ann_handler")
    supervisor = staff("SUPERVISOR", username="sam_supervisor")
    below_recommended = f.incident(
        received_at=at(5, 9),
        grade="PRIORITY",
        recommended_grade="IMMEDIATE",
        minimum_grade="PRIORITY",
    )
    f.grade_change(incident=below_recommended, at=at(5, 9), to_grade="IMMEDIATE")
    f.grade_change(
        incident=below_recommended,
        at=at(5, 9, 2),
        from_grade="IMMEDIATE",
        to_grade="PRIORITY",
        by=handler,
        reason="Suspect has left",
    )
    da = f.incident(
        received_at=at(6, 22),
        grade="PRIORITY",
        recommended_grade="IMMEDIATE",
        minimum_grade="IMMEDIATE",
        domestic_abuse=True,
    )
    f.grade_change(
        incident=da,
        at=at(6, 22, 10),
        from_grade="IMMEDIATE",
        to_grade="PRIORITY",
        by=handler,
        approved_by=supervisor,
        reason="Officers already with her",
    )
    refused = f.incident(received_at=at(7, 12), grade="PRIORITY", minimum_grade="PRIORITY")
    f.grade_request(
        incident=refused,
        at=at(7, 12, 5),
        to_grade="SCHEDULED",
        status="REFUSED",
        by=handler,
        decided_by=supervisor,
        note="Marker at the address",
    )
    outside = f.incident(
        received_at=at(20, 9, month=2), grade="SCHEDULED", recommended_grade="IMMEDIATE"
    )
    f.grade_change(incident=outside, at=at(20, 9, month=2), to_grade="SCHEDULED", by=handler)
    return {"below_recommended": below_recommended, "da": da, "refused": refused}


def test_downgrades_list_who_why_and_the_supervisor_decision(downgrades, march):
    result = presentation.report_downgrades(march(), now=NOW)

    rows = {row["incident_id"]: row for row in result.table("downgrades").rows}
    assert set(rows) == {i.pk for i in downgrades.values()}
    plain = rows[downgrades["below_recommended"].pk]
    assert (plain["below"], plain["by"], plain["reason"]) == (
        "Recommended",
        "ann_handler",
        "Suspect has left",
    )
    assert plain["supervisor_decision"] == "No sign-off required"
    signed = rows[downgrades["da"].pk]
    assert (signed["below"], signed["supervisor_decision"]) == (
        "Minimum",
        "Signed off by sam_supervisor",
    )
    refused = rows[downgrades["refused"].pk]
    assert refused["applied"] is False
    assert refused["supervisor_decision"] == "Refused by sam_supervisor: Marker at the address"


def test_downgrade_summary_and_da_calls_below_immediate(downgrades, march):
    result = presentation.report_downgrades(march(), now=NOW)

    assert result.summary_value("downgrades") == 2
    assert result.summary_value("below_minimum") == 1
    assert result.summary_value("signed_off") == 1
    assert result.summary_value("refused") == 1
    assert result.summary_value("da_below_immediate") == 1
    da_row = result.table("da_below_immediate").rows[0]
    assert da_row["incident_id"] == downgrades["da"].pk
    assert da_row["signed_off_by"] == "sam_supervisor"
    assert da_row["reason"] == "Officers already with her"


def test_downgrade_chart_splits_below_minimum_from_below_recommended(downgrades, march):
    result = presentation.report_downgrades(march(), now=NOW)

    below_minimum, below_recommended = result.charts[0].series
    assert below_minimum.values == [0, 1, 0, 0]
    assert below_recommended.values == [0, 1, 0, 0]


def test_downgrade_domestic_abuse_filter(downgrades, march):
    result = presentation.report_downgrades(march(domestic_abuse="true"), now=NOW)

    assert [r["incident_id"] for r in result.table("downgrades").rows] == [downgrades["da"].pk]


def test_a_supervisors_own_downgrade_is_listed_for_qa_as_self_approved(downgrades, march):
    boss = staff("SUPERVISOR", username="sue_supervisor")
    own = f.incident(
        received_at=at(8, 23),
        grade="PRIORITY",
        recommended_grade="IMMEDIATE",
        minimum_grade="IMMEDIATE",
        domestic_abuse=True,
    )
    f.grade_change(
        incident=own,
        at=at(8, 23, 4),
        from_grade="IMMEDIATE",
        to_grade="PRIORITY",
        by=boss,
        approved_by=boss,
        reason="Caller rang back: the ex-partner left two hours ago",
    )

    result = presentation.report_downgrades(march(), now=NOW)

    rows = {row["incident_id"]: row for row in result.table("downgrades").rows}
    assert rows[own.pk]["self_approved"] is True
    assert rows[own.pk]["supervisor_decision"].startswith("Self-approved by sue_supervisor")
    assert rows[downgrades["da"].pk]["self_approved"] is False
    assert result.summary_value("self_approved") == 1

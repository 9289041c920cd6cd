import pytest

from reports import presentation
from tests.factories import staff
from tests.reports import factories as f
from tests.reports.conftest import NOW, at

pytestmark = pytest.mark.django_db


def by(table, key, value):
    return next(row for row in table.rows if row[key] == value)


# --- Contact demand --------------------------------------------------------------------------


def test_contact_demand_by_channel_and_hour(march):
    for day in (3, 4, 5):
        f.contact(received_at=at(day, 10, 15), channel="999")
    f.contact(received_at=at(6, 10, 40), channel="SWITCHBOARD")
    f.contact(received_at=at(6, 14), channel="101")
    f.contact(received_at=at(25, 10, month=2), channel="999")  # before the range

    result = presentation.report_contacts(march(), now=NOW)

    ten = by(result.table("by_hour"), "hour", "10:00")
    assert (ten["999"], ten["SWITCHBOARD"], ten["101"], ten["total"]) == (3, 1, 0, 4)
    assert by(result.table("by_hour"), "hour", "14:00")["total"] == 1
    assert by(result.table("by_channel"), "channel", "999")["share_percent"] == 60.0
    assert result.summary_value("contacts") == 5
    assert result.summary_value("peak_hour") == "10:00"
    assert result.charts[0].stacked


def test_channel_filter_narrows_demand(march):
    f.contact(received_at=at(3, 10), channel="999")
    f.contact(received_at=at(3, 11), channel="101")

    result = presentation.report_contacts(march(channel="101"), now=NOW)

    assert result.summary_value("contacts") == 1
    assert [c.key for c in result.table("by_hour").columns] == ["hour", "101", "total"]


def test_repeat_contacts_need_three_within_thirty_days(march):
    repeat = "+447700900001"
    # 25 Feb (before the range, inside the 30-day window), 5 and 15 March: a repeat.
    for day, month in ((25, 2), (5, 3), (15, 3)):
        f.contact(received_at=at(day, 9, month=month), phone=repeat, channel="101")
    # Three contacts, but never three inside 30 days: not a repeat.
    spread = "+447700900002"
    for day, month in ((5, 2), (1, 3), (19, 3)):
        f.contact(received_at=at(day, 9, month=month), phone=spread)
    # Twice only: not a repeat.
    f.contact(received_at=at(1, 9), phone="+447700900003")
    f.contact(received_at=at(2, 9), phone="+447700900003")
    # Three calls from one address on three channels, one of them DA.
    da_incident = f.incident(received_at=at(8, 20), domestic_abuse=True, arrived_after=5)
    for day, channel in ((7, "999"), (8, "999"), (9, "SWITCHBOARD")):
        f.contact(
            received_at=at(day, 20),
            channel=channel,
            address="12 Acacia Avenue",
            incident=da_incident if day == 8 else None,
        )

    result = presentation.report_contacts(march(), now=NOW)

    rows = result.table("repeats").rows
    assert [(r["kind"], r["key"]) for r in rows] == [
        ("ADDRESS", "12 ACACIA AVENUE"),
        ("NUMBER", repeat),
    ]
    number = by(result.table("repeats"), "key", repeat)
    assert (number["contacts_in_range"], number["most_in_30_days"]) == (2, 3)
    address = by(result.table("repeats"), "kind", "ADDRESS")
    assert address["channels"] == "999, SWITCHBOARD"
    assert (address["incidents"], address["domestic_abuse"]) == (1, True)
    assert result.summary_value("repeat_numbers") == 1
    assert result.summary_value("repeat_addresses") == 1


# --- Marker compliance -----------------------------------------------------------------------


@pytest.fixture
def markers():
    made = {
        "in_time": f.marker(starts_at=at(2, 9)),
        "late_start": f.marker(starts_at=at(5, 9)),
        "no_start": f.marker(starts_at=at(6, 9)),
        "too_recent": f.marker(starts_at=at(19, 9)),
        "withdrawn": f.marker(
            starts_at=at(1, 9, month=1),
            status="WITHDRAWN",
            withdrawn_at=at(12, 16),
            withdrawal_reason="Victim moved out of the area",
        ),
        "expired_unreviewed": f.marker(
            starts_at=at(15, 9, month=1), expires_at=at(15, 9), status="EXPIRED"
        ),
        "expired_reviewed": f.marker(
            starts_at=at(16, 9, month=1), expires_at=at(16, 9), status="EXPIRED"
        ),
        "extended": f.marker(starts_at=at(10, 9, month=1), expires_at=at(10, 9, month=6)),
    }
    f.victim_contact(marker=made["in_time"], purpose="START", at=at(3, 9))
    f.victim_contact(marker=made["late_start"], purpose="START", at=at(10, 9))
    f.victim_contact(
        marker=made["withdrawn"], purpose="WITHDRAWAL", at=at(12, 15), outcome="NO_ANSWER"
    )
    f.victim_contact(marker=made["expired_reviewed"], purpose="REVIEW", at=at(1, 9))
    f.victim_contact(marker=made["extended"], purpose="EXTENSION", at=at(7, 9))
    f.marker_extended_event(marker=made["extended"], at=at(8, 10), to=at(10, 9, month=6))
    return made


def test_marker_compliance_rows_name_each_problem(markers, march):
    result = presentation.report_markers(march(), now=NOW)

    rows = {(row["issue"], row["marker_id"]) for row in result.table("markers").rows}
    assert rows == {
        ("NO_START_CONTACT", markers["late_start"].pk),
        ("NO_START_CONTACT", markers["no_start"].pk),
        ("WITHDRAWN", markers["withdrawn"].pk),
        ("EXTENDED", markers["extended"].pk),
        ("EXPIRED_WITHOUT_REVIEW", markers["expired_unreviewed"].pk),
    }
    withdrawn = by(result.table("markers"), "issue", "WITHDRAWN")
    assert withdrawn["victim_told"] is False
    assert "No answer" in withdrawn["detail"]
    assert by(result.table("markers"), "issue", "EXTENDED")["victim_told"] is True


def test_marker_compliance_summary(markers, march):
    result = presentation.report_markers(march(), now=NOW)

    assert result.summary_value("started") == 4
    # One of three in time; the marker started yesterday is not yet due.
    assert result.summary_value("start_in_time_percent") == 33.3
    assert result.summary_value("no_start_contact") == 2
    assert result.summary_value("withdrawn_not_told") == 1
    assert result.summary_value("extended") == 1
    assert result.summary_value("expired") == 2
    assert result.summary_value("expired_without_review") == 1


def test_marker_grade_floor_filter(markers, march):
    f.marker(starts_at=at(4, 9), grade_floor="PRIORITY")

    result = presentation.report_markers(march(grade="PRIORITY"), now=NOW)

    assert result.summary_value("started") == 1
    assert result.summary_value("no_start_contact") == 1


# --- Staffing gaps ---------------------------------------------------------------------------


@pytest.fixture
def day_shift():
    shift = f.shift(starts_at=at(10, 7), requirements={"SUPPORT_OPERATOR": 2, "CALL_HANDLER": 1})
    f.sign_on(shift=shift, role="SUPPORT_OPERATOR", on=at(10, 7), off=at(10, 19))
    f.sign_on(shift=shift, role="SUPPORT_OPERATOR", on=at(10, 9), off=at(10, 17))
    f.sign_on(shift=shift, role="CALL_HANDLER", on=at(10, 6, 55))
    from monitoring.models import Alert

    Alert.objects.create(
        kind="STAFFING_GAP",
        subject=f"shift:{shift.pk}:SUPPORT_OPERATOR",
        threshold_at=at(10, 7),
        raised_at=at(10, 7),
        acknowledged_at=at(10, 7, 5),
        acknowledged_by=staff("SUPERVISOR", username="sam_supervisor"),
        status="ACKNOWLEDGED",
    )
    f.shift(starts_at=at(21, 7), requirements={"SUPPORT_OPERATOR": 2})  # tomorrow
    return shift


def test_staffing_gap_minutes_by_shift_and_role(day_shift, march):
    result = presentation.report_staffing(march(), now=NOW)

    (row,) = result.table("gaps").rows
    assert (row["shift_id"], row["role"], row["minimum"]) == (
        day_shift.pk,
        "SUPPORT_OPERATOR",
        2,
    )
    assert (row["gap_minutes"], row["lowest_on"], row["most_on"]) == (240.0, 1, 2)
    assert (row["alerts_raised"], row["acknowledged_by"]) == (1, "sam_supervisor")
    assert result.summary_value("shifts") == 1
    assert result.summary_value("requirements_checked") == 2
    assert result.summary_value("gap_hours") == 4.0
    assert result.summary_value("gaps_without_alert") == 0


def test_staffing_role_filter(day_shift, march):
    result = presentation.report_staffing(march(role="CALL_HANDLER"), now=NOW)

    assert result.table("gaps").rows == []
    assert result.summary_value("requirements_checked") == 1

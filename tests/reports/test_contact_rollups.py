"""Contacts pre-aggregated per day (cad.ContactDemandHour, cad.ContactKeyDay): the contact-demand
and repeat-contact reports read from them equal the same reports computed from the contacts
themselves, across Europe/London midnights and clock changes, with contacts recorded through
the contact service (at times set with time-machine), recorded late, or backfilled."""

import io
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from cad import services
from cad.models import Contact, ContactDemandHour, ContactKeyDay
from reports.filters import parse_filters
from reports.queries.contacts import (
    REPEAT_CONTACT_DAYS,
    REPEAT_CONTACT_MINIMUM,
    REPEAT_KEYS,
    _most_in_a_window,
    _repeat_row,
    contact_demand,
    repeat_contacts,
)
from tests.cad.factories import call_handler

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
# 2026: the clocks go forward on 29 March (01:00 GMT -> 02:00 BST) and back on 25 October
# (02:00 BST -> 01:00 GMT).
SPRING, AUTUMN = date(2026, 3, 29), date(2026, 10, 25)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def record(at: datetime, *, channel="101", phone="", address="", handler=None):
    """A contact through the service, with the clock at `at`."""
    with time_machine.travel(at, tick=False):
        return services.contact_create(
            actor=handler or call_handler(),
            channel=channel,
            caller_phone=phone,
            address=address,
            summary="Calling again",
        )


def filters(date_from: str, date_to: str, **extra):
    params = {"date_from": date_from, "date_to": date_to, **extra}
    return parse_filters(params, allowed=tuple(params), today=date(2026, 12, 31), report="test")


# --- The same reports from the contacts themselves (the oracle) -------------------------------


def raw_demand(f) -> dict:
    """{(hour, channel): (contacts, with_incident)} over the contacts, in Python."""
    cells = defaultdict(lambda: [0, 0])
    for contact in Contact.objects.filter(received_at__gte=f.start_at, received_at__lt=f.end_at):
        if f.channel and contact.channel != f.channel:
            continue
        cell = cells[(contact.received_at.astimezone(LONDON).hour, contact.channel)]
        cell[0] += 1
        cell[1] += contact.incident_id is not None
    return {key: tuple(value) for key, value in cells.items()}


def rolled_up_demand(f) -> dict:
    demand = contact_demand(f)
    cells = {}
    for row in demand.by_hour:
        for channel in demand.channels:
            if row[channel]:
                cells[(int(row["hour"][:2]), channel)] = row[channel]
    with_incident = {r["channel"]: r["with_incident"] for r in demand.by_channel}
    raw = raw_demand(f)
    for channel in demand.channels:
        assert with_incident[channel] == sum(v[1] for (_, c), v in raw.items() if c == channel)
    assert demand.total == sum(v[0] for v in raw.values())
    return cells


def raw_repeats(f) -> list[dict]:
    """Every number and address, every contact: the 30-day windows slid in Python."""
    start = f.start_at - timedelta(days=REPEAT_CONTACT_DAYS)
    contacts = list(
        Contact.objects.filter(received_at__gte=start, received_at__lt=f.end_at)
        .select_related("incident")
        .order_by("received_at", "id")
    )
    found = []
    for kind, field in REPEAT_KEYS:
        by_key = defaultdict(list)
        for c in contacts:
            if getattr(c, field) and (not f.channel or c.channel == f.channel):
                da = c.incident.domestic_abuse if c.incident else None
                by_key[getattr(c, field)].append((c.received_at, c.channel, c.incident_id, da))
        for key, items in by_key.items():
            most = _most_in_a_window([item[0] for item in items], f.start_at)
            if most >= REPEAT_CONTACT_MINIMUM:
                found.append(_repeat_row(kind, key, items, most, f.start_at))
    found.sort(key=lambda r: (-r["most_in_30_days"], -r["contacts_in_range"], r["kind"], r["key"]))
    return found


def assert_reports_equal_raw(f):
    assert rolled_up_demand(f) == {k: v[0] for k, v in raw_demand(f).items()}
    assert repeat_contacts(f) == raw_repeats(f)


def table_rows():
    return (
        sorted(
            ContactDemandHour.objects.values_list(
                "day", "hour", "channel", "contacts", "with_incident"
            )
        ),
        sorted(
            ContactKeyDay.objects.values_list("kind", "key", "day", "contacts", "prior_31_days")
        ),
    )


# --- Tests ---------------------------------------------------------------------------------------


def test_each_contact_is_counted_in_its_london_day_hour_and_channel_in_its_transaction():
    record(utc(2026, 7, 1, 23, 30), channel="999", phone="07700 900001")  # 00:30 BST, 2 July
    record(utc(2026, 7, 2, 0, 10), channel="999", phone="07700 900001")  # 01:10 BST, 2 July
    record(utc(2026, 12, 1, 23, 30), channel="101", address="4 Mill Lane")  # 23:30 GMT, 1 Dec

    assert sorted(ContactDemandHour.objects.values_list("day", "hour", "channel", "contacts")) == [
        (date(2026, 7, 2), 0, "999", 1),
        (date(2026, 7, 2), 1, "999", 1),
        (date(2026, 12, 1), 23, "101", 1),
    ]
    assert sorted(ContactKeyDay.objects.values_list("kind", "key", "day", "contacts")) == [
        ("ADDRESS", "4 mill lane", date(2026, 12, 1), 1),
        ("NUMBER", "+447700900001", date(2026, 7, 2), 2),
    ]


def test_demand_over_the_spring_and_autumn_clock_changes_equals_the_raw_report():
    handler = call_handler()
    times = [
        utc(2026, 3, 28, 23, 59),  # 23:59 GMT on the 28th
        utc(2026, 3, 29, 0, 30),  # 00:30 GMT on the change day
        utc(2026, 3, 29, 1, 0),  # 02:00 BST: 01:00 never happens
        utc(2026, 3, 29, 23, 30),  # 00:30 BST on the 30th
        utc(2026, 10, 24, 23, 30),  # 00:30 BST on the 25th
        utc(2026, 10, 25, 0, 30),  # 01:30 BST
        utc(2026, 10, 25, 1, 30),  # 01:30 GMT: the second 01:00 hour
        utc(2026, 10, 25, 23, 59),  # 23:59 GMT on the 25th
        utc(2026, 10, 26, 0, 0),  # midnight GMT: the 26th
    ]
    for n, at in enumerate(times):
        record(at, channel=["999", "101", "ONLINE"][n % 3], handler=handler)

    for f in [
        filters("2026-03-29", "2026-03-29"),
        filters("2026-03-28", "2026-03-30"),
        filters("2026-10-25", "2026-10-25"),
        filters("2026-10-25", "2026-10-25", channel="999"),
        filters("2026-01-01", "2026-12-31"),
    ]:
        assert_reports_equal_raw(f)
    autumn = contact_demand(filters("2026-10-25", "2026-10-25"))
    assert next(r for r in autumn.by_hour if r["hour"] == "01:00")["total"] == 2


def test_repeats_from_the_key_days_equal_the_raw_report_across_midnights_and_clock_changes():
    handler = call_handler()
    number, address = "07700 900002", "9 Dock Street"
    # Three calls within 30 days, the first two across the spring change.
    for at in [utc(2026, 3, 10, 23, 30), utc(2026, 3, 29, 0, 30), utc(2026, 4, 8, 23, 15)]:
        record(at, phone=number, handler=handler)
    # Three calls, never three within 30 days.
    for at in [utc(2026, 5, 1, 12), utc(2026, 5, 25, 12), utc(2026, 6, 20, 12)]:
        record(at, address=address, handler=handler)
    # One number once: never a candidate.
    record(utc(2026, 4, 1, 12), phone="07700 900003", handler=handler)

    for f in [
        filters("2026-04-01", "2026-04-30"),
        filters("2026-04-09", "2026-04-09"),  # 00:15 BST on the 9th is the third call
        filters("2026-04-08", "2026-04-08"),
        filters("2026-05-01", "2026-06-30"),
        filters("2026-01-01", "2026-12-31"),
        filters("2026-01-01", "2026-12-31", channel="101"),
    ]:
        assert_reports_equal_raw(f)
    (row,) = repeat_contacts(filters("2026-04-09", "2026-04-09"))
    assert (row["key"], row["contacts_in_range"], row["most_in_30_days"]) == (
        "+447700900002",
        1,
        3,
    )


def test_thirty_days_before_a_contact_can_be_the_31st_london_day_before_it():
    # 00:30 BST on 1 April is 23:30 UTC on 31 March; thirty days (720 hours) before it is
    # 23:30 GMT on 1 March, the 31st London day before. A call at 23:45 GMT on 1 March is
    # inside that window (and read: the range starts on 31 March, so its 30 days before start
    # on 1 March).
    handler = call_handler()
    for at in [utc(2026, 3, 1, 23, 45), utc(2026, 3, 15, 12), utc(2026, 3, 31, 23, 30)]:
        record(at, phone="07700 900004", handler=handler)

    f = filters("2026-03-31", "2026-04-01")
    assert_reports_equal_raw(f)
    (row,) = repeat_contacts(f)
    assert row["most_in_30_days"] == 3


def test_a_contact_recorded_with_an_earlier_time_counts_in_the_days_after_it():
    handler = call_handler()
    record(utc(2026, 6, 10, 9), phone="07700 900005", handler=handler)
    record(utc(2026, 6, 20, 9), phone="07700 900005", handler=handler)
    assert repeat_contacts(filters("2026-06-01", "2026-06-30")) == []

    # Recorded now, about a call received earlier (the service takes its time).
    services.contact_create(
        actor=handler,
        channel="101",
        caller_phone="07700 900005",
        summary="Logged late",
        now=utc(2026, 6, 1, 9),
    )

    f = filters("2026-06-01", "2026-06-30")
    assert_reports_equal_raw(f)
    assert [r["most_in_30_days"] for r in repeat_contacts(f)] == [3]
    assert ContactKeyDay.objects.get(day=date(2026, 6, 20)).prior_31_days == 2


def test_the_backfill_rebuilds_exactly_what_the_service_maintained():
    handler = call_handler()
    for n, at in enumerate(
        [
            utc(2026, 3, 28, 23, 30),
            utc(2026, 3, 29, 1, 30),
            utc(2026, 4, 2, 8),
            utc(2026, 10, 25, 1, 15),
            utc(2026, 10, 25, 0, 45),
        ]
    ):
        record(at, phone="07700 900006", address=f"{n % 2} Quay Road", handler=handler)
    maintained = table_rows()

    ContactDemandHour.objects.all().delete()
    ContactKeyDay.objects.all().delete()
    out = io.StringIO()
    call_command("backfill_contact_rollups", stdout=out)

    assert table_rows() == maintained
    assert "Counted 5 contact(s)" in out.getvalue()
    call_command("backfill_contact_rollups", stdout=out)
    assert table_rows() == maintained  # idempotent


def test_a_contacts_counts_go_to_the_database_in_one_round_trip():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record(utc(2026, 7, 3, 9, 0), phone="07700 900001", address="4 Mill Lane")
    with CaptureQueriesContext(connection) as captured:
        record(utc(2026, 7, 2, 9, 0), phone="07700 900001", address="4 Mill Lane")
    rollups = [q["sql"] for q in captured.captured_queries if "contactkeyday" in q["sql"]]
    assert len(rollups) == 1
    assert "pg_advisory_xact_lock" in rollups[0] and "contactdemandhour" in rollups[0]
    # The earlier contact counted in its day, and in the later day's 31 days before it.
    assert sorted(
        ContactKeyDay.objects.values_list("kind", "day", "contacts", "prior_31_days")
    ) == [
        ("ADDRESS", date(2026, 7, 2), 1, 0),
        ("ADDRESS", date(2026, 7, 3), 1, 1),
        ("NUMBER", date(2026, 7, 2), 1, 0),
        ("NUMBER", date(2026, 7, 3), 1, 1),
    ]

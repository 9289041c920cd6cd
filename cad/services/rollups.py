"""Contacts pre-aggregated per Europe/London day, for the reports over a year: per hour and
channel (`ContactDemandHour`, the contact-demand report) and per key, a number or a normalised
address (`ContactKeyDay`, the repeat-contact report).

Maintained by the service that records contacts, in the same transaction (`contact_rollup_add`,
called by `contacts._contact_insert`): a contact and its counts commit together or not at all,
so the pre-aggregated report is exact at every moment, today included. Contacts are never
edited or deleted, and a merge only moves a contact to another incident, so nothing else
changes a count. `contact_rollups_rebuild` (`manage.py backfill_contact_rollups`) recomputes
both tables from the contacts, for contacts loaded without the service (before this existed,
or in bulk).

Days and hours are Europe/London (DESIGN.md: store UTC, show Europe/London): a report's range
is whole London days, so its contacts are exactly the rows of those days. The autumn clock
change has two 01:00 hours, counted together as 01 as the raw report does.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import ExtractHour, TruncDate

from cad.models import Contact, ContactDemandHour, ContactKeyDay

LONDON = ZoneInfo("Europe/London")
# How far back `prior_31_days` looks (see ContactKeyDay).
PRIOR_DAYS = 31
# The contact field behind each kind of key.
KEY_FIELDS = (
    (ContactKeyDay.Kind.NUMBER, "caller_phone"),
    (ContactKeyDay.Kind.ADDRESS, "address_normalised"),
)


def contact_keys(contact: Contact) -> list[tuple[str, str]]:
    """The (kind, key) a contact counts under: its number and its normalised address, when
    given."""
    return [(kind, getattr(contact, name)) for kind, name in KEY_FIELDS if getattr(contact, name)]


def contact_rollup_add(contact: Contact) -> None:
    """Count one newly recorded contact: one upsert of its hour, and for its number and its
    address one upsert of the key's day plus one update of the key's next 31 days (nonzero only
    when a contact is recorded with an earlier time than the key's latest). Call inside the
    transaction that inserted the contact.

    On PostgreSQL the keys are locked (transaction-level advisory locks, in a fixed order) so
    that two contacts of one key on different days cannot each miss the other's count; there
    the statements go to the database together, in one round trip, in the same order."""
    local = contact.received_at.astimezone(LONDON)
    day, table = local.date(), connection.ops.quote_name
    as_date = connection.ops.adapt_datefield_value
    demand = table(ContactDemandHour._meta.db_table)
    statements = [
        (
            f"INSERT INTO {demand} (day, hour, channel, contacts, with_incident) "
            "VALUES (%s, %s, %s, 1, %s) ON CONFLICT (day, hour, channel) DO UPDATE SET "
            f"contacts = {demand}.contacts + 1, "
            f"with_incident = {demand}.with_incident + EXCLUDED.with_incident",
            [as_date(day), local.hour, contact.channel, 1 if contact.incident_id else 0],
        )
    ]
    keys = contact_keys(contact)
    if keys:
        statements += _key_day_statements(keys, day)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "; ".join(sql for sql, _ in statements),
                [param for _, params in statements for param in params],
            )
        else:
            for sql, params in statements:
                cursor.execute(sql, params)


def _key_day_statements(keys: list[tuple[str, str]], day: date) -> list[tuple[str, list]]:
    """The statements that count a contact under its keys on `day`, as (sql, params): the keys'
    advisory locks (PostgreSQL), the update of their next 31 days, the upsert of their day."""
    table, as_date = connection.ops.quote_name, connection.ops.adapt_datefield_value
    rows = table(ContactKeyDay._meta.db_table)
    statements = []
    if connection.vendor == "postgresql":
        statements.append(
            (
                "SELECT pg_advisory_xact_lock(h) FROM (SELECT hashtextextended(k, 0) AS h "
                f"FROM (VALUES {', '.join(['(%s)'] * len(keys))}) AS v(k) ORDER BY 1) AS o",
                [f"contact-key:{kind}:{key}" for kind, key in keys],
            )
        )
    later = " OR ".join(["(kind = %s AND key = %s)"] * len(keys))
    statements.append(
        (
            f"UPDATE {rows} SET prior_31_days = prior_31_days + 1 "  # noqa: S608 (names only)
            f"WHERE ({later}) AND day > %s AND day <= %s",
            [
                *(value for kind_key in keys for value in kind_key),
                as_date(day),
                as_date(day + timedelta(days=PRIOR_DAYS)),
            ],
        )
    )
    values = " UNION ALL ".join(
        [
            "SELECT %s, %s, %s, 1, (SELECT COALESCE(SUM(p.contacts), 0) FROM "
            f"{rows} AS p WHERE p.kind = %s AND p.key = %s AND p.day >= %s AND p.day < %s)"
        ]
        * len(keys)
    )
    params = []
    for kind, key in keys:
        params += [
            *(kind, key, as_date(day)),
            *(kind, key, as_date(day - timedelta(days=PRIOR_DAYS)), as_date(day)),
        ]
    # "WHERE true": SQLite needs it to read ON CONFLICT after INSERT ... SELECT.
    statements.append(
        (
            f"INSERT INTO {rows} (kind, key, day, contacts, prior_31_days) "
            f"SELECT * FROM ({values}) AS v WHERE true "
            f"ON CONFLICT (kind, key, day) DO UPDATE SET contacts = {rows}.contacts + 1",
            params,
        )
    )
    return statements


def contact_rollups_rebuild() -> dict[str, int]:
    """Recompute both tables from every contact (the backfill), in one transaction that blocks
    new contacts meanwhile (PostgreSQL: a SHARE lock on the contacts). Idempotent. Returns
    {"contacts", "hours", "key_days"}: how many contacts were counted and rows written."""
    tz = LONDON
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {connection.ops.quote_name(Contact._meta.db_table)} IN SHARE MODE"
                )
        ContactDemandHour.objects.all().delete()
        ContactKeyDay.objects.all().delete()
        local = Contact.objects.annotate(
            local_day=TruncDate("received_at", tzinfo=tz),
            local_hour=ExtractHour("received_at", tzinfo=tz),
        )
        hours = [
            ContactDemandHour(
                day=row["local_day"],
                hour=row["local_hour"],
                channel=row["channel"],
                contacts=row["n"],
                with_incident=row["with_incident"],
            )
            for row in local.values("local_day", "local_hour", "channel")
            .annotate(n=Count("id"), with_incident=Count("incident_id"))
            .order_by()
        ]
        ContactDemandHour.objects.bulk_create(hours, batch_size=5000)
        key_days = 0
        for kind, field in KEY_FIELDS:
            per_key = defaultdict(dict)
            for key, day, n in (
                local.exclude(**{field: ""})
                .values_list(field, "local_day")
                .annotate(n=Count("id"))
                .order_by()
                .iterator(chunk_size=20_000)
            ):
                per_key[key][day] = n
            rows = [
                ContactKeyDay(kind=kind, key=key, day=day, contacts=n, prior_31_days=prior)
                for key, days in per_key.items()
                for day, n, prior in _with_prior(days)
            ]
            ContactKeyDay.objects.bulk_create(rows, batch_size=5000)
            key_days += len(rows)
        return {"contacts": Contact.objects.count(), "hours": len(hours), "key_days": key_days}


def _with_prior(days: dict[date, int]):
    """(day, contacts, contacts on the PRIOR_DAYS days before) for one key's days."""
    ordered = sorted(days)
    first, running = 0, 0
    for day in ordered:
        while ordered[first] < day - timedelta(days=PRIOR_DAYS):
            running -= days[ordered[first]]
            first += 1
        yield day, days[day], running
        running += days[day]

"""Contact demand (contacts by channel and hour of day, Europe/London) and repeat contacts: the
same number or address 3 or more times within 30 days."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractHour

from cad.models import MAY_REPEAT, Channel, Contact, ContactDemandHour, ContactKeyDay
from reports.filters import ReportFilters
from reports.formatting import LONDON
from reports.queries.common import HOURS, incident_filter_q, percent

REPEAT_CONTACT_DAYS = 30
REPEAT_CONTACT_MINIMUM = 3
# What a repeat is keyed by, and the contact field that holds it.
REPEAT_KEYS = (("NUMBER", "caller_phone"), ("ADDRESS", "address_normalised"))


@dataclass
class Demand:
    """`channels`: the channels shown; `by_hour`: {hour "HH:00", <channel>: n, ..., total};
    `by_channel`: {channel, contacts, with_incident, share_percent}; `total`: contacts."""

    channels: list[str]
    by_hour: list[dict]
    by_channel: list[dict]
    total: int


def contacts_in(filters: ReportFilters, start_at: datetime, end_at: datetime) -> QuerySet[Contact]:
    """Contacts received in [start_at, end_at), narrowed by channel and by their incident's
    grade, area, opening code and DA."""
    contacts = Contact.objects.filter(received_at__gte=start_at, received_at__lt=end_at)
    if filters.channel:
        contacts = contacts.filter(channel=filters.channel)
    if filters.grade:
        contacts = contacts.filter(incident__grade=filters.grade)
    return contacts.filter(incident_filter_q(filters, "incident__"))


def contact_demand(filters: ReportFilters) -> Demand:
    """Contacts in the range by hour of day and channel. Without an incident filter (grade,
    area, opening code, DA) it sums the contacts pre-aggregated per day, hour and channel
    (`cad.ContactDemandHour`, exact: maintained with each contact); with one it groups the
    contacts themselves, since an incident's grade or area can change after its contacts."""
    cells, channel_totals = defaultdict(int), defaultdict(lambda: defaultdict(int))
    for row in _demand_rows(filters):
        cells[(row["hour"], row["channel"])] += row["n"]
        channel_totals[row["channel"]]["n"] += row["n"]
        channel_totals[row["channel"]]["with_incident"] += row["with_incident"]
    channels = [filters.channel] if filters.channel else Channel.values
    by_hour = []
    for hour in HOURS:
        row = {"hour": f"{hour:02d}:00"}
        for channel in channels:
            row[channel] = cells[(hour, channel)]
        row["total"] = sum(row[channel] for channel in channels)
        by_hour.append(row)
    total = sum(row["n"] for row in channel_totals.values())
    by_channel = [
        {
            "channel": channel,
            "contacts": channel_totals[channel]["n"],
            "with_incident": channel_totals[channel]["with_incident"],
            "share_percent": percent(channel_totals[channel]["n"], total),
        }
        for channel in channels
    ]
    return Demand(channels, by_hour, by_channel, total)


def _uses_incident(filters: ReportFilters) -> bool:
    return bool(
        filters.grade or filters.area or filters.opening_code or filters.domestic_abuse is not None
    )


def _demand_rows(filters: ReportFilters):
    """{hour, channel, n, with_incident} rows (an hour and channel may come more than once)."""
    if _uses_incident(filters):
        return (
            contacts_in(filters, filters.start_at, filters.end_at)
            .annotate(hour=ExtractHour("received_at", tzinfo=LONDON))
            .values("hour", "channel")
            .annotate(n=Count("id"), with_incident=Count("incident_id"))
            .order_by()
        )
    # The range is whole Europe/London days: exactly the rows of those days.
    rows = ContactDemandHour.objects.filter(day__gte=filters.date_from, day__lte=filters.date_to)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    return (
        rows.values("hour", "channel")
        .annotate(n=Sum("contacts"), with_incident=Sum("with_incident"))
        .order_by()
    )


def repeat_contacts(filters: ReportFilters) -> list[dict]:
    """Numbers and addresses with 3+ contacts within 30 days (a window ending in the range),
    most contacts first.

    The candidates come from the contacts pre-aggregated per key per day (`cad.ContactKeyDay`):
    the keys with a day in the range on which 3 or more contacts of the key fall within that
    day and the 31 before it (a partial index holds just those days). Every key that can have
    3 contacts within 30 days, the last in the range, is among them (filters only remove
    contacts); only their contacts are then read, to slide the 30-day window exactly in
    Python."""
    lookback_start = filters.start_at - timedelta(days=REPEAT_CONTACT_DAYS)
    contacts = contacts_in(filters, lookback_start, filters.end_at)
    candidates = _candidate_keys(filters)
    found = []
    for kind, field in REPEAT_KEYS:
        for key, items in _contacts_of(contacts, field, candidates[kind]).items():
            most = _most_in_a_window([item[0] for item in items], filters.start_at)
            if most >= REPEAT_CONTACT_MINIMUM:
                found.append(_repeat_row(kind, key, items, most, filters.start_at))
    found.sort(key=lambda r: (-r["most_in_30_days"], -r["contacts_in_range"], r["kind"], r["key"]))
    return found


def _candidate_keys(filters: ReportFilters) -> dict[str, list[str]]:
    """{kind: [key, ...]}: the numbers and addresses that may be repeats in the range."""
    found = defaultdict(set)
    for kind, key in (
        ContactKeyDay.objects.filter(
            MAY_REPEAT, day__gte=filters.date_from, day__lte=filters.date_to
        )
        .values_list("kind", "key")
        .order_by()
    ):
        found[kind].add(key)
    return {kind: sorted(found[kind]) for kind, _ in REPEAT_KEYS}


def _contacts_of(contacts: QuerySet, field: str, keys: list[str]) -> dict[str, list[tuple]]:
    """{key: [(received_at, channel, incident_id, DA), ...] oldest first} for each of `keys`
    (values of `field`) with contacts among `contacts`."""
    grouped = defaultdict(list)
    if not keys:
        return grouped
    rows = (
        contacts.filter(**{f"{field}__in": keys})
        .order_by(field, "received_at", "id")
        .values_list(field, "received_at", "channel", "incident_id", "incident__domestic_abuse")
    )
    for key, *item in rows.iterator():
        grouped[key].append(tuple(item))
    return grouped


def _most_in_a_window(times: list[datetime], start_at: datetime) -> int:
    """The most contacts in any 30-day window that ends at a contact inside the range."""
    best, first = 0, 0
    window = timedelta(days=REPEAT_CONTACT_DAYS)
    for last, at in enumerate(times):
        while times[first] <= at - window:
            first += 1
        if at >= start_at:
            best = max(best, last - first + 1)
    return best


def _repeat_row(kind: str, key: str, items: list[tuple], most: int, start_at: datetime) -> dict:
    in_range = [item for item in items if item[0] >= start_at]
    return {
        "kind": kind,
        "key": key,
        "contacts_in_range": len(in_range),
        "most_in_30_days": most,
        "first_at": in_range[0][0] if in_range else None,
        "last_at": in_range[-1][0] if in_range else None,
        "channels": ", ".join(sorted({item[1] for item in in_range})),
        "incidents": len({item[2] for item in in_range if item[2]}),
        "domestic_abuse": any(item[3] for item in in_range),
    }

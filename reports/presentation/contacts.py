"""The contact demand and repeat contacts report: its summary, chart and tables."""

from datetime import datetime

from cad.models import Channel
from reports.filters import ReportFilters
from reports.presentation.common import hour_labels, paged_table
from reports.queries.contacts import Demand, contact_demand, repeat_contacts
from reports.results import ChartData, Column, ReportResult, Series, SummaryItem, Table

CHANNEL_COLUMNS = [
    Column("channel", "Channel"),
    Column("contacts", "Contacts", "int"),
    Column("with_incident", "Raised an incident", "int"),
    Column("share_percent", "Share %", "percent"),
]
REPEAT_COLUMNS = [
    Column("kind", "By"),
    Column("key", "Number or address"),
    Column("contacts_in_range", "Contacts in range", "int"),
    Column("most_in_30_days", "Most in 30 days", "int"),
    Column("first_at", "First", "datetime"),
    Column("last_at", "Last", "datetime"),
    Column("channels", "Channels"),
    Column("incidents", "Incidents", "int"),
    Column("domestic_abuse", "Any DA", "bool"),
]


def report_contacts(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """Contact demand by channel and hour of day (Europe/London), and repeat contacts: the same
    number or address 3 or more times within 30 days. The repeats table is paged."""
    demand = contact_demand(filters)
    repeats = repeat_contacts(filters)
    return ReportResult(
        name="contacts",
        title="Contact demand and repeat contacts",
        filters=filters,
        summary=_summary(demand, repeats, filters.days),
        charts=[
            ChartData(
                "by_hour",
                "Contacts by hour and channel",
                hour_labels(demand.by_hour),
                [
                    Series(Channel(channel).label, [r[channel] for r in demand.by_hour], f"s{i}")
                    for i, channel in enumerate(demand.channels)
                ],
                stacked=True,
            )
        ],
        tables=[
            Table(
                "by_hour",
                "Contacts by hour (Europe/London) and channel",
                [
                    Column("hour", "Hour"),
                    *[Column(c, Channel(c).label, "int") for c in demand.channels],
                    Column("total", "Total", "int"),
                ],
                demand.by_hour,
                len(demand.by_hour),
            ),
            Table(
                "by_channel",
                "By channel",
                CHANNEL_COLUMNS,
                demand.by_channel,
                len(demand.by_channel),
            ),
            paged_table(
                "repeats",
                "Repeat contacts: same number or address, 3+ within 30 days",
                REPEAT_COLUMNS,
                repeats,
                limit=limit,
                offset=offset,
            ),
        ],
        notes=[
            "A repeat is counted when 3 or more contacts from one number or one normalised "
            "address fall within 30 days, the last of them inside the range (earlier contacts "
            "up to 30 days before the range count towards the window).",
        ],
    )


def _summary(demand: Demand, repeats: list[dict], days: int) -> list[SummaryItem]:
    total = demand.total
    peak = max(demand.by_hour, key=lambda r: r["total"]) if total else None
    numbers = sum(1 for r in repeats if r["kind"] == "NUMBER")
    addresses = sum(1 for r in repeats if r["kind"] == "ADDRESS")
    return [
        SummaryItem("contacts", "Contacts", total),
        SummaryItem("per_day", "Per day (average)", round(total / days, 1) if total else 0),
        SummaryItem("peak_hour", "Busiest hour", peak["hour"] if peak else None),
        SummaryItem.attention("repeat_numbers", "Repeat numbers (3+ in 30 days)", numbers, "warn"),
        SummaryItem.attention(
            "repeat_addresses", "Repeat addresses (3+ in 30 days)", addresses, "warn"
        ),
    ]

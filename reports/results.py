"""The shape every report returns: a summary, charts and tables. Pages, CSV and the API all
render this one structure, so their numbers can never disagree."""

from dataclasses import dataclass, field

from reports.filters import ReportFilters


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # How to show the value: text, int, percent, minutes, datetime, grade, bool, incident.
    kind: str = "text"


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict]
    total: int
    offset: int = 0
    # Row-list tables are paged; aggregate tables (by grade, by hour) are shown whole.
    paged: bool = False


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | None]
    # A CSS modifier for the bars (e.g. "s0", "bad", "ok").
    style: str = "s0"


@dataclass
class ChartData:
    key: str
    title: str
    categories: list[str]
    series: list[Series]
    # "%", "min" or "h" for a measure; "" for a count (whole-number axis).
    unit: str = ""
    stacked: bool = False
    max_value: float | None = None  # a fixed top of scale (100 for percentages)


@dataclass(frozen=True)
class SummaryItem:
    key: str
    label: str
    value: float | int | str | None
    unit: str = ""
    # "bad" or "warn" draws attention to a figure that needs action.
    tone: str = ""

    @classmethod
    def attention(cls, key: str, label: str, count: int, tone: str = "bad") -> "SummaryItem":
        """A count of things needing action: drawn with `tone` when above zero."""
        return cls(key, label, count, tone=tone if count else "")


@dataclass
class ReportResult:
    name: str
    title: str
    filters: ReportFilters
    summary: list[SummaryItem] = field(default_factory=list)
    charts: list[ChartData] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)

    def summary_value(self, key: str):
        for item in self.summary:
            if item.key == key:
                return item.value
        raise KeyError(key)

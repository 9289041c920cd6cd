"""Report filters: parsed once from the query string, validated, and shared by the pages, the
CSV exports and the API. Bad input raises `ValidationFailed` (400) with a clear message."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from cad.exceptions import ValidationFailed
from cad.models import Area, Channel, Grade, OpeningCode
from core.roles import Role
from reports.formatting import LONDON
from reports.models import DivertOutcome

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30

# Every filter a report may accept. Each report declares the subset that means something for it.
DATE_FILTERS = ("date_from", "date_to")
INCIDENT_FILTERS = (*DATE_FILTERS, "grade", "area", "opening_code", "domestic_abuse")
# Paging and output controls: accepted by every report, never filters.
CONTROLS = ("page", "limit", "offset", "format", "table")

DIVERT_OUTCOMES = tuple(DivertOutcome.values)

# The choice filters and the values each accepts.
CHOICE_FILTERS = {
    "grade": Grade.values,
    "area": Area.values,
    "channel": Channel.values,
    "outcome": DIVERT_OUTCOMES,
    "role": Role.values,
}
YES_NO_FILTERS = ("domestic_abuse", "reviewed", "urgent")

FILTER_HELP = {
    "date_from": "first day (YYYY-MM-DD, Europe/London), default 30 days before date_to",
    "date_to": "last day (YYYY-MM-DD, Europe/London, inclusive), default today",
    **{name: "one of " + ", ".join(choices) for name, choices in CHOICE_FILTERS.items()},
    "opening_code": "an opening code, e.g. DOMESTIC",
    "domestic_abuse": "true or false",
    "reviewed": "true or false",
    "urgent": "true or false",
}

FILTER_LABELS = {
    "date_from": "From",
    "date_to": "To",
    "grade": "Grade",
    "area": "Area",
    "opening_code": "Opening code",
    "domestic_abuse": "DA",
    "channel": "Channel",
    "outcome": "Outcome",
    "reviewed": "Reviewed",
    "urgent": "Urgent review",
    "role": "Role",
}


@dataclass(frozen=True)
class ReportFilters:
    date_from: date
    date_to: date
    grade: str = ""
    area: str = ""
    opening_code: str = ""
    domestic_abuse: bool | None = None
    channel: str = ""
    outcome: str = ""
    reviewed: bool | None = None
    urgent: bool | None = None
    role: str = ""
    # The query-string values as given (for links, CSV and the echo in the API).
    given: dict = field(default_factory=dict, compare=False)

    @property
    def start_at(self) -> datetime:
        """Local midnight at the start of `date_from`, as an aware datetime."""
        return datetime.combine(self.date_from, time.min, tzinfo=LONDON)

    @property
    def end_at(self) -> datetime:
        """Local midnight after `date_to` (exclusive)."""
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=LONDON)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def as_dict(self) -> dict:
        out = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        for name in ("grade", "area", "opening_code", "channel", "outcome", "role"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        for name in YES_NO_FILTERS:
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    def querystring(self, **override) -> str:
        """The filters as a query string (for export links and paging)."""
        values = {
            k: ("true" if v is True else "false" if v is False else v)
            for k, v in self.as_dict().items()
        }
        values.update({k: v for k, v in override.items() if v is not None})
        return urlencode(values)


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a date as YYYY-MM-DD, not {value!r}.",
            code="invalid_date",
            fields={name: ["Use YYYY-MM-DD."]},
        ) from None


def _choice(value: str, choices, name: str) -> str:
    value = value.strip().upper()
    if value not in choices:
        raise ValidationFailed(
            f"Unknown {name} {value!r}: use one of {', '.join(choices)}.",
            code=f"invalid_{name}",
            fields={name: [f"Use one of {', '.join(choices)}."]},
        )
    return value


def _bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ValidationFailed(
        f"{name} must be true or false, not {value!r}.",
        code="invalid_boolean",
        fields={name: ["Use true or false."]},
    )


def _opening_code(value: str) -> str:
    value = value.strip()
    if not OpeningCode.objects.filter(code=value).exists():
        raise ValidationFailed(
            f"Unknown opening code {value!r}.",
            code="invalid_opening_code",
            fields={"opening_code": ["No such opening code."]},
        )
    return value


def parse_filters(params, *, allowed: tuple[str, ...], today: date, report: str) -> ReportFilters:
    """Parse a query dict into ReportFilters.

    `allowed` lists the filters that apply to this report; anything else that is not a paging
    or output control is refused, so a mistyped filter never silently returns everything.

    Raises ValidationFailed: unknown or inapplicable filter, unparseable date, inverted range,
    a range over 366 days, an unknown grade/area/channel/opening code/outcome/role.
    """
    given = {key: params.get(key) for key in params.keys()}
    unknown = sorted(key for key in given if key not in allowed and key not in CONTROLS)
    if unknown:
        raise ValidationFailed(
            f"Unknown filter{'s' if len(unknown) > 1 else ''} for the {report} report: "
            f"{', '.join(unknown)}. This report accepts: {', '.join(allowed)}.",
            code="unknown_filter",
            fields={key: ["Not a filter of this report."] for key in unknown},
        )
    values = {key: (value or "").strip() for key, value in given.items() if key in allowed}
    date_from, date_to = _date_range(values, today)
    return ReportFilters(
        date_from=date_from,
        date_to=date_to,
        **_choices(values),
        given={k: v for k, v in values.items() if v},
    )


def _date_range(values: dict, today: date) -> tuple[date, date]:
    """`date_from` and `date_to`, defaulted (the 30 days to today) and checked."""
    date_to = _date(values["date_to"], "date_to") if values.get("date_to") else today
    if values.get("date_from"):
        date_from = _date(values["date_from"], "date_from")
    else:
        date_from = date_to - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if date_from > date_to:
        raise ValidationFailed(
            f"The date range is inverted: date_from {date_from} is after date_to {date_to}.",
            code="inverted_range",
            fields={"date_from": ["Must be on or before date_to."]},
        )
    if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
        raise ValidationFailed(
            f"The date range covers {(date_to - date_from).days + 1} days; a report covers at "
            f"most {MAX_RANGE_DAYS} days. Narrow the range or run it in parts.",
            code="range_too_long",
            fields={"date_from": [f"At most {MAX_RANGE_DAYS} days before date_to."]},
        )
    return date_from, date_to


def _choices(values: dict) -> dict:
    """The choice, opening-code and yes/no filters that were given, parsed."""
    parsed: dict = {}
    for name, choices in CHOICE_FILTERS.items():
        if values.get(name):
            parsed[name] = _choice(values[name], choices, name)
    if values.get("opening_code"):
        parsed["opening_code"] = _opening_code(values["opening_code"])
    for name in YES_NO_FILTERS:
        if values.get(name):
            parsed[name] = _bool(values[name], name)
    return parsed


def int_control(params, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """A paging control (`page`, `limit`, `offset`), clamped; unparseable is a 400."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a whole number, not {raw!r}.", code="invalid_paging"
        ) from None
    if value < minimum:
        raise ValidationFailed(f"{name} must be at least {minimum}.", code="invalid_paging")
    return min(value, maximum)


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The options of each choice filter, for the filter form."""
    return {
        "grade": list(Grade.choices),
        "area": list(Area.choices),
        "channel": list(Channel.choices),
        "role": list(Role.choices),
        "outcome": list(DivertOutcome.choices),
        "opening_code": list(OpeningCode.objects.values_list("code", "label")),
    }

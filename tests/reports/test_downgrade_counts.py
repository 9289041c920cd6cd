"""The downgrades report's counts, read in one pass per grade given with DA read by each
incident's primary key (`downgrade_counts`), are exactly the counts of the three queries before
it (the totals, the requests, the per-grade chart over a join of every incident): compared on
the same data, with gradings below the minimum, below the recommended grade only, on the
recommended grade, with blank floors, signed off, self-approved, DA and not, urban and rural,
with and without an opening code, at the range's edges, and under every filter."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import Count, F, Q

from cad.models import Grade, OpeningCode
from reports.filters import parse_filters
from reports.queries.common import report_queries
from reports.queries.downgrades import (
    _below,
    downgrade_changes,
    downgrade_counts,
    downgrade_requests_not_applied,
)
from reports.registry import REPORTS
from tests.factories import staff
from tests.reports import factories as f

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 1, tzinfo=UTC)


def counts_before(report_filters) -> dict:
    """The counts as the queries before gave them."""
    changes = downgrade_changes(report_filters)
    below_minimum = Count("id", filter=Q(_below("to_grade", "minimum_grade")))
    return {
        "changes": changes.aggregate(
            total=Count("id"),
            below_minimum=below_minimum,
            signed_off=Count("id", filter=Q(approved_by__isnull=False)),
            self_approved=Count("id", filter=Q(approved_by__isnull=False, approved_by=F("by"))),
            da=Count("id", filter=Q(incident__domestic_abuse=True)),
        ),
        "requests": downgrade_requests_not_applied(report_filters).aggregate(
            total=Count("id"),
            refused=Count("id", filter=Q(status="REFUSED")),
            pending=Count("id", filter=Q(status="PENDING")),
        ),
        "by_grade": {
            row["to_grade"]: row
            for row in changes.values("to_grade")
            .annotate(n=Count("id"), below_minimum=below_minimum)
            .order_by()
        },
    }


@pytest.fixture
def gradings():
    handler = staff("CALL_HANDLER", username="ann_handler")
    supervisor = staff("SUPERVISOR", username="sam_supervisor")
    OpeningCode.objects.get_or_create(code="ASSAULT", defaults={"label": "Assault"})
    grades = list(Grade.values)
    shapes = itertools.product(grades, grades, [*grades, ""], [False, True], ["URBAN", "RURAL"])
    for n, (recommended, to_grade, minimum, da, area) in enumerate(shapes):
        incident = f.incident(
            received_at=START + timedelta(hours=n),
            grade=to_grade,
            recommended_grade=recommended,
            minimum_grade=minimum or recommended,
            domestic_abuse=da,
            area=area,
            opening_code="ASSAULT" if n % 3 == 0 else None,
        )
        if not minimum:
            incident.minimum_grade = ""  # a blank floor: never "below the minimum"
        approver = [None, supervisor, handler][n % 3]
        by = [handler, supervisor][n % 2]
        # In the range, on its first and last instants, and just outside it.
        at = [
            START + timedelta(hours=n),
            datetime(2026, 3, 1, tzinfo=UTC),
            datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC),
            datetime(2026, 4, 1, tzinfo=UTC),
            datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC),
        ][n % 5]
        f.grade_change(incident=incident, at=at, to_grade=to_grade, by=by, approved_by=approver)
        if n % 7 == 0:
            f.grade_request(
                incident=incident,
                at=at,
                to_grade=grades[-1],
                status=["REFUSED", "PENDING", "WITHDRAWN", "APPROVED"][n % 4],
                by=handler,
                decided_by=supervisor,
            )


def filters(**extra):
    params = {"date_from": "2026-03-01", "date_to": "2026-03-31", **extra}
    return parse_filters(
        params, allowed=REPORTS["downgrades"].filters, today=date(2026, 12, 31), report="test"
    )


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"domestic_abuse": "true"},
        {"domestic_abuse": "false"},
        {"area": "RURAL"},
        {"grade": "SCHEDULED"},
        {"grade": "IMMEDIATE"},
        {"opening_code": "ASSAULT"},
        {"area": "URBAN", "domestic_abuse": "true", "grade": "RESOLUTION"},
        {"date_from": "2026-03-31", "date_to": "2026-03-31"},
        {"date_from": "2025-01-01", "date_to": "2025-01-31"},
    ],
    ids=lambda extra: ",".join(f"{k}={v}" for k, v in extra.items()) or "none",
)
def test_the_counts_in_one_pass_are_the_counts_of_the_queries_before(gradings, extra):
    report_filters = filters(**extra)
    with report_queries():
        now = downgrade_counts(report_filters)
        before = counts_before(report_filters)
    assert {"changes": now.changes, "requests": now.requests, "by_grade": now.by_grade} == before
    if not extra:
        assert all(before["changes"].values()) and len(before["by_grade"]) == 3

"""The incident page's grade history is one list in time order, oldest first, as labelled: a
downgrade request made at 21:50 is listed before a grade change at 22:00 (before, every change
came first and the requests after, so 22:00 stood above 21:50)."""

from datetime import UTC, datetime, timedelta

import pytest

from cad.models import GradeChange, GradeRequest
from cad.selectors import grade_history, incident_get
from tests.cad.factories import call_handler, incident, supervisor

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 28, 21, 40, tzinfo=UTC)


def _history():
    handler = call_handler()
    created = incident(actor=handler, now=T0, narrative="Shouting next door")
    GradeRequest.objects.create(
        incident=created,
        from_grade="IMMEDIATE",
        requested_grade="SCHEDULED",
        reason="Caller says all calm",
        requested_by=handler,
        requested_at=T0 + timedelta(minutes=10),  # 21:50
    )
    GradeChange.objects.create(
        incident=created,
        at=T0 + timedelta(minutes=20),  # 22:00
        by=supervisor(),
        from_grade=created.grade,
        to_grade="PRIORITY",
        reason="Regraded",
    )
    return created


def test_grade_history_is_in_time_order_oldest_first():
    created = _history()
    rows = grade_history(incident_get(created.pk))
    assert [r.at for r in rows] == sorted(r.at for r in rows)
    assert [r.kind for r in rows][-2:] == ["request", "change"]


def test_the_page_lists_the_request_before_the_later_change(client):
    created = _history()
    client.force_login(supervisor())
    page = client.get(f"/incidents/{created.pk}/").content.decode()
    history = page[page.index('id="grade-history"') :]
    assert "oldest first" in page
    assert history.index("requested SCHEDULED") < history.index("Regraded")

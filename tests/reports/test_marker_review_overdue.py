"""The marker compliance report counts markers whose expiry came with the victim not yet told."""

import pytest

from reports import presentation
from tests.reports import factories as f
from tests.reports.conftest import NOW, at

pytestmark = pytest.mark.django_db


def test_review_overdue_markers_are_counted_and_listed_with_how_long_they_have_waited(march):
    overdue = f.marker(starts_at=at(1, 9, month=1), expires_at=at(10, 9), status="REVIEW_OVERDUE")
    told_late = f.marker(starts_at=at(2, 9, month=1), expires_at=at(11, 9), status="EXPIRED")
    f.victim_contact(marker=told_late, purpose="REVIEW", at=at(13, 9), outcome="NO_ANSWER")

    result = presentation.report_markers(march(), now=NOW)

    rows = {(r["issue"], r["marker_id"]): r for r in result.table("markers").rows}
    assert ("REVIEW_OVERDUE", overdue.pk) in rows
    assert "not yet told" in rows[("REVIEW_OVERDUE", overdue.pk)]["detail"]
    assert ("EXPIRED_WITHOUT_REVIEW", told_late.pk) in rows
    assert "2 days after" in rows[("EXPIRED_WITHOUT_REVIEW", told_late.pk)]["detail"]
    assert result.summary_value("review_overdue") == 1
    assert result.summary_value("expired") == 1

"""The outstanding list is read from its index: the page is the first rows of
`cad_incident_outstanding_idx` (no sort of every open incident), only the displayed columns are
read, the sort keys are kept by every service that moves them, and nothing counts the list on
every page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cad.models import Incident
from cad.services import incident_grade
from dispatch import selectors, services
from dispatch.models import UnitStatus
from tests.cad.factories import supervisor
from tests.dispatch import unit_factories as f

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:
    """The plan of the first page, with sorting made as costly as PostgreSQL allows: a plan
    still sorting means no index gives the order."""
    sql, params = queryset[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_sort")
        cursor.execute("RESET enable_seqscan")
    return plan


@pytest.mark.parametrize(
    "filters", [{}, {"unresourced": True}, {"grade": "PRIORITY"}, {"grade": "IMMEDIATE"}]
)
def test_the_first_page_is_read_from_the_outstanding_index_without_a_sort(filters):
    now = timezone.now()
    for grade in ("IMMEDIATE", "PRIORITY", "SCHEDULED"):
        f.incident(received_at=now, grade=grade)
    plan = _plan(selectors.incidents_outstanding(**filters))
    assert "cad_incident_outstanding_idx" in plan, plan
    assert "Sort" not in plan, plan


def test_a_page_reads_the_displayed_columns_not_the_assessment_or_the_whole_narrative(api):
    f.incident(marker=True, narrative="word " * 2000)
    client = api("DISPATCHER")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/incidents/outstanding/")
    row = response.json()["results"][0]
    assert row["marker"] is True and row["risk_flags"] == ["MARKER"]
    assert len(row["narrative_start"]) <= 141
    page_sql = next(q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"])
    selected = page_sql.split(" FROM ")[0]
    # Only the narrative's start and three keys of the assessment, never the columns whole.
    assert not re.search(r'(?<!LEFT\()"cad_incident"\."narrative"', selected), selected
    assert not re.search(r'"cad_incident"\."assessment"(?! ->)', selected), selected
    # No count of the list unless asked for (`?count=true`).
    assert not any("COUNT(" in q["sql"] for q in captured.captured_queries)


def test_the_sort_keys_follow_the_services_that_change_them():
    now = timezone.now()
    actor = f.dispatcher()
    incident = f.incident(received_at=now, grade="SCHEDULED")
    assert Incident.objects.get(pk=incident.pk).grade_rank == 2
    incident_grade(actor=supervisor(), incident=incident, grade="IMMEDIATE", reason="weapon")
    assert Incident.objects.get(pk=incident.pk).grade_rank == 0
    # A divert tags the original DIVERT and it tops its grade on the list again.
    unit = f.unit()
    other = f.incident(received_at=now, grade="IMMEDIATE")
    services.unit_assign(actor=actor, unit=unit, incident=incident)
    services.unit_set_status(actor=actor, unit=unit, status=UnitStatus.AT_SCENE, incident=incident)
    assert incident.pk not in [i.pk for i in selectors.incidents_outstanding()]
    services.unit_divert(actor=actor, unit=unit, to_incident=other, reason="knife call")
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.divert_tagged is True and stored.status == "AT_SCENE"
    assert [i.pk for i in selectors.incidents_outstanding()][0] == incident.pk
    assert "cad_incident_outstanding_idx" in _plan(selectors.incidents_outstanding())


def test_the_screen_counts_the_list_on_its_first_page_only(client, make_staff):
    now = timezone.now()
    for _ in range(3):
        f.incident(received_at=now)
    client.force_login(make_staff("DISPATCHER"))
    with CaptureQueriesContext(connection) as first:
        html = client.get("/dispatch/outstanding/?page_size=2").content.decode()
    assert "3 outstanding" in html
    cursor = html.split("cursor=")[1].split('"')[0]
    link_query = html.split('href="?')[1].split('"')[0].replace("&amp;", "&")
    assert "count=3" in link_query
    with CaptureQueriesContext(connection) as later:
        second = client.get(f"/dispatch/outstanding/?{link_query}").content.decode()
    assert "3 outstanding" in second and cursor
    # The list was counted once, on the first page (other counts on the screen are not its).
    counts = [sum("COUNT(" in q["sql"] for q in ctx.captured_queries) for ctx in (first, later)]
    assert counts[0] - counts[1] == 1

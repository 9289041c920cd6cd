"""Lists read page by page while the control room changes them: nothing is skipped, nothing
repeated (keyset cursors, not page numbers)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cad import services as cad_services
from cad.models import ClosingCode
from cad.selectors import incident_get
from dispatch import services
from dispatch.models import UnitStatus
from tests.dispatch import unit_factories as f
from tests.factories import staff

pytestmark = pytest.mark.django_db


def _incidents(n: int, **kwargs) -> list[int]:
    """`n` open incidents received a minute apart, newest last."""
    start = timezone.now() - timedelta(minutes=n + 1)
    return [f.incident(received_at=start + timedelta(minutes=i), **kwargs).pk for i in range(n)]


def _ids(body) -> list[int]:
    return [row["id"] for row in body["results"]]


def _close(incident_id: int) -> None:
    code = ClosingCode.objects.filter(active=True).first().code
    cad_services.incident_close(
        actor=staff("SUPERVISOR"),
        incident=incident_get(incident_id),
        closing_code=code,
        resolution_note="Words of advice given.",
    )


def test_closing_an_incident_between_two_pages_skips_no_open_incident(api):
    created = _incidents(12)
    newest_first = list(reversed(created))
    client = api("DISPATCHER")

    first = client.get("/api/v1/incidents/?open=true&page_size=5").json()
    _close(_ids(first)[0])
    second = client.get(first["next"]).json()

    assert _ids(first) == newest_first[:5]
    assert _ids(second) == newest_first[5:10]


def test_a_new_call_between_two_pages_repeats_nothing(api):
    created = _incidents(12)
    newest_first = list(reversed(created))
    client = api("DISPATCHER")

    first = client.get("/api/v1/incidents/?open=true&page_size=5").json()
    f.incident()
    second = client.get(first["next"]).json()

    assert _ids(second) == newest_first[5:10]
    assert not set(_ids(first)) & set(_ids(second))


def test_the_outstanding_list_skips_nothing_when_a_unit_arrives(api):
    oldest_first = _incidents(12, grade="PRIORITY")
    client = api("DISPATCHER")

    first = client.get("/api/v1/incidents/outstanding/?page_size=5").json()
    services.unit_set_status(
        actor=f.dispatcher(),
        unit=f.unit(),
        status=UnitStatus.AT_SCENE,
        incident=incident_get(_ids(first)[0]),
    )
    second = client.get(first["next"]).json()

    assert _ids(first) == oldest_first[:5]
    assert _ids(second) == oldest_first[5:10]


def test_the_previous_link_returns_to_the_page_before(api):
    newest_first = list(reversed(_incidents(12)))
    client = api("DISPATCHER")

    first = client.get("/api/v1/incidents/?page_size=5").json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()

    assert _ids(back) == newest_first[:5] and back["previous"] is None


def test_a_cursor_that_is_not_one_of_the_lists_is_a_clear_400(api):
    response = api("DISPATCHER").get("/api/v1/incidents/?cursor=bm90LWEtY3Vyc29y")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_the_outstanding_screen_pages_by_cursor(client, make_staff):
    oldest_first = _incidents(12, grade="PRIORITY")
    client.force_login(make_staff("DISPATCHER"))

    first = client.get("/dispatch/outstanding/rows/?page_size=5")
    cursor = first.context["page"].next_cursor
    second = client.get(f"/dispatch/outstanding/rows/?page_size=5&cursor={cursor}")

    assert [row.incident.pk for row in first.context["rows"]] == oldest_first[:5]
    assert [row.incident.pk for row in second.context["rows"]] == oldest_first[5:10]
    assert f"cursor={cursor}" in first.content.decode()


def test_the_incident_list_screen_pages_by_cursor(client, make_staff):
    newest_first = list(reversed(_incidents(60)))
    client.force_login(make_staff("DISPATCHER"))

    first = client.get("/incidents/")
    cursor = first.context["page"].next_cursor
    second = client.get(f"/incidents/?cursor={cursor}")

    assert [i.pk for i in first.context["page"]] == newest_first[:50]
    assert [i.pk for i in second.context["page"]] == newest_first[50:]
    assert f"cursor={cursor}" in first.content.decode()


def test_the_outstanding_sort_keys_are_stored_and_follow_the_grade_and_the_divert_tag():
    from cad.models import DIVERT_TAG, Incident
    from cad.services import incident_tag_add

    incident = f.incident(grade="PRIORITY")
    Incident.objects.filter(pk=incident.pk).update(grade="IMMEDIATE")
    incident_tag_add(actor=None, incident=incident, tag=DIVERT_TAG)

    stored = Incident.objects.values("grade_rank", "divert_tagged").get(pk=incident.pk)
    assert stored == {"grade_rank": 0, "divert_tagged": True}

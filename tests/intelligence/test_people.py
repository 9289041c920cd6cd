"""People: one name matcher for intelligence, markers and the people named on a call.

A record is found however the name was written (surname first, O'/O /O, Mc/Mac, accents,
hyphens, initials); "Name (relationship)" and "Name, 34" are read as a name with a role or an
age, never searched as one string.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _record(api, kind="INTELLIGENCE", **fields):
    body = {
        "kind": kind,
        "summary": fields.pop("summary", f"{kind} about the person named"),
        "occurred_at": (timezone.now() - timedelta(days=10)).isoformat(),
        **fields,
    }
    r = api("SUPPORT_OPERATOR").post("/api/v1/intel/records/", body, format="json")
    assert r.status_code == 201, r.json()
    return r.json()


def _check_name(api, name):
    r = api("CALL_HANDLER").post("/api/v1/intel/checks/", {"name": name}, format="json")
    assert r.status_code == 201, r.json()
    return [record["id"] for record in r.json()["records"]]


@pytest.mark.parametrize(
    ("on_record", "typed"),
    [
        ("MCDONALD, Kirsty", "Kirsty McDonald"),
        ("Kirsty McDonald", "MCDONALD, Kirsty"),
        ("Siobhán O'Neill", "Siobhan O Neill"),
        ("Ciarán O'Connor", "Ciaran O Connor"),
        ("Kirsty MacDonald", "Kirsty McDonald"),
        ("Anne-Marie Smith-Jones", "Anne Marie Smith Jones"),
        ("Kirsty McDonald", "K. McDonald"),
        ("Brian Example", "Brian Example (ex-husband)"),
        ("Brian Example", "Brian Example, 34"),
    ],
)
def test_a_record_is_found_however_the_name_is_written(api, on_record, typed):
    record = _record(api, names=[on_record])

    assert record["id"] in _check_name(api, typed)


def test_a_different_person_with_the_same_surname_is_not_found(api):
    _record(api, names=["Kirsty McDonald"])

    assert _check_name(api, "Karen McDonald") == []
    assert _check_name(api, "L McDonald") == []


def test_the_matcher_explains_itself_in_words_not_scores(api):
    _record(api, names=["MCDONALD, Kirsty"])

    r = api("CALL_HANDLER").post("/api/v1/intel/checks/", {"name": "K McDonald"}, format="json")

    [record] = r.json()["records"]
    why = " ".join(record["why"])
    assert "mcdonald" in why.lower()
    assert "score" not in why and "~" not in why


def test_a_named_person_with_a_relationship_finds_his_warning_and_keeps_the_role(api):
    warning = _record(
        api,
        "WARNING",
        names=["Brian Example"],
        summary="Known to carry a knife",
        warnings=["WEAPONS"],
    )

    r = api("CALL_HANDLER").post(
        "/api/v1/incidents/",
        {
            "channel": "999",
            "caller_phone": "07700 900321",
            "narrative": "My ex is outside shouting",
            "named_people": ["Brian Example (ex-husband)", "Kirsty McDonald, 34"],
        },
        format="json",
    )

    incident = r.json()
    assert r.status_code == 201, incident
    assert [warning["id"]] == [rec["id"] for rec in incident["intel_check"]["records"]]
    assert incident["people"] == [
        {
            "name": "Brian Example",
            "role": "ex-husband",
            "age": None,
            "raw": "Brian Example (ex-husband)",
        },
        {"name": "Kirsty McDonald", "role": "", "age": 34, "raw": "Kirsty McDonald, 34"},
    ]
    assert incident["intel_check"]["query"]["names"] == ["brian example", "kirsty mcdonald"]


def test_intel_records_take_warning_flags_and_refuse_unknown_ones(api):
    ok = _record(api, names=["Brian Example"], warnings=["WEAPONS", "OFFICER_SAFETY"])
    bad = api("SUPPORT_OPERATOR").post(
        "/api/v1/intel/records/",
        {
            "kind": "INTELLIGENCE",
            "summary": "x",
            "occurred_at": timezone.now().isoformat(),
            "names": ["A B"],
            "warnings": ["TEA"],
        },
        format="json",
    )

    assert sorted(ok["warnings"]) == ["OFFICER_SAFETY", "WEAPONS"]
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "name",
    [
        "x" * 300,
        "Ünïcödé 😀 ﷽ Nâmé",
        "((((",
        "O'",
        "Mc",
        ", , ,",
        "ex-husband",
        "34",
        "\u200b\u200b",
        "Robert'); DROP TABLE intelligence_personname;--",
    ],
)
def test_names_of_any_shape_never_cause_a_server_error(api, name):
    handler = api("CALL_HANDLER")

    check = handler.post("/api/v1/intel/checks/", {"name": name}, format="json")
    incident = handler.post(
        "/api/v1/incidents/",
        {"channel": "101", "narrative": "Report", "caller_name": name, "named_people": [name]},
        format="json",
    )
    assess = handler.post(
        "/api/v1/grading/assess/",
        {"narrative": "Report", "caller_name": name, "named_people": [name]},
        format="json",
    )
    record = api("SUPPORT_OPERATOR").post(
        "/api/v1/intel/records/",
        {
            "kind": "INTELLIGENCE",
            "summary": "x",
            "occurred_at": timezone.now().isoformat(),
            "names": [name],
        },
        format="json",
    )

    for response in (check, incident, assess, record):
        assert response.status_code < 500

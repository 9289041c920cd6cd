"""The briefing reads like a briefing: each warning once, highest risk first, plain words."""

import pytest

from dispatch import services
from tests.dispatch import unit_factories as f
from tests.factories import staff

pytestmark = pytest.mark.django_db

# What the intelligence and marker providers leave on an incident's assessment: a record's
# banner and its finding say the same thing twice, the finding with the matcher's notes.
PROVIDERS_ASSESSMENT = {
    "domestic_abuse": True,
    "context_floor": "IMMEDIATE",
    "banners": [
        {
            "level": "danger",
            "code": "WARNING",
            "text": "WARNING: Brian Example known to carry a knife (record #41)",
        },
        {
            "level": "danger",
            "code": "MARAC",
            "text": "MARAC 2025-01-10: high risk, ex-husband (record #42)",
        },
        {
            "level": "danger",
            "text": "SPECIAL SCHEME MARKER at this address: victim Anne Example. Grade no lower "
            "than IMMEDIATE. OIC oic1.",
            "marker": 7,
        },
        {"level": "warning", "code": "REPEAT_CONTACTS", "text": "3rd contact in 9 days"},
    ],
    "risk_factors": [
        {
            "code": "WARNING_MARKER",
            "label": "Warning on record",
            "evidence": "WARNING record #41 of 2024-06-01: Brian Example known to carry a knife "
            "[matched on name 'brian example' ~ Brian Example, score 100]",
            "source": "intel",
            "weight": "normal",
            "categories": ["warning"],
        },
        {
            "code": "MARAC_12_MONTHS",
            "label": "MARAC in the last 12 months",
            "evidence": "MARAC record #42 of 2025-01-10: high risk, ex-husband "
            "[matched on phone +447700900123]",
            "source": "intel",
            "weight": "serious",
            "categories": ["da_history"],
        },
        {
            "code": "marker_active",
            "label": "Active location risk marker (special scheme)",
            "evidence": "special scheme active: ex-husband threatened to kill her",
            "source": "marker",
            "weight": "serious",
            "categories": ["risk_marker"],
            "ref": "marker #7",
        },
        {
            "code": "WEAPON",
            "label": "Weapon",
            "evidence": '"he has got a knife"',
            "source": "narrative",
            "weight": "serious",
        },
        {
            "code": "WEAPON",
            "label": "Weapon",
            "evidence": '"the knife"',
            "source": "narrative",
            "weight": "serious",
        },
    ],
}


@pytest.fixture
def briefed(api):
    unit = f.unit(call_sign="BX31")
    incident = f.incident(domestic_abuse=True, narrative="He has got a knife, he's outside")
    incident.assessment = PROVIDERS_ASSESSMENT
    incident.save()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)
    officer = api("OFFICER")
    unit.officers.add(officer.user)
    return unit, incident, officer


def test_each_warning_appears_once_with_the_record_behind_it(briefed):
    unit, _, officer = briefed

    warnings = officer.get(f"/api/v1/units/{unit.pk}/briefing/").json()["warnings"]

    texts = " | ".join(w["text"] for w in warnings)
    assert texts.count("known to carry a knife") == 1
    assert texts.count("MARAC") == 1
    assert texts.count("SPECIAL SCHEME") + texts.count("special scheme") == 1
    assert [w["code"] for w in warnings].count("WEAPON") == 1
    refs = [w["ref"] for w in warnings if w["ref"]]
    assert sorted(refs) == ["marker #7", "record #41", "record #42"]


def test_the_briefing_has_no_matcher_notes_and_no_doubled_quotes(briefed):
    unit, _, officer = briefed

    warnings = officer.get(f"/api/v1/units/{unit.pk}/briefing/").json()["warnings"]

    for w in warnings:
        assert "matched on" not in w["text"]
        assert "score" not in w["text"]
        assert '""' not in w["text"] and '“"' not in w["text"] and '"”' not in w["text"]
    weapon = next(w for w in warnings if w["code"] == "WEAPON")
    assert weapon["text"] == "Weapon: “he has got a knife”"


def test_warnings_come_highest_risk_first(briefed):
    unit, _, officer = briefed

    warnings = officer.get(f"/api/v1/units/{unit.pk}/briefing/").json()["warnings"]

    levels = [w["level"] for w in warnings]
    assert levels == sorted(levels, key=["danger", "warning", "info"].index)
    danger = [w for w in warnings if w["level"] == "danger" and w["code"] != "DA"]
    assert "known to carry a knife" in danger[0]["text"]


def test_the_briefing_page_shows_each_warning_once_and_the_whole_log_below(client, briefed):
    unit, incident, officer = briefed
    client.force_login(officer.user)

    html = client.get(f"/dispatch/units/{unit.pk}/briefing/").content.decode()

    assert html.count("known to carry a knife") == 1
    assert "matched on" not in html
    assert html.index("known to carry a knife") < html.index('id="whole-log"')
    assert "He has got a knife, he&#x27;s outside" in html[html.index('id="whole-log"') :]


def test_the_dispatchers_panel_shows_the_same_warnings_once(client, briefed):
    unit, incident, _ = briefed
    client.force_login(staff("DISPATCHER"))

    html = client.get(f"/dispatch/incidents/{incident.pk}/").content.decode()

    assert html.count("known to carry a knife") == 1
    assert "matched on" not in html


def test_a_downgraded_call_keeps_its_da_and_marker_flags_on_the_outstanding_list(api, client):
    # Assessed as DA at a marker withdrawn last week; the handler took the DA qualifier off and
    # a supervisor signed off a downgrade: the risk is still on record.
    incident = f.incident(grade="PRIORITY", domestic_abuse=False)
    incident.assessment = {
        "domestic_abuse": True,
        "risk_factors": [
            {
                "code": "marker_withdrawn",
                "label": "Special scheme withdrawn in the last 12 months",
                "evidence": "special scheme withdrawn 6 days ago: ex-partner released",
                "source": "marker",
                "categories": ["risk_marker"],
            }
        ],
    }
    incident.save()
    dispatcher = api("DISPATCHER")
    client.force_login(dispatcher.user)

    row = dispatcher.get("/api/v1/incidents/outstanding/").json()["results"][0]
    html = client.get("/dispatch/outstanding/").content.decode()

    assert row["risk_flags"] == ["DA", "MARKER"]
    assert row["marker"] is True
    assert 'title="Domestic abuse">DA<' in html and ">MARKER<" in html

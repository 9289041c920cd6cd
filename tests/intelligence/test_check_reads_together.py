"""The check's reads sent together (`intelligence.check.lookups`, the history counted in one
statement) find exactly what the reads one by one found before them: the same records, previous
contacts and incidents, counts, pattern, findings and banners, compared on the same data for
the number alone, the address alone (with and without the register, every way of writing the
flat, the flat next door, a misspelt street), both, names, the incident being reassessed left
out, and history older than a year, inside the 30-day window and at its edges."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, Min, Prefetch, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cad.models import Contact, Incident
from cad.normalise import normalise_address
from intelligence.check import CheckQuery, CheckResult, check_compute, history, records
from intelligence.check import _markers as markers_find
from intelligence.check.meaning import interpret
from intelligence.check.result import HISTORY_LIMIT, RECENT, RECORD_LIMIT
from intelligence.matching import match_names
from intelligence.models import IntelRecord, IntelRecordAddress, IntelRecordPerson, IntelRecordPhone
from premises.addressing import address_why, rows_at
from premises.demo import seed_premises
from tests.cad.factories import incident
from tests.intelligence.factories import contact, record

pytestmark = pytest.mark.django_db

FLAT = "Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB"
NEXT_DOOR = "Flat 21B, Acacia House, 5 Mill Lane, Leeds LS6 2AB"
HOUSE = "12 Acacia Avenue, Leeds LS6 2AB"
PHONE, E164 = "07700 900123", "+447700900123"
OTHER_PHONE = "07700 900456"


# --- The reads one by one, as the check made them before (the oracle) ----------------------


def _records_before(query, result):
    matched = {}
    if query.phone:
        for record_id in IntelRecordPhone.objects.filter(phone=query.phone).values_list(
            "record_id", flat=True
        )[: RECORD_LIMIT * 2]:
            records._add_why(matched, record_id, f"phone {query.phone}", "phone")
    if query.has_address:
        rows = IntelRecordAddress.objects.only("id", "record_id", "premises_id", "address_parts")
        for row, match in rows_at(rows, query.place):
            records._add_why(matched, row.record_id, address_why(match), "address")
    people = {}
    for hit in match_names(query.names) if query.names else []:
        people.setdefault(hit.person_id, hit)
    if people:
        links = IntelRecordPerson.objects.filter(person_id__in=list(people)).values_list(
            "record_id", "person_id"
        )[: RECORD_LIMIT * 4]
        for record_id, person_id in links:
            hit = people[person_id]
            records._add_why(matched, record_id, hit.why, "name")
            matched[record_id]["name_score"] = max(matched[record_id]["name_score"] or 0, hit.score)
    if not matched:
        return people
    rows = list(
        IntelRecord.objects.filter(pk__in=list(matched))
        .prefetch_related(
            Prefetch("person_links", queryset=IntelRecordPerson.objects.select_related("person"))
        )
        .order_by("-occurred_at", "-id")[: RECORD_LIMIT + 1]
    )
    result.truncated = result.truncated or len(rows) > RECORD_LIMIT
    older = {}
    for row in rows[:RECORD_LIMIT]:
        item = records._record_dict(row, matched[row.pk], query.now)
        if item["recent"] or item["live"]:
            result.records.append(item)
        else:
            bucket = older.setdefault(
                row.kind, {"kind": row.kind, "label": item["kind_label"], "count": 0}
            )
            bucket["count"] += 1
            bucket.setdefault("latest_at", item["occurred_at"])
            bucket.setdefault("ids", []).append(row.pk)
    result.records.sort(key=lambda r: r["occurred_at"], reverse=True)
    result.records.sort(
        key=lambda r: (records.SEVERITY_RANK[r["severity"]], records.KIND_RANK[r["kind"]])
    )
    result.older["records"] = sorted(older.values(), key=lambda b: records.KIND_RANK[b["kind"]])
    return people


def _history_filter_before(query, model):
    condition, by_address = Q(), {}
    if query.phone:
        condition |= Q(caller_phone=query.phone)
    if query.has_address:
        rows = model.objects.filter(received_at__lte=query.now).only(
            "id", "premises_id", "address_parts"
        )
        by_address = {row.pk: match for row, match in rows_at(rows, query.place)}
        if by_address:
            condition |= Q(pk__in=list(by_address))
    if not condition:
        return None, {}
    return condition, by_address


def _contacts_before(query, result):
    condition, by_address = _history_filter_before(query, Contact)
    if condition is None:
        return
    base = Contact.objects.filter(condition, received_at__lte=query.now)
    if query.exclude_incident_id:
        base = base.exclude(incident_id=query.exclude_incident_id)
    since, window_start = query.now - RECENT, query.now - history.PATTERN_WINDOW
    counts = base.aggregate(
        recent=Count("id", filter=Q(received_at__gte=since)),
        older=Count("id", filter=Q(received_at__lt=since)),
        window=Count("id", filter=Q(received_at__gte=window_start)),
        first=Min("received_at", filter=Q(received_at__gte=window_start)),
    )
    # The rows and the pattern are read as before (`_contacts`, `_incidents`): only the look-ups
    # and the counts changed.
    history._contacts(query, result, base, counts, by_address)


def _incidents_before(query, result):
    condition, by_address = _history_filter_before(query, Incident)
    if condition is None:
        return
    base = Incident.objects.filter(condition, received_at__lte=query.now)
    if query.exclude_incident_id:
        base = base.exclude(pk=query.exclude_incident_id)
    older = Q(received_at__lt=query.now - RECENT)
    counts = base.aggregate(
        recent=Count("id", filter=Q(received_at__gte=query.now - RECENT)),
        count=Count("id", filter=older),
        domestic_abuse=Count("id", filter=older & Q(domestic_abuse=True)),
    )
    history._incidents(query, result, base, counts, by_address)


def check_before(query: CheckQuery) -> CheckResult:
    result = CheckResult(query=query)
    if not query.empty:
        people = _records_before(query, result)
        _contacts_before(query, result)
        _incidents_before(query, result)
        markers_find(query, result)
        interpret(query, result, people)
    return result


def _same(query: CheckQuery) -> dict:
    before, now = check_before(query).as_dict(), check_compute(query).as_dict()
    before.pop("duration_ms", None), now.pop("duration_ms", None)
    assert now == before
    return now


# --- The data --------------------------------------------------------------------------------


@pytest.fixture(params=["with the register", "free text only"])
def on_record(request):
    """Records, contacts and incidents at the flat, the flat next door, the house and the
    number, of every age that changes what the check says."""
    if request.param == "with the register":
        seed_premises()
    now = timezone.now()
    record("MARAC", now=now, days_ago=40, addresses=[FLAT], phones=[])
    record("DA_CRIME", now=now, days_ago=500, addresses=[FLAT], phones=[PHONE])
    record("DVDS", now=now, days_ago=10, addresses=[NEXT_DOOR], phones=[])
    record(
        "COURT_ORDER",
        now=now,
        days_ago=20,
        phones=[PHONE],
        names=["Anne Example"],
        protected_person="Anne Example",
        restricted_person="Brian Example",
        expires_at=now + timedelta(days=100),
    )
    record("INTELLIGENCE", now=now, days_ago=3, addresses=[HOUSE], names=["Brian Example"])
    for days_ago, address, phone in (
        (1, FLAT, ""),
        (5, FLAT, PHONE),
        (29, "", PHONE),
        (31, FLAT, ""),
        (200, NEXT_DOOR, ""),
        (400, FLAT, ""),
        (2, HOUSE, OTHER_PHONE),
    ):
        contact(now=now, days_ago=days_ago, address=address, phone=phone)
    made = {}
    for key, days_ago, fields in (
        ("flat", 3, {"address": FLAT, "narrative": "My ex hit me"}),
        ("silent", 6, {"caller_phone": PHONE, "narrative": "", "silent": True}),
        (
            "old",
            500,
            {"address": FLAT, "narrative": "Partner threatened me", "domestic_abuse": True},
        ),
        ("next door", 7, {"address": NEXT_DOOR, "narrative": "Noise"}),
        ("house", 8, {"address": HOUSE, "caller_phone": OTHER_PHONE, "narrative": "Theft"}),
    ):
        made[key] = incident(channel="999", now=now - timedelta(days=days_ago), **fields)
    return {"now": now, "incidents": made}


def query(on_record, *, phone="", address="", names=(), exclude=None, current=True):
    return CheckQuery(
        phone=phone,
        address=normalise_address(address),
        names=tuple(names),
        now=on_record["now"],
        exclude_incident_id=on_record["incidents"][exclude].pk if exclude else None,
        counts_current_call=current,
    )


@pytest.mark.parametrize(
    "asked",
    [
        {"phone": E164},
        {"address": FLAT},
        {"address": "flat 21a acacia ho 5 mill la leeds"},
        {"address": "21A Acacia House, 5 Mill Lane, Leeds LS6 2AB"},
        {"address": NEXT_DOOR},
        {"address": "12 Acacia Avnue, Leeds LS6 2AB"},
        {"phone": E164, "address": FLAT},
        {"phone": E164, "address": FLAT, "names": ["anne example", "brian example"]},
        {"names": ["brian example"]},
        {"phone": "+447700900456", "address": HOUSE},
        {"phone": E164, "address": FLAT, "exclude": "flat"},
        {"phone": E164, "exclude": "silent", "current": False},
        {"address": "1 Nowhere Street"},
        {},
    ],
    ids=lambda asked: ",".join(f"{k}={v}" for k, v in asked.items()) or "nothing",
)
def test_the_reads_together_find_what_the_reads_one_by_one_found(on_record, asked):
    found = _same(query(on_record, **asked))
    if asked.get("address") == FLAT:
        assert found["records"] and found["previous_contacts"] and found["previous_incidents"]
    if asked == {"phone": E164}:
        assert found["patterns"] and found["older"]["records"]


def test_history_beyond_the_limit_is_truncated_the_same_way(on_record):
    now = on_record["now"]
    Contact.objects.bulk_create(
        Contact(channel="101", received_at=now - timedelta(hours=n), caller_phone=E164)
        for n in range(1, HISTORY_LIMIT + 5)
    )
    found = _same(query(on_record, phone=E164))
    assert found["truncated"] and len(found["previous_contacts"]) == HISTORY_LIMIT


def test_the_number_and_the_premises_are_read_in_one_round_trip_and_counted_in_another(on_record):
    asked = query(on_record, phone=E164, address=FLAT)
    check_compute(asked)  # the address resolved and the names matched: nothing else to warm
    with CaptureQueriesContext(connection) as captured:
        check_compute(asked)
    statements = [q["sql"] for q in captured.captured_queries]
    # (The markers' own look-up at the number and address is one more, `markers_matching`.)
    together = [s for s in statements if "json_agg" in s and "riskflags_marker" not in s]
    assert len(together) == 1
    assert all(t in together[0] for t in ("intelligence_intelrecordphone", "cad_contact"))
    assert len([s for s in statements if "COUNT(*) FILTER" in s]) == 1

"""Realistic synthetic data, fast: people, intel records and previous contacts for demos and
benchmarks. On PostgreSQL rows go in with COPY (ids assigned here, sequences moved on after);
elsewhere with bulk_create.

`manage.py seed_synthetic` runs every registered generator whose option was given. Other apps
add options (e.g. incidents) with `register_synthetic(SyntheticOption(...))` from their
AppConfig.ready(); each generator receives the shared `SyntheticContext` (random source, the pools
of phones/addresses/people already generated) so the data links up.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from cad.normalise import normalise_address, normalise_name
from premises.addressing import parsed_address_fields

FIRST_NAMES = (
    "Oliver George Harry Jack Jacob Noah Charlie Muhammad Thomas Oscar William James Leo Alfie "
    "Henry Joshua Freddie Archie Ethan Isaac Alexander Joseph Edward Samuel Max Daniel Arthur "
    "Lucas Mohammed Logan Theo Harrison Benjamin Mason Sebastian Finley Adam Dylan Zachary Riley "
    "Teddy Theodore David Elijah Jake Toby Louie Reuben Arlo Hugo Jaxon Luca Matthew Harvey Reggie "
    "Michael Tommy Jenson Frankie Ronnie Tyler Rory Brian Kevin Paul Mark Gary Wayne Dean Craig "
    "Olivia Amelia Isla Ava Emily Isabella Mia Poppy Ella Lily Jessica Sophie Grace Evie Sophia "
    "Ruby Charlotte Daisy Alice Freya Florence Scarlett Phoebe Chloe Sienna Harper Millie Matilda "
    "Ivy Evelyn Esme Rosie Anne Sarah Emma Laura Rachel Hannah Rebecca Gemma Claire Nicola Kelly "
    "Donna Tracey Joanne Lisa Karen Helen Amy Zoe Leah Megan Holly Jade Aisha Fatima Amira Priya"
).split()
SURNAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson "
    "Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen "
    "James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook "
    "Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson "
    "Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali "
    "Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell "
    "Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur "
    "Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks "
    "West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth "
    "Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter "
    "Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding "
    "Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cooke "
    "Bates Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross Cross Long Freeman"
).split()
STREET_NAMES = (
    "Acacia Church Station Victoria Park Mill High Chapel Manor School Queens Kings New Green "
    "Grange Springfield Windsor Highfield Albert Alexandra Stanley Kingsway Oakfield Beech Elm "
    "Cedar Willow Ash Maple Holly Rowan Hawthorn Laburnum Meadow Orchard Brook Hillside Moorland "
    "Westfield Eastfield Northfield Southfield Cliff Harehills Roundhay Headingley Chapeltown "
    "Armley Beeston Bramley Horsforth Otley Wetherby Garforth Rothwell Morley Pudsey Yeadon "
    "Kirkstall Burley Woodhouse Hyde Meanwood Moortown Alwoodley Seacroft Gipton Osmondthorpe"
).split()
STREET_TYPES = (
    "Road Street Avenue Lane Drive Close Crescent Grove Terrace Place Way Gardens".split()
)
TOWNS = [
    ("Leeds", "LS"),
    ("Bradford", "BD"),
    ("Wakefield", "WF"),
    ("Huddersfield", "HD"),
    ("Halifax", "HX"),
    ("Sheffield", "S"),
    ("York", "YO"),
    ("Harrogate", "HG"),
]
SUMMARIES = {
    "DA_CRIME": "{a} assaulted partner {b} at home; injuries recorded",
    "MARAC": "{b} heard at MARAC as a high-risk victim; safety plan agreed",
    "DVDS": "Clare's Law disclosure to {b} about {a}'s previous violence",
    "SAFEGUARDING": "Safeguarding referral: children at the address, concerns raised by school",
    "COURT_ORDER": "Non-molestation order: {a} must not contact {b}",
    "BAIL_CONDITIONS": "{a} on bail: not to contact {b} or enter the street",
    "INTELLIGENCE": "Intelligence: {a} linked to supply of drugs from the address",
    "WARNING": "Warning: {a} known to carry a knife; violent to police",
}
KIND_WEIGHTS = [
    ("INTELLIGENCE", 30),
    ("DA_CRIME", 20),
    ("SAFEGUARDING", 13),
    ("COURT_ORDER", 10),
    ("WARNING", 8),
    ("BAIL_CONDITIONS", 7),
    ("DVDS", 6),
    ("MARAC", 6),
]
CHANNELS = [("999", 35), ("101", 35), ("SWITCHBOARD", 15), ("ONLINE", 10), ("FRONT_COUNTER", 5)]


@dataclass
class SyntheticContext:
    rng: random.Random
    now: datetime
    batch: int
    stdout: object = None
    phones: list[str] = field(default_factory=list)
    addresses: list[tuple[str, object]] = field(default_factory=list)  # (raw, Address)
    person_ids: list[int] = field(default_factory=list)
    person_names: dict[int, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # raw address -> its parsed `premises.AddressedModel` columns (parsed once per address)
    address_columns: dict[str, dict] = field(default_factory=dict)

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text)


@dataclass(frozen=True)
class SyntheticOption:
    flag: str  # e.g. "--intel-records"
    dest: str
    help: str
    generate: Callable[[int, SyntheticContext], int]  # returns rows written
    order: int = 100


_OPTIONS: dict[str, SyntheticOption] = {}


def register_synthetic(option: SyntheticOption) -> None:
    _OPTIONS[option.dest] = option


def synthetic_options() -> list[SyntheticOption]:
    return sorted(_OPTIONS.values(), key=lambda o: (o.order, o.dest))


# --- Pools -------------------------------------------------------------------------------------


def ensure_pools(ctx: SyntheticContext, *, phones: int, addresses: int) -> None:
    """Phones and addresses shared by records and contacts, so checks find things."""
    rng = ctx.rng
    while len(ctx.phones) < phones:
        ctx.phones.append(f"+447{rng.randint(400000000, 999999999)}")
    while len(ctx.addresses) < addresses:
        town, area = rng.choice(TOWNS)
        number = rng.randint(1, 250)
        flat = f"Flat {rng.randint(1, 12)}, " if rng.random() < 0.12 else ""
        raw = (
            f"{flat}{number} {rng.choice(STREET_NAMES)} {rng.choice(STREET_TYPES)}, {town} "
            f"{area}{rng.randint(1, 29)} {rng.randint(1, 9)}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        )
        ctx.addresses.append((raw, normalise_address(raw)))


def address_columns(ctx: SyntheticContext, raw: str) -> dict:
    """The premises columns of a pool address (parsed, no premises: the register is separate)."""
    columns = ctx.address_columns.get(raw)
    if columns is None:
        columns = ctx.address_columns[raw] = parsed_address_fields(raw)
    return columns


def _random_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


# --- Writing rows ------------------------------------------------------------------------------


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")


def next_ids(model, count: int) -> range:
    """Reserve `count` ids for `model` (explicit ids so links can be written in the same pass)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return range(start, start + count)


def _reset_sequence(model) -> None:
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def write_rows(model, columns: list[str], rows: Iterable[tuple]) -> int:
    """Write rows (tuples in `columns` order, `id` included) with COPY or bulk_create."""
    written = 0
    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_value(v) for v in row))
            buffer.write("\n")
            written += 1
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", buffer
            )
    else:
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=500)
        written = len(objs)
    return written


def _columns_with_defaults(model, values: dict) -> tuple[list[str], list]:
    """Every concrete column of `model`: the given values, else the field's default (so a column
    another app adds later does not break the generator)."""
    columns, defaults = [], []
    for f in model._meta.concrete_fields:
        columns.append(f.column)
        defaults.append(values.get(f.column, values.get(f.name, f.get_default())))
    return columns, defaults


# --- Generators --------------------------------------------------------------------------------


def generate_people(count: int, ctx: SyntheticContext) -> int:
    from intelligence.models import Person, PersonName

    rng, written = ctx.rng, 0
    ids = next_ids(Person, count)
    name_ids = iter(next_ids(PersonName, int(count * 1.2) + 10))
    for start in range(0, count, ctx.batch):
        chunk = ids[start : start + ctx.batch]
        people, names = [], []
        for pid in chunk:
            name = _random_name(rng)
            dob = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
            people.append((pid, name, dob, ctx.now))
            names.append((next(name_ids), pid, name, normalise_name(name), "PRIMARY"))
            if rng.random() < 0.1:
                alias = f"{rng.choice(FIRST_NAMES)} {name.split()[-1]}"
                if normalise_name(alias) != normalise_name(name):
                    names.append((next(name_ids), pid, alias, normalise_name(alias), "ALIAS"))
            ctx.person_ids.append(pid)
            ctx.person_names[pid] = name
        with transaction.atomic():
            written += write_rows(
                Person, ["id", "display_name", "date_of_birth", "created_at"], people
            )
            write_rows(PersonName, ["id", "person_id", "name", "name_normalised", "kind"], names)
        ctx.say(f"  people {start + len(chunk)}/{count}")
    _reset_sequence(Person)
    _reset_sequence(PersonName)
    return written


RECORD_COLUMNS = [
    "id",
    "kind",
    "summary",
    "occurred_at",
    "expires_at",
    "risk_level",
    "conditions",
    "protected_person_id",
    "restricted_person_id",
    "source_reference",
    "created_at",
    "created_by_id",
]
ADDRESS_COLUMNS = [
    "id",
    "record_id",
    "address",
    "address_normalised",
    "address_numbers",
    "postcode",
    "premises_id",
    "address_parts",
    "address_block_street",
    "address_block_postcode",
    "address_block_building",
]
FIVE_YEARS = 5 * 365 * 86400


def generate_intel_records(count: int, ctx: SyntheticContext) -> int:
    """`count` intel records of weighted kinds between existing (or new) people, most linked to
    a number and an address from the shared pools, written in batches. Returns rows written."""
    from intelligence.models import (
        IntelRecord,
        IntelRecordAddress,
        IntelRecordPerson,
        IntelRecordPhone,
        Person,
    )

    if not ctx.person_ids:
        ctx.person_ids = list(Person.objects.values_list("id", flat=True)[:1_000_000])
        ctx.person_names = dict(Person.objects.values_list("id", "display_name")[:1_000_000])
    if not ctx.person_ids:
        generate_people(max(1000, count // 2), ctx)
    ensure_pools(ctx, phones=max(1000, count // 3), addresses=max(1000, count // 2))
    kinds = [k for k, _ in KIND_WEIGHTS]
    weights = [w for _, w in KIND_WEIGHTS]
    record_ids = next_ids(IntelRecord, count)
    ids = {
        "links": iter(next_ids(IntelRecordPerson, count * 2 + 10)),
        "phones": iter(next_ids(IntelRecordPhone, count + 10)),
        "addresses": iter(next_ids(IntelRecordAddress, count + 10)),
    }
    written = 0
    for start in range(0, count, ctx.batch):
        chunk = record_ids[start : start + ctx.batch]
        rows = {"records": [], "links": [], "phones": [], "addresses": []}
        for rid, kind in zip(chunk, ctx.rng.choices(kinds, weights, k=len(chunk)), strict=True):
            _record_rows(rid, kind, ctx, ids, rows)
        with transaction.atomic():
            written += write_rows(IntelRecord, RECORD_COLUMNS, rows["records"])
            write_rows(IntelRecordPerson, ["id", "record_id", "person_id", "role"], rows["links"])
            write_rows(IntelRecordPhone, ["id", "record_id", "phone"], rows["phones"])
            write_rows(IntelRecordAddress, ADDRESS_COLUMNS, rows["addresses"])
        ctx.say(f"  intel records {start + len(chunk)}/{count}")
    for model in (IntelRecord, IntelRecordPerson, IntelRecordPhone, IntelRecordAddress):
        _reset_sequence(model)
    return written


def _record_rows(rid: int, kind: str, ctx: SyntheticContext, ids: dict, rows: dict) -> None:
    """Append one record's rows (the record, its people, number and address) to `rows`."""
    from intelligence.matching import numbers_key

    rng, now = ctx.rng, ctx.now
    a, b = rng.choice(ctx.person_ids), rng.choice(ctx.person_ids)
    occurred = now - timedelta(seconds=rng.randint(3600, FIVE_YEARS))
    expires = None
    if kind in ("COURT_ORDER", "BAIL_CONDITIONS", "WARNING") and rng.random() < 0.8:
        expires = occurred + timedelta(days=rng.randint(30, 730))
    protected = restricted = None
    if kind == "COURT_ORDER":
        protected, restricted = b, a
    summary = SUMMARIES[kind].format(a=ctx.person_names[a], b=ctx.person_names[b])
    risk = "HIGH" if kind == "MARAC" else ""
    rows["records"].append(
        (
            *(rid, kind, summary, occurred, expires, risk, "", protected, restricted),
            f"SYN-{rid}",
            now,  # created_at
            None,  # created_by_id
        )
    )
    role_a = "RESTRICTED" if kind == "COURT_ORDER" else "SUSPECT"
    rows["links"].append((next(ids["links"]), rid, a, role_a))
    if b != a and (kind in ("COURT_ORDER", "DA_CRIME", "DVDS") or rng.random() < 0.4):
        role_b = "PROTECTED" if kind == "COURT_ORDER" else "VICTIM"
        rows["links"].append((next(ids["links"]), rid, b, role_b))
    if rng.random() < 0.7:
        rows["phones"].append((next(ids["phones"]), rid, rng.choice(ctx.phones)))
    if rng.random() < 0.8:
        raw, address = rng.choice(ctx.addresses)
        rows["addresses"].append(
            (
                next(ids["addresses"]),
                rid,
                raw,
                address.normalised,
                numbers_key(address.numbers),
                address.postcode,
                *address_columns(ctx, raw).values(),
            )
        )


def generate_contacts(count: int, ctx: SyntheticContext) -> int:
    """Previous contacts (cad) from the same pools of numbers and addresses."""
    from cad.models import Contact

    rng, now = ctx.rng, ctx.now
    ensure_pools(ctx, phones=max(1000, count // 2), addresses=max(1000, count // 2))
    channels = [c for c, _ in CHANNELS]
    weights = [w for _, w in CHANNELS]
    ids = next_ids(Contact, count)
    two_years = 2 * 365 * 86400
    written = 0
    for start in range(0, count, ctx.batch):
        chunk = ids[start : start + ctx.batch]
        rows, columns = [], None
        for cid, channel in zip(chunk, rng.choices(channels, weights, k=len(chunk)), strict=True):
            phone = rng.choice(ctx.phones)
            raw, address = rng.choice(ctx.addresses)
            values = {
                "id": cid,
                "channel": channel,
                "received_at": now - timedelta(seconds=rng.randint(60, two_years)),
                "handler_id": None,
                "caller_name": _random_name(rng),
                "caller_phone": phone,
                "caller_phone_raw": "0" + phone[3:],
                "phone_valid": True,
                "address": raw,
                "address_normalised": address.normalised,
                **address_columns(ctx, raw),
                "summary": "Caller reports concern about a neighbour",
                "incident_id": None,
            }
            columns, row = _columns_with_defaults(Contact, values)
            rows.append(tuple(row))
        with transaction.atomic():
            written += write_rows(Contact, columns, rows)
        ctx.say(f"  contacts {start + len(chunk)}/{count}")
    _reset_sequence(Contact)
    return written


register_synthetic(
    SyntheticOption(
        "--people", "people", "people (names, dates of birth, aliases)", generate_people, 10
    )
)
register_synthetic(
    SyntheticOption(
        "--intel-records",
        "intel_records",
        "intel records linked to people, numbers and addresses",
        generate_intel_records,
        20,
    )
)
register_synthetic(
    SyntheticOption(
        "--contacts",
        "contacts",
        "previous contacts (cad) from the same numbers and addresses",
        generate_contacts,
        30,
    )
)


def run(values: dict[str, int], *, seed: int, batch: int, stdout=None, now=None) -> dict:
    """Run each generator given a positive count, in order. Returns {dest: (rows, seconds)}."""
    import time

    ctx = SyntheticContext(
        rng=random.Random(seed), now=now or timezone.now(), batch=batch, stdout=stdout
    )
    done = {}
    for option in synthetic_options():
        count = values.get(option.dest) or 0
        if count <= 0:
            continue
        started = time.perf_counter()
        rows = option.generate(count, ctx)
        done[option.dest] = (rows, time.perf_counter() - started)
    if connection.vendor == "postgresql" and done:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return done

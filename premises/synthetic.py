"""An invented gazetteer at force scale, fast, for benchmarks: towns with postcode districts,
streets whose names repeat across towns (as "Church Road" does), houses numbered along them,
and blocks of flats with named buildings. Rows go in with COPY on PostgreSQL (bulk_create
elsewhere); the search index is dropped during the load and rebuilt after, as a bulk import of
AddressBase would do.

    generate_premises(1_000_000, seed=1)  # ~2-4 minutes on 2 cores
"""

from __future__ import annotations

import io
import random
import time

from django.db import connection
from django.utils import timezone

from premises.models import Premises
from premises.services import premises_fields, premises_vocabulary_rebuild

TOWNS = [
    ("Leeds", "LS", 30),
    ("Bradford", "BD", 24),
    ("Wakefield", "WF", 17),
    ("Huddersfield", "HD", 9),
    ("Halifax", "HX", 7),
    ("Harrogate", "HG", 5),
    ("York", "YO", 32),
    ("Sheffield", "S", 36),
    ("Doncaster", "DN", 22),
    ("Otley", "LS", 21),
    ("Ilkley", "LS", 29),
    ("Keighley", "BD", 22),
    ("Pontefract", "WF", 8),
    ("Dewsbury", "WF", 13),
    ("Batley", "WF", 17),
    ("Barnsley", "S", 75),
    ("Rotherham", "S", 65),
    ("Castleford", "WF", 10),
    ("Selby", "YO", 8),
    ("Skipton", "BD", 23),
]
LOCALITIES = (
    "Headingley Chapel Allerton Roundhay Beeston Armley Bramley Horsforth Kirkstall Meanwood "
    "Moortown Alwoodley Seacroft Gipton Harehills Burley Woodhouse Hunslet Holbeck Wortley "
    "Farsley Calverley Shipley Baildon Bingley Heaton Manningham Thornbury Idle Eccleshill "
    "Sandal Outwood Stanley Crofton Lindley Marsh Paddock Almondbury Sowerby Ovenden Skircoat"
).split()
NAMES = (
    "Acacia Church Station Victoria Park Mill High Chapel Manor School Queens Kings New Green "
    "Grange Spring Windsor Albert Alexandra Stanley Oak Beech Elm Cedar Willow Ash Maple Holly "
    "Rowan Hawthorn Laburnum Meadow Orchard Brook Hill Moor West East North South Cliff Fern "
    "Heather Ivy Lime Poplar Chestnut Hazel Birch Larch Pine Yew Sycamore Alder Linden Juniper "
    "Primrose Bluebell Daisy Clover Foxglove Lavender Rose Violet Abbey Castle Bridge Ferry "
    "Market Cross Farm Glebe Vicarage Rectory Priory Wharf Quarry Kiln Forge Tannery Wool Weaver "
    "Cotton Lister Salt Titus Brunswick Hanover Clarence Cavendish Devonshire Marlborough "
    "Wellington Nelson Gladstone Peel Milton Shelley Byron Keats Tennyson Wordsworth Bronte"
).split()
SUFFIXES = ["", "", "", "field", "wood", "ley", "ton", "dale", "croft", "holme", "thorpe", "side"]
STREET_TYPES = (
    ["Road"] * 6
    + ["Street"] * 5
    + ["Lane"] * 4
    + ["Avenue"] * 3
    + ["Drive", "Close", "Crescent", "Grove", "Gardens", "Terrace", "Way", "Place", "Court"]
    + ["View", "Mount", "Rise", "Walk", "Mews", "Green", "Square", "Parade", "Row"]
)
BUILDING_TYPES = ["House", "Court", "Lodge", "Mansions", "Heights", "Apartments", "Point"]
COLUMNS = [
    "uprn",
    "sub_building",
    "building_name",
    "building_number",
    "street",
    "locality",
    "town",
    "postcode",
    "latitude",
    "longitude",
    "sub_building_key",
    "building_key",
    "number_key",
    "street_key",
    "locality_key",
    "town_key",
    "search_text",
    "updated_at",
]
FIRST_UPRN = 10_000_000_000


def _postcodes(rng: random.Random, area: str, district: int):
    """Unit postcodes of one district, in order: "LS6 1AA", "LS6 1AB", ..."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    while True:
        sector = rng.randint(1, 9)
        for first in letters:
            for second in letters:
                yield f"{area}{district} {sector}{first}{second}"


def _rows(count: int, rng: random.Random):
    """Premises rows as dicts in the import shape, street by street."""
    uprn = FIRST_UPRN
    made = 0
    postcode_streams = {}
    while made < count:
        town, area, districts = rng.choice(TOWNS)
        district = rng.randint(1, districts)
        stream = postcode_streams.setdefault(
            (area, district), _postcodes(random.Random(f"{area}{district}"), area, district)
        )
        street = f"{rng.choice(NAMES)}{rng.choice(SUFFIXES)} {rng.choice(STREET_TYPES)}"
        locality = rng.choice(LOCALITIES) if rng.random() < 0.6 else ""
        latitude, longitude = 53.3 + rng.random() * 0.8, -2.0 + rng.random() * 1.0
        postcode, in_postcode = next(stream), 0
        for number in range(1, rng.randint(6, 90)):
            if in_postcode >= rng.randint(8, 25):
                postcode, in_postcode = next(stream), 0
            base = {
                "building_number": str(number) + ("A" if rng.random() < 0.03 else ""),
                "street": street,
                "locality": locality,
                "town": town,
                "postcode": postcode,
                "latitude": round(latitude + number * 1e-4, 6),
                "longitude": round(longitude + number * 1e-4, 6),
            }
            flats = [""]
            if rng.random() < 0.08:
                base["building_name"] = f"{rng.choice(NAMES)} {rng.choice(BUILDING_TYPES)}"
                floors, doors = rng.randint(2, 8), rng.randint(2, 4)
                flats = [f"Flat {f}{'ABCD'[d]}" for f in range(1, floors + 1) for d in range(doors)]
                if rng.random() < 0.3:
                    flats = [f"Flat {i}" for i in range(1, len(flats) + 1)]
            for flat in flats:
                uprn += 1
                made += 1
                in_postcode += 1
                yield {"uprn": uprn, "sub_building": flat, **base}
                if made >= count:
                    return


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def generate_premises(count: int, *, seed: int = 1, batch: int = 50_000) -> dict:
    """Add `count` invented premises (UPRNs from `FIRST_UPRN`) and rebuild the search vocabulary.
    Returns timings: {"rows", "generate_s", "index_s", "vocabulary_s"}."""
    rng = random.Random(seed)
    started = time.perf_counter()
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS premises_search_words_idx")
    buffer, pending, written = io.StringIO(), [], 0
    now = timezone.now().isoformat()
    for raw in _rows(count, rng):
        fields = premises_fields(raw)
        if postgres:
            values = [fields.get(c) for c in COLUMNS[:-1]] + [now]
            buffer.write("\t".join(_copy_value(v) for v in values) + "\n")
        else:
            pending.append(Premises(**fields))
        written += 1
        if written % batch == 0:
            _flush(buffer, pending)
            buffer, pending = io.StringIO(), []
    _flush(buffer, pending)
    generated = time.perf_counter()
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS premises_search_words_idx ON premises_premises "
                "USING gin (array_to_tsvector(string_to_array(search_text, ' ')))"
            )
            cursor.execute("ANALYZE premises_premises")
    indexed = time.perf_counter()
    premises_vocabulary_rebuild()
    return {
        "rows": written,
        "generate_s": generated - started,
        "index_s": indexed - generated,
        "vocabulary_s": time.perf_counter() - indexed,
    }


def _flush(buffer: io.StringIO, pending: list) -> None:
    if pending:
        Premises.objects.bulk_create(pending, batch_size=1000)
    if buffer.tell():
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY premises_premises ({', '.join(COLUMNS)}) FROM STDIN", buffer)

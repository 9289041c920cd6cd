"""A small invented gazetteer for `manage.py seed_demo`: the premises of every demo address, the
flats of Acacia House (21A has a marker in the story; 21B is its neighbour) and their
neighbours. UPRNs are in an invented range; importing by UPRN makes seeding idempotent."""

from premises.services import premises_import, premises_vocabulary_rebuild

FIRST_UPRN = 990_000_000_001

# sub-building, building name, number, street, locality, town, postcode, latitude, longitude
PREMISES = [
    ("", "Acacia House", "5", "Mill Lane", "Headingley", "Leeds", "LS6 2AB", 53.8196, -1.5765),
    *[
        (f"Flat {n}{letter}", "Acacia House", "5", "Mill Lane", "Headingley", "Leeds", "LS6 2AB")
        + (53.8196, -1.5765)
        for n in (20, 21, 22)
        for letter in "ABC"
    ],
    *[
        ("", "", str(n), "Acacia Avenue", "Headingley", "Leeds", "LS6 2AB", 53.8201, -1.5771)
        for n in (10, 12, 14, 16)
    ],
    ("", "", "4", "Beech Grove", "Headingley", "Leeds", "LS6 1AA", 53.8172, -1.5702),
    ("", "", "6", "Beech Grove", "Headingley", "Leeds", "LS6 1AA", 53.8173, -1.5704),
    ("", "", "3", "Mill Lane", "Chapel Allerton", "Leeds", "LS7 1QQ", 53.8290, -1.5390),
    ("", "", "27", "Cedar Road", "Chapel Allerton", "Leeds", "LS7 3QT", 53.8301, -1.5362),
    ("", "Red Lion", "1", "High Street", "", "Leeds", "LS1 1AA", 53.7965, -1.5478),
    ("", "", "40", "High Street", "", "Leeds", "LS1 4AB", 53.7970, -1.5460),
    ("Flat 1", "", "40", "High Street", "", "Leeds", "LS1 4AB", 53.7970, -1.5460),
    ("Flat 2", "", "40", "High Street", "", "Leeds", "LS1 4AB", 53.7970, -1.5460),
    ("", "", "8", "Park View", "Beeston", "Leeds", "LS11 5AB", 53.7781, -1.5560),
    *[
        (f"Flat {n}", "", "8", "Park View", "Beeston", "Leeds", "LS11 5AB", 53.7781, -1.5560)
        for n in (1, 2, 3, 4)
    ],
    ("", "", "4", "Mill Lane", "", "Otley", "LS21 1AA", 53.9050, -1.6930),
    ("", "", "27", "Church Road", "", "Ilkley", "LS29 9AA", 53.9250, -1.8220),
    ("Flat 2/1", "", "10", "Main Street", "", "Leeds", "LS2 9JT", 53.8008, -1.5491),
]

COLUMNS = (
    "sub_building",
    "building_name",
    "building_number",
    "street",
    "locality",
    "town",
    "postcode",
    "latitude",
    "longitude",
)


def demo_rows() -> list[tuple[int, dict]]:
    return [
        (line, {"uprn": FIRST_UPRN + line, **dict(zip(COLUMNS, row, strict=True))})
        for line, row in enumerate(PREMISES)
    ]


def seed_premises(stdout=None) -> None:
    premises_import(actor=None, rows=demo_rows(), source="demo gazetteer")
    premises_vocabulary_rebuild()

"""How address text is folded into comparable words: one spelling for every way a handler or a
gazetteer writes the same thing.

Shared by the parser, the matcher, the search index and the search itself, so "Acacia Ho",
"ACACIA HOUSE" and "Acácia House" are the same words everywhere.
"""

import re
import unicodedata

# Longest address text we read. A caller's address is never longer; anything beyond is noise
# and must not cost the search (or a regex) more than this.
MAX_ADDRESS_CHARS = 300

# Street and building words with the abbreviations handlers and gazetteers use (Royal Mail's
# PAF and local gazetteers spell them out; handlers do not). "st" is not here: it is "street"
# at the end of a street and "saint" before a name ("St Mary's Road"), decided in context.
ABBREVIATIONS = {
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "avn": "avenue",
    "la": "lane",
    "ln": "lane",
    "dr": "drive",
    "drv": "drive",
    "cl": "close",
    "ct": "court",
    "crt": "court",
    "cres": "crescent",
    "cresc": "crescent",
    "cr": "crescent",
    "gdns": "gardens",
    "gdn": "garden",
    "gr": "grove",
    "gro": "grove",
    "grv": "grove",
    "pl": "place",
    "sq": "square",
    "terr": "terrace",
    "ter": "terrace",
    "tce": "terrace",
    "pk": "park",
    "pde": "parade",
    "wy": "way",
    "wk": "walk",
    "hl": "hill",
    "hse": "house",
    "ho": "house",
    "bldgs": "buildings",
    "bldg": "building",
    "mans": "mansions",
    "apts": "apartments",
    "twr": "tower",
    "hts": "heights",
    "ctr": "centre",
    "est": "estate",
    "fm": "farm",
    "cott": "cottage",
    "cotts": "cottages",
    "upr": "upper",
    "lwr": "lower",
    "mt": "mount",
    "gt": "great",
    "lt": "little",
}
# Not here: single letters ("n" for north): "Flat E" and "Flat N" are flats, and a lone letter is
# more often a flat than a compass point.

# Words that end a street name ("Mill Lane", "Park View"). A run of words ending in one of
# these after a house number is the street.
STREET_TYPES = frozenset(
    "road lane street avenue drive close court crescent gardens garden grove place square "
    "terrace park parade way walk hill row mews view rise green mount vale wharf hall yard "
    "approach bank brow fold gate gardens glade boulevard broadway causeway circus croft "
    "embankment esplanade garth gate grange heights lea meadow meadows orchard paddock passage "
    "path promenade quay ridge side spur wynd chase dale end field fields wood way".split()
)

# Words that end a building's name ("Acacia House", "Park View Court").
BUILDING_TYPES = frozenset(
    "house court mansions lodge tower towers heights buildings building apartments flats hall "
    "point cottage cottages farm manor chambers centre works barn villa villas residence "
    "wharf".split()
)

# Words that name a flat or other unit inside a building: the number after them is the
# sub-building ("Flat 21A", "Apartment 3", "Unit 4").
FLAT_WORDS = frozenset(
    "flat flats apartment apt unit suite room maisonette studio bedsit annexe annex".split()
)

# "Ground floor flat", "1st floor": floors name a flat too.
FLOORS = {
    "basement": "basement",
    "lower": "lower",
    "ground": "ground",
    "first": "first",
    "1st": "first",
    "second": "second",
    "2nd": "second",
    "third": "third",
    "3rd": "third",
    "fourth": "fourth",
    "4th": "fourth",
    "top": "top",
    "upper": "upper",
}

# Words that carry no meaning in an address ("No. 5", "Number 5").
NOISE = frozenset({"no", "number", "nos", "at", "of"})

POSTCODE = re.compile(r"\b([a-z]{1,2}\d[a-z\d]?)\s*(\d[a-z]{2})\b")
OUTCODE = re.compile(r"^[a-z]{1,2}\d[a-z\d]?$")
# A house or flat number: "5", "21a", "12-14", "2/1" (a Scottish tenement flat: floor/door).
NUMBER = re.compile(r"^\d+[a-z]?(?:[-/]\d+[a-z]?)?$")


def fold(text: str | None) -> str:
    """Lower-case ASCII with accents removed and `&` as "and"; length-capped.

    "Acácia HOUSE" -> "acacia house". Characters with no ASCII form (CJK, emoji) are dropped.
    """
    text = (text or "")[:MAX_ADDRESS_CHARS]
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("&", " and ")
    return text.encode("ascii", "ignore").decode("ascii")


def split_words(text: str) -> list[str]:
    """Words of folded text, punctuation dropped; numbers kept whole ("12 a" -> "12a",
    "2 / 1" -> "2/1", "12 - 14" -> "12-14")."""
    text = re.sub(r"['`]", "", text)
    text = re.sub(r"(\d)\s*([/-])\s*(\d)", r"\1\2\3", text)
    text = re.sub(r"\b(\d+)\s+([a-z])\b(?!\s*[/-]?\s*\d)", r"\1\2", text)
    text = re.sub(r"[^a-z0-9/\-\s]", " ", text)
    text = re.sub(r"(?<!\d)[/-]|[/-](?!\d)", " ", text)
    return text.split()


def canonical_words(words: list[str]) -> list[str]:
    """Abbreviations spelt out. "st" is "saint" when it starts a name that goes on ("St Mary's
    Road"), otherwise "street" ("High St", "High St Leeds")."""
    out = []
    for i, word in enumerate(words):
        if word == "st":
            out.append("saint" if i == 0 and len(words) > 1 else "street")
        else:
            out.append(ABBREVIATIONS.get(word, word))
    return out


def key(text: str | None) -> str:
    """The comparable form of one address field: "Acacia Ho" -> "acacia house",
    "St Mary's Rd" -> "saint marys road"."""
    words = [w for w in split_words(fold(text)) if w not in NOISE]
    return " ".join(canonical_words(words))


def sub_building_key(text: str | None) -> str:
    """A flat or unit as compared: "Flat 21A" -> "21a", "Apartment 3" -> "3",
    "flat 2/1" -> "2/1", "First Floor Flat" -> "first floor", "Basement" -> "basement"."""
    words = split_words(fold(text))
    words = [FLOORS.get(w, w) for w in words if w not in FLAT_WORDS and w not in NOISE]
    return " ".join(canonical_words(words))


def number_key(text: str | None) -> str:
    """A building number as compared: " 5A " -> "5a"; "12 - 14" -> "12-14"."""
    return "".join(split_words(fold(text)))


def postcode_key(text: str | None) -> str:
    """A full UK postcode in its standard form ("ls62ab" -> "LS6 2AB"), or ""."""
    match = POSTCODE.search(fold(text))
    return f"{match.group(1)} {match.group(2)}".upper() if match else ""


def is_number(word: str) -> bool:
    return bool(NUMBER.match(word))

"""Normalising what callers say so that records link: phone numbers (E.164) and UK addresses.

Shared by contacts, intelligence and markers, so a number or an address is compared the same
way everywhere.
"""

import re
from dataclasses import dataclass

import phonenumbers
from django.conf import settings

from cad.names import canonical_name


@dataclass(frozen=True)
class Phone:
    raw: str
    e164: str  # "" when the number could not be parsed
    valid: bool  # True when it parsed to E.164 (or was empty); False: kept as given, flagged

    @property
    def stored(self) -> str:
        """What to store: the E.164 form, or the raw text (flagged invalid) so nothing is lost."""
        return self.e164 or self.raw


def _plausible(raw: str, number) -> bool:
    """A number we can link records by. Not only `is_valid_number`: that rejects numbers in
    unallocated or reserved ranges (e.g. Ofcom's 07700 900xxx drama range), and a caller's
    number must not be flagged because a library's range table is out of date. But a number
    with letters, a stray leading zero or a length no mobile or landline has is not one."""
    if phonenumbers.is_valid_number(number):
        return True
    if re.search(r"[A-Za-z]", raw) or number.italian_leading_zero:
        return False
    possible = phonenumbers.ValidationResult.IS_POSSIBLE
    return any(
        phonenumbers.is_possible_number_for_type_with_reason(number, kind) == possible
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)
    )


def normalise_phone(raw: str | None, region: str | None = None) -> Phone:
    """Parse a number in any common format ("07700 900123", "+44 7700 900123",
    "447700900123", "0044...") into E.164. An unparseable number is kept as given."""
    raw = (raw or "").strip()
    if not raw:
        return Phone(raw="", e164="", valid=True)
    region = region or settings.PHONE_DEFAULT_REGION
    candidates = [raw]
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("00"):
        candidates.append("+" + digits[2:])
    elif not raw.startswith("+") and digits.startswith("44") and len(digits) >= 12:
        candidates.append("+" + digits)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if _plausible(raw, number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return Phone(raw=raw, e164=e164, valid=True)
    return Phone(raw=raw, e164="", valid=False)


# Street-type and common abbreviations, folded to one spelling.
ADDRESS_WORDS = {
    "rd": "road",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "avn": "avenue",
    "ln": "lane",
    "dr": "drive",
    "cl": "close",
    "ct": "court",
    "cres": "crescent",
    "cresc": "crescent",
    "gdns": "gardens",
    "gr": "grove",
    "gro": "grove",
    "pl": "place",
    "sq": "square",
    "terr": "terrace",
    "ter": "terrace",
    "tce": "terrace",
    "pk": "park",
    "wy": "way",
    "hse": "house",
    "ho": "house",
    "bldgs": "buildings",
    "apt": "flat",
    "apartment": "flat",
    "fl": "flat",
    "no": "",
    "number": "",
    "nr": "near",
    "opp": "opposite",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "upr": "upper",
    "lwr": "lower",
    "mt": "mount",
}

POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Address:
    raw: str
    normalised: str  # e.g. "12 acacia avenue leeds ls6 2ab"
    numbers: tuple[str, ...]  # house and flat numbers, e.g. ("12",) or ("3", "12a")
    postcode: str  # "LS6 2AB" or ""


def normalise_postcode(text: str) -> str:
    match = POSTCODE.search(text or "")
    return f"{match.group(1).upper()} {match.group(2).upper()}" if match else ""


def normalise_address(raw: str | None) -> Address:
    """Fold case, punctuation, abbreviations and postcode spacing so one address compares equal
    however it was typed. Numbers are kept apart: two houses on one street never match."""
    raw = (raw or "").strip()
    if not raw:
        return Address(raw="", normalised="", numbers=(), postcode="")
    postcode = normalise_postcode(raw)
    text = POSTCODE.sub(" ", raw) if postcode else raw
    text = text.lower().replace("&", " and ")
    text = re.sub(r"(\d+)\s*([a-z])\b", r"\1\2", text)  # "12 a" -> "12a"
    text = re.sub(r"[^\w\s]", " ", text)
    words = []
    for word in text.split():
        word = ADDRESS_WORDS.get(word, word)
        if word:
            words.append(word)
    numbers = tuple(w for w in words if re.fullmatch(r"\d+[a-z]?", w))
    if postcode:
        words.append(postcode.lower())
    return Address(raw=raw, normalised=" ".join(words), numbers=numbers, postcode=postcode)


def normalise_name(raw: str | None) -> str:
    """The form names are compared and stored in (`cad.names.canonical_name`, the one name
    matcher): "Mrs. Anne  O'Brien" -> "anne obrien", "MCDONALD, Kirsty" -> "kirsty mcdonald",
    "Brian Example (ex-husband)" -> "brian example"."""
    return canonical_name(raw)

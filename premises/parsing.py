"""Free-text UK addresses into their parts (flat, building name and number, street, places,
postcode), the way a handler types them and a caller says them.

No PyPI library fits: the libpostal bindings need a native library and a 2 GB model, deepparse
downloads model weights at run time, and the UK postcode packages wrap the same one-line regex
used here (some with a 19 MB table and downloads). So this is a small rule-based parser over the
shapes UK addresses take, tested on each shape (tests/premises/test_parsing.py):

    "Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB"
    "21A Acacia House 5 Mill La"      a number before a named building is its flat
    "flat 2/1, 10 Main St, Glasgow"   a tenement flat (floor/door)
    "Apartment 3", "Ground floor flat", "5a", "ls62ab", any case, accents, 300+ characters

Parts come out in their compared ("key") form: lower case, abbreviations spelt out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from premises.words import (
    BUILDING_TYPES,
    FLAT_WORDS,
    FLOORS,
    NOISE,
    OUTCODE,
    POSTCODE,
    STREET_TYPES,
    canonical_words,
    fold,
    is_number,
    split_words,
)


@dataclass(frozen=True)
class AddressParts:
    """One address in compared form. Every field may be empty: callers give what they know."""

    sub_building: str = ""  # "21a", "2/1", "first floor"
    building_name: str = ""  # "acacia house"
    building_number: str = ""  # "5", "5a", "12-14"
    street: str = ""  # "mill lane"
    locality: str = ""  # "headingley"
    town: str = ""  # "leeds"
    postcode: str = ""  # "LS6 2AB" (full postcodes only)
    outcode: str = ""  # "LS6": the district when no full postcode was given
    uprn: int | None = None
    raw: str = field(default="", compare=False)

    @property
    def district(self) -> str:
        """The postcode district ("LS6"), from the full postcode or the outcode given alone."""
        return self.postcode.split(" ")[0] if self.postcode else self.outcode

    @property
    def places(self) -> frozenset[str]:
        """Town and locality words: "Headingley, Leeds" -> {"headingley", "leeds"}."""
        return frozenset(f"{self.locality} {self.town}".split())

    @property
    def is_empty(self) -> bool:
        return not (
            self.uprn
            or self.sub_building
            or self.building_name
            or self.building_number
            or self.street
            or self.postcode
        )

    def describe(self) -> str:
        """A readable one-line form of the parts, for reasons and logs."""
        flat = f"flat {self.sub_building}" if self.sub_building else ""
        street = " ".join(p for p in (self.building_number, self.street) if p)
        place = " ".join(
            p for p in (self.town or self.locality, self.postcode or self.outcode) if p
        )
        return ", ".join(p for p in (flat, self.building_name, street, place) if p)


@dataclass
class _Token:
    word: str
    segment: int


def parse_address(raw: str | None) -> AddressParts:
    """Split a free-text address into `AddressParts`. Never raises; empty text -> empty parts."""
    text = fold(raw)
    postcode = ""
    found = list(POSTCODE.finditer(text))
    if found:
        last = found[-1]
        postcode = f"{last.group(1)} {last.group(2)}".upper()
        text = f"{text[: last.start()]},{text[last.end() :]}"
    tokens = _tokens(text)
    outcode = ""
    if not postcode and tokens and OUTCODE.match(tokens[-1].word):
        outcode = tokens.pop().word.upper()
    sub_building, tokens = _take_sub_building(tokens)
    parts = _layout(tokens)
    if sub_building:
        parts["sub_building"] = sub_building
    return AddressParts(postcode=postcode, outcode=outcode, raw=(raw or "")[:300], **parts)


def _tokens(text: str) -> list[_Token]:
    """Words by comma-separated segment, abbreviations spelt out within each run of words
    between numbers (so "5 St Johns Rd" reads "saint johns road")."""
    tokens: list[_Token] = []
    for index, segment in enumerate(re.split(r"[,;\n\r]+", text)):
        run: list[str] = []
        for word in split_words(segment) + [""]:
            if word and not is_number(word):
                if word not in NOISE:
                    run.append(word)
                continue
            tokens.extend(_Token(w, index) for w in canonical_words(run))
            run = []
            if word:
                tokens.append(_Token(word, index))
    return tokens


def _take_sub_building(tokens: list[_Token]) -> tuple[str, list[_Token]]:
    """The flat named by a flat word ("Flat 21A", "Apartment 3"), a floor ("ground floor flat")
    or a tenement number ("2/1"); the remaining tokens."""
    sub, rest, i = "", [], 0
    while i < len(tokens):
        word = tokens[i].word
        following = tokens[i + 1].word if i + 1 < len(tokens) else ""
        if word in FLAT_WORDS:
            if not sub and (is_number(following) or re.fullmatch(r"[a-z]", following)):
                sub = following
                i += 2
            else:
                i += 1
            continue
        if word in FLOORS and following in ({"floor"} | FLAT_WORDS) and not sub:
            sub = FLOORS[word] + (" floor" if following == "floor" else "")
            i += 2
            continue
        if "/" in word and is_number(word) and not sub:
            sub = word
            i += 1
            continue
        rest.append(tokens[i])
        i += 1
    return sub, rest


def _layout(tokens: list[_Token]) -> dict:
    """Flat, building name and number, street and places from the tokens left once a flat
    named by a flat word is out.

    The building number is the last number followed by words (its street); a number before it
    is the flat, and the words between are the building's name ("21a Acacia House 5 Mill Lane").
    A number directly before a named building is that building's flat ("21a Acacia House, Mill
    Lane", "5 Acacia House").
    """
    numbers = [i for i, t in enumerate(tokens) if is_number(t.word)]
    if not numbers:
        return _layout_words(tokens) | {"sub_building": "", "building_number": ""}
    with_words = [i for i in numbers if i + 1 < len(tokens) and not is_number(tokens[i + 1].word)]
    at = with_words[-1] if with_words else numbers[-1]
    number = tokens[at].word
    before = [t for t in tokens[:at] if not is_number(t.word)]
    earlier = [tokens[i].word for i in numbers if i < at]
    after = tokens[at + 1 :]
    if not after and before:
        # "Mill Lane 5": the number came last; the words before it are the street.
        layout = _layout_words(before)
        return layout | {"sub_building": "", "building_number": number}
    layout = _layout_words(after)
    if layout["building_name"] and not before and not earlier:
        return layout | {"sub_building": number, "building_number": ""}
    if before:
        layout["building_name"] = " ".join(t.word for t in before)
    return layout | {"sub_building": earlier[0] if earlier else "", "building_number": number}


def _layout_words(tokens: list[_Token]) -> dict:
    """Street and places from words with no number (the words after a building number, or a
    whole address without one), using commas where the caller gave them."""
    segments: list[list[str]] = []
    last_segment = None
    for token in tokens:
        if token.segment != last_segment:
            segments.append([])
            last_segment = token.segment
        segments[-1].append(token.word)
    building, street, places = [], [], []
    if segments:
        head = segments[0]
        if len(segments) > 1 and not _has_street_type(head) and _has_street_type(segments[1]):
            # "Red Lion, High Street, Leeds": a first segment without a street word is a name.
            building, segments = head, segments[1:]
            head = segments[0]
        split = _split_run(head)
        building = building or split[0]
        street, trailing = split[1], split[2]
        places = ([trailing] if trailing else []) + segments[1:]
    town = " ".join(places[-1]) if places else ""
    locality = " ".join(" ".join(p) for p in places[:-1])
    return {
        "building_name": " ".join(building),
        "street": " ".join(street),
        "locality": locality,
        "town": town,
    }


def _has_street_type(words: list[str]) -> bool:
    return any(w in STREET_TYPES for w in words)


def _split_run(words: list[str]) -> tuple[list[str], list[str], list[str]]:
    """One run of words into (building name, street, trailing words).

    "acacia house mill lane leeds" -> (["acacia", "house"], ["mill", "lane"], ["leeds"]);
    "park view court" -> ([], ["park", "view", "court"], []); "acacia house" -> (["acacia",
    "house"], [], []). The street ends at the first street word not followed by another one.
    """
    building: list[str] = []
    for i, word in enumerate(words):
        if word in BUILDING_TYPES and _has_street_type(words[i + 2 :]):
            building, words = words[: i + 1], words[i + 1 :]
            break
    else:
        # "Acacia House" is a building; "Acacia Court" may be a street or a building: a street.
        if words and words[-1] in BUILDING_TYPES - STREET_TYPES:
            if not _has_street_type(words[:-1]):
                return words, [], []
    for i, word in enumerate(words):
        if word in STREET_TYPES and i > 0 or word in STREET_TYPES and len(words) == 1:
            if i + 1 < len(words) and words[i + 1] in STREET_TYPES:
                continue
            return building, words[: i + 1], words[i + 1 :]
    return building, words, []

"""Load and compile the grading lexicon (`lexicon.toml`, or the file named by the
`GRADING_LEXICON_PATH` setting), once per process.

The lexicon is data: regular expressions with a few helpers (see the header of `lexicon.toml`),
grouped into relationships, strangers, abusive behaviours, DA words, risk factors and call
categories. This module turns it into compiled patterns and checks it, so a force's edited copy
fails loudly at load time (`LexiconError`) rather than mis-grading calls.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from cad.models import Grade

DEFAULT_PATH = Path(__file__).with_name("lexicon.toml")
GRADES = tuple(Grade.values)
_MACRO = re.compile(r"\{([a-z_]+)\}")


class LexiconError(ValueError):
    """The lexicon file is missing, malformed or names something the engine does not know."""


@dataclass(frozen=True)
class PatternSet:
    """Compiled alternatives; `finditer` yields non-overlapping matches over all of them,
    ignoring case.

    Case is ignored by matching lower-case patterns against the lower-cased text (`lowered`,
    same length, so spans are the text's), not with `re.IGNORECASE`: under that flag the regex
    engine cannot skip an alternative by its first letter and reading a narrative took about
    60% longer. A pattern that cannot be lower-cased safely (`_lower_case`) keeps the flag."""

    sources: tuple[str, ...]
    regex: re.Pattern
    # Each alternative on its own, for callers that need every (possibly overlapping) match.
    each: tuple[re.Pattern, ...] = ()
    # The patterns are lower case and match `lowered(text)`; False: compiled with IGNORECASE.
    lower_case: bool = False

    def _text(self, text: str) -> str:
        return lowered(text) if self.lower_case else text

    def finditer(self, text: str):
        """Matches (`re.Match`, spans as in `text`; `group()` is lower case)."""
        return self.regex.finditer(self._text(text))

    def all_matches(self, text: str) -> list[tuple[int, int]]:
        """The longest alternative at each place the alternatives match, as (start, end)."""
        text = self._text(text)
        spans = []
        for match in self.regex.finditer(text):
            start = match.start()
            ends = [m.end() for m in (r.match(text, start) for r in self.each) if m]
            spans.append((start, max(ends, default=match.end())))
        return spans

    def search(self, text: str):
        return self.regex.search(self._text(text))


@functools.lru_cache(maxsize=32)
def lowered(text: str) -> str:
    """`text` in lower case, the same length (a character whose lower case is longer, such as
    "İ", is kept), so a match's span is the same in both. Cached: one narrative is read by
    about 80 pattern sets."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


@dataclass(frozen=True)
class RelationshipGroup:
    kind: str  # "intimate", "ex", "family"
    gender: str  # "m", "f", ""
    patterns: PatternSet


@dataclass(frozen=True)
class Behaviour:
    code: str
    label: str
    present: bool
    patterns: PatternSet


@dataclass(frozen=True)
class RiskRule:
    code: str
    label: str
    weight: str
    present: bool
    da_only: bool
    when_historic: str
    behaviour: str
    patterns: PatternSet


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    grade: str
    historic_grade: str
    reason: str
    silent: bool
    patterns: PatternSet
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lexicon:
    source: str
    settings: dict
    relationships: tuple[RelationshipGroup, ...]
    strangers: dict[str, PatternSet]
    contraction_followers: frozenset[str]
    behaviours: tuple[Behaviour, ...]
    domestic: PatternSet
    history: PatternSet
    protective_orders: PatternSet
    public_places: PatternSet
    risks: tuple[RiskRule, ...]
    categories: tuple[Category, ...]
    behaviour_labels: dict[str, str] = field(default_factory=dict)
    # Named frames ("home", "reported"): where words are said or heard.
    frames: dict[str, PatternSet] = field(default_factory=dict)

    def setting(self, name: str, default=None):
        return self.settings.get(name, default)

    def frame(self, name: str) -> PatternSet:
        """A named frame's patterns; an empty set (matching nothing) when the file has none."""
        return self.frames.get(name) or compile_patterns([], {}, f"frames.{name}")


def expand(pattern: str, macros: dict[str, str]) -> str:
    """Turn one lexicon pattern into a plain regular expression (without word boundaries).

    Every pattern must start at a word (a letter or digit; a look-behind may come first).
    Outside character classes: a space matches spaces or hyphens, an apostrophe is optional, a
    hyphen after a letter or ")" and before a letter or "(" is optional and may be spaces.
    Inside a look-behind a space matches exactly one character (look-behinds are fixed width).
    """

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name == "d":
            return r"\d"
        if name == "w":
            return r"\w"
        if name not in macros:
            raise LexiconError(f"unknown macro {{{name}}} in pattern {pattern!r}")
        return "(?:" + macros[name] + ")"

    pattern = _MACRO.sub(substitute, pattern)
    out: list[str] = []
    in_class = False
    # Stack of open groups: True when the group is a look-behind.
    groups: list[bool] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            out.append(ch)
            if ch == "]":
                in_class = False
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
        elif ch == "(":
            groups.append(pattern.startswith(("(?<=", "(?<!"), i))
            out.append(ch)
        elif ch == ")":
            if groups:
                groups.pop()
            out.append(ch)
        elif ch == " ":
            out.append(r"[\s-]" if any(groups) else r"[\s-]+")
        elif ch == "'":
            out.append("'" if pattern[i + 1 : i + 2] == "?" else "'?")
        elif (
            ch == "-"
            and i > 0
            and (pattern[i - 1].isalpha() or pattern[i - 1] == ")")
            and pattern[i + 1 : i + 2]
            and (pattern[i + 1].isalpha() or pattern[i + 1] == "(")
        ):
            out.append(r"[\s-]*")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def compile_patterns(patterns: list[str], macros: dict[str, str], where: str) -> PatternSet:
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise LexiconError(f"{where}: `patterns` must be a list of strings")
    expanded = []
    for pattern in patterns:
        body = expand(pattern, macros)
        try:
            re.compile(body)
        except re.error as exc:
            raise LexiconError(f"{where}: bad pattern {pattern!r}: {exc}") from exc
        expanded.append(body)
    # Longest alternatives first, so "ex-husband" wins over "ex" at the same position.
    expanded.sort(key=len, reverse=True)
    lower = [_lower_case(body) for body in expanded]
    if all(body is not None for body in lower):
        expanded, flags, lower_case = lower, 0, True
    else:
        flags, lower_case = re.IGNORECASE, False
    joined = "|".join(f"(?:{body})" for body in expanded) or r"(?!x)x"
    # Patterns start at a word: the cheap `\b` check first lets the regex engine skip most
    # positions before the look-behind runs (three times faster on long narratives).
    regex = re.compile(rf"\b(?<![\w'])(?:{joined})(?!\w)", flags)
    each = tuple(re.compile(rf"\b(?<![\w'])(?:{body})(?!\w)", flags) for body in expanded)
    return PatternSet(sources=tuple(patterns), regex=regex, each=each, lower_case=lower_case)


# Escapes that stand for a character (\x41, \u0041, \N{...}, octal) could stand for a capital.
_CHARACTER_ESCAPE = re.compile(r"\\(?:[xuUN0-7])")


def _lower_case(body: str) -> str | None:
    """`body` (an expanded pattern) with its letters in lower case, escapes (`\\W`, `\\S`,
    `\\b` ...) kept; None when lower-casing could change what it matches (a named group, an
    inline flag, an escape standing for a character)."""
    if "(?P" in body or _CHARACTER_ESCAPE.search(body) or re.search(r"\(\?[aiLmsux]", body):
        return None
    out = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            out.append(body[i : i + 2])
            i += 2
            continue
        out.append(body[i].lower() if body[i].isascii() else body[i])
        i += 1
    return "".join(out)


def _expand_macros(raw: dict) -> dict[str, str]:
    macros: dict[str, str] = {}
    for name, value in raw.items():
        if not isinstance(value, str):
            raise LexiconError(f"macro {name} must be a string")
        macros[name] = expand(value, macros)
    return macros


def _grade(value: str, where: str, allow_empty: bool = False) -> str:
    if value == "" and allow_empty:
        return ""
    if value not in GRADES:
        raise LexiconError(f"{where}: unknown grade {value!r} (one of {', '.join(GRADES)})")
    return value


def _relationships(data: dict, macros: dict) -> list[RelationshipGroup]:
    relationships = []
    for n, group in enumerate(data.get("relationship", [])):
        kind = group.get("kind")
        if kind not in ("intimate", "ex", "family"):
            raise LexiconError(f"relationship #{n + 1}: kind must be intimate, ex or family")
        gender = group.get("gender", "")
        if gender not in ("m", "f", ""):
            raise LexiconError(f"relationship #{n + 1}: gender must be m, f or empty")
        relationships.append(
            RelationshipGroup(
                kind=kind,
                gender=gender,
                patterns=compile_patterns(group["patterns"], macros, f"relationship #{n + 1}"),
            )
        )
    return relationships


def _behaviours(data: dict, macros: dict) -> list[Behaviour]:
    return [
        Behaviour(
            code=item["code"],
            label=item.get("label", item["code"]),
            present=bool(item.get("present", False)),
            patterns=compile_patterns(item["patterns"], macros, f"behaviour {item['code']}"),
        )
        for item in data.get("behaviour", [])
    ]


def _risks(data: dict, macros: dict, behaviour_labels: dict) -> list[RiskRule]:
    risks = []
    for item in data.get("risk", []):
        code = item["code"]
        weight = item.get("weight", "normal")
        if weight not in ("normal", "serious"):
            raise LexiconError(f"risk {code}: weight must be normal or serious")
        when_historic = item.get("when_historic", "lower")
        if when_historic not in ("drop", "keep", "lower"):
            raise LexiconError(f"risk {code}: when_historic must be drop, keep or lower")
        behaviour = item.get("behaviour", "")
        if behaviour and behaviour not in behaviour_labels:
            raise LexiconError(f"risk {code}: unknown behaviour {behaviour!r}")
        risks.append(
            RiskRule(
                code=code,
                label=item.get("label", code),
                weight=weight,
                present=bool(item.get("present", False)),
                da_only=bool(item.get("da_only", False)),
                when_historic=when_historic,
                behaviour=behaviour,
                patterns=compile_patterns(item["patterns"], macros, f"risk {code}"),
            )
        )
    return risks


def _categories(data: dict, macros: dict) -> list[Category]:
    categories = []
    for item in data.get("category", []):
        code = item["code"]
        silent = bool(item.get("silent", False))
        categories.append(
            Category(
                code=code,
                label=item.get("label", code),
                grade=_grade(item.get("grade", ""), f"category {code}", allow_empty=silent),
                historic_grade=_grade(
                    item.get("historic_grade", item.get("grade", "")),
                    f"category {code}",
                    allow_empty=silent,
                ),
                reason=item.get("reason", ""),
                silent=silent,
                patterns=compile_patterns(item["patterns"], macros, f"category {code}"),
                overrides=tuple(item.get("overrides", ())),
            )
        )
    known = {c.code for c in categories}
    for category in categories:
        for code in category.overrides:
            if code not in known:
                raise LexiconError(f"category {category.code}: overrides unknown {code!r}")
    return categories


def _check_settings(settings_data: dict) -> None:
    for key in ("unknown_grade", "unknown_minimum"):
        for channel, grade in settings_data.get(key, {}).items():
            _grade(grade, f"settings.{key}.{channel}")
    for key in ("silent_unmarked_grade", "silent_unmarked_minimum"):
        if key in settings_data:
            _grade(settings_data[key], f"settings.{key}")
    for key in (
        "model_da_threshold",
        "model_ask_threshold",
        "model_danger_threshold",
        "model_ask_danger_threshold",
    ):
        value = settings_data.get(key, 0.5)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise LexiconError(f"settings.{key} must be a number from 0 to 1, not {value!r}")


def _group(data: dict, name: str, macros: dict) -> PatternSet:
    return compile_patterns(data.get(name, {}).get("patterns", []), macros, name)


def build(data: dict, source: str = "<memory>") -> Lexicon:
    """Compile parsed lexicon data. Raises LexiconError on anything the engine cannot use."""
    macros = _expand_macros(data.get("macros", {}))
    settings_data = dict(data.get("settings", {}))
    _check_settings(settings_data)
    behaviours = _behaviours(data, macros)
    behaviour_labels = {b.code: b.label for b in behaviours}
    return Lexicon(
        source=source,
        settings=settings_data,
        relationships=tuple(_relationships(data, macros)),
        strangers={
            gender: compile_patterns(data.get("strangers", {}).get(gender, []), macros, "strangers")
            for gender in ("male", "female", "any")
        },
        contraction_followers=frozenset(
            w.lower() for w in data.get("contraction_followers", {}).get("words", [])
        ),
        behaviours=tuple(behaviours),
        domestic=_group(data, "domestic", macros),
        history=_group(data, "history", macros),
        protective_orders=_group(data, "protective_orders", macros),
        public_places=_group(data, "public_places", macros),
        risks=tuple(_risks(data, macros, behaviour_labels)),
        categories=tuple(_categories(data, macros)),
        behaviour_labels=behaviour_labels,
        frames={
            name: compile_patterns(patterns, macros, f"frames.{name}")
            for name, patterns in data.get("frames", {}).items()
        },
    )


def lexicon_path() -> Path:
    configured = getattr(settings, "GRADING_LEXICON_PATH", None)
    return Path(configured) if configured else DEFAULT_PATH


@functools.cache
def _load(path: str) -> Lexicon:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise LexiconError(f"grading lexicon not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"grading lexicon {path} is not valid TOML: {exc}") from exc
    return build(data, source=path)


def get_lexicon() -> Lexicon:
    """The lexicon in use (loaded once per process and path)."""
    return _load(str(lexicon_path()))


def clear_cache() -> None:
    """Forget loaded lexicons (after editing the file, or in tests that change the setting)."""
    _load.cache_clear()

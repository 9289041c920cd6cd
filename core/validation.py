"""Input checks every service shares, raising the domain's 400 with a clear message and code."""

import re

from core.exceptions import ValidationFailed


def _code(what: str) -> str:
    return what.replace(" ", "_")


# Characters no reader sees that a pasted text can carry inside words: zero-width space,
# non-joiner and joiner, word joiner, byte-order mark, soft hyphen. "hus\u200bband" reads as
# "husband" on screen but matched nothing in the grading rules (a fresh user's try).
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def clean_text(value, what: str, limit: int, *, required: bool = False) -> str:
    """Trimmed text without invisible characters (`INVISIBLE`); refused when longer than
    `limit` or, if `required`, empty."""
    value = INVISIBLE.sub("", "" if value is None else str(value)).strip()
    if len(value) > limit:
        raise ValidationFailed(f"{what} is longer than {limit} characters.", code="too_long")
    if required and not value:
        raise ValidationFailed(f"{what} is required.", code=f"{_code(what)}_required")
    return value


def clean_choice(value, choices, what: str) -> str:
    """`value` if it is one of the TextChoices `choices`, else a 400 that lists them."""
    if value not in choices.values:
        raise ValidationFailed(
            f"Unknown {what} '{value}'. Use one of: {', '.join(choices.values)}.",
            code=f"unknown_{_code(what)}",
        )
    return value


REASON_OF_SUBSTANCE_MIN_CHARACTERS = 20


def is_reason_of_substance(text: str) -> bool:
    """A written reason someone can act on later: at least 20 characters, three words, and not
    one character or a short pattern repeated ("aaaaaaaaaaaaaaaaaaaaaa", "ok ok ok ok ok ok ok")."""
    text = (text or "").strip()
    words = re.findall(r"[^\W\d_]{2,}", text)
    letters = {c for c in text.lower() if c.isalpha()}
    return (
        len(text) >= REASON_OF_SUBSTANCE_MIN_CHARACTERS
        and len(set(w.lower() for w in words)) >= 3
        and len(letters) >= 6
    )

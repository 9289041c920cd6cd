"""Input checks every service shares, raising the domain's 400 with a clear message and code."""

from core.exceptions import ValidationFailed


def _code(what: str) -> str:
    return what.replace(" ", "_")


def clean_text(value, what: str, limit: int, *, required: bool = False) -> str:
    """Trimmed text; refused when longer than `limit` or, if `required`, empty."""
    value = ("" if value is None else str(value)).strip()
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

"""Units, assignments, diverts, controller reviews and inspector tasks."""

from django.db import models  # noqa: F401

__all__: list[str] = []

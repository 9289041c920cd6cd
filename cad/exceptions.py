"""Domain exceptions for the CAD. The API maps each to a 4xx with `detail` and `code`."""

from core.exceptions import Conflict, DomainError, Forbidden, NotFound, ValidationFailed

__all__ = [
    "DomainError",
    "ValidationFailed",
    "NotFound",
    "Forbidden",
    "Conflict",
    "ReasonRequired",
    "InvalidTransition",
]


class ReasonRequired(ValidationFailed):
    default_code = "reason_required"


class InvalidTransition(Conflict):
    default_code = "invalid_transition"

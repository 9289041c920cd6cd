"""Domain exceptions. Services raise these; the API maps them to 4xx with `detail` and `code`,
and HTML views show `message` to the user."""


class DomainError(Exception):
    status = 400
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = fields or {}


class ValidationFailed(DomainError):
    status = 400
    default_code = "invalid"


class Unauthenticated(DomainError):
    status = 401
    default_code = "authentication_failed"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"

"""The OpenAPI schema says what every operation may answer, errors included.

Every API error is `{"detail", "code"}` (plus `errors` for field messages; `core.api`), so each
operation documents its 4xx and 503 answers with that body: 400 (bad input, including a control
character anywhere), 401 (no or a bad token), 403 (the role does not allow it), 404 (an id in
the path or the request that does not exist), 503 (database or Redis briefly unavailable), and
for writes 409 (the record's state forbids it now) and 415 (a body that is not JSON), besides
those a view declares (202...). A view's own description of a code is kept; the body is added
where it gave none. Request bodies are `additionalProperties: false` (`InputSerializer`).
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from core.serializers import InputSerializer


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for a person to read.")
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. `not_found`.")
    errors = serializers.DictField(
        required=False, help_text="Field messages, when a field is wrong: {field: [message]}."
    )


DEFAULT_ERRORS = {
    "400": "Bad input (`invalid`, `control_character`, `unknown_field`, ...)",
    "401": "Not authenticated: no token or session, or a bad one",
    "403": "Your role does not allow this",
    "404": "Not found: the path's id, or an id the request names, does not exist",
    "503": "The database or Redis is unavailable for a moment: retry after `Retry-After` "
    "seconds (`service_unavailable`)",
}
# Answers only a request that changes something can get.
WRITE_ERRORS = {
    "409": "The record's state does not allow this now (already settled, already signed on, "
    "changed by someone else...)",
    "415": "The body is not JSON (`unsupported_media_type`)",
}


class AutoSchema(SpectacularAutoSchema):
    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        """A request body (`core.serializers.InputSerializer`) refuses unknown fields: say so
        (`additionalProperties: false`), so clients and fuzzers know extras are a 400."""
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if isinstance(serializer, InputSerializer) and schema.get("type") == "object":
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if direction != "response":
            return bodies
        codes = dict(DEFAULT_ERRORS)
        if self.method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
            codes.update(WRITE_ERRORS)
        if any(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes.pop("401")
            codes.pop("403")
        error = self._get_response_for_code(ErrorSerializer, "400", direction=direction)
        for code, description in codes.items():
            bodies.setdefault(code, {"description": description})
        for code, body in bodies.items():
            if code.startswith(("4", "5")) and not body.get("content"):
                body["content"] = error["content"]
        return bodies

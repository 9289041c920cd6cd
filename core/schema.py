"""The OpenAPI schema says what every operation may answer, errors included.

Every API error is `{"detail", "code"}` (plus `errors` for field messages; `core.api`), so each
operation documents its 4xx answers with that body: 400 (bad input, including a control
character anywhere), 401 (no or a bad token), 403 (the role does not allow it), 404 (a path id
that does not exist), besides those a view declares (409, 202...). A view's own description of
a code is kept; the body is added where it gave none.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny


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
    "404": "Not found",
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if direction != "response":
            return bodies
        codes = dict(DEFAULT_ERRORS)
        if "{" not in self.path:
            codes.pop("404")
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

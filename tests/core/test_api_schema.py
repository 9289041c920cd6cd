"""The OpenAPI schema says what the API returns: fields that can be null are nullable, and
every operation documents its error answers in the `{detail, code}` shape."""

import importlib

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

APPS = ("core", "cad", "intelligence", "riskflags", "monitoring", "staffing", "dispatch", "reports")
OPEN_OPERATIONS = {("/api/v1/auth/token/", "post")}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _model_serializers():
    for app in APPS:
        try:
            importlib.import_module(f"{app}.serializers")
        except ModuleNotFoundError:
            continue
    found, todo = [], list(serializers.ModelSerializer.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in APPS:
            found.append(cls)
    return found


def _nullable_source(model, source: str) -> bool | None:
    """Whether the model path `source` can be null (a nullable field or relation on the way);
    None when it is not a model path."""
    nullable = False
    for part in source.split("."):
        try:
            field = model._meta.get_field(part)
        except Exception:  # noqa: BLE001 - a property or method, not a field
            return None
        nullable = nullable or bool(getattr(field, "null", False))
        model = field.related_model or model
    return nullable


def test_every_serializer_field_over_a_nullable_column_is_declared_nullable():
    skipped = (serializers.SerializerMethodField, serializers.ListSerializer)
    wrong = []
    for cls in _model_serializers():
        for name, field in cls().fields.items():
            if isinstance(field, skipped) or field.source == "*":
                continue
            if _nullable_source(cls.Meta.model, field.source) and not field.allow_null:
                wrong.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert wrong == []


@pytest.mark.parametrize(
    "component, field",
    [("Divert", "reviewed_by"), ("Incident", "graded_by"), ("Alert", "acknowledged_by")],
)
def test_the_schema_marks_nullable_fields(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field]["nullable"] is True


def test_every_operation_documents_its_errors_in_the_error_shape(schema):
    missing = []
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"400"}
            if (path, method) not in OPEN_OPERATIONS:
                expected |= {"401", "403"}
            if "{" in path:
                expected.add("404")
            for code in sorted(expected):
                body = responses.get(code, {}).get("content", {}).get("application/json", {})
                if body.get("schema", {}).get("$ref") != "#/components/schemas/Error":
                    missing.append(f"{method.upper()} {path} {code}")
    assert missing == []


def test_every_operation_documents_503_and_writes_document_409_and_415(schema):
    missing = []
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            expected = {"404", "503"}
            if method in ("post", "put", "patch", "delete"):
                expected |= {"409", "415"}
            missing += [
                f"{method.upper()} {path} {c}" for c in expected - set(operation["responses"])
            ]
    assert missing == []


def test_request_bodies_refuse_unknown_fields_in_the_schema_too(schema):
    """Input serializers answer an unknown field with 400, so the schema says
    additionalProperties: false (clients and fuzzers then do not send extras)."""
    components = schema["components"]["schemas"]
    for name in ("IncidentInput", "AssessInput", "ContactInput"):
        assert components[name].get("additionalProperties") is False, name


def test_page_size_is_documented_with_its_bounds(schema):
    parameters = schema["paths"]["/api/v1/units/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1}
    assert "at most 500" in page_size["description"]


def test_da_answers_are_documented_by_question(schema):
    field = schema["components"]["schemas"]["AssessInput"]["properties"]["da_answers"]
    assert set(field["properties"]) == {"connection", "present", "violence", "order", "afraid"}
    assert field["additionalProperties"] is False

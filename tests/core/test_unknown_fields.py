"""Unknown fields are a 400 everywhere in the API: every serializer that reads a request body is
a `core.serializers.InputSerializer`, and `parse_input` (the one way a view reads a body)
refuses any other."""

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from rest_framework import serializers

from core.api import parse_input
from core.serializers import InputSerializer, QueryInput

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cad", "core", "dispatch", "intelligence", "monitoring", "reports", "riskflags", "staffing")


def _project_modules(name: str):
    for app in APPS:
        for path in sorted((ROOT / app).rglob(f"{name}.py")):
            if "migrations" not in path.parts:
                module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                yield importlib.import_module(module)


def _input_serializers():
    for module in _project_modules("serializers"):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                cls.__module__ == module.__name__
                and cls.__name__.endswith("Input")
                and not issubclass(cls, QueryInput)
            ):
                yield cls


def test_every_input_serializer_refuses_unknown_fields():
    inputs = list(_input_serializers())

    assert len(inputs) > 20
    assert [c.__name__ for c in inputs if not issubclass(c, InputSerializer)] == []


def _reads_of_request_data(path: Path):
    """(line, how) for each `request.data` in a module: `parsed` when it is an argument of a
    call to parse_input, `raw` otherwise."""
    tree = ast.parse(path.read_text())
    parsed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "parse_input":
            for arg in ast.walk(node):
                parsed.add(id(arg))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "data"
            and getattr(node.value, "id", "") == "request"
        ):
            yield node.lineno, "parsed" if id(node) in parsed else "raw"


def test_no_view_reads_a_request_body_without_parse_input():
    raw = [
        f"{path.relative_to(ROOT)}:{line}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for line, how in _reads_of_request_data(path)
        if how == "raw"
    ]

    assert raw == []


def test_parse_input_refuses_a_serializer_that_lets_unknown_fields_pass():
    class Loose(serializers.Serializer):
        name = serializers.CharField()

    with pytest.raises(TypeError):
        parse_input(Loose, {"name": "x"})


def test_a_query_serializer_ignores_the_paginators_parameters():
    class Filters(QueryInput):
        grade = serializers.CharField(required=False)

    assert parse_input(Filters, {"grade": "IMMEDIATE", "cursor": "abc"}) == {"grade": "IMMEDIATE"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "path", "body"),
    [
        ("CALL_HANDLER", "/api/v1/grading/assess/", {"narrative": "x", "urgency": "high"}),
        ("CALL_HANDLER", "/api/v1/contacts/", {"channel": "101", "summary": "x", "incidnet": 1}),
        ("CALL_HANDLER", "/api/v1/incidents/", {"channel": "101", "narative": "typo"}),
        ("SUPPORT_OPERATOR", "/api/v1/intel/checks/", {"phone": "07700900123", "nmae": "x"}),
        ("SUPERVISOR", "/api/v1/markers/", {"address": "1 High St", "floor": "IMMEDIATE"}),
        ("ADMIN", "/api/v1/units/", {"call_sign": "BX90", "crew": ["a"]}),
        ("ADMIN", "/api/v1/shifts/", {"name": "Nights", "start": "x"}),
    ],
)
def test_an_unknown_field_is_a_400_naming_it(api, role, path, body):
    response = api(role).post(path, body, format="json")

    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "unknown_field"
    assert set(answer) >= {"detail", "code"}
    unknown = next(k for k in body if k in answer["errors"])
    assert unknown in answer["detail"]


@pytest.mark.django_db
def test_a_token_request_with_an_unknown_field_is_a_400(anon_api):
    response = anon_api.post(
        "/api/v1/auth/token/", {"username": "a", "password": "b", "otp": "1"}, format="json"
    )

    assert response.status_code == 400 and response.json()["code"] == "unknown_field"


def test_every_date_time_a_request_sends_must_carry_its_utc_offset():
    """A naive time is ambiguous (01:30 happens twice on the last Sunday of October in
    Europe/London): every writable date-time in a request body or query is an
    AwareDateTimeField."""
    import importlib

    from rest_framework import serializers

    from core.serializers import AwareDateTimeField, InputSerializer, QueryInput

    for app in ("core", "cad", "intelligence", "riskflags", "monitoring", "staffing", "dispatch"):
        try:
            importlib.import_module(f"{app}.serializers")
        except ModuleNotFoundError:
            continue
    naive, todo, seen = [], [InputSerializer, QueryInput], set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo.extend(cls.__subclasses__())
        for name, field in cls().fields.items():
            if (
                isinstance(field, serializers.DateTimeField)
                and not isinstance(field, AwareDateTimeField)
                and not field.read_only
            ):
                naive.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert naive == []

"""Shapes shared by every app's API input.

`InputSerializer` is the base of every serializer that reads a request body: a field it does
not know is a 400 (`unknown_field`), never silently dropped. A misspelt `at` or `reason` that
passed unnoticed would leave the sender believing it was recorded. `core.api.parse_input`, the
one way views read a body, refuses any other serializer.

`QueryInput` is the base for query-string serializers: query strings also carry the
paginator's `cursor`/`page_size`/`count` and whatever a browser or proxy adds, so unknown
parameters there are left alone.

`FieldsBuiltOnce` is for serializers that render a row on a hot path (the incident's 201 body)
and for every `InputSerializer`: DRF builds a serializer's fields for every instance (from the
model, for a ModelSerializer); this builds them once per class and gives each instance copies.
"""

import copy
from collections.abc import Mapping

from django.utils import timezone
from rest_framework import serializers

UNKNOWN_FIELD = "unknown_field"


class FieldsBuiltOnce:
    """Mix into a serializer (before `serializers.ModelSerializer` or `Serializer`) whose fields
    depend on its class only (its declarations and `Meta`), never on the instance, its context
    or the request; a subclass that adds fields per instance does it in its own `get_fields`,
    on the copies this returns.

    DRF builds a serializer's fields for every instance (`get_fields`: the model introspected,
    each field's arguments worked out, the declared fields deep-copied), and a nested
    `many=True` serializer for every parent: most of the cost of rendering one incident. Here
    the fields are built once per class, by DRF's own `get_fields`, and kept unbound; each
    instance gets copies to bind as its own (`get_fields` returns {name: Field}, as DRF's).
    A field that holds other fields (a nested serializer, a list or dict field's child) is
    deep-copied, as DRF copies declared fields; any other field is copied shallowly, binding
    sets only attributes of its own on the copy."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            fields = super().get_fields()
            built = {name: (field, _holds_fields(field)) for name, field in fields.items()}
            cls._fields_built_once = built  # a race builds the same fields twice: harmless
        return {
            name: copy.deepcopy(field) if deep else _shallow_copy(field)
            for name, (field, deep) in built.items()
        }


def _shallow_copy(field):
    """`copy.copy(field)` without its generic machinery: a new field of the same class with the
    same attributes (fields keep all their state in `__dict__`)."""
    cls = type(field)
    clone = cls.__new__(cls)
    clone.__dict__.update(field.__dict__)
    return clone


def _holds_fields(field) -> bool:
    """Whether a field holds other fields (bound to it, so it cannot be shared by copies)."""
    return isinstance(field, serializers.BaseSerializer) or any(
        isinstance(value, serializers.Field) for value in vars(field).values()
    )


class InputSerializer(FieldsBuiltOnce, serializers.Serializer):
    """A request body: unknown fields are refused before any field is validated."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [
                            serializers.ErrorDetail(
                                f"Unknown field '{name}'. Known fields: "
                                f"{', '.join(sorted(writable)) or 'none'}.",
                                code=UNKNOWN_FIELD,
                            )
                        ]
                        for name in unknown
                    }
                )
            wrong_type = {
                name: [serializers.ErrorDetail(message, code="invalid")]
                for name, message in _json_type_errors(self.fields, data).items()
            }
            if wrong_type:
                raise serializers.ValidationError(wrong_type)
        return super().to_internal_value(data)


def _json_type_errors(fields, data: Mapping) -> dict[str, str]:
    """Top-level values of the wrong JSON type: text must be a string and a yes/no a boolean.
    DRF would otherwise store 12 as "12" and read "no" or 0 as false, which the schema (and a
    careful client) call invalid."""
    errors = {}
    for name, value in data.items():
        field = fields.get(name)
        if value is None or field is None:
            continue
        if isinstance(field, serializers.CharField) and not isinstance(value, str):
            errors[name] = "Must be text (a JSON string)."
        elif isinstance(field, serializers.BooleanField) and not isinstance(value, bool):
            errors[name] = "Must be true or false (a JSON boolean)."
    return errors


class QueryInput(serializers.Serializer):
    """A query string: only the parameters it declares are read; others are ignored."""


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time that must carry its UTC offset (`...+01:00` or `...Z`): a time
    without one is ambiguous (the autumn 01:xx hour happens twice in Europe/London)."""

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2026-11-28T14:03:10+00:00.",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)

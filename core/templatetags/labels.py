"""`{% load labels %}` then `{{ value|label }}` or `{{ value|label:"role" }}`: a stored code as
its human label (core.labels.code_label)."""

from django import template

from core.labels import code_label

register = template.Library()


@register.filter(name="label")
def label(value, field: str = "") -> str:
    return code_label(value, field)

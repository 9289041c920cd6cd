"""Rendering one report cell by its column kind: badges for grades and DA, London times,
links from a reference to the incident's timeline."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from cad.models import Grade
from reports.formatting import local_time_text, with_unit

register = template.Library()


@register.simple_tag
def report_cell(row: dict, column):
    value = row.get(column.key)
    kind = column.kind
    if kind == "grade":
        if not value:
            return mark_safe('<span class="muted">-</span>')
        label = Grade(value).label if value in Grade.values else value
        return format_html('<span class="badge grade-{}">{}</span>', value, label)
    if kind == "bool":
        if column.key == "domestic_abuse":
            return mark_safe('<span class="badge da">DA</span>') if value else ""
        if column.key == "urgent":
            return mark_safe('<span class="badge bad">URGENT</span>') if value else ""
        return "yes" if value else mark_safe('<span class="muted">no</span>')
    if value is None or value == "":
        return mark_safe('<span class="muted">-</span>')
    if kind == "datetime":
        return format_html('<span class="mono">{}</span>', local_time_text(value))
    if kind == "percent":
        return format_html('<span class="num">{}%</span>', value)
    if kind in ("minutes", "int"):
        return format_html('<span class="num">{}</span>', value)
    if kind in ("incident", "divert"):
        url = reverse("reports:incident_timeline", args=[row["incident_id"]])
        badge = mark_safe(' <span class="badge divert">DIVERT</span>') if kind == "divert" else ""
        return format_html('<a href="{}" class="mono row-link">{}</a>{}', url, value, badge)
    if kind == "marker":
        try:
            url = reverse("marker_detail", args=[value])
        except NoReverseMatch:
            return format_html("#{}", value)
        return format_html('<a href="{}">#{}</a>', url, value)
    return str(value)


@register.simple_tag
def local_time(value):
    """A datetime as 'DD/MM/YYYY HH:MM' in Europe/London; blank for None."""
    return local_time_text(value) if value else ""


@register.filter
def summary_value(item):
    if item.value is None:
        return "-"
    return with_unit(item.value, item.unit)


@register.filter
def get_item(mapping, key):
    if mapping is None:
        return ""
    return mapping.get(key, "")

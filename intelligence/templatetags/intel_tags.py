from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def when(value, fmt="%d %b %Y %H:%M"):
    """An ISO 8601 string (as stored in a check's result) shown in Europe/London."""
    if not value:
        return ""
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if parsed is None:
        return value
    return timezone.localtime(parsed).strftime(fmt)


@register.filter
def day(value):
    return when(value, "%d %b %Y")

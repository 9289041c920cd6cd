from django import template

from core.timefmt import DATE, DATE_TIME, local_display

register = template.Library()


@register.filter
def when(value, fmt=DATE_TIME):
    """An ISO 8601 string (as stored in a check's result) shown in Europe/London."""
    return local_display(value, fmt)


@register.filter
def day(value):
    return local_display(value, DATE)

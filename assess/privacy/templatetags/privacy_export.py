"""The readable export shows the JSON export's ISO times as people read them."""

from datetime import datetime

from django import template
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def readable_time(value: str | None) -> str:
    """'2026-12-07T14:27:32.215647+00:00' -> '7 December 2026, 14:27 UTC'."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return date_format(moment, "j F Y, H:i T")

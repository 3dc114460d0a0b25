"""Template filters for the portal's figures."""

import datetime as dt

from django import template

register = template.Library()


@register.filter
def duration(value):
    """A timedelta in the two largest units that matter: "45 s", "12 min", "3 h 5 min", "2 d 4 h"."""
    if not isinstance(value, dt.timedelta):
        return ""
    seconds = max(0, int(value.total_seconds()))
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days:,} d {hours} h" if hours else f"{days:,} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"

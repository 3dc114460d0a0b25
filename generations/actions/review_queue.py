"""Opening review items: how urgent an item is and by when a moderator must decide it.

The lowest room of the actions: a generation's transition to `held` and a gallery report both open items
here, and `generations.actions.review` (claims, decisions, expiry, appeals) builds on it.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from generations.models import ReviewItem, ReviewKind


def priority_for(categories: dict, severity: float) -> int:
    """Pure: 3 (urgent) for anything touching minors or scoring high, 2 for clear signals, else 1."""
    if categories.get("sexual_minors", 0) > 0 or severity >= 0.8:
        return 3
    if severity >= 0.5:
        return 2
    return 1



def sla_for(priority: int) -> dt.timedelta:
    hours = settings.REVIEW_SLA_HOURS.get(str(priority), settings.REVIEW_SLA_HOURS.get(priority, 24))
    return dt.timedelta(hours=float(hours))



def do_open_review_for_held(generation, *, stage, categories=None, now=None):
    """Queue a held generation for a human (called inside the transition to `held`)."""
    categories = {name: float(score) for name, score in (categories or {}).items()}
    severity = max(categories.values(), default=0.0)
    priority = priority_for(categories, severity)
    now = now or timezone.now()
    return ReviewItem.objects.create(
        generation=generation,
        kind=ReviewKind.HELD,
        stage=stage,
        categories=categories,
        severity=severity,
        priority=priority,
        sla_due_at=now + sla_for(priority),
    )

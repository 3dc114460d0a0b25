"""Read-side access helpers. Another team's generation is indistinguishable from a missing one."""

import uuid

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from generations.catalog import KIND_LABELS
from generations.models import Asset, CreditState, Generation
from generations.states import Status


def as_uuid(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def generation_for_team(team, public_id):
    """The team's generation with this public id, or None (also for another team's, or a malformed id)."""
    return team_object(Generation.objects.select_related("team", "created_by", "parent").prefetch_related("assets"), team, public_id)


def team_object(queryset, team, public_id):
    """The team's row with this public id from `queryset` (a model or queryset with `team` and `public_id`),
    or None — also for another team's row or a malformed id, which callers answer alike (404)."""
    parsed = as_uuid(public_id)
    if parsed is None or team is None:
        return None
    manager = getattr(queryset, "objects", queryset)
    return manager.filter(team=team, public_id=parsed).first()


def deliverable_asset(generation, role):
    """An asset users may download: present and not quarantined."""
    return Asset.objects.filter(generation=generation, role=role, quarantined=False).first()


def team_generations(team, *, created_by=None):
    queryset = Generation.objects.filter(team=team).select_related("created_by", "parent").prefetch_related("assets")
    if created_by is not None:
        queryset = queryset.filter(created_by=created_by)
    return queryset.order_by("-created_at", "-id")


def usage_by_kind(team, *, since):
    """Generations and credits charged per kind since `since`: one aggregate query."""
    rows = (
        Generation.objects.filter(team=team, created_at__gte=since)
        .values("kind")
        .annotate(
            generations=Count("id"),
            succeeded=Count("id", filter=Q(status=Status.SUCCEEDED)),
            credits=Coalesce(Sum("price_credits", filter=Q(credit_state=CreditState.CAPTURED)), 0),
        )
        .order_by("kind")
    )
    return [{**row, "label": KIND_LABELS.get(row["kind"], row["kind"])} for row in rows]

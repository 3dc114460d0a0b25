"""Read-side access helpers. Another team's generation is indistinguishable from a missing one."""

import datetime as dt
import hashlib
import re
import statistics
import uuid

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from generations.catalog import KIND_LABELS
from generations.models import Asset, ChildSafetyReport, CreditState, Generation, ReviewItem, ReviewKind
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


def review_queue_standing(item, *, now, days=14, at_least=5):
    """(open items moderators take before `item`, the typical time recent items of its priority waited for
    a human decision — None with fewer than `at_least` of them): what a wait estimate is based on."""
    ahead = (
        ReviewItem.objects.filter(decision="", kind__in=(ReviewKind.HELD, ReviewKind.APPEAL))
        .filter(Q(escalated=True) | Q(priority__gt=item.priority) | Q(priority=item.priority, created_at__lt=item.created_at))
        .exclude(pk=item.pk)
        .count()
    )
    recent = list(
        ReviewItem.objects.filter(
            kind=ReviewKind.HELD, priority=item.priority, decided_by__isnull=False, decided_at__gte=now - dt.timedelta(days=days)
        ).order_by("-decided_at").values_list("created_at", "decided_at")[:500]
    )
    typical = statistics.median(decided - created for created, decided in recent) if len(recent) >= at_least else None
    return ahead, typical


def deliverable_asset(generation, role):
    """An asset users may download: present and not quarantined."""
    return Asset.objects.filter(generation=generation, role=role, quarantined=False).first()


def referable_clips(team, *, limit=30):
    """The team's finished clips the video service still knows, newest first: what an omni-video may name."""
    return (Generation.objects.filter(team=team, status=Status.SUCCEEDED).exclude(provider_video_id="")
            .order_by("-created_at")[:limit])


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


MAX_SEARCH_WORDS = 8
_WORD = re.compile(r"\w+")


def search_words(text):
    """The words of a search, lowercased, at most MAX_SEARCH_WORDS of them (word characters only)."""
    return [word.lower() for word in _WORD.findall(text or "")][:MAX_SEARCH_WORDS]


def matching_prompt(queryset, text):
    """Generations whose prompt has every word of `text`, in any order: PostgreSQL's full-text search
    (the `simple` configuration, so any language, and word prefixes: "snow" finds "snowy"), or on
    SQLite every word as a case-insensitive substring."""
    words = search_words(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector  # PostgreSQL only

        query = SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="simple")
        return queryset.annotate(prompt_search=SearchVector("prompt", config="simple")).filter(prompt_search=query)
    for word in words:
        queryset = queryset.filter(prompt__icontains=word)
    return queryset


# --- the moderators' review queue: filters, search and the priority score ----------------------------

QUEUE_FILTERS = ("kind", "stage", "category", "team", "priority", "claimed", "overdue", "q", "author", "cluster")
AGE_CAP_HOURS = 48.0
# How the queue can be sorted: by the priority score (the default), the SLA due soonest, or age.
QUEUE_SORTS = {"score": "Most urgent", "sla": "SLA due first", "oldest": "Oldest first", "newest": "Newest first"}
DEFAULT_QUEUE_SORT = "score"


def prompt_cluster(prompt) -> str:
    """Pure: the key of a prompt's cluster: the same prompt up to case, spacing and punctuation at its ends."""
    normal = " ".join((prompt or "").lower().split()).strip(" .,;:!?\"'")
    return hashlib.sha256(normal.encode()).hexdigest()[:12]


def queue_priority_score(*, priority, severity, waited_hours, reports) -> float:
    """Pure: how soon an item should be looked at. Severity (the item's priority, 1–3, with its top score as
    a fraction on top) × age in hours waiting (capped at AGE_CAP_HOURS, at least one) × (1 + reports)."""
    return (priority + max(0.0, min(1.0, severity))) * max(1.0, min(AGE_CAP_HOURS, waited_hours)) * (1 + reports)


def review_queue_items(filters, *, moderator, now, limit=1000, visible=None, queue=None, sort=DEFAULT_QUEUE_SORT):
    """Open review items matching the queue's filters (a dict of GET parameters, each optional), among those
    `visible` (a Q: what the moderator may see, see `generations.actions.roles.visible_q`) and in `queue` (a
    slug, or any), most urgent first by `queue_priority_score` (escalated items ahead of all) or by another of
    QUEUE_SORTS. Each item carries `.score`, `.reports` (open reports of its generation), `.waited` and
    `.cluster` (its prompt's cluster key)."""
    queryset = ReviewItem.objects.filter(decision="").select_related(
        "generation", "generation__created_by", "generation__team", "claimed_by", "queue"
    )
    if visible is not None:
        queryset = queryset.filter(visible)
    if queue:
        queryset = queryset.filter(queue__slug=queue)
    if str(filters.get("author", "")).isdigit():
        queryset = queryset.filter(generation__created_by_id=int(filters["author"]))
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("stage"):
        queryset = queryset.filter(stage=filters["stage"])
    if filters.get("team"):
        queryset = queryset.filter(generation__team__slug=filters["team"])
    if str(filters.get("priority", "")).isdigit():
        queryset = queryset.filter(priority=int(filters["priority"]))
    if filters.get("claimed") == "me":
        queryset = queryset.filter(claimed_by=moderator, lease_expires_at__gt=now)
    elif filters.get("claimed") == "unclaimed":
        queryset = queryset.filter(Q(claimed_by__isnull=True) | Q(lease_expires_at__lte=now))
    if filters.get("overdue"):
        queryset = queryset.filter(sla_due_at__lt=now)
    text = (filters.get("q") or "").strip()
    if text:
        queryset = queryset.filter(Q(generation__prompt__icontains=text) | Q(generation__created_by__email__icontains=text))
    items = list(queryset.order_by("created_at")[:limit])
    category = filters.get("category")
    if category:
        items = [item for item in items if (item.categories or {}).get(category, 0) > 0]
    for item in items:
        item.cluster = prompt_cluster(item.generation.prompt)
    if filters.get("cluster"):
        items = [item for item in items if item.cluster == filters["cluster"]]
    reports = dict(
        ReviewItem.objects.filter(kind=ReviewKind.REPORT, decision="", generation_id__in={item.generation_id for item in items})
        .values_list("generation_id")
        .annotate(count=Count("id"))
    )
    for item in items:
        item.reports = reports.get(item.generation_id, 0)
        item.waited = now - item.created_at
        item.score = queue_priority_score(
            priority=item.priority, severity=item.severity, waited_hours=item.waited.total_seconds() / 3600, reports=item.reports
        )
    if sort == "sla":
        return sorted(items, key=lambda item: (item.sla_due_at, item.created_at))
    if sort in ("oldest", "newest"):
        return sorted(items, key=lambda item: item.created_at, reverse=sort == "newest")
    return sorted(items, key=lambda item: (not item.escalated, -item.score, item.created_at))


def review_queue_choices(*, visible=None):
    """(teams, stages) with open review items (among those `visible`, a Q), for the queue's filter menus."""
    open_items = ReviewItem.objects.filter(decision="")
    if visible is not None:
        open_items = open_items.filter(visible)
    teams = sorted(set(open_items.values_list("generation__team__slug", flat=True)))
    stages = sorted(set(open_items.values_list("stage", flat=True)))
    return teams, stages


def withheld_for_good(generation) -> bool:
    """Whether the generation's media stays withheld from its team whatever an earlier approval released:
    a moderator confirmed it as child sexual abuse (a child-safety report exists), or it was taken down as a
    copy of banned content (error code "copy_removed", actions.takedown.COPY_REMOVED)."""
    return generation.error_code == "copy_removed" or ChildSafetyReport.objects.filter(generation=generation).exists()

"""Named review queues, their routing rules, and moderators' saved queue views.

Queues and rules are managed by leads (see `accounts.roles`), every change audited. The built-in queues
(General, Child safety, Appeals) cannot be deleted, and the built-in rule sending child-safety items to the
Child safety queue can be neither changed nor deleted; a queue restricted to child-safety moderators stays
restricted whatever rule routes into it.
"""

from urllib.parse import parse_qsl, urlencode

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts.audit import Actor, record_audit_event
from accounts.models import AuditEventType, ModerationRole, Team
from generations.actions import roles
from generations.actions.review_queue import CHILD_SAFETY_QUEUE
from generations.errors import GenerationError
from generations.models import ReviewItem, ReviewKind, ReviewQueue, RoutingRule, SavedQueueView
from generations.moderation.text import policy as text_policy


class QueueError(GenerationError):
    pass


def _require_lead(user):
    if not roles.can_manage_queues(user):
        raise QueueError(roles.ROLE_NOT_ALLOWED, "Only a lead manages queues and routing rules.", http_status=403)


def _queue_record(queue):
    return {"name": queue.name, "slug": queue.slug, "restricted_to_role": queue.restricted_to_role, "sla_hours": queue.sla_hours}


def _rule_record(rule):
    return {"order": rule.order, "queue": rule.queue.slug, "kind": rule.kind, "stage": rule.stage, "category": rule.category,
            "min_severity": rule.min_severity, "language": rule.language, "team": rule.team.slug if rule.team_id else ""}


def _clean_sla(value):
    if value in (None, ""):
        return None
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise QueueError("invalid_sla", "The SLA is a number of hours.", field="sla_hours") from None
    if not 0 < hours <= 24 * 30:
        raise QueueError("invalid_sla", "The SLA is between a minute and 30 days, in hours.", field="sla_hours")
    return hours


def do_create_queue(user, *, name, restricted_to_role="", sla_hours=None, request=None):
    _require_lead(user)
    name = (name or "").strip()[:80]
    slug = slugify(name)[:40]
    if not name or not slug:
        raise QueueError("name_required", "Give the queue a name.", field="name")
    if restricted_to_role and restricted_to_role not in ModerationRole.values:
        raise QueueError("invalid_role", "Restrict the queue to one of the moderation roles, or to none.", field="restricted_to_role")
    try:
        with transaction.atomic():
            queue = ReviewQueue.objects.create(name=name, slug=slug, restricted_to_role=restricted_to_role,
                                               sla_hours=_clean_sla(sla_hours))
            record_audit_event(AuditEventType.REVIEW_QUEUE_CHANGED, actor=Actor(user=user), target=queue,
                               extra={"change": "created", **_queue_record(queue)}, request=request)
    except IntegrityError:
        raise QueueError("queue_exists", "A queue with this name already exists.", field="name", http_status=409) from None
    return queue


def do_update_queue(user, queue, *, restricted_to_role, sla_hours, request=None):
    """Change a queue's restriction and SLA. The child-safety queue stays restricted to child-safety moderators."""
    _require_lead(user)
    if restricted_to_role and restricted_to_role not in ModerationRole.values:
        raise QueueError("invalid_role", "Restrict the queue to one of the moderation roles, or to none.", field="restricted_to_role")
    if queue.slug == CHILD_SAFETY_QUEUE and restricted_to_role != ModerationRole.CHILD_SAFETY:
        raise QueueError("builtin_restricted", "The child-safety queue is always restricted to child-safety moderators.",
                         field="restricted_to_role", http_status=409)
    before = _queue_record(queue)
    queue.restricted_to_role = restricted_to_role
    queue.sla_hours = _clean_sla(sla_hours)
    with transaction.atomic():
        queue.save(update_fields=["restricted_to_role", "sla_hours"])
        record_audit_event(AuditEventType.REVIEW_QUEUE_CHANGED, actor=Actor(user=user), target=queue,
                           extra={"change": "updated", "before": before, "after": _queue_record(queue)}, request=request)
    return queue


def do_delete_queue(user, queue, *, request=None):
    """Delete a queue no item was ever routed to (items keep their queue); built-in queues stay."""
    _require_lead(user)
    if queue.builtin:
        raise QueueError("builtin_queue", "Built-in queues cannot be deleted.", http_status=409)
    if ReviewItem.objects.filter(queue=queue).exists():
        raise QueueError("queue_in_use", "Items were routed to this queue; it stays so they keep it.", http_status=409)
    with transaction.atomic():
        record_audit_event(AuditEventType.REVIEW_QUEUE_CHANGED, actor=Actor(user=user), target=queue,
                           extra={"change": "deleted", **_queue_record(queue)}, request=request)
        queue.delete()


def do_create_rule(user, *, queue, order, kind="", stage="", category="", min_severity=0.0, language="", team_slug="",
                   request=None):
    _require_lead(user)
    try:
        order = int(order)
        min_severity = float(min_severity or 0)
    except (TypeError, ValueError):
        raise QueueError("invalid_rule", "Order is a whole number and minimum severity a number.", field="order") from None
    if order < 1:
        raise QueueError("invalid_rule", "Order starts at 1 (0 is the built-in child-safety rule's).", field="order")
    if not 0 <= min_severity <= 1:
        raise QueueError("invalid_rule", "Minimum severity is between 0 and 1.", field="min_severity")
    if kind and kind not in ReviewKind.values:
        raise QueueError("invalid_rule", "Kind is held, appeal or report.", field="kind")
    if category and category not in text_policy.CATEGORIES:
        raise QueueError("invalid_rule", "Pick one of the screening categories.", field="category")
    team = None
    if team_slug:
        team = Team.objects.filter(slug=team_slug).first()
        if team is None:
            raise QueueError("invalid_rule", "No team has this slug.", field="team")
    with transaction.atomic():
        rule = RoutingRule.objects.create(order=order, queue=queue, kind=kind, stage=(stage or "").strip()[:12],
                                          category=category, min_severity=min_severity,
                                          language=(language or "").strip().lower()[:12], team=team)
        record_audit_event(AuditEventType.ROUTING_RULE_CHANGED, actor=Actor(user=user), target=rule,
                           extra={"change": "created", **_rule_record(rule)}, request=request)
    return rule


def do_delete_rule(user, rule, *, request=None):
    _require_lead(user)
    if rule.builtin:
        raise QueueError("builtin_rule", "The built-in child-safety rule cannot be changed or deleted.", http_status=409)
    with transaction.atomic():
        record_audit_event(AuditEventType.ROUTING_RULE_CHANGED, actor=Actor(user=user), target=rule,
                           extra={"change": "deleted", **_rule_record(rule)}, request=request)
        rule.delete()


# --- saved views ---------------------------------------------------------------------------------------------

SAVED_VIEW_PARAMS = ("queue", "sort", "kind", "stage", "category", "team", "priority", "claimed", "overdue", "q", "author",
                     "cluster")
MAX_SAVED_VIEWS = 50


def view_query(params) -> str:
    """Pure: the query string a saved view keeps: the queue, sort and filters in use, nothing else."""
    pairs = [(name, str(value).strip()[:200]) for name, value in params if name in SAVED_VIEW_PARAMS and str(value).strip()]
    return urlencode(pairs)


def do_save_view(user, *, name, query, request=None):
    """Save (or replace) the moderator's view under `name`."""
    if not roles.is_moderator(user):
        raise QueueError("not_a_moderator", "Only trust-and-safety moderators can do that.", http_status=403)
    name = " ".join((name or "").split())[:60]
    if not name:
        raise QueueError("name_required", "Name the view.", field="name")
    if SavedQueueView.objects.filter(user=user).exclude(name=name).count() >= MAX_SAVED_VIEWS:
        raise QueueError("too_many_views", f"Keep at most {MAX_SAVED_VIEWS} saved views; delete one first.", http_status=409)
    view, _ = SavedQueueView.objects.update_or_create(user=user, name=name,
                                                      defaults={"query": view_query(parse_qsl(query or ""))})
    return view


def do_delete_view(user, view_id):
    """Delete one of the moderator's own saved views (another's is as missing as none)."""
    return SavedQueueView.objects.filter(user=user, pk=view_id).delete()[0] > 0

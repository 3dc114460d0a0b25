"""Opening review items: how urgent an item is and by when a moderator must decide it.

The lowest room of the actions: a generation's transition to `held` and a gallery report both open items
here, and `generations.actions.review` (claims, decisions, expiry, appeals) builds on it.
"""

import datetime as dt

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from accounts.audit import record_audit_event
from accounts.models import AuditEventType
from generations.models import ReviewDecision, ReviewItem, ReviewKind, ReviewQueue, RoutingRule
from generations.moderation.text import policy as text_policy

URGENT = 3


def priority_for(categories: dict, severity: float) -> int:
    """Pure: 3 (urgent) for anything touching minors or scoring high, 2 for clear signals, else 1."""
    if categories.get("sexual_minors", 0) > 0 or severity >= 0.8:
        return URGENT
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
    return do_open_item(generation=generation, kind=ReviewKind.HELD, stage=stage, categories=categories, severity=severity,
                        priority=priority, now=now)


# --- routing into named queues ----------------------------------------------------------------------------

CHILD_SAFETY_CATEGORY = "sexual_minors"
CHILD_SAFETY_QUEUE = "child-safety"


def child_safety_threshold() -> float:
    """The score of `sexual_minors` from which an item is a child-safety item: its review threshold."""
    return text_policy.DEFAULT.threshold(CHILD_SAFETY_CATEGORY)[0]


def is_child_safety_score(categories) -> bool:
    """Pure: whether an item with these category scores is a child-safety item."""
    try:
        return float((categories or {}).get(CHILD_SAFETY_CATEGORY) or 0) >= child_safety_threshold()
    except (TypeError, ValueError):
        return True  # an unreadable score errs on the restricted side


def item_language(generation) -> str:
    """The prompt's detected language when the screening recorded one (it may not: then "")."""
    return str((generation.screening_result or {}).get("language") or "").lower()


def rule_matches(rule, *, kind, stage, categories, severity, language, team_id) -> bool:
    """Pure: whether one routing rule takes an item; every condition it sets must hold, unset ones match."""
    if rule.kind and rule.kind != kind:
        return False
    if rule.stage and rule.stage != stage:
        return False
    if rule.team_id and rule.team_id != team_id:
        return False
    if rule.language and rule.language.lower() != language:
        return False  # an item without a detected language never matches a language rule
    if rule.category:
        return float((categories or {}).get(rule.category) or 0) >= max(rule.min_severity, 1e-9)
    return severity >= rule.min_severity


def ensure_builtin_queues():
    """General (the default), Child safety (restricted, with its built-in rule first) and Appeals. The
    migration makes them; a database emptied since (a flush, a test's truncation) gets them back on first use."""
    general, _ = ReviewQueue.objects.get_or_create(slug="general", defaults={"name": "General", "builtin": True, "is_default": True})
    child, _ = ReviewQueue.objects.get_or_create(
        slug=CHILD_SAFETY_QUEUE, defaults={"name": "Child safety", "builtin": True, "restricted_to_role": "child_safety"}
    )
    appeals, _ = ReviewQueue.objects.get_or_create(slug="appeals", defaults={"name": "Appeals", "builtin": True})
    RoutingRule.objects.get_or_create(
        builtin=True, queue=child, defaults={"order": 0, "category": CHILD_SAFETY_CATEGORY, "min_severity": child_safety_threshold()}
    )
    RoutingRule.objects.get_or_create(queue=appeals, kind="appeal", defaults={"order": 10})
    return general


def route(*, generation, kind, stage, categories, severity):
    """The queue a new item goes to: the child-safety queue for any child-safety item (whatever the rules
    say: the built-in rule is enforced here too), else the first rule by `order` that matches, else the
    default queue."""
    queues = ReviewQueue.objects
    if not queues.filter(is_default=True).exists():
        ensure_builtin_queues()
    if is_child_safety_score(categories):
        found = queues.filter(slug=CHILD_SAFETY_QUEUE).first()
        if found is not None:
            return found
    language = item_language(generation)
    for rule in RoutingRule.objects.select_related("queue").order_by("order", "pk"):
        if rule_matches(rule, kind=kind, stage=stage, categories=categories, severity=severity, language=language,
                        team_id=generation.team_id):
            return rule.queue
    return queues.filter(is_default=True).first()


def do_open_item(*, generation, kind, stage, categories, severity, priority, now=None, **fields):
    """Open one review item (held, appeal or report), routed into its queue; a queue's own SLA, when it has
    one, replaces the SLA by priority."""
    now = now or timezone.now()
    queue = route(generation=generation, kind=kind, stage=stage, categories=categories, severity=severity)
    sla = dt.timedelta(hours=queue.sla_hours) if queue is not None and queue.sla_hours else sla_for(priority)
    return ReviewItem.objects.create(
        generation=generation, kind=kind, stage=stage, categories=categories, severity=severity, priority=priority,
        queue=queue, sla_due_at=now + sla, **fields,
    )


def stays_open_after_withdrawal(item) -> bool:
    """Pure: whether a moderator still decides a held item its author withdrew. An urgent or escalated
    one does (what it was held for is serious enough that withdrawing must not dodge the strike a
    rejection brings); the others leave the queue."""
    return item.priority >= URGENT or item.escalated


def do_withdraw_held_review(generation, *, actor, now=None):
    """Called inside the transition of a held generation to `canceled`: its open held item is closed as
    withdrawn and leaves the queue, unless `stays_open_after_withdrawal`. Audited either way."""
    now = now or timezone.now()
    for item in ReviewItem.objects.filter(generation=generation, kind=ReviewKind.HELD, decision=""):
        kept_open = stays_open_after_withdrawal(item)
        if not kept_open:
            ReviewItem.objects.filter(pk=item.pk, decision="").update(
                decision=ReviewDecision.WITHDRAWN, decision_reason="Its author withdrew it before a decision.",
                decided_at=now, claimed_by=None, lease_expires_at=None, version=F("version") + 1,
            )
        record_audit_event(
            AuditEventType.REVIEW_WITHDRAWN, actor=actor, team=generation.team, target=item,
            extra={"generation": str(generation.public_id), "stage": item.stage, "kept_open": kept_open},
        )


# Spans an estimate is rounded to, in words: a person reads "within a few hours", not a timestamp.
_WAIT_WORDS = (
    (dt.timedelta(minutes=20), "within minutes"),
    (dt.timedelta(hours=1), "within the hour"),
    (dt.timedelta(hours=6), "within a few hours"),
    (dt.timedelta(hours=24), "within a day"),
)
# What one item ahead in the queue adds to the wait, when moderators are busy.
MINUTES_PER_ITEM_AHEAD = 4


def estimate_review_wait(*, priority, waited, ahead, typical=None) -> dt.timedelta:
    """Pure: how much longer an open item will probably wait for a decision. `typical` is how long
    recent items of its priority waited for a human (None when there are too few to tell: then a quarter
    of the SLA); every item `ahead` of it in the queue adds a few minutes. An item already waiting longer
    than that is given a quarter of what is left of its SLA. Never beyond the SLA."""
    sla = sla_for(priority)
    expected = typical if typical is not None else sla / 4
    expected = min(sla, max(expected, dt.timedelta(minutes=MINUTES_PER_ITEM_AHEAD * ahead)))
    if waited < expected:
        return expected - waited
    return max(dt.timedelta(0), (sla - waited) / 4)


def wait_in_words(remaining: dt.timedelta) -> str:
    """Pure: an estimate as a person says it ("within a few hours")."""
    for bound, words in _WAIT_WORDS:
        if remaining <= bound:
            return words
    days = -(-remaining // dt.timedelta(days=1))  # rounded up
    return f"within {days} days"

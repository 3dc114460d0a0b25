"""Every question about what a moderator may see and do, in one place: the role predicates of
`accounts.roles` (re-exported here) and which review items a user may see.

A child-safety item is one routed to a queue restricted to child-safety moderators, or — whatever queue it is
in — one whose `sexual_minors` score reaches that category's review threshold. Only child-safety moderators
see it: in the queue, its page, its media, the API, and every count. Leads and superusers do not, unless their
own role is child_safety (see `accounts.roles`). A queue restricted to another role is seen by that role only.
"""

from django.db.models import Q

from accounts.models import AuditEventType, ModerationRole
from accounts.roles import (  # noqa: F401  (re-exported: callers in generations ask this module)
    can_ban,
    can_bulk,
    can_decide,
    can_export,
    can_handle_takedowns,
    can_manage_queues,
    can_see_child_safety,
    can_see_queue_restricted_to,
    can_unblur,
    can_use_standing_tools,
    can_view_audit,
    is_external,
    is_lead,
    is_moderator,
    role_of,
)
from generations.actions.review_queue import (  # noqa: F401  (is_child_safety_score: re-exported)
    CHILD_SAFETY_CATEGORY,
    child_safety_threshold,
    is_child_safety_score,
)
from generations.models import ChildSafetyReport, ReviewItem, ReviewQueue

CHILD_SAFETY_EVENTS = (
    AuditEventType.CHILD_SAFETY_REPORT_DRAFTED, AuditEventType.CHILD_SAFETY_REPORT_DOWNLOADED,
    AuditEventType.CHILD_SAFETY_REPORT_FILED, AuditEventType.CHILD_SAFETY_REPORT_WITHDRAWN,
)

ROLE_NOT_ALLOWED = "role_not_allowed"


def _child_safety_item_q() -> Q:
    """Review items that are child-safety work by themselves: in a queue restricted to child-safety
    moderators, or with a sexual_minors score at its review threshold."""
    return (Q(queue__restricted_to_role=ModerationRole.CHILD_SAFETY)
            | Q(**{f"categories__{CHILD_SAFETY_CATEGORY}__gte": child_safety_threshold()}))


def visible_q(user) -> Q:
    """The review items `user` may see, as a filter (nothing for someone who is not a moderator)."""
    role = role_of(user)
    if role is None:
        return Q(pk__in=[])
    in_queue = Q(queue__isnull=True) | Q(queue__restricted_to_role="") | Q(queue__restricted_to_role=role)
    if role == ModerationRole.CHILD_SAFETY:
        return in_queue
    # Every item of a generation that is child-safety work is too: a later appeal or gallery report, whose own
    # scores may say nothing, and anything of a generation with a drafted report.
    # (The item itself is among its generation's items: no separate test, which a missing JSON key would turn
    # into SQL's NULL and hide every item without a sexual_minors score.)
    return (in_queue
            & ~Q(generation_id__in=ReviewItem.objects.filter(_child_safety_item_q()).values("generation_id"))
            & ~Q(generation_id__in=ChildSafetyReport.objects.values("generation_id")))


def visible_items(user, queryset=None):
    """`queryset` (every review item by default) narrowed to what `user` may see."""
    queryset = ReviewItem.objects.all() if queryset is None else queryset
    return queryset.filter(visible_q(user))


def can_see_item(user, item) -> bool:
    """The same rule as `visible_q`, for one item in hand."""
    role = role_of(user)
    if role is None:
        return False
    restricted = item.queue.restricted_to_role if item.queue_id else ""
    if restricted and restricted != role:
        return False
    if role == ModerationRole.CHILD_SAFETY:
        return True
    if is_child_safety_score(item.categories):
        return False
    return not (ReviewItem.objects.filter(_child_safety_item_q(), generation_id=item.generation_id).exists()
                or ChildSafetyReport.objects.filter(generation_id=item.generation_id).exists())


def visible_queues(user):
    """The queues `user` may see (and pick as a tab)."""
    role = role_of(user)
    if role is None:
        return ReviewQueue.objects.none()
    return ReviewQueue.objects.filter(Q(restricted_to_role="") | Q(restricted_to_role=role))


def narrow_audit_events(user, events):
    """The audit events `user` may read: none about a review item they may not see, nor about its generation
    (by target, or by the `generation` an event's extra names). Named in settings.AUDIT_VIEW_FILTERS."""
    if role_of(user) != ModerationRole.CHILD_SAFETY:
        # Child-safety reports' own events (drafted, downloaded, filed, withdrawn) name the reported user and
        # the files' hashes: child-safety staff's alone.
        events = events.exclude(event_type__in=CHILD_SAFETY_EVENTS)
    hidden = list(ReviewItem.objects.exclude(visible_q(user)).values_list("public_id", "generation__public_id"))
    if not hidden:
        return events
    generations = sorted({str(generation) for _, generation in hidden})
    targets = sorted({str(item) for item, _ in hidden}) + generations
    # Spelled so that an event without a `generation` in its extra is kept (NULL IN (...) is not false in SQL).
    about_hidden = Q(extra__generation__isnull=False) & Q(extra__generation__in=generations)
    return events.exclude(target_id__in=targets).exclude(about_hidden)

"""Who among trust-and-safety staff may do what: every role question has its answer here.

`User.is_moderator` (or being a superuser) makes someone trust-and-safety staff; `User.moderation_role`
says which kind:

- moderator: the review queue, decisions, bans, unblurring, standing tools, bulk decisions, exports.
- child_safety: everything a moderator may, and the only role that sees child-safety items (items routed to
  a queue restricted to it; the built-in routing rule sends every item whose `sexual_minors` score reaches
  its review threshold there). Leads and superusers do not see them unless their own role is child_safety:
  the issue names this role "the only one", so seniority gives no way around it.
- external: approve or reject only: no escalation, bans, bulk decisions, unblurring of originals, standing
  tools, audit viewer or exports. A superuser is never external.
- lead: everything a moderator may, plus managing queues and routing rules. A superuser counts as a lead.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.models import ModerationRole


def is_moderator(user) -> bool:
    """Trust-and-safety staff of any role (superusers count)."""
    return bool(user and user.is_authenticated and user.is_active and (user.is_moderator or user.is_superuser))


def role_of(user) -> str | None:
    """The user's moderation role, or None for someone who is not trust-and-safety staff."""
    if not is_moderator(user):
        return None
    role = user.moderation_role or ModerationRole.MODERATOR
    if user.is_superuser and role == ModerationRole.EXTERNAL:
        return ModerationRole.MODERATOR
    return role


def is_external(user) -> bool:
    return role_of(user) == ModerationRole.EXTERNAL


def _full_moderator(user) -> bool:
    """Staff with a moderator's full powers: any role but external."""
    return role_of(user) not in (None, ModerationRole.EXTERNAL)


def can_see_child_safety(user) -> bool:
    return role_of(user) == ModerationRole.CHILD_SAFETY


def can_see_queue_restricted_to(user, restricted_to_role: str) -> bool:
    """A queue restricted to a role is seen only by that role (an unrestricted one by every moderator)."""
    role = role_of(user)
    return role is not None and (not restricted_to_role or role == restricted_to_role)


def is_lead(user) -> bool:
    return role_of(user) == ModerationRole.LEAD or (is_moderator(user) and user.is_superuser)


def can_manage_queues(user) -> bool:
    return is_lead(user)


def can_decide(user, action: str) -> bool:
    """Approve and reject are every moderator's; escalating is not an external moderator's."""
    if role_of(user) is None:
        return False
    return action in ("approve", "reject") or _full_moderator(user)


def can_ban(user) -> bool:
    return _full_moderator(user)


def can_bulk(user) -> bool:
    return _full_moderator(user)


def can_unblur(user) -> bool:
    return _full_moderator(user)


def can_use_standing_tools(user) -> bool:
    return _full_moderator(user)


def can_view_audit(user) -> bool:
    return _full_moderator(user)


def can_export(user) -> bool:
    return _full_moderator(user)


def can_handle_takedowns(user) -> bool:
    return _full_moderator(user)


def audit_events_for(user, events):
    """`events` narrowed to what `user` may read in the audit viewer (settings.AUDIT_VIEW_FILTERS, in order)."""
    for path in getattr(settings, "AUDIT_VIEW_FILTERS", ()):
        events = import_string(path)(user, events)
    return events

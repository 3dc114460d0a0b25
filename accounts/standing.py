"""Standing: a visible, fair penalty box for repeat offenders.

Violations add category-weighted points that decay with a half-life; the decayed total places the user on
a ladder — good → warned → restricted → suspended. A suspension holds until a moderator lifts it;
sexual_minors attempts suspend at once and never decay. Every level change is an audit event and a
notice to the user. Superusers are never suspended by automation.

The arithmetic is pure (`decayed_points`, `level_for`, `next_level_down_at`); the `do_*` functions write.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.errors import AccountError
from accounts.models import AuditEventType, Notice, Standing, StandingEvent, StandingLevel

NEVER_DECAYS = {"sexual_minors"}


@dataclass(frozen=True)
class PointEvent:
    points: float
    at: dt.datetime
    decays: bool = True


# --- pure arithmetic ------------------------------------------------------------------------------


def decayed_points(events, *, now, half_life_days) -> float:
    """Sum of each event's points halved for every half-life since it happened (non-decaying ones whole)."""
    total = 0.0
    for event in events:
        if not event.decays:
            total += event.points
            continue
        age_days = max(0.0, (now - event.at).total_seconds() / 86400)
        total += event.points * 0.5 ** (age_days / half_life_days)
    return max(0.0, total)


def level_for(points, thresholds) -> str:
    """The ladder level for a point total; `thresholds` maps warned/restricted/suspended to their minimum."""
    level = StandingLevel.GOOD
    for candidate in (StandingLevel.WARNED, StandingLevel.RESTRICTED, StandingLevel.SUSPENDED):
        if points >= thresholds[candidate]:
            level = candidate
    return level


def strike_points(category, source, *, weights, source_weights) -> float:
    return weights.get(category, weights.get("default", 1.0)) * source_weights.get(source, 1.0)


_LADDER = (StandingLevel.GOOD, StandingLevel.WARNED, StandingLevel.RESTRICTED, StandingLevel.SUSPENDED)


def held_level(points, reached, thresholds) -> str:
    """The level a user is at: entered when the points reach its threshold, and kept until decay takes them
    below half of it (one half-life for a single strike), then one level down at a time. `reached` is the
    level last recorded for them. Without this memory a strike worth exactly a threshold would warn for a
    minute and then, decayed by a fraction of a point, read "good" on one page and "warned" on another."""
    level = level_for(points, thresholds)
    if reached not in _LADDER:
        return level
    for candidate in reversed(_LADDER[1: _LADDER.index(reached) + 1]):
        if _LADDER.index(candidate) <= _LADDER.index(level):
            break
        if points >= thresholds[candidate] / 2:
            return candidate
    return level


def next_level_down_at(events, *, now, half_life_days, thresholds, level=None):
    """When decay alone takes the user out of `level` (default: the level the points alone give), that is
    below half its threshold; None if it never does."""
    points = decayed_points(events, now=now, half_life_days=half_life_days)
    level = level if level is not None else level_for(points, thresholds)
    if level == StandingLevel.GOOD:
        return None
    floor = thresholds[level] / 2
    permanent = sum(e.points for e in events if not e.decays)
    if permanent >= floor:
        return None
    decaying = points - permanent
    # decaying * 0.5 ** (t / h) = floor - permanent  →  t = h * log2(decaying / (floor - permanent))
    target = floor - permanent
    if decaying <= 0 or target <= 0:
        return None
    days = half_life_days * math.log2(decaying / target)
    return now + dt.timedelta(days=max(0.0, days) + 1 / 86400)


# --- reading ---------------------------------------------------------------------------------------


def _settings():
    return {
        "half_life_days": settings.STANDING_HALF_LIFE_DAYS,
        "thresholds": {
            StandingLevel.WARNED: settings.STANDING_THRESHOLDS["warned"],
            StandingLevel.RESTRICTED: settings.STANDING_THRESHOLDS["restricted"],
            StandingLevel.SUSPENDED: settings.STANDING_THRESHOLDS["suspended"],
        },
    }


def _point_events(user):
    return [
        PointEvent(points=points, at=at, decays=decays)
        for points, at, decays in StandingEvent.objects.filter(user=user, reverted_at__isnull=True).values_list(
            "points", "created_at", "decays"
        )
    ]


def standing_of(user) -> Standing:
    standing, _ = Standing.objects.get_or_create(user=user)
    # Also fills `user.standing` (the one-to-one's reverse cache): screening reads it right after a submit
    # has read the standing here, and should not query for the same row again.
    standing.user = user
    return standing


@dataclass(frozen=True)
class StandingView:
    level: str
    points: float
    next_level_down_at: dt.datetime | None
    suspended_reason: str


def _stored_with_events(user):
    """(the user's Standing, their PointEvents) read in one query, or None when they have no Standing row yet.

    Every submit reads the standing first thing; one statement over the ORM's two queries is a good part of
    what the standing costs a submit.
    """
    conn = transaction.get_connection()
    sql, columns = _STANDING_QUERY.get(conn.vendor) or _standing_query(conn)
    with conn.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        rows = cursor.fetchall()
    if not rows:
        return None
    rows = [[_converted(conn, column, value) for column, value in zip(columns, row, strict=False)] for row in rows]
    width = len(Standing._meta.concrete_fields)
    stored = Standing.from_db(conn.alias, [field.attname for field in Standing._meta.concrete_fields], rows[0][:width])
    stored.user = user  # fills `user.standing` too, as `standing_of` does
    events = [PointEvent(points=points, at=at, decays=decays) for points, at, decays in (row[width:] for row in rows) if at is not None]
    return stored, events


_STANDING_QUERY = {}


def _standing_query(conn):
    """SELECT every Standing column and the counting events' (points, created_at, decays) for one user."""
    quote = conn.ops.quote_name
    standing_table, event_table = Standing._meta.db_table, StandingEvent._meta.db_table
    event_fields = [StandingEvent._meta.get_field(name) for name in ("points", "created_at", "decays")]
    columns = [field.get_col(standing_table) for field in Standing._meta.concrete_fields]
    columns += [field.get_col(event_table) for field in event_fields]
    user_column = quote(Standing._meta.get_field("user").column)
    event_user, reverted = (quote(StandingEvent._meta.get_field(name).column) for name in ("user", "reverted_at"))
    selected = ", ".join(f"{quote(column.alias)}.{quote(column.target.column)}" for column in columns)
    sql = (
        f"SELECT {selected} FROM {quote(standing_table)} LEFT JOIN {quote(event_table)} "
        f"ON {quote(event_table)}.{event_user} = {quote(standing_table)}.{user_column} AND {quote(event_table)}.{reverted} IS NULL "
        f"WHERE {quote(standing_table)}.{user_column} = %s"
    )
    _STANDING_QUERY[conn.vendor] = sql, columns
    return sql, columns


def _converted(conn, column, value):
    """A raw column value as the ORM would give it back (e.g. an aware datetime from SQLite's text)."""
    for converter in conn.ops.get_db_converters(column) + column.get_db_converters(conn):
        value = converter(value, column, conn)
    return value


def current_standing(user, *, now=None) -> StandingView:
    """The user's standing as of now (decay applied), without writing anything."""
    now = now or timezone.now()
    config = _settings()
    found = _stored_with_events(user)
    # No row yet: nothing was ever recorded against the user (every strike and adjustment writes one), so
    # nothing to read or to create here.
    stored, events = found if found is not None else (Standing(user_id=user.pk), [])
    # Rounded so a strike recorded a moment ago counts in full (decay over milliseconds is not a reprieve).
    points = round(decayed_points(events, now=now, half_life_days=config["half_life_days"]), 4)
    level = held_level(points, stored.level, config["thresholds"])
    if stored.level == StandingLevel.SUSPENDED:
        level = StandingLevel.SUSPENDED  # only a moderator lifts a suspension
    elif user.is_superuser and level == StandingLevel.SUSPENDED:
        level = StandingLevel.RESTRICTED
    return StandingView(
        level=level,
        points=round(points, 2),
        next_level_down_at=None if level == StandingLevel.SUSPENDED else next_level_down_at(events, now=now, level=level, **config),
        suspended_reason=stored.suspended_reason,
    )


# --- writing ---------------------------------------------------------------------------------------


def _notify(user, subject, body):
    Notice.objects.create(user=user, subject=subject, body=body)


_LEVEL_NOTICES = {
    StandingLevel.GOOD: "Your account is back in good standing.",
    StandingLevel.WARNED: "Some of your recent requests broke the content policy. Further violations will restrict your account.",
    StandingLevel.RESTRICTED: (
        "Your account is restricted: every generation now waits for a moderator before it runs, screening is "
        "stricter, and your request rate is lower. This eases as time passes without violations."
    ),
    StandingLevel.SUSPENDED: "Your account is suspended: you cannot start generations. A moderator reviews suspensions and can lift them.",
}


def _refresh_level(user, *, actor=SYSTEM, reason="", force_suspend=False, now=None):
    """Recompute and store the level; on a change, write the audit event and a notice."""
    now = now or timezone.now()
    standing = Standing.objects.select_for_update().get_or_create(user=user)[0]
    view = current_standing(user, now=now)
    new_level = view.level
    if force_suspend and not user.is_superuser:
        new_level = StandingLevel.SUSPENDED
    if new_level == StandingLevel.SUSPENDED and user.is_superuser:
        new_level = StandingLevel.RESTRICTED  # automation never suspends a superuser: no lock-out
    old_level = standing.level
    standing.points = view.points
    standing.updated_at = now
    if new_level == StandingLevel.SUSPENDED and old_level != StandingLevel.SUSPENDED:
        standing.suspended_reason = reason[:300]
    standing.level = new_level
    standing.save()
    if new_level != old_level:
        record_audit_event(
            AuditEventType.STANDING_CHANGED, actor=actor, target=user,
            extra={"email": user.email, "old": old_level, "new": new_level, "points": view.points, "reason": reason[:300]},
        )
        _notify(user, f"Your standing: {StandingLevel(new_level).label}", _LEVEL_NOTICES[new_level])
    return standing


@transaction.atomic
def do_record_strike(user, *, category, source, generation_ref="", note="", now=None, actor=SYSTEM):
    """A violation by this user: add its points (category × source weight) and move them on the ladder.
    `actor` is who decided it: the system for automated blocks, the moderator for a rejection."""
    now = now or timezone.now()
    points = strike_points(category, source, weights=settings.STANDING_CATEGORY_POINTS, source_weights=settings.STANDING_SOURCE_WEIGHTS)
    decays = category not in NEVER_DECAYS
    event = StandingEvent.objects.create(
        user=user, category=category, source=source, points=points, decays=decays, generation_ref=generation_ref,
        note=note[:300], created_at=now, actor_label=actor.label if actor is not SYSTEM else "system",
    )
    record_audit_event(
        AuditEventType.STANDING_STRIKE, actor=actor, target=user,
        extra={"email": user.email, "category": category, "source": source, "points": points, "generation": generation_ref},
    )
    _refresh_level(user, reason=f"{category} ({source})", force_suspend=not decays, now=now)
    return event


@transaction.atomic
def do_revert_strikes(generation_ref, *, actor, reason):
    """An appeal was upheld: the strikes of that generation count for nothing any more."""
    now = timezone.now()
    events = list(StandingEvent.objects.filter(generation_ref=generation_ref, reverted_at__isnull=True).select_related("user"))
    for event in events:
        StandingEvent.objects.filter(pk=event.pk).update(reverted_at=now)
        record_audit_event(
            AuditEventType.STRIKE_REVERTED, actor=actor, target=event.user,
            extra={"email": event.user.email, "category": event.category, "points": event.points, "reason": reason[:300]},
        )
    for user in {event.user for event in events}:
        standing = standing_of(user)
        if standing.level != StandingLevel.SUSPENDED:
            _refresh_level(user, actor=actor, reason="appeal upheld")
    return len(events)


# Largest adjustment one moderator action may make, either way (a suspension needs 12 by default).
MAX_ADJUSTMENT_POINTS = 1000


def _require_independent(user, moderator):
    """Nobody decides about their own standing, superusers included: another moderator must."""
    if user.pk == moderator.pk:
        code = "second_reviewer_required" if moderator.is_superuser else "own_standing"
        raise AccountError(code, "This is your own standing: another moderator must decide about it.", http_status=403)


def check_adjustment_points(points) -> float:
    """The points of a moderator's adjustment as a finite number within bounds, or AccountError (400)."""
    try:
        points = float(points)
    except (TypeError, ValueError):
        raise AccountError("invalid_points", "Points must be a number, like 2 or -1.5.", field="points") from None
    if not math.isfinite(points) or abs(points) > MAX_ADJUSTMENT_POINTS:
        raise AccountError(
            "invalid_points", f"Points must be a finite number between -{MAX_ADJUSTMENT_POINTS} and {MAX_ADJUSTMENT_POINTS}.",
            field="points",
        )
    return points


@transaction.atomic
def do_adjust_standing(user, *, moderator, points, reason):
    """A moderator adds (or, negative, removes) points, with a reason."""
    _require_independent(user, moderator)
    points = check_adjustment_points(points)
    if not reason.strip():
        raise ValueError("a reason is required")
    StandingEvent.objects.create(
        user=user, category="adjustment", source="adjustment", points=points, note=reason[:300], actor_label=moderator.email
    )
    record_audit_event(
        AuditEventType.STANDING_ADJUSTED, actor=Actor(user=moderator), target=user,
        extra={"email": user.email, "points": points, "reason": reason[:300]},
    )
    standing = standing_of(user)
    if standing.level != StandingLevel.SUSPENDED:
        _refresh_level(user, actor=Actor(user=moderator), reason=reason)
    return standing_of(user)


@transaction.atomic
def do_lift_suspension(user, *, moderator, reason):
    """Only a moderator or superuser lifts a suspension, with a reason. Non-decaying strikes stay on record
    but no longer hold the suspension; the user lands on the level their decayed points give."""
    _require_independent(user, moderator)
    if not reason.strip():
        raise ValueError("a reason is required")
    standing = Standing.objects.select_for_update().get_or_create(user=user)[0]
    if standing.level != StandingLevel.SUSPENDED:
        return standing
    # The strikes stay on record, but start fading like any other, and an adjustment brings the total to
    # the restricted threshold: the lift is not undone by the next refresh, and new strikes count as usual.
    StandingEvent.objects.filter(user=user, decays=False, reverted_at__isnull=True).update(decays=True)
    config = _settings()
    points = decayed_points(_point_events(user), now=timezone.now(), half_life_days=config["half_life_days"])
    target = config["thresholds"][StandingLevel.RESTRICTED]
    if points > target:
        StandingEvent.objects.create(
            user=user, category="adjustment", source="suspension_lifted", points=target - points,
            note=f"suspension lifted: {reason[:250]}", actor_label=moderator.email,
        )
    standing.level = StandingLevel.RESTRICTED
    standing.suspended_reason = ""
    standing.save(update_fields=["level", "suspended_reason"])
    old_level = StandingLevel.SUSPENDED
    record_audit_event(
        AuditEventType.SUSPENSION_LIFTED, actor=Actor(user=moderator), target=user, extra={"email": user.email, "reason": reason[:300]}
    )
    _notify(user, "Your suspension was lifted", f"A moderator lifted your suspension: {reason[:300]}")
    record_audit_event(
        AuditEventType.STANDING_CHANGED, actor=Actor(user=moderator), target=user,
        extra={"email": user.email, "old": old_level, "new": StandingLevel.RESTRICTED, "reason": "suspension lifted"},
    )
    _refresh_level(user, actor=Actor(user=moderator), reason="suspension lifted")
    return standing_of(user)

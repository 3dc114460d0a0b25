"""Team credits: a ledger, the pure arithmetic behind it, and the actions that move credits.

Every movement writes one `CreditEntry` and changes the team's cached balances by the same deltas, in
one transaction, with a conditional UPDATE (`… WHERE credits_available >= price`), so concurrent
submits can never spend more than the team has and the cache always equals the ledger.

    kind      available   reserved
    grant        +n          0
    reserve      -n         +n
    capture       0         -n
    release      +n         -n
    adjust       ±n          0
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from .audit import SYSTEM, record_audit_event
from .errors import AccountError
from .models import AuditEventType, CreditEntry, Membership, Team

_DELTAS = {
    "grant": (1, 0),
    "reserve": (-1, 1),
    "capture": (0, -1),
    "release": (1, -1),
    "adjust": (1, 0),
}


# --- pure arithmetic ------------------------------------------------------------------------------


def entry_deltas(kind: str, amount: int) -> tuple[int, int]:
    """(available_delta, reserved_delta) of a ledger entry."""
    if kind not in _DELTAS:
        raise ValueError(f"unknown credit entry kind {kind!r}")
    if kind != "adjust" and amount <= 0:
        raise ValueError(f"a {kind} moves a positive number of credits, not {amount}")
    available_sign, reserved_sign = _DELTAS[kind]
    return available_sign * amount, reserved_sign * amount


def balances(entries) -> tuple[int, int]:
    """(available, reserved) after a sequence of (kind, amount) entries, applied in order.

    Raises ValueError if any step would take a balance below zero: the ledger can never describe that.
    """
    available = reserved = 0
    for kind, amount in entries:
        delta_available, delta_reserved = entry_deltas(kind, amount)
        available += delta_available
        reserved += delta_reserved
        if available < 0 or reserved < 0:
            raise ValueError(f"{kind} {amount} would leave available={available}, reserved={reserved}")
    return available, reserved


def period_start_for(moment: dt.datetime) -> dt.datetime:
    """The start (UTC midnight on the 1st) of the calendar month containing `moment`."""
    moment = moment.astimezone(dt.timezone.utc)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_period_start(period_start: dt.datetime) -> dt.datetime:
    year, month = (period_start.year + 1, 1) if period_start.month == 12 else (period_start.year, period_start.month + 1)
    return period_start.replace(year=year, month=month, day=1)


def renewal_top_up(available: int, allowance: int) -> int:
    """Credits a renewal grants: the team is topped up to its allowance; credits above it are kept.

    Unused allowance does not pile up month after month, and bought credits are never taken away.
    """
    return max(0, allowance - available)


# --- actions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spender:
    """Who spends: the member (whose caps apply), the key they used, and a label for the ledger."""

    member: object
    api_key: object = None

    @property
    def label(self):
        return f"sk-{self.api_key.prefix}" if self.api_key is not None else self.member.email


def _write_entry(team, kind, amount, *, reason, actor_label, member=None, api_key=None, generation_ref="", condition=None):
    """Apply one entry to the team's cached balances (conditionally) and append it to the ledger.

    Returns the entry, or None when `condition` did not hold (nothing was written).
    """

    delta_available, delta_reserved = entry_deltas(kind, amount)
    rows = Team.objects.filter(pk=team.pk)
    if condition is not None:
        rows = rows.filter(condition)
    updated = rows.update(
        credits_available=F("credits_available") + delta_available,
        credits_reserved=F("credits_reserved") + delta_reserved,
    )
    if not updated:
        return None
    team.refresh_from_db(fields=["credits_available", "credits_reserved"])
    return CreditEntry.objects.create(
        team=team,
        kind=kind,
        amount=amount,
        available_delta=delta_available,
        reserved_delta=delta_reserved,
        member=member,
        api_key=api_key,
        actor_label=actor_label,
        generation_ref=generation_ref,
        reason=reason,
        available_after=team.credits_available,
    )


def member_spent_this_period(team, member, *, since=None):
    """Credits a member has committed this period: reserved or captured, minus what was released."""

    since = since or team.period_start
    totals = CreditEntry.objects.filter(team=team, member=member, created_at__gte=since).aggregate(
        reserved=Sum("amount", filter=Q(kind="reserve")), released=Sum("amount", filter=Q(kind="release"))
    )
    return (totals["reserved"] or 0) - (totals["released"] or 0)


def reserve_credits(team, spender: Spender, amount: int, *, generation_ref: str):
    """Hold `amount` credits for a generation, or raise AccountError (402) saying which limit refused it.

    Must run inside the caller's transaction (the submit), so a refused or failed submit leaves nothing.
    """

    renew_allowance_if_due(team)
    membership = Membership.objects.select_for_update().filter(team=team, user=spender.member).first()
    if membership is not None and membership.monthly_credit_cap is not None:
        spent = member_spent_this_period(team, spender.member)
        if spent + amount > membership.monthly_credit_cap:
            raise AccountError(
                "member_cap_exceeded",
                f"This would take your spending this month to {spent + amount} credits; your team caps you at "
                f"{membership.monthly_credit_cap}. Ask a team admin to raise your cap.",
                http_status=402,
            )
    entry = _write_entry(
        team,
        "reserve",
        amount,
        reason="reserved at submit",
        actor_label=spender.label,
        member=spender.member,
        api_key=spender.api_key,
        generation_ref=generation_ref,
        condition=Q(credits_available__gte=amount),
    )
    if entry is None:
        team.refresh_from_db(fields=["credits_available"])
        raise AccountError(
            "insufficient_credits",
            f"This generation costs {amount} credits; the team has {team.credits_available} available.",
            http_status=402,
        )
    return entry


def capture_credits(team, amount, *, member, generation_ref, api_key=None, reason="captured on success"):
    return _write_entry(
        team, "capture", amount, reason=reason, actor_label="system", member=member, api_key=api_key, generation_ref=generation_ref
    )


def release_credits(team, amount, *, member, generation_ref, reason, api_key=None):
    return _write_entry(
        team, "release", amount, reason=reason, actor_label="system", member=member, api_key=api_key, generation_ref=generation_ref
    )


def acquire_generation_slot(team):
    """Take one of the team's concurrent-generation slots, or raise AccountError (429)."""

    updated = Team.objects.filter(pk=team.pk, generations_in_flight__lt=F("max_concurrent_generations")).update(
        generations_in_flight=F("generations_in_flight") + 1
    )
    if not updated:
        raise AccountError(
            "concurrency_limit",
            f"Your team already has {team.max_concurrent_generations} generations in flight; wait for one to finish.",
            http_status=429,
        )


def release_generation_slot(team):

    Team.objects.filter(pk=team.pk, generations_in_flight__gt=0).update(generations_in_flight=F("generations_in_flight") - 1)


@transaction.atomic
def do_grant_credits(team, amount, *, actor=SYSTEM, reason="granted by an operator", request=None):
    if amount <= 0:
        raise AccountError("invalid_amount", "A grant must be a positive number of credits.")
    before = team.credits_available
    entry = _write_entry(team, "grant", amount, reason=reason, actor_label=actor.label)
    record_audit_event(
        AuditEventType.CREDITS_GRANTED,
        actor=actor,
        team=team,
        target=team,
        extra={"amount": amount, "old_available": before, "new_available": team.credits_available, "reason": reason},
        request=request,
    )
    return entry


@transaction.atomic
def do_set_credits(team, target: int, *, actor=SYSTEM, reason="set by an operator", request=None):
    """Adjust the available balance to exactly `target` (an audited adjustment, up or down)."""

    if target < 0:
        raise AccountError("invalid_amount", "Credits cannot be set below zero.")
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = team.credits_available
    difference = target - before
    entry = None
    if difference:
        entry = _write_entry(team, "adjust", difference, reason=reason, actor_label=actor.label)
    record_audit_event(
        AuditEventType.CREDITS_ADJUSTED,
        actor=actor,
        team=team,
        target=team,
        extra={"old_available": before, "new_available": team.credits_available, "reason": reason},
        request=request,
    )
    return entry


def renew_allowance_if_due(team, *, now=None):
    """Start a new monthly period if the current one has ended, topping the team up to its allowance.

    The period start is advanced with a compare-and-set, so concurrent callers renew exactly once.
    """

    now = now or timezone.now()
    current = period_start_for(now)
    if team.period_start >= current:
        return None
    with transaction.atomic():
        claimed = Team.objects.filter(pk=team.pk, period_start=team.period_start).update(period_start=current)
        team.refresh_from_db(fields=["period_start", "credits_available", "credits_reserved", "monthly_allowance"])
        if not claimed:
            return None
        top_up = renewal_top_up(team.credits_available, team.monthly_allowance)
        entry = None
        if top_up:
            entry = _write_entry(team, "grant", top_up, reason=f"monthly allowance for {current:%Y-%m}", actor_label="system")
        record_audit_event(
            AuditEventType.ALLOWANCE_RENEWED,
            team=team,
            target=team,
            extra={"period_start": current.isoformat(), "allowance": team.monthly_allowance, "granted": top_up},
        )
        return entry

"""Team credits: a ledger, the pure arithmetic behind it, and the actions that move credits.

Every movement writes one `CreditEntry` and changes the team's cached balances by the same deltas, in
one transaction, with a conditional UPDATE (`… WHERE credits_available >= price … RETURNING` the new
balances), so concurrent submits can never spend more than the team has and the cache always equals the
ledger. A submit's reservation is that one statement (plus the ledger row) while the team row is locked.

    kind      available   reserved
    grant        +n          0
    reserve      -n         +n
    capture       0         -n
    release      +n         -n
    adjust       ±n          0
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from accounts.audit import SYSTEM, insert_statement, record_audit_event
from accounts.errors import AccountError
from accounts.models import AuditEventType, CreditEntry, Membership, Team
from accounts.periods import period_start_for

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


_COLUMNS = {}


def _quoted_columns(conn):
    """The SQL names `_move_balances` uses, quoted for this database (built once per vendor)."""
    columns = _COLUMNS.get(conn.vendor)
    if columns is None:
        quote = conn.ops.quote_name

        def column(model, name):
            return quote(model._meta.get_field(name).column)

        columns = _COLUMNS[conn.vendor] = {
            "team": quote(Team._meta.db_table),
            "id": column(Team, "id"),
            "available": column(Team, "credits_available"),
            "reserved": column(Team, "credits_reserved"),
            "in_flight": column(Team, "generations_in_flight"),
            "max_concurrent": column(Team, "max_concurrent_generations"),
            "membership": quote(Membership._meta.db_table),
            "m_team": column(Membership, "team"),
            "m_user": column(Membership, "user"),
            "m_cap": column(Membership, "monthly_credit_cap"),
        }
    return columns


def _move_balances(team, delta_available, delta_reserved, *, take_slot=False, at_least=None, uncapped_member=None):
    """One `UPDATE … RETURNING`: add the deltas to the team's cached balances (and take a concurrency slot)
    if every condition holds — the team has `at_least` credits available, a free slot, and
    `uncapped_member` has no monthly cap in the team. Sets the new balances on `team` and returns True,
    or returns False and changes nothing.

    One statement instead of a locking read, an update and a re-read: the row lock it takes is held to
    commit, so the fewer round trips after it, the shorter every other submit of the team waits.
    """
    conn = transaction.get_connection()
    c = _quoted_columns(conn)
    sets, params = [], []
    if delta_available or delta_reserved:
        sets = [f"{c['available']} = {c['available']} + %s", f"{c['reserved']} = {c['reserved']} + %s"]
        params = [delta_available, delta_reserved]
    where = [f"{c['id']} = %s"]
    where_params = [team.pk]
    if take_slot:
        sets.append(f"{c['in_flight']} = {c['in_flight']} + 1")
        where.append(f"{c['in_flight']} < {c['max_concurrent']}")
    if at_least is not None:
        where.append(f"{c['available']} >= %s")
        where_params.append(at_least)
    if uncapped_member is not None:
        where.append(
            f"NOT EXISTS (SELECT 1 FROM {c['membership']} WHERE {c['m_team']} = %s AND {c['m_user']} = %s "
            f"AND {c['m_cap']} IS NOT NULL)"
        )
        where_params += [team.pk, uncapped_member.pk]
    returning = [c["available"], c["reserved"]] + ([c["in_flight"]] if take_slot else [])
    sql = f"UPDATE {c['team']} SET {', '.join(sets)} WHERE {' AND '.join(where)} RETURNING {', '.join(returning)}"
    with conn.cursor() as cursor:
        cursor.execute(sql, params + where_params)
        row = cursor.fetchone()
    if row is None:
        return False
    team.credits_available, team.credits_reserved = row[0], row[1]
    if take_slot:
        team.generations_in_flight = row[2]
    return True


def _ledger_entry(team, kind, amount, *, reason, actor_label, member=None, api_key=None, generation_ref=""):
    """The ledger row for a movement just applied to `team`'s balances (which hold the values after it)."""
    delta_available, delta_reserved = entry_deltas(kind, amount)
    entry = CreditEntry(
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
    conn = transaction.get_connection()
    sql, params = insert_statement(conn, entry, returning_id=True)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        entry.id = cursor.fetchone()[0]
    entry._state.adding, entry._state.db = False, conn.alias
    return entry


def _write_entry(team, kind, amount, *, reason, actor_label, member=None, api_key=None, generation_ref=""):
    """Apply one entry to the team's cached balances and append it to the ledger; returns the entry (None
    if the team row is gone)."""

    delta_available, delta_reserved = entry_deltas(kind, amount)
    if not _move_balances(team, delta_available, delta_reserved):
        return None
    return _ledger_entry(
        team, kind, amount, reason=reason, actor_label=actor_label, member=member, api_key=api_key, generation_ref=generation_ref
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
    # The common case, a member without a monthly cap, is one conditional UPDATE.
    if _move_balances(team, -amount, amount, at_least=amount, uncapped_member=spender.member):
        return _reserve_entry(team, spender, amount, generation_ref)
    return _reserve_checked(team, spender, amount, generation_ref=generation_ref)


def _reserve_entry(team, spender, amount, generation_ref):
    return _ledger_entry(
        team,
        "reserve",
        amount,
        reason="reserved at submit",
        actor_label=spender.label,
        member=spender.member,
        api_key=spender.api_key,
        generation_ref=generation_ref,
    )


def _reserve_checked(team, spender, amount, *, generation_ref):
    """The reservation when the one-statement path refused: check the member's cap, then the balance, and
    raise the error that says which one refused."""

    cap = Membership.objects.filter(team=team, user=spender.member).values_list("monthly_credit_cap", flat=True).first()
    if cap is not None:
        # Lock the team row before summing the member's spending: concurrent reservations of the team
        # queue up here, so two of them cannot both fit under the cap.
        Team.objects.select_for_update().filter(pk=team.pk).values_list("pk", flat=True).first()
        spent = member_spent_this_period(team, spender.member)
        if spent + amount > cap:
            raise AccountError(
                "member_cap_exceeded",
                f"This would take your spending this month to {spent + amount} credits; your team caps you at "
                f"{cap}. Ask a team admin to raise your cap.",
                http_status=402,
            )
    if not _move_balances(team, -amount, amount, at_least=amount):
        team.refresh_from_db(fields=["credits_available"])
        raise AccountError(
            "insufficient_credits",
            f"This generation costs {amount} credits; the team has {team.credits_available} available.",
            http_status=402,
        )
    return _reserve_entry(team, spender, amount, generation_ref)


def reserve_generation(team, spender: Spender, amount: int, *, generation_ref: str):
    """Take one of the team's concurrency slots and hold `amount` credits for a generation, or raise
    AccountError: 429 `concurrency_limit` first, else 402 (which limit refused it). The same as
    `acquire_generation_slot` then `reserve_credits`, in one statement when nothing refuses.

    Must run inside the caller's transaction (the submit), so a refused or failed submit leaves nothing.
    """

    renew_allowance_if_due(team)
    if _move_balances(team, -amount, amount, take_slot=True, at_least=amount, uncapped_member=spender.member):
        return _reserve_entry(team, spender, amount, generation_ref)
    # Something refused, or the member has a cap to check: take the steps one by one, in the same order
    # and with the same errors as the separate calls. Nothing was written above.
    acquire_generation_slot(team)
    return _reserve_checked(team, spender, amount, generation_ref=generation_ref)


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

    if not _move_balances(team, 0, 0, take_slot=True):
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

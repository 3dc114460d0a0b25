"""Read-only usage figures for a team's portal page: balances, per-member and per-key spending, recent ledger.

Plain functions over the `CreditEntry` ledger. Each table is one aggregate query (no per-row queries).

"Spent" means captured credits (the generation ran and was charged). "Reserved" means credits held for
generations still in flight. "Toward cap" is what a member's cap is checked against (reserved or captured,
minus released), the same figure `credits.member_spent_this_period` computes.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import ApiKey, CreditEntry, CreditEntryKind, Membership
from accounts.periods import next_period_start, period_start_for

RECENT_ENTRIES = 20
CHART_DAYS = 30


@dataclass(frozen=True)
class MemberUsage:
    email: str
    name: str
    role: str  # "" for someone who has left the team but spent credits this period
    spent: int
    reserved: int
    toward_cap: int
    cap: int | None

    @property
    def is_former_member(self):
        return not self.role


@dataclass(frozen=True)
class KeyUsage:
    name: str
    prefix: str
    created_by: str
    revoked: bool
    spent: int
    generations: int


@dataclass(frozen=True)
class TeamUsage:
    available: int
    reserved: int
    spent: int
    allowance: int
    period_start: datetime
    renews_at: datetime
    members: list[MemberUsage] = field(default_factory=list)
    keys: list[KeyUsage] = field(default_factory=list)
    recent_entries: list = field(default_factory=list)

    @property
    def percent_of_allowance(self):
        return usage_percent(self.spent, self.allowance)


def usage_percent(used: int, limit: int | None) -> int:
    """Share of `limit` used, as a whole percentage clamped to 0–100 (0 when there is no limit)."""
    if not limit or limit <= 0:
        return 0
    return max(0, min(100, (used * 100) // limit))


def renewal_date(now: datetime | None = None) -> datetime:
    """When the next monthly period starts: the first of next month (UTC)."""
    return next_period_start(period_start_for(now or timezone.now()))


def _period_spent(team, since):
    return CreditEntry.objects.filter(team=team, kind=CreditEntryKind.CAPTURE, created_at__gte=since).aggregate(
        total=Coalesce(Sum("amount"), 0)
    )["total"]


def member_usage(team, since) -> list[MemberUsage]:
    """One row per current member, plus anyone who left but has ledger entries this period."""
    in_period = Q(created_at__gte=since)
    totals = {
        row["member_id"]: row
        for row in CreditEntry.objects.filter(team=team, member__isnull=False)
        .values("member_id", "member__email", "member__full_name")
        .annotate(
            spent=Coalesce(Sum("amount", filter=in_period & Q(kind=CreditEntryKind.CAPTURE)), 0),
            reserved_in=Coalesce(Sum("amount", filter=in_period & Q(kind=CreditEntryKind.RESERVE)), 0),
            released_in=Coalesce(Sum("amount", filter=in_period & Q(kind=CreditEntryKind.RELEASE)), 0),
            # Held now, whenever it was reserved: the running sum of the reserved column.
            reserved=Coalesce(Sum("reserved_delta"), 0),
        )
        .order_by()
    }
    rows = []
    for membership in Membership.objects.filter(team=team).select_related("user").order_by("created_at", "id"):
        row = totals.pop(membership.user_id, None) or {}
        rows.append(
            MemberUsage(
                email=membership.user.email,
                name=membership.user.full_name,
                role=membership.get_role_display(),
                spent=row.get("spent", 0),
                reserved=row.get("reserved", 0),
                toward_cap=row.get("reserved_in", 0) - row.get("released_in", 0),
                cap=membership.monthly_credit_cap,
            )
        )
    for row in totals.values():
        if row["spent"] or row["reserved"] or row["reserved_in"]:
            rows.append(
                MemberUsage(
                    email=row["member__email"],
                    name=row["member__full_name"],
                    role="",
                    spent=row["spent"],
                    reserved=row["reserved"],
                    toward_cap=row["reserved_in"] - row["released_in"],
                    cap=None,
                )
            )
    return rows


def key_usage(team, since) -> list[KeyUsage]:
    """Credits captured this period for generations submitted with each of the team's keys."""
    spent_by_key = {
        row["api_key_id"]: row
        for row in CreditEntry.objects.filter(
            team=team, kind=CreditEntryKind.CAPTURE, created_at__gte=since, api_key__isnull=False
        )
        .values("api_key_id")
        .annotate(spent=Sum("amount"), generations=Count("generation_ref", distinct=True))
        .order_by()
    }
    rows = []
    for key in ApiKey.objects.filter(team=team).select_related("created_by").order_by("created_at", "id"):
        row = spent_by_key.get(key.pk, {})
        rows.append(
            KeyUsage(
                name=key.name,
                prefix=key.prefix,
                created_by=key.created_by.email,
                revoked=key.revoked_at is not None,
                spent=row.get("spent", 0),
                generations=row.get("generations", 0),
            )
        )
    return rows


def recent_entries(team, limit=RECENT_ENTRIES):
    return list(CreditEntry.objects.filter(team=team).select_related("member").order_by("-created_at", "-id")[:limit])


def team_usage(team, *, now=None) -> TeamUsage:
    since = team.period_start
    return TeamUsage(
        available=team.credits_available,
        reserved=team.credits_reserved,
        spent=_period_spent(team, since),
        allowance=team.monthly_allowance,
        period_start=since,
        renews_at=renewal_date(now),
        members=member_usage(team, since),
        keys=key_usage(team, since),
        recent_entries=recent_entries(team),
    )


@dataclass(frozen=True)
class DaySpend:
    day: date
    credits: int
    # Bar height as a share of the busiest day, for the chart (0–100).
    percent: int


def daily_spend(team, *, days=CHART_DAYS, now=None) -> list[DaySpend]:
    """Credits charged per day (UTC) over the last `days` days, oldest first, zero-filled: one query."""
    today = (now or timezone.now()).date()
    first = today - timedelta(days=days - 1)
    totals = {
        row["day"]: row["total"]
        for row in CreditEntry.objects.filter(team=team, kind=CreditEntryKind.CAPTURE, created_at__date__gte=first)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(total=Sum("amount"))
    }
    peak = max(totals.values(), default=0)
    return [
        DaySpend(day, int(totals.get(day, 0)), round(100 * totals.get(day, 0) / peak) if peak else 0)
        for day in (first + timedelta(days=offset) for offset in range(days))
    ]

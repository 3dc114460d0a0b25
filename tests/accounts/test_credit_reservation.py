"""`reserve_generation`: a submit's concurrency slot and credit hold in one statement, refusing exactly as
`acquire_generation_slot` then `reserve_credits` do, and exact under concurrency."""

import threading

import pytest
from django.db import connections, transaction
from django.db.models import Sum

from accounts import credits
from accounts.actions import do_set_member_cap, do_set_team_limits
from accounts.credits import Spender, do_set_credits, reserve_generation
from accounts.errors import AccountError
from accounts.models import CreditEntry, Membership, Team


def ledger(team):
    totals = CreditEntry.objects.filter(team=team).aggregate(a=Sum("available_delta"), r=Sum("reserved_delta"))
    return totals["a"] or 0, totals["r"] or 0


def refused(team, spender, amount):
    """The code a reservation is refused with; the submit's transaction is rolled back, as a refusal does."""
    with pytest.raises(AccountError) as caught, transaction.atomic():
        reserve_generation(team, spender, amount, generation_ref="g-refused")
    return caught.value.code


def balances(team):
    team.refresh_from_db()
    return team.credits_available, team.credits_reserved, team.generations_in_flight


@pytest.mark.django_db
def test_it_takes_a_slot_and_holds_the_credits_with_one_ledger_entry(team, alice):
    entry = reserve_generation(team, Spender(member=alice), 30, generation_ref="g-1")
    assert (team.credits_available, team.credits_reserved, team.generations_in_flight) == (9_970, 30, 1)
    assert balances(team) == (9_970, 30, 1)
    assert (entry.kind, entry.amount, entry.available_after, entry.generation_ref, entry.member) == ("reserve", 30, 9_970, "g-1", alice)
    assert ledger(team) == (9_970, 30)


@pytest.mark.django_db
def test_a_full_team_is_refused_for_concurrency_first(team, alice):
    do_set_team_limits(team=team, max_concurrent_generations=1)
    do_set_credits(team, 5)
    reserve_generation(team, Spender(member=alice), 5, generation_ref="g-1")
    assert refused(team, Spender(member=alice), 5) == "concurrency_limit"
    assert balances(team) == (0, 5, 1)


@pytest.mark.django_db
def test_too_few_credits_is_refused_and_leaves_nothing(team, alice):
    do_set_credits(team, 5)
    assert refused(team, Spender(member=alice), 10) == "insufficient_credits"
    assert balances(team) == (5, 0, 0)
    assert ledger(team) == (5, 0)


@pytest.mark.django_db
def test_a_members_monthly_cap_is_enforced(team, alice, bob):
    do_set_member_cap(membership=Membership.objects.get(team=team, user=bob), cap=15, acting_user=alice)
    reserve_generation(team, Spender(member=bob), 10, generation_ref="g-1")
    assert refused(team, Spender(member=bob), 10) == "member_cap_exceeded"
    reserve_generation(team, Spender(member=alice), 10, generation_ref="g-2")  # the cap is bob's, not the team's
    assert balances(team) == (9_980, 20, 2)
    assert ledger(team) == (9_980, 20)


@pytest.mark.django_db
def test_it_refuses_as_the_separate_steps_do(team, alice, bob):
    """The same refusals, in the same order, as acquire_generation_slot then reserve_credits."""
    do_set_member_cap(membership=Membership.objects.get(team=team, user=bob), cap=5, acting_user=alice)
    do_set_credits(team, 8)
    cases = [(Spender(member=alice), 10), (Spender(member=bob), 6), (Spender(member=bob), 9)]
    for spender, amount in cases:
        with pytest.raises(AccountError) as separate, transaction.atomic():
            credits.acquire_generation_slot(team)
            credits.reserve_credits(team, spender, amount, generation_ref="g")
        assert refused(team, spender, amount) == separate.value.code
    assert balances(team) == (8, 0, 0)


def reserve_from_threads(team, spenders, amount, reserve=reserve_generation):
    """Reserve once per spender, each in its own thread and transaction, all released together."""
    barrier = threading.Barrier(len(spenders))
    outcomes = []

    def worker(spender, index):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                reserve(Team.objects.get(pk=team.pk), spender, amount, generation_ref=f"g-{index}")
            outcomes.append("reserved")
        except AccountError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(spender, n)) for n, spender in enumerate(spenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(outcomes) == len(spenders), "a reserving thread did not finish"
    return sorted(outcomes)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_simultaneous_reservations_spend_exactly_the_credits_there_are(team, alice):
    do_set_credits(team, 70)
    outcomes = reserve_from_threads(team, [Spender(member=alice)] * 20, 10)
    assert outcomes == ["insufficient_credits"] * 13 + ["reserved"] * 7
    assert balances(team) == (0, 70, 7)
    assert ledger(team) == (0, 70)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("reserve", [reserve_generation, credits.reserve_credits], ids=["with_slot", "credits_only"])
def test_simultaneous_reservations_respect_a_members_cap(team, alice, bob, reserve):
    do_set_member_cap(membership=Membership.objects.get(team=team, user=bob), cap=40, acting_user=alice)
    outcomes = reserve_from_threads(team, [Spender(member=bob)] * 20, 10, reserve=reserve)
    assert outcomes == ["member_cap_exceeded"] * 16 + ["reserved"] * 4
    team.refresh_from_db()
    assert (team.credits_available, team.credits_reserved) == (9_960, 40) == ledger(team)

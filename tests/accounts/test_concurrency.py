"""Exactness under concurrency: many simultaneous submits against one team's credits and limits.

Runs on SQLite locally and on PostgreSQL in CI (.ci/run sets DATABASE_URL for a second pass).
"""

import threading
from collections import Counter

import pytest
from django.db import connections
from django.db.models import Sum
from django.test import Client

from accounts.credits import do_set_credits
from accounts.models import CreditEntry, Team
from generations.models import Generation
from generations.pricing import price_credits
from tests.conftest import bearer
from tests.helpers import run_workers

# e2e as well: each submit goes on through a real RQ worker to the simulator.
pytestmark = [pytest.mark.concurrency, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SUBMITS = 50


def submit_all_at_once(raw_key, count=SUBMITS):
    """Fire `count` creates from `count` threads released together; return their (status, code) pairs."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        client = Client()
        try:
            barrier.wait(timeout=30)
            response = client.post(
                "/api/v1/generations", {"prompt": f"Concurrent clip {index}"}, content_type="application/json", **bearer(raw_key)
            )
            body = response.json()
            results[index] = (response.status_code, (body.get("error") or {}).get("code", body.get("status")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(result is not None for result in results), "a submit thread did not finish"
    return Counter(results)


def ledger_sums(team):
    totals = CreditEntry.objects.filter(team=team).aggregate(available=Sum("available_delta"), reserved=Sum("reserved_delta"))
    return totals["available"] or 0, totals["reserved"] or 0


def test_fifty_simultaneous_submits_spend_exactly_the_credits_there_are(team, alice_key, use_simulator, redis_conn):
    price = price_credits("kling-v1-6", "std", "5")
    do_set_credits(team, 10 * price, reason="exactly ten generations")

    outcomes = submit_all_at_once(alice_key)

    assert outcomes == Counter({(202, "queued"): 10, (402, "insufficient_credits"): SUBMITS - 10})
    team.refresh_from_db()
    assert (team.credits_available, team.credits_reserved) == (0, 10 * price)
    assert (team.credits_available, team.credits_reserved) == ledger_sums(team)
    assert Generation.objects.filter(team=team).count() == 10  # refused submits left no row behind

    run_workers(max_rounds=100)
    team.refresh_from_db()
    assert set(Generation.objects.filter(team=team).values_list("status", flat=True)) == {"succeeded"}
    assert (team.credits_available, team.credits_reserved) == (0, 0)
    assert (team.credits_available, team.credits_reserved) == ledger_sums(team)
    assert team.generations_in_flight == 0


def test_fifty_simultaneous_submits_respect_the_concurrency_cap(team, alice_key, use_simulator, redis_conn):
    Team.objects.filter(pk=team.pk).update(max_concurrent_generations=10)

    outcomes = submit_all_at_once(alice_key)

    assert outcomes == Counter({(202, "queued"): 10, (429, "concurrency_limit"): SUBMITS - 10})
    team.refresh_from_db()
    assert team.generations_in_flight == 10
    price = price_credits("kling-v1-6", "std", "5")
    assert team.credits_reserved == 10 * price
    assert (team.credits_available, team.credits_reserved) == ledger_sums(team)

    run_workers(max_rounds=100)
    team.refresh_from_db()
    assert team.generations_in_flight == 0 and team.credits_reserved == 0
    assert (team.credits_available, team.credits_reserved) == ledger_sums(team)
    # The slots are free again: the next submit is accepted.
    assert submit_all_at_once(alice_key, count=1) == Counter({(202, "queued"): 1})

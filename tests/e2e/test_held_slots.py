"""Held generations and the team's concurrency slots, against real Redis, RQ workers and the simulator.

A generation waiting for a person occupies nothing upstream, so it holds no slot: one member's held prompts
never lock the team out. Once a moderator releases it, the worker takes a slot before submitting, and
while none is free it waits in the queue (a delayed turn) instead of failing, up to its deadline.
"""

import datetime as dt
import functools
import time

import django_rq
import pytest
from django.utils import timezone

from accounts.actions import do_create_api_key, do_set_team_limits
from accounts.models import User
from generations import queueing
from generations.actions import review
from generations.models import Generation, ReviewItem
from generations.moderation.visual import scanning
from generations.worker import pipeline
from generations.worker.burst import BurstWorker
from generations.worker.housekeeping import requeue_or_fail_stalled
from tests.conftest import bearer
from tests.helpers import assert_books_balance, constant_score_detector, drive_to_terminal, run_workers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Real prompts the screening holds for review (real political figures), each different so that nothing
# reads as one person pushing the same request.
HELD_PROMPTS = (
    "Joe Biden giving a speech at a rally",
    "Angela Merkel at a press conference",
    "Emmanuel Macron walking through Paris",
    "Kamala Harris shaking hands at a rally",
)
BENIGN = "A paper boat drifting down a rain-soaked street at dusk"


@pytest.fixture
def bob_key(team, bob):
    return do_create_api_key(team=team, user=bob, name="bob's key")[1]


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)


def submit(client, key, prompt):
    return client.post("/api/v1/generations", {"prompt": prompt}, content_type="application/json", **bearer(key))


def submitted(client, key, prompt, status):
    response = submit(client, key, prompt)
    assert response.status_code == 202, response.content
    generation = Generation.objects.get(public_id=response.json()["id"])
    assert generation.status == status, (prompt, generation.status)
    return generation


def approve(generation, moderator):
    item = review.do_claim(ReviewItem.objects.get(generation=generation, decision=""), moderator)
    review.do_decide(item, moderator, review.APPROVE, expected_version=item.version)
    generation.refresh_from_db()
    return generation


def generations_queue():
    return django_rq.get_queue(queueing.GENERATIONS_QUEUE)


def run_turn_of(generation):
    """The worker reaches this generation's job before the others in the queue (as a second worker would)."""
    generation.refresh_from_db()
    queue = generations_queue()
    job = queue.fetch_job(queueing.job_id_for(generation.pk, generation.poll_rounds))
    assert job is not None and job.get_status() == "queued"
    queue.remove(job)
    job.perform()
    generation.refresh_from_db()
    return generation


def run_due_delayed_turns(timeout_s=10):
    """What a worker started with the scheduler does: move delayed jobs onto the queue once due, run them."""
    queue = generations_queue()
    deadline = time.monotonic() + timeout_s
    while queue.scheduled_job_registry.count:
        assert time.monotonic() < deadline, "a delayed turn never came due"
        time.sleep(0.3)
        BurstWorker([queue], connection=queue.connection).work(burst=True, with_scheduler=True)
    run_workers()


def test_a_member_can_generate_while_the_owners_four_prompts_wait_for_review(client, team, alice_key, bob_key, use_simulator, redis_conn):
    do_set_team_limits(team=team, max_concurrent_generations=4)
    held = [submitted(client, alice_key, prompt, "held") for prompt in HELD_PROMPTS]
    team = assert_books_balance(team)
    # Waiting for a person holds no slot, but the credits stay reserved: the team owes them if released.
    assert team.generations_in_flight == 0
    assert team.credits_reserved == sum(generation.price_credits for generation in held)

    account = client.get("/api/v1/account", **bearer(bob_key)).json()
    assert account["limits"]["generations_in_flight"] == 0
    response = submit(client, bob_key, BENIGN)
    assert response.status_code == 202, response.content  # not 429 concurrency_limit
    assert assert_books_balance(team).generations_in_flight == 1

    finished = drive_to_terminal(response.json()["id"])
    assert finished.status == "succeeded"
    team = assert_books_balance(team)
    assert team.generations_in_flight == 0
    assert all(Generation.objects.get(pk=generation.pk).status == "held" for generation in held)


def test_an_approval_when_the_team_is_at_its_limit_waits_then_runs_when_a_slot_frees(
    client, team, alice_key, bob_key, moderator, use_simulator, redis_conn, settings
):
    settings.GENERATION_SLOT_RETRY_S = 1
    do_set_team_limits(team=team, max_concurrent_generations=1)
    held = submitted(client, alice_key, HELD_PROMPTS[0], "held")
    busy = submitted(client, bob_key, BENIGN, "queued")  # the team's one slot
    assert submit(client, bob_key, "A lantern festival over a river").json()["error"]["code"] == "concurrency_limit"
    assert_books_balance(team)

    held = approve(held, moderator)
    assert (held.status, held.holds_slot) == ("queued", False)  # approving never fails for want of a slot
    assert_books_balance(team)

    # The worker reaches it while Bob's clip holds the slot: it waits, with a delayed turn, untouched upstream.
    held = run_turn_of(held)
    assert (held.status, held.holds_slot, held.submit_attempts, held.provider_task_id) == ("queued", False, 0, "")
    assert generations_queue().scheduled_job_registry.count == 1
    assert assert_books_balance(team).generations_in_flight == 1
    # Housekeeping sees a generation that is waiting, not a stalled one: it neither fails nor requeues it.
    later = timezone.now() + dt.timedelta(seconds=settings.GENERATION_STALL_S + 60)
    assert requeue_or_fail_stalled(now=later) == (0, 0)
    held.refresh_from_db()
    assert held.status == "queued"

    assert drive_to_terminal(busy.public_id).status == "succeeded"  # Bob's clip finishes: the slot frees
    assert assert_books_balance(team).generations_in_flight == 0

    run_due_delayed_turns()
    held.refresh_from_db()
    assert (held.status, held.holds_slot, held.credit_state) == ("succeeded", False, "captured")
    assert held.slot_taken_at is not None and held.slot_taken_at >= held.queued_at
    team = assert_books_balance(team)
    assert (team.generations_in_flight, team.credits_reserved) == (0, 0)


def test_a_released_generation_that_never_gets_a_slot_fails_at_its_deadline_with_its_credits_released(
    client, team, alice_key, bob_key, moderator, redis_conn, settings
):
    settings.GENERATION_SLOT_RETRY_S = 1
    do_set_team_limits(team=team, max_concurrent_generations=1)
    first, second = (submitted(client, alice_key, prompt, "held") for prompt in HELD_PROMPTS[:2])
    busy = submitted(client, bob_key, BENIGN, "queued")  # keeps the slot: its job never runs in this test
    generations_queue().remove(queueing.job_id_for(busy.pk, busy.poll_rounds))
    first, second = approve(first, moderator), approve(second, moderator)
    first, second = run_turn_of(first), run_turn_of(second)
    assert first.status == second.status == "queued"

    # Its own delayed turn fails it once it has waited GENERATION_SLOT_WAIT_S since a moderator released it.
    long_ago = timezone.now() - dt.timedelta(seconds=settings.GENERATION_SLOT_WAIT_S + 1)
    Generation.objects.filter(pk__in=(first.pk, second.pk)).update(queued_at=long_ago, updated_at=long_ago)
    generations_queue().scheduled_job_registry.remove(queueing.job_id_for(second.pk, second.poll_rounds))  # second's turn is lost
    run_due_delayed_turns()
    first.refresh_from_db()
    assert (first.status, first.error_code, first.credit_state) == ("failed", pipeline.SLOT_WAIT_EXPIRED, "released")
    assert "kept every slot busy" in first.error_message and "credits were released" in first.error_message

    # Housekeeping is the backstop when no turn comes: the same outcome, the same reason.
    second.refresh_from_db()
    assert second.status == "queued"
    assert requeue_or_fail_stalled(now=timezone.now() + dt.timedelta(seconds=settings.GENERATION_STALL_S)) == (0, 1)
    second.refresh_from_db()
    assert (second.status, second.error_code, second.credit_state) == ("failed", pipeline.SLOT_WAIT_EXPIRED, "released")

    team = assert_books_balance(team)
    assert team.generations_in_flight == 1  # Bob's, untouched: neither failure released a slot it did not hold
    assert team.credits_reserved == busy.price_credits


def test_a_clip_held_at_output_gives_its_slot_back_and_is_charged_once_released(
    client, team, alice_key, bob_key, moderator, use_simulator, redis_conn, monkeypatch
):
    monkeypatch.setattr(
        pipeline.scanning, "inspect_and_scan", functools.partial(scanning.inspect_and_scan, detectors=[constant_score_detector(0.6)])
    )
    do_set_team_limits(team=team, max_concurrent_generations=1)
    generation = submitted(client, alice_key, "A dancer in a red dress spinning in a studio", "queued")
    run_workers()
    generation.refresh_from_db()
    assert (generation.status, generation.stage, generation.holds_slot) == ("held", "output", False)
    assert assert_books_balance(team).generations_in_flight == 0
    assert submit(client, bob_key, BENIGN).status_code == 202  # the rendered clip no longer occupies the upstream

    generation = approve(generation, moderator)
    assert (generation.status, generation.credit_state) == ("succeeded", "captured")
    assert assert_books_balance(team).generations_in_flight == 1  # Bob's

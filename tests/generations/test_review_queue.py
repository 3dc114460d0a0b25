import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone

from accounts.models import AuditEvent, AuditEventType, User
from generations.actions import review
from generations.actions.generation import do_transition
from generations.models import Generation, ReviewItem
from generations.states import Stage, Status
from tests.conftest import bearer
from tests.helpers import drive_to_terminal

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def moderators(db):
    return (
        User.objects.create_user("mod-a@example.org", "pw-mod-a-123", is_moderator=True),
        User.objects.create_user("mod-b@example.org", "pw-mod-b-123", is_moderator=True),
    )


def held_generation(client, key, prompt="A quiet lake at dawn", categories=None):
    response = client.post("/api/v1/generations", {"prompt": prompt}, content_type="application/json", **bearer(key))
    generation = Generation.objects.get(public_id=response.json()["id"])
    Generation.objects.filter(pk=generation.pk).update(screening_result={"decision": "review", "categories": categories or {"political": 0.6}})
    do_transition(generation, Status.HELD, expected=Status.QUEUED, stage=Stage.PROMPT)
    return generation


def test_holding_a_generation_queues_it_for_review_with_priority_from_its_scores(client, alice_key, redis_conn):
    generation = held_generation(client, alice_key, categories={"sexual_minors": 0.3})
    item = ReviewItem.objects.get(generation=generation)
    assert (item.kind, item.stage, item.priority) == ("held", "prompt", 3)
    assert item.sla_due_at > timezone.now()


def test_two_decisions_at_once_exactly_one_lands(client, alice_key, moderators, redis_conn):
    item = ReviewItem.objects.get(generation=held_generation(client, alice_key))
    moderator, _ = moderators
    item = review.do_claim(item, moderator)
    outcomes = []
    barrier = threading.Barrier(2)

    def decide(action):
        try:
            barrier.wait(10)
            review.do_decide(ReviewItem.objects.get(pk=item.pk), moderator, action, reason="looked at it", expected_version=item.version)
            outcomes.append(("ok", action))
        except review.ReviewError as error:
            outcomes.append((error.code, action))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(action,)) for action in (review.APPROVE, review.REJECT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(code for code, _ in outcomes) == ["ok", "review_conflict"]
    assert AuditEvent.objects.filter(event_type=AuditEventType.REVIEW_DECIDED, target_id=str(item.public_id)).count() == 1


def test_another_moderator_cannot_decide_or_claim_a_leased_item(client, alice_key, moderators, redis_conn):
    item = ReviewItem.objects.get(generation=held_generation(client, alice_key))
    first, second = moderators
    item = review.do_claim(item, first)
    with pytest.raises(review.ReviewError) as claimed:
        review.do_claim(item, second)
    with pytest.raises(review.ReviewError) as decided:
        review.do_decide(item, second, review.APPROVE, expected_version=item.version)
    assert (claimed.value.code, decided.value.code) == ("review_claimed", "review_conflict")


def test_an_expired_lease_returns_the_item_to_the_queue(client, alice_key, moderators, redis_conn, settings):
    item = ReviewItem.objects.get(generation=held_generation(client, alice_key))
    first, second = moderators
    then = timezone.now()
    stale = review.do_claim(item, first, now=then)
    later = then + dt.timedelta(seconds=settings.REVIEW_LEASE_S + 1)
    fresh = review.do_claim(item, second, now=later)
    assert fresh.claimed_by == second
    with pytest.raises(review.ReviewError) as caught:
        review.do_decide(stale, first, review.APPROVE, expected_version=stale.version, now=later)
    assert caught.value.code == "review_conflict"
    review.do_decide(fresh, second, review.REJECT, reason="graphic", expected_version=fresh.version, now=later)
    assert Generation.objects.get(pk=item.generation.pk).status == "blocked"


def test_an_item_past_its_sla_is_denied_not_approved(client, alice_key, team, redis_conn):
    generation = held_generation(client, alice_key)
    assert review.do_expire_overdue_reviews(now=timezone.now() + dt.timedelta(days=30)) == 1
    item = ReviewItem.objects.get(generation=generation)
    generation.refresh_from_db()
    assert (item.decision, generation.status, generation.error_code, generation.credit_state) == ("expired", "blocked", "review_expired", "released")
    event = AuditEvent.objects.get(event_type=AuditEventType.REVIEW_EXPIRED)
    assert event.actor_kind == "system" and event.extra["automatic"] is True


@pytest.mark.e2e
def test_an_approved_prompt_goes_on_to_render(client, alice_key, moderators, use_simulator, redis_conn):
    generation = held_generation(client, alice_key)
    item = review.do_claim(ReviewItem.objects.get(generation=generation), moderators[0])
    review.do_decide(item, moderators[0], review.APPROVE, expected_version=item.version)
    assert drive_to_terminal(generation.public_id).status == "succeeded"


def test_a_rejection_needs_a_reason_and_blocks(client, alice_key, moderators, team, redis_conn):
    generation = held_generation(client, alice_key)
    item = review.do_claim(ReviewItem.objects.get(generation=generation), moderators[0])
    with pytest.raises(review.ReviewError) as caught:
        review.do_decide(item, moderators[0], review.REJECT, expected_version=item.version)
    assert caught.value.code == "reason_required"
    review.do_decide(item, moderators[0], review.REJECT, reason="depicts a real politician", expected_version=item.version)
    generation.refresh_from_db()
    team.refresh_from_db()
    assert generation.status == "blocked" and team.credits_reserved == 0


def test_an_escalated_item_waits_for_a_superuser(client, alice_key, moderators, redis_conn):
    item = review.do_claim(ReviewItem.objects.get(generation=held_generation(client, alice_key)), moderators[0])
    item = review.do_decide(item, moderators[0], review.ESCALATE, reason="not sure", expected_version=item.version)
    assert item.escalated and item.claimed_by is None and item.priority == 3
    with pytest.raises(review.ReviewError) as caught:
        review.do_claim(item, moderators[1])
    assert caught.value.code == "escalated_item"
    root = User.objects.create_superuser("root@example.org", "root-pass-123")
    item = review.do_claim(item, root)
    assert review.do_decide(item, root, review.APPROVE, expected_version=item.version).decision == "approved"


def test_only_moderators_review(client, alice_key, alice, redis_conn):
    item = ReviewItem.objects.get(generation=held_generation(client, alice_key))
    with pytest.raises(review.ReviewError) as caught:
        review.do_claim(item, alice)
    assert caught.value.code == "not_a_moderator"


def test_the_owner_can_appeal_a_block_once(client, alice_key, alice, bob, moderators, redis_conn):
    generation = held_generation(client, alice_key)
    item = review.do_claim(ReviewItem.objects.get(generation=generation), moderators[0])
    review.do_decide(item, moderators[0], review.REJECT, reason="violence", expected_version=item.version)
    generation.refresh_from_db()
    with pytest.raises(review.ReviewError) as not_owner:
        review.do_appeal(generation, bob, "please")
    appeal = review.do_appeal(generation, alice, "It is a historical reenactment.")
    with pytest.raises(review.ReviewError) as twice:
        review.do_appeal(generation, alice, "again")
    assert (not_owner.value.code, twice.value.code, appeal.kind) == ("not_your_generation", "already_appealed", "appeal")
    assert review.open_queue().filter(pk=appeal.pk).exists()

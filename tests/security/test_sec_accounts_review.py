"""Findings 7, 14 (part) and 15 (issue #17): separation of duties in review and standing, 500s on odd
points and on canceled generations, and decisions past the SLA."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, AuditEventType, Membership, Role, Standing, StandingEvent, StandingLevel, User
from accounts.standing import do_adjust_standing, do_lift_suspension, do_record_strike
from generations.actions import review
from generations.actions.generation import do_transition
from generations.models import Generation, ReviewItem
from generations.states import Stage, Status
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mod-a@example.org", "pw-mod-a-123", is_moderator=True)


@pytest.fixture
def second_moderator(db):
    return User.objects.create_user("mod-b@example.org", "pw-mod-b-123", is_moderator=True)


def held_item(client, key, categories=None):
    response = client.post("/api/v1/generations", {"prompt": "A quiet lake at dawn"}, content_type="application/json", **bearer(key))
    generation = Generation.objects.get(public_id=response.json()["id"])
    Generation.objects.filter(pk=generation.pk).update(
        screening_result={"decision": "review", "categories": categories or {"violence": 0.6}}
    )
    do_transition(generation, Status.HELD, expected=Status.QUEUED, stage=Stage.PROMPT)
    return ReviewItem.objects.get(generation=generation, kind="held")


def moderator_key(moderator, team):
    from accounts.actions import do_create_api_key

    Membership.objects.create(team=team, user=moderator, role=Role.MEMBER)
    return do_create_api_key(team=team, user=moderator, name="mod key")[1]


# --- finding 7: nobody decides about themselves ----------------------------------------------------


def test_a_moderator_cannot_claim_or_approve_their_own_held_generation(client, team, moderator, second_moderator, redis_conn):
    item = held_item(client, moderator_key(moderator, team))
    with pytest.raises(review.ReviewError) as claimed:
        review.do_claim(item, moderator)
    assert claimed.value.code == "own_item" and claimed.value.http_status == 403

    # Through the portal too: the refusal is shown and nothing was decided.
    browser = Client()
    browser.force_login(moderator)
    page = browser.post(f"/moderation/items/{item.public_id}/claim/", follow=True).content.decode()
    assert "(own_item)" in page
    item.refresh_from_db()
    assert item.claimed_by is None and item.decision == ""

    # Another moderator decides it.
    item = review.do_claim(item, second_moderator)
    review.do_decide(item, second_moderator, review.APPROVE, expected_version=item.version)
    assert Generation.objects.get(pk=item.generation_id).status == Status.QUEUED


def test_a_superuser_deciding_about_themselves_needs_a_second_reviewer(client, team, redis_conn):
    boss = User.objects.create_superuser("boss@example.org", "boss-password-1")
    item = held_item(client, moderator_key(boss, team))
    with pytest.raises(review.ReviewError) as refused:
        review.do_claim(item, boss)
    assert refused.value.code == "second_reviewer_required"
    # Even holding a lease (say, from before this rule), the decision itself is refused.
    ReviewItem.objects.filter(pk=item.pk).update(claimed_by=boss, lease_expires_at=timezone.now() + dt.timedelta(minutes=5))
    item.refresh_from_db()
    with pytest.raises(review.ReviewError) as decided:
        review.do_decide(item, boss, review.APPROVE, expected_version=item.version)
    assert decided.value.code == "second_reviewer_required"
    assert ReviewItem.objects.get(pk=item.pk).decision == ""


def test_a_moderator_cannot_decide_the_appeal_of_their_own_block(client, team, moderator, second_moderator, redis_conn):
    item = held_item(client, moderator_key(moderator, team))
    item = review.do_claim(item, second_moderator)
    review.do_decide(item, second_moderator, review.REJECT, reason="violent", expected_version=item.version)
    appeal = review.do_appeal(Generation.objects.get(pk=item.generation_id), moderator, "it was a film scene")
    with pytest.raises(review.ReviewError) as refused:
        review.do_claim(appeal, moderator)
    assert refused.value.code == "own_item"


def test_a_moderator_cannot_lift_their_own_suspension_or_adjust_their_own_points(moderator, second_moderator):
    do_record_strike(moderator, category="sexual_minors", source="prompt_block")
    assert Standing.objects.get(user=moderator).level == StandingLevel.SUSPENDED
    browser = Client()
    browser.force_login(moderator)
    lifted = browser.post(f"/accounts/moderation/users/{moderator.pk}/standing/adjust/", {"action": "lift", "reason": "mine"})
    assert lifted.status_code == 403 and b"(own_standing)" in lifted.content
    adjusted = browser.post(f"/accounts/moderation/users/{moderator.pk}/standing/adjust/", {"points": "-500", "reason": "mine"})
    assert adjusted.status_code == 403
    assert Standing.objects.get(user=moderator).level == StandingLevel.SUSPENDED
    assert not AuditEvent.objects.filter(event_type=AuditEventType.SUSPENSION_LIFTED).exists()
    boss = User.objects.create_superuser("boss@example.org", "boss-password-1")
    with pytest.raises(Exception) as refused:
        do_adjust_standing(boss, moderator=boss, points=-1, reason="mine")
    assert refused.value.code == "second_reviewer_required"
    # Another moderator can.
    do_lift_suspension(moderator, moderator=second_moderator, reason="reviewed: false positive")
    assert Standing.objects.get(user=moderator).level != StandingLevel.SUSPENDED


# --- finding 14 (part): odd points and canceled generations ------------------------------------------


@pytest.mark.parametrize("points", ["nan", "-inf", "inf", "1e309", "abc", "100000"])
def test_odd_standing_points_are_a_400_with_a_clear_message(moderator, alice, points):
    browser = Client()
    browser.force_login(moderator)
    response = browser.post(f"/accounts/moderation/users/{alice.pk}/standing/adjust/", {"points": points, "reason": "testing"})
    assert response.status_code == 400
    assert b"(invalid_points)" in response.content
    assert not StandingEvent.objects.filter(user=alice).exists()


# A withdrawn (canceled) held generation leaves the queue, except an urgent one (priority 3): that one a
# moderator still decides, so withdrawing does not dodge the strike a rejection brings.
URGENT = {"violence": 0.85}


def test_rejecting_an_item_whose_generation_was_canceled_still_strikes(client, alice, alice_key, moderator, redis_conn):
    item = held_item(client, alice_key, URGENT)
    cancel = client.post(f"/api/v1/generations/{item.generation.public_id}/cancel", **bearer(alice_key))
    assert cancel.status_code == 200 and cancel.json()["status"] == "canceled"
    assert ReviewItem.objects.filter(pk=item.pk, decision="").exists()  # the urgent item survives the cancel

    item = review.do_claim(item, moderator)
    browser = Client()
    browser.force_login(moderator)
    response = browser.post(
        f"/moderation/items/{item.public_id}/decide/", {"action": "reject", "reason": "violent", "version": item.version}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.decision == "rejected"
    assert Generation.objects.get(pk=item.generation_id).status == Status.CANCELED
    assert StandingEvent.objects.filter(user=alice, source="review_rejection", generation_ref=str(item.generation.public_id)).exists()


def test_approving_an_item_whose_generation_was_canceled_releases_nothing(client, alice_key, moderator, redis_conn):
    item = held_item(client, alice_key, URGENT)
    client.post(f"/api/v1/generations/{item.generation.public_id}/cancel", **bearer(alice_key))
    item = review.do_claim(item, moderator)
    review.do_decide(item, moderator, review.APPROVE, expected_version=item.version)
    assert Generation.objects.get(pk=item.generation_id).status == Status.CANCELED
    assert ReviewItem.objects.get(pk=item.pk).decision == "approved"


# --- finding 15: past the SLA nothing is approved ---------------------------------------------------


def test_an_item_past_its_sla_cannot_be_approved_and_is_denied_like_the_reconciler_would(client, alice_key, moderator, redis_conn):
    item = held_item(client, alice_key)
    item = review.do_claim(item, moderator)
    ReviewItem.objects.filter(pk=item.pk).update(sla_due_at=timezone.now() - dt.timedelta(seconds=1))
    item.refresh_from_db()
    with pytest.raises(review.ReviewError) as refused:
        review.do_decide(item, moderator, review.APPROVE, expected_version=item.version)
    assert refused.value.code == "review_expired" and refused.value.http_status == 409
    item.refresh_from_db()
    assert item.decision == "expired"
    generation = Generation.objects.get(pk=item.generation_id)
    assert (generation.status, generation.error_code) == (Status.BLOCKED, "review_expired")
    assert AuditEvent.objects.filter(event_type=AuditEventType.REVIEW_EXPIRED, target_id=str(item.public_id)).count() == 1
    assert not AuditEvent.objects.filter(event_type=AuditEventType.REVIEW_DECIDED, target_id=str(item.public_id)).exists()
    # The reconciler finds nothing left to do.
    assert review.do_expire_overdue_reviews() == 0

"""A held generation as its author meets it: a calm page that says why it waits and how long it usually
takes, a note for the moderator (screened, audited, shown on the moderator's page), and withdrawing it
(credits back, out of the queue, audited), in the portal and through the native API."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from accounts.actions import do_create_api_key, do_set_team_limits
from accounts.models import AuditEvent, AuditEventType, StandingLevel, User
from accounts.standing import current_standing, do_adjust_standing
from generations.actions import review
from generations.actions.review_queue import estimate_review_wait, wait_in_words
from generations.models import Generation, ReviewItem
from generations.web.generations import held_reasons
from generations.worker.housekeeping import run_housekeeping
from tests.conftest import bearer
from tests.helpers import assert_books_balance

pytestmark = pytest.mark.django_db

HELD_PROMPT = "Joe Biden giving a speech at a rally"
HARMFUL = "explicit porn scene, fully nude, hardcore"


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)


@pytest.fixture
def held(client, team, alice_key, redis_conn):
    response = client.post("/api/v1/generations", {"prompt": HELD_PROMPT}, content_type="application/json", **bearer(alice_key))
    assert response.status_code == 202, response.content
    generation = Generation.objects.get(public_id=response.json()["id"])
    assert generation.status == "held"
    return generation


def signed_in(user):
    browser = Client()
    browser.force_login(user)
    return browser


def page_of(browser, generation):
    response = browser.get(f"/generations/{generation.public_id}/")
    assert response.status_code == 200
    return response.content.decode()


# --- the page -------------------------------------------------------------------------------------


def test_the_held_page_says_calmly_why_it_waits_and_how_long_it_usually_takes(held, alice):
    html = page_of(signed_in(alice), held)
    assert "A person looks at this before it runs" in html
    assert "may involve real political figures or sensitive political topics" in html  # the category, in words
    assert "a fictional leader or a general setting avoids the wait" in html  # the screening's suggestion
    assert "That usually happens <strong>within" in html
    item = ReviewItem.objects.get(generation=held)
    assert f"{item.sla_due_at:%Y-%m-%d}" not in html  # an estimate, not the raw deadline
    assert "error-box" not in html and 'role="alert"' not in html  # not an error
    assert 'class="progress-block" hidden' in html  # no bar frozen at 5 %
    assert "Add context for the moderator" in html and ">Withdraw</button>" in html
    assert f"Its {held.price_credits} credits are set aside, not spent" in html


def test_a_restricted_member_is_told_that_their_standing_is_why(client, team, alice, alice_key, moderator, redis_conn):
    do_adjust_standing(alice, moderator=moderator, points=7, reason="repeated violent prompts")
    assert current_standing(alice).level == StandingLevel.RESTRICTED
    response = client.post("/api/v1/generations", {"prompt": "A quiet lake at dawn"}, content_type="application/json", **bearer(alice_key))
    generation = Generation.objects.get(public_id=response.json()["id"])
    assert generation.status == "held"
    html = page_of(signed_in(alice), generation)
    assert "Your account is in restricted standing for now" in html
    assert "screening thought" not in html  # the prompt itself was fine


def _generation(stage, screening=None):
    return SimpleNamespace(stage=stage, screening_result=screening or {})


def _item(stage, categories):
    return SimpleNamespace(stage=stage, categories=categories)


@pytest.mark.parametrize(
    ("generation", "item", "restricted", "says", "suggestion", "consent"),
    [
        (_generation("prompt", {"decision": "review", "suggestion": "Keep people clothed."}), _item("prompt", {"sexual": 0.5}), False,
         ["Our automatic screening thought the prompt may involve adult or intimate content."], "Keep people clothed.", False),
        (_generation("prompt", {"decision": "review", "escalation": {"rule": "trajectory"}}), _item("prompt", {"violence": 0.6}), True,
         ["Our automatic screening thought the prompt, together with your recent prompts, may involve graphic violence.",
          "Your account is in restricted standing for now, so a person checks each of your generations before it runs."], "", False),
        (_generation("input", {"decision": "allow", "input_scan": {"verdict": "review"}}), _item("input", {"sexual": 0.6}), False,
         ["The image you uploaded may show adult or intimate content. Images are checked before they are animated."], "", False),
        (_generation("input", {"decision": "allow", "likeness": {"decision": "review"}}), _item("input", {"deepfake": 0.7}), False,
         ["A real person's face appears in what you asked to animate, and no consent record of your team covers it."], "", True),
        (_generation("output"), _item("output", {"sexual": 0.6}), False,
         ["The clip was made. Every finished clip is checked before anyone sees it, and the check was unsure whether this one "
          "shows adult or intimate content."], "", False),
    ],
    ids=["prompt", "escalated-and-restricted", "input-image", "faces-without-consent", "output-scan"],
)
def test_every_reason_for_holding_reads_in_plain_words(generation, item, restricted, says, suggestion, consent):
    assert held_reasons(generation, item, restricted=restricted) == (says, suggestion, consent)


@pytest.mark.parametrize(
    ("priority", "waited_h", "ahead", "typical_h", "words"),
    [
        (3, 0, 0, None, "within the hour"),  # a quarter of a 4 h SLA
        (2, 0, 0, None, "within a few hours"),  # a quarter of 24 h
        (1, 0, 0, None, "within a day"),  # a quarter of 72 h
        (1, 0, 0, 0.3, "within minutes"),  # moderators have been quick lately
        (1, 0, 90, 0.3, "within a few hours"),  # but 90 items are ahead of it
        (1, 0, 0, 100, "within 3 days"),  # never beyond the SLA
        (1, 30, 0, 2, "within a day"),  # waited longer than usual: a quarter of what is left
    ],
)
def test_the_wait_estimate_follows_the_sla_and_the_queue(priority, waited_h, ahead, typical_h, words):
    typical = dt.timedelta(hours=typical_h) if typical_h is not None else None
    remaining = estimate_review_wait(priority=priority, waited=dt.timedelta(hours=waited_h), ahead=ahead, typical=typical)
    assert wait_in_words(remaining) == words


def test_the_estimate_uses_how_long_recent_items_waited(held, alice, moderator):
    now = timezone.now()
    item = ReviewItem.objects.get(generation=held)
    for index in range(5):  # five recent items of its priority, each decided 50 minutes after it was opened
        ReviewItem.objects.create(
            generation=held, kind="held", stage="prompt", priority=item.priority, sla_due_at=now, decision="approved",
            decided_by=moderator, created_at=now - dt.timedelta(hours=index + 1), decided_at=now - dt.timedelta(hours=index, minutes=10),
        )
    assert "That usually happens <strong>within the hour</strong>" in page_of(signed_in(alice), held)


# --- context for the moderator --------------------------------------------------------------------


def test_context_is_stored_audited_and_shown_to_the_moderator(held, alice, moderator):
    browser = signed_in(alice)
    item = ReviewItem.objects.get(generation=held)
    note = "A civics lesson for our school about how campaigns work; no mockery, no fake quotes."
    response = browser.post(f"/generations/{held.public_id}/context/", {"context": note}, follow=True)
    assert response.status_code == 200
    assert "the moderator reads your note before deciding" in response.content.decode()
    assert note in response.content.decode()  # shown back to its author
    fresh = ReviewItem.objects.get(pk=item.pk)
    assert (fresh.author_context, fresh.version) == (note, item.version + 1)  # a moderator with the page open must reload
    event = AuditEvent.objects.get(event_type=AuditEventType.REVIEW_CONTEXT_ADDED)
    assert (event.actor_label, event.target_id, event.extra["text"]) == ("alice@example.org", str(item.public_id), note)
    assert event.extra["screening"]["decision"] == "allow"

    moderator_page = signed_in(moderator).get(f"/moderation/items/{item.public_id}/").content.decode()
    assert "What the author says it is for" in moderator_page and note in moderator_page


def test_harmful_context_is_refused_with_a_clear_message_and_nothing_is_stored(held, alice):
    response = signed_in(alice).post(f"/generations/{held.public_id}/context/", {"context": HARMFUL})
    assert response.status_code == 422
    html = response.content.decode()
    assert "This note was not sent to the moderator: it describes adult or intimate content" in html
    assert "(context_blocked)" in html and 'role="alert"' in html
    assert ReviewItem.objects.get(generation=held).author_context == ""
    refused = AuditEvent.objects.get(event_type=AuditEventType.PROMPT_SCREENED)
    assert (refused.extra["field"], refused.extra["outcome"], refused.extra["code"]) == ("context", "refused", "context_blocked")
    assert not AuditEvent.objects.filter(event_type=AuditEventType.REVIEW_CONTEXT_ADDED).exists()


def test_context_about_the_very_thing_it_was_held_for_reaches_the_moderator(held, alice):
    # Only a moderator reads it, so text the screening would hold is kept: explaining a held prompt names what it is about.
    note = "Joe Biden at a rally, for a documentary about the 2020 election"
    assert signed_in(alice).post(f"/generations/{held.public_id}/context/", {"context": note}).status_code == 302
    assert ReviewItem.objects.get(generation=held).author_context == note


def test_only_the_author_adds_context_and_another_team_sees_nothing(held, bob, charlie, other_team):
    response = signed_in(bob).post(f"/generations/{held.public_id}/context/", {"context": "It is fine"}, follow=True)
    assert "(not_your_generation)" in response.content.decode()
    assert signed_in(charlie).post(f"/generations/{held.public_id}/context/", {"context": "It is fine"}).status_code == 404
    assert ReviewItem.objects.get(generation=held).author_context == ""


def test_context_is_only_for_a_held_generation(client, team, alice, alice_key, redis_conn):
    response = client.post("/api/v1/generations", {"prompt": "A quiet lake at dawn"}, content_type="application/json", **bearer(alice_key))
    generation = Generation.objects.get(public_id=response.json()["id"])
    response = signed_in(alice).post(f"/generations/{generation.public_id}/context/", {"context": "hello"}, follow=True)
    assert "(not_held)" in response.content.decode()


# --- withdrawing ----------------------------------------------------------------------------------


def test_withdrawing_releases_the_credits_closes_the_item_and_is_audited(held, alice, moderator, team):
    item = ReviewItem.objects.get(generation=held)
    response = signed_in(alice).post(f"/generations/{held.public_id}/withdraw/", follow=True)
    html = response.content.decode()
    assert f"Withdrawn. It will not run, and its {held.price_credits} credits are back with your team." in html
    held.refresh_from_db()
    assert (held.status, held.credit_state, held.holds_slot) == ("canceled", "released", False)
    team = assert_books_balance(team)
    assert (team.credits_available, team.credits_reserved, team.generations_in_flight) == (10_000, 0, 0)
    item.refresh_from_db()
    assert item.decision == "withdrawn" and item.decided_by is None
    event = AuditEvent.objects.get(event_type=AuditEventType.REVIEW_WITHDRAWN)
    assert (event.actor_label, event.target_id, event.extra["kept_open"]) == ("alice@example.org", str(item.public_id), False)
    assert AuditEvent.objects.filter(
        event_type=AuditEventType.GENERATION_STATUS_CHANGED, extra__from="held", extra__to="canceled"
    ).exists()

    moderator_browser = signed_in(moderator)
    assert str(item.public_id) not in moderator_browser.get("/moderation/").content.decode()
    with pytest.raises(review.ReviewError) as claimed:
        review.do_claim(item, moderator)
    assert claimed.value.code == "review_decided"


def test_an_urgent_item_stays_with_the_moderator_after_a_withdrawal(held, alice, team):
    ReviewItem.objects.filter(generation=held).update(priority=3)
    response = signed_in(alice).post(f"/generations/{held.public_id}/withdraw/", follow=True)
    assert "A moderator still looks at what it was held for." in response.content.decode()
    held.refresh_from_db()
    assert (held.status, held.credit_state) == ("canceled", "released")
    assert ReviewItem.objects.get(generation=held).decision == ""
    assert AuditEvent.objects.get(event_type=AuditEventType.REVIEW_WITHDRAWN).extra["kept_open"] is True
    assert_books_balance(team)


def test_another_team_cannot_withdraw_and_only_a_held_one_can_be(held, alice, charlie, other_team):
    assert signed_in(charlie).post(f"/generations/{held.public_id}/withdraw/").status_code == 404
    held.refresh_from_db()
    assert held.status == "held"
    browser = signed_in(alice)
    browser.post(f"/generations/{held.public_id}/withdraw/")
    again = browser.post(f"/generations/{held.public_id}/withdraw/", follow=True).content.decode()
    assert "(not_held)" in again


def test_the_native_api_cancel_withdraws_a_held_generation(client, held, alice_key, charlie_key, team):
    assert client.post(f"/api/v1/generations/{held.public_id}/cancel", **bearer(charlie_key)).status_code == 404
    response = client.post(f"/api/v1/generations/{held.public_id}/cancel", **bearer(alice_key))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["error"]["code"]) == ("canceled", "canceled")
    assert ReviewItem.objects.get(generation=held).decision == "withdrawn"
    event = AuditEvent.objects.get(event_type=AuditEventType.REVIEW_WITHDRAWN)
    assert event.actor_label.startswith("sk-")
    team = assert_books_balance(team)
    assert (team.credits_reserved, team.generations_in_flight) == (0, 0)


# --- slots and credits of held generations without a worker -----------------------------------------


def test_held_ones_take_no_slot_and_leaving_review_never_releases_one_they_do_not_hold(
    client, team, alice_key, bob, moderator, redis_conn
):
    do_set_team_limits(team=team, max_concurrent_generations=1)
    bob_key = do_create_api_key(team=team, user=bob, name="bob")[1]
    running = client.post("/api/v1/generations", {"prompt": "A quiet lake at dawn"}, content_type="application/json", **bearer(bob_key))
    assert running.status_code == 202
    # The team is at its limit, yet a prompt that will be held is accepted: it waits for a person, not a slot.
    held = []
    for prompt in ("Joe Biden giving a speech at a rally", "Angela Merkel at a press conference", "Emmanuel Macron walking through Paris"):
        response = client.post("/api/v1/generations", {"prompt": prompt}, content_type="application/json", **bearer(alice_key))
        assert response.status_code == 202, response.content
        held.append(Generation.objects.get(public_id=response.json()["id"]))
    assert assert_books_balance(team).generations_in_flight == 1

    canceled, rejected, expired = held
    client.post(f"/api/v1/generations/{canceled.public_id}/cancel", **bearer(alice_key))
    assert assert_books_balance(team).generations_in_flight == 1
    item = review.do_claim(ReviewItem.objects.get(generation=rejected), moderator)
    review.do_decide(item, moderator, review.REJECT, reason="a real politician in a fake scene", expected_version=item.version)
    assert assert_books_balance(team).generations_in_flight == 1
    ReviewItem.objects.filter(generation=expired).update(sla_due_at=timezone.now() - dt.timedelta(minutes=1))
    assert run_housekeeping().reviews_expired == 1
    team = assert_books_balance(team)

    states = {generation.pk: Generation.objects.get(pk=generation.pk) for generation in held}
    assert [(g.status, g.credit_state) for g in states.values()] == [("canceled", "released"), ("blocked", "released"), ("blocked", "released")]
    assert team.generations_in_flight == 1  # Bob's, still running
    assert team.credits_reserved == Generation.objects.get(public_id=running.json()["id"]).price_credits

"""The portal as people live in it, in a real browser: a demo afternoon of famous faces costs no strike,
the hint says what a submit would do, standing reads the same everywhere, and history finds words."""

import pytest

from accounts.models import StandingEvent
from generations.actions.generation import do_submit_generation
from generations.catalog import validate_generation_request
from generations.models import Generation
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit_in_page(page, live_server, prompt):
    page.goto(f"{live_server.url}/generations/new/")
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Generate video").click()
    page.wait_for_url(f"{live_server.url}/generations/*/")


def test_a_harmless_celebrity_prompt_is_held_not_blocked_and_adds_no_strike(page, live_server, alice, team, redis_conn):
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    for prompt in ("Elon Musk riding a horse on Mars, cinematic", "Taylor Swift dancing in the rain, photoreal",
                   "Keanu Reeves jumping off a building in slow motion, photoreal action scene"):
        submit_in_page(page, live_server, prompt)
    shot(page, "celebrity-held")
    assert list(Generation.objects.values_list("status", flat=True)) == ["held"] * 3
    assert not StandingEvent.objects.exists()
    assert page.locator(".banner").count() == 0  # no standing banner: nothing holds the account back


def test_the_hint_says_a_block_would_add_a_strike_before_anything_is_submitted(page, live_server, alice, team, redis_conn):
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/")
    page.get_by_label("Prompt", exact=True).fill("explicit porn scene, fully nude, hardcore")
    hint = page.locator(".screening-hint")
    hint.wait_for(state="visible")
    text = hint.inner_text()
    assert text.startswith("This would be blocked") and "adds a strike to your standing" in text
    assert "porn" not in text
    page.get_by_label("Prompt", exact=True).fill("Taylor Swift dancing in the rain, photoreal")
    page.wait_for_function("document.querySelector('.screening-hint').textContent.includes('adds no strike')")
    shot(page, "hint-review-no-strike")
    assert Generation.objects.count() == 0


def test_after_one_block_every_page_tells_the_same_standing(page, live_server, alice, team, alice_key, redis_conn):
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    submit_in_page(page, live_server, "explicit porn video, fully nude woman, hardcore sex")
    banner = page.locator(".banner")
    assert "warned" in banner.inner_text()
    page.get_by_role("link", name="See why and what it means").click()
    page.wait_for_url(f"{live_server.url}/accounts/standing/")
    body = page.locator("main").inner_text()
    assert "Warned" in body and "Nothing holds your account back" not in body and "move down a level on" in body
    shot(page, "standing-after-one-block")
    api = page.request.get(f"{live_server.url}/api/v1/account", headers={"Authorization": f"Bearer {alice_key}"}).json()
    assert api["standing"]["level"] == "warned"


def test_history_finds_words_in_any_order_and_clears_its_filters(page, live_server, alice, team, redis_conn):
    for prompt in ("A red fox running through fresh snow", "Snowy peaks and a sleeping fox", "A blue whale at dawn"):
        request = validate_generation_request({"prompt": prompt}, default_model="kling-v1-6")
        do_submit_generation(team=team, user=alice, request=request)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/")
    page.get_by_label("Search prompts").fill("fox snow")
    page.get_by_role("button", name="Filter").click()
    cards = page.locator(".gen-card")
    cards.first.wait_for()
    assert cards.count() == 2 and "whale" not in page.locator(".gen-grid").inner_text()
    shot(page, "history-word-search")
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url(f"{live_server.url}/generations/")
    assert page.locator(".gen-card").count() == 3


def test_a_member_can_generate_while_the_owners_four_prompts_wait_for_review(page, live_server, alice, bob, team, redis_conn):
    team.max_concurrent_generations = 2
    team.save(update_fields=["max_concurrent_generations"])
    for name in ("Elon Musk", "Taylor Swift", "Keanu Reeves", "Beyonce"):
        request = validate_generation_request({"prompt": f"{name} walking a dog in a park"}, default_model="kling-v1-6")
        assert do_submit_generation(team=team, user=alice, request=request).status == "held"

    sign_in(page, live_server, "bob@example.org", "bob-password-1")
    submit_in_page(page, live_server, "A paper boat drifting on a puddle")
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    shot(page, "member-generates-while-owner-waits")
    assert "concurrency" not in page.locator("main").inner_text().lower()
    assert Generation.objects.get(created_by=bob).status == "queued"

"""Queue tabs by keyboard in a real browser: a child-safety moderator tabs to the Child safety queue, opens its
item and decides it without the mouse; an ordinary moderator's queue shows neither that tab nor the item; the
leads' queues page fits a phone."""

import pytest

from accounts.models import ModerationRole, User
from generations.actions.review_queue import do_open_review_for_held
from generations.models import Generation
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def held(team, user, prompt, categories):
    generation = Generation.objects.create(
        team=team, created_by=user, prompt=prompt, model_name="kling-v1-6", mode="std", status="held", stage="prompt",
        screening_result={"decision": "review", "categories": categories},
    )
    return do_open_review_for_held(generation, stage="prompt", categories=categories)


def test_a_child_safety_moderator_works_their_queue_by_keyboard_and_others_never_see_it(page, live_server, team, alice,
                                                                                       redis_conn):
    User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)
    User.objects.create_user("cs@example.org", "pw-cs-12345", is_moderator=True, moderation_role=ModerationRole.CHILD_SAFETY)
    child = held(team, alice, "Restricted scene marker", {"sexual_minors": 0.8})
    held(team, alice, "Harbour at night", {"political": 0.6})

    sign_in(page, live_server, "mo@example.org", "pw-mo-12345")
    page.goto(f"{live_server.url}/moderation/")
    page.get_by_text("Harbour at night").wait_for()
    assert page.get_by_text("Restricted scene marker").count() == 0
    assert page.locator('[data-queue-tab="child-safety"]').count() == 0
    assert page.locator('[data-queue-tab="all"] [data-open-count]').inner_text() == "1"
    page.context.clear_cookies()

    sign_in(page, live_server, "cs@example.org", "pw-cs-12345")
    page.goto(f"{live_server.url}/moderation/")
    assert page.locator('[data-queue-tab="all"] [data-open-count]').inner_text() == "2"
    # Tab through the page to the Child safety tab and follow it with Enter.
    page.wait_for_load_state("load")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.queueTab") == "child-safety":
            break
    else:
        pytest.fail("the Child safety tab is not reachable with Tab: " + str(page.evaluate(
            "[...document.querySelectorAll('a,button,input,select,textarea,summary,[tabindex]')].slice(0, 70)"
            ".map(e => e.tagName + ':' + (e.dataset.queueTab || e.textContent.trim().slice(0, 20)))")))
    page.keyboard.press("Enter")
    page.wait_for_url("**/moderation/?queue=child-safety")
    page.get_by_text("Restricted scene marker").wait_for()
    assert page.get_by_text("Harbour at night").count() == 0
    shot(page, "queue-child-safety-tab")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/moderation/items/{child.public_id}/")
    page.keyboard.press("2")  # a listed reason, then reject at once
    page.keyboard.press("r")
    page.get_by_text("Rejected.").wait_for()
    child.refresh_from_db()
    assert child.decision == "rejected" and child.decided_by.email == "cs@example.org"


def test_the_leads_queues_page_fits_a_phone(page, live_server, db):
    User.objects.create_user("lead@example.org", "pw-lead-12345", is_moderator=True, moderation_role=ModerationRole.LEAD)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "lead@example.org", "pw-lead-12345")
    for path in ("/moderation/queues/", "/moderation/"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    shot(page, "queues-page-390")

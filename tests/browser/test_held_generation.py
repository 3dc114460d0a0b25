"""A member whose prompt is held, in a real browser: a calm explanation (why, and how long it usually
takes), a note for the moderator, then withdrawing it and seeing the credits back."""

import pytest

from generations.models import Generation, ReviewItem
from tests.browser.conftest import shot
from tests.browser.test_accessibility import _violations
from tests.browser.test_first_video import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ERROR_RED = "rgb(61, 30, 34)"  # .error-box


def test_a_member_whose_prompt_is_held_reads_why_adds_context_and_withdraws_it(page, live_server, bob, team, redis_conn):
    sign_in(page, live_server, "bob@example.org", "bob-password-1")
    page.get_by_label("Prompt", exact=True).fill("Joe Biden giving a speech at a rally")
    page.get_by_role("button", name="Generate video").click()

    # Not an error: a heading that says a person will look, the reason in plain words, the expected time.
    page.get_by_role("heading", name="A person looks at this before it runs").wait_for()
    panel = page.locator(".held-panel")
    text = panel.inner_text()
    assert "may involve real political figures or sensitive political topics" in text
    assert "Screening's suggestion:" in text and "a fictional leader" in text
    assert "That usually happens within" in text
    assert page.get_by_role("alert").count() == 0
    assert not page.get_by_role("progressbar", name="Generation progress").is_visible()
    assert panel.evaluate("el => getComputedStyle(el).backgroundColor") != ERROR_RED
    assert _violations(page) == []
    shot(page, "held-page-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing pushes the page sideways
    shot(page, "held-page-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A note for the moderator.
    note = "A civics lesson for our school about how campaigns work; no fake quotes."
    page.get_by_label("Add context for the moderator").fill(note)
    page.get_by_role("button", name="Send to the moderator").click()
    page.get_by_text("the moderator reads your note before deciding").wait_for()
    assert note in page.locator(".held-note").inner_text()
    generation = Generation.objects.get(created_by=bob)
    assert ReviewItem.objects.get(generation=generation).author_context == note
    shot(page, "held-page-with-note")

    # Withdrawn: it will not run, and the credits are back.
    page.get_by_role("button", name="Withdraw").click()
    page.get_by_text(f"its {generation.price_credits} credits are back with your team").wait_for()
    assert page.get_by_text(f"Its {generation.price_credits} credits went back to your team.").is_visible()
    shot(page, "held-page-withdrawn")
    page.goto(f"{live_server.url}/accounts/usage/")
    assert page.locator('[data-stat="available"]').inner_text() == "10,000"
    assert page.locator('[data-stat="reserved"]').inner_text() == "0"
    assert ReviewItem.objects.get(generation=generation).decision == "withdrawn"

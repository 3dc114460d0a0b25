"""A newcomer's first video, in a real browser: sign in, submit, watch the bar, play the clip."""

import pytest

from accounts.models import Membership
from generations.models import Generation
from tests.browser.conftest import shot
from tests.helpers import run_workers

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, email, password):
    page.goto(f"{live_server.url}/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_it_signs_in_submits_watches_progress_and_plays_the_video(page, live_server, alice, team, use_simulator, redis_conn):
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.get_by_role("heading", name="New video").wait_for()
    shot(page, "dashboard")

    page.get_by_label("Prompt", exact=True).fill("A neon koi fish swimming through a rainy city street at night")
    page.get_by_role("button", name="Generate video").click()
    progress = page.get_by_role("progressbar", name="Generation progress")
    progress.wait_for()
    label = page.locator(".progress-label").inner_text()
    assert "Queued" in label and "elapsed" in label and "left" in label  # elapsed time and an estimate
    page.evaluate("window.stillTheSamePage = true")  # a full-page reload would lose this
    shot(page, "progress")

    run_workers()  # a real RQ worker drives the generation while the page keeps polling

    video = page.locator("video")
    video.wait_for()
    page.wait_for_function("document.querySelector('video').readyState >= 2")
    start = page.evaluate("(() => { const v = document.querySelector('video'); v.muted = true; v.play(); return v.currentTime; })()")
    page.wait_for_function(f"document.querySelector('video').currentTime > {start} + 0.3")
    shot(page, "playing")
    assert Generation.objects.get().status == "succeeded"
    assert page.evaluate("window.stillTheSamePage === true")  # the player arrived without a reload


def test_a_member_cannot_open_another_teams_generation(page, live_server, alice, team, charlie, other_team, use_simulator, redis_conn):
    from generations.actions.generation import do_submit_generation
    from generations.catalog import validate_generation_request

    request = validate_generation_request({"prompt": "Charlie's secret clip"}, default_model="kling-v1-6")
    generation = do_submit_generation(team=other_team, user=charlie, request=request)
    assert not Membership.objects.filter(team=other_team, user=alice).exists()

    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.get_by_role("heading", name="New video").wait_for()
    response = page.goto(f"{live_server.url}/generations/{generation.public_id}/")
    assert response.status == 404
    assert "Charlie's secret clip" not in page.content()
    shot(page, "outsider-404")


def test_the_pages_work_under_their_own_content_security_policy(browser, live_server, alice, team):
    from tests.browser.conftest import ARTIFACTS  # noqa: F401  (screenshots dir exists)

    context = browser.new_context()  # CSP enforced, as for a real visitor
    page = context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.get_by_role("heading", name="New video").wait_for()
    page.locator("p.cost").filter(has_text="Costs 10 credits").wait_for()
    page.get_by_label("Mode", exact=True).select_option("pro")
    page.locator("p.cost").filter(has_text="Costs 35 credits").wait_for()
    for path in ("/generations/", "/accounts/keys/", "/accounts/usage/", "/accounts/standing/", "/webhooks/"):
        page.goto(f"{live_server.url}{path}")
    context.close()
    assert violations == []

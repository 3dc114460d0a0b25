"""More of the portal in a real browser: image→video with an upload, a blocked prompt's explanation,
and a moderator releasing a held generation."""


import pytest
from PIL import Image

from accounts.models import User
from generations.models import Generation
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in
from tests.helpers import run_workers

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_image_to_video_with_an_upload(page, live_server, alice, team, use_simulator, redis_conn, tmp_path):
    picture = tmp_path / "harbour.png"
    Image.new("RGB", (640, 400), (30, 110, 170)).save(picture)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/image/")
    page.get_by_label("Start image").set_input_files(str(picture))
    page.locator("#image-preview").wait_for(state="visible")  # previewed before upload
    page.get_by_label("Prompt", exact=True).fill("Boats rocking gently in the harbour")
    shot(page, "image-to-video-form")
    page.get_by_role("button", name="Generate video").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    run_workers()
    page.locator("video").wait_for()
    page.wait_for_function("document.querySelector('video').readyState >= 2")
    shot(page, "image-to-video-done")
    assert Generation.objects.get().kind == "image2video"


def test_a_blocked_prompt_shows_the_explanation_without_the_words(page, live_server, alice, team, redis_conn):
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.get_by_label("Prompt", exact=True).fill("explicit porn scene, fully nude, hardcore")
    page.get_by_role("button", name="Generate video").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    text = alert.inner_text()
    assert "Blocked" in text and "adult or intimate content" in text  # the category, in plain words
    assert "porn" not in text and "hardcore" not in text
    assert page.get_by_text("Try:").is_visible()  # and how to rephrase
    assert page.get_by_role("button", name="Appeal").is_visible()
    shot(page, "blocked-prompt")


def test_a_moderator_approves_a_held_item(page, live_server, alice, team, use_simulator, redis_conn):
    from generations.actions.generation import do_submit_generation
    from generations.catalog import validate_generation_request

    request = validate_generation_request({"prompt": "Joe Biden giving a speech at a rally"}, default_model="kling-v1-6")
    generation = do_submit_generation(team=team, user=alice, request=request)
    assert generation.status == "held"
    User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)

    sign_in(page, live_server, "mo@example.org", "pw-mo-12345")
    page.goto(f"{live_server.url}/moderation/")
    page.get_by_role("link", name="Held generation · prompt").click()
    page.get_by_role("button", name="Claim this item (c)").click()
    shot(page, "moderation-item")
    page.keyboard.press("a")  # the approve shortcut
    page.get_by_text("Approved.").wait_for()
    run_workers()
    generation.refresh_from_db()
    assert generation.status == "succeeded"


def test_history_cards_follow_running_generations_live(page, live_server, alice, team, use_simulator, redis_conn):
    from generations.actions.generation import do_submit_generation
    from generations.catalog import validate_generation_request

    request = validate_generation_request({"prompt": "A hot-air balloon over vineyards"}, default_model="kling-v1-6")
    do_submit_generation(team=team, user=alice, request=request)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/")
    card = page.locator("[data-live-card]")
    assert "Queued" in card.inner_text()
    page.evaluate("window.stillTheSamePage = true")
    run_workers()
    card.locator("img").wait_for()  # the poster replaced the placeholder
    assert "Succeeded" in card.inner_text() and page.evaluate("window.stillTheSamePage === true")
    shot(page, "history-live")


def test_a_moderator_unblurs_with_the_shortcut_and_the_server_logs_it(page, live_server, client, alice_key, team,
                                                                         redis_conn):
    import io

    from accounts.models import AuditEvent, AuditEventType
    from tests.conftest import bearer
    from tests.kinds.media import b64

    buffer = io.BytesIO()
    Image.new("RGB", (640, 400), (30, 110, 170)).save(buffer, format="PNG")
    response = client.post("/api/v1/generations", {"kind": "image2video", "image": b64(buffer.getvalue()),
                                                   "prompt": "Joe Biden giving a speech at a rally"},
                           content_type="application/json", **bearer(alice_key))
    assert response.status_code == 202 and Generation.objects.get().status == "held"
    User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)

    sign_in(page, live_server, "mo@example.org", "pw-mo-12345")
    page.goto(f"{live_server.url}/moderation/")
    page.get_by_role("link", name="Held generation · prompt").click()
    page.get_by_text("blurred until you choose to look").wait_for()
    assert not AuditEvent.objects.filter(event_type=AuditEventType.MEDIA_UNBLURRED).exists()
    page.keyboard.press("u")  # the unblur shortcut submits the audited form
    page.get_by_text("originals shown: your unblur is logged").wait_for()
    assert AuditEvent.objects.filter(event_type=AuditEventType.MEDIA_UNBLURRED).count() == 1
    assert "?grant=" in page.locator(".review-media img").first.get_attribute("src")

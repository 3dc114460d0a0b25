"""The newer parts of the portal in a real browser: the create form offering only valid choices, extending
a clip, the team gallery (share, like, report) and the usage chart — with screenshots of each page,
at desktop and phone widths."""

import pytest

from generations.actions.generation import do_submit_generation
from generations.catalog import validate_generation_request
from generations.models import GalleryItem, Generation, ReviewItem
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in
from tests.helpers import drive_to_terminal, run_workers

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _finished_clip(team, user, prompt="A paper boat on a rainy street"):
    request = validate_generation_request({"prompt": prompt, "model": "kling-v1-6"}, default_model="kling-v1-6")
    generation = do_submit_generation(team=team, user=user, request=request)
    generation = drive_to_terminal(generation.public_id)
    assert generation.status == "succeeded"
    return generation


def _enabled(select):
    return select.evaluate("s => Array.from(s.options).filter(o => !o.disabled).map(o => o.value)")


def test_the_create_form_offers_only_valid_combinations(page, live_server, alice, team, redis_conn):
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/")
    model, duration, mode, camera = (page.get_by_label(label, exact=True) for label in ("Model", "Duration", "Mode", "Camera move"))
    model.select_option("kling-v3")
    assert _enabled(duration) == [str(n) for n in range(3, 16)]
    duration.select_option("12")
    assert camera.is_disabled()
    model.select_option("kling-v2-6")
    assert _enabled(duration) == ["5", "10"] and duration.input_value() == "5"  # 12 is gone, so it falls back
    model.select_option("kling-v1")
    mode.select_option("std")
    assert camera.is_enabled()
    camera.select_option("zoom_in")
    shot(page, "create-camera-preset")
    mode.select_option("pro")
    assert camera.is_disabled() and camera.input_value() == ""
    page.goto(f"{live_server.url}/generations/new/effect/")
    page.get_by_label("Effect").select_option("squish")
    assert not page.get_by_label("Second person's image").is_visible()
    page.get_by_label("Effect").select_option("hug")
    assert page.get_by_label("Second person's image").is_visible()
    shot(page, "create-effect")


def test_extend_a_clip_and_share_it_with_the_team(page, live_server, alice, bob, team, use_simulator, redis_conn):
    clip = _finished_clip(team, alice)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/{clip.public_id}/")
    page.get_by_role("link", name="Extend").click()
    page.get_by_label("What happens next (optional)").fill("It floats under a stone bridge")
    shot(page, "extend-form")
    page.get_by_role("button", name="Generate video").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    run_workers()
    page.locator("video").wait_for()
    page.wait_for_function("document.querySelector('video').readyState >= 2")
    assert page.get_by_text("Extended from").is_visible()
    extended = Generation.objects.get(kind="video-extend")
    assert extended.parent_id == clip.pk and extended.status == "succeeded"
    shot(page, "extended-clip")

    page.get_by_label("Share with your team (checked again against the current policy first)").fill("Under the bridge")
    page.get_by_role("button", name="Share to gallery").click()
    page.get_by_text("Shared with your team").wait_for()
    item = GalleryItem.objects.get()
    assert item.generation == extended

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "bob@example.org", "bob-password-1")
    page.goto(f"{live_server.url}/gallery/")
    page.get_by_text("Under the bridge").wait_for()
    page.get_by_role("button", name="Like").click()
    page.get_by_role("button", name="Unlike").wait_for()
    item.refresh_from_db()
    assert item.like_count == 1
    page.get_by_text("Report", exact=True).click()
    page.get_by_label("What is wrong with it?").fill("It shows my neighbour's house")
    page.get_by_role("button", name="Send to moderators").click()
    page.get_by_text("a moderator will look at it").wait_for()
    assert ReviewItem.objects.get(kind="report").message == "It shows my neighbour's house"
    shot(page, "gallery")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    shot(page, "gallery-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scrolling

    page.goto(f"{live_server.url}/accounts/usage/")
    page.locator(".day-chart .bar").first.wait_for(state="attached")
    shot(page, "usage-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/consent/")
    page.get_by_label("Person").fill("Dana Lee")
    page.get_by_label("How and when they agreed").fill("Signed release, 2026-11-20")
    page.get_by_role("button", name="Record consent").click()
    page.get_by_text("Consent recorded").wait_for()
    shot(page, "consent")

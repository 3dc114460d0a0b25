"""Making an omni-video on a phone (390 px wide): the Omni page in the create nav, an image upload with its
preview, a finished clip of the team picked as a reference, the prompt naming both; a prompt that leaves the
clip unnamed is refused in plain words and keeps the chosen image; then a real worker and the simulator make
the clip."""

import pytest
from django.conf import settings

from generations.actions.generation import do_submit_generation
from generations.catalog import validate_generation_request
from generations.models import Generation
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in
from tests.helpers import run_workers
from tests.kinds.media import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def no_sideways_scrolling(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def finished_clip(team, user):
    """A real 5 s clip of the team, made by the worker through the simulator."""
    request = validate_generation_request({"prompt": "a red boat on a calm lake", "model": "kling-v1-6", "duration": "5"},
                                          default_model=settings.DEFAULT_MODEL)
    clip = do_submit_generation(team=team, user=user, request=request)
    run_workers()
    clip.refresh_from_db()
    assert clip.status == "succeeded", (clip.error_code, clip.error_message)
    return clip


def test_a_phone_user_makes_an_omni_video_from_an_image_and_a_clip(page, live_server, alice, team, use_simulator, redis_conn, tmp_path):
    clip = finished_clip(team, alice)
    picture = tmp_path / "sail.png"
    picture.write_bytes(image_bytes(seed=4))
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/")
    page.get_by_role("navigation", name="Ways to create").get_by_role("link", name="Omni").click()
    page.get_by_role("heading", name="Omni video").wait_for()
    current = page.get_by_role("navigation", name="Ways to create").locator("[aria-current=page]")
    assert current.inner_text() == "Omni"
    assert page.locator("p.cost").inner_text().startswith("Costs 30 credits per 5 seconds in Standard mode, 40 in Professional")
    assert no_sideways_scrolling(page)
    shot(page, "create-omni-phone")

    # The clip is chosen but the prompt never names it: refused in plain words, the image kept.
    page.get_by_label("Image 1 (optional)").set_input_files(str(picture))
    page.wait_for_function("document.querySelector('#image-preview').naturalWidth > 0")
    page.get_by_label("A clip of your team (optional)").select_option(str(clip.public_id))
    page.get_by_label("Use the clip").select_option("feature")
    page.get_by_label("Prompt").fill("<<<image_1>>> sails across the lake")
    page.get_by_label("Duration").select_option("4")
    page.get_by_role("button", name="Generate video").click()
    alert = page.locator(".field-video .error")
    alert.wait_for()
    assert alert.get_attribute("data-code") == "reference_unused" and "<<<video_1>>>" in alert.inner_text()
    assert page.get_by_text("Still using sail.png from your last try").is_visible()
    assert no_sideways_scrolling(page)
    assert not Generation.objects.filter(kind="omni-video").exists()

    page.get_by_label("Prompt").fill("<<<image_1>>> sails across the lake, the next shot after <<<video_1>>>")
    page.get_by_label("Mode", exact=True).select_option("std")
    page.get_by_role("button", name="Generate video").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    assert no_sideways_scrolling(page)
    shot(page, "omni-progress-phone")

    generation = Generation.objects.get(kind="omni-video")
    assert (generation.model_name, generation.mode, generation.duration) == ("kling-video-o1", "std", "4")
    assert generation.parent_id == clip.pk and generation.options["video"]["refer_type"] == "feature"
    assert generation.asset("input_image").file.read() == picture.read_bytes()
    assert generation.price_credits == 24

    run_workers()
    page.locator("video").wait_for()
    page.wait_for_function("document.querySelector('video').readyState >= 2")
    generation.refresh_from_db()
    assert generation.status == "succeeded"
    assert no_sideways_scrolling(page)
    shot(page, "omni-done-phone")

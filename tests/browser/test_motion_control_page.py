"""Making a motion control on a phone (390 px wide): the Motion page in the create nav, the character image
with its preview, a finished clip of the team picked as the motion; a try without a clip is refused in plain
words and keeps the chosen image; then a real worker and the simulator make the clip, as long as the motion."""

import pytest

from generations.models import Generation
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in
from tests.browser.test_omni_video_page import PHONE, finished_clip, no_sideways_scrolling
from tests.helpers import run_workers
from tests.kinds.media import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_phone_user_makes_a_character_move_as_a_clip_of_the_team(page, live_server, alice, team, use_simulator, redis_conn, tmp_path):
    clip = finished_clip(team, alice)
    picture = tmp_path / "dancer.png"
    picture.write_bytes(image_bytes(seed=5))
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/")
    page.get_by_role("navigation", name="Ways to create").get_by_role("link", name="Motion").click()
    page.get_by_role("heading", name="Motion control").wait_for()
    current = page.get_by_role("navigation", name="Ways to create").locator("[aria-current=page]")
    assert current.inner_text() == "Motion"
    assert page.locator("p.cost").inner_text().startswith(
        "Costs 20 credits per 5 seconds of the motion clip in Standard mode, 30 in Professional")
    assert no_sideways_scrolling(page)
    shot(page, "create-motion-phone")

    # No clip chosen: refused in plain words, the image kept.
    page.get_by_label("Character image").set_input_files(str(picture))
    page.wait_for_function("document.querySelector('#image-preview').naturalWidth > 0")
    page.get_by_label("Prompt (optional)").fill("on a sunny rooftop")
    page.get_by_role("button", name="Generate video").click()
    alert = page.locator(".field-parent_id .error")
    alert.wait_for()
    assert alert.get_attribute("data-code") == "parent_required" and "gives the motion" in alert.inner_text()
    assert page.get_by_text("Still using dancer.png from your last try").is_visible()
    assert no_sideways_scrolling(page)
    assert not Generation.objects.filter(kind="motion-control").exists()

    page.get_by_label("Motion clip").select_option(str(clip.public_id))
    page.get_by_label("Character faces").select_option("video")
    page.get_by_role("button", name="Generate video").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    assert no_sideways_scrolling(page)

    generation = Generation.objects.get(kind="motion-control")
    assert (generation.model_name, generation.mode, generation.duration) == ("kling-v2-6", "std", "5")
    assert generation.parent_id == clip.pk and generation.prompt == "on a sunny rooftop"
    assert generation.options == {"character_orientation": "video", "keep_original_sound": "yes"}
    assert generation.asset("input_image").file.read() == picture.read_bytes()
    assert generation.price_credits == 20

    run_workers()
    page.locator("video").wait_for()
    page.wait_for_function("document.querySelector('video').readyState >= 2")
    generation.refresh_from_db()
    assert generation.status == "succeeded"
    assert no_sideways_scrolling(page)
    shot(page, "motion-done-phone")

"""Editing a clip on a phone (390 px wide): the Edit page in the create nav, a finished clip of the team, a swap
with its image; a try without marking the element is refused in plain words and keeps the chosen image; then
the element is marked by tapping the clip's first frame (and a typed point), and a real worker and the simulator make the 5 s edit (the worker opens the selection
session upstream with the same marks)."""

import pytest

from generations.models import Generation
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in
from tests.browser.test_omni_video_page import PHONE, finished_clip, no_sideways_scrolling
from tests.helpers import run_workers
from tests.kinds.media import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_phone_user_swaps_an_element_of_a_clip_of_the_team(page, live_server, alice, team, use_simulator, redis_conn, tmp_path):
    clip = finished_clip(team, alice)
    picture = tmp_path / "kite.png"
    picture.write_bytes(image_bytes(seed=5))
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/")
    page.get_by_role("navigation", name="Ways to create").get_by_role("link", name="Edit").click()
    page.get_by_role("heading", name="Edit a clip").wait_for()
    current = page.get_by_role("navigation", name="Ways to create").locator("[aria-current=page]")
    assert current.inner_text() == "Edit"
    assert page.locator("p.cost").inner_text().startswith("Costs 30 credits per 5 seconds in Standard mode, 50 in Professional")
    assert no_sideways_scrolling(page)
    shot(page, "create-edit-phone")

    # A swap with nothing marked: refused in plain words, the image kept.
    page.get_by_label("Clip to edit").select_option(str(clip.public_id))
    page.get_by_label("Edit", exact=True).select_option("swap")
    page.get_by_label("Image", exact=True).set_input_files(str(picture))
    page.wait_for_function("document.querySelector('#image-preview').naturalWidth > 0")
    page.get_by_label("Prompt").fill("swap the boat from <<<video_1>>> for the kite from <<<image_1>>>")
    page.get_by_role("button", name="Generate video").click()
    alert = page.locator(".field-points .error")
    alert.wait_for()
    assert alert.get_attribute("data-code") == "selection_required" and "mark it first" in alert.inner_text()
    assert page.get_by_text("Still using kite.png from your last try").is_visible()
    assert no_sideways_scrolling(page)
    assert not Generation.objects.filter(kind="multi-elements").exists()

    # The clip's first frame is there to tap: the tap marks its place on frame 0, typing adds another point.
    frame = page.get_by_label("The first frame of the chosen clip: tap the element to mark it")
    page.wait_for_function("document.querySelector('figure.mark-frame video').readyState >= 1")
    page.get_by_label("Marked frame").fill("3")
    box = frame.bounding_box()
    assert box["width"] <= PHONE["width"] and no_sideways_scrolling(page)
    frame.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    points = page.get_by_label("Where the element is (optional to add)")
    assert points.input_value() == "0.50,0.50" and page.get_by_label("Marked frame").input_value() == "0"
    points.fill(points.input_value() + "; 0.55,0.6")
    page.get_by_role("button", name="Generate video").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    assert no_sideways_scrolling(page)

    generation = Generation.objects.get(kind="multi-elements")
    assert (generation.model_name, generation.mode, generation.duration) == ("kling-v1-6", "std", "5")
    assert generation.parent_id == clip.pk and generation.price_credits == 30
    assert generation.options == {"edit_mode": "swap", "selection": [
        {"frame_index": 0, "points": [{"x": 0.5, "y": 0.5}, {"x": 0.55, "y": 0.6}]}]}
    assert generation.asset("input_image").file.read() == picture.read_bytes()

    run_workers()
    page.locator("video").wait_for()
    page.wait_for_function("document.querySelector('video').readyState >= 2")
    generation.refresh_from_db()
    assert generation.status == "succeeded"
    assert no_sideways_scrolling(page)
    shot(page, "edit-done-phone")

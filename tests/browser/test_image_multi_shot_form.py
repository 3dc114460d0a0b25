"""The image→video form's Sound toggle and Multi-shot section, on a phone (390 px), as the text→video form has
them: offered only for the models the catalog says can do them, a refused try that keeps the picture and the
script and says why, then a two-shot kling-v3 clip with sound whose page shows its shots and its sound."""

import pytest

from generations.models import AssetRole, Generation
from generations.pricing import price_generation
from tests.browser.conftest import refused_on_field, shot
from tests.browser.test_create_forms import picture
from tests.browser.test_first_video import sign_in
from tests.helpers import run_workers

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SHOT_1, SHOT_2 = "The lighthouse in the picture, waves breaking below", "Close on the lamp as it turns, gulls passing"


def test_a_two_shot_image_clip_with_sound_from_a_phone(page, live_server, alice, team, use_simulator, redis_conn, tmp_path):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/image/")
    multi_shot, sound = page.get_by_label("Multi-shot"), page.get_by_label("Sound", exact=True)
    model, mode = page.get_by_label("Model", exact=True), page.get_by_label("Mode", exact=True)

    # As the catalog says: kling-v1-6 makes neither, kling-v2-6 sound in professional mode only, kling-v3 both.
    model.select_option("kling-v1-6")
    assert not multi_shot.is_visible() and not sound.is_visible()
    model.select_option("kling-v2-6")
    mode.select_option("std")
    assert sound.is_visible() and sound.is_disabled() and not multi_shot.is_visible()
    mode.select_option("pro")
    assert sound.is_enabled()
    model.select_option("kling-v3")
    mode.select_option("std")
    assert page.get_by_label("Aspect ratio").count() == 0  # kling-v3 image→video follows the picture's shape

    page.get_by_label("Start image").set_input_files(str(picture(tmp_path, "lighthouse.png", (40, 90, 150))))
    sound.check()
    multi_shot.check()
    page.locator("fieldset.multi-shot").wait_for()
    assert page.locator(".shot-row:visible").count() == 2
    page.get_by_label("Shot 1", exact=True).fill(SHOT_1)
    page.get_by_label("Shot 1 length").select_option("10")
    page.get_by_label("Shot 2", exact=True).fill(SHOT_2)
    page.get_by_label("Shot 2 length").select_option("8")
    page.locator(".shot-total").filter(has_text="2 shots, 18 seconds in all.").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "sideways scrolling at 390 px"
    page.get_by_role("button", name="Generate video").click()

    # Refused: the shots run past kling-v3's 15 s. The page says so, and keeps the picture, the sound and the script.
    code, words = refused_on_field(page, "multi_shot", kept_name="lighthouse.png")
    assert code == "invalid_duration" and "The shots add up to 18 seconds" in words and "3 to 15 seconds" in words
    assert page.get_by_label("Model", exact=True).input_value() == "kling-v3"
    assert sound.is_checked() and multi_shot.is_checked()
    assert page.get_by_label("Shot 1", exact=True).input_value() == SHOT_1
    assert page.get_by_label("Shot 2", exact=True).input_value() == SHOT_2
    assert not Generation.objects.exists()
    shot(page, "create-image-multi-shot-refused-phone")

    page.get_by_label("Shot 1 length").select_option("3")
    page.get_by_label("Shot 2 length").select_option("5")
    page.locator(".shot-total").filter(has_text="2 shots, 8 seconds in all.").wait_for()
    credits = price_generation("image2video", "kling-v3", "std", 8, sound=True)
    page.locator("p.cost").filter(has_text=f"Costs {credits} credits.").wait_for()
    page.get_by_role("button", name="Generate video").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()

    generation = Generation.objects.get()
    assert (generation.kind, generation.model_name, generation.duration, generation.price_credits) == ("image2video", "kling-v3", "8", credits)
    assert generation.options == {
        "multi_shot": True, "shot_type": "customize", "sound": "on",
        "multi_prompt": [{"index": 1, "prompt": SHOT_1, "duration": "3"}, {"index": 2, "prompt": SHOT_2, "duration": "5"}],
    }
    shots = page.locator("#shots li")
    assert shots.count() == 2
    assert SHOT_1 in shots.nth(0).inner_text() and "3 s" in shots.nth(0).inner_text()
    assert SHOT_2 in shots.nth(1).inner_text() and "5 s" in shots.nth(1).inner_text()
    assert page.locator("#sound-on").inner_text() == "With sound."

    run_workers()
    page.reload()
    page.locator("video").wait_for()
    generation.refresh_from_db()
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.asset(AssetRole.VIDEO) is not None
    assert page.locator("#shots li").count() == 2 and page.locator("#sound-on").is_visible()
    shot(page, "image-multi-shot-detail-phone")

"""The text→video form's Multi-shot section and Sound toggle, on a phone (390 px): offered only for the models
that can do them, and a two-shot kling-v3 script with sound sent as the upstream takes it."""

import pytest

from generations.models import Generation
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_two_shot_v3_clip_with_sound_from_a_phone(page, live_server, alice, team, redis_conn):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/")
    multi_shot, sound = page.get_by_label("Multi-shot"), page.get_by_label("Sound", exact=True)

    # kling-v1-6 makes neither: both are out of the way.
    page.get_by_label("Model", exact=True).select_option("kling-v1-6")
    assert not multi_shot.is_visible() and not sound.is_visible()
    # kling-v2-6 makes sound only in professional mode, and no shots.
    page.get_by_label("Model", exact=True).select_option("kling-v2-6")
    page.get_by_label("Mode", exact=True).select_option("std")
    assert sound.is_visible() and sound.is_disabled() and not multi_shot.is_visible()
    page.get_by_label("Mode", exact=True).select_option("pro")
    assert sound.is_enabled()

    page.get_by_label("Model", exact=True).select_option("kling-v3")
    page.get_by_label("Mode", exact=True).select_option("std")
    multi_shot.check()
    script = page.locator("fieldset.multi-shot")
    script.wait_for()
    assert page.locator(".shot-row:visible").count() == 2  # two to start with; more on request
    page.get_by_label("Shot 1", exact=True).fill("A lighthouse on a cliff at dawn, waves below")
    page.get_by_label("Shot 1 length").select_option("3")
    page.get_by_label("Shot 2", exact=True).fill("Close on the lamp as it turns, gulls passing")
    page.get_by_label("Shot 2 length").select_option("5")
    page.locator(".shot-total").filter(has_text="2 shots, 8 seconds in all.").wait_for()
    assert page.get_by_label("Duration").input_value() == "8"
    page.locator("p.cost").filter(has_text="Costs 32 credits.").wait_for()  # kling-v3 std, 8 s
    sound.check()
    page.locator("p.cost").filter(has_text="Costs 48 credits.").wait_for()  # with sound, half as much again
    page.get_by_role("button", name="Add a shot").click()
    assert page.locator(".shot-row:visible").count() == 3
    # A bad third shot: the typing hint says so, naming the shot (and never repeating its words).
    page.get_by_label("Shot 3", exact=True).fill("explicit sex between two strangers on the beach")
    hint = page.locator(".screening-hint").filter(has_text="Shot 3: This would be blocked")
    hint.wait_for()
    assert "strangers" not in hint.inner_text()
    page.get_by_label("Shot 3", exact=True).fill("")
    hint.wait_for(state="hidden")
    assert page.get_by_label("Duration").input_value() == "8"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "sideways scrolling at 390 px"
    shot(page, "create-multi-shot-phone")

    page.get_by_role("button", name="Generate video").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    generation = Generation.objects.get()
    assert (generation.model_name, generation.duration, generation.prompt, generation.price_credits) == ("kling-v3", "8", "", 48)
    assert generation.options == {
        "multi_shot": True, "shot_type": "customize", "sound": "on",
        "multi_prompt": [
            {"index": 1, "prompt": "A lighthouse on a cliff at dawn, waves below", "duration": "3"},
            {"index": 2, "prompt": "Close on the lamp as it turns, gulls passing", "duration": "5"},
        ],
    }

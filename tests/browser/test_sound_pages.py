"""Sound on a phone (390 px wide): the Sound page in the create nav with its price; a sound made by a real worker
and the simulator plays in an audio player that fits the screen; and a finished clip's "Add sound" opens the
clip-sound page with the clip chosen, whose result plays the clip with its new soundtrack and the soundtrack alone."""

import pytest

from generations.models import AssetRole, Generation
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in
from tests.browser.test_omni_video_page import PHONE, no_sideways_scrolling
from tests.helpers import run_workers
from tests.kinds.support import finished_clip

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAYABLE = "(selector) => { const a = document.querySelector(selector); return a && a.readyState >= 1 && a.duration > 0; }"


def test_a_phone_user_makes_a_sound_and_adds_sound_to_a_clip(page, live_server, client, alice, alice_key, team, use_simulator,
                                                             redis_conn):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/")
    page.get_by_role("navigation", name="Ways to create").get_by_role("link", name="Sound").click()
    page.get_by_role("heading", name="Sound", exact=True).wait_for()
    assert page.locator("p.cost").inner_text() == "Costs 3 credits per started 5 seconds: 10 seconds cost 6."
    assert no_sideways_scrolling(page)
    page.get_by_label("Describe the sound").fill("rain on a tin roof, distant thunder")
    page.get_by_label("Length (seconds)").fill("6.5")
    page.get_by_role("button", name="Generate sound").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    sound = Generation.objects.get(kind="audio/text-to-audio")
    assert sound.options == {"seconds": 6.5} and sound.price_credits == 6

    run_workers()
    player = page.locator("[data-sound] audio")
    player.wait_for()
    page.wait_for_function(PLAYABLE, arg="[data-sound] audio")
    assert page.evaluate("document.querySelector('[data-sound] audio').duration") == pytest.approx(6.5, abs=0.3)
    assert 0 < player.bounding_box()["width"] <= PHONE["width"]
    assert page.get_by_role("link", name="Download MP3").is_visible()
    assert no_sideways_scrolling(page)
    shot(page, "sound-done-phone")

    clip = finished_clip(client, alice_key, "a door creaks open in an old house")
    page.goto(f"{live_server.url}/generations/{clip.public_id}/")
    page.get_by_role("link", name="Add sound").click()
    page.get_by_role("heading", name="Add sound to a clip").wait_for()
    assert page.get_by_label("Clip").input_value() == str(clip.public_id)
    assert no_sideways_scrolling(page)
    page.get_by_label("Sound effects (optional)").fill("a creaking door, slow footsteps")
    page.get_by_label("Music (optional)").fill("a slow cello")
    page.get_by_role("button", name="Add sound").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    run_workers()
    page.locator("[data-sound] audio").wait_for()
    page.wait_for_function(PLAYABLE, arg="[data-sound] audio")
    made = Generation.objects.get(kind="audio/video-to-audio")
    assert made.status == "succeeded" and made.parent_id == clip.pk and made.asset(AssetRole.AUDIO) is not None
    assert page.locator("video").count() == 1 and page.get_by_text("The soundtrack alone").is_visible()
    assert page.get_by_text("Sound added to").is_visible()
    assert no_sideways_scrolling(page)
    shot(page, "clip-sound-done-phone")

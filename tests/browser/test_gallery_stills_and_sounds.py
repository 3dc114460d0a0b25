"""Still images and sounds in the team gallery, in a real browser at phone width: shared from their own pages
as clips are, and shown to a teammate as a picture and an audio player (never a video)."""

import pytest

from generations.actions.generation import do_submit_generation
from generations.catalog import validate_generation_request
from generations.models import GalleryItem
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in
from tests.helpers import drive_to_terminal

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _made(team, user, **data):
    generation = do_submit_generation(team=team, user=user, request=validate_generation_request(data, default_model="kling-v1-6"))
    generation = drive_to_terminal(generation.public_id)
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    return generation


def _share(page, live_server, generation, caption):
    page.goto(f"{live_server.url}/generations/{generation.public_id}/")
    page.get_by_label("Share with your team (checked again against the current policy first)").fill(caption)
    page.get_by_role("button", name="Share to gallery").click()
    page.get_by_text("Shared with your team").wait_for()


def test_a_still_and_a_sound_shared_to_the_gallery_show_as_a_picture_and_a_player(page, live_server, alice, bob, team,
                                                                                   use_simulator, redis_conn):
    stills = _made(team, alice, kind="images/generations", prompt="A lighthouse on a cliff, watercolour", n=1)
    sound = _made(team, alice, kind="audio/text-to-audio", prompt="Rain on a tin roof, distant thunder", duration=3)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    _share(page, live_server, stills, "Lighthouse study")
    _share(page, live_server, sound, "Storm on the roof")
    assert {item.generation_id for item in GalleryItem.objects.all()} == {stills.pk, sound.pk}

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "bob@example.org", "bob-password-1")
    page.goto(f"{live_server.url}/gallery/")
    still = page.locator(f"#item-{GalleryItem.objects.get(generation=stills).public_id}")
    still.get_by_text("Lighthouse study").wait_for()
    picture = still.locator('[data-media="image"] img')
    picture.wait_for()
    page.wait_for_function("s => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; }",
                           arg=f"#item-{GalleryItem.objects.get(generation=stills).public_id} [data-media='image'] img")
    heard = page.locator(f"#item-{GalleryItem.objects.get(generation=sound).public_id}")
    heard.get_by_text("Storm on the roof").wait_for()
    player = heard.locator('[data-media="sound"] audio')
    player.wait_for()
    player.evaluate("a => a.load()")
    page.wait_for_function("s => document.querySelector(s).readyState >= 1",
                           arg=f"#item-{GalleryItem.objects.get(generation=sound).public_id} audio")
    assert player.evaluate("a => a.duration") == pytest.approx(3.0, abs=0.5)
    assert page.locator(".gallery-item video").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "sideways scrolling at 390 px"
    shot(page, "gallery-stills-and-sounds-phone")

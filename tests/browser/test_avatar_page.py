"""Making a talking avatar on a phone (390 px wide): the Avatar page in the create nav, a portrait upload
with its preview, the words and a voice (with its sample), the price rule in words; a refused try keeps the
portrait; then a real worker and the simulator make the clip, which plays with its sound."""

import av
import pytest
from PIL import Image, ImageDraw

from generations.models import Generation
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in
from tests.helpers import run_workers

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def portrait(tmp_path):
    """A drawn head and shoulders (no real face): something to make speak without a consent record."""
    path = tmp_path / "portrait.png"
    image = Image.new("RGB", (480, 600), (40, 90, 140))
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 120, 330, 340), fill=(230, 190, 150))
    draw.rectangle((110, 360, 370, 600), fill=(200, 60, 60))
    image.save(path)
    return path


def no_sideways_scrolling(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_phone_user_makes_a_talking_avatar(page, live_server, alice, team, use_simulator, redis_conn, tmp_path):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/")
    page.get_by_role("navigation", name="Ways to create").get_by_role("link", name="Avatar").click()
    page.get_by_role("heading", name="Talking avatar").wait_for()
    current = page.get_by_role("navigation", name="Ways to create").locator("[aria-current=page]")
    assert current.inner_text() == "Avatar"
    assert page.locator("p.cost").inner_text().startswith("Costs 10 credits per 5 seconds of speech in Standard mode, 20 in Professional")
    assert not page.locator("#image-preview").is_visible()
    assert no_sideways_scrolling(page)
    shot(page, "create-avatar-phone")

    # Nothing to say yet: the page asks for words or audio in plain words, and keeps the chosen portrait.
    page.get_by_label("Portrait").set_input_files(str(portrait(tmp_path)))
    page.wait_for_function("document.querySelector('#image-preview').naturalWidth > 0")
    page.get_by_role("button", name="Generate video").click()
    alert = page.locator(".field-text .error")
    alert.wait_for()
    assert alert.get_attribute("data-code") == "text_required" and "text_required" not in alert.inner_text()
    assert page.get_by_text("Still using portrait.png from your last try").is_visible()
    assert no_sideways_scrolling(page)
    assert not Generation.objects.exists()

    page.get_by_label("Words to speak").fill("Good morning, it is a lovely sunny day.")
    page.get_by_label("Voice", exact=True).select_option("calm_story1")
    page.locator(".voice-sample .voice-name").filter(has_text="Storyteller").wait_for()  # the chosen voice, named
    page.get_by_label("Mode", exact=True).select_option("pro")
    page.get_by_role("button", name="Generate video").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    assert page.get_by_text("Says: Good morning, it is a lovely sunny day.").is_visible()
    assert no_sideways_scrolling(page)
    shot(page, "avatar-progress-phone")

    generation = Generation.objects.get()
    assert (generation.kind, generation.mode, generation.options["voice_id"]) == ("avatar/image2video", "pro", "calm_story1")
    assert generation.asset("input_image").file.read() == (tmp_path / "portrait.png").read_bytes()
    assert generation.price_credits == 12  # 3 s of speech in pro

    run_workers()  # a real RQ worker drives it through the simulator while the page keeps polling
    page.locator("video").wait_for()
    page.wait_for_function("document.querySelector('video').readyState >= 2")
    generation.refresh_from_db()
    assert generation.status == "succeeded"
    with generation.asset("video").file.open("rb") as stored, av.open(stored) as container:
        assert container.streams.audio, "the avatar's clip keeps its speech"
    assert no_sideways_scrolling(page)
    shot(page, "avatar-done-phone")

    # Remixing it starts from the same portrait, words, voice and mode.
    page.get_by_role("link", name="Remix").click()
    page.get_by_role("heading", name="Talking avatar").wait_for()
    assert page.get_by_text("Using this image from the clip you are remixing").is_visible()
    assert page.get_by_label("Words to speak").input_value() == "Good morning, it is a lovely sunny day."
    assert page.get_by_label("Voice", exact=True).input_value() == "calm_story1"
    assert page.get_by_label("Mode", exact=True).input_value() == "pro"
    assert no_sideways_scrolling(page)

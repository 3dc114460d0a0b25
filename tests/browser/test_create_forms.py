"""The create forms as people use them, in a real browser: no broken picture before a file is chosen, the
chosen pictures still there after a refusal, a preview and drop zone for every image, the price on every
create page, a remix that starts from the remixed clip's picture, and voices with names and samples.
Screenshots of each page at phone (390 px) and desktop (1280 px) widths."""

import time

import pytest
from PIL import Image, ImageDraw

from generations.models import Generation
from generations.web.generations import remix_url
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in
from tests.helpers import make_finished_clip

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def picture(tmp_path, name, colour, size=(640, 400)):
    path = tmp_path / name
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).ellipse((size[0] // 3, size[1] // 4, 2 * size[0] // 3, 3 * size[1] // 4), fill=(250, 240, 120))
    image.save(path)
    return path


def shots(page, name):
    """The page as it is now, at desktop and at phone width (and back to desktop)."""
    page.set_viewport_size(DESKTOP)
    shot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name}: sideways scrolling"
    shot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def shown(page, selector):
    """Visible and, for a picture, actually loaded (not a broken image)."""
    return page.evaluate(
        "s => { const e = document.querySelector(s); if (!e || getComputedStyle(e).display === 'none' || !e.offsetHeight) return false;"
        " return e.tagName !== 'IMG' || (e.complete && e.naturalWidth > 0); }", selector)


def cost_says(page, text):
    page.locator("p.cost").filter(has_text=text).wait_for()


@pytest.fixture
def finished_clip(team, alice):
    """A finished 3-second kling-v1-6 clip of alice's, with its video file (no pipeline needed)."""
    return make_finished_clip(team, alice, prompt="A paper boat on a rainy street")


def test_a_refused_try_keeps_the_chosen_pictures(page, live_server, alice, team, redis_conn, tmp_path):
    """Ana opens Image to video: no broken picture sits under the empty fields. She picks a start and an end
    picture but leaves Standard mode, which kling-v1-6 cannot end on a picture in. The page tells her in
    words, keeps both pictures on show, and she only switches the mode to send it."""
    start, end = picture(tmp_path, "start.png", (30, 110, 170)), picture(tmp_path, "end.png", (170, 60, 40))
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/image/")
    for preview in ("#image-preview", "#image-tail-preview"):
        assert page.locator(preview).count() == 1 and not shown(page, preview)
        assert page.locator(preview).bounding_box() is None  # really not drawn, not a broken-image icon
    cost_says(page, "Costs 10 credits.")
    shots(page, "create-image")

    page.get_by_label("Start image").set_input_files(str(start))
    page.get_by_label("End image (optional)").set_input_files(str(end))
    page.get_by_label("Prompt", exact=True).fill("Boats rocking gently in the harbour")
    page.get_by_label("Model", exact=True).select_option("kling-v1-6")
    page.get_by_label("Mode", exact=True).select_option("std")
    page.get_by_role("button", name="Generate video").click()

    alert = page.locator(".field-image_tail .error")
    alert.wait_for()
    assert alert.get_attribute("data-code") == "image_tail_not_supported"
    words = alert.inner_text()
    assert "Professional" in words and "image_tail" not in words and "not_supported" not in words
    page.wait_for_function("document.querySelector('#image-tail-preview').complete")
    assert shown(page, "#image-preview") and shown(page, "#image-tail-preview")
    assert page.get_by_text("Still using start.png from your last try").is_visible()
    assert page.get_by_text("Still using end.png from your last try").is_visible()
    assert page.get_by_label("Prompt", exact=True).input_value() == "Boats rocking gently in the harbour"
    shots(page, "create-image-kept")

    page.get_by_label("Mode", exact=True).select_option("pro")
    page.get_by_role("button", name="Generate video").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    generation = Generation.objects.get()
    assert generation.asset("input_image").file.read() == start.read_bytes()
    assert generation.asset("input_image_tail").file.read() == end.read_bytes()


def test_several_images_each_get_a_preview_a_drop_zone_and_the_price(page, live_server, alice, team, redis_conn, tmp_path):
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/images/")
    names = ("image", "image_2", "image_3", "image_4")
    for name in names:
        zone = page.locator(f".field-{name}.drop-zone")
        assert zone.count() == 1 and zone.get_by_text("Drop an image here, or choose a file.").is_visible()
        assert not shown(page, f"#{name.replace('_', '-')}-preview")
    cost_says(page, "Costs 10 credits.")
    page.get_by_label("Mode", exact=True).select_option("pro")
    cost_says(page, "Costs 35 credits.")
    page.get_by_label("Duration", exact=True).select_option("10")
    cost_says(page, "Costs 70 credits.")

    colours = ((30, 110, 170), (170, 60, 40), (40, 150, 70))
    for name, colour in zip(names[:3], colours, strict=False):
        page.locator(f"#id_{name}").set_input_files(str(picture(tmp_path, f"{name}.png", colour)))
    # The fourth arrives by drag and drop.
    page.evaluate("""async () => {
        const canvas = Object.assign(document.createElement('canvas'), {width: 400, height: 400});
        const context = canvas.getContext('2d'); context.fillStyle = '#c93'; context.fillRect(0, 0, 400, 400);
        const blob = await new Promise(done => canvas.toBlob(done, 'image/png'));
        const transfer = new DataTransfer(); transfer.items.add(new File([blob], 'dropped.png', {type: 'image/png'}));
        document.querySelector('.field-image_4').dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""")
    for name in names:
        page.wait_for_function(f"document.querySelector('#{name.replace('_', '-')}-preview').naturalWidth > 0")
        assert shown(page, f"#{name.replace('_', '-')}-preview")
    page.get_by_label("Prompt", exact=True).fill("Three friends walk along the pier at sunset")
    shots(page, "create-images")


def test_effects_show_both_people_and_what_the_effect_costs(page, live_server, alice, team, redis_conn, tmp_path):
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/effect/")
    effect = page.get_by_label("Effect", exact=True)
    effect.select_option("squish")
    cost_says(page, "Costs 10 credits.")
    effect.select_option("hug")
    page.get_by_label("Model", exact=True).select_option("kling-v1")
    page.get_by_label("Mode", exact=True).select_option("pro")
    page.get_by_label("Duration", exact=True).select_option("10")
    cost_says(page, "Costs 70 credits.")
    page.get_by_label("Image", exact=True).set_input_files(str(picture(tmp_path, "one.png", (30, 110, 170))))
    page.get_by_label("Second person's image").set_input_files(str(picture(tmp_path, "two.png", (170, 60, 40))))
    assert page.locator(".field-image_2.drop-zone").count() == 1
    page.wait_for_function("document.querySelector('#image-2-preview').naturalWidth > 0")
    assert shown(page, "#image-preview") and shown(page, "#image-2-preview")
    shots(page, "create-effect")
    effect.select_option("bloombloom")  # one image, always kling-v1-6 standard for 5 s, whatever was picked for the hug
    cost_says(page, "Costs 10 credits.")
    assert not page.get_by_label("Second person's image").is_visible() and not shown(page, "#image-2-preview")


def test_extend_and_lip_sync_say_their_cost_and_the_voices_can_be_heard(page, live_server, alice, team, finished_clip, redis_conn):
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/{finished_clip.public_id}/extend/")
    cost_says(page, "Costs 10 credits: 5 more seconds at kling-v1-6 prices.")
    shots(page, "create-extend")

    page.goto(f"{live_server.url}/generations/{finished_clip.public_id}/lip-sync/")
    cost_says(page, "Costs 3 credits, for the clip's 3 seconds.")
    voice = page.get_by_label("Voice", exact=True)
    labels = voice.evaluate("s => Array.from(s.options).map(o => o.textContent)")
    assert "British man · English (UK)" in labels and not any("_" in label for label in labels)
    voice.select_option(label="British man · English (UK)")
    sample = page.locator(".voice-sample")
    sample.get_by_text("A grown man with a British accent").wait_for()
    assert sample.get_by_text("placeholders made by the studio's offline simulator").is_visible()
    player = page.locator("audio.voice-player")
    assert player.get_attribute("src").endswith("/studio/voices/uk_man2.wav")
    page.wait_for_function("document.querySelector('audio.voice-player').readyState >= 1")
    assert 1.0 < player.evaluate("a => a.duration") < 5.0  # a real, playable sample
    page.get_by_label("Words to speak").fill("Welcome to our studio tour!")
    shots(page, "create-lip-sync")


def test_a_remix_of_an_image_clip_starts_from_its_picture(page, live_server, alice, team, redis_conn, tmp_path):
    start = picture(tmp_path, "lighthouse.png", (20, 60, 120))
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/image/")
    page.get_by_label("Start image").set_input_files(str(start))
    page.get_by_label("Prompt", exact=True).fill("A lighthouse beam sweeping the fog")
    page.get_by_role("button", name="Generate video").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    parent = Generation.objects.get()

    page.goto(f"{live_server.url}{remix_url(parent)}")
    page.wait_for_function("document.querySelector('#image-preview').complete")
    assert shown(page, "#image-preview")
    assert page.get_by_text("Using this image from the clip you are remixing").is_visible()
    assert page.get_by_label("Prompt", exact=True).input_value() == "A lighthouse beam sweeping the fog"
    shots(page, "create-image-remix")
    page.get_by_label("Prompt", exact=True).fill("A lighthouse beam sweeping the fog at dawn")
    page.get_by_role("button", name="Generate video").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    remix = Generation.objects.exclude(pk=parent.pk).get()
    assert remix.parent == parent and remix.asset("input_image").file.read() == start.read_bytes()


def test_the_create_pages_work_under_their_own_content_security_policy(browser, live_server, alice, team, finished_clip, redis_conn):
    context = browser.new_context(viewport=DESKTOP)  # CSP enforced, as for a real visitor
    page = context.new_page()
    page.set_default_timeout(20_000)
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/")
    cost_says(page, "Costs 10 credits.")
    shots(page, "create-text")
    for path, price in (("/generations/new/images/", "Costs 10 credits."), ("/generations/new/effect/", "Costs 10 credits."),
                        (f"/generations/{finished_clip.public_id}/lip-sync/", "Costs 3 credits")):
        page.goto(f"{live_server.url}{path}")
        cost_says(page, price)
    page.get_by_label("Voice", exact=True).select_option("calm_story1")
    page.locator(".voice-sample").get_by_text("A calm, gentle voice").wait_for()
    # Polled from here: wait_for_function compiles its predicate in the page, which this page's CSP
    # (no 'unsafe-eval') refuses whenever the first check is not already true.
    player, deadline = page.locator("audio.voice-player"), time.monotonic() + 20
    while player.evaluate("audio => audio.readyState") < 1:
        assert time.monotonic() < deadline, "the voice sample never loaded"
        page.wait_for_timeout(100)
    context.close()
    assert violations == []

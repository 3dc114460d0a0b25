"""Making still images on a phone (390 px wide): the Still image page in the create nav, the price per image, a
reference image with its preview; a try on kling-v1-5 that does not say what to follow in the reference is refused
in plain words and keeps the chosen image; then a real worker and the simulator make the images, which the
finished page shows (and lets download) without sideways scrolling."""

import pytest

from generations.models import Generation
from tests.browser.conftest import refused_on_field, shot
from tests.browser.test_first_video import sign_in
from tests.browser.test_omni_video_page import PHONE, no_sideways_scrolling
from tests.helpers import run_workers
from tests.kinds.media import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_phone_user_makes_two_images_from_a_prompt_and_a_reference(page, live_server, alice, team, use_simulator,
                                                                      redis_conn, tmp_path):
    picture = tmp_path / "robot.png"
    picture.write_bytes(image_bytes(seed=7))
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/")
    page.get_by_role("navigation", name="Ways to create").get_by_role("link", name="Still image").click()
    page.get_by_role("heading", name="Image", exact=True).wait_for()
    current = page.get_by_role("navigation", name="Ways to create").locator("[aria-current=page]")
    assert current.inner_text() == "Still image"
    assert page.locator("p.cost").inner_text() == "Costs 2 credits an image: 9 images cost 18."
    assert no_sideways_scrolling(page)
    shot(page, "create-image-phone")

    # kling-v1-5 with a reference, but nothing said about what to follow: refused in plain words, the image kept.
    page.get_by_label("Prompt").fill("the same robot on the moon")
    page.get_by_label("How many images").select_option("2")
    page.get_by_label("Shape").select_option("9:16")
    page.get_by_label("Model").select_option("kling-v1-5")
    page.get_by_label("Reference image (optional)").set_input_files(str(picture))
    page.wait_for_function("document.querySelector('#image-preview').naturalWidth > 0")
    page.get_by_role("button", name="Generate images").click()
    code, words = refused_on_field(page, "image_reference", kept_name="robot.png")
    assert code == "invalid_image_reference" and "subject or face" in words
    assert no_sideways_scrolling(page)
    assert not Generation.objects.filter(kind="images/generations").exists()

    page.get_by_label("Follow the reference's").select_option("subject")
    page.get_by_role("button", name="Generate images").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    generation = Generation.objects.get(kind="images/generations")
    assert (generation.model_name, generation.aspect_ratio, generation.prompt) == ("kling-v1-5", "9:16", "the same robot on the moon")
    assert generation.options == {"n": 2, "image_reference": "subject", "image_fidelity": 0.5}
    assert generation.asset("input_image").file.read() == picture.read_bytes()
    assert generation.price_credits == 4

    run_workers()
    stills = page.locator("[data-stills] img")
    stills.first.wait_for()
    page.wait_for_function("[...document.querySelectorAll('[data-stills] img')].every(img => img.complete && img.naturalWidth > 0)")
    assert stills.count() == 2
    assert stills.nth(1).get_attribute("alt") == "Image 2 of 2"
    width = page.evaluate("document.querySelector('[data-stills] img').getBoundingClientRect().width")
    assert 0 < width <= PHONE["width"]
    assert page.locator("[data-stills] a[download]").count() == 2
    generation.refresh_from_db()
    assert generation.status == "succeeded"
    assert no_sideways_scrolling(page)
    shot(page, "image-done-phone")

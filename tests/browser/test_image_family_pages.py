"""Expanding an image on a phone (390 px wide): the Still image page's modes, the price per image, the image with
its preview and how far to grow each side; a try that would make it more than 3 times its area is refused in plain
words on the field and keeps the chosen image; then a real worker and the simulator make the stills, which the
finished page shows with what was expanded, without sideways scrolling."""

import pytest

from generations.models import Generation
from tests.browser.conftest import refused_on_field, shot
from tests.browser.test_first_video import sign_in
from tests.browser.test_omni_video_page import PHONE, no_sideways_scrolling
from tests.helpers import run_workers
from tests.kinds.media import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_phone_user_expands_an_image_after_asking_for_too_much(page, live_server, alice, team, use_simulator, redis_conn,
                                                                   tmp_path):
    picture = tmp_path / "meadow.png"
    picture.write_bytes(image_bytes(size=(600, 400), seed=5))
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/still/")
    modes = page.get_by_role("navigation", name="Kinds of still image")
    assert modes.locator("[aria-current=page]").inner_text() == "From a prompt"
    modes.get_by_role("link", name="Expand an image").click()
    page.get_by_role("heading", name="Expand an image").wait_for()
    assert modes.locator("[aria-current=page]").inner_text() == "Expand an image"
    assert page.get_by_role("navigation", name="Ways to create").locator("[aria-current=page]").inner_text() == "Still image"
    assert page.locator("p.cost").inner_text() == "Costs 3 credits an image: 9 images cost 27."
    assert no_sideways_scrolling(page)
    shot(page, "expand-image-phone")

    page.get_by_label("Image to expand").set_input_files(str(picture))
    page.wait_for_function("document.querySelector('#image-preview').naturalWidth > 0")
    page.get_by_label("Add above").fill("1")
    page.get_by_label("Add on the left").fill("1")
    page.get_by_label("How many images").select_option("2")
    page.get_by_role("button", name="Generate images").click()
    code, words = refused_on_field(page, "up_expansion_ratio", kept_name="meadow.png")
    assert code == "expansion_too_large" and "3 times" in words
    assert not Generation.objects.exists() and no_sideways_scrolling(page)

    page.get_by_label("Add above").fill("0.5")
    page.get_by_label("Add on the left").fill("0")
    page.get_by_label("Add on the right").fill("0")
    page.get_by_label("What the new parts show (optional)").fill("more sky over the meadow")
    page.get_by_role("button", name="Generate images").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    generation = Generation.objects.get(kind="images/editing/expand")
    assert generation.options == {"n": 2, "up_expansion_ratio": 0.5, "down_expansion_ratio": 0.0, "left_expansion_ratio": 0.0,
                                  "right_expansion_ratio": 0.0}
    assert generation.asset("input_image").file.read() == picture.read_bytes() and generation.price_credits == 6

    run_workers()
    stills = page.locator("[data-stills] img")
    stills.first.wait_for()
    page.wait_for_function("[...document.querySelectorAll('[data-stills] img')].every(img => img.complete && img.naturalWidth > 0)")
    assert stills.count() == 2
    assert "above ×0.5" in page.locator("dl.params").inner_text()
    assert page.get_by_role("img", name="Input image 1").is_visible()
    generation.refresh_from_db()
    assert generation.status == "succeeded"
    assert no_sideways_scrolling(page)
    shot(page, "expand-done-phone")

"""Elements on a phone (390 px wide): the Elements page from the main navigation; one image alone is refused in plain
words with nothing saved; two images make a ready element, shown with its pictures and id; the Omni video page offers
it, and a prompt naming <<<element_1>>> makes a clip through a real worker and the simulator (which creates the
element upstream first); then the element is deleted and no longer offered."""

import pytest

from generations.models import Element, Generation
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in
from tests.helpers import run_workers
from tests.kinds.media import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def no_sideways_scrolling(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_phone_user_saves_an_element_and_makes_a_clip_with_it(
    page, live_server, alice, team, use_simulator, redis_conn, tmp_path
):
    front, side = tmp_path / "front.png", tmp_path / "side.png"
    front.write_bytes(image_bytes(seed=1))
    side.write_bytes(image_bytes(seed=2))
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/elements/")
    page.get_by_role("heading", name="Elements", exact=True).wait_for()
    assert page.get_by_text("No elements yet.").is_visible()

    # One image is not enough: refused in plain words, the words typed kept, nothing saved.
    page.get_by_label("Name").fill("Captain Kite")
    page.get_by_label("Description").fill("A red kite with a yellow tail")
    page.get_by_label("Images (2–4: the frontal one first)").set_input_files([str(front)])
    page.get_by_role("button", name="Save element").click()
    alert = page.locator("#images-error")
    alert.wait_for()
    assert "invalid_refer_image_count" in alert.inner_text() and "1 to 3" in alert.inner_text()
    assert page.get_by_label("Name").input_value() == "Captain Kite"
    assert not Element.objects.exists()
    assert no_sideways_scrolling(page)

    page.get_by_label("Images (2–4: the frontal one first)").set_input_files([str(front), str(side)])
    page.get_by_label("Kind (optional)").select_option("o_104")
    page.get_by_role("button", name="Save element").click()
    card = page.locator("li.element")
    card.wait_for()
    element = Element.objects.get()
    assert card.get_attribute("data-element-id") == str(element.element_id) and element.tags == ["o_104"]
    assert card.locator(".element-status").inner_text() == "Ready"
    page.wait_for_function("[...document.querySelectorAll('li.element img')].every(img => img.naturalWidth > 0)")
    assert card.locator("img").count() == 2
    assert no_sideways_scrolling(page)
    shot(page, "elements-phone")

    page.goto(f"{live_server.url}/generations/new/omni/")
    page.get_by_label("Captain Kite — A red kite with a yellow tail").check()
    page.get_by_label("Prompt").fill("<<<element_1>>> flies over a windy beach")
    page.get_by_label("Duration").select_option("5")
    page.get_by_role("button", name="Generate video").click()
    page.get_by_role("progressbar", name="Generation progress").wait_for()
    run_workers()
    generation = Generation.objects.get(kind="omni-video")
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.options["element_ids"] == [element.element_id]
    element.refresh_from_db()
    assert len(element.upstream_ids) == 1  # created at the simulator once, on first use

    page.goto(f"{live_server.url}/elements/")
    page.get_by_role("button", name="Delete Captain Kite").click()
    page.get_by_text("No elements yet.").wait_for()
    page.goto(f"{live_server.url}/generations/new/omni/")
    page.get_by_label("Prompt").wait_for()
    assert page.get_by_text("Captain Kite").count() == 0
    assert no_sideways_scrolling(page)

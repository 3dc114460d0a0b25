"""The "Check a video" page in headless Chromium at phone width: upload a clip this install signed and see it
named as ours, upload a foreign clip and see that nothing was found; nothing pushes the page sideways."""

import pytest

from tests.browser.conftest import shot
from tests.browser.test_accessibility import _violations
from tests.provenance import test_check_page as page_tests

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The check page's install and files (its fixtures, under their own names).
provenance_files, provenance_install = page_tests.provenance_files, page_tests.provenance_install


def _no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _check(page, path):
    page.get_by_label("Video or image").set_input_files(str(path))
    page.get_by_role("button", name="Check", exact=True).click()
    return page.locator("#verdict-heading")


def test_a_phone_checks_a_signed_clip_and_a_foreign_one(page, live_server, provenance_files, redis_conn):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/provenance/check/")
    page.get_by_role("heading", name="Check a video").wait_for()
    assert _no_sideways_scroll(page), "the empty form scrolls sideways"

    heading = _check(page, provenance_files.signed)
    heading.wait_for()
    assert heading.inner_text() == "Made by this studio"
    assert "made by this studio" in page.locator(".provenance-result").inner_text().lower()
    assert "Valid and signed by this studio" in page.locator(".provenance-result").inner_text()
    assert _no_sideways_scroll(page), "the result scrolls sideways"
    assert not _violations(page)  # axe: no serious or critical WCAG 2 A/AA problems
    shot(page, "provenance-check-ours-390")

    heading = _check(page, provenance_files.foreign)
    page.get_by_role("heading", name="Nothing found").wait_for()
    assert heading.inner_text() == "Nothing found"
    assert _no_sideways_scroll(page)
    shot(page, "provenance-check-nothing-390")

    page.goto(f"{live_server.url}/provenance/")
    page.get_by_role("heading", name="How our videos are marked").wait_for()
    assert _no_sideways_scroll(page), "the about page scrolls sideways"
    assert not _violations(page)

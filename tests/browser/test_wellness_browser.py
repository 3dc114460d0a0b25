"""A moderator, in a real browser, asks for violent items in grayscale behind a warning screen, opens such an
item, clicks through the warning by keyboard, and the picture shown is the server's grayscale rendition (its
served pixels have R = G = B); then unblurs, which the audit trail records."""

import io

import numpy as np
import pytest
from django.core.files.base import ContentFile
from PIL import Image

from accounts.models import AuditEvent, AuditEventType, User
from generations.actions.review_queue import do_open_review_for_held
from generations.models import Asset, ExposureDay, Generation
from tests.browser.conftest import shot
from tests.browser.test_accessibility import _violations
from tests.browser.test_first_video import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def violent_item(team, user):
    categories = {"violence": 0.92}
    generation = Generation.objects.create(
        team=team, created_by=user, prompt="A brawl outside a bar", model_name="kling-v1-6", mode="std", status="held",
        stage="input", screening_result={"decision": "review", "categories": categories},
    )
    item = do_open_review_for_held(generation, stage="input", categories=categories)
    pixels = np.zeros((480, 640, 3), np.uint8)
    pixels[:, :320] = (220, 30, 30)
    pixels[:, 320:] = (30, 60, 220)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    asset = Asset(generation=generation, role="input_image", content_type="image/png", size_bytes=len(buffer.getvalue()),
                  sha256="b" * 64, quarantined=True)
    asset.file.save("in.png", ContentFile(buffer.getvalue()), save=False)
    asset.save()
    return item


def test_a_moderator_sees_violence_in_grayscale_behind_a_warning_then_unblurs(page, live_server, team, alice):
    User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)
    item = violent_item(team, alice)
    sign_in(page, live_server, "mo@example.org", "pw-mo-12345")
    page.goto(f"{live_server.url}/moderation/wellness/")
    page.get_by_role("heading", name="How held media is shown to me").wait_for()
    page.locator("#violence-grayscale").select_option("yes")
    page.locator("#violence-warning").select_option("yes")
    page.get_by_role("button", name="Save (logged)").click()
    page.get_by_text("Saved (logged).").wait_for()
    assert AuditEvent.objects.filter(event_type=AuditEventType.WELLNESS_PREFERENCES_CHANGED).count() == 1
    assert _violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "wellness-preferences-390")

    page.goto(f"{live_server.url}/moderation/items/{item.public_id}/")
    warning = page.locator("#warning-screen")
    warning.get_by_text("Warning: graphic media (violence)").wait_for()
    image = page.locator(".review-media img").first
    assert not image.is_visible()  # behind the warning until the moderator chooses
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "wellness-warning-390")
    warning.locator("summary").focus()
    page.keyboard.press("Enter")  # keyboard alone clicks through
    image.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('.review-media img').naturalWidth > 0")
    shot(page, "wellness-item-grayscale-390")

    served = page.request.get(f"{live_server.url}{image.get_attribute('src')}")
    assert served.status == 200 and served.headers["content-type"] == "image/jpeg"
    picture = np.asarray(Image.open(io.BytesIO(served.body())).convert("RGB")).astype(int)
    assert np.array_equal(picture[..., 0], picture[..., 1]) and np.array_equal(picture[..., 1], picture[..., 2])
    assert picture[..., 0].std() > 5  # a picture, not a blank

    page.set_viewport_size({"width": 1280, "height": 900})
    assert not AuditEvent.objects.filter(event_type=AuditEventType.MEDIA_UNBLURRED).exists()
    # Look at the item a moment: the server credits at most the time since the page's last report, so a page
    # left within the same second reports nothing (it did once in CI).
    page.wait_for_timeout(2500)
    page.get_by_role("button", name="Unblur (logged: one event per file)").click()
    page.get_by_text("originals shown: your unblur is logged").wait_for()
    event = AuditEvent.objects.get(event_type=AuditEventType.MEDIA_UNBLURRED)
    assert event.actor_label == "mo@example.org" and event.target_id == str(item.public_id)
    assert "?grant=" in page.locator(".review-media img").first.get_attribute("src")

    # Leaving the graphic item (the unblur's form post) reported the time spent on it.
    for _ in range(50):
        if ExposureDay.objects.filter(user__email="mo@example.org", seconds__gte=1).exists():
            break
        page.wait_for_timeout(200)
    assert ExposureDay.objects.get(user__email="mo@example.org").seconds >= 1

"""In Chromium: a moderator's "Remove and ban copies" takes a copy down from ANOTHER team's gallery, and a
takedown request goes end to end (filed anonymously on a phone, verified by a moderator against its 48 h
clock, the item and a copy removed, the requester e-mailed)."""

import pytest
from django.core import mail

from accounts.models import AuditEvent, AuditEventType, User
from generations.actions import hashbanks
from generations.actions.gallery import do_report
from generations.models import Asset, GalleryItem, GalleryStatus, Generation, TakedownRequest
from generations.simulator.render import render_clip
from tests.browser.conftest import shot
from tests.browser.test_accessibility import _violations
from tests.browser.test_first_video import sign_in
from tests.moderation.test_ban_copies import clip_generation
from tests.moderation.test_hashing import reencode_trimmed

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(tmp_path, team, other_team, alice, bob, charlie):
    """Alice's clip in Alpha's gallery; in Charlie Co's gallery, Charlie's re-encoded copy of it and a clip of his own."""
    original = render_clip("a paper lantern over a lake at night", duration=5, fps=12, seed=3)
    source = clip_generation(team, alice, original, prompt="lantern")
    item = GalleryItem.objects.create(team=team, generation=source, shared_by=alice, caption="Alice's lantern")
    (tmp_path / "original.mp4").write_bytes(original)
    reencode_trimmed(tmp_path / "original.mp4", tmp_path / "copy.mp4", trim_s=0.5)
    copy = clip_generation(other_team, charlie, (tmp_path / "copy.mp4").read_bytes(), prompt="lantern again")
    copy_item = GalleryItem.objects.create(team=other_team, generation=copy, shared_by=charlie, caption="Charlie's reupload")
    own = clip_generation(other_team, charlie, render_clip("a red tram in the snow", duration=5, fps=12, seed=9))
    GalleryItem.objects.create(team=other_team, generation=own, shared_by=charlie, caption="Charlie's tram")
    User.objects.create_user("mod@example.org", "pw-mod-browser-1", is_moderator=True)
    return {"source": source, "item": item, "copy": copy, "copy_item": copy_item}


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_remove_and_ban_copies_takes_a_copy_down_from_another_teams_gallery(page, live_server, scene, bob, redis_conn):
    bank = hashbanks.do_create_bank(name="known-ncii", category="deepfake", action="block")
    report = do_report(scene["item"], user=bob, reason="A real person, intimate, shared without consent")

    # Charlie's gallery shows the copy before.
    sign_in(page, live_server, "charlie@example.org", "charlie-password-1")
    page.goto(f"{live_server.url}/gallery/")
    assert page.get_by_text("Charlie's reupload").is_visible()
    sign_out(page)

    sign_in(page, live_server, "mod@example.org", "pw-mod-browser-1")
    page.goto(f"{live_server.url}/moderation/items/{report.public_id}/")
    page.get_by_role("button", name="Claim this item").click()
    page.locator("#ban-form").wait_for()
    assert not _violations(page)
    page.get_by_label("Bank").select_option(label="known-ncii (Deepfake / non-consensual likeness)")
    page.get_by_label("Reason (required; recorded in the audit trail)").fill("Non-consensual intimate imagery")
    page.get_by_role("button", name="Remove and ban copies").click()
    page.get_by_text("1 other copy taken down (teams: charlie)").wait_for()
    shot(page, "ban-copies-done")
    page.goto(f"{live_server.url}/accounts/audit/")
    types = page.locator(".audit-type").all_inner_texts()
    assert "Content removed and banned with its copies" in types and types.count("Copy of banned content taken down") == 2
    sign_out(page)

    # Gone from Charlie's gallery; his own clip stays; his generation says why and what to do.
    sign_in(page, live_server, "charlie@example.org", "charlie-password-1")
    page.goto(f"{live_server.url}/gallery/")
    page.get_by_text("Charlie's tram").wait_for()
    assert page.get_by_text("Charlie's reupload").count() == 0
    page.goto(f"{live_server.url}/generations/{scene['copy'].public_id}/")
    page.get_by_text("Removed by trust and safety").wait_for()
    assert page.locator("video").count() == 0
    shot(page, "ban-copies-owner-view")
    response = page.goto(f"{live_server.url}/generations/{scene['copy'].public_id}/video.mp4")
    assert response.status == 404

    assert GalleryItem.objects.get(pk=scene["copy_item"].pk).status == GalleryStatus.REMOVED
    assert any(message.to == ["charlie@example.org"] and "removed" in message.subject for message in mail.outbox)
    ban = AuditEvent.objects.get(event_type=AuditEventType.CONTENT_BANNED)
    assert ban.extra["bank"] == bank.name and str(scene["copy"].public_id) in ban.extra["copies"]
    copy_event = AuditEvent.objects.get(event_type=AuditEventType.COPY_TAKEN_DOWN, extra__generation=str(scene["copy"].public_id))
    assert copy_event.extra["ban"] == ban.extra["ban"] and copy_event.extra["team"] == "charlie"
    assert AuditEvent.objects.filter(event_type=AuditEventType.COPY_TAKEN_DOWN).count() == 2  # the copy and the original


def test_a_takedown_request_end_to_end(page, live_server, scene, redis_conn):
    # Filed by someone with no account, on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/takedown/")
    page.get_by_label("Your full name", exact=True).fill("Dana Doe")
    page.get_by_label("Your e-mail address").fill("dana@example.net")
    page.get_by_label("I am the person depicted").check()
    page.get_by_label("Where it is").fill(f"{live_server.url}/gallery/#item-{scene['item'].public_id}")
    page.get_by_label("I state in good faith").check()
    page.get_by_label("Electronic signature: type your full name").fill("Dana Doe")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not _violations(page)
    shot(page, "takedown-form-390")
    page.get_by_role("button", name="Send the request").click()
    page.get_by_role("heading", name="We received your request").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    filed = TakedownRequest.objects.get()
    assert any(message.to == ["dana@example.net"] and "received" in message.subject for message in mail.outbox)

    # A moderator sees it on the dashboard and in the queue with its 48 h clock, and verifies it.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "mod@example.org", "pw-mod-browser-1")
    page.goto(f"{live_server.url}/moderation/")
    block = page.locator("#takedown-sla")
    assert "1 due" in " ".join(block.inner_text().split()) and "0 overdue" in " ".join(block.inner_text().split())
    block.get_by_role("link", name="Takedown requests").click()
    row = page.locator(f'tr[data-takedown="{filed.public_id}"]')
    assert "due in 1" in row.locator("[data-sla]").inner_text()  # "due in 1 day, 23 hours"
    assert not _violations(page)
    row.get_by_role("link").click()
    assert not _violations(page)
    assert "Dana Doe" in page.locator("#takedown-request").inner_text()
    page.get_by_role("button", name="Verify and remove with copies").click()
    page.get_by_text("Verified: the content and 2 copies").wait_for()
    shot(page, "takedown-verified")

    # The item and its copy in another team are gone; the requester was told.
    for key in ("item", "copy_item"):
        assert GalleryItem.objects.get(pk=scene[key].pk).status == GalleryStatus.REMOVED
    for key in ("source", "copy"):
        assert Asset.objects.get(generation=scene[key], role="video").quarantined
        assert Generation.objects.get(pk=scene[key].pk).error_code == "copy_removed"
    decision = [message for message in mail.outbox if message.to == ["dana@example.net"]][-1]
    assert "content removed" in decision.subject and str(filed.public_id) in decision.body
    filed.refresh_from_db()
    assert filed.status == "verified"
    verified = AuditEvent.objects.get(event_type=AuditEventType.TAKEDOWN_VERIFIED)
    assert verified.extra["within_sla"] is True and len(verified.extra["copies"]) == 2

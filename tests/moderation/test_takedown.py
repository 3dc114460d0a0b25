"""Takedown requests: anyone files one (no account, CSRF, rate-limited per address, no inline script), the
requester is e-mailed at receipt and decision, a moderator verifies (the content and its copies in every team
are removed and banned in `ncii`) or rejects with a reason, every step audited, the 48 h clock on the queue and
the dashboard."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from PIL import Image
from skimage import data as skdata

from accounts.models import AuditEvent, AuditEventType, User
from generations.actions import takedown
from generations.models import Asset, GalleryItem, GalleryStatus, Generation, HashBank, TakedownRequest
from generations.simulator.render import render_clip
from tests.moderation.test_ban_copies import clip_generation, share
from tests.moderation.test_hashing import reencode_trimmed


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)


@pytest.fixture
def content(tmp_path, team, other_team, alice, charlie):
    original = render_clip("two people on a bed, lamp light", duration=5, fps=12, seed=5)
    source = clip_generation(team, alice, original)
    item = share(source, alice)
    (tmp_path / "original.mp4").write_bytes(original)
    reencode_trimmed(tmp_path / "original.mp4", tmp_path / "copy.mp4", trim_s=0.5)
    copy = clip_generation(other_team, charlie, (tmp_path / "copy.mp4").read_bytes())
    copy_item = share(copy, charlie)
    return {"source": source, "item": item, "copy": copy, "copy_item": copy_item, "original_path": tmp_path / "original.mp4"}


def form_data(**overrides):
    data = {"name": "Dana Doe", "email": "dana@example.net", "relationship": "self", "reference": "", "description": "",
            "good_faith": "on", "signature": "Dana Doe"}
    data.update(overrides)
    return data


def test_anyone_files_a_request_with_a_gallery_link_and_is_emailed(client, content, redis_conn, django_capture_on_commit_callbacks):
    page = client.get("/takedown/")
    assert page.status_code == 200 and b"<script>" not in page.content and b"csrfmiddlewaretoken" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/takedown/", form_data(reference=f"https://studio.example/gallery/#item-{content['item'].public_id}"))
    assert response.status_code == 200 and b"We received your request" in response.content
    filed = TakedownRequest.objects.get()
    assert filed.generation == content["source"] and filed.status == "pending"
    assert dt.timedelta(hours=47, minutes=59) < filed.sla_due_at - filed.created_at <= dt.timedelta(hours=48)
    assert mail.outbox[-1].to == ["dana@example.net"] and "48 hours" in mail.outbox[-1].body
    event = AuditEvent.objects.get(event_type=AuditEventType.TAKEDOWN_REQUESTED)
    assert event.extra["generation"] == str(content["source"].public_id)


def test_an_uploaded_copy_finds_the_generation_and_the_file_is_not_kept(client, content, redis_conn):
    with open(content["original_path"], "rb") as handle:
        response = client.post("/takedown/", {**form_data(), "upload": handle})
    assert response.status_code == 200, response.content[:500]
    filed = TakedownRequest.objects.get()
    assert filed.generation in (content["source"], content["copy"])
    assert filed.upload_hashes["media_kind"] == "video" and len(filed.upload_hashes["hashes"]) > 10


@pytest.mark.parametrize("overrides, code", [
    ({"good_faith": ""}, b"required"),
    ({"signature": ""}, b"required"),
    ({"reference": ""}, b"content_required"),
    ({"reference": "https://elsewhere.example/nothing"}, b"content_not_found"),
    ({"email": "not-an-address"}, b"invalid"),
])
def test_it_refuses_what_is_not_a_request(client, content, redis_conn, overrides, code):
    response = client.post("/takedown/", form_data(**{"reference": str(content["source"].public_id), **overrides}))
    assert response.status_code in (400, 422) and code in response.content
    assert not TakedownRequest.objects.exists() and not mail.outbox


def test_the_form_needs_csrf_and_is_rate_limited_per_address(content, redis_conn):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/takedown/", form_data(reference=str(content["source"].public_id))).status_code == 403
    client = Client()
    statuses = [client.post("/takedown/", form_data(reference=str(content["source"].public_id))).status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[-1] == 429
    assert TakedownRequest.objects.count() == 5


def test_a_moderator_verifies_and_the_item_and_its_copy_are_removed(content, moderator, alice, charlie,
                                                                     django_capture_on_commit_callbacks):
    filed = takedown.do_file_takedown(name="Dana Doe", email="dana@example.net", relationship="self",
                                      reference=str(content["item"].public_id), good_faith=True, signature="Dana Doe")
    client = Client()
    client.force_login(moderator)
    queue = client.get("/moderation/takedowns/")
    assert f'data-takedown="{filed.public_id}"'.encode() in queue.content
    assert b"due in 1\xc2\xa0day, 23\xc2\xa0hours" in queue.content or b"due in 2\xc2\xa0days" in queue.content
    dashboard = client.get("/moderation/")
    assert b"Takedown requests" in dashboard.content and b"<strong>1</strong> due" in dashboard.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/moderation/takedowns/{filed.public_id}/decide/", {"action": "verify"}, follow=True)
    assert b"Verified" in response.content
    filed.refresh_from_db()
    assert filed.status == "verified" and filed.decided_by == moderator
    assert set(filed.outcome["copies"]) == {str(content["source"].public_id), str(content["copy"].public_id)}
    for key in ("item", "copy_item"):
        assert GalleryItem.objects.get(pk=content[key].pk).status == GalleryStatus.REMOVED
    assert Asset.objects.get(generation=content["copy"], role="video").quarantined
    assert Generation.objects.get(pk=content["copy"].pk).error_code == takedown.COPY_REMOVED
    bank = HashBank.objects.get(name="ncii")
    assert bank.action == "block" and bank.entries.count() == 1
    recipients = [message.to[0] for message in mail.outbox]
    assert "dana@example.net" in recipients and "charlie@example.org" in recipients and "alice@example.org" in recipients
    assert "removed" in [m for m in mail.outbox if m.to == ["dana@example.net"]][-1].subject
    types = list(AuditEvent.objects.order_by("id").values_list("event_type", flat=True))
    assert types.count(AuditEventType.COPY_TAKEN_DOWN) == 2
    for expected in (AuditEventType.TAKEDOWN_REQUESTED, AuditEventType.HASH_BANK_CREATED, AuditEventType.CONTENT_BANNED,
                     AuditEventType.TAKEDOWN_VERIFIED):
        assert expected in types
    assert AuditEvent.objects.get(event_type=AuditEventType.TAKEDOWN_VERIFIED).extra["within_sla"] is True
    # Decided once: a second decision is a conflict.
    with pytest.raises(takedown.TakedownError):
        takedown.do_reject_takedown(filed, moderator, reason="late")


def test_a_rejection_needs_a_reason_and_tells_the_requester(content, moderator, django_capture_on_commit_callbacks):
    filed = takedown.do_file_takedown(name="Dana", email="dana@example.net", relationship="authorised",
                                      reference=str(content["source"].public_id), good_faith=True, signature="Dana")
    with pytest.raises(takedown.TakedownError):
        takedown.do_reject_takedown(filed, moderator, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        takedown.do_reject_takedown(filed, moderator, reason="The clip shows a landscape, no person.")
    assert "landscape" in mail.outbox[-1].body and mail.outbox[-1].to == ["dana@example.net"]
    assert not Asset.objects.filter(quarantined=True).exists()
    assert AuditEvent.objects.get(event_type=AuditEventType.TAKEDOWN_REJECTED).extra["reason"].startswith("The clip")


def test_separation_of_duties_and_outsiders(content, alice, charlie):
    alice.is_moderator = True
    alice.save()
    filed = takedown.do_file_takedown(name="Dana", email="dana@example.net", relationship="self",
                                      reference=str(content["source"].public_id), good_faith=True, signature="Dana")
    with pytest.raises(takedown.TakedownError) as error:
        takedown.do_verify_takedown(filed, alice)
    assert error.value.code == "own_item"
    client = Client()
    client.force_login(charlie)
    assert client.get("/moderation/takedowns/").status_code == 404
    assert client.post(f"/moderation/takedowns/{filed.public_id}/decide/", {"action": "verify"}).status_code == 404


def test_the_sla_counts_due_and_overdue(content):
    now = timezone.now()
    for hours_ago in (1, 47, 50):
        filed = takedown.do_file_takedown(name="D", email="d@example.net", relationship="self",
                                          reference=str(content["source"].public_id), good_faith=True, signature="D")
        TakedownRequest.objects.filter(pk=filed.pk).update(created_at=now - dt.timedelta(hours=hours_ago),
                                                           sla_due_at=now - dt.timedelta(hours=hours_ago) + takedown.TAKEDOWN_SLA)
    stats = takedown.takedown_sla_stats(now=now)
    assert (stats["pending"], stats["due"], stats["overdue"]) == (3, 2, 1)


def test_an_unreadable_upload_is_refused_in_words(client, content, redis_conn):
    response = client.post("/takedown/", {**form_data(), "upload": io.BytesIO(b"not media at all")})
    assert response.status_code == 422 and b"upload_unreadable" in response.content


def test_an_upload_found_nowhere_is_banned_from_its_hashes_alone(client, content, moderator, tmp_path, redis_conn):
    path = tmp_path / "camera.png"
    Image.fromarray(skdata.camera()).convert("RGB").save(path)
    with open(path, "rb") as handle:
        assert client.post("/takedown/", {**form_data(), "upload": handle}).status_code == 200
    filed = TakedownRequest.objects.get()
    assert filed.generation is None and filed.upload_hashes["media_kind"] == "image"
    takedown.do_verify_takedown(filed, moderator)
    filed.refresh_from_db()
    assert filed.outcome["copies"] == [] and not Asset.objects.filter(quarantined=True).exists()
    entry = HashBank.objects.get(name="ncii").entries.get()
    assert entry.hashes == filed.upload_hashes["hashes"] and entry.source_generation is None
    ban = AuditEvent.objects.get(event_type=AuditEventType.CONTENT_BANNED)
    assert ban.target_type == "TakedownRequest" and ban.extra["copies"] == []

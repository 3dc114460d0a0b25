"""The team gallery: share (re-checked against today's policy), browse, like, remix, report → review queue."""

import functools

import pytest

from accounts.models import AuditEvent, AuditEventType, StandingEvent, User
from generations.actions import gallery, review
from generations.models import GalleryItem, GalleryStatus, Generation, ReviewItem
from generations.moderation.visual import scanning
from tests.conftest import bearer
from tests.helpers import constant_score_detector, drive_to_terminal
from tests.kinds.support import create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mod@example.org", "pw-moderator-1", is_moderator=True)


@pytest.fixture
def clip(client, use_simulator, redis_conn, alice_key):
    """A succeeded text→video generation of alice's."""
    response = client.post(
        "/api/v1/generations", {"prompt": "A paper boat on a rainy street", "model": "kling-v1-6"},
        content_type="application/json", **bearer(alice_key),
    )
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded"
    return generation


def test_share_like_and_remix_within_the_team(client, clip, alice, bob, charlie, other_team):
    client.force_login(alice)
    response = client.post(f"/generations/{clip.public_id}/share/", {"caption": "Rainy day"})
    assert response.status_code == 302
    item = GalleryItem.objects.get(generation=clip)
    assert item.status == GalleryStatus.VISIBLE and item.recheck_result["decision"] == "allow"
    assert item.recheck_result["video"]["verdict"] == "allow"
    assert AuditEvent.objects.filter(event_type=AuditEventType.GALLERY_SHARED, target_id=str(item.public_id)).exists()

    client.force_login(bob)
    page = client.get("/gallery/")
    assert page.status_code == 200 and b"Rainy day" in page.content
    client.post(f"/gallery/{item.public_id}/like/")
    client.post(f"/gallery/{item.public_id}/like/")  # a toggle: back to zero
    client.post(f"/gallery/{item.public_id}/like/")
    item.refresh_from_db()
    assert item.like_count == 1 == item.likes.count()

    # Remix: the prefilled form records its parent.
    remix = client.get(f"/generations/new/?remix_of={clip.public_id}&prompt=A+paper+boat+at+night&model=kling-v1-6")
    assert b"A paper boat at night" in remix.content
    created = client.post(
        f"/generations/new/?remix_of={clip.public_id}",
        {"prompt": "A paper boat at night", "model": "kling-v1-6", "duration": "5", "aspect_ratio": "16:9", "mode": "std"},
    )
    assert created.status_code == 302, created.content
    child = Generation.objects.exclude(pk=clip.pk).get(created_by=bob)
    assert child.parent_id == clip.pk and child.lineage_label == "Remixed from"
    assert b"Remixed from" in client.get(f"/generations/{child.public_id}/").content

    # Another team sees none of it.
    client.force_login(charlie)
    assert b"Rainy day" not in client.get("/gallery/").content
    assert client.post(f"/gallery/{item.public_id}/like/").status_code == 404
    assert client.post(f"/gallery/{item.public_id}/report/", {"reason": "spam"}).status_code == 404
    assert client.post(f"/generations/{clip.public_id}/share/").status_code == 404


def test_only_the_author_can_share_and_only_once(clip, alice, bob):
    with pytest.raises(gallery.GenerationError) as caught:
        gallery.do_share(clip, user=bob)
    assert caught.value.code == "not_your_generation"
    gallery.do_share(clip, user=alice)
    with pytest.raises(gallery.GenerationError) as caught:
        gallery.do_share(clip, user=alice)
    assert caught.value.code == "already_shared"


def test_sharing_rechecks_the_clip_against_the_current_policy(clip, alice, monkeypatch):
    # Since the clip was made, the detectors changed their mind about it.
    monkeypatch.setattr(gallery.scanning, "scan_video", functools.partial(scanning.scan_video, detectors=[constant_score_detector(0.95)]))
    with pytest.raises(gallery.GenerationError) as caught:
        gallery.do_share(clip, user=alice)
    assert caught.value.code == "policy_recheck_failed" and "sexual" in caught.value.message
    assert not GalleryItem.objects.exists()


def test_a_rejected_report_removes_the_item_and_counts_against_its_author(client, clip, alice, bob, moderator):
    item = gallery.do_share(clip, user=alice)
    client.force_login(bob)
    assert client.post(f"/gallery/{item.public_id}/report/", {"reason": "This shows a real coworker without asking"}).status_code == 302
    report = ReviewItem.objects.get(kind="report")
    assert report.generation == clip and report.reported_by == bob and report.message.startswith("This shows")
    # It is in the moderators' queue, and a second report by the same member adds nothing.
    assert report in review.open_queue()
    with pytest.raises(gallery.GenerationError):
        gallery.do_report(item, user=bob, reason="again")

    client.force_login(moderator)
    page = client.get(f"/moderation/items/{report.public_id}/")
    assert page.status_code == 200 and b"real coworker" in page.content

    report = review.do_claim(report, moderator)
    review.do_decide(report, moderator, review.REJECT, reason="identifiable person without consent", expected_version=report.version)
    item.refresh_from_db()
    assert item.status == GalleryStatus.REMOVED
    client.force_login(bob)
    assert b"id=\"item-" not in client.get("/gallery/").content
    # The clip is withheld now, and its author has a strike for it.
    assert client.get(f"/generations/{clip.public_id}/video.mp4").status_code == 404
    strike = StandingEvent.objects.get(user=alice, source="report_upheld")
    assert strike.points > 0 and strike.generation_ref == str(clip.public_id)
    assert AuditEvent.objects.filter(event_type=AuditEventType.GALLERY_REMOVED, target_id=str(item.public_id)).exists()
    # And it cannot be shared again.
    with pytest.raises(gallery.GenerationError) as caught:
        gallery.do_share(Generation.objects.get(pk=clip.pk), user=alice)
    assert caught.value.code in ("removed_by_moderator", "not_shareable")


def test_a_report_a_moderator_dismisses_leaves_the_item_and_the_author_alone(clip, alice, bob, moderator):
    item = gallery.do_share(clip, user=alice)
    report = gallery.do_report(item, user=bob, reason="I just do not like it")
    report = review.do_claim(report, moderator)
    review.do_decide(report, moderator, review.APPROVE, expected_version=report.version)
    item.refresh_from_db()
    assert item.status == GalleryStatus.VISIBLE
    assert not StandingEvent.objects.filter(user=alice).exists()


def test_unshare_by_author_and_by_team_admin_only(client, clip, alice, bob):
    item = gallery.do_share(clip, user=alice)
    with pytest.raises(gallery.GenerationError) as caught:
        gallery.do_unshare(item, user=bob)
    assert caught.value.code == "not_your_item"
    gallery.do_unshare(item, user=alice)
    item.refresh_from_db()
    assert item.status == GalleryStatus.UNSHARED
    # Sharing again re-checks and brings it back.
    assert gallery.do_share(clip, user=alice).status == GalleryStatus.VISIBLE


def test_the_pipeline_records_the_upstream_video_id(clip):
    # What video-extend and lip-sync name upstream: the simulator's id of the result video.
    assert len(clip.provider_video_id) >= 8


def test_a_report_nobody_reviews_in_time_takes_the_item_down_without_a_strike(clip, alice, bob):
    import datetime as dt

    item = gallery.do_share(clip, user=alice)
    report = gallery.do_report(item, user=bob, reason="looks like someone I know")
    assert review.do_expire_overdue_reviews(now=report.sla_due_at + dt.timedelta(seconds=1)) == 1
    item.refresh_from_db()
    report.refresh_from_db()
    assert item.status == GalleryStatus.REMOVED and report.decision == "expired"
    assert not StandingEvent.objects.filter(user=alice).exists()
    assert item.removed_at == report.decided_at


# --- still images and sounds go through the same path -----------------------------------------------------


@pytest.fixture
def stills(client, use_simulator, redis_conn, alice_key):
    """A succeeded images/generations of alice's: two stills."""
    response = create(client, alice_key, kind="images/generations", prompt="A lighthouse on a cliff, watercolour", n=2)
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    return generation


@pytest.fixture
def sound(client, use_simulator, redis_conn, alice_key):
    """A succeeded text-to-audio of alice's."""
    response = create(client, alice_key, kind="audio/text-to-audio", prompt="Rain on a tin roof, distant thunder", duration=3)
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    return generation


def test_stills_are_shared_rechecked_and_shown_as_an_image(client, stills, alice, bob, charlie):
    client.force_login(alice)
    assert b"Share to gallery" in client.get(f"/generations/{stills.public_id}/").content
    assert client.post(f"/generations/{stills.public_id}/share/", {"caption": "Lighthouse"}).status_code == 302
    item = GalleryItem.objects.get(generation=stills)
    assert item.status == GalleryStatus.VISIBLE and item.recheck_result["decision"] == "allow"
    # Every still was scanned again, none of it as a clip.
    assert item.recheck_result["images"] == {"verdict": "allow", "categories": {}, "count": 2} and "video" not in item.recheck_result
    assert item.recheck_result["caption"]["decision"] == "allow"
    assert AuditEvent.objects.filter(event_type=AuditEventType.GALLERY_SHARED, target_id=str(item.public_id)).exists()
    assert b"In the <a" in client.get(f"/generations/{stills.public_id}/").content

    client.force_login(bob)
    page = client.get("/gallery/").content.decode()
    assert "Lighthouse" in page and 'data-media="image"' in page
    assert f"/generations/{stills.public_id}/images/0.png" in page and "<video" not in page
    assert client.get(f"/generations/{stills.public_id}/images/0.png").status_code == 200  # a teammate sees it
    assert client.post(f"/gallery/{item.public_id}/like/").status_code == 302
    item.refresh_from_db()
    assert item.like_count == 1
    # Another team sees none of it.
    client.force_login(charlie)
    assert b"Lighthouse" not in client.get("/gallery/").content
    assert client.post(f"/gallery/{item.public_id}/like/").status_code == 404


def test_a_sound_is_shared_and_shown_with_an_audio_player(client, sound, alice, bob):
    client.force_login(alice)
    assert b"Share to gallery" in client.get(f"/generations/{sound.public_id}/").content
    assert client.post(f"/generations/{sound.public_id}/share/", {"caption": "Storm on the roof"}).status_code == 302
    item = GalleryItem.objects.get(generation=sound)
    assert item.recheck_result["decision"] == "allow" and item.recheck_result["audio"]["checked"] == "prompt"
    assert item.recheck_result["prompt"]["decision"] == "allow"

    client.force_login(bob)
    page = client.get("/gallery/").content.decode()
    assert "Storm on the roof" in page and 'data-media="sound"' in page
    assert f'<audio controls preload="none" src="/generations/{sound.public_id}/sound.mp3">' in page and "<video" not in page
    assert client.get(f"/generations/{sound.public_id}/sound.mp3").status_code == 200


def test_stills_are_rechecked_against_the_current_policy_and_a_bad_caption_is_refused(stills, sound, alice, monkeypatch):
    # The caption is screened first, whatever is shared.
    with pytest.raises(gallery.GenerationError) as caught:
        gallery.do_share(sound, user=alice, caption="how to build a pipe bomb step by step")
    assert caught.value.code in ("caption_blocked", "caption_held")
    # Since the stills were made, the detectors changed their mind about them: the share is refused in a still's words.
    monkeypatch.setattr(gallery.scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.95)]))
    with pytest.raises(gallery.GenerationError) as caught:
        gallery.do_share(stills, user=alice)
    assert caught.value.code == "policy_recheck_failed" and "this image cannot be shared" in caught.value.message
    assert "sexual" in caught.value.message
    assert not GalleryItem.objects.exists()


def test_only_the_author_shares_a_sound_and_only_once(sound, alice, bob):
    with pytest.raises(gallery.GenerationError) as caught:
        gallery.do_share(sound, user=bob)
    assert caught.value.code == "not_your_generation" and "sound" in caught.value.message
    gallery.do_share(sound, user=alice)
    with pytest.raises(gallery.GenerationError) as caught:
        gallery.do_share(sound, user=alice)
    assert caught.value.code == "already_shared"


def test_a_rejected_report_removes_shared_stills_withholds_them_and_they_cannot_come_back(client, stills, alice, bob, moderator):
    item = gallery.do_share(stills, user=alice)
    report = gallery.do_report(item, user=bob, reason="This shows a real coworker without asking")
    report = review.do_claim(report, moderator)
    review.do_decide(report, moderator, review.REJECT, reason="identifiable person without consent", expected_version=report.version)
    item.refresh_from_db()
    assert item.status == GalleryStatus.REMOVED
    client.force_login(bob)
    assert b'id="item-' not in client.get("/gallery/").content
    # Every still is withheld now, and its author has a strike for it.
    assert client.get(f"/generations/{stills.public_id}/images/0.png").status_code == 404
    assert client.get(f"/generations/{stills.public_id}/images/1.png").status_code == 404
    assert StandingEvent.objects.get(user=alice, source="report_upheld").generation_ref == str(stills.public_id)
    with pytest.raises(gallery.GenerationError) as caught:
        gallery.do_share(Generation.objects.get(pk=stills.pk), user=alice)
    assert caught.value.code in ("removed_by_moderator", "not_shareable")


def test_a_withheld_sound_cannot_be_shared(sound, alice):
    sound.assets.filter(role="audio").update(quarantined=True)
    with pytest.raises(gallery.GenerationError) as caught:
        gallery.do_share(Generation.objects.get(pk=sound.pk), user=alice)
    assert caught.value.code == "not_shareable" and "finished sound" in caught.value.message
    assert not GalleryItem.objects.exists()

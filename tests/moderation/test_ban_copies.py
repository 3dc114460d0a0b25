"""Remove and ban copies: a moderator bans a reported clip and every stored copy, in every team, is taken down
(withheld, out of its gallery, marked, its owner told, audited); unrelated media is untouched; the bank's
changes are audit events through every door."""

import io

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from skimage import data as skdata

from accounts.models import AuditEvent, AuditEventType, Notice, User
from generations.actions import hashbanks, review, takedown
from generations.actions.gallery import do_report
from generations.models import Asset, GalleryItem, GalleryStatus, Generation, HashBankEntry
from generations.simulator.render import render_clip
from tests.moderation.test_hashing import reencode_trimmed


def clip_generation(team, user, data, *, prompt="a lantern"):
    now = timezone.now()
    generation = Generation.objects.create(team=team, created_by=user, prompt=prompt, model_name="kling-v1-6", mode="std",
                                           status="succeeded", stage="done", progress=100, finished_at=now,
                                           render_finished_at=now)
    asset = Asset(generation=generation, role="video", content_type="video/mp4", size_bytes=len(data), sha256="x",
                  duration_s=5.0, width=640, height=360)
    asset.file.save("clip.mp4", ContentFile(data), save=False)
    asset.save()
    return generation


def image_generation(team, user, image, *, status="held"):
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    generation = Generation.objects.create(team=team, created_by=user, prompt="slow push in", kind="image2video",
                                           model_name="kling-v1-6", status=status, stage="input")
    asset = Asset(generation=generation, role="input_image", content_type="image/png", size_bytes=len(buffer.getvalue()),
                  sha256="x")
    asset.file.save("in.png", ContentFile(buffer.getvalue()), save=False)
    asset.save()
    return generation


def share(generation, user):
    return GalleryItem.objects.create(team=generation.team, generation=generation, shared_by=user, caption="look")


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)


@pytest.fixture
def bank(db):
    return hashbanks.do_create_bank(name="known-ncii", category="deepfake", action="block")


@pytest.fixture
def world(tmp_path, team, other_team, alice, bob, charlie):
    """Alice's clip in Alpha's gallery, reported by Bob; Charlie's re-encoded, trimmed copy of it and an unrelated
    clip of his in Charlie Co's gallery."""
    original = render_clip("a paper lantern over a lake", duration=5, fps=12, seed=3)
    source = clip_generation(team, alice, original)
    item = share(source, alice)
    (tmp_path / "original.mp4").write_bytes(original)
    reencode_trimmed(tmp_path / "original.mp4", tmp_path / "copy.mp4", trim_s=0.5)
    copy = clip_generation(other_team, charlie, (tmp_path / "copy.mp4").read_bytes(), prompt="my lantern")
    copy_item = share(copy, charlie)
    unrelated = clip_generation(other_team, charlie, render_clip("a red tram in the snow", duration=5, fps=12, seed=9),
                                prompt="tram")
    unrelated_item = share(unrelated, charlie)
    report = do_report(item, user=bob, reason="This is a real person, intimate, without consent")
    return {"source": source, "copy": copy, "copy_item": copy_item, "unrelated": unrelated,
            "unrelated_item": unrelated_item, "report": report}


def test_it_takes_down_a_copy_in_another_team_and_leaves_the_rest(world, moderator, bank, charlie, alice,
                                                                   django_capture_on_commit_callbacks):
    report = review.do_claim(world["report"], moderator)
    with django_capture_on_commit_callbacks(execute=True):  # the e-mails leave once the takedown is committed
        result = takedown.do_remove_and_ban(report, moderator, bank=bank, reason="NCII of a real person",
                                            expected_version=report.version)

    copy = Generation.objects.get(pk=world["copy"].pk)
    assert copy.error_code == takedown.COPY_REMOVED
    assert "removed and banned" in copy.error_message and "mistake" in copy.error_message
    assert copy.assets.get(role="video").quarantined
    assert GalleryItem.objects.get(pk=world["copy_item"].pk).status == GalleryStatus.REMOVED
    # The unrelated clip in the same team is untouched.
    assert not world["unrelated"].assets.get(role="video").quarantined
    assert GalleryItem.objects.get(pk=world["unrelated_item"].pk).status == GalleryStatus.VISIBLE
    assert Generation.objects.get(pk=world["unrelated"].pk).error_code == ""
    # The reported clip itself is gone too, and the report rejected.
    assert Generation.objects.get(pk=world["source"].pk).assets.get(role="video").quarantined
    assert report.__class__.objects.get(pk=report.pk).decision == "rejected"
    # Owners told: a notice and an e-mail each.
    assert Notice.objects.filter(user=charlie, subject="Your generation was removed").count() == 1
    assert Notice.objects.filter(user=alice, subject="Your generation was removed").count() == 1
    assert {message.to[0] for message in mail.outbox} >= {"charlie@example.org", "alice@example.org"}
    # Audited: one ban, one event per copy taken down, one entry added to the bank.
    ban = AuditEvent.objects.get(event_type=AuditEventType.CONTENT_BANNED)
    assert ban.extra["ban"] == result.ban_id
    assert set(ban.extra["copies"]) == {str(world["copy"].public_id), str(world["source"].public_id)}
    assert set(ban.extra["teams"]) == {"alpha", "charlie"}
    downs = AuditEvent.objects.filter(event_type=AuditEventType.COPY_TAKEN_DOWN)
    assert sorted(event.extra["generation"] for event in downs) == sorted(ban.extra["copies"])
    copy_event = downs.get(extra__generation=str(world["copy"].public_id))
    assert copy_event.extra["matches"][0]["matched_as"] == "clip" and copy_event.extra["gallery_item"]
    assert AuditEvent.objects.filter(event_type=AuditEventType.HASH_BANK_ENTRY_ADDED, extra__via="moderation").count() == 1


def test_a_banned_image_takes_down_held_and_finished_copies_as_inputs(team, other_team, alice, charlie, moderator, bank):
    astronaut = Image.fromarray(skdata.astronaut())
    held = image_generation(team, alice, astronaut)
    item = held.review_items.create(kind="held", stage="input", sla_due_at=timezone.now() + timezone.timedelta(hours=1))
    mirrored = image_generation(other_team, charlie, astronaut.transpose(Image.Transpose.FLIP_LEFT_RIGHT).resize((400, 400)),
                                status="succeeded")
    other = image_generation(other_team, charlie, Image.fromarray(skdata.coffee()), status="succeeded")
    item = review.do_claim(item, moderator)
    takedown.do_remove_and_ban(item, moderator, bank=bank, reason="banned image", media="input", expected_version=item.version)
    held.refresh_from_db()
    assert held.status == "blocked" and held.error_code == takedown.COPY_REMOVED and "appeal" in held.error_message
    assert Generation.objects.get(pk=mirrored.pk).error_code == takedown.COPY_REMOVED
    assert Asset.objects.get(generation=mirrored, role="input_image").quarantined  # a mirrored, resized copy
    assert not Asset.objects.get(generation=other, role="input_image").quarantined


def test_a_moderator_cannot_ban_their_own_content(world, bank, alice):
    alice.is_moderator = True
    alice.save()
    with pytest.raises(takedown.TakedownError) as error:
        takedown.do_remove_and_ban(world["report"], alice, bank=bank, reason="x", expected_version=world["report"].version)
    assert error.value.code == "own_item"
    assert not HashBankEntry.objects.exists()


def test_an_undecided_item_needs_the_claim_and_a_reason(world, moderator, bank):
    with pytest.raises(takedown.TakedownError) as error:
        takedown.do_remove_and_ban(world["report"], moderator, bank=bank, reason=" ", expected_version=0)
    assert error.value.code == "reason_required"
    with pytest.raises(review.ReviewError):
        takedown.do_remove_and_ban(world["report"], moderator, bank=bank, reason="ncii", expected_version=0)
    assert not GalleryItem.objects.filter(status=GalleryStatus.REMOVED).exists()


def test_the_item_page_button_bans_and_an_outsider_gets_404(client, world, moderator, bank, charlie):
    report = review.do_claim(world["report"], moderator)
    client.force_login(charlie)
    assert client.post(f"/moderation/items/{report.public_id}/ban/", {"bank": bank.pk}).status_code == 404
    client.force_login(moderator)
    page = client.get(f"/moderation/items/{report.public_id}/")
    assert b"Remove and ban copies" in page.content
    response = client.post(f"/moderation/items/{report.public_id}/ban/",
                           {"bank": bank.pk, "media": "all", "ban_reason": "NCII", "version": report.version}, follow=True)
    assert b"1 other copy taken down (teams: charlie)" in response.content
    assert GalleryItem.objects.get(pk=world["copy_item"].pk).status == GalleryStatus.REMOVED


def test_bank_changes_are_audited_from_the_command_and_the_admin(tmp_path, admin_client):
    call_command("hashbank", "create", "cmd-bank", "--category", "violence")
    path = tmp_path / "a.png"
    Image.fromarray(skdata.astronaut()).save(path)
    call_command("hashbank", "add", str(path), "--bank", "cmd-bank")
    signals = tmp_path / "signals.txt"
    signals.write_text("pdq " + "a" * 64 + "\n")
    call_command("hashbank", "import", str(signals), "--bank", "cmd-bank")
    events = list(AuditEvent.objects.filter(event_type__in=[AuditEventType.HASH_BANK_CREATED, AuditEventType.HASH_BANK_ENTRY_ADDED,
                                                            AuditEventType.HASH_BANK_IMPORTED]).order_by("id"))
    assert [event.event_type for event in events] == [1301, 1304, 1305]
    assert all(event.extra["via"] == "manage.py hashbank" and event.extra["bank"] == "cmd-bank" for event in events)
    assert events[2].extra["added"] == 1
    entry = HashBankEntry.objects.filter(bank__name="cmd-bank").first()
    admin_client.post(f"/admin/generations/hashbankentry/{entry.pk}/delete/", {"post": "yes"})
    deleted = AuditEvent.objects.get(event_type=AuditEventType.HASH_BANK_ENTRY_DELETED)
    assert deleted.extra["entries"] == [entry.pk] and deleted.extra["via"] == "admin"
    bank = entry.bank
    admin_client.post(f"/admin/generations/hashbank/{bank.pk}/delete/", {"post": "yes"})
    assert AuditEvent.objects.get(event_type=AuditEventType.HASH_BANK_DELETED).extra["bank"] == "cmd-bank"

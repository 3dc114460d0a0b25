"""A confirmed CSAM item gets a CyberTipline report draft (never sent by the studio) and its evidence is
preserved: housekeeping leaves it, and deleting its author or their team is refused while the report exists."""

import datetime as dt
import hashlib
import io
import json
import pathlib

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.db.models import ProtectedError
from django.utils import timezone
from PIL import Image

from accounts.audit import Actor, record_audit_event
from accounts.models import AuditEvent, AuditEventType, Team, User
from generations.actions import child_safety, review, withholding
from generations.actions.review_queue import do_open_review_for_held
from generations.models import Asset, ChildSafetyReport, Generation
from generations.moderation.visual import hashing
from generations.simulator.render import render_clip
from generations.worker.housekeeping import remove_expired_quarantined_inputs

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    """Child-safety staff: the one role that sees these items and their reports."""
    return User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True, moderation_role="child_safety")


def _picture() -> bytes:
    rng = np.random.default_rng(7)  # detailed enough for a trustworthy PDQ hash
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _attach(generation, role, data, name, content_type, *, quarantined=True):
    asset = Asset(generation=generation, role=role, content_type=content_type, size_bytes=len(data), sha256="x",
                  quarantined=quarantined)
    asset.file.save(name, ContentFile(data), save=False)
    asset.save()
    return asset


def held_input(team, user, categories=None):
    generation = Generation.objects.create(
        team=team, created_by=user, prompt="the described scene", negative_prompt="blurry", model_name="kling-v1-6",
        status="held", stage="input", kind="image2video", screening_result={"categories": categories or {"sexual_minors": 0.7}},
    )
    _attach(generation, "input_image", _picture(), "in.png", "image/png")
    return do_open_review_for_held(generation, stage="input", categories=categories or {"sexual_minors": 0.7})


def held_output(team, user):
    generation = Generation.objects.create(team=team, created_by=user, prompt="a generated scene", model_name="kling-v1-6",
                                           status="held", stage="output", screening_result={"categories": {}})
    _attach(generation, "video", render_clip("a boat", duration=2, fps=8), "clip.mp4", "video/mp4")
    return do_open_review_for_held(generation, stage="output", categories={"sexual_minors": 0.4})


def reject(item, moderator, preset="minor_sexual"):
    return review.do_decide(item, moderator, review.REJECT, preset=preset, reason="seen", expected_version=item.version, claim=True)


def test_a_rejection_for_minor_sexualisation_drafts_the_report_with_the_files_real_hashes(team, alice, moderator, rf):
    request = rf.get("/", REMOTE_ADDR="203.0.113.7")
    request.user = alice
    record_audit_event(AuditEventType.SIGN_IN, actor=Actor(user=alice), request=request)
    item = held_input(team, alice)
    asset = item.generation.assets.get(role="input_image")
    review.do_record_unblur(item, moderator, asset=asset, which="input")
    reject(item, moderator)

    report = ChildSafetyReport.objects.get(generation=item.generation)
    draft = report.draft
    assert draft["filedByStudio"] is False
    assert draft["incidentSummary"]["incidentType"] == child_safety.INCIDENT_TYPE
    person = draft["personOrUserReported"]
    assert person["email"] == ["alice@example.org"] and person["espIdentifier"] == str(alice.pk)
    assert person["team"]["slug"] == team.slug
    assert [event["ipAddress"] for event in person["ipCaptureEvent"]] == ["203.0.113.7"]
    (entry,) = draft["files"]
    data = pathlib.Path(asset.file.path).read_bytes()
    assert (entry["md5"], entry["sha1"], entry["sha256"]) == (
        hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest(), hashlib.sha256(data).hexdigest())
    assert entry["pdq"] == [hashing.hash_image(Image.open(io.BytesIO(data))).hex]
    assert entry["generativeAi"] is False  # the user uploaded it
    assert entry["fileViewedByEsp"] is True  # a moderator unblurred it
    assert draft["content"]["prompt"] == "the described scene" and draft["additionalInfo"]["decision"] == "rejected"
    assert report.reported_user == alice and report.status == "draft"
    hold = report.preservation_hold_until - report.created_at
    assert hold == dt.timedelta(days=90)
    event = AuditEvent.objects.get(event_type=AuditEventType.CHILD_SAFETY_REPORT_DRAFTED)
    assert event.actor_user_id == moderator.pk and event.extra["files"] == [entry["sha256"]]


def test_generated_files_carry_the_generative_ai_flag(team, alice, moderator):
    item = held_output(team, alice)
    reject(item, moderator)
    (entry,) = ChildSafetyReport.objects.get(generation=item.generation).draft["files"]
    video = item.generation.assets.get(role="video")
    assert entry["generativeAi"] is True and entry["fileViewedByEsp"] is False
    assert entry["sha256"] == hashlib.sha256(pathlib.Path(video.file.path).read_bytes()).hexdigest()
    assert entry["pdq"] and entry["pdq"] == hashing.distinct_hashes(hashing.hash_video(video.file.path))


def test_a_rejection_for_another_reason_drafts_nothing(team, alice, moderator):
    reject(held_input(team, alice), moderator, preset="not_allowed")
    assert not ChildSafetyReport.objects.exists()


def test_the_explicit_confirmation_needs_a_reason_and_withholds_the_files(client, team, alice, moderator):
    item = held_input(team, alice, {"sexual": 0.6})
    item.generation.assets.update(quarantined=False)
    client.force_login(moderator)
    url = f"/moderation/items/{item.public_id}/confirm-csam/"
    client.post(url, {"csam_reason": ""})
    assert not ChildSafetyReport.objects.exists()
    response = client.post(url, {"csam_reason": "a child in a sexual pose"})
    report = ChildSafetyReport.objects.get(generation=item.generation)
    assert response["Location"] == f"/moderation/child-safety/{report.public_id}/"
    assert report.draft["additionalInfo"]["reason"] == "a child in a sexual pose"
    assert not item.generation.assets.filter(quarantined=False).exists()
    assert "Confirm CSAM" in client.get(f"/moderation/items/{item.public_id}/").content.decode()


def _past_retention(team, user, *, days=40):
    generation = Generation.objects.create(team=team, created_by=user, prompt="p", model_name="kling-v1-6", status="blocked",
                                           stage="input", finished_at=timezone.now() - dt.timedelta(days=days))
    return _attach(generation, "input_image", _picture(), "in.png", "image/png")


def test_housekeeping_past_retention_keeps_held_evidence_and_removes_the_rest(team, alice, moderator):
    held_asset, free_asset = _past_retention(team, alice), _past_retention(team, alice)
    report = child_safety.do_draft_report(held_asset.generation, moderator, reason="confirmed")
    held_path, free_path = pathlib.Path(held_asset.file.path), pathlib.Path(free_asset.file.path)

    assert remove_expired_quarantined_inputs() == 1
    assert Asset.objects.filter(pk=held_asset.pk).exists() and held_path.exists()
    assert not Asset.objects.filter(pk=free_asset.pk).exists() and not free_path.exists()
    # A draft nobody filed stays held however long it waits.
    assert remove_expired_quarantined_inputs(now=timezone.now() + dt.timedelta(days=400)) == 0
    # Filed on day 0: 90 days from the filing (18 U.S.C. 2258A(h)); then retention applies again.
    child_safety.do_mark_filed(report, moderator, report_number="CT-123456")
    report.refresh_from_db()
    assert report.preservation_hold_until >= report.filed_at + dt.timedelta(days=90)
    assert remove_expired_quarantined_inputs(now=report.filed_at + dt.timedelta(days=89)) == 0
    assert remove_expired_quarantined_inputs(now=report.filed_at + dt.timedelta(days=91)) == 1
    assert not held_path.exists()


def test_deleting_the_reported_user_or_their_team_is_refused_while_the_report_exists(team, alice, moderator):
    asset = _past_retention(team, alice)
    child_safety.do_draft_report(asset.generation, moderator, reason="confirmed")
    with pytest.raises(ProtectedError):
        User.objects.get(pk=alice.pk).delete()
    with pytest.raises(ProtectedError):
        Team.objects.get(pk=team.pk).delete()
    assert Asset.objects.filter(pk=asset.pk).exists() and pathlib.Path(asset.file.path).exists()


def test_staff_view_download_and_mark_the_draft_filed_all_audited(client, team, alice, moderator):
    report = child_safety.do_draft_report(_past_retention(team, alice).generation, moderator, reason="confirmed")
    client.force_login(moderator)
    assert str(report.public_id)[:8] in client.get("/moderation/child-safety/").content.decode()
    page = client.get(f"/moderation/child-safety/{report.public_id}/").content.decode()
    assert "alice@example.org" in page and "generativeAi" in page
    download = client.get(f"/moderation/child-safety/{report.public_id}/draft.json")
    assert download["Content-Type"] == "application/json" and "attachment" in download["Content-Disposition"]
    assert json.loads(download.content) == report.draft
    assert AuditEvent.objects.filter(event_type=AuditEventType.CHILD_SAFETY_REPORT_DOWNLOADED, actor_user=moderator).count() == 1

    client.post(f"/moderation/child-safety/{report.public_id}/", {"action": "filed", "report_number": "not a number!"})
    report.refresh_from_db()
    assert report.status == "draft"
    client.post(f"/moderation/child-safety/{report.public_id}/", {"action": "filed", "report_number": "123456789"})
    report.refresh_from_db()
    assert (report.status, report.external_report_number, report.filed_by) == ("filed", "123456789", moderator)
    filed = AuditEvent.objects.get(event_type=AuditEventType.CHILD_SAFETY_REPORT_FILED)
    assert filed.actor_user_id == moderator.pk and filed.extra["report_number"] == "123456789"
    with pytest.raises(child_safety.ChildSafetyError):
        child_safety.do_withdraw(report, moderator, reason="changed my mind")


def test_a_withdrawn_draft_keeps_its_hold(team, alice, moderator):
    report = child_safety.do_draft_report(_past_retention(team, alice).generation, moderator, reason="confirmed")
    child_safety.do_withdraw(report, moderator, reason="the wrong item")
    assert report.status == "withdrawn" and report.is_held()
    assert AuditEvent.objects.filter(event_type=AuditEventType.CHILD_SAFETY_REPORT_WITHDRAWN).count() == 1
    assert remove_expired_quarantined_inputs() == 0


@pytest.mark.parametrize("who", ["member", "moderator", "lead", "superuser"])
def test_everyone_but_child_safety_staff_gets_404_everywhere(client, team, alice, bob, moderator, who):
    item = held_input(team, alice)
    report = child_safety.do_draft_report(item.generation, moderator, item=item, reason="confirmed")
    if who != "member":  # other trust-and-safety staff, however senior, do not see child-safety work
        bob.is_moderator, bob.moderation_role = True, {"superuser": "moderator"}.get(who, who)
        bob.is_superuser = who == "superuser"
        bob.save()
    client.force_login(bob)
    for url in ("/moderation/child-safety/", f"/moderation/child-safety/{report.public_id}/",
                f"/moderation/child-safety/{report.public_id}/draft.json"):
        assert client.get(url).status_code == 404
    assert client.post(f"/moderation/child-safety/{report.public_id}/", {"report_number": "1"}).status_code == 404
    assert client.post(f"/moderation/items/{item.public_id}/confirm-csam/", {"csam_reason": "x"}).status_code == 404
    report.refresh_from_db()
    assert report.status == "draft"
    assert not AuditEvent.objects.filter(event_type=AuditEventType.CHILD_SAFETY_REPORT_DOWNLOADED).exists()


def test_the_studio_has_no_way_to_send_a_report():
    root = pathlib.Path(child_safety.__file__).parents[1]
    for path in (root / "actions" / "child_safety.py", root / "web" / "child_safety.py"):
        source = path.read_text()
        for needle in ("httpx", "requests", "urllib", "socket", "outbound", "send_mail", "enqueue"):
            assert needle not in source, f"{path.name} mentions {needle}"


def test_any_moderator_who_rejects_for_a_minors_sexualisation_preserves_it_for_child_safety_staff(client, team, alice):
    """Another moderator can meet such material under another category: their rejection stands, and drafts the
    report and the hold for child-safety staff, though they cannot open the drafts or confirm by hand."""
    ordinary = User.objects.create_user("ordinary@example.org", "pw-ord-12345", is_moderator=True)
    item = held_input(team, alice, categories={"violence": 0.7})
    client.force_login(ordinary)
    page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    assert 'id="csam-hint"' in page and 'id="confirm-csam"' not in page

    reject(item, ordinary)

    report = ChildSafetyReport.objects.get(generation=item.generation)
    assert report.created_by == ordinary and report.is_held()
    assert client.get(f"/moderation/child-safety/{report.public_id}/").status_code == 404


def test_an_input_released_by_an_approval_is_withheld_again_for_good_by_a_report(client, team, alice, moderator):
    """A moderator approved a held input; a later confirmation that it shows abuse withholds it from the team
    again, and no later decision (a QA overturn's release) brings it back."""
    item = held_input(team, alice, categories={"violence": 0.6})
    item = review.do_decide(item, moderator, review.APPROVE, expected_version=item.version, claim=True)
    client.force_login(alice)
    url = f"/generations/{item.generation.public_id}/input-start"
    assert client.get(url).status_code == 200

    child_safety.do_draft_report(item.generation, moderator, reason="confirmed on a second look")

    assert client.get(url).status_code == 404
    assert withholding.release(item.generation.assets.all()) == 0
    assert all(asset.quarantined for asset in item.generation.assets.all())

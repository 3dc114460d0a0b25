"""Retention: housekeeping deletes media past the configured days per class (outputs, the team's inputs,
withheld media), never what a moderator still has to see, what a preservation hold keeps or an output the
team still shares; each deletion is audited and the generation says when its media went."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import AuditEvent, AuditEventType
from generations.actions import child_safety
from generations.actions.retention import apply_retention
from generations.actions.review_queue import do_open_review_for_held
from generations.models import Asset, ChildSafetyReport, GalleryItem, Generation
from generations.worker.housekeeping import run_housekeeping
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def retention(settings):
    settings.OUTPUT_RETENTION_DAYS = 90
    settings.INPUT_RETENTION_DAYS = 30
    settings.QUARANTINED_RETENTION_DAYS = 14


def finished(team, user, *, days_ago, status="succeeded", roles=("video", "poster", "input_image"), quarantined=()):
    generation = Generation.objects.create(
        team=team, created_by=user, prompt="A lighthouse at dusk", model_name="kling-v1-6", status=status, stage="done",
        kind="image2video", finished_at=NOW - dt.timedelta(days=days_ago),
    )
    for role in roles:
        data = f"{role} of {generation.public_id}".encode()
        asset = Asset(generation=generation, role=role, content_type="application/octet-stream", size_bytes=len(data),
                      sha256="x", quarantined=role in quarantined)
        asset.file.save(f"{role}.bin", ContentFile(data), save=False)
        asset.save()
    return generation


def files_of(generation):
    return {asset.role: asset.file.name for asset in generation.assets.all()}


def exists(storage_names):
    return {name: default_storage.exists(name) for name in storage_names}


def test_each_class_goes_after_its_own_days_and_is_audited(team, alice, client, alice_key):
    young = finished(team, alice, days_ago=20)
    middle = finished(team, alice, days_ago=45)  # inputs past 30 days, outputs within 90
    old = finished(team, alice, days_ago=120)
    names = {generation.pk: files_of(generation) for generation in (young, middle, old)}

    removed = apply_retention(now=NOW)

    assert removed == {"outputs": 2, "inputs": 2, "withheld": 0}
    assert set(files_of(young)) == {"video", "poster", "input_image"}
    assert set(files_of(middle)) == {"video", "poster"}
    assert set(files_of(old)) == set()
    assert not any(exists(names[old.pk].values()).values())  # the files are gone from storage too
    assert exists([names[middle.pk]["video"]]) == {names[middle.pk]["video"]: True}
    events = AuditEvent.objects.filter(event_type=AuditEventType.MEDIA_RETENTION_DELETED)
    assert sorted((event.extra["generation"], event.extra["class"], tuple(event.extra["roles"])) for event in events) == sorted([
        (str(middle.public_id), "inputs", ("input_image",)), (str(old.public_id), "inputs", ("input_image",)),
        (str(old.public_id), "outputs", ("poster", "video")),
    ])
    assert {event.extra["days"] for event in events if event.extra["class"] == "outputs"} == {90}
    old.refresh_from_db(), young.refresh_from_db()
    assert old.media_deleted_at is not None and young.media_deleted_at is None

    # The owner learns why: the API names the date, the download is a 404, the page says so.
    body = client.get(f"/api/v1/generations/{old.public_id}", **bearer(alice_key)).json()
    assert body["video_url"] is None and body["media_deleted_at"] == old.media_deleted_at.isoformat()
    assert client.get(f"/api/v1/generations/{old.public_id}/video", **bearer(alice_key)).status_code == 404
    client.force_login(alice)
    page = client.get(f"/generations/{old.public_id}/").content.decode()
    assert "deleted on" in page and "retention policy" in page

    assert apply_retention(now=NOW) == {"outputs": 0, "inputs": 0, "withheld": 0}  # nothing twice


def test_zero_days_keeps_a_class_for_good(team, alice, settings):
    settings.OUTPUT_RETENTION_DAYS = 0
    generation = finished(team, alice, days_ago=3000)
    assert apply_retention(now=NOW)["outputs"] == 0
    assert set(files_of(generation)) == {"video", "poster"}  # its input went (30 days)


def test_withheld_media_and_evidence_go_after_the_quarantine_days(team, alice):
    blocked = finished(team, alice, days_ago=15, status="blocked", roles=("video", "evidence", "input_image"),
                       quarantined=("video",))
    assert apply_retention(now=NOW) == {"outputs": 0, "inputs": 0, "withheld": 2}
    assert set(files_of(blocked)) == {"input_image"}  # the team's own upload follows the inputs' 30 days


def test_nothing_a_moderator_waits_for_nothing_held_and_no_shared_output_goes_early(team, alice, bob):
    in_review = finished(team, alice, days_ago=400, status="blocked", roles=("video", "evidence"), quarantined=("video",))
    do_open_review_for_held(in_review, stage="output", categories={"violence": 0.6})  # an appeal-like open item
    preserved = finished(team, alice, days_ago=400, status="blocked", roles=("video", "evidence"), quarantined=("video",))
    ChildSafetyReport.objects.create(generation=preserved, reported_user=alice, team=team, draft={}, status="filed",
                                     preservation_hold_until=NOW + dt.timedelta(days=60))
    shared = finished(team, alice, days_ago=400)
    GalleryItem.objects.create(team=team, generation=shared, shared_by=alice)

    removed = apply_retention(now=NOW)

    assert set(files_of(in_review)) == {"video", "evidence"}
    assert set(files_of(preserved)) == {"video", "evidence"}
    assert set(files_of(shared)) == {"video", "poster"}  # its input still went
    assert removed == {"outputs": 0, "inputs": 1, "withheld": 0}
    # Once the hold ends, the preserved evidence follows the rule.
    assert set(child_safety.held_generation_ids(NOW + dt.timedelta(days=61)).values_list("generation_id", flat=True)) == set()
    apply_retention(now=NOW + dt.timedelta(days=61))
    assert files_of(preserved) == {}


def test_housekeeping_applies_it_and_reports_the_counts(team, alice, redis_conn):
    finished(team, alice, days_ago=120)
    report = run_housekeeping(now=NOW)
    assert report.retention_removed == {"outputs": 2, "inputs": 1, "withheld": 0}
    assert AuditEvent.objects.filter(event_type=AuditEventType.MEDIA_RETENTION_DELETED).count() == 2

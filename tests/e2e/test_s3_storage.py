"""Media on a real S3 server (SeaweedFS on loopback): generations run through the real worker and simulator,
users download through presigned short-lived URLs after the studio's own authorisation, withheld media sits
under the quarantine prefix and is never presigned, and an object moves when a moderator withholds or
releases it (so a link already handed out stops working)."""

import functools
import hashlib
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from accounts.models import User
from generations.actions import review
from generations.models import AssetRole, Generation, ReviewItem
from generations.moderation.visual import scanning
from generations.storage import QUARANTINE_PREFIX
from generations.worker import pipeline
from tests.conftest import bearer
from tests.helpers import constant_score_detector, drive_to_terminal, run_workers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def keys(server, prefix=""):
    client = boto3.client("s3", endpoint_url=server.endpoint_url, aws_access_key_id=server.ACCESS_KEY,
                          aws_secret_access_key=server.SECRET_KEY, region_name="us-east-1")
    listed = client.list_objects_v2(Bucket=server.bucket, Prefix=prefix)
    return {entry["Key"] for entry in listed.get("Contents", [])}


def submit(client, key):
    response = client.post("/api/v1/generations", {"prompt": "A paper boat on a rainy street"},
                           content_type="application/json", **bearer(key))
    assert response.status_code == 202, response.content
    return response.json()["id"]


@pytest.fixture
def detector(monkeypatch):
    def use(score):
        monkeypatch.setattr(pipeline.scanning, "inspect_and_scan",
                            functools.partial(scanning.inspect_and_scan, detectors=[constant_score_detector(score)]))
    return use


def test_a_clip_is_stored_in_the_bucket_and_downloaded_through_a_presigned_url(client, alice, alice_key, charlie,
                                                                                 other_team, s3_media, use_simulator,
                                                                                 redis_conn, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")  # nothing may land on the local disk
    generation = drive_to_terminal(submit(client, alice_key))
    assert generation.status == "succeeded", generation.error_message
    video = generation.asset(AssetRole.VIDEO)
    assert video.file.name in keys(s3_media, "teams/")
    assert not (tmp_path / "media").exists()

    response = client.get(f"/api/v1/generations/{generation.public_id}/video", **bearer(alice_key))
    assert response.status_code == 302 and response["Cache-Control"] == "private, no-store"
    link = response["Location"]
    assert link.startswith(s3_media.endpoint_url + "/")
    assert parse_qs(urlsplit(link).query)["X-Amz-Expires"] == ["60"]  # short-lived, as configured
    fetched = httpx.get(link)
    assert fetched.status_code == 200 and hashlib.sha256(fetched.content).hexdigest() == video.sha256
    assert httpx.get(link.replace("X-Amz-Signature=", "X-Amz-Signature=0")).status_code == 403  # a forged link

    # The studio's authorisation still comes first: another team gets no link at all.
    client.force_login(charlie)
    assert client.get(f"/generations/{generation.public_id}/video.mp4").status_code == 404


def test_a_withheld_output_lives_under_the_quarantine_prefix_and_moves_out_when_released(
        client, alice_key, s3_media, use_simulator, redis_conn, detector):
    detector(0.6)
    generation_id = submit(client, alice_key)
    run_workers()
    generation = Generation.objects.get(public_id=generation_id)
    assert (generation.status, generation.stage) == ("held", "output")
    video = generation.asset(AssetRole.VIDEO)
    assert video.quarantined and video.file.name.startswith(QUARANTINE_PREFIX)
    assert video.file.name in keys(s3_media, QUARANTINE_PREFIX)
    assert client.get(f"/api/v1/generations/{generation_id}/video", **bearer(alice_key)).status_code == 404

    # The moderator's original (after an audited unblur) is streamed by the studio, never presigned.
    moderator = User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)
    client.force_login(moderator)
    item = ReviewItem.objects.get(generation=generation)
    client.post(f"/moderation/items/{item.public_id}/unblur/", {"which": "video"})
    originals = client.get(f"/moderation/items/{item.public_id}/").context["originals"]
    original = client.get(originals["video"])
    assert original.status_code == 200 and "Location" not in original
    assert hashlib.sha256(b"".join(original.streaming_content)).hexdigest() == video.sha256

    item = review.do_claim(item, moderator)
    review.do_decide(item, moderator, review.APPROVE, expected_version=item.version)
    video.refresh_from_db()
    assert not video.quarantined and not video.file.name.startswith(QUARANTINE_PREFIX)
    assert keys(s3_media, QUARANTINE_PREFIX) & {f"{QUARANTINE_PREFIX}{video.file.name}"} == set()
    assert video.file.name in keys(s3_media, "teams/")
    link = client.get(f"/api/v1/generations/{generation_id}/video", **bearer(alice_key))["Location"]
    assert hashlib.sha256(httpx.get(link).content).hexdigest() == video.sha256


def test_withholding_a_delivered_clip_moves_it_so_a_link_already_given_stops_working(
        client, alice, alice_key, s3_media, use_simulator, redis_conn):
    generation = drive_to_terminal(submit(client, alice_key))
    link = client.get(f"/api/v1/generations/{generation.public_id}/video", **bearer(alice_key))["Location"]
    assert httpx.get(link).status_code == 200

    # A report upheld by a moderator withholds the clip and its poster.
    reporter = User.objects.create_user("reporter@example.org", "pw-rep-12345")
    item = ReviewItem.objects.create(generation=generation, kind="report", stage="output", categories={"violence": 0.9},
                                     reported_by=reporter, sla_due_at=generation.created_at.replace(year=2100))
    moderator = User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)
    item = review.do_claim(item, moderator)
    review.do_decide(item, moderator, review.REJECT, reason="graphic violence", expected_version=item.version)

    video = generation.assets.get(role=AssetRole.VIDEO)
    assert video.quarantined and video.file.name.startswith(QUARANTINE_PREFIX)
    assert video.file.name in keys(s3_media, QUARANTINE_PREFIX)
    assert httpx.get(link).status_code in (403, 404)  # the old key is gone
    assert client.get(f"/api/v1/generations/{generation.public_id}/video", **bearer(alice_key)).status_code == 404

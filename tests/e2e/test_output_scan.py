"""The output scan inside the pipeline: real detectors pass benign clips; an injected detector drives the
block and review paths, where nothing withheld is ever served to users."""

import functools

import pytest

from accounts.models import StandingEvent, User
from generations.actions import review
from generations.models import AssetRole, Generation, ReviewItem
from generations.moderation.visual import scanning
from generations.worker import pipeline
from tests.conftest import bearer
from tests.helpers import constant_score_detector, drive_to_terminal, run_workers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def detector(monkeypatch):
    def use(score):
        scan = functools.partial(scanning.inspect_and_scan, detectors=[constant_score_detector(score)])
        monkeypatch.setattr(pipeline.scanning, "inspect_and_scan", scan)

    return use


def submit(client, key, prompt="A dancer in a red dress spinning in a studio"):
    response = client.post("/api/v1/generations", {"prompt": prompt}, content_type="application/json", **bearer(key))
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_a_benign_clip_passes_the_real_detectors(client, alice_key, use_simulator, redis_conn):
    generation = drive_to_terminal(submit(client, alice_key))
    assert generation.status == "succeeded"
    assert generation.scan_result["verdict"] == "allow"
    assert any(name.startswith("open_nsfw") for name in generation.scan_result["detectors"])
    assert generation.scan_result["frames_scored"] >= 10  # first, last and ≥ 2 fps of a 5 s clip


def test_a_blocked_output_is_quarantined_and_never_served(client, alice, alice_key, charlie, other_team, use_simulator, redis_conn, detector):
    detector(0.97)
    generation_id = submit(client, alice_key)
    generation = drive_to_terminal(generation_id)
    assert (generation.status, generation.stage, generation.error_code) == ("blocked", "output", "output_blocked")
    assert "sexual" in generation.error_message and generation.scan_result["blame"] == "model_output"
    assert generation.assets.get(role=AssetRole.VIDEO).quarantined
    assert generation.assets.filter(role=AssetRole.EVIDENCE).exists() and generation.assets.filter(role=AssetRole.BLURRED_POSTER).exists()
    # The model produced it from a benign prompt: no strike for the user.
    assert not StandingEvent.objects.filter(user=alice).exists()

    for who in (alice, charlie):
        client.force_login(who)
        for suffix in ("video.mp4", "poster.jpg"):
            assert client.get(f"/generations/{generation_id}/{suffix}").status_code == 404
    assert client.get(f"/api/v1/generations/{generation_id}/video", **bearer(alice_key)).status_code == 404
    owner_view = client.get(f"/api/v1/generations/{generation_id}", **bearer(alice_key)).json()
    assert owner_view["status"] == "blocked" and owner_view["video_url"] is None and "withheld" in owner_view["error"]["message"]


def test_a_borderline_output_waits_for_a_moderator_who_can_release_it(client, alice_key, use_simulator, redis_conn, detector):
    detector(0.6)
    generation_id = submit(client, alice_key)
    run_workers()
    generation = Generation.objects.get(public_id=generation_id)
    assert (generation.status, generation.stage) == ("held", "output")
    assert client.get(f"/api/v1/generations/{generation_id}/video", **bearer(alice_key)).status_code == 404
    item = ReviewItem.objects.get(generation=generation)
    assert item.stage == "output" and item.categories.get("sexual", 0) >= 0.45

    moderator = User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)
    item = review.do_claim(item, moderator)
    review.do_decide(item, moderator, review.APPROVE, expected_version=item.version)
    generation.refresh_from_db()
    assert generation.status == "succeeded"
    assert client.get(f"/api/v1/generations/{generation_id}/video", **bearer(alice_key)).status_code == 200


def test_a_user_intent_output_block_is_a_strike(client, alice, alice_key, use_simulator, redis_conn, detector, monkeypatch):
    detector(0.97)
    monkeypatch.setattr(pipeline, "blame_for", lambda result: "user_intent")
    drive_to_terminal(submit(client, alice_key))
    strike = StandingEvent.objects.get(user=alice)
    assert (strike.source, strike.category) == ("output_block", "sexual")

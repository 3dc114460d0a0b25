"""Deepfake risks from real faces in the inputs, end to end: a face plus a sexual, defamatory or deceptive
prompt is blocked; re-animating a face (another member's footage, an intimate two-person effect) waits for
a moderator unless the team attested consent; a face alone is fine. Real photos of people that packages
ship (matplotlib's Grace Hopper, scikit-image's astronaut), the real OpenCV detector, the simulator."""

import base64
import importlib.util
import os

import pytest

from accounts.models import AuditEvent, AuditEventType, StandingEvent
from generations.actions import consent
from generations.models import Generation, ReviewItem
from generations.moderation.visual import faces
from tests.conftest import bearer
from tests.helpers import drive_to_terminal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _packaged(package, *parts):
    spec = importlib.util.find_spec(package)
    assert spec is not None, f"{package} is missing: install the test extras"
    return os.path.join(list(spec.submodule_search_locations)[0], *parts)


def _b64_file(path):
    with open(path, "rb") as handle:
        return base64.b64encode(handle.read()).decode()


HOPPER = _packaged("matplotlib", "mpl-data", "sample_data", "grace_hopper.jpg")
ASTRONAUT = _packaged("skimage", "data", "astronaut.png")


def create(client, key, **body):
    return client.post("/api/v1/generations", body, content_type="application/json", **bearer(key))


def test_a_face_with_a_defamatory_prompt_is_blocked_as_a_deepfake(client, use_simulator, redis_conn, alice, alice_key):
    response = create(client, alice_key, kind="image2video", image=_b64_file(HOPPER), prompt="she is caught stealing from a charity")
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "policy_violation" and "deepfake" in error["categories"]
    generation = Generation.objects.get()
    assert generation.status == "blocked" and generation.screening_result["likeness"]["inputs_with_faces"] == ["image"]
    assert StandingEvent.objects.filter(user=alice, category="deepfake").exists()
    # The same words without a face in the picture are not a deepfake (held at most: alice now has a strike).
    plain = create(client, alice_key, prompt="she is caught stealing from a charity")
    assert plain.status_code == 202 and plain.json()["status"] in ("queued", "held")


def test_a_face_alone_is_fine(client, use_simulator, redis_conn, alice_key):
    response = create(client, alice_key, kind="image2video", image=_b64_file(HOPPER), prompt="she smiles and looks out of the window")
    assert response.status_code == 202 and response.json()["status"] == "queued", response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded"
    assert generation.screening_result["likeness"]["decision"] == "allow"


def test_an_intimate_effect_on_photos_of_people_waits_for_a_moderator_unless_consent_is_recorded(
    client, use_simulator, redis_conn, alice, alice_key
):
    photos = [_b64_file(HOPPER), _b64_file(ASTRONAUT)]
    held = create(client, alice_key, kind="effects", effect_scene="kiss", images=photos)
    assert held.status_code == 202 and held.json()["status"] == "held", held.content
    item = ReviewItem.objects.get(generation__public_id=held.json()["id"])
    assert item.stage == "input" and item.categories == {"deepfake": 0.6}
    assert Generation.objects.get(public_id=held.json()["id"]).credit_state == "reserved"

    record = consent.do_record_consent(team=alice.memberships.get().team, user=alice, subject_name="Grace and Eileen",
                                       statement="Grace and Eileen both signed release forms, 2026-11-20")
    assert AuditEvent.objects.filter(event_type=AuditEventType.CONSENT_RECORDED, target_id=str(record.public_id)).exists()
    allowed = create(client, alice_key, kind="effects", effect_scene="kiss", images=photos, consent_id=str(record.public_id))
    assert allowed.status_code == 202 and allowed.json()["status"] == "queued", allowed.content
    generation = drive_to_terminal(allowed.json()["id"])
    assert generation.status == "succeeded" and generation.options["consent_id"] == str(record.public_id)
    submitted = AuditEvent.objects.get(event_type=AuditEventType.GENERATION_SUBMITTED, target_id=str(generation.public_id))
    assert submitted.extra["likeness"]["consent_id"] == str(record.public_id)

    # A revoked consent covers nothing new; an unknown one is an error, not a silent hold.
    consent.do_revoke_consent(record, user=alice)
    refused = create(client, alice_key, kind="effects", effect_scene="kiss", images=photos, consent_id=str(record.public_id))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "consent_not_found"
    assert AuditEvent.objects.filter(event_type=AuditEventType.CONSENT_REVOKED, target_id=str(record.public_id)).exists()


def test_lip_syncing_someone_elses_footage_of_a_face_waits_for_a_moderator(client, use_simulator, redis_conn, team, bob, alice_key):
    from accounts.actions import do_create_api_key

    _key, bob_key = do_create_api_key(team=team, user=bob, name="bob's key")
    made = create(client, bob_key, kind="image2video", image=_b64_file(HOPPER), prompt="she turns towards the camera", model="kling-v1-6")
    assert made.status_code == 202, made.content
    footage = drive_to_terminal(made.json()["id"])
    assert footage.status == "succeeded"

    by_alice = create(client, alice_key, kind="lip-sync", parent_id=str(footage.public_id), text="I approve this message")
    assert by_alice.status_code == 202 and by_alice.json()["status"] == "held", by_alice.content
    held = Generation.objects.get(public_id=by_alice.json()["id"])
    assert held.screening_result["likeness"]["reanimation"] == "others_footage"
    assert held.screening_result["likeness"]["inputs_with_faces"] == ["parent video"]

    by_bob = create(client, bob_key, kind="lip-sync", parent_id=str(footage.public_id), text="I approve this message")
    assert by_bob.status_code == 202 and by_bob.json()["status"] == "queued", by_bob.content
    assert drive_to_terminal(by_bob.json()["id"]).status == "succeeded"


def test_faces_that_cannot_be_checked_fail_closed(client, redis_conn, alice_key, monkeypatch):
    def broken(_data):
        raise faces.FaceDetectorUnavailable("cascade missing")

    monkeypatch.setattr(faces, "detect_faces_in_image", broken)
    response = create(client, alice_key, kind="image2video", image=_b64_file(HOPPER), prompt="she waves")
    assert response.status_code == 503 and response.json()["error"]["code"] == "face_check_unavailable"
    assert not Generation.objects.exists()

"""Each newer kind end to end: API → submit (screening, faces, credits) → a real RQ worker → the simulator
over loopback HTTP → download, decode, scan → succeeded, with the parent links kept."""


import av
import numpy as np
import pytest

from accounts.models import AuditEvent, AuditEventType
from generations.models import AssetRole, Generation
from tests.conftest import bearer
from tests.helpers import drive_to_terminal
from tests.kinds.media import b64, image_bytes, wav_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def create(client, key, **body):
    return client.post("/api/v1/generations", body, content_type="application/json", **bearer(key))


def finished(client, key, **body):
    response = create(client, key, **body)
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    return generation


def frames_of(generation):
    asset = generation.asset(AssetRole.VIDEO)
    with asset.file.open("rb") as stored, av.open(stored) as container:  # local disk or S3 alike
        stream = container.streams.video[0]
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
        rate = float(stream.average_rate)
    return frames, rate


@pytest.fixture
def parent(client, use_simulator, redis_conn, alice_key):
    """A succeeded 5 s kling-v1-6 text→video clip of alice's: something to extend and lip-sync."""
    return finished(client, alice_key, prompt="A paper boat drifting down a rainy street", model="kling-v1-6")


def test_multi_image_to_video(client, use_simulator, redis_conn, alice_key):
    generation = finished(
        client, alice_key, kind="multi-image2video", prompt="The two of them walk along the pier",
        images=[b64(image_bytes(seed=1)), b64(image_bytes(seed=2)), b64(image_bytes(seed=3))], aspect_ratio="1:1",
    )
    assert generation.model_name == "kling-v1-6" and generation.price_credits == 10
    assert [asset.role for asset in generation.assets.order_by("role") if asset.role.startswith("input")] == [
        "input_image", "input_image_2", "input_image_3"]
    video = generation.asset(AssetRole.VIDEO)
    assert video.width == video.height and abs(video.duration_s - 5) <= 0.3


def test_extend_continues_from_the_parent_and_is_longer(client, parent, alice_key):
    response = create(client, alice_key, kind="video-extend", parent_id=str(parent.public_id), prompt="It floats under a bridge")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["parent_id"] == str(parent.public_id) and body["model"] == "kling-v1-6" and body["duration"] == "10"
    child = drive_to_terminal(body["id"])
    assert child.status == "succeeded", (child.error_code, child.error_message)
    assert child.price_credits == 10  # the 5 s it adds, at the parent's model and mode
    parent_frames, rate = frames_of(parent)
    child_frames, _ = frames_of(child)
    assert abs(len(child_frames) / rate - (len(parent_frames) / rate + 5)) <= 0.3
    # The extension starts where the parent ended.
    seam = child_frames[len(parent_frames)].astype(int)
    assert np.abs(seam - parent_frames[-1].astype(int)).mean() < 20
    # An extend of the extend works too, and the lineage shows on the page.
    grandchild = finished(client, alice_key, kind="video-extend", parent_id=str(child.public_id))
    assert abs(grandchild.asset(AssetRole.VIDEO).duration_s - 15) <= 0.4
    client.force_login(parent.created_by)
    page = client.get(f"/generations/{child.public_id}/").content.decode()
    assert "Extended from" in page and str(parent.public_id) in page
    assert "Made from this clip" in client.get(f"/generations/{parent.public_id}/").content.decode()
    submitted = AuditEvent.objects.get(event_type=AuditEventType.GENERATION_SUBMITTED, target_id=str(child.public_id))
    assert submitted.extra["parent"] == str(parent.public_id)


def test_lip_sync_with_text_and_with_audio(client, parent, alice_key):
    spoken = finished(client, alice_key, kind="lip-sync", parent_id=str(parent.public_id), text="Welcome aboard!",
                      voice_id="uk_man2", voice_speed=1.2)
    assert spoken.prompt == "Welcome aboard!" and spoken.options["voice_id"] == "uk_man2" and spoken.price_credits == 5
    assert abs(spoken.asset(AssetRole.VIDEO).duration_s - parent.asset(AssetRole.VIDEO).duration_s) <= 0.3
    # The overlay makes the lip-synced clip visibly differ from its source.
    source, _ = frames_of(parent)
    synced, _ = frames_of(spoken)
    middle = len(source) // 2
    assert np.abs(synced[middle].astype(int) - source[middle].astype(int)).mean() > 1.0

    voiced = finished(client, alice_key, kind="lip-sync", parent_id=str(parent.public_id), audio=b64(wav_bytes(3.0)))
    assert voiced.options == {"mode": "audio2video"}
    audio = voiced.asset(AssetRole.INPUT_AUDIO)
    assert audio.content_type == "audio/wav" and abs(audio.duration_s - 3.0) < 0.05


@pytest.mark.parametrize("scene, images", [("squish", 1), ("expansion", 1), ("hug", 2)])
def test_effects(client, use_simulator, redis_conn, alice_key, scene, images):
    generation = finished(
        client, alice_key, kind="effects", effect_scene=scene, images=[b64(image_bytes(seed=n)) for n in range(images)]
    )
    assert generation.options["effect_scene"] == scene and generation.duration == "5"
    frames, _ = frames_of(generation)
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 2.0  # the effect moves the image


# --- refusals ----------------------------------------------------------------------------------

def test_extending_another_teams_clip_is_404(client, parent, charlie_key):
    response = create(client, charlie_key, kind="video-extend", parent_id=str(parent.public_id))
    assert response.status_code == 404 and response.json()["error"]["code"] == "parent_not_found"
    assert not Generation.objects.filter(team__slug="charlie").exists()


def test_extending_a_blocked_or_withheld_clip_is_refused(client, parent, use_simulator, alice_key):
    blocked = create(client, alice_key, prompt="explicit sex between two strangers")
    assert blocked.status_code == 422
    blocked_id = Generation.objects.get(status="blocked").public_id
    response = create(client, alice_key, kind="video-extend", parent_id=str(blocked_id))
    assert response.status_code == 409 and response.json()["error"]["code"] == "parent_blocked"

    parent.assets.filter(role=AssetRole.VIDEO).update(quarantined=True)  # e.g. withheld after a report
    response = create(client, alice_key, kind="lip-sync", parent_id=str(parent.public_id), text="hello there")
    assert response.status_code == 409 and response.json()["error"]["code"] == "parent_blocked"


def test_extend_rules_follow_the_upstream(client, use_simulator, redis_conn, alice_key):
    v26 = finished(client, alice_key, prompt="A fox in the snow", model="kling-v2-6")
    response = create(client, alice_key, kind="video-extend", parent_id=str(v26.public_id))
    assert response.status_code == 422 and response.json()["error"]["code"] == "model_not_capable"
    running = create(client, alice_key, prompt="A fox in the snow", model="kling-v1-6").json()
    response = create(client, alice_key, kind="video-extend", parent_id=running["id"])
    assert response.status_code == 409 and response.json()["error"]["code"] == "parent_not_finished"
    drive_to_terminal(running["id"])


def test_lip_sync_needs_a_clip_of_2_to_10_seconds(client, use_simulator, redis_conn, alice_key):
    long_clip = finished(client, alice_key, prompt="A long pan over mountains", model="kling-v3", duration="12")
    response = create(client, alice_key, kind="lip-sync", parent_id=str(long_clip.public_id), text="hi")
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_video_duration"


def test_bad_audio_is_refused_before_anything_is_stored(client, parent, alice_key):
    for audio, code in ((b64(b"RIFF0000WAVEjunk" * 10), "audio_corrupt"), (b64(b"hello" * 100), "audio_unsupported_format"),
                        (b64(wav_bytes(1.0)), "audio_duration_out_of_range"), ("@@@", "audio_invalid_base64")):
        response = create(client, alice_key, kind="lip-sync", parent_id=str(parent.public_id), audio=audio)
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == code
    assert Generation.objects.count() == 1


# --- the Kling-compatible door ------------------------------------------------------------------

def test_kling_door_extends_by_video_id(client, parent, alice_key):
    task = client.get(f"/kling/v1/videos/text2video/{parent.public_id}", **bearer(alice_key)).json()["data"]
    video_id = task["task_result"]["videos"][0]["id"]
    created = client.post("/kling/v1/videos/video-extend", {"video_id": video_id, "prompt": "and then it rains"},
                          content_type="application/json", **bearer(alice_key))
    assert created.status_code == 200 and created.json()["code"] == 0, created.content
    task_id = created.json()["data"]["task_id"]
    drive_to_terminal(task_id)
    queried = client.get(f"/kling/v1/videos/video-extend/{task_id}", **bearer(alice_key)).json()["data"]
    assert queried["task_status"] == "succeed"
    assert queried["task_info"]["parent_video"]["id"] == video_id
    assert float(queried["task_result"]["videos"][0]["duration"]) == pytest.approx(10, abs=0.3)
    # Under another kind's path it does not exist, as upstream.
    assert client.get(f"/kling/v1/videos/text2video/{task_id}", **bearer(alice_key)).json()["code"] == 1203


def test_kling_door_effects_and_multi_image(client, use_simulator, redis_conn, alice_key):
    effect = client.post("/kling/v1/videos/effects", {"effect_scene": "dizzydizzy", "input": {"image": b64(image_bytes()), "duration": "5"}},
                         content_type="application/json", **bearer(alice_key))
    assert effect.json()["code"] == 0, effect.content
    multi = client.post("/kling/v1/videos/multi-image2video", {"model_name": "kling-v1-6", "prompt": "a parade",
                        "image_list": [{"image": b64(image_bytes(seed=4))}, {"image": b64(image_bytes(seed=5))}]},
                        content_type="application/json", **bearer(alice_key))
    assert multi.json()["code"] == 0, multi.content
    for kind, body in (("effects", effect), ("multi-image2video", multi)):
        generation = drive_to_terminal(body.json()["data"]["task_id"])
        assert generation.status == "succeeded" and generation.kind == kind

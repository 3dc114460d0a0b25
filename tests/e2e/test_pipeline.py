"""The real path: API → action → Redis → a real RQ worker → the simulator over loopback HTTP → storage."""

import io

import av
import pytest

from accounts.models import AuditEvent, AuditEventType
from generations.models import Generation
from tests.conftest import bearer
from tests.helpers import drive_to_terminal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _decoded_duration(data):
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return frames / float(stream.average_rate), stream.codec_context.name


@pytest.mark.parametrize("duration", ["5", "10"])
def test_it_renders_a_playable_clip_of_the_requested_duration(client, use_simulator, redis_conn, alice_key, duration):
    response = client.post(
        "/api/v1/generations",
        {"kind": "text2video", "prompt": "A lighthouse in a storm, waves crashing", "duration": duration, "aspect_ratio": "9:16"},
        content_type="application/json",
        **bearer(alice_key),
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"

    generation = drive_to_terminal(body["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    assert generation.progress == 100
    assert generation.provider_task_id

    status = client.get(f"/api/v1/generations/{body['id']}", **bearer(alice_key)).json()
    assert status["status"] == "succeeded"
    assert status["video"]["height"] > status["video"]["width"]  # 9:16

    download = client.get(f"/api/v1/generations/{body['id']}/video", **bearer(alice_key))
    assert download.status_code == 200
    assert download["Content-Type"] == "video/mp4"
    data = b"".join(download.streaming_content)
    seconds, codec = _decoded_duration(data)
    assert codec == "h264"
    assert abs(seconds - int(duration)) <= 0.5

    poster = client.get(f"/api/v1/generations/{body['id']}/poster", **bearer(alice_key))
    assert poster.status_code == 200 and b"".join(poster.streaming_content)[:2] == b"\xff\xd8"


def test_it_records_each_transition_in_the_audit_trail(client, use_simulator, redis_conn, alice_key):
    response = client.post(
        "/api/v1/generations", {"prompt": "Koi fish circling in a pond"}, content_type="application/json", **bearer(alice_key)
    )
    generation = drive_to_terminal(response.json()["id"])
    transitions = [
        (event.extra["from"], event.extra["to"])
        for event in AuditEvent.objects.filter(
            event_type=AuditEventType.GENERATION_STATUS_CHANGED, target_id=str(generation.public_id)
        )
    ]
    submitted = AuditEvent.objects.get(event_type=AuditEventType.GENERATION_SUBMITTED, target_id=str(generation.public_id))
    assert submitted.extra["status"] == "queued" and submitted.extra["screening"]["decision"] == "allow"
    assert transitions == [
        ("queued", "submitting"),
        ("submitting", "generating"),
        ("generating", "scanning"),
        ("scanning", "succeeded"),
    ]
    assert AuditEvent.objects.filter(event_type=AuditEventType.OUTPUT_SCANNED, target_id=str(generation.public_id)).exists()


def test_a_prompt_the_policy_forbids_is_refused_with_an_explanation_and_never_reaches_the_upstream(
    client, use_simulator, redis_conn, alice_key, team
):
    response = client.post(
        "/api/v1/generations", {"prompt": "explicit porn scene, fully nude"}, content_type="application/json", **bearer(alice_key)
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["stage"]) == ("policy_violation", "prompt")
    assert "sexual" in error["categories"] and error["suggestion"]
    assert "porn" not in error["message"] and "nude" not in error["message"]  # never echoes the words back
    generation = Generation.objects.get(team=team)
    assert (generation.status, generation.stage, generation.provider_task_id, generation.credit_state) == ("blocked", "prompt", "", "none")
    team.refresh_from_db()
    assert team.credits_reserved == 0 and team.generations_in_flight == 0


def test_a_canceled_generation_is_not_delivered(client, use_simulator, redis_conn, alice_key):
    response = client.post(
        "/api/v1/generations", {"prompt": "A slow pan over a mountain lake"}, content_type="application/json", **bearer(alice_key)
    )
    generation_id = response.json()["id"]
    cancel = client.post(f"/api/v1/generations/{generation_id}/cancel", **bearer(alice_key))
    assert cancel.status_code == 200 and cancel.json()["status"] == "canceled"
    generation = drive_to_terminal(generation_id)
    assert generation.status == "canceled"
    assert generation.provider_task_id == ""
    assert not Generation.objects.get(public_id=generation_id).assets.exists()

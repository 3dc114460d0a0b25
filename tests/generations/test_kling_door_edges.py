"""The Kling door behaves like Kling at its edges, as a third-party SDK expects: JSON envelopes for unknown
paths and methods, refusals of fields it does not implement (never silently dropped), a held task that says
it waits, and signed links that refuse garbage without a 500."""

import pytest

from generations.models import Generation
from generations.presenters import HELD_MESSAGE
from generations.states import Status

pytestmark = pytest.mark.django_db


def kling(client, method, path, key, body=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if body is None:
        return getattr(client, method)(path, **headers)
    return getattr(client, method)(path, body, content_type="application/json", **headers)


@pytest.mark.parametrize("path", ["/kling/v1/images/kolors-virtual-try-on", "/kling/v1/videos/video-effects/face-swap", "/kling/account/nothing",
                                  "/kling/v1/videos/omni-video/123", "/kling/"])
def test_unknown_paths_answer_the_envelope_not_a_page(client, alice_key, path):
    response = kling(client, "get", path, alice_key)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == 1203 and "data" not in response.json()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_a_wrong_method_is_404_1202(client, alice_key, method):
    response = kling(client, method, "/kling/v1/videos/text2video", alice_key, body={})
    assert (response.status_code, response.json()["code"]) == (404, 1202)
    detail = kling(client, method, "/kling/v1/videos/text2video/some-task", alice_key, body={})
    assert (detail.status_code, detail.json()["code"]) == (404, 1202)


@pytest.mark.parametrize("field, value", [("static_mask", "aGVsbG8="), ("dynamic_masks", [{"mask": "x"}]),
                                          ("voice_list", [{"voice_id": "v1"}])])
def test_fields_the_door_does_not_implement_are_refused_not_dropped(client, alice_key, redis_conn, field, value):
    response = kling(client, "post", "/kling/v1/videos/text2video", alice_key, body={"prompt": "A harbour at dawn", field: value})
    assert (response.status_code, response.json()["code"]) == (400, 1201)
    assert f"{field} is not supported" in response.json()["message"]
    assert not Generation.objects.exists()  # nothing charged, nothing stored


def test_asking_for_no_sound_is_fine(client, alice_key, redis_conn):
    response = kling(client, "post", "/kling/v1/videos/text2video", alice_key,
                     body={"prompt": "A harbour at dawn", "sound": "off", "voice_list": []})
    assert response.json()["code"] == 0, response.json()


def test_a_held_task_says_it_waits_for_review(client, alice_key, redis_conn):
    created = kling(client, "post", "/kling/v1/videos/text2video", alice_key, body={"prompt": "A harbour at dawn"}).json()
    Generation.objects.filter(public_id=created["data"]["task_id"]).update(status=Status.HELD)
    task = kling(client, "get", f"/kling/v1/videos/text2video/{created['data']['task_id']}", alice_key).json()["data"]
    assert task["task_status"] == "processing" and task["task_status_msg"] == HELD_MESSAGE


def test_a_non_ascii_signature_is_a_404_not_a_500(client):
    response = client.get("/kling/v1/files/6a1f3c2e-0000-4000-8000-000000000000?expires=9999999999&signature=%C3%A9t%C3%A9")
    assert response.status_code == 404

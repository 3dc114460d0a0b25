"""Invalid requests of the newer kinds get the upstream's own answer (HTTP status + business code) from the
studio's Kling-compatible door: each body is sent to the simulator (the upstream's stand-in) and to the
studio, and the two answers must agree."""

import uuid

import httpx
import pytest

from generations.models import Generation
from tests.conftest import bearer
from tests.kinds.media import b64, image_bytes

pytestmark = pytest.mark.django_db

IMAGE = b64(image_bytes())
CASES = [
    ("multi-image2video", {"prompt": "a parade", "image_list": [{"image": IMAGE}] * 5}),
    ("multi-image2video", {"prompt": "a parade", "model_name": "kling-v2-6", "image_list": [{"image": IMAGE}]}),
    ("multi-image2video", {"image_list": [{"image": IMAGE}]}),
    ("multi-image2video", {"prompt": "a parade", "duration": "7", "image_list": [{"image": IMAGE}]}),
    ("multi-image2video", {"prompt": "explicit sex in the street", "image_list": [{"image": IMAGE}]}),
    ("video-extend", {"video_id": str(uuid.uuid4())}),
    ("video-extend", {}),
    ("lip-sync", {}),
    ("lip-sync", {"input": {"video_id": str(uuid.uuid4()), "mode": "text2video", "text": "hi", "voice_id": "uk_man2"}}),
    ("effects", {"effect_scene": "explode", "input": {"image": IMAGE, "duration": "5"}}),
    ("effects", {"effect_scene": "squish", "input": {"image": IMAGE, "duration": "10"}}),
    ("effects", {"effect_scene": "hug", "input": {"images": [IMAGE], "duration": "5"}}),
    ("effects", {"effect_scene": "squish"}),
]


@pytest.mark.parametrize("kind, body", CASES, ids=[f"{kind}-{n}" for n, (kind, body) in enumerate(CASES)])
def test_the_studio_answers_as_the_upstream_would(client, simulator, redis_conn, alice_key, kind, body):
    upstream = httpx.post(f"{simulator.url}/v1/videos/{kind}", json=body, headers={"Authorization": "Bearer test"}, timeout=10)
    studio = client.post(f"/kling/v1/videos/{kind}", body, content_type="application/json", **bearer(alice_key))
    assert upstream.status_code != 200, "a case must be invalid upstream"
    assert (studio.status_code, studio.json()["code"]) == (upstream.status_code, upstream.json()["code"]), (
        studio.json()["message"], upstream.json()["message"])
    assert not Generation.objects.exclude(status="blocked").exists()

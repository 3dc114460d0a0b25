"""The `kling` (JWT) and `cometapi` (Bearer sk-, /kling prefix) providers carry every newer kind: a chain
multi-image → extend → lip-sync → effects runs against a simulator that demands each one's auth."""

import pytest

from generations.simulator import SimulatorConfig, start_in_thread
from generations.worker import pipeline
from tests.conftest import bearer
from tests.helpers import drive_to_terminal
from tests.kinds.media import b64, image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ACCESS, SECRET, COMET_KEY = "ak-kinds-test", "sk-secret-kinds-0123456789abcdef", "sk-comet-kinds-test"


@pytest.fixture(params=["kling", "cometapi"])
def provider(request, settings, tmp_path, monkeypatch, redis_conn):
    monkeypatch.setattr(pipeline, "sleep", lambda seconds: None)
    if request.param == "kling":
        handle = start_in_thread(SimulatorConfig(render_delay_s=0.1, access_key=ACCESS, secret_key=SECRET, data_dir=str(tmp_path)))
        settings.KLING_API_BASE, settings.KLING_ACCESS_KEY, settings.KLING_SECRET_KEY = handle.url, ACCESS, SECRET
    else:
        handle = start_in_thread(SimulatorConfig(render_delay_s=0.1, api_key=COMET_KEY, data_dir=str(tmp_path)))
        settings.COMETAPI_BASE, settings.COMETAPI_KEY = handle.url, COMET_KEY
    settings.PROVIDER = request.param
    yield request.param
    handle.stop()


def run(client, key, **body):
    response = client.post("/api/v1/generations", body, content_type="application/json", **bearer(key))
    assert response.status_code == 202, response.content
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", (generation.error_code, generation.error_message)
    return generation


def test_every_kind_through_the_provider(client, alice_key, provider):
    start = run(client, alice_key, kind="multi-image2video", prompt="a kite festival", images=[b64(image_bytes(seed=7))])
    assert start.provider == provider and start.provider_video_id
    extended = run(client, alice_key, kind="video-extend", parent_id=str(start.public_id), prompt="the kites land")
    run(client, alice_key, kind="lip-sync", parent_id=str(extended.public_id), text="What a day!")
    run(client, alice_key, kind="effects", effect_scene="bloombloom", images=[b64(image_bytes(seed=8))])

"""The `kling` (JWT) and `cometapi` (Bearer sk-, /kling prefix) providers carry every newer kind: a chain
multi-image → extend → lip-sync → effects runs against a simulator that demands each one's auth."""

import pytest

from tests.conftest import bearer
from tests.helpers import drive_to_terminal
from tests.kinds.media import b64, image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

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

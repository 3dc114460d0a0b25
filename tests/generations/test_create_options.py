"""The create form's choices: every valid model/duration pair, camera presets where the capability map allows
them — and the server refusing what the page's script would not offer."""

import json

import pytest

from generations.models import Generation

pytestmark = pytest.mark.django_db


def _post(client, **fields):
    data = {"prompt": "A lighthouse at dusk", "model": "kling-v1", "duration": "5", "aspect_ratio": "16:9", "mode": "std", **fields}
    return client.post("/generations/new/", data)


def test_the_page_carries_the_capability_map_for_its_script(client, team, alice):
    client.force_login(alice)
    page = client.get("/generations/new/").content.decode()
    catalog = json.loads(page.split('data-catalog="')[1].split('"')[0].replace("&quot;", '"'))
    assert catalog["models"]["kling-v3"]["durations"] == [str(n) for n in range(3, 16)]
    assert catalog["models"]["kling-v2-6"]["durations"] == ["5", "10"]
    assert ["text2video", "kling-v1", "std", "5"] in catalog["camera"]
    assert '<option value="12">12 seconds</option>' in page and 'name="camera"' in page


def test_a_camera_preset_becomes_the_camera_control_it_names(client, team, alice, redis_conn):
    client.force_login(alice)
    response = _post(client, camera="zoom_in")
    assert response.status_code == 302, response.content
    assert Generation.objects.get().camera_control == {"type": "simple", "config": {
        "horizontal": 0.0, "vertical": 0.0, "pan": 0.0, "tilt": 0.0, "roll": 0.0, "zoom": 5.0}}
    assert _post(client, camera="left_turn_forward").status_code == 302
    assert Generation.objects.order_by("-id").first().camera_control == {"type": "left_turn_forward"}


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"model": "kling-v2-6", "camera": "zoom_in"}, "camera_control_not_supported"),
        ({"mode": "pro", "camera": "pan_left"}, "camera_control_not_supported"),
        ({"model": "kling-v2-6", "duration": "12"}, "invalid_duration"),
    ],
)
def test_combinations_the_script_hides_are_refused_on_the_server_too(client, team, alice, fields, code):
    client.force_login(alice)
    response = _post(client, **fields)
    assert response.status_code == 400 and code in response.content.decode()
    assert not Generation.objects.exists()


def test_kling_v3_takes_any_duration_from_3_to_15(client, team, alice, redis_conn):
    client.force_login(alice)
    assert _post(client, model="kling-v3", duration="12").status_code == 302
    assert Generation.objects.get().duration == "12"

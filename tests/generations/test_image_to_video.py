import base64
import io

import pytest
from PIL import Image

from generations.errors import GenerationError
from generations.inputs.images import inspect_image
from generations.models import AssetRole, Generation
from tests.conftest import bearer
from tests.helpers import constant_score_detector, drive_to_terminal


def image_bytes(size=(640, 480), fmt="PNG", color=(200, 90, 40), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, color if mode == "RGB" else 1).save(buffer, format=fmt)
    return buffer.getvalue()


def b64(data):
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    "data, code",
    [
        (b"GIF89a" + b"\0" * 100, "image_unsupported_format"),
        (b"hello, I am text pretending to be a picture", "image_unsupported_format"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image_corrupt"),
        (image_bytes(size=(299, 400)), "image_too_small"),
        (image_bytes(size=(1000, 300)), "image_aspect_out_of_range"),
        (image_bytes(size=(8000, 8000), mode="1"), "image_too_many_pixels"),
        (b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024), "image_too_large"),
    ],
)
def test_it_refuses_bad_images_by_content(data, code):
    with pytest.raises(GenerationError) as caught:
        inspect_image(data)
    assert caught.value.code == code


@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_it_accepts_jpeg_and_png(fmt, content_type):
    checked = inspect_image(image_bytes(fmt=fmt))
    assert (checked.content_type, checked.width, checked.height) == (content_type, 640, 480)


def create(client, key, body):
    return client.post("/api/v1/generations", body, content_type="application/json", **bearer(key))


@pytest.mark.django_db
@pytest.mark.parametrize("encode", [b64, lambda data: "data:image/png;base64," + b64(data)])
def test_the_api_accepts_a_base64_image_and_stores_it(client, alice_key, redis_conn, encode):
    response = create(client, alice_key, {"kind": "image2video", "image": encode(image_bytes()), "prompt": "slow push in"})
    assert response.status_code == 202, response.content
    generation = Generation.objects.get(public_id=response.json()["id"])
    stored = generation.assets.get(role=AssetRole.INPUT_IMAGE)
    assert (stored.content_type, stored.width, stored.height) == ("image/png", 640, 480)
    assert generation.aspect_ratio == ""


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/cat.png", "http://169.254.169.254/latest/meta-data/", "http://[::1]/a.png"])
def test_the_api_refuses_image_urls_to_private_addresses(client, alice_key, url):
    response = create(client, alice_key, {"kind": "image2video", "image": url})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "url_not_allowed"
    assert not Generation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, code",
    [
        ({"kind": "image2video"}, "image_required"),
        ({"kind": "image2video", "image": "not base64!"}, "image_invalid_base64"),
        ({"kind": "text2video", "prompt": "x", "image": b64(image_bytes())}, "image_not_applicable"),
        ({"kind": "image2video", "image": b64(image_bytes()), "image_tail": b64(image_bytes()), "model": "kling-v1-6", "mode": "std"}, "image_tail_not_supported"),
        (
            {"kind": "image2video", "image": b64(image_bytes()), "image_tail": b64(image_bytes()), "model": "kling-v1-5", "mode": "pro",
             "camera_control": {"type": "simple", "config": {"zoom": 5}}},
            "options_conflict",
        ),
        ({"kind": "text2video", "prompt": "x", "model": "kling-v1-6", "camera_control": {"type": "simple", "config": {"pan": 3}}}, "camera_control_not_supported"),
        ({"kind": "text2video", "prompt": "x", "model": "kling-v1", "camera_control": {"type": "simple", "config": {"pan": 3, "zoom": 2}}}, "invalid_camera_control"),
        ({"kind": "text2video", "prompt": "x", "model": "kling-v1", "camera_control": {"type": "spin"}}, "invalid_camera_control"),
    ],
)
def test_invalid_combinations_are_refused_before_any_upstream_call(client, alice_key, body, code):
    response = create(client, alice_key, body)
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] == code
    assert not Generation.objects.exists()


@pytest.mark.django_db
def test_camera_control_is_accepted_where_the_contract_allows_it(client, alice_key, redis_conn):
    response = create(client, alice_key, {"prompt": "orbit", "model": "kling-v1", "mode": "std", "duration": "5",
                                          "camera_control": {"type": "simple", "config": {"zoom": -4}}})
    assert response.status_code == 202
    assert Generation.objects.get().camera_control == {
        "type": "simple", "config": {"horizontal": 0.0, "vertical": 0.0, "pan": 0.0, "tilt": 0.0, "roll": 0.0, "zoom": -4.0}
    }


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_portrait_image_becomes_a_portrait_clip(client, alice_key, use_simulator, redis_conn):
    response = create(client, alice_key, {"kind": "image2video", "image": b64(image_bytes(size=(480, 800), fmt="JPEG"))})
    generation = drive_to_terminal(response.json()["id"])
    assert generation.status == "succeeded", generation.error_message
    video = generation.assets.get(role=AssetRole.VIDEO)
    assert video.height > video.width


@pytest.mark.django_db
def test_the_portal_takes_an_upload_and_shows_it_only_to_the_team(client, alice, team, charlie, other_team, redis_conn):
    client.force_login(alice)
    upload = io.BytesIO(image_bytes(fmt="JPEG"))
    upload.name = "holiday.jpg"
    response = client.post(
        "/generations/new/image/", {"image": upload, "prompt": "waves roll in", "model": "kling-v1-6", "duration": "5", "mode": "std"}
    )
    generation = Generation.objects.get()
    assert response.status_code == 302 and generation.kind == "image2video"
    assert client.get(f"/generations/{generation.public_id}/input-start").status_code == 200
    assert b"The start image" in client.get(f"/generations/{generation.public_id}/").content
    client.force_login(charlie)
    assert client.get(f"/generations/{generation.public_id}/input-start").status_code == 404


@pytest.mark.django_db
def test_the_portal_explains_a_refused_upload(client, alice, team):
    client.force_login(alice)
    upload = io.BytesIO(b"GIF89a not really")
    upload.name = "cat.png"
    response = client.post("/generations/new/image/", {"image": upload, "model": "kling-v1-6", "duration": "5", "mode": "std"})
    assert response.status_code == 400
    assert b"image_unsupported_format" in response.content
    assert not Generation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("score, status", [(0.97, "blocked"), (0.6, "held")])
def test_an_input_image_is_scanned_before_anything_is_submitted(client, alice, alice_key, team, redis_conn, monkeypatch, score, status):
    import functools

    from generations.moderation.visual import scanning

    monkeypatch.setattr(scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(score)]))
    response = create(client, alice_key, {"kind": "image2video", "image": b64(image_bytes())})
    generation = Generation.objects.get()
    assert (generation.status, generation.stage) == (status, "input")
    assert generation.provider_task_id == ""
    if status == "blocked":
        assert response.status_code == 422 and response.json()["error"]["stage"] == "input"
        assert generation.error_code == "input_blocked"
        assert "sexual" in generation.error_message
        team.refresh_from_db()
        assert team.credits_reserved == 0
    else:
        assert generation.review_items.get().stage == "input"


@pytest.mark.django_db
def test_a_benign_input_image_passes_the_real_detectors(client, alice_key, redis_conn):
    response = create(client, alice_key, {"kind": "image2video", "image": b64(image_bytes())})
    assert response.status_code == 202
    assert Generation.objects.get().screening_result["input_scan"]["verdict"] == "allow"

"""Issue #17, findings 11, 14 (part) and 21 (part): the Kling door's JWTs and JSON, the prompt check's
body, Range downloads, /healthz, and what moderators' media URLs serve."""

import base64
import functools
import hashlib
import hmac
import io
import json
import os
import time

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageFilter

from accounts.models import AuditEvent, AuditEventType, User
from generations.models import Asset, Generation, ReviewItem
from tests.conftest import bearer
from tests.helpers import constant_score_detector
from tests.kinds.media import b64

pytestmark = pytest.mark.django_db


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def kling_jwt(key, payload_bytes):
    """A Kling-style HS256 JWT signed with the studio key, with any payload bytes (hostile ones included)."""
    head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64url(payload_bytes)
    signature = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64url(signature)}"


def kling_get(client, token):
    return client.get("/kling/v1/videos/text2video", HTTP_AUTHORIZATION=f"Bearer {token}")


# --- finding 14 (part): JWT payloads and deep JSON -----------------------------------------------------


@pytest.mark.parametrize("payload", [b"[]", b'"iss"', b"42", b"null", b"[" * 5000 + b"]" * 5000])
def test_a_jwt_whose_payload_is_not_a_claims_object_is_a_401(client, alice_key, payload):
    response = kling_get(client, kling_jwt(alice_key, payload))
    assert response.status_code == 401
    assert response.json()["code"] == 1002 and response.json()["message"] == "Authorization is invalid"


def test_deeply_nested_json_on_the_kling_door_is_a_400(client, alice_key):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/kling/v1/videos/text2video", body, content_type="application/json", **bearer(alice_key))
    assert response.status_code == 400
    assert response.json()["code"] == 1201 and "nested too deeply" in response.json()["message"]
    assert not Generation.objects.exists()


@pytest.mark.parametrize(
    "body, code",
    [("[" * 100_000 + "]" * 100_000, "json_too_deep"), ("prompt=kill", "invalid_json"), ('["a list"]', "invalid_json"), ("\xff", "invalid_json")],
)
def test_the_prompt_check_refuses_bodies_that_are_not_a_json_object(client, alice, team, body, code):
    client.force_login(alice)
    response = client.post("/generations/check/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code and response.json()["error"]["request_id"]


def test_the_prompt_check_still_answers_a_json_object(client, alice, team):
    client.force_login(alice)
    response = client.post("/generations/check/", {"prompt": "A red fox in the snow"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["decision"] == "allow"


# --- finding 21 (part): JWT lifetime -----------------------------------------------------------------


@pytest.mark.parametrize(
    "claims",
    [
        lambda now: {"exp": 9999999999},  # no iat: exp − now is centuries
        lambda now: {"exp": now + 25 * 3600, "iat": now},
        lambda now: {"exp": now + 3600, "iat": now - 30 * 24 * 3600},  # issued a month ago, lifetime 30 days
    ],
)
def test_a_jwt_living_longer_than_a_day_is_refused(client, alice_key, claims):
    now = int(time.time())
    token = kling_jwt(alice_key, json.dumps({"iss": alice_key, **claims(now)}).encode())
    response = kling_get(client, token)
    assert response.status_code == 401 and response.json()["code"] == 1004
    assert "too long" in response.json()["message"]


def test_a_jwt_living_an_hour_still_works(client, alice_key):
    now = int(time.time())
    token = kling_jwt(alice_key, json.dumps({"iss": alice_key, "iat": now, "nbf": now, "exp": now + 1800}).encode())
    assert kling_get(client, token).status_code == 200


# --- finding 21 (part): Range downloads are streamed ---------------------------------------------------


def test_a_range_download_is_streamed_not_read_whole(client, alice, team):
    generation = Generation.objects.create(team=team, created_by=alice, prompt="x", model_name="kling-v1-6", status="succeeded")
    data = os.urandom(1024 * 1024)
    asset = Asset(generation=generation, role="video", content_type="video/mp4", size_bytes=len(data), sha256="0" * 64)
    asset.file.save("clip.mp4", ContentFile(data), save=True)
    client.force_login(alice)
    response = client.get(f"/generations/{generation.public_id}/video.mp4", HTTP_RANGE="bytes=1000-900999")
    assert response.status_code == 206 and response.streaming
    chunks = list(response.streaming_content)
    assert b"".join(chunks) == data[1000:901000] and max(len(chunk) for chunk in chunks) <= 64 * 1024
    assert response["Content-Length"] == "900000" and response["Content-Range"] == f"bytes 1000-900999/{len(data)}"


# --- finding 21 (part): /healthz says what is down, not why -------------------------------------------


def test_healthz_gives_anonymous_callers_a_status_per_component_and_no_exception_text(client, settings, caplog):
    settings.RQ_QUEUES = {name: {"URL": "redis://127.0.0.1:1/0"} for name in settings.GENERATION_QUEUES}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == {"ok": False}
    assert "127.0.0.1" not in response.content.decode() and "Error" not in response.content.decode()
    assert any("health check redis failed" in record.getMessage() for record in caplog.records)  # the detail is logged


# --- finding 11: moderators see a blurred rendition until an audited unblur ---------------------------


def sharp_image():
    """A fine checkerboard: its sharpness (edge energy) collapses when blurred."""
    image = Image.new("RGB", (640, 480), "white")
    pixels = image.load()
    for x in range(640):
        for y in range(480):
            if (x // 8 + y // 8) % 2:
                pixels[x, y] = (0, 0, 0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def edge_energy(data):
    grey = Image.open(io.BytesIO(data)).convert("L").resize((320, 240))
    edges = grey.filter(ImageFilter.FIND_EDGES)
    return sum(edges.histogram()[level] * level for level in range(256)) / (320 * 240)


@pytest.fixture
def held_input_item(client, alice_key, team, monkeypatch, redis_conn):
    from generations.moderation.visual import scanning

    monkeypatch.setattr(scanning, "scan_image", functools.partial(scanning.scan_image, detectors=[constant_score_detector(0.6)]))
    client.post("/api/v1/generations", {"kind": "image2video", "prompt": "A red fox running through fresh snow", "image": b64(sharp_image())},
                content_type="application/json", **bearer(alice_key))
    return ReviewItem.objects.get(generation__status="held")


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)


def test_the_media_url_serves_a_blurred_rendition_until_an_unblur(client, held_input_item, moderator):
    client.force_login(moderator)
    media = f"/moderation/items/{held_input_item.public_id}/media/input"
    blurred = client.get(media)
    assert blurred.status_code == 200 and blurred["Content-Type"] == "image/jpeg"
    original = Asset.objects.get(generation=held_input_item.generation, role="input_image").file.read()
    assert blurred.content != original
    assert edge_energy(blurred.content) < edge_energy(original) / 5
    assert not AuditEvent.objects.filter(event_type=AuditEventType.MEDIA_UNBLURRED).exists()
    refused = client.get(media + "?grant=forged")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "unblur_required"


def test_unblurring_records_moderator_item_and_asset_then_the_page_loads_the_original(client, held_input_item, moderator):
    client.force_login(moderator)
    item_url = f"/moderation/items/{held_input_item.public_id}/"
    page = client.get(item_url).content.decode()
    assert "?grant=" not in page and f"/moderation/items/{held_input_item.public_id}/media/input" in page
    response = client.post(f"{item_url}unblur/", {"from_page": "1"})
    assert response.status_code == 302 and response["Location"] == item_url
    asset = Asset.objects.get(generation=held_input_item.generation, role="input_image")
    event = AuditEvent.objects.get(event_type=AuditEventType.MEDIA_UNBLURRED)
    assert event.actor_label == "mo@example.org" and event.target_id == str(held_input_item.public_id)
    assert event.extra["asset"] == str(asset.public_id) and event.extra["role"] == "input_image"
    page = client.get(item_url).content.decode()
    original_url = page.split('<img src="')[1].split('"')[0].replace("&amp;", "&")
    assert "?grant=" in original_url
    assert b"".join(client.get(original_url).streaming_content) == asset.file.read()
    # The grant is this moderator's: another one has to unblur (and be logged) for themselves.
    other = User.objects.create_user("mo2@example.org", "pw-mo-12345", is_moderator=True)
    client.force_login(other)
    assert client.get(original_url).status_code == 403


def test_the_team_cannot_use_the_moderation_media_url(client, held_input_item, alice):
    client.force_login(alice)
    assert client.get(f"/moderation/items/{held_input_item.public_id}/media/input").status_code == 404

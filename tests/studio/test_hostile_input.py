"""Hostile input: nothing here may produce a 5xx, store what it should not, or run what it should not."""

import json

import pytest
from django.db import connection
from django.test import Client

from accounts.models import AuditEvent, AuditEventType
from generations.models import Generation
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def create(client, key, body, **headers):
    return client.post("/api/v1/generations", body, content_type="application/json", **bearer(key), **headers)


@pytest.mark.parametrize(
    "prompt",
    [
        "\u202eevil\u202c reversed text with an RTL override",
        "zero\u200bwidth\u200djoiners\ufeff",
        "emoji 🎬🔥 and astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "combining " + "e\u0301" * 300,
        "'; DROP TABLE accounts_user; --",
        "<script>alert('x')</script><img src=x onerror=alert(1)>",
        "{{ settings.SECRET_KEY }} {% debug %}",
    ],
)
def test_odd_prompts_are_stored_verbatim_and_rendered_escaped(client, alice, alice_key, prompt, redis_conn):
    response = create(client, alice_key, {"prompt": prompt})
    assert response.status_code == 202
    generation = Generation.objects.get(public_id=response.json()["id"])
    assert generation.prompt == prompt.strip()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM accounts_user")
        assert cursor.fetchone()[0] >= 1
    client.force_login(alice)
    page = client.get(f"/generations/{generation.public_id}/").content.decode()
    assert "<script>alert" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "SECRET_KEY" not in page or "{{ settings.SECRET_KEY }}" in page


def test_a_nul_character_is_refused_not_a_crash(client, alice_key):
    response = create(client, alice_key, {"prompt": "before\x00after"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_characters"
    assert not Generation.objects.exists()


def test_an_oversized_body_is_refused_before_parsing(client, alice_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = create(client, alice_key, {"prompt": "x" * 5000})
    assert 400 <= response.status_code < 500
    assert not Generation.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_AUTHORIZATION": "Bearer " + "A" * 10_000},
        {"HTTP_AUTHORIZATION": "Bearer \x00\x01"},
        {"HTTP_AUTHORIZATION": "Bearer sk-" + "é" * 48},
        {"HTTP_AUTHORIZATION": "Bearer a.b.c"},
    ],
)
def test_abusive_authorization_headers_are_401s(client, team, headers):
    assert client.get("/api/v1/generations", **headers).status_code == 401
    assert client.get("/kling/v1/videos/text2video", **headers).status_code == 401


def test_an_over_long_idempotency_key_is_refused(client, alice_key):
    response = create(client, alice_key, {"prompt": "x"}, HTTP_IDEMPOTENCY_KEY="k" * 300)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_idempotency_key"


@pytest.mark.parametrize(
    "path",
    [
        "/generations/..%2F..%2F..%2Fetc%2Fpasswd/video.mp4",
        "/generations/../../etc/passwd/video.mp4",
        "/kling/v1/files/..%2F..%2Fstudio%2Fsettings.py?expires=9999999999&signature=x",
        "/static/../studio/settings.py",
        "/static/studio/..%2F..%2Fsettings.py",
        "/moderation/items/..%2F..%2F/media/video",
    ],
)
def test_path_traversal_finds_nothing(client, alice, team, path):
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert b"SECRET_KEY" not in response.content


def test_repeated_failed_sign_ins_lock_the_account_for_a_while(client, alice, team, redis_conn, settings):
    settings.SIGN_IN_MAX_FAILURES = 3
    for _ in range(3):
        client.post("/accounts/sign-in/", {"username": "alice@example.org", "password": "guess"})
    response = client.post("/accounts/sign-in/", {"username": "alice@example.org", "password": "alice-password-1"})
    assert response.status_code == 200 and b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event_type=AuditEventType.SIGN_IN_LOCKED_OUT).exists()
    redis_conn.flushdb()  # the window passes
    response = client.post("/accounts/sign-in/", {"username": "alice@example.org", "password": "alice-password-1"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "path, data",
    [
        ("/generations/new/", {"prompt": "x", "model": "kling-v1-6", "duration": "5", "aspect_ratio": "16:9", "mode": "std"}),
        ("/generations/new/image/", {}),
        ("/accounts/team/invite/", {"email": "eve@example.org", "role": "admin"}),
        ("/accounts/keys/new/", {"name": "k"}),
        ("/accounts/team/limits/", {"max_concurrent_generations": 99}),
        ("/webhooks/new/", {"url": "https://hooks.example.com/x"}),
        ("/accounts/sign-out/", {}),
    ],
)
def test_every_portal_form_needs_its_csrf_token(alice, team, path, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(path, data).status_code == 403


def test_generation_actions_need_a_csrf_token(alice, alice_key, redis_conn):
    generation_id = create(Client(), alice_key, {"prompt": "x"}).json()["id"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(f"/generations/{generation_id}/cancel/").status_code == 403
    assert client.post(f"/generations/{generation_id}/appeal/", {"message": "m"}).status_code == 403
    assert Generation.objects.get(public_id=generation_id).status == "queued"


def test_the_json_api_refuses_a_body_that_is_not_an_object(client, alice_key):
    for body in ("[]", "42", '"text"', "null", json.dumps({"prompt": {"nested": True}})):
        response = client.post("/api/v1/generations", body, content_type="application/json", **bearer(alice_key))
        assert 400 <= response.status_code < 500, body

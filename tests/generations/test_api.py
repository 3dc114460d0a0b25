import pytest

from accounts.actions import do_create_api_key, do_revoke_api_key
from accounts.audit import SYSTEM
from generations.models import Generation
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def post(client, key, body, **extra):
    return client.post("/api/v1/generations", body, content_type="application/json", **bearer(key), **extra)


@pytest.mark.parametrize(
    "body, code",
    [
        ({"prompt": ""}, "prompt_required"),
        ({}, "prompt_required"),
        ({"prompt": "x" * 2501}, "prompt_too_long"),
        ({"prompt": "ok", "duration": "7"}, "invalid_duration"),
        ({"prompt": "ok", "aspect_ratio": "21:9"}, "invalid_aspect_ratio"),
        ({"prompt": "ok", "model": "sora"}, "invalid_model"),
        ({"prompt": "ok", "mode": "turbo"}, "invalid_mode"),
        ({"prompt": ["not", "text"]}, "invalid_request"),
    ],
)
def test_it_refuses_bad_input_with_a_stable_code_and_leaves_no_row(client, alice_key, body, code, redis_conn):
    response = post(client, alice_key, body)
    assert 400 <= response.status_code < 500
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == response["X-Request-Id"]
    assert Generation.objects.count() == 0
    assert redis_conn.llen("rq:queue:generations") == 0


def test_it_refuses_a_body_that_is_not_json(client, alice_key):
    response = client.post("/api/v1/generations", "{not json", content_type="application/json", **bearer(alice_key))
    assert response.status_code in (400, 422)
    assert response.json()["error"]["code"] in ("invalid_request", "http_error")
    assert Generation.objects.count() == 0


def test_it_accepts_a_valid_request_and_queues_one_job(client, alice_key, redis_conn):
    response = post(client, alice_key, {"prompt": "Cherry blossoms falling in slow motion", "duration": "10"})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["duration"] == "10"
    assert Generation.objects.get(public_id=body["id"]).created_by.email == "alice@example.org"


@pytest.mark.parametrize(
    "headers, code",
    [
        ({}, "missing_api_key"),
        ({"HTTP_AUTHORIZATION": "Bearer sk-nope"}, "invalid_api_key"),
        ({"HTTP_AUTHORIZATION": "Bearer sk-" + "A" * 48}, "invalid_api_key"),
    ],
)
def test_it_requires_a_valid_key(client, team, headers, code):
    response = client.get("/api/v1/generations", **headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code


def test_a_revoked_key_gets_its_own_code(client, team, alice):
    key, raw = do_create_api_key(team=team, user=alice, name="soon revoked")
    do_revoke_api_key(key=key, actor=SYSTEM)
    response = client.get("/api/v1/generations", **bearer(raw))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "api_key_revoked"


def test_a_read_only_key_cannot_create(client, team, alice):
    _key, raw = do_create_api_key(team=team, user=alice, name="reader", scopes=["read"])
    response = post(client, raw, {"prompt": "A fox in the snow"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert Generation.objects.count() == 0


@pytest.mark.parametrize("suffix", ["", "/video", "/poster"])
def test_an_outsider_gets_404_for_another_teams_generation(client, alice_key, charlie_key, suffix, redis_conn):
    generation_id = post(client, alice_key, {"prompt": "A quiet harbour at dawn"}).json()["id"]
    response = client.get(f"/api/v1/generations/{generation_id}{suffix}", **bearer(charlie_key))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_outsider_cannot_cancel_another_teams_generation(client, alice_key, charlie_key, redis_conn):
    generation_id = post(client, alice_key, {"prompt": "A quiet harbour at dawn"}).json()["id"]
    response = client.post(f"/api/v1/generations/{generation_id}/cancel", **bearer(charlie_key))
    assert response.status_code == 404
    assert Generation.objects.get(public_id=generation_id).status == "queued"


def test_the_list_shows_only_the_teams_generations(client, alice_key, charlie_key, redis_conn):
    mine = post(client, alice_key, {"prompt": "Team alpha clip"}).json()["id"]
    theirs = post(client, charlie_key, {"prompt": "Team charlie clip"}).json()["id"]
    listed = [g["id"] for g in client.get("/api/v1/generations", **bearer(alice_key)).json()["data"]]
    assert mine in listed and theirs not in listed


def test_the_list_paginates_with_a_cursor(client, alice_key, redis_conn):
    ids = [post(client, alice_key, {"prompt": f"clip number {n}"}).json()["id"] for n in range(5)]
    first = client.get("/api/v1/generations?limit=2", **bearer(alice_key)).json()
    second = client.get(f"/api/v1/generations?limit=2&cursor={first['next_cursor']}", **bearer(alice_key)).json()
    third = client.get(f"/api/v1/generations?limit=2&cursor={second['next_cursor']}", **bearer(alice_key)).json()
    seen = [g["id"] for page in (first, second, third) for g in page["data"]]
    assert seen == list(reversed(ids))
    assert third["next_cursor"] is None


def test_a_malformed_id_is_a_404_not_a_crash(client, alice_key):
    response = client.get("/api/v1/generations/not-a-uuid", **bearer(alice_key))
    assert response.status_code == 404


def test_the_openapi_document_lists_the_operations(client):
    document = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/generations" in document["paths"]
    assert "202" in document["paths"]["/api/v1/generations"]["post"]["responses"]

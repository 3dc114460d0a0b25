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


def test_an_idempotency_key_replays_the_first_response(client, alice_key, redis_conn):
    first = post(client, alice_key, {"prompt": "A glass of water in sunlight"}, HTTP_IDEMPOTENCY_KEY="order-1")
    again = post(client, alice_key, {"prompt": "A glass of water in sunlight"}, HTTP_IDEMPOTENCY_KEY="order-1")
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert Generation.objects.count() == 1


def test_an_idempotency_key_with_another_body_is_a_409(client, alice_key, redis_conn):
    post(client, alice_key, {"prompt": "one"}, HTTP_IDEMPOTENCY_KEY="order-2")
    response = post(client, alice_key, {"prompt": "two"}, HTTP_IDEMPOTENCY_KEY="order-2")
    assert response.status_code == 409 and response.json()["error"]["code"] == "idempotency_key_reused"
    assert Generation.objects.count() == 1


def test_a_refused_request_does_not_burn_its_idempotency_key(client, alice_key, redis_conn):
    assert post(client, alice_key, {"prompt": ""}, HTTP_IDEMPOTENCY_KEY="order-3").status_code == 400
    assert post(client, alice_key, {"prompt": "fixed"}, HTTP_IDEMPOTENCY_KEY="order-3").status_code == 202


def test_idempotency_keys_are_per_team(client, alice_key, charlie_key, redis_conn):
    mine = post(client, alice_key, {"prompt": "same"}, HTTP_IDEMPOTENCY_KEY="shared-key").json()["id"]
    theirs = post(client, charlie_key, {"prompt": "same"}, HTTP_IDEMPOTENCY_KEY="shared-key").json()["id"]
    assert mine != theirs


def test_the_list_filters_by_status_kind_member_and_time(client, alice_key, team, bob, redis_conn):
    from accounts.actions import do_create_api_key

    _key, bob_key = do_create_api_key(team=team, user=bob, name="bob")
    alices = post(client, alice_key, {"prompt": "alice's"}).json()["id"]
    bobs = post(client, bob_key, {"prompt": "bob's"}).json()["id"]
    client.post(f"/api/v1/generations/{bobs}/cancel", **bearer(bob_key))

    def ids(query):
        response = client.get(f"/api/v1/generations?{query}", **bearer(alice_key))
        assert response.status_code == 200, response.content
        return [g["id"] for g in response.json()["data"]]

    assert ids("status=canceled") == [bobs]
    assert ids("member=alice@example.org") == [alices]
    assert ids("kind=image2video") == []
    assert set(ids("created_after=2000-01-01T00:00:00Z")) == {alices, bobs}
    assert ids("created_before=2000-01-01T00:00:00Z") == []
    assert client.get("/api/v1/generations?status=bogus", **bearer(alice_key)).json()["error"]["code"] == "invalid_status"


def test_the_account_shows_credits_limits_and_the_key(client, alice_key, team, redis_conn):
    post(client, alice_key, {"prompt": "x"})
    body = client.get("/api/v1/account", **bearer(alice_key)).json()
    assert body["team"]["slug"] == "alpha"
    assert body["credits"]["available"] == 10_000 - 10 and body["credits"]["reserved"] == 10
    assert body["limits"]["generations_in_flight"] == 1
    assert body["key"]["prefix"].startswith("sk-") and body["standing"]["level"] == "good"


def test_a_multipart_upload_creates_an_image_to_video_generation(client, alice_key, redis_conn):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), (10, 120, 200)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "frame.png"
    response = client.post("/api/v1/generations/upload", {"image": buffer, "prompt": "pan right"}, **bearer(alice_key))
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "image2video"


def test_a_multipart_upload_keeps_its_end_frame(client, alice_key, redis_conn):
    import io

    from PIL import Image

    files = {}
    for name, colour in (("image", (10, 120, 200)), ("image_tail", (200, 80, 10))):
        files[name] = io.BytesIO()
        Image.new("RGB", (600, 400), colour).save(files[name], format="PNG")
        files[name].seek(0)
        files[name].name = f"{name}.png"
    response = client.post("/api/v1/generations/upload", {**files, "prompt": "dissolve", "mode": "pro"}, **bearer(alice_key))
    assert response.status_code == 202, response.content
    generation = Generation.objects.get(public_id=response.json()["id"])
    assert sorted(asset.role for asset in generation.assets.all()) == ["input_image", "input_image_tail"]


@pytest.mark.parametrize(
    ("value", "listed"),
    [("0325-06-19T19:44:58-22:33", True), ("0001-01-01T00:00:00-23:59", True), ("9999-12-31T23:59:59+14:00", False)],
)
def test_odd_but_valid_filter_times_filter_like_any_other(client, alice_key, value, listed, redis_conn):
    # Year 1 or 9999 and offsets near a day are valid RFC 3339; once in UTC they are ordinary instants.
    created = post(client, alice_key, {"prompt": "x"}).json()["id"]
    response = client.get("/api/v1/generations", {"created_after": value}, **bearer(alice_key))
    assert response.status_code == 200, response.content
    assert [g["id"] for g in response.json()["data"]] == ([created] if listed else [])


@pytest.mark.parametrize("field", ["created_after", "created_before"])
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_filter_time_outside_the_calendar_in_utc_is_a_400_invalid_datetime(client, alice_key, field, value):
    response = client.get("/api/v1/generations", {field: value}, **bearer(alice_key))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_datetime", field)


def test_get_on_the_upload_path_reads_as_an_unknown_generation(client, alice_key):
    # The fuzzer's case: GET /generations/upload is "the generation with id upload", not a 405.
    response = client.get("/api/v1/generations/upload", **bearer(alice_key))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", response.content

"""POST /api/v1/provenance/verify: the same real files and loopback server as the page's tests, through the
native API (Bearer key, the standard error shape, stable codes, the report schema in OpenAPI)."""

import json

import pytest

from tests.conftest import bearer
from tests.provenance import test_check_page as page_tests
from tests.provenance.test_check_page import upload

# The page's fixtures: the same install, files and loopback server.
provenance_files, provenance_install, file_server = (
    page_tests.provenance_files, page_tests.provenance_install, page_tests.file_server
)

VERIFY = "/api/v1/provenance/verify"

pytestmark = pytest.mark.usefixtures("provenance_install")


def post_file(client, key, path, **kwargs):
    return client.post(VERIFY, {"file": upload(path, **kwargs)}, **bearer(key))


def post_url(client, key, url):
    return client.post(VERIFY, json.dumps({"url": url}), content_type="application/json", **bearer(key))


def error_code(response):
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "request_id"} <= set(body["error"]), body
    return body["error"]["code"]


def test_without_a_key_it_is_401(client, db, provenance_files):
    response = client.post(VERIFY, {"file": upload(provenance_files.signed)})
    assert response.status_code == 401
    assert error_code(response) == "missing_api_key"


def test_a_signed_clip_is_ours(client, alice_key, provenance_files):
    response = post_file(client, alice_key, provenance_files.signed)
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["verdict"] == "ours"
    assert report["media"] == "video" and report["mime_type"] == "video/mp4"
    assert report["credentials"]["state"] == "trusted"
    assert report["credentials"]["signer"] == "Studio content credentials"
    assert report["credentials"]["claim_generator"] == "Studio"
    assert report["credentials"]["actions"] == ["c2pa.created"] and report["credentials"]["ai_generated"] is True
    assert report["watermark"]["checked"] is True and report["watermark"]["found"] is False
    assert report["generation"] is None  # signed for a generation id this install does not have
    assert report["summary"] and report["summary"][0].startswith("Made by this studio")


def test_a_foreign_clip_has_nothing_found(client, alice_key, provenance_files):
    response = post_file(client, alice_key, provenance_files.foreign)
    assert response.status_code == 200
    assert response.json()["verdict"] == "nothing_found"
    assert response.json()["credentials"]["state"] == "missing"


def test_one_flipped_byte_is_credentials_invalid(client, alice_key, provenance_files):
    report = post_file(client, alice_key, provenance_files.tampered).json()
    assert report["credentials"]["state"] == "invalid" and "mismatch" in report["credentials"]["reason"]
    assert report["verdict"] == "credentials_invalid"


def test_a_text_file_is_unsupported_media(client, alice_key, provenance_files):
    response = post_file(client, alice_key, provenance_files.text, content_type="text/plain")
    assert response.status_code == 422
    assert error_code(response) == "unsupported_media"


def test_a_truncated_video_is_unreadable(client, alice_key, provenance_files, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(provenance_files.foreign.read_bytes()[:200])
    response = post_file(client, alice_key, broken)
    assert response.status_code == 422
    assert error_code(response) == "media_unreadable"


def test_an_upload_over_the_limit_is_file_too_large(client, alice_key, provenance_files, settings):
    settings.VERIFY_MAX_BYTES = 1000
    response = post_file(client, alice_key, provenance_files.signed)
    assert response.status_code == 413
    assert error_code(response) == "file_too_large"


@pytest.mark.parametrize(
    "send",
    [
        lambda client, key: client.post(VERIFY, {}, **bearer(key)),
        lambda client, key: client.post(VERIFY, "{}", content_type="application/json", **bearer(key)),
        lambda client, key: client.post(VERIFY, json.dumps({"url": "  "}), content_type="application/json", **bearer(key)),
    ],
    ids=["empty-multipart", "empty-json", "blank-url"],
)
def test_neither_file_nor_url_is_missing_file(client, alice_key, send):
    response = send(client, alice_key)
    assert response.status_code == 400
    assert error_code(response) == "missing_file"


def test_a_body_that_is_not_json_is_invalid_json(client, alice_key):
    response = client.post(VERIFY, "{nope", content_type="application/json", **bearer(alice_key))
    assert response.status_code == 400
    assert error_code(response) == "invalid_json"


def test_a_loopback_url_is_url_not_allowed(client, alice_key, file_server):
    response = post_url(client, alice_key, file_server.url("/signed.mp4"))
    assert response.status_code == 400
    assert error_code(response) == "url_not_allowed"
    for url in ("http://127.0.0.1/clip.mp4", "http://169.254.169.254/latest", "ftp://example.com/clip.mp4"):
        response = post_url(client, alice_key, url)
        assert (response.status_code, error_code(response)) == (400, "url_not_allowed"), url


def test_an_allow_listed_loopback_url_is_fetched_and_checked(client, alice_key, file_server, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the operator allow-lists the loopback test server
    response = post_url(client, alice_key, file_server.url("/signed.mp4"))
    assert response.status_code == 200, response.content
    assert response.json()["verdict"] == "ours"
    assert post_url(client, alice_key, file_server.url("/foreign.mp4")).json()["verdict"] == "nothing_found"


def test_a_url_that_fails_or_is_too_large(client, alice_key, file_server, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    response = post_url(client, alice_key, file_server.url("/missing.mp4"))
    assert (response.status_code, error_code(response)) == (422, "url_fetch_failed")
    settings.VERIFY_MAX_BYTES = 1000
    response = post_url(client, alice_key, file_server.url("/signed.mp4"))
    assert (response.status_code, error_code(response)) == (413, "file_too_large")


def test_checks_are_rate_limited(client, alice_key, provenance_files, settings):
    settings.VERIFY_RATE_PER_MINUTE, settings.VERIFY_RATE_BURST = 1, 2
    for _ in range(2):
        assert post_file(client, alice_key, provenance_files.jpeg, content_type="image/jpeg").status_code == 200
    refused = post_file(client, alice_key, provenance_files.jpeg, content_type="image/jpeg")
    assert refused.status_code == 429
    assert error_code(refused) == "rate_limited" and int(refused["Retry-After"]) >= 1


def test_the_report_is_documented_in_openapi(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/provenance/verify"]["post"]
    assert set(operation["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"][ok]["properties"]
    assert {"media", "mime_type", "credentials", "watermark", "generation", "verdict", "summary"} <= set(properties)
    assert {"400", "401", "413", "422", "429"} <= set(operation["responses"])

"""The Kling client against the documented payloads (httpx.MockTransport) and the error table, row by row."""

import io
import json

import httpx
import jwt
import pytest

from generations.providers.base import ProviderError
from generations.providers.errors import classify_error, is_risk_control_failure
from generations.providers.kling import BearerAuth, JwtAuth, KlingClient, parse_task

CREATE_REPLY = {
    "code": 0,
    "message": "string",
    "request_id": "string",
    "data": {
        "task_id": "827996385395363846",
        "task_info": {"external_task_id": "ext-1"},
        "task_status": "submitted",
        "created_at": 1722769557708,
        "updated_at": 1722769557708,
    },
}
QUERY_REPLY = {
    "code": 0,
    "message": "string",
    "request_id": "string",
    "data": {
        "task_id": "827996385395363846",
        "task_status": "succeed",
        "task_status_msg": "string",
        "task_info": {"external_task_id": "ext-1"},
        "task_result": {"videos": [{"id": "v1", "url": "https://cdn.example/v1.mp4", "watermark_url": "", "duration": "5.1"}]},
        "watermark_info": {"enabled": False},
        "final_unit_deduction": "string",
        "created_at": 1722769557708,
        "updated_at": 1722769557708,
    },
}


def client_with(handler, *, auth=None, prefix=""):
    return KlingClient(
        name="test", base_url="https://upstream.test", auth=auth or BearerAuth("sk-test"), path_prefix=prefix,
        transport=httpx.MockTransport(handler),
    )


def test_the_jwt_carries_the_documented_header_and_claims():
    seen = {}

    def handler(request):
        seen["auth"] = request.headers["Authorization"]
        return httpx.Response(200, json=CREATE_REPLY)

    auth = JwtAuth("access-key-1", "secret-key-1-long-enough-for-hs256-rules", clock=lambda: 1_700_000_000)
    client_with(handler, auth=auth).create_task("text2video", {"prompt": "x"})
    scheme, token = seen["auth"].split(" ")
    assert scheme == "Bearer"
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, "secret-key-1-long-enough-for-hs256-rules", algorithms=["HS256"], options={"verify_exp": False, "verify_nbf": False})
    assert claims == {"iss": "access-key-1", "exp": 1_700_001_800, "nbf": 1_699_999_995}


def test_the_jwt_is_re_signed_before_it_expires():
    now = [1_700_000_000]
    auth = JwtAuth("ak", "sk", ttl_s=1800, clock=lambda: now[0])
    first = auth.authorization()
    now[0] += 1000
    assert auth.authorization() == first  # still 800 s left
    now[0] += 760
    assert auth.authorization() != first  # under a minute left: a fresh token


def test_cometapi_sends_the_key_as_is_under_the_kling_prefix():
    seen = {}

    def handler(request):
        seen["path"], seen["auth"] = request.url.path, request.headers["Authorization"]
        return httpx.Response(200, json=CREATE_REPLY)

    client_with(handler, auth=BearerAuth("sk-comet"), prefix="/kling").create_task("image2video", {})
    assert seen == {"path": "/kling/v1/videos/image2video", "auth": "Bearer sk-comet"}


def test_it_reads_the_documented_query_reply():
    task = client_with(lambda request: httpx.Response(200, json=QUERY_REPLY)).get_task("text2video", "ext-1")
    assert (task.task_id, task.status, task.external_task_id) == ("827996385395363846", "succeed", "ext-1")
    assert task.video_url == "https://cdn.example/v1.mp4"
    assert task.video_duration_s == pytest.approx(5.1)  # a string in the contract


def test_it_reads_a_list_reply():
    reply = {**QUERY_REPLY, "data": [QUERY_REPLY["data"], {**QUERY_REPLY["data"], "task_id": "2", "task_status": "processing"}]}
    tasks = client_with(lambda request: httpx.Response(200, json=reply)).list_tasks("text2video", page=1, page_size=2)
    assert [t.status for t in tasks] == ["succeed", "processing"]


def test_an_unknown_status_spelling_is_not_mistaken_for_success():
    with pytest.raises(ProviderError) as caught:
        parse_task({**QUERY_REPLY["data"], "task_status": "succeeded"})
    assert caught.value.code == "upstream_bad_response" and not caught.value.permanent


def test_it_reads_the_older_nested_cometapi_shape():
    assert parse_task({"data": QUERY_REPLY["data"]}).status == "succeed"


@pytest.mark.parametrize(
    "http_status, code, studio_code, permanent, content_policy, alert",
    [
        (401, 1000, "upstream_auth_failed", True, False, True),
        (401, 1001, "upstream_auth_failed", True, False, True),
        (401, 1002, "upstream_auth_failed", True, False, True),
        (401, 1003, "upstream_auth_failed", True, False, True),
        (401, 1004, "upstream_auth_failed", True, False, True),
        (429, 1100, "upstream_account_problem", True, False, True),
        (429, 1101, "upstream_insufficient_balance", True, False, True),
        (429, 1102, "upstream_insufficient_balance", True, False, True),
        (403, 1103, "upstream_model_not_allowed", True, False, True),
        (400, 1200, "upstream_invalid_request", True, False, False),
        (400, 1201, "upstream_invalid_request", True, False, False),
        (404, 1202, "upstream_invalid_request", True, False, False),
        (404, 1203, "upstream_model_not_allowed", True, False, False),
        (400, 1300, "upstream_content_policy", True, True, False),
        (400, 1301, "upstream_content_policy", True, True, False),
        (429, 1302, "upstream_rate_limited", False, False, False),
        (429, 1303, "upstream_concurrency_limit", False, False, False),
        (429, 1304, "upstream_ip_not_allowed", True, False, True),
        (500, 5000, "upstream_server_error", False, False, False),
        (503, 5001, "upstream_unavailable", False, False, False),
        (504, 5002, "upstream_timeout", False, False, False),
    ],
)
def test_every_row_of_the_error_table(http_status, code, studio_code, permanent, content_policy, alert):
    def handler(request):
        return httpx.Response(http_status, json={"code": code, "message": "upstream says no", "request_id": "r"})

    with pytest.raises(ProviderError) as caught:
        client_with(handler).create_task("text2video", {"prompt": "x"})
    error = caught.value
    assert (error.code, error.permanent, error.content_policy, error.operator_alert) == (studio_code, permanent, content_policy, alert)
    assert error.upstream_code == code and error.http_status == http_status


def test_the_parameter_error_keeps_the_upstreams_explanation():
    error = classify_error(400, 1201, "camera_control is only supported in std mode with 5s duration and kling-v1")
    assert "camera_control is only supported" in error.message


@pytest.mark.parametrize(
    "reply, code",
    [
        (httpx.Response(200, content=b'{"code":0,"data":{"task_'), "upstream_bad_response"),
        (httpx.Response(200, json={"code": 0, "message": "ok"}), "upstream_bad_response"),
        (httpx.Response(502, content=b"<html>Bad gateway</html>"), "upstream_server_error"),
        (httpx.Response(429, content=b"slow down"), "upstream_rate_limited"),
    ],
)
def test_malformed_replies_are_transient_errors(reply, code):
    with pytest.raises(ProviderError) as caught:
        client_with(lambda request: reply).create_task("text2video", {})
    assert caught.value.code == code and not caught.value.permanent


def test_a_connection_failure_is_transient():
    def handler(request):
        raise httpx.ConnectError("refused")

    with pytest.raises(ProviderError) as caught:
        client_with(handler).get_task("text2video", "1")
    assert caught.value.code == "upstream_unreachable" and not caught.value.permanent


def test_a_download_larger_than_allowed_is_refused():
    client = client_with(lambda request: httpx.Response(200, content=b"x" * 5000))
    with pytest.raises(ProviderError) as caught:
        client.download("https://cdn.example/v.mp4", io.BytesIO(), max_bytes=1000)
    assert caught.value.code == "output_too_large" and caught.value.permanent


def test_a_download_sends_no_credentials():
    seen = {}

    def handler(request):
        seen["auth"] = request.headers.get("Authorization")
        return httpx.Response(200, content=b"data")

    buffer = io.BytesIO()
    assert client_with(handler).download("https://cdn.example/v.mp4", buffer, max_bytes=100) == 4
    assert seen["auth"] is None and buffer.getvalue() == b"data"


@pytest.mark.parametrize(
    "message, refused",
    [("Failure to pass the risk control system", True), ("Trigger the content security policy", True), ("GPU out of memory", False), ("", False)],
)
def test_it_recognises_a_risk_control_failure(message, refused):
    assert is_risk_control_failure(message) is refused


def test_the_request_body_is_json_with_the_documented_headers():
    seen = {}

    def handler(request):
        seen["content_type"] = request.headers["Content-Type"]
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, json=CREATE_REPLY)

    client_with(handler).create_task("text2video", {"prompt": "x", "duration": "5"})
    assert seen == {"content_type": "application/json", "body": {"prompt": "x", "duration": "5"}}

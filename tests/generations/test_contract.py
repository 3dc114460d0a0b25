"""One contract, two upstreams: the same cases run against the simulator over loopback HTTP and against
an httpx.MockTransport built only from the documented example payloads of shared/KLING_API.md."""

import json
import time

import httpx
import jwt
import pytest

from generations.api.callbacks import task_from_payload
from generations.providers.base import ProviderError
from generations.providers.kling import JwtAuth, KlingClient, parse_task
from generations.simulator import SimulatorConfig, start_in_thread

ACCESS_KEY = "ak-contract-tests"
SECRET_KEY = "sk-contract-tests-secret-0123456789abcdef"
DOCUMENTED_TASK = {
    "task_id": "827996385395363846",
    "task_status": "succeed",
    "task_status_msg": "",
    "task_info": {"external_task_id": "ext-contract-1"},
    "task_result": {"videos": [{"id": "v1", "url": "https://cdn.example/v1.mp4", "duration": "5.1"}]},
    "watermark_info": {"enabled": False},
    "final_unit_deduction": "1",
    "created_at": 1722769557708,
    "updated_at": 1722769557708,
}


def envelope(data, code=0, message="SUCCEED"):
    return {"code": code, "message": message, "request_id": "req-1", "data": data}


def documented_upstream(request):
    """A fake built from the documented examples: the JWT is checked, then the documented replies."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        jwt.decode(token, SECRET_KEY, algorithms=["HS256"], issuer=ACCESS_KEY)
    except jwt.PyJWTError:
        return httpx.Response(401, json={"code": 1002, "message": "Authorization is invalid", "request_id": "r"})
    if request.method == "POST":
        body = json.loads(request.content)
        if body.get("duration") not in ("5", "10"):
            return httpx.Response(400, json={"code": 1201, "message": "duration value is invalid", "request_id": "r"})
        if "porn" in body.get("prompt", ""):
            return httpx.Response(400, json={"code": 1301, "message": "Trigger the content security policy of the platform", "request_id": "r"})
        created = {k: DOCUMENTED_TASK[k] for k in ("task_id", "created_at", "updated_at")}
        return httpx.Response(200, json=envelope({**created, "task_status": "submitted", "task_info": {"external_task_id": body.get("external_task_id", "")}}))
    ident = request.url.path.rsplit("/", 1)[-1]
    if ident in ("text2video", "image2video"):
        return httpx.Response(200, json=envelope([DOCUMENTED_TASK]))
    if ident not in (DOCUMENTED_TASK["task_id"], DOCUMENTED_TASK["task_info"]["external_task_id"]):
        return httpx.Response(404, json={"code": 1203, "message": "task not found", "request_id": "r"})
    return httpx.Response(200, json=envelope(DOCUMENTED_TASK))


@pytest.fixture(params=["simulator", "documented"])
def upstream(request, tmp_path):
    """(client factory, external id to create with) for each upstream."""
    if request.param == "simulator":
        handle = start_in_thread(
            SimulatorConfig(render_delay_s=0.1, access_key=ACCESS_KEY, secret_key=SECRET_KEY, data_dir=str(tmp_path))
        )

        def make(secret=SECRET_KEY):
            return KlingClient(name="simulator", base_url=handle.url, auth=JwtAuth(ACCESS_KEY, secret))

        yield make
        handle.stop()
    else:

        def make(secret=SECRET_KEY):
            return KlingClient(
                name="documented", base_url="https://api.example", auth=JwtAuth(ACCESS_KEY, secret),
                transport=httpx.MockTransport(documented_upstream),
            )

        yield make


def wait_until_finished(client, task_id, timeout_s=15):
    deadline = time.monotonic() + timeout_s
    while True:
        task = client.get_task("text2video", task_id)
        if task.finished or time.monotonic() > deadline:
            return task
        time.sleep(0.05)


def test_create_then_query_by_either_id_until_succeed(upstream):
    client = upstream()
    created = client.create_task("text2video", {"model_name": "kling-v1-6", "prompt": "a kite", "duration": "5", "external_task_id": "ext-contract-1"})
    assert created.status == "submitted" and created.task_id.isdigit()
    done = wait_until_finished(client, created.task_id)
    assert done.status == "succeed"  # the contract's spelling
    assert done.video_url and done.video_duration_s and done.video_duration_s > 4
    assert client.get_task("text2video", "ext-contract-1").task_id == created.task_id


def test_the_list_is_an_array_of_tasks(upstream):
    client = upstream()
    client.create_task("text2video", {"prompt": "a kite", "duration": "5", "external_task_id": "ext-contract-1"})
    tasks = client.list_tasks("text2video", page=1, page_size=10)
    assert tasks and all(task.task_id for task in tasks)


def test_a_bad_duration_is_1201_and_permanent(upstream):
    with pytest.raises(ProviderError) as caught:
        upstream().create_task("text2video", {"prompt": "a kite", "duration": "7"})
    assert (caught.value.upstream_code, caught.value.code, caught.value.permanent) == (1201, "upstream_invalid_request", True)


def test_an_explicit_prompt_is_a_content_policy_refusal(upstream):
    with pytest.raises(ProviderError) as caught:
        upstream().create_task("text2video", {"prompt": "porn", "duration": "5"})
    assert caught.value.upstream_code == 1301 and caught.value.content_policy


def test_an_unknown_task_is_1203(upstream):
    with pytest.raises(ProviderError) as caught:
        upstream().get_task("text2video", "999999999999999999")
    assert caught.value.upstream_code == 1203 and caught.value.http_status == 404


def test_a_jwt_signed_with_the_wrong_secret_is_refused(upstream):
    with pytest.raises(ProviderError) as caught:
        upstream(secret="the-wrong-secret-the-wrong-secret-000").create_task("text2video", {"prompt": "a kite", "duration": "5"})
    assert caught.value.code == "upstream_auth_failed" and caught.value.upstream_code in (1000, 1002)


@pytest.mark.parametrize("payload", [DOCUMENTED_TASK, envelope(DOCUMENTED_TASK)])
def test_both_callback_shapes_read_the_same(payload):
    task = parse_task(task_from_payload(payload))
    assert (task.task_id, task.status, task.video_duration_s) == ("827996385395363846", "succeed", 5.1)

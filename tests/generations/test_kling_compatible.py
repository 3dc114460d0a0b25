"""A client written only from shared/KLING_API.md, run unchanged against the studio's /kling door."""

import time

import httpx
import jwt
import pytest

from accounts.actions import do_set_team_limits
from accounts.credits import do_set_credits
from tests.helpers import run_workers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class KlingClient:
    """What existing Kling/CometAPI code does: Bearer auth, JSON bodies, the {code,message,data} envelope."""

    def __init__(self, base_url, *, api_key=None, access_key=None, secret_key=None):
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self.api_key, self.access_key, self.secret_key = api_key, access_key, secret_key

    def headers(self):
        if self.access_key:
            now = int(time.time())
            token = jwt.encode({"iss": self.access_key, "exp": now + 1800, "nbf": now - 5}, self.secret_key, algorithm="HS256",
                               headers={"typ": "JWT"})
            return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        return {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}

    def create(self, kind, body):
        return self.http.post(f"/v1/videos/{kind}", json=body, headers=self.headers())

    def query(self, kind, task_id):
        return self.http.get(f"/v1/videos/{kind}/{task_id}", headers=self.headers())

    def list(self, kind, **params):
        return self.http.get(f"/v1/videos/{kind}", params=params, headers=self.headers())


@pytest.fixture(params=["cometapi-bearer", "kling-jwt"])
def kling(request, live_server, alice_key, use_simulator, redis_conn):
    if request.param == "cometapi-bearer":
        return KlingClient(f"{live_server.url}/kling", api_key=alice_key)
    return KlingClient(f"{live_server.url}/kling", access_key=alice_key, secret_key=alice_key)


def test_create_poll_and_download_as_a_kling_client_would(kling):
    reply = kling.create("text2video", {"model_name": "kling-v1-6", "prompt": "A hummingbird at a feeder", "duration": "5",
                                        "aspect_ratio": "16:9", "external_task_id": "my-order-42"})
    assert reply.status_code == 200
    body = reply.json()
    assert (body["code"], set(body)) == (0, {"code", "message", "request_id", "data"})
    task_id = body["data"]["task_id"]
    assert body["data"]["task_status"] == "submitted" and isinstance(body["data"]["created_at"], int)

    run_workers()
    task = kling.query("text2video", task_id).json()["data"]
    assert task["task_status"] == "succeed"
    video = task["task_result"]["videos"][0]
    assert isinstance(video["duration"], str) and abs(float(video["duration"]) - 5) < 0.5
    assert task["created_at"] > 1_700_000_000_000  # milliseconds
    assert httpx.get(video["url"]).status_code == 200  # a signed link: no credentials needed
    assert httpx.get(video["url"].replace("signature=", "signature=0")).status_code == 404

    by_external = kling.query("text2video", "my-order-42").json()["data"]
    assert by_external["task_id"] == task_id
    listed = kling.list("text2video", pageNum=1, pageSize=10).json()["data"]
    assert [t["task_id"] for t in listed] == [task_id]
    assert kling.list("image2video").json()["data"] == []


@pytest.mark.parametrize(
    "auth, http_status, code",
    [({}, 401, 1001), ({"Authorization": "Bearer sk-not-a-real-key"}, 401, 1002), ({"Authorization": "Basic abc"}, 401, 1001)],
)
def test_bad_credentials_get_the_official_codes(live_server, redis_conn, auth, http_status, code):
    reply = httpx.post(f"{live_server.url}/kling/v1/videos/text2video", json={"prompt": "x"}, headers=auth)
    assert (reply.status_code, reply.json()["code"]) == (http_status, code)


def test_an_expired_jwt_is_1004(live_server, alice_key, redis_conn):
    token = jwt.encode({"iss": alice_key, "exp": int(time.time()) - 10, "nbf": int(time.time()) - 100}, alice_key, algorithm="HS256")
    reply = httpx.get(f"{live_server.url}/kling/v1/videos/text2video", headers={"Authorization": f"Bearer {token}"})
    assert (reply.status_code, reply.json()["code"]) == (401, 1004)


def test_a_jwt_signed_with_another_secret_is_refused(live_server, alice_key, redis_conn):
    now = int(time.time())
    token = jwt.encode({"iss": alice_key, "exp": now + 60, "nbf": now}, "a-different-secret-a-different-secret", algorithm="HS256")
    reply = httpx.get(f"{live_server.url}/kling/v1/videos/text2video", headers={"Authorization": f"Bearer {token}"})
    assert (reply.status_code, reply.json()["code"]) == (401, 1002)


@pytest.mark.parametrize(
    "body, http_status, code",
    [
        ({"prompt": "x", "duration": "7"}, 400, 1201),
        ({"prompt": "x" * 2501}, 400, 1201),
        ({"prompt": "x", "model_name": "kling-v1-5"}, 400, 1201),
        ({"prompt": "x", "camera_control": {"type": "simple", "config": {"pan": 1}}, "model_name": "kling-v2-master"}, 400, 1201),
    ],
)
def test_bad_parameters_are_1201(kling, body, http_status, code):
    reply = kling.create("text2video", body)
    assert (reply.status_code, reply.json()["code"]) == (http_status, code)
    assert reply.json()["message"]


def test_no_credits_is_1102_and_the_concurrency_cap_is_1303(kling, team):
    do_set_team_limits(team=team, max_concurrent_generations=1)
    assert kling.create("text2video", {"prompt": "first"}).json()["code"] == 0
    reply = kling.create("text2video", {"prompt": "second"})
    assert (reply.status_code, reply.json()["code"]) == (429, 1303)
    do_set_team_limits(team=team, max_concurrent_generations=10)
    do_set_credits(team, 0)
    reply = kling.create("text2video", {"prompt": "third"})
    assert (reply.status_code, reply.json()["code"]) == (429, 1102)


def test_an_unknown_or_foreign_task_is_1203(kling, charlie_key, live_server):
    own = kling.create("text2video", {"prompt": "mine"}).json()["data"]["task_id"]
    outsider = KlingClient(f"{live_server.url}/kling", api_key=charlie_key)
    reply = outsider.query("text2video", own)
    assert (reply.status_code, reply.json()["code"]) == (404, 1203)
    assert kling.query("text2video", "no-such-task").json()["code"] == 1203
    assert kling.query("image2video", own).json()["code"] == 1203  # it is a text2video task


def test_a_duplicate_external_task_id_is_refused(kling):
    assert kling.create("text2video", {"prompt": "a", "external_task_id": "dup-1"}).json()["code"] == 0
    reply = kling.create("text2video", {"prompt": "b", "external_task_id": "dup-1"})
    assert (reply.status_code, reply.json()["code"]) == (400, 1201)
    assert "external_task_id" in reply.json()["message"]


def test_list_pagination_is_validated(kling):
    assert kling.list("text2video", pageNum=0).json()["code"] == 1201
    assert kling.list("text2video", pageSize=501).json()["code"] == 1201

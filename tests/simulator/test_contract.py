"""The simulator speaks the Kling contract (shared/KLING_API.md) over real loopback HTTP."""

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from generations.simulator.render import probe_clip
from tests.simulator.helpers import api_client, assert_error, image_base64, image_bytes, wait_for_task

REPO_ROOT = Path(__file__).resolve().parents[2]
T2V = "/v1/videos/text2video"
I2V = "/v1/videos/image2video"


def create(client, path=T2V, **body):
    body.setdefault("prompt", "a lighthouse in a storm")
    return client.post(path, json=body)


# -- the happy path --------------------------------------------------------------------------------


def test_it_creates_renders_and_serves_a_text2video_clip(simulator, client):
    response = create(client, prompt="a red fox in the snow", duration="5", external_task_id="job-1")

    assert response.status_code == 200
    envelope = response.json()
    assert envelope["code"] == 0 and envelope["message"] == "SUCCEED" and envelope["request_id"]
    created = envelope["data"]
    assert created["task_status"] == "submitted"
    assert len(created["task_id"]) == 18 and created["task_id"].isdigit()
    assert created["task_info"] == {"external_task_id": "job-1"}
    assert abs(created["created_at"] - time.time() * 1000) < 60_000  # unix milliseconds

    done = wait_for_task(client, "text2video", created["task_id"])
    assert done["task_status"] == "succeed"
    assert done["task_status_msg"] == ""
    assert done["final_unit_deduction"] == "1"
    assert done["updated_at"] >= done["created_at"]
    [video] = done["task_result"]["videos"]
    assert video["duration"] == "5.0"
    assert video["url"] == f"{simulator.url}/files/{created['task_id']}.mp4"

    download = httpx.get(video["url"], trust_env=False)  # result links need no Authorization
    assert download.status_code == 200
    assert download.headers["content-type"] == "video/mp4"
    assert int(download.headers["content-length"]) == len(download.content)
    info = probe_clip(download.content)
    assert info["codec"] == "h264"
    assert (info["width"], info["height"]) == (640, 360)
    assert info["duration"] == pytest.approx(5.0, abs=0.1)


def test_it_finds_a_task_by_external_task_id_also_under_the_cometapi_prefix(client):
    task_id = create(client, external_task_id="order-42").json()["data"]["task_id"]

    by_external = wait_for_task(client, "text2video", "order-42")
    cometapi = client.get("/kling/v1/videos/text2video/order-42")

    assert by_external["task_id"] == task_id
    assert by_external["task_info"]["external_task_id"] == "order-42"
    assert cometapi.status_code == 200
    assert cometapi.json()["data"]["task_id"] == task_id


def test_it_creates_under_the_cometapi_prefix(client):
    response = client.post(f"/kling{T2V}", json={"prompt": "a cat", "model_name": "kling-v2-master"})

    assert response.status_code == 200
    assert wait_for_task(client, "text2video", response.json()["data"]["task_id"])["task_status"] == "succeed"


def test_it_reports_processing_before_succeed(start_simulator):
    simulator = start_simulator(render_delay_s=1.5)
    with api_client(simulator) as client:
        task_id = create(client).json()["data"]["task_id"]
        seen = []
        wait_for_task(client, "text2video", task_id, seen=seen)

    assert seen == ["submitted", "processing", "succeed"]


def test_it_serves_a_clip_with_range_requests(client):
    task_id = create(client).json()["data"]["task_id"]
    url = wait_for_task(client, "text2video", task_id)["task_result"]["videos"][0]["url"]

    whole = httpx.get(url, trust_env=False).content
    part = httpx.get(url, headers={"Range": "bytes=0-99"}, trust_env=False)

    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 0-99/{len(whole)}"
    assert part.content == whole[:100]


def test_it_does_not_serve_a_clip_before_the_task_succeeds(start_simulator):
    simulator = start_simulator(render_delay_s=30)
    with api_client(simulator) as client:
        task_id = create(client).json()["data"]["task_id"]

        response = httpx.get(f"{simulator.url}/files/{task_id}.mp4", trust_env=False)

    assert_error(response, 404, 1203)


def test_it_renders_image2video_from_base64_following_the_image_aspect(client):
    response = create(client, I2V, image=image_base64(800, 400), prompt="", model_name="kling-v1-5")

    assert response.status_code == 200, response.text
    done = wait_for_task(client, "image2video", response.json()["data"]["task_id"])
    clip = httpx.get(done["task_result"]["videos"][0]["url"], trust_env=False).content
    info = probe_clip(clip)
    assert (info["width"], info["height"]) == (640, 320)


def test_it_fetches_image2video_input_from_a_url(client, loopback):
    loopback.files["/start.jpg"] = ("image/jpeg", image_bytes(600, 600, fmt="JPEG"))

    response = create(client, I2V, image=f"{loopback.url}/start.jpg")

    assert response.status_code == 200, response.text
    done = wait_for_task(client, "image2video", response.json()["data"]["task_id"])
    info = probe_clip(httpx.get(done["task_result"]["videos"][0]["url"], trust_env=False).content)
    assert (info["width"], info["height"]) == (640, 640)


def test_it_refuses_an_image_url_that_cannot_be_downloaded(client, loopback):
    assert_error(create(client, I2V, image=f"{loopback.url}/missing.png"), 400, 1201, "could not be downloaded")


def test_it_accepts_the_legacy_model_field_as_kling_v1(client):
    # cfg_scale is refused for kling-v2.x, so acceptance shows `model` was ignored in favour of v1.
    response = create(client, model="kling-v2-master", cfg_scale=0.5)

    assert response.status_code == 200, response.text


def test_it_accepts_kling_v3_durations_from_3_to_15_seconds(start_simulator):
    simulator = start_simulator(render_delay_s=30)
    with api_client(simulator) as client:
        for duration in ("3", "15"):
            assert create(client, model_name="kling-v3", duration=duration).status_code == 200


def test_it_accepts_simple_camera_control_on_kling_v1_std_5s(start_simulator):
    simulator = start_simulator(render_delay_s=30)
    with api_client(simulator) as client:
        response = create(
            client, model_name="kling-v1", mode="std", duration="5",
            camera_control={"type": "simple", "config": {"horizontal": 0, "zoom": 5}},
        )

    assert response.status_code == 200, response.text


def test_it_screens_the_prompt_but_not_the_negative_prompt(client):
    words = "nude, naked, gore"
    in_the_prompt = create(client, prompt=f"a beach at sunset, {words}")
    in_the_negative_prompt = create(client, prompt="a beach at sunset", negative_prompt=words)

    assert_error(in_the_prompt, 400, 1301, "Trigger the content security policy of the platform")
    assert in_the_negative_prompt.status_code == 200, in_the_negative_prompt.text
    envelope = in_the_negative_prompt.json()
    assert envelope["code"] == 0 and envelope["data"]["task_id"]


# -- listing ---------------------------------------------------------------------------------------


def test_it_lists_tasks_newest_first_with_pagination(start_simulator):
    simulator = start_simulator(render_delay_s=30)
    with api_client(simulator) as client:
        ids = [create(client, prompt=f"clip {n}").json()["data"]["task_id"] for n in range(3)]
        image_task = create(client, I2V, image=image_base64()).json()["data"]["task_id"]

        first_page = client.get(T2V, params={"pageNum": 1, "pageSize": 2}).json()["data"]
        second_page = client.get(T2V, params={"pageNum": 2, "pageSize": 2}).json()["data"]
        default = client.get(T2V).json()["data"]
        images = client.get(f"/kling{I2V}").json()["data"]

    assert [task["task_id"] for task in first_page] == [ids[2], ids[1]]
    assert [task["task_id"] for task in second_page] == [ids[0]]
    assert [task["task_id"] for task in default] == ids[::-1]
    assert [task["task_id"] for task in images] == [image_task]
    assert first_page[0]["task_status"] == "submitted"


@pytest.mark.parametrize(
    "params",
    [{"pageNum": 0}, {"pageNum": 1001}, {"pageSize": 0}, {"pageSize": 501}, {"pageNum": "two"}],
)
def test_it_refuses_page_parameters_out_of_range(client, params):
    assert_error(client.get(T2V, params=params), 400, 1201)


# -- not found -------------------------------------------------------------------------------------


def test_it_answers_1202_for_an_unknown_route(client):
    assert_error(client.get("/v1/videos/teleport"), 404, 1202)
    assert_error(client.delete(f"{T2V}/123"), 404, 1202)


def test_it_answers_1203_for_an_unknown_task(client):
    assert_error(client.get(f"{T2V}/999999999999999999"), 404, 1203)


def test_it_keeps_text2video_and_image2video_tasks_apart(start_simulator):
    simulator = start_simulator(render_delay_s=30)
    with api_client(simulator) as client:
        task_id = create(client).json()["data"]["task_id"]

        assert_error(client.get(f"{I2V}/{task_id}"), 404, 1203)


# -- validation ------------------------------------------------------------------------------------

LONG = "a" * 2501


@pytest.mark.parametrize(
    "body, message",
    [
        ({"prompt": ""}, "prompt is required"),
        ({"prompt": LONG}, "prompt cannot be longer than 2500 characters"),
        ({"negative_prompt": LONG}, "negative_prompt cannot be longer than 2500 characters"),
        ({"model_name": "kling-v9"}, "model_name must be one of"),
        ({"model_name": "kling-v1-5"}, "does not support text2video"),
        ({"model_name": "kling-v2-1"}, "does not support text2video"),
        ({"mode": "ultra"}, "mode must be one of"),
        ({"aspect_ratio": "4:3"}, "aspect_ratio must be one of"),
        ({"duration": 5}, "duration must be a string"),
        ({"duration": "7"}, "duration must be one of"),
        ({"model_name": "kling-v3", "duration": "16"}, "duration must be one of"),
        ({"cfg_scale": 1.5}, "cfg_scale must be a number between 0 and 1"),
        ({"cfg_scale": 0.5, "model_name": "kling-v2-5-turbo"}, "kling-v2.x models do not support this parameter"),
        ({"camera_control": {"type": "spin"}}, "camera_control.type must be one of"),
        ({"camera_control": {"type": "simple"}}, "camera_control.config is required"),
        (
            {"camera_control": {"type": "simple", "config": {"zoom": 5, "pan": 2}}},
            "exactly one non-zero value",
        ),
        ({"camera_control": {"type": "simple", "config": {"zoom": 11}}}, "between -10 and 10"),
        (
            {"camera_control": {"type": "down_back"}, "model_name": "kling-v1-6"},
            "camera_control is only supported in std mode with 5s duration and kling-v1",
        ),
        (
            {"camera_control": {"type": "forward_up"}, "mode": "pro"},
            "camera_control is only supported in std mode with 5s duration and kling-v1",
        ),
        (
            {"camera_control": {"type": "forward_up"}, "duration": "10"},
            "camera_control is only supported in std mode with 5s duration and kling-v1",
        ),
        ({"callback_url": "ftp://example.com/hook"}, "callback_url must be an http(s) URL"),
    ],
)
def test_it_refuses_invalid_text2video_parameters_with_1201(client, body, message):
    assert_error(create(client, **body), 400, 1201, message)


TOO_BIG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + os.urandom(10 * 1024 * 1024)).decode()


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "image or image_tail is required"),
        ({"image": "data:image/png;base64," + image_base64()}, "without the data:image"),
        ({"image": "not base64 at all!"}, "valid Base64"),
        ({"image": base64.b64encode(b"GIF89a" + bytes(100)).decode()}, "format must be jpg, jpeg or png"),
        ({"image": TOO_BIG}, "cannot be larger than 10MB"),
        ({"image": image_base64(299, 400)}, "at least 300px"),
        ({"image": image_base64(1000, 300)}, "aspect ratio must be between 1:2.5 and 2.5:1"),
        ({"image_tail": image_base64(300, 800)}, "image_tail aspect ratio"),
        ({"image": image_base64(), "model_name": "kling-v9"}, "model_name must be one of"),
        (
            {"image": image_base64(), "image_tail": image_base64(), "camera_control": {"type": "down_back"}},
            "cannot be used together",
        ),
        ({"image": image_base64(), "image_tail": image_base64(), "static_mask": image_base64()}, "cannot be used together"),
        (
            {"image": image_base64(), "camera_control": {"type": "down_back"}},
            "camera_control is only supported in pro mode with 5s duration and kling-v1-5",
        ),
        ({"image": image_base64(), "prompt": LONG}, "prompt cannot be longer than 2500 characters"),
    ],
)
def test_it_refuses_invalid_image2video_parameters_with_1201(client, body, message):
    assert_error(client.post(I2V, json=body), 400, 1201, message)


def test_it_refuses_a_body_that_is_not_json_with_1200(client):
    assert_error(client.post(T2V, content=b"{not json", headers={"Content-Type": "application/json"}), 400, 1200)


def test_it_refuses_a_duplicate_external_task_id_and_keeps_one_task(start_simulator):
    simulator = start_simulator(render_delay_s=30)
    with api_client(simulator) as client:
        first = create(client, external_task_id="retry-me")
        second = create(client, external_task_id="retry-me", prompt="something else")
        listed = client.get(T2V).json()["data"]

    assert first.status_code == 200
    assert_error(second, 400, 1201, "external_task_id already exists")
    assert [task["task_id"] for task in listed] == [first.json()["data"]["task_id"]]


@pytest.mark.parametrize("prompt", ["explicit sex on a beach", "PORN scene", "a nude figure", "naked runner", "gore everywhere"])
def test_it_refuses_explicit_prompts_with_1301(client, prompt):
    assert_error(create(client, prompt=prompt), 400, 1301, "Trigger the content security policy of the platform")


def test_it_refuses_explicit_image2video_prompts_with_1301(client):
    assert_error(create(client, I2V, image=image_base64(), prompt="naked"), 400, 1301)


# -- authentication --------------------------------------------------------------------------------


def jwt(claims, secret, alg="HS256"):
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps({'alg': alg, 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.fixture
def jwt_simulator(start_simulator):
    return start_simulator(access_key="ak-test", secret_key="sk-secret-0123456789")


def test_it_accepts_a_valid_jwt(jwt_simulator):
    now = int(time.time())
    token = jwt({"iss": "ak-test", "exp": now + 1800, "nbf": now - 5}, "sk-secret-0123456789")

    with api_client(jwt_simulator, token=token) as client:
        assert create(client).status_code == 200
        assert client.get(T2V).status_code == 200


@pytest.mark.parametrize(
    "authorization, code",
    [
        (None, 1001),
        ("Bearer", 1001),
        ("Bearer not-a-jwt", 1002),
        ("Token abc", 1002),
        ("WRONG_SECRET", 1000),
        ("WRONG_ISSUER", 1000),
        ("NOT_YET_VALID", 1003),
        ("EXPIRED", 1004),
    ],
)
def test_it_refuses_bad_authorization_with_401(jwt_simulator, authorization, code):
    now = int(time.time())
    tokens = {
        "WRONG_SECRET": jwt({"iss": "ak-test", "exp": now + 1800, "nbf": now - 5}, "another-secret"),
        "WRONG_ISSUER": jwt({"iss": "ak-other", "exp": now + 1800, "nbf": now - 5}, "sk-secret-0123456789"),
        "NOT_YET_VALID": jwt({"iss": "ak-test", "exp": now + 1800, "nbf": now + 600}, "sk-secret-0123456789"),
        "EXPIRED": jwt({"iss": "ak-test", "exp": now - 10, "nbf": now - 1800}, "sk-secret-0123456789"),
    }
    if authorization in tokens:
        authorization = f"Bearer {tokens[authorization]}"
    headers = {"Authorization": authorization} if authorization is not None else {}

    response = httpx.post(f"{jwt_simulator.url}{T2V}", json={"prompt": "a cat"}, headers=headers, trust_env=False)

    assert_error(response, 401, code)


def test_it_serves_result_files_without_authorization_in_jwt_mode(jwt_simulator):
    now = int(time.time())
    token = jwt({"iss": "ak-test", "exp": now + 1800, "nbf": now - 5}, "sk-secret-0123456789")
    with api_client(jwt_simulator, token=token) as client:
        url = wait_for_task(client, "text2video", create(client).json()["data"]["task_id"])["task_result"]["videos"][0]["url"]

    assert httpx.get(url, trust_env=False).status_code == 200


def test_it_requires_the_exact_api_key_in_cometapi_mode(start_simulator):
    simulator = start_simulator(api_key="sk-comet-123")

    with api_client(simulator, token="sk-comet-123") as client:
        assert create(client, f"/kling{T2V}").status_code == 200
    with api_client(simulator, token="sk-comet-1234") as client:
        assert_error(create(client, f"/kling{T2V}"), 401, 1002)


def test_it_accepts_any_bearer_token_when_no_credentials_are_configured(simulator):
    with api_client(simulator, token="whatever") as client:
        assert client.get(T2V).status_code == 200
    assert_error(httpx.get(f"{simulator.url}{T2V}", trust_env=False), 401, 1001)


# -- callbacks -------------------------------------------------------------------------------------


def test_it_posts_bare_callbacks_on_every_status_change(start_simulator, loopback):
    simulator = start_simulator(render_delay_s=0.3)
    with api_client(simulator) as client:
        created = create(client, callback_url=f"{loopback.url}/hooks/kling?token=s3cret", external_task_id="cb-1")
        task_id = created.json()["data"]["task_id"]

        received = loopback.wait_for(lambda bodies: any(b["task_status"] == "succeed" for b in bodies))

    assert [body["task_status"] for body in received] == ["submitted", "processing", "succeed"]
    final = received[-1]
    assert "code" not in final and "data" not in final  # bare, no envelope
    assert final["task_id"] == task_id
    assert final["task_info"]["external_task_id"] == "cb-1"
    assert final["final_unit_deduction"] == "1"
    [video] = final["task_result"]["videos"]
    assert video["url"] == f"{simulator.url}/files/{task_id}.mp4" and video["duration"] == "5.0"


def test_it_keeps_working_when_the_callback_receiver_is_down(start_simulator):
    simulator = start_simulator()
    with api_client(simulator) as client:
        task_id = create(client, callback_url="http://127.0.0.1:9/unreachable").json()["data"]["task_id"]

        assert wait_for_task(client, "text2video", task_id)["task_status"] == "succeed"


# -- the command line ------------------------------------------------------------------------------


def test_it_runs_as_a_module_and_stops_cleanly_on_sigterm(tmp_path):
    env = dict(os.environ, SIMULATOR_DATA_DIR=str(tmp_path), SIMULATOR_RENDER_DELAY="0")
    process = subprocess.Popen(
        [sys.executable, "-m", "generations.simulator", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, cwd=REPO_ROOT,
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("simulator listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        assert httpx.get(f"{url}{T2V}", headers={"Authorization": "Bearer x"}, trust_env=False).status_code == 200

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_it_refuses_to_start_with_a_bad_fault_spec(tmp_path):
    env = dict(os.environ, SIMULATOR_FAULTS="meteor_strike:0.5")

    result = subprocess.run(
        [sys.executable, "-m", "generations.simulator", "--port", "0"], capture_output=True, text=True, env=env, timeout=30,
        cwd=REPO_ROOT,
    )

    assert result.returncode == 2
    assert "unknown fault 'meteor_strike'" in result.stderr

"""Injected upstream misbehaviour: what a client sees, and that no fault ever duplicates a task."""

import json
import time

import httpx
import pytest

from generations.simulator import SimulatorConfig
from generations.simulator.faults import FaultInjector, parse_faults
from tests.simulator.helpers import api_client, wait_for_task

T2V = "/v1/videos/text2video"


# -- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("", {}),
        ("rate_limit:0.1", {"rate_limit": 0.1}),
        (
            "rate_limit:0.1, server_error:0.05,timeout:0.02,stuck:0.02,risk_control:0.0,bad_json:0.02",
            {"rate_limit": 0.1, "server_error": 0.05, "timeout": 0.02, "stuck": 0.02, "risk_control": 0.0, "bad_json": 0.02},
        ),
        ("stuck", {"stuck": 1.0}),
        ("bad_json:1,", {"bad_json": 1.0}),
    ],
)
def test_it_parses_fault_specs(spec, expected):
    assert parse_faults(spec) == expected


@pytest.mark.parametrize(
    "spec, message",
    [
        ("meteor_strike:0.5", "unknown fault 'meteor_strike'"),
        ("rate_limit:1.5", "outside [0, 1]"),
        ("rate_limit:-0.1", "outside [0, 1]"),
        ("rate_limit:often", "not a number"),
        ("rate_limit:nan", "outside [0, 1]"),
    ],
)
def test_it_refuses_bad_fault_specs_with_a_clear_message(spec, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_faults(spec)


def test_it_rolls_faults_reproducibly_at_the_configured_rate():
    first = FaultInjector({"rate_limit": 0.25}, seed=3)
    second = FaultInjector({"rate_limit": 0.25}, seed=3)
    sequence = [first.roll("rate_limit") for _ in range(2000)]

    assert sequence == [second.roll("rate_limit") for _ in range(2000)]
    assert 0.2 < sum(sequence) / len(sequence) < 0.3
    assert not FaultInjector({}, seed=3).roll("stuck")
    assert first.injected == {"rate_limit": sum(sequence)}


def test_it_counts_only_the_faults_that_fired():
    injector = FaultInjector({"stuck": 1.0, "timeout": 0.0}, seed=1)
    for _ in range(3):
        injector.roll("stuck")
        injector.roll("timeout")
        injector.roll("bad_json")

    assert injector.injected == {"stuck": 3}


def test_it_reads_its_configuration_from_the_environment(tmp_path):
    config = SimulatorConfig.from_env(
        {
            "SIMULATOR_RENDER_DELAY": "0.5",
            "SIMULATOR_ACCESS_KEY": "ak",
            "SIMULATOR_SECRET_KEY": "sk",
            "SIMULATOR_API_KEY": "sk-comet",
            "SIMULATOR_FAULTS": "rate_limit:0.1,stuck:0.02",
            "SIMULATOR_SEED": "42",
            "SIMULATOR_DATA_DIR": str(tmp_path),
            "SIMULATOR_TIMEOUT_SLEEP": "3",
        }
    )

    assert config.render_delay_s == 0.5
    assert (config.access_key, config.secret_key, config.api_key) == ("ak", "sk", "sk-comet")
    assert config.faults == {"rate_limit": 0.1, "stuck": 0.02}
    assert config.seed == 42
    assert config.data_dir == str(tmp_path)
    assert config.timeout_sleep_s == 3.0


def test_it_defaults_to_an_open_fault_free_simulator():
    config = SimulatorConfig.from_env({})

    assert (config.render_delay_s, config.faults, config.seed, config.fps, config.timeout_sleep_s) == (3.0, {}, 0, 24, 20.0)
    assert not config.jwt_auth and config.api_key is None


def test_it_refuses_a_malformed_number_in_the_environment():
    with pytest.raises(ValueError, match="SIMULATOR_RENDER_DELAY"):
        SimulatorConfig.from_env({"SIMULATOR_RENDER_DELAY": "soon"})


# -- each fault at probability 1 -------------------------------------------------------------------


def test_it_answers_429_1303_on_rate_limit_without_creating_the_task(start_simulator):
    simulator = start_simulator(faults="rate_limit:1.0")
    with api_client(simulator) as client:
        refused = client.post(T2V, json={"prompt": "a cat", "external_task_id": "once"})
        listed = client.get(T2V)  # rate_limit only hits creates
        simulator.app.faults.set("rate_limit", 0.0)
        retried = client.post(T2V, json={"prompt": "a cat", "external_task_id": "once"})

    assert refused.status_code == 429
    body = refused.json()
    assert (body["code"], body["message"]) == (1303, "parallel task over resource pack limit")
    assert body["request_id"]
    assert listed.json()["data"] == []
    assert retried.status_code == 200  # not "external_task_id already exists"


def test_it_answers_500_5000_on_server_error_for_create_and_query_without_creating(start_simulator):
    simulator = start_simulator(render_delay_s=30)
    with api_client(simulator) as client:
        task_id = client.post(T2V, json={"prompt": "a cat"}).json()["data"]["task_id"]
        simulator.app.faults.set("server_error", 1.0)
        create = client.post(T2V, json={"prompt": "a dog", "external_task_id": "dog"})
        query = client.get(f"{T2V}/{task_id}")
        simulator.app.faults.set("server_error", 0.0)
        listed = client.get(T2V).json()["data"]

    for response in (create, query):
        assert response.status_code == 500
        assert response.json()["code"] == 5000
    assert [task["task_id"] for task in listed] == [task_id]


def test_it_stalls_on_timeout_but_still_creates_the_task_so_a_retry_finds_it(start_simulator):
    simulator = start_simulator(faults="timeout:1.0", timeout_sleep_s=1.0)
    body = {"prompt": "a cat", "external_task_id": "slow-1"}
    with api_client(simulator, timeout=0.3) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            impatient.post(T2V, json=body)
    simulator.app.faults.set("timeout", 0.0)
    with api_client(simulator) as client:
        time.sleep(0.8)  # the stalled request finishes upstream
        retry = client.post(T2V, json=body)
        found = wait_for_task(client, "text2video", "slow-1")

    assert retry.status_code == 400
    assert retry.json()["message"] == "external_task_id already exists"
    assert found["task_status"] == "succeed"


def test_it_answers_normally_after_the_timeout_stall(start_simulator):
    simulator = start_simulator(faults="timeout:1.0", timeout_sleep_s=0.5)
    with api_client(simulator) as client:
        started = time.monotonic()
        response = client.get(T2V)

    assert time.monotonic() - started >= 0.5
    assert response.status_code == 200 and response.json()["code"] == 0


def test_it_leaves_a_stuck_task_processing_forever(start_simulator):
    simulator = start_simulator(faults="stuck:1.0", render_delay_s=0.2)
    with api_client(simulator) as client:
        task_id = client.post(T2V, json={"prompt": "a cat"}).json()["data"]["task_id"]
        wait_for_task(client, "text2video", task_id, statuses=("processing",))
        time.sleep(1.0)  # five render delays
        task = client.get(f"{T2V}/{task_id}").json()["data"]

    assert task["task_status"] == "processing"
    assert "task_result" not in task
    assert httpx.get(f"{simulator.url}/files/{task_id}.mp4", trust_env=False).status_code == 404


def test_it_fails_a_task_by_risk_control_after_accepting_it(start_simulator, loopback):
    simulator = start_simulator(faults="risk_control:1.0")
    with api_client(simulator) as client:
        response = client.post(T2V, json={"prompt": "a famous actor", "callback_url": f"{loopback.url}/hook"})
        task = wait_for_task(client, "text2video", response.json()["data"]["task_id"])
    received = loopback.wait_for(lambda bodies: any(b["task_status"] == "failed" for b in bodies))

    assert response.status_code == 200
    assert task["task_status"] == "failed"
    assert task["task_status_msg"] == "Failure to pass the risk control system"
    assert task["final_unit_deduction"] == "0"
    assert "task_result" not in task
    assert [body["task_status"] for body in received] == ["submitted", "failed"]
    assert received[-1]["task_result"]["videos"] == []


def test_it_sends_truncated_json_on_bad_json_and_the_create_still_counts(start_simulator):
    simulator = start_simulator(faults="bad_json:1.0")
    with api_client(simulator) as client:
        create = client.post(T2V, json={"prompt": "a cat", "external_task_id": "garbled"})
        query = client.get(f"{T2V}/garbled")
        simulator.app.faults.set("bad_json", 0.0)
        found = wait_for_task(client, "text2video", "garbled")

    for response in (create, query):
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.content)
    assert found["task_info"]["external_task_id"] == "garbled"


def test_it_injects_nothing_at_probability_zero(start_simulator):
    simulator = start_simulator(
        faults="rate_limit:0,server_error:0,timeout:0,stuck:0,risk_control:0,bad_json:0", timeout_sleep_s=30
    )
    with api_client(simulator) as client:
        responses = [client.post(T2V, json={"prompt": f"clip {n}"}) for n in range(5)]
        task = wait_for_task(client, "text2video", responses[-1].json()["data"]["task_id"])

    assert [response.status_code for response in responses] == [200] * 5
    assert task["task_status"] == "succeed"


def test_it_refuses_tasks_beyond_the_concurrency_limit_until_one_finishes(start_simulator):
    simulator = start_simulator(concurrency_limit=1, render_delay_s=0.5)
    with api_client(simulator) as client:
        first = client.post(T2V, json={"prompt": "a cat"}).json()["data"]["task_id"]
        refused = client.post(T2V, json={"prompt": "a dog"})
        wait_for_task(client, "text2video", first)
        accepted = client.post(T2V, json={"prompt": "a dog"})

    assert refused.status_code == 429 and refused.json()["code"] == 1303
    assert accepted.status_code == 200

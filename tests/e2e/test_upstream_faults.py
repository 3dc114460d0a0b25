"""The pipeline against a misbehaving upstream: the simulator's fault injection, over real HTTP, real worker."""

import httpx
import pytest

from generations.models import Generation
from generations.providers.kling import BearerAuth, KlingClient
from generations.simulator import SimulatorConfig, start_in_thread
from generations.states import Status
from generations.worker import pipeline
from tests.conftest import bearer
from tests.helpers import drive_to_terminal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def faulty_upstream(settings, tmp_path, monkeypatch, redis_conn):
    """Start a simulator with the given faults and point the studio at it."""
    handles = []
    monkeypatch.setattr(pipeline, "sleep", lambda seconds: None)

    def start(faults="", **config):
        config.setdefault("render_delay_s", 0.1)
        handle = start_in_thread(SimulatorConfig(faults=faults, data_dir=str(tmp_path / f"sim{len(handles)}"), **config))
        handles.append(handle)
        settings.PROVIDER = "simulator"
        settings.SIMULATOR_URL = handle.url
        return handle

    yield start
    for handle in handles:
        handle.stop()


def submit(client, key, prompt="A windmill turning in a summer breeze"):
    response = client.post("/api/v1/generations", {"prompt": prompt}, content_type="application/json", **bearer(key))
    assert response.status_code == 202
    return response.json()["id"]


def upstream_tasks(handle):
    reply = httpx.get(f"{handle.url}/v1/videos/text2video?pageSize=500", headers={"Authorization": "Bearer x"}).json()
    return reply["data"]


def test_a_late_risk_control_failure_is_a_block_at_stage_upstream(client, alice_key, faulty_upstream):
    faulty_upstream("risk_control:1.0")
    generation = drive_to_terminal(submit(client, alice_key))
    assert (generation.status, generation.stage, generation.error_code) == ("blocked", "upstream", "upstream_content_policy")


def test_a_saturated_upstream_ends_failed_with_a_readable_reason_and_no_upstream_task(client, alice_key, faulty_upstream, settings):
    settings.GENERATION_MAX_SUBMIT_ATTEMPTS = 3
    upstream = faulty_upstream("rate_limit:1.0")
    generation = drive_to_terminal(submit(client, alice_key))
    assert generation.status == "failed"
    assert generation.error_code == "upstream_concurrency_limit"
    assert "concurrency limit" in generation.error_message
    assert generation.submit_attempts == 3
    assert upstream_tasks(upstream) == []


@pytest.mark.parametrize("fault, code", [("server_error:1.0", "upstream_server_error"), ("bad_json:1.0", "upstream_bad_response")])
def test_persistent_transient_errors_end_failed(client, alice_key, faulty_upstream, settings, fault, code):
    settings.GENERATION_MAX_SUBMIT_ATTEMPTS = 2
    faulty_upstream(fault)
    generation = drive_to_terminal(submit(client, alice_key))
    assert (generation.status, generation.error_code) == ("failed", code)


def test_a_task_that_never_finishes_fails_at_the_deadline(client, alice_key, faulty_upstream, settings):
    settings.GENERATION_DEADLINE_BASE_S = 0
    settings.GENERATION_DEADLINE_PER_SECOND_S = 0
    faulty_upstream("stuck:1.0")
    generation = drive_to_terminal(submit(client, alice_key))
    assert (generation.status, generation.error_code) == ("failed", "upstream_deadline")


def test_a_long_render_is_handed_back_to_the_queue_between_turns(client, alice_key, faulty_upstream, settings):
    settings.GENERATION_POLL_SLICE_S = 0  # every poll is one turn
    faulty_upstream(render_delay_s=0.5)
    generation = drive_to_terminal(submit(client, alice_key), max_rounds=200)
    assert generation.status == "succeeded"
    assert generation.poll_rounds >= 1


def test_a_worker_that_died_mid_submit_adopts_the_existing_upstream_task(client, alice_key, faulty_upstream):
    upstream = faulty_upstream()
    generation_id = submit(client, alice_key)
    generation = Generation.objects.get(public_id=generation_id)
    # The previous worker reached the upstream, then died before recording the task id.
    provider = KlingClient(name="simulator", base_url=upstream.url, auth=BearerAuth("x"))
    provider.create_task("text2video", {**pipeline.upstream_payload(generation)})
    Generation.objects.filter(pk=generation.pk).update(status=Status.SUBMITTING)

    generation = drive_to_terminal(generation_id)
    assert generation.status == "succeeded"
    assert [task["task_info"]["external_task_id"] for task in upstream_tasks(upstream)] == [generation_id]


def test_a_retried_submit_whose_first_attempt_reached_the_upstream_creates_no_second_task(client, alice_key, faulty_upstream):
    upstream = faulty_upstream()
    generation_id = submit(client, alice_key)
    generation = Generation.objects.get(public_id=generation_id)
    KlingClient(name="simulator", base_url=upstream.url, auth=BearerAuth("x")).create_task(
        "text2video", pipeline.upstream_payload(generation)
    )
    generation = drive_to_terminal(generation_id)  # status is queued: the worker submits, hears "already exists"
    assert generation.status == "succeeded"
    assert len(upstream_tasks(upstream)) == 1


def test_a_corrupt_result_file_fails_the_generation(client, alice_key, faulty_upstream, monkeypatch):
    upstream = faulty_upstream()
    real = KlingClient(name="simulator", base_url=upstream.url, auth=BearerAuth("x"))

    class CorruptDownloads(KlingClient):
        def download(self, url, destination, *, max_bytes):
            destination.write(b"\x00\x00\x00\x18ftypmp42 this is not a video" * 10)
            return 270

    corrupt = CorruptDownloads(name="simulator", base_url=upstream.url, auth=BearerAuth("x"))
    monkeypatch.setattr(pipeline, "get_provider", lambda: corrupt)
    generation = drive_to_terminal(submit(client, alice_key))
    real.close()
    assert generation.status == "failed"
    assert generation.error_code in ("output_corrupt", "output_not_video")
    assert not generation.assets.exists()


def test_the_kling_provider_completes_against_the_simulator_with_jwt_auth(client, alice_key, faulty_upstream, settings):
    upstream = faulty_upstream(access_key="ak-studio-test", secret_key="sk-secret-for-the-simulator-0123456789")
    settings.PROVIDER = "kling"
    settings.KLING_API_BASE = upstream.url
    settings.KLING_ACCESS_KEY = "ak-studio-test"
    settings.KLING_SECRET_KEY = "sk-secret-for-the-simulator-0123456789"
    generation = drive_to_terminal(submit(client, alice_key))
    assert generation.status == "succeeded" and generation.provider == "kling"


def test_the_kling_provider_with_a_wrong_secret_fails_permanently(client, alice_key, faulty_upstream, settings):
    upstream = faulty_upstream(access_key="ak-studio-test", secret_key="sk-secret-for-the-simulator-0123456789")
    settings.PROVIDER = "kling"
    settings.KLING_API_BASE = upstream.url
    settings.KLING_ACCESS_KEY = "ak-studio-test"
    settings.KLING_SECRET_KEY = "not-the-right-secret-not-the-right-secret"
    generation = drive_to_terminal(submit(client, alice_key))
    assert (generation.status, generation.error_code, generation.submit_attempts) == ("failed", "upstream_auth_failed", 1)


def test_the_studio_holds_back_when_it_already_has_enough_tasks_upstream(client, alice_key, faulty_upstream, settings, redis_conn):
    upstream = faulty_upstream()
    settings.UPSTREAM_MAX_IN_FLIGHT = 1
    busy = Generation.objects.get(public_id=submit(client, alice_key, prompt="first"))
    Generation.objects.filter(pk=busy.pk).update(status=Status.GENERATING, provider_task_id="1")
    waiting = Generation.objects.get(public_id=submit(client, alice_key, prompt="second"))

    pipeline.advance_generation(waiting.pk)

    waiting.refresh_from_db()
    assert waiting.status == "queued" and waiting.submit_attempts == 0
    assert upstream_tasks(upstream) == []
    assert redis_conn.llen("rq:queue:generations") >= 1  # it will try again


def test_a_concurrency_refusal_makes_every_worker_hold_back(client, alice_key, faulty_upstream, settings, redis_conn):
    settings.GENERATION_MAX_SUBMIT_ATTEMPTS = 1
    faulty_upstream("rate_limit:1.0")
    generation = Generation.objects.get(public_id=submit(client, alice_key))
    pipeline.advance_generation(generation.pk)
    assert redis_conn.exists(pipeline.COOLDOWN_KEY)
    assert pipeline.upstream_is_saturated()

import datetime as dt
import json
import time

import pytest
from django.utils import timezone

from generations.models import Generation
from generations.states import Status
from generations.worker.housekeeping import run_housekeeping
from tests.conftest import bearer
from tests.helpers import drive_to_terminal

# Callbacks enqueue after commit: these tests need real transactions.
pytestmark = pytest.mark.django_db(transaction=True)


def submit(client, key, prompt="A lantern festival over a river"):
    response = client.post("/api/v1/generations", {"prompt": prompt}, content_type="application/json", **bearer(key))
    return Generation.objects.get(public_id=response.json()["id"])


def generating(generation, task_id="827996385395363846"):
    Generation.objects.filter(pk=generation.pk).update(status=Status.GENERATING, provider_task_id=task_id, submitted_at=timezone.now())
    generation.refresh_from_db()
    return generation


def callback(client, generation, payload, token=None):
    return client.post(
        f"/providers/callback/{generation.public_id}/{token or generation.callback_token}",
        json.dumps(payload),
        content_type="application/json",
    )


BARE = {"task_id": "827996385395363846", "task_status": "succeed", "task_status_msg": "", "created_at": 1, "updated_at": 2}


@pytest.mark.parametrize("payload", [BARE, {"code": 0, "message": "ok", "request_id": "r", "data": BARE}])
def test_a_finished_task_callback_wakes_the_pipeline_in_either_shape(client, alice_key, redis_conn, payload):
    generation = generating(submit(client, alice_key))
    queued_before = redis_conn.llen("rq:queue:generations")
    response = callback(client, generation, payload)
    assert response.status_code == 200
    assert redis_conn.llen("rq:queue:generations") == queued_before + 1


def test_a_repeated_callback_is_deduplicated(client, alice_key, redis_conn):
    generation = generating(submit(client, alice_key))
    callback(client, generation, BARE)
    queued = redis_conn.llen("rq:queue:generations")
    assert callback(client, generation, BARE).status_code == 200
    assert redis_conn.llen("rq:queue:generations") == queued


def test_a_wrong_token_is_a_404_and_changes_nothing(client, alice_key, redis_conn):
    generation = generating(submit(client, alice_key))
    queued = redis_conn.llen("rq:queue:generations")
    assert callback(client, generation, BARE, token="guessed-token").status_code == 404
    assert redis_conn.llen("rq:queue:generations") == queued


def test_a_callback_for_another_task_is_refused(client, alice_key, redis_conn):
    generation = generating(submit(client, alice_key))
    assert callback(client, generation, {**BARE, "task_id": "1"}).status_code == 409


def test_a_callback_that_is_not_a_task_is_refused(client, alice_key, redis_conn):
    generation = generating(submit(client, alice_key))
    assert callback(client, generation, {"hello": "world"}).status_code == 400


@pytest.mark.e2e
def test_the_simulator_calls_back_and_the_pipeline_confirms_by_query(client, alice_key, use_simulator, redis_conn, live_server, settings):
    settings.STUDIO_PUBLIC_URL = live_server.url
    generation = submit(client, alice_key)
    generation = drive_to_terminal(generation.public_id)
    assert generation.status == "succeeded"
    deadline = time.monotonic() + 5
    while not redis_conn.exists(f"callback-seen:{generation.pk}:succeed") and time.monotonic() < deadline:
        time.sleep(0.05)
    # The simulator posted its "succeed" callback to the studio's secret URL and it was accepted.
    assert redis_conn.exists(f"callback-seen:{generation.pk}:succeed")


@pytest.mark.e2e
def test_the_reconciler_requeues_a_generation_whose_job_was_lost(client, alice_key, use_simulator, redis_conn):
    generation = submit(client, alice_key)
    redis_conn.flushdb()  # the job is lost (Redis restarted without its data)
    Generation.objects.filter(pk=generation.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=10))
    report = run_housekeeping()
    assert report.requeued == 1
    assert drive_to_terminal(generation.public_id).status == "succeeded"


def test_the_reconciler_leaves_a_generation_whose_job_is_waiting(client, alice_key, redis_conn):
    generation = submit(client, alice_key)
    Generation.objects.filter(pk=generation.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=10))
    assert run_housekeeping().requeued == 0


def test_the_reconciler_fails_a_generation_past_its_deadline_and_releases_credits(client, alice_key, team, redis_conn):
    generation = generating(submit(client, alice_key))
    long_ago = timezone.now() - dt.timedelta(days=1)
    Generation.objects.filter(pk=generation.pk).update(updated_at=long_ago, created_at=long_ago)
    assert run_housekeeping().failed == 1
    generation.refresh_from_db()
    team.refresh_from_db()
    assert (generation.status, generation.error_code, generation.credit_state) == ("failed", "deadline_exceeded", "released")
    assert team.credits_reserved == 0 and team.generations_in_flight == 0


@pytest.mark.e2e
def test_a_submit_while_redis_is_down_is_accepted_and_runs_when_it_returns(client, alice_key, use_simulator, redis_conn, settings):
    working_queues = settings.RQ_QUEUES
    settings.RQ_QUEUES = {name: {"URL": "redis://127.0.0.1:1/0"} for name in settings.GENERATION_QUEUES}
    response = client.post("/api/v1/generations", {"prompt": "Snow on a red roof"}, content_type="application/json", **bearer(alice_key))
    assert response.status_code == 202  # recorded; the database is the outbox
    generation = Generation.objects.get(public_id=response.json()["id"])
    assert generation.status == "queued"
    assert run_housekeeping(now=timezone.now() + dt.timedelta(minutes=10)).requeued == 0  # Redis still down: nothing lost, nothing done

    settings.RQ_QUEUES = working_queues
    assert run_housekeeping(now=timezone.now() + dt.timedelta(minutes=10)).requeued == 1
    assert drive_to_terminal(generation.public_id).status == "succeeded"

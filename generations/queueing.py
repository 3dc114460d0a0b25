"""Putting work on the queues, in one place. Jobs carry ids, never objects; job ids say what they are.

Jobs are named by their dotted path (RQ imports them in the worker), so the layers that enqueue work
(actions, housekeeping) never import the worker code that runs it.
"""

import datetime as dt
import logging

import redis

from accounts.redis_client import get_queue

logger = logging.getLogger(__name__)

GENERATIONS_QUEUE = "generations"
WEBHOOKS_QUEUE = "webhooks"

ADVANCE_GENERATION_JOB = "generations.worker.jobs.advance_generation_job"
DELIVER_WEBHOOK_JOB = "generations.worker.jobs.deliver_webhook_job"


def job_id_for(generation_id, round_number):
    return f"generation-{generation_id}-turn-{round_number}"


def enqueue_generation(generation_id, *, round_number, delay_s=0):
    """Ask a worker to drive generation `generation_id` forward (one turn), now or after `delay_s` seconds
    (a worker started with the scheduler moves a delayed job onto the queue when it is due).

    If Redis is unreachable the generation is not lost: its row is committed in a driven state, and the
    reconciler enqueues it once Redis is back (the database is the outbox). Returns None in that case.
    """
    options = {
        "job_id": job_id_for(generation_id, round_number),
        "description": f"advance generation {generation_id} (turn {round_number})",
        "result_ttl": 3600,
        "failure_ttl": 7 * 24 * 3600,
    }
    try:
        queue = get_queue(GENERATIONS_QUEUE)
        if delay_s:
            return queue.enqueue_in(dt.timedelta(seconds=delay_s), ADVANCE_GENERATION_JOB, generation_id, **options)
        # One round trip, not two: RQ registers the queue and stores and pushes the job in our pipeline
        # (every create enqueues, so this is on the hottest path).
        pipe = queue.connection.pipeline()
        job = queue.enqueue(ADVANCE_GENERATION_JOB, generation_id, pipeline=pipe, **options)
        pipe.execute()
        return job
    except redis.RedisError as exc:
        logger.warning("queue unavailable; generation %s waits for the reconciler: %s", generation_id, exc)
        return None


def enqueue_delivery(delivery_id, *, delay_s=0):
    """Queue one webhook attempt. Without Redis the row waits, and the reconciler sends it once Redis is back."""
    try:
        queue = get_queue(WEBHOOKS_QUEUE)
        if delay_s:
            return queue.enqueue_in(dt.timedelta(seconds=delay_s), DELIVER_WEBHOOK_JOB, delivery_id)
        return queue.enqueue(DELIVER_WEBHOOK_JOB, delivery_id)
    except redis.RedisError as exc:
        logger.warning("queue unavailable; webhook delivery %s waits for the reconciler: %s", delivery_id, exc)
        return None

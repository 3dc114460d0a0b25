"""Enqueueing, in one place. Jobs carry ids, never objects; job ids say what they are."""

import logging

import redis

from accounts.redis_client import get_queue

logger = logging.getLogger(__name__)

GENERATIONS_QUEUE = "generations"


def job_id_for(generation_id, round_number):
    return f"generation-{generation_id}-turn-{round_number}"


def enqueue_generation(generation_id, *, round_number):
    """Ask a worker to drive generation `generation_id` forward (one turn).

    If Redis is unreachable the generation is not lost: its row is committed in a driven state, and the
    reconciler enqueues it once Redis is back (the database is the outbox). Returns None in that case.
    """
    from generations.worker.jobs import advance_generation_job

    try:
        queue = get_queue(GENERATIONS_QUEUE)
        return queue.enqueue(
            advance_generation_job,
            generation_id,
            job_id=job_id_for(generation_id, round_number),
            description=f"advance generation {generation_id} (turn {round_number})",
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
    except redis.RedisError as exc:
        logger.warning("queue unavailable; generation %s waits for the reconciler: %s", generation_id, exc)
        return None

"""Enqueueing, in one place. Jobs carry ids, never objects; job ids say what they are."""

import django_rq

GENERATIONS_QUEUE = "generations"


def job_id_for(generation_id, round_number):
    return f"generation-{generation_id}-turn-{round_number}"


def enqueue_generation(generation_id, *, round_number):
    """Ask a worker to drive generation `generation_id` forward (one turn)."""
    from .jobs import advance_generation_job

    queue = django_rq.get_queue(GENERATIONS_QUEUE)
    return queue.enqueue(
        advance_generation_job,
        generation_id,
        job_id=job_id_for(generation_id, round_number),
        description=f"advance generation {generation_id} (turn {round_number})",
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )

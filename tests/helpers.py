"""Helpers shared by tests: running real RQ workers, waiting for generations."""

import django_rq
from rq import SimpleWorker

from generations.models import Generation
from generations.states import TERMINAL


def run_workers(queue_names=("generations", "moderation", "webhooks", "default"), *, max_rounds=50):
    """Run a real SimpleWorker in burst mode until the queues are empty (jobs may enqueue follow-ups)."""
    queues = [django_rq.get_queue(name) for name in queue_names]
    for _ in range(max_rounds):
        if not any(queue.count for queue in queues):
            return
        SimpleWorker(queues, connection=queues[0].connection).work(burst=True)
    raise AssertionError("the queues did not drain")


def drive_to_terminal(generation_id, *, max_rounds=50):
    run_workers(max_rounds=max_rounds)
    generation = Generation.objects.get(public_id=generation_id)
    assert generation.status in TERMINAL, f"generation stuck in {generation.status}"
    return generation

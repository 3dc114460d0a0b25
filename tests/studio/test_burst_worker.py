"""The in-process burst worker drains a queue without opening rq's command channel (whose teardown can wait a
full minute on a pub/sub read)."""

import django_rq

from generations.worker.burst import BurstWorker


def test_a_burst_worker_runs_the_jobs_without_subscribing_to_commands(redis_conn):
    queue = django_rq.get_queue("default")
    job = queue.enqueue("builtins.len", "studio")
    worker = BurstWorker([queue], connection=queue.connection)
    listening = []
    original = worker.dequeue_job_and_maintain_ttl

    def dequeue(*args, **kwargs):
        # While it works: no rq channel has a subscriber (a subscribed worker would show here).
        listening.append(queue.connection.pubsub_channels("rq:pubsub:*"))
        return original(*args, **kwargs)

    worker.dequeue_job_and_maintain_ttl = dequeue
    assert worker.work(burst=True) is True
    job.refresh()
    assert job.get_status() == "finished" and job.return_value() == 6
    assert listening and all(channels == [] for channels in listening)

"""RQ job functions: thin shims that call into the worker with ids (`generations.queueing` names them)."""

from generations.worker import delivery, pipeline


def advance_generation_job(generation_id):
    pipeline.advance_generation(generation_id)


def deliver_webhook_job(delivery_id):
    delivery.deliver(delivery_id)

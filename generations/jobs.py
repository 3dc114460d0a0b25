"""RQ job functions: thin shims that call into the pipeline with ids."""

from . import pipeline


def advance_generation_job(generation_id):
    pipeline.advance_generation(generation_id)


def deliver_webhook_job(delivery_id):
    from . import webhooks

    webhooks.deliver(delivery_id)

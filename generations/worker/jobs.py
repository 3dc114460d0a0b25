"""RQ job functions: thin shims that call into the pipeline with ids."""

from generations.worker import pipeline


def advance_generation_job(generation_id):
    pipeline.advance_generation(generation_id)


def deliver_webhook_job(delivery_id):
    from generations.actions import webhooks

    webhooks.deliver(delivery_id)

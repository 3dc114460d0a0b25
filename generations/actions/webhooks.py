"""Webhooks out: generation events to the team's endpoints and to a generation's own callback_url.

Deliveries are rows (`WebhookDelivery`) written in the same transaction as the status change that caused
them, then sent from the `webhooks` queue through the outbound guard (no private addresses unless
allow-listed), signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
and retried with exponential backoff over more than a day. The reconciler sends any delivery that is
due and has no job (a lost job, a restarted Redis), so none is forgotten.
"""

import datetime as dt
import json
import logging

import redis
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from accounts.redis_client import get_queue

from generations import outbound
from generations.models import DeliveryStatus, TeamCallbackSecret, WebhookDelivery, WebhookEndpoint
from generations.presenters import generation_summary
from generations.states import Status

logger = logging.getLogger(__name__)

WEBHOOKS_QUEUE = "webhooks"
# Waits after each failed attempt: ten retries over about 47 hours.
RETRY_SCHEDULE_S = (5, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
NATIVE_EVENTS = {
    Status.SUCCEEDED: "generation.succeeded",
    Status.FAILED: "generation.failed",
    Status.BLOCKED: "generation.blocked",
    Status.HELD: "generation.held",
}
# The Kling callback protocol reports every status change the caller can see.
KLING_CALLBACK_STATES = {Status.GENERATING, Status.SUCCEEDED, Status.FAILED, Status.BLOCKED, Status.CANCELED}


def next_delay_s(attempts: int) -> int | None:
    """Seconds to wait after the `attempts`-th failed attempt, or None when the schedule is used up."""
    return RETRY_SCHEDULE_S[attempts - 1] if 1 <= attempts <= len(RETRY_SCHEDULE_S) else None


def _native_payload(generation, event_type):
    return {"type": event_type, "timestamp": timezone.now().isoformat(), "data": generation_summary(generation)}


def events_for_transition(generation, new_status):
    """Write the deliveries a status change causes (inside the caller's transaction) and send them after commit."""
    deliveries = []
    event_type = NATIVE_EVENTS.get(new_status)
    if event_type:
        for endpoint in WebhookEndpoint.objects.filter(team=generation.team, is_active=True):
            if endpoint.wants(event_type):
                deliveries.append(
                    WebhookDelivery(team=generation.team, endpoint=endpoint, generation=generation, url=endpoint.url,
                                    event_type=event_type, payload=_native_payload(generation, event_type))
                )
    if generation.callback_url:
        if generation.callback_format == "kling" and new_status in KLING_CALLBACK_STATES:
            from generations.api.kling import task_object

            deliveries.append(
                WebhookDelivery(team=generation.team, generation=generation, url=generation.callback_url,
                                event_type=f"kling.{new_status}", payload_format="kling", payload=task_object(generation))
            )
        elif generation.callback_format == "native" and event_type:
            deliveries.append(
                WebhookDelivery(team=generation.team, generation=generation, url=generation.callback_url,
                                event_type=event_type, payload=_native_payload(generation, event_type))
            )
    for delivery in deliveries:
        delivery.save()
        transaction.on_commit(lambda delivery_id=delivery.pk: enqueue_delivery(delivery_id))
    return deliveries


def enqueue_delivery(delivery_id, *, delay_s=0):
    """Queue one attempt. Without Redis the row waits, and the reconciler sends it once Redis is back."""
    from generations.worker.jobs import deliver_webhook_job

    try:
        queue = get_queue(WEBHOOKS_QUEUE)
        if delay_s:
            return queue.enqueue_in(dt.timedelta(seconds=delay_s), deliver_webhook_job, delivery_id)
        return queue.enqueue(deliver_webhook_job, delivery_id)
    except redis.RedisError as exc:
        logger.warning("queue unavailable; webhook delivery %s waits for the reconciler: %s", delivery_id, exc)
        return None


def signing_secret(delivery):
    if delivery.endpoint_id:
        return delivery.endpoint.secret
    secret, _ = TeamCallbackSecret.objects.get_or_create(team=delivery.team)
    return secret.secret


def signed_request(delivery, *, now=None):
    """(body bytes, headers) for one attempt: Standard Webhooks headers, the message id stable across retries."""
    body = json.dumps(delivery.payload, separators=(",", ":"), default=str)
    timestamp = now or timezone.now()
    msg_id = f"msg_{delivery.public_id.hex}"
    signature = Webhook(signing_secret(delivery)).sign(msg_id, timestamp, body)
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode(), headers


ENDPOINT_STOPPED = "The endpoint was stopped; this delivery was canceled."


def do_stop_endpoint(endpoint):
    """Stop sending to an endpoint: it takes no new events and its waiting deliveries (retries included)
    are canceled, in one transaction. Returns how many were canceled."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
        endpoint.is_active = False
        return WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CANCELED, last_error=ENDPOINT_STOPPED
        )


def deliver(delivery_id, *, transport=None):
    """One attempt. Claims the delivery with a compare-and-set so two workers never send it at once."""
    now = timezone.now()
    delivery = WebhookDelivery.objects.select_related("endpoint", "team").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING or delivery.next_attempt_at > now:
        return delivery  # done, given up, or not due yet (a duplicate job must not skip the backoff)
    if delivery.endpoint_id and not delivery.endpoint.is_active:
        # A retry queued before the endpoint was stopped: do nothing, and say why in the log.
        WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CANCELED, last_error=ENDPOINT_STOPPED
        )
        delivery.refresh_from_db()
        return delivery
    # Claim: push next_attempt_at forward so the reconciler does not send it again meanwhile.
    claimed = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts).update(
        attempts=delivery.attempts + 1, next_attempt_at=now + dt.timedelta(minutes=5)
    )
    if not claimed:
        return delivery
    delivery.attempts += 1
    body, headers = signed_request(delivery, now=now)
    status_code, error, excerpt = None, "", ""
    try:
        result = outbound.post(delivery.url, body, headers=headers, transport=transport)
        status_code, excerpt = result.status_code, result.excerpt
    except (outbound.UrlNotAllowed, outbound.FetchFailed) as exc:
        error = exc.message
    excerpt = excerpt.replace("\x00", "\ufffd")[:2048]  # PostgreSQL text holds no NUL
    if status_code is not None and 200 <= status_code < 300:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.SUCCEEDED, last_status_code=status_code, last_error="", delivered_at=timezone.now(),
            last_response_excerpt=excerpt,
        )
    else:
        delay = next_delay_s(delivery.attempts)
        changes = {"last_status_code": status_code, "last_error": (error or f"HTTP {status_code}")[:300],
                   "last_response_excerpt": excerpt}
        if delay is None:
            changes["status"] = DeliveryStatus.FAILED
        else:
            changes["next_attempt_at"] = timezone.now() + dt.timedelta(seconds=delay)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**changes)
        if delay is not None:
            enqueue_delivery(delivery.pk, delay_s=delay)  # and if that is lost, the reconciler sends it when due
    delivery.refresh_from_db()
    return delivery


def redeliver(delivery):
    """Manual redelivery from the portal: a fresh delivery of the same event and payload."""
    copy = WebhookDelivery.objects.create(
        team=delivery.team, endpoint=delivery.endpoint, generation=delivery.generation, url=delivery.url,
        event_type=delivery.event_type, payload_format=delivery.payload_format, payload=delivery.payload,
    )
    transaction.on_commit(lambda: enqueue_delivery(copy.pk))
    return copy


def send_due_deliveries(*, now=None, grace_s=60, limit=500):
    """Enqueue deliveries overdue by more than `grace_s` (their own job was lost): the reconciler's share."""
    now = now or timezone.now()
    overdue = now - dt.timedelta(seconds=grace_s)
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=overdue).values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        enqueue_delivery(delivery_id)
    return len(due)

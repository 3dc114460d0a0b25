"""Sending webhooks: one signed attempt per job, through the outbound guard, with backoff over ~47 hours.

Deliveries are written by `generations.actions.webhooks` in the same transaction as the change that
caused them; this module only sends them. Signed per Standard Webhooks (`webhook-id`,
`webhook-timestamp`, `webhook-signature`); a receiver is never trusted to answer quickly or briefly.
"""

import datetime as dt
import json

from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from generations import outbound
from generations.actions.webhooks import ENDPOINT_STOPPED
from generations.models import DeliveryStatus, TeamCallbackSecret, WebhookDelivery
from generations.queueing import enqueue_delivery

# Waits after each failed attempt: ten retries over about 47 hours.
RETRY_SCHEDULE_S = (5, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)



def next_delay_s(attempts: int) -> int | None:
    """Seconds to wait after the `attempts`-th failed attempt, or None when the schedule is used up."""
    return RETRY_SCHEDULE_S[attempts - 1] if 1 <= attempts <= len(RETRY_SCHEDULE_S) else None



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
        # The status code has its own column; last_error is for what a code cannot say (refused, timed out).
        changes = {"last_status_code": status_code, "last_error": error[:300],
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

"""Webhooks out: generation events to the team's endpoints and to a generation's own callback_url.

Deliveries are rows (`WebhookDelivery`) written in the same transaction as the status change that caused
them, then sent from the `webhooks` queue by `generations.worker.delivery` (signed, through the outbound guard,
retried with backoff). Housekeeping sends any delivery that is due and has no job (a lost job, a
restarted Redis), so none is forgotten.
"""

from django.db import transaction
from django.utils import timezone

from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.models import AuditEventType
from generations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from generations.presenters import generation_summary, kling_task_object
from generations.queueing import enqueue_delivery
from generations.states import Status

NATIVE_EVENTS = {
    Status.SUCCEEDED: "generation.succeeded",
    Status.FAILED: "generation.failed",
    Status.BLOCKED: "generation.blocked",
    Status.HELD: "generation.held",
}
# The Kling callback protocol reports every status change the caller can see.
KLING_CALLBACK_STATES = {Status.GENERATING, Status.SUCCEEDED, Status.FAILED, Status.BLOCKED, Status.CANCELED}


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
            deliveries.append(
                WebhookDelivery(team=generation.team, generation=generation, url=generation.callback_url,
                                event_type=f"kling.{new_status}", payload_format="kling", payload=kling_task_object(generation))
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


ENDPOINT_STOPPED = "The endpoint was stopped; this delivery was canceled."


def do_create_endpoint(*, team, user, url, description="", events=(), request=None):
    """A team admin adds an endpoint; the caller has validated `url` through the outbound guard."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            team=team, url=url, description=description, events=list(events), created_by=user
        )
        record_audit_event(
            AuditEventType.WEBHOOK_ENDPOINT_CREATED, actor=Actor(user=user), team=team, target=endpoint,
            extra={"url": url, "events": list(events)}, request=request,
        )
    return endpoint


def do_stop_endpoint(endpoint, *, user=None, request=None):
    """Stop sending to an endpoint: it takes no new events and its waiting deliveries (retries included)
    are canceled, in one transaction. Returns how many were canceled."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
        endpoint.is_active = False
        canceled = WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CANCELED, last_error=ENDPOINT_STOPPED
        )
        record_audit_event(
            AuditEventType.WEBHOOK_ENDPOINT_STOPPED, actor=Actor(user=user) if user else SYSTEM, team=endpoint.team,
            target=endpoint, extra={"url": endpoint.url, "canceled_deliveries": canceled}, request=request,
        )
    return canceled


def do_redeliver(delivery, *, user=None, request=None):
    """Manual redelivery from the portal: a fresh delivery of the same event and payload."""
    with transaction.atomic():
        copy = WebhookDelivery.objects.create(
            team=delivery.team, endpoint=delivery.endpoint, generation=delivery.generation, url=delivery.url,
            event_type=delivery.event_type, payload_format=delivery.payload_format, payload=delivery.payload,
        )
        record_audit_event(
            AuditEventType.WEBHOOK_REDELIVERED, actor=Actor(user=user) if user else SYSTEM, team=delivery.team,
            target=copy, extra={"original": str(delivery.public_id), "event_type": delivery.event_type}, request=request,
        )
    transaction.on_commit(lambda: enqueue_delivery(copy.pk))
    return copy




TEST_EVENT = "webhook.test"


def do_send_test_event(endpoint, *, user, request=None):
    """A signed `webhook.test` event to one endpoint, delivered like any other (same signing, retries and
    log), so a team can check its receiver before a real event depends on it."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            team=endpoint.team, endpoint=endpoint, url=endpoint.url, event_type=TEST_EVENT,
            payload={"type": TEST_EVENT, "timestamp": timezone.now().isoformat(),
                     "data": {"message": "A test event from the studio: your endpoint receives and verifies events.",
                              "endpoint": str(endpoint.public_id)}},
        )
        record_audit_event(
            AuditEventType.WEBHOOK_TEST_SENT, actor=Actor(user=user), team=endpoint.team, target=delivery,
            extra={"url": endpoint.url}, request=request,
        )
        transaction.on_commit(lambda: enqueue_delivery(delivery.pk))
    return delivery

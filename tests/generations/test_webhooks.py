import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from accounts.models import AuditEvent, AuditEventType
from generations.models import Generation, WebhookDelivery, WebhookEndpoint
from generations.worker import delivery as webhook_delivery
from tests.conftest import bearer
from tests.helpers import drive_to_terminal, run_workers

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """A loopback HTTP receiver that fails the first `failures` requests with 500."""

    def __init__(self, failures=0):
        self.failures = failures
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body))
                status = 500 if len(receiver.requests) <= receiver.failures else 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the operator allow-lists the loopback test receiver
    made = []

    def make(failures=0):
        made.append(Receiver(failures))
        return made[-1]

    yield make
    for item in made:
        item.stop()


def submit(client, key, **fields):
    response = client.post("/api/v1/generations", {"prompt": "A heron standing in fog", **fields}, content_type="application/json", **bearer(key))
    assert response.status_code == 202, response.content
    return response.json()["id"]


@pytest.mark.e2e
def test_a_succeeded_event_reaches_the_endpoint_signed_per_standard_webhooks(client, team, alice_key, use_simulator, redis_conn, receiver):
    target = receiver()
    endpoint = WebhookEndpoint.objects.create(team=team, url=target.url, events=["generation.succeeded"])
    generation = drive_to_terminal(submit(client, alice_key))
    run_workers(["webhooks"])
    assert len(target.requests) == 1
    headers, body = target.requests[0]
    event = Webhook(endpoint.secret).verify(body, {k.lower(): v for k, v in headers.items()})
    assert event["type"] == "generation.succeeded"
    assert event["data"]["id"] == str(generation.public_id) and event["data"]["video_url"]


def test_a_receiver_that_fails_three_times_gets_the_event_on_the_fourth_try(client, team, alice_key, redis_conn, receiver):
    target = receiver(failures=3)
    WebhookEndpoint.objects.create(team=team, url=target.url)
    generation_id = submit(client, alice_key)
    Generation.objects.get(public_id=generation_id)
    client.post(f"/api/v1/generations/{generation_id}/cancel", **bearer(alice_key))  # no event: canceled is not one
    assert not WebhookDelivery.objects.exists()

    generation = Generation.objects.get(public_id=generation_id)
    delivery = WebhookDelivery.objects.create(team=team, endpoint=WebhookEndpoint.objects.get(), generation=generation,
                                              url=target.url, event_type="generation.failed", payload={"type": "generation.failed"})
    waits = []
    for attempt in range(1, 5):
        delivery = webhook_delivery.deliver(delivery.pk)
        if attempt < 4:
            assert delivery.status == "pending" and delivery.attempts == attempt and delivery.last_status_code == 500
            waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds()))
            WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # time passes
    assert delivery.status == "succeeded" and delivery.attempts == 4
    assert len(target.requests) == 4
    assert len({headers["webhook-id"] for headers, _ in target.requests}) == 1  # the same message, retried
    assert waits[0] < waits[1] < waits[2]  # exponential backoff


def test_the_retry_schedule_spans_more_than_a_day():
    assert sum(webhook_delivery.RETRY_SCHEDULE_S) > 24 * 3600
    assert webhook_delivery.next_delay_s(len(webhook_delivery.RETRY_SCHEDULE_S) + 1) is None


def test_a_delivery_is_not_sent_before_it_is_due(team, receiver):
    target = receiver()
    delivery = WebhookDelivery.objects.create(team=team, url=target.url, event_type="generation.failed", payload={},
                                              next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
    webhook_delivery.deliver(delivery.pk)
    assert target.requests == []


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/hook", "http://10.0.0.1/hook", "http://169.254.169.254/latest", "http://[::1]/hook", "http://localhost/hook"],
)
def test_callback_urls_to_private_addresses_are_refused(client, alice_key, url):
    response = client.post("/api/v1/generations", {"prompt": "x", "callback_url": url}, content_type="application/json", **bearer(alice_key))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "url_not_allowed"
    assert not Generation.objects.exists()


@pytest.mark.e2e
def test_a_kling_callback_url_receives_the_kling_shape(client, team, alice_key, use_simulator, redis_conn, receiver):
    target = receiver()
    reply = client.post("/kling/v1/videos/text2video", {"prompt": "A red balloon", "callback_url": target.url},
                        content_type="application/json", **bearer(alice_key))
    assert reply.json()["code"] == 0
    drive_to_terminal(reply.json()["data"]["task_id"])
    run_workers(["webhooks"])
    statuses = [json.loads(body)["task_status"] for _, body in target.requests]
    assert statuses[-1] == "succeed" and "processing" in statuses
    final = json.loads(target.requests[-1][1])
    assert "code" not in final and final["task_result"]["videos"][0]["duration"]


@pytest.fixture
def public_dns(monkeypatch):
    """This sandbox has no DNS: make hooks.example.com resolve to a public address, as it would."""
    import socket

    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host.endswith("example.com"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def test_an_owner_adds_an_endpoint_and_sees_its_secret_once(client, alice, team, public_dns):
    client.force_login(alice)
    response = client.post("/webhooks/new/", {"url": "https://hooks.example.com/studio", "events": ["generation.succeeded"]})
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get(team=team)
    assert endpoint.secret.encode() in client.get("/webhooks/").content
    assert endpoint.secret.encode() not in client.get("/webhooks/").content


def test_an_endpoint_on_a_private_address_is_refused_in_the_portal(client, alice, team):
    client.force_login(alice)
    response = client.post("/webhooks/new/", {"url": "http://169.254.169.254/latest"})
    assert response.status_code == 400 and b"url_not_allowed" in response.content
    assert not WebhookEndpoint.objects.exists()


def test_a_member_sees_the_log_but_cannot_change_endpoints(client, bob, team):
    client.force_login(bob)
    assert client.get("/webhooks/").status_code == 200
    client.post("/webhooks/new/", {"url": "https://hooks.example.com/x"})
    assert not WebhookEndpoint.objects.exists()


def test_redelivery_sends_the_same_event_again(client, alice, team, redis_conn):
    delivery = WebhookDelivery.objects.create(team=team, url="https://hooks.example.com/x", event_type="generation.failed",
                                              payload={"type": "generation.failed"}, status="failed", attempts=11)
    client.force_login(alice)
    client.post(f"/webhooks/deliveries/{delivery.public_id}/redeliver/")
    copy = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert (copy.event_type, copy.payload, copy.status, copy.attempts) == ("generation.failed", delivery.payload, "pending", 0)


def test_an_outsider_cannot_touch_another_teams_webhooks(client, alice, team, charlie, other_team):
    endpoint = WebhookEndpoint.objects.create(team=team, url="https://hooks.example.com/a")
    delivery = WebhookDelivery.objects.create(team=team, url=endpoint.url, event_type="generation.failed", payload={})
    client.force_login(charlie)
    assert client.post(f"/webhooks/{endpoint.public_id}/stop/").status_code == 404
    assert client.post(f"/webhooks/deliveries/{delivery.public_id}/redeliver/").status_code == 404
    assert endpoint.url.encode() not in client.get("/webhooks/").content
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_adding_stopping_and_redelivering_are_in_the_audit_trail_with_who_did_it(client, alice, team, public_dns, redis_conn):
    client.force_login(alice)
    client.post("/webhooks/new/", {"url": "https://hooks.example.com/audited", "events": ["generation.failed"]})
    endpoint = WebhookEndpoint.objects.get(team=team)
    delivery = WebhookDelivery.objects.create(team=team, endpoint=endpoint, url=endpoint.url, event_type="generation.failed",
                                              payload={"type": "generation.failed"}, status="failed", attempts=11)
    client.post(f"/webhooks/deliveries/{delivery.public_id}/redeliver/")
    client.post(f"/webhooks/{endpoint.public_id}/stop/")

    events = AuditEvent.objects.filter(team=team, event_type__in=[
        AuditEventType.WEBHOOK_ENDPOINT_CREATED, AuditEventType.WEBHOOK_REDELIVERED, AuditEventType.WEBHOOK_ENDPOINT_STOPPED,
    ]).order_by("id")
    assert [(event.event_type, event.actor_user_id) for event in events] == [
        (AuditEventType.WEBHOOK_ENDPOINT_CREATED, alice.pk),
        (AuditEventType.WEBHOOK_REDELIVERED, alice.pk),
        (AuditEventType.WEBHOOK_ENDPOINT_STOPPED, alice.pk),
    ]
    assert events[0].extra["url"] == "https://hooks.example.com/audited"
    assert events[2].extra["canceled_deliveries"] == 1  # the redelivery was still pending when the endpoint stopped


def test_a_test_event_reaches_the_receiver_signed_like_a_real_one(client, alice, bob, team, redis_conn, receiver):
    target = receiver()
    endpoint = WebhookEndpoint.objects.create(team=team, url=target.url, created_by=alice)
    client.force_login(alice)

    assert client.post(f"/webhooks/{endpoint.public_id}/test/").status_code == 302
    run_workers(["webhooks"])

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.event_type, delivery.status) == ("webhook.test", "succeeded")
    headers, body = target.requests[-1]
    event = Webhook(endpoint.secret).verify(body, {k.lower(): v for k, v in headers.items()})
    assert event["type"] == "webhook.test"
    assert AuditEvent.objects.filter(event_type=AuditEventType.WEBHOOK_TEST_SENT, actor_user=alice).count() == 1

    client.force_login(bob)  # a member, not an admin: no test events
    client.post(f"/webhooks/{endpoint.public_id}/test/")
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1

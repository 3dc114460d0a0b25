"""Issue #17, findings 2, 4, 20 and 21 (SSRF part): what a hostile URL or webhook receiver may cost.

Every hostile server here is real, on 127.0.0.1, bounded in bytes and time, and stops by itself.
"""

import socket
import time

import pytest
from django.utils import timezone

from accounts.models import Team
from generations import outbound
from generations.actions import webhooks
from generations.models import DeliveryStatus, Generation, WebhookDelivery, WebhookEndpoint
from generations.worker import delivery as webhook_delivery
from studio.perf.hostile_servers import HostileServer
from tests.conftest import bearer
from tests.kinds.media import image_bytes

pytestmark = pytest.mark.django_db


def endless_zeros(connection, server):
    """200 with a 400 MB promise, streamed as zeros until the client stops reading (or our cap)."""
    server.send(connection, b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 419430400\r\n\r\n")
    chunk = b"\0" * 65536
    while server.bytes_sent < server.max_bytes and server.alive():
        server.send(connection, chunk)


def drip(payload=b"\x89PNG\r\n\x1a\n" + b"\0" * 100_000, *, every_s=0.05, piece=1):
    """200, then the body one byte at a time: each read arrives well inside any per-read timeout."""

    def behaviour(connection, server):
        server.send(connection, f"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {len(payload)}\r\n\r\n".encode())
        for start in range(0, len(payload), piece):
            if not server.alive() or server.bytes_sent > server.max_bytes:
                return
            server.send(connection, payload[start : start + piece])
            time.sleep(every_s)

    return behaviour


def ok_counter(connection, server):
    server.send(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the operator allow-lists the loopback test servers


def _delivery(team, url, *, endpoint=None):
    return WebhookDelivery.objects.create(
        team=team, endpoint=endpoint, url=url, event_type="generation.succeeded", payload={"type": "generation.succeeded"}
    )


# --- finding 2: a webhook receiver answering an endless body ------------------------------------------


def test_it_reads_only_an_excerpt_of_an_endless_webhook_answer(team, loopback_allowed):
    with HostileServer(endless_zeros, max_connections=1, max_bytes=64 * 1024 * 1024) as server:
        delivery = _delivery(team, server.url("/hook"))
        started = time.monotonic()
        webhook_delivery.deliver(delivery.pk)
        elapsed = time.monotonic() - started
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.last_status_code == 200
    assert len(delivery.last_response_excerpt) == outbound.RESPONSE_EXCERPT_BYTES
    # The studio hung up after the excerpt: the server could push little more than the socket buffers hold.
    assert server.bytes_sent < 16 * 1024 * 1024, server.bytes_sent
    assert elapsed < 5


def test_a_webhook_receiver_that_drips_its_answer_is_cut_at_the_delivery_deadline(team, loopback_allowed, settings):
    settings.WEBHOOK_DELIVERY_DEADLINE_S = 1.0
    with HostileServer(drip(b"x" * 10_000, every_s=0.05), max_connections=1, lifetime_s=15) as server:
        delivery = _delivery(team, server.url("/hook"))
        started = time.monotonic()
        webhook_delivery.deliver(delivery.pk)
        elapsed = time.monotonic() - started
    delivery.refresh_from_db()
    assert elapsed < 3, f"a 1 s delivery deadline held the worker {elapsed:.1f} s"
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1  # retried later, per schedule
    assert "1 s" in delivery.last_error and delivery.last_status_code is None


# --- finding 4: slow-drip image URLs ------------------------------------------------------------------


def test_a_slow_drip_image_url_is_refused_at_the_fetch_deadline(client, team, alice_key, loopback_allowed, settings):
    settings.OUTBOUND_FETCH_DEADLINE_S = 1.5
    settings.OUTBOUND_MIN_BYTES_PER_S = 0  # only the deadline here
    before = Team.objects.get(pk=team.pk).credits_available
    with HostileServer(drip(every_s=0.02), max_connections=1, lifetime_s=15) as server:
        started = time.monotonic()
        response = client.post(
            "/api/v1/generations", {"kind": "image2video", "image": server.url("/cat.png")},
            content_type="application/json", **bearer(alice_key),
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "image_fetch_too_slow" and response.json()["error"]["field"] == "image"
    assert elapsed < 4, f"a 1.5 s fetch deadline held the request {elapsed:.1f} s"
    assert not Generation.objects.exists()
    assert Team.objects.get(pk=team.pk).credits_available == before


def test_an_image_url_below_the_minimum_rate_is_refused_after_the_grace(client, team, alice_key, loopback_allowed, settings):
    settings.OUTBOUND_FETCH_DEADLINE_S = 30
    settings.OUTBOUND_MIN_BYTES_PER_S = 32 * 1024
    settings.OUTBOUND_RATE_GRACE_S = 0.5
    with HostileServer(drip(every_s=0.01, piece=100), max_connections=1, lifetime_s=15) as server:  # ~10 KB/s
        started = time.monotonic()
        response = client.post(
            "/api/v1/generations", {"kind": "image2video", "image": server.url("/cat.png")},
            content_type="application/json", **bearer(alice_key),
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 422 and response.json()["error"]["code"] == "image_fetch_too_slow"
    assert "KB/s" in response.json()["error"]["message"]
    assert elapsed < 3
    assert not Generation.objects.exists()


def test_a_prompt_image_url_served_promptly_still_works(client, team, alice_key, loopback_allowed, redis_conn):
    png = image_bytes((640, 480))

    def serve_png(connection, server):
        server.send(connection, f"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {len(png)}\r\n\r\n".encode() + png)

    with HostileServer(serve_png, max_connections=1) as server:
        response = client.post(
            "/api/v1/generations", {"kind": "image2video", "image": server.url("/cat.png"), "prompt": "The cat looks around"},
            content_type="application/json", **bearer(alice_key),
        )
    assert response.status_code == 202, response.content


# --- finding 21 (part): addresses that wrap a private IPv4, and ports ---------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://[2002:a9fe:a9fe::]/hook",  # 6to4 around 169.254.169.254 (cloud metadata)
        "http://[2002:7f00:1::]/hook",  # 6to4 around 127.0.0.1
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo, client 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 around 169.254.169.254
        "http://[64:ff9b::a00:1]/hook",  # NAT64 around 10.0.0.1
        "http://[::ffff:a9fe:a9fe]/hook",  # IPv4-mapped
    ],
)
def test_a_callback_url_wrapping_a_private_ipv4_in_ipv6_is_refused(client, team, alice_key, url):
    response = client.post(
        "/api/v1/generations", {"prompt": "A calm lake", "callback_url": url}, content_type="application/json", **bearer(alice_key)
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "url_not_allowed" and response.json()["error"]["field"] == "callback_url"
    assert not Generation.objects.exists()


def test_a_6to4_address_of_a_public_ipv4_is_still_allowed():
    target = outbound.resolve_target("http://[2002:5db8:d822::1]/hook")  # 93.184.216.34 inside
    assert target.address == "2002:5db8:d822::1"


def _public(host, port, type=0):
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]


def test_a_webhook_on_an_odd_port_is_refused_in_the_portal(client, alice, team):
    client.force_login(alice)
    response = client.post("/webhooks/new/", {"url": "https://hooks.example.com:6379/x"})
    assert response.status_code == 400
    assert b"url_not_allowed" in response.content and b"Port 6379" in response.content
    assert not WebhookEndpoint.objects.exists()


def test_an_operator_can_allow_a_port(settings):
    with pytest.raises(outbound.UrlNotAllowed, match="Port 8443"):
        outbound.resolve_target("https://hooks.example.com:8443/x", resolver=_public)
    settings.OUTBOUND_ALLOWED_PORTS = [8443]
    assert outbound.resolve_target("https://hooks.example.com:8443/x", resolver=_public).port == 8443


# --- finding 20: a stopped endpoint's retries --------------------------------------------------------


def test_stopping_an_endpoint_cancels_its_waiting_retries_and_nothing_is_sent(client, alice, team, loopback_allowed):
    with HostileServer(ok_counter, max_connections=2, lifetime_s=10) as server:
        endpoint = WebhookEndpoint.objects.create(team=team, url=server.url("/hook"), created_by=alice)
        retry = _delivery(team, endpoint.url, endpoint=endpoint)
        WebhookDelivery.objects.filter(pk=retry.pk).update(attempts=2, last_status_code=500)
        client.force_login(alice)
        assert client.post(f"/webhooks/{endpoint.public_id}/stop/").status_code == 302
        retry.refresh_from_db()
        assert retry.status == DeliveryStatus.CANCELED and "stopped" in retry.last_error
        webhook_delivery.deliver(retry.pk)  # the retry job fires anyway
    assert server.requests == 0
    retry.refresh_from_db()
    assert retry.status == DeliveryStatus.CANCELED and retry.attempts == 2


def test_a_delivery_job_for_an_inactive_endpoint_does_nothing_and_says_why(team, alice, loopback_allowed):
    with HostileServer(ok_counter, max_connections=1, lifetime_s=5) as server:
        endpoint = WebhookEndpoint.objects.create(team=team, url=server.url("/hook"), created_by=alice, is_active=False)
        delivery = _delivery(team, endpoint.url, endpoint=endpoint)
        result = webhook_delivery.deliver(delivery.pk)
    assert server.requests == 0
    assert result.status == DeliveryStatus.CANCELED and result.attempts == 0
    assert result.last_error == webhooks.ENDPOINT_STOPPED
    assert result.next_attempt_at <= timezone.now()

"""Finding 5 (issue #17): behind the TLS proxy every client had the proxy's address, so 20 failures with
random e-mails locked everyone out, and each refusal appended an audit event."""

import ipaddress

import pytest
from django.test import Client

from accounts.audit import forwarded_client
from accounts.models import AuditEvent, AuditEventType

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
TRUSTED = (ipaddress.ip_network("10.0.0.0/24"),)


def sign_in(email, password, *, client_ip, via_proxy=True):
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_ip} if via_proxy else {"REMOTE_ADDR": client_ip}
    return Client().post("/accounts/sign-in/", {"username": email, "password": password}, **meta)


@pytest.mark.parametrize(
    "remote, forwarded, trusted, expected",
    [
        ("10.0.0.5", "203.0.113.7", (), "10.0.0.5"),  # no trusted proxies: the header is ignored
        ("198.51.100.1", "203.0.113.7", TRUSTED, "198.51.100.1"),  # not from the proxy: the header is the client's lie
        ("10.0.0.5", "203.0.113.7", TRUSTED, "203.0.113.7"),
        ("10.0.0.5", "1.2.3.4, 203.0.113.7", TRUSTED, "203.0.113.7"),  # the client's own prefix proves nothing
        ("10.0.0.5", "203.0.113.7, 10.0.0.9", TRUSTED, "203.0.113.7"),  # trusted hops are skipped
        ("10.0.0.5", "garbage", TRUSTED, "10.0.0.5"),
        ("10.0.0.5", "", TRUSTED, "10.0.0.5"),
        ("10.0.0.5", "2001:db8::1", TRUSTED, "2001:db8::1"),
    ],
)
def test_the_client_address_is_derived_only_through_trusted_proxies(remote, forwarded, trusted, expected):
    assert forwarded_client(remote, forwarded, trusted) == expected


def test_an_attacker_behind_the_proxy_cannot_lock_everyone_out(alice, redis_conn, settings):
    settings.TRUSTED_PROXIES = TRUSTED
    settings.SIGN_IN_MAX_CLIENT_FAILURES = 20
    for n in range(25):
        sign_in(f"random{n}@example.org", "guess", client_ip="203.0.113.66")
    refused = sign_in("random99@example.org", "guess", client_ip="203.0.113.66")
    assert b"Too many failed sign-ins from your network" in refused.content
    # Alice, another client behind the same proxy, signs in at once.
    response = sign_in("alice@example.org", "alice-password-1", client_ip="198.51.100.20")
    assert response.status_code == 302


def test_without_trusted_proxies_a_client_is_throttled_by_its_own_address(alice, redis_conn, settings):
    settings.SIGN_IN_MAX_CLIENT_FAILURES = 5
    for n in range(6):
        sign_in(f"random{n}@example.org", "guess", client_ip="203.0.113.66", via_proxy=False)
    assert sign_in("alice@example.org", "alice-password-1", client_ip="203.0.113.66", via_proxy=False).status_code == 200
    assert sign_in("alice@example.org", "alice-password-1", client_ip="198.51.100.20", via_proxy=False).status_code == 302


def test_an_account_guessed_from_one_client_stays_open_from_another(alice, redis_conn, settings):
    settings.TRUSTED_PROXIES = TRUSTED
    settings.SIGN_IN_MAX_FAILURES = 3
    for _ in range(3):
        sign_in("alice@example.org", "guess", client_ip="203.0.113.66")
    locked = sign_in("alice@example.org", "alice-password-1", client_ip="203.0.113.66")
    assert locked.status_code == 200 and b"Too many failed sign-ins." in locked.content
    assert sign_in("alice@example.org", "alice-password-1", client_ip="198.51.100.20").status_code == 302


def test_an_account_guessed_from_many_clients_is_throttled(alice, redis_conn, settings):
    settings.TRUSTED_PROXIES = TRUSTED
    settings.SIGN_IN_MAX_FAILURES = 2  # account-wide: 4x = 8
    for n in range(8):
        sign_in("alice@example.org", "guess", client_ip=f"203.0.113.{n + 1}")
    refused = sign_in("alice@example.org", "alice-password-1", client_ip="198.51.100.20")
    assert refused.status_code == 200 and b"Too many failed sign-ins." in refused.content


def test_refused_attempts_are_counted_in_one_audit_event_per_window(alice, redis_conn, settings):
    settings.TRUSTED_PROXIES = TRUSTED
    settings.SIGN_IN_MAX_CLIENT_FAILURES = 3
    for n in range(3):
        sign_in(f"random{n}@example.org", "guess", client_ip="203.0.113.66")
    before = AuditEvent.objects.count()
    for n in range(50):
        sign_in(f"flood{n}@example.org", "guess", client_ip="203.0.113.66")
    written = AuditEvent.objects.filter(pk__gt=0).order_by("-id")[: AuditEvent.objects.count() - before]
    assert [event.event_type for event in written] == [AuditEventType.SIGN_IN_LOCKED_OUT]
    (event,) = written
    assert event.extra["scope"] == "client" and event.extra["failures"] == 3 and event.extra["refused"] == 1
    assert event.ip_address == "203.0.113.66"

    # The next window's event carries the refusals the first one did not report.
    redis_conn.delete("signin-refused-audited:client:203.0.113.66")
    sign_in("flood-last@example.org", "guess", client_ip="203.0.113.66")
    latest = AuditEvent.objects.latest("id")
    assert latest.event_type == AuditEventType.SIGN_IN_LOCKED_OUT and latest.extra["refused"] == 50

"""Kling access key / secret key pairs: made in the portal, accepted by the Kling door exactly as Kling does.

Tokens are signed with pyjwt (independent of the studio's own verification); requests go through the real
views with Django's test client.
"""

import base64
import hashlib
import hmac
import time

import jwt
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from accounts.actions import do_create_kling_key_pair, do_revoke_api_key
from accounts.audit import SYSTEM
from accounts.errors import AccountError
from accounts.models import AuditEvent, AuditEventType, KlingKeyPair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(team, alice):
    return do_create_kling_key_pair(team=team, user=alice, name="sdk pair")


def token(access_key, secret, **claims):
    now = int(time.time())
    payload = {"iss": access_key, "exp": now + 1800, "nbf": now - 5, **claims}
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, secret, algorithm="HS256", headers={"typ": "JWT"})


def list_tasks(client, bearer):
    return client.get("/kling/v1/videos/text2video", HTTP_AUTHORIZATION=f"Bearer {bearer}")


def test_a_jwt_signed_with_the_pair_is_accepted_and_acts_as_the_pair_team(client, pair, team, redis_conn):
    record, secret = pair
    assert record.access_key.startswith("ak-") and secret.startswith("sk-")
    reply = list_tasks(client, token(record.access_key, secret))
    assert reply.status_code == 200, reply.content
    assert reply.json()["code"] == 0 and reply.json()["data"] == []
    record.api_key.refresh_from_db()
    assert record.api_key.last_used_at is not None and record.api_key.team_id == team.pk


def test_a_studio_api_key_still_works_as_bearer_and_as_jwt(client, alice_key, redis_conn):
    assert list_tasks(client, alice_key).json()["code"] == 0
    assert list_tasks(client, token(alice_key, alice_key)).json()["code"] == 0


@pytest.mark.parametrize(
    ("case", "http_status", "code"),
    [
        ("wrong secret", 401, 1002),
        ("expired", 401, 1004),
        ("no exp", 401, 1004),
        ("not yet valid", 401, 1003),
        ("lifetime over the cap", 401, 1004),
        ("unknown iss", 401, 1002),
        ("alg none", 401, 1002),
        ("empty", 401, 1001),
    ],
)
def test_bad_tokens_get_kling_codes_in_the_envelope(client, pair, redis_conn, case, http_status, code):
    record, secret = pair
    now = int(time.time())
    bearer = {
        "wrong secret": lambda: token(record.access_key, "sk-not-the-secret-but-just-as-long-as-one"),
        "expired": lambda: token(record.access_key, secret, exp=now - 60, nbf=now - 120),
        "no exp": lambda: jwt.encode({"iss": record.access_key, "nbf": now - 5}, secret, algorithm="HS256"),
        "not yet valid": lambda: token(record.access_key, secret, nbf=now + 120),
        "lifetime over the cap": lambda: token(record.access_key, secret, exp=now + settings.KLING_JWT_MAX_LIFETIME_S + 3600),
        "unknown iss": lambda: token("ak-" + "0" * 32, secret),
        "alg none": lambda: jwt.encode({"iss": record.access_key, "exp": now + 60}, None, algorithm="none") + "sig",
        "empty": lambda: "",
    }[case]()
    reply = list_tasks(client, bearer)
    assert reply.status_code == http_status
    assert reply["Content-Type"].startswith("application/json")
    body = reply.json()
    assert body["code"] == code and "data" not in body and body["request_id"]


def test_a_small_clock_skew_on_nbf_is_forgiven(client, pair, redis_conn):
    record, secret = pair
    assert list_tasks(client, token(record.access_key, secret, nbf=int(time.time()) + 3)).json()["code"] == 0


def test_a_revoked_pair_is_refused(client, pair, redis_conn):
    record, secret = pair
    do_revoke_api_key(key=record.api_key, actor=SYSTEM)
    reply = list_tasks(client, token(record.access_key, secret))
    assert (reply.status_code, reply.json()["code"]) == (401, 1002)


def test_the_secret_is_not_stored_in_clear(pair):
    record, secret = pair
    stored = KlingKeyPair.objects.get(pk=record.pk).secret_encrypted
    assert secret not in stored
    # Nothing in the database file holds the secret, in any column of any table.
    with connection.cursor() as cursor:
        tables = [name for name in connection.introspection.table_names(cursor)]
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the schema)
            for row in cursor.fetchall():
                assert not any(isinstance(value, str) and secret in value for value in row), table


def test_the_backing_key_of_a_pair_cannot_be_used_as_a_studio_key(client, pair, redis_conn):
    record, _secret = pair
    # The only studio-key form it could have is sk-<prefix>.<secret>; its secret was never shown.
    reply = list_tasks(client, f"sk-{record.api_key.prefix}.guess")
    assert reply.status_code == 401


def test_owners_create_pairs_in_the_portal_and_the_secret_is_shown_once(client, alice, team, redis_conn):
    client.force_login(alice)
    reply = client.post(reverse("kling_pair_create"), {"name": "my sdk", "scopes": ["generate", "read"]})
    assert reply.status_code == 302
    page = client.get(reverse("api_keys")).content.decode()
    record = KlingKeyPair.objects.get(team=team)
    assert record.access_key in page
    secret_start = page.index('id="new-pair-secret"')
    secret = page[secret_start:].split('value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("sk-")
    assert list_tasks(client, token(record.access_key, secret)).json()["code"] == 0
    again = client.get(reverse("api_keys")).content.decode()
    assert secret not in again and record.access_key in again
    event = AuditEvent.objects.get(event_type=AuditEventType.KLING_KEY_PAIR_CREATED)
    assert event.extra["access_key"] == record.access_key and secret not in str(event.extra)


def test_members_cannot_create_pairs(client, bob, team):
    client.force_login(bob)
    reply = client.post(reverse("kling_pair_create"), {"name": "mine", "scopes": ["read"]})
    assert reply.status_code == 403
    assert not KlingKeyPair.objects.exists()
    assert "Create a Kling key pair" not in client.get(reverse("api_keys")).content.decode()
    with pytest.raises(AccountError) as refused:
        do_create_kling_key_pair(team=team, user=bob, name="mine")
    assert refused.value.code == "not_team_admin"
    assert not AuditEvent.objects.filter(event_type=AuditEventType.KLING_KEY_PAIR_CREATED).exists()


def test_a_read_only_pair_cannot_create(client, team, alice, redis_conn):
    record, secret = do_create_kling_key_pair(team=team, user=alice, name="reader", scopes=["read"])
    reply = client.post("/kling/v1/videos/text2video", data={"prompt": "a boat"}, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {token(record.access_key, secret)}")
    assert (reply.status_code, reply.json()["code"]) == (403, 1103)


def _raw_token(secret, payload_json: str):
    """A token whose claims are the given JSON text (pyjwt will not write NaN), signed with `secret`."""

    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = part(b'{"alg":"HS256","typ":"JWT"}')
    signing = f"{header}.{part(payload_json.encode())}"
    return f"{signing}.{part(hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest())}"


@pytest.mark.parametrize("who", ["pair", "studio key"])
def test_a_token_cannot_outlive_the_cap_with_nan_or_a_future_iat(client, pair, alice_key, redis_conn, who):
    record, secret = pair
    issuer, signing_secret = (record.access_key, secret) if who == "pair" else (alice_key, alice_key)
    now = int(time.time())
    never = _raw_token(signing_secret, f'{{"iss": "{issuer}", "exp": NaN}}')
    stretched = token(issuer, signing_secret, exp=now + 10 * 365 * 86400, iat=now + 10 * 365 * 86400 - 60)
    for bearer in (never, stretched):
        reply = list_tasks(client, bearer)
        assert reply.status_code == 401 and reply.json()["code"] in (1002, 1004), reply.content

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from accounts import api_keys
from accounts.actions import authenticate_api_key, do_create_api_key
from accounts.errors import AccountError
from accounts.models import ApiKey, AuditEvent, AuditEventType, Membership


@pytest.mark.parametrize(
    "raw, ok",
    [
        ("sk-" + "a" * 48, True),
        ("sk-" + "a" * 47, False),
        ("sk-" + "a" * 49, False),
        ("pk-" + "a" * 48, False),
        ("sk-" + "a" * 47 + "!", False),
        ("", False),
    ],
)
def test_it_recognises_the_key_format(raw, ok):
    assert (api_keys.split_key(raw) is not None) is ok


def test_the_hash_depends_on_the_pepper():
    assert api_keys.hash_secret("s3cret", pepper="one") != api_keys.hash_secret("s3cret", pepper="two")


@pytest.mark.django_db
def test_a_key_is_never_stored_in_plain_text(team, alice):
    key, raw = do_create_api_key(team=team, user=alice, name="ci")
    secret = raw[len("sk-") + api_keys.LOOKUP_LENGTH:]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apikey")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert secret not in stored and raw not in stored
    assert key.prefix in stored  # the lookup part is shown in the UI, by design
    assert authenticate_api_key(raw).pk == key.pk


@pytest.mark.django_db
def test_creating_a_key_is_audited_without_the_secret(team, alice):
    key, raw = do_create_api_key(team=team, user=alice, name="ci")
    event = AuditEvent.objects.get(event_type=AuditEventType.API_KEY_CREATED)
    assert event.target_id == str(key.public_id)
    assert raw not in str(event.extra)


@pytest.mark.django_db
def test_an_expired_key_is_refused_with_its_own_code(team, alice):
    _key, raw = do_create_api_key(team=team, user=alice, name="old", expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(AccountError) as caught:
        authenticate_api_key(raw)
    assert caught.value.code == "api_key_expired"


@pytest.mark.django_db
def test_a_removed_members_key_stops_working(team, bob):
    _key, raw = do_create_api_key(team=team, user=bob, name="bob's")
    Membership.objects.filter(team=team, user=bob).delete()
    with pytest.raises(AccountError) as caught:
        authenticate_api_key(raw)
    assert caught.value.code == "api_key_owner_removed"


@pytest.mark.django_db
def test_a_wrong_secret_with_a_real_prefix_is_refused(team, alice):
    key, raw = do_create_api_key(team=team, user=alice, name="ci")
    forged = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    with pytest.raises(AccountError) as caught:
        authenticate_api_key(forged)
    assert caught.value.code == "invalid_api_key"


@pytest.mark.django_db
def test_using_a_key_records_when_and_from_where(team, alice):
    key, raw = do_create_api_key(team=team, user=alice, name="ci")
    authenticate_api_key(raw, ip_address="127.0.0.1")
    key.refresh_from_db()
    assert key.last_used_at is not None and key.last_used_ip == "127.0.0.1"


@pytest.mark.django_db
def test_an_outsider_cannot_get_a_key_for_a_team(team, charlie):
    with pytest.raises(AccountError) as caught:
        do_create_api_key(team=team, user=charlie, name="sneaky")
    assert caught.value.code == "not_a_member"
    assert not ApiKey.objects.exists()

"""A busy API key is authenticated from the process's cache, and everything that should end a key still
ends it at once: revocation (also when committed by another process), removal from the team, a
deactivated account, expiry, a wrong secret."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import auth_cache
from accounts.actions import authenticate_api_key, do_create_api_key, do_revoke_api_key
from accounts.audit import SYSTEM
from accounts.credits import do_set_credits
from accounts.errors import AccountError
from accounts.models import Membership

pytestmark = pytest.mark.django_db


def refused_code(raw):
    with pytest.raises(AccountError) as caught:
        authenticate_api_key(raw, ip_address="127.0.0.1")
    return caught.value.code


def test_it_reads_a_busy_key_without_touching_the_database(team, alice, redis_conn, django_assert_num_queries):
    key, raw = do_create_api_key(team=team, user=alice, name="ci")
    authenticate_api_key(raw, ip_address="127.0.0.1")
    with django_assert_num_queries(0):
        again = authenticate_api_key(raw, ip_address="127.0.0.1")
    assert (again.pk, again.team_id, again.created_by.pk) == (key.pk, team.pk, alice.pk)


def test_the_team_is_read_afresh_so_its_balances_are_current(team, alice, redis_conn):
    _key, raw = do_create_api_key(team=team, user=alice, name="ci")
    assert authenticate_api_key(raw, ip_address="127.0.0.1").team.credits_available == 10_000
    do_set_credits(team, 7)
    assert authenticate_api_key(raw, ip_address="127.0.0.1").team.credits_available == 7


def test_each_request_gets_its_own_copy_of_the_key_and_creator(team, alice, redis_conn):
    _key, raw = do_create_api_key(team=team, user=alice, name="ci")
    first = authenticate_api_key(raw, ip_address="127.0.0.1")
    first.created_by.email = "changed@example.org"
    first.scopes.append("admin")
    first.last_used_ip = "192.0.2.1"
    second = authenticate_api_key(raw, ip_address="127.0.0.1")
    assert second is not first and second.created_by is not first.created_by
    assert second.created_by.email == alice.email
    assert "admin" not in second.scopes and second.last_used_ip == "127.0.0.1"


def test_a_revoked_key_stops_working_at_once(team, alice, redis_conn):
    key, raw = do_create_api_key(team=team, user=alice, name="ci")
    authenticate_api_key(raw, ip_address="127.0.0.1")
    do_revoke_api_key(key=key, actor=SYSTEM)
    assert refused_code(raw) == "api_key_revoked"


@pytest.mark.django_db(transaction=True)
def test_a_revocation_committed_by_another_process_ends_the_key_here(team, alice, redis_conn):
    key, raw = do_create_api_key(team=team, user=alice, name="ci")
    authenticate_api_key(raw, ip_address="127.0.0.1")
    # What this process had cached; another process's revocation never clears this memory, only Redis.
    remembered = dict(auth_cache._entries)
    do_revoke_api_key(key=key, actor=SYSTEM)
    auth_cache._entries.update(remembered)
    assert refused_code(raw) == "api_key_revoked"


def test_removing_the_creator_from_the_team_ends_a_cached_key(team, bob, redis_conn):
    _key, raw = do_create_api_key(team=team, user=bob, name="bob's")
    authenticate_api_key(raw, ip_address="127.0.0.1")
    Membership.objects.filter(team=team, user=bob).delete()
    assert refused_code(raw) == "api_key_owner_removed"


def test_deactivating_the_creator_ends_a_cached_key(team, bob, redis_conn):
    _key, raw = do_create_api_key(team=team, user=bob, name="bob's")
    authenticate_api_key(raw, ip_address="127.0.0.1")
    bob.is_active = False
    bob.save()
    assert refused_code(raw) == "api_key_owner_removed"


def test_a_cached_key_still_expires_on_time(team, alice, redis_conn, monkeypatch):
    expires = timezone.now() + dt.timedelta(hours=1)
    _key, raw = do_create_api_key(team=team, user=alice, name="ci", expires_at=expires)
    authenticate_api_key(raw, ip_address="127.0.0.1")
    monkeypatch.setattr(timezone, "now", lambda: expires + dt.timedelta(seconds=1))
    assert refused_code(raw) == "api_key_expired"


def test_a_wrong_secret_is_refused_while_the_key_is_cached(team, alice, redis_conn):
    _key, raw = do_create_api_key(team=team, user=alice, name="ci")
    authenticate_api_key(raw, ip_address="127.0.0.1")
    forged = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    assert refused_code(forged) == "invalid_api_key"


def test_a_cached_key_is_read_again_after_its_time(team, alice, redis_conn, settings, monkeypatch, django_assert_num_queries):
    settings.API_KEY_CACHE_SECONDS = 5
    _key, raw = do_create_api_key(team=team, user=alice, name="ci")
    authenticate_api_key(raw, ip_address="127.0.0.1")
    later = auth_cache.time.monotonic() + 6
    monkeypatch.setattr(auth_cache.time, "monotonic", lambda: later)
    with django_assert_num_queries(2):  # the key with its team and creator, and the membership
        authenticate_api_key(raw, ip_address="127.0.0.1")


def test_without_redis_keys_still_authenticate_from_the_database(team, alice, settings, django_assert_num_queries):
    from studio.launcher import free_port

    settings.RQ_QUEUES = {name: {**queue, "URL": f"redis://127.0.0.1:{free_port()}/0"} for name, queue in settings.RQ_QUEUES.items()}
    key, raw = do_create_api_key(team=team, user=alice, name="ci")
    authenticate_api_key(raw, ip_address="127.0.0.1")
    with django_assert_num_queries(2):
        assert authenticate_api_key(raw, ip_address="127.0.0.1").pk == key.pk
    do_revoke_api_key(key=key, actor=SYSTEM)
    assert refused_code(raw) == "api_key_revoked"

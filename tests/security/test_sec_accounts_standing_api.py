"""Finding 18 (issue #17): /api/v1/account always said standing "good". It now reports the standing the
portal's banner and standing page show, all from `accounts.standing.current_standing`."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Standing, StandingEvent, StandingLevel
from accounts.standing import do_record_strike
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def api_standing(client, key):
    response = client.get("/api/v1/account", **bearer(key))
    assert response.status_code == 200
    return response.json()["standing"]


def test_a_warned_user_is_told_so_by_the_api_the_banner_and_the_standing_page(client, alice, alice_key, redis_conn):
    do_record_strike(alice, category="sexual", source="prompt_block")  # 3 points: warned
    standing = api_standing(client, alice_key)
    assert standing["level"] == "warned" and standing["points"] == 3.0
    client.force_login(alice)
    banner_page = client.get("/accounts/usage/").content.decode()
    assert "Your account is <strong>warned</strong>" in banner_page
    assert "Warned" in client.get("/accounts/standing/").content.decode()


def test_a_stale_stored_level_does_not_leak_into_any_of_them(client, alice, alice_key, redis_conn):
    # Points from long ago have decayed to nothing; the stored row still says restricted until the next refresh.
    StandingEvent.objects.create(user=alice, category="violence", source="prompt_block", points=7,
                                 created_at=timezone.now() - dt.timedelta(days=400))
    Standing.objects.update_or_create(user=alice, defaults={"level": StandingLevel.RESTRICTED})
    assert api_standing(client, alice_key)["level"] == "good"
    client.force_login(alice)
    assert "Your account is <strong>" not in client.get("/accounts/usage/").content.decode()


def test_a_suspension_is_reported_as_such(client, alice, alice_key, redis_conn):
    do_record_strike(alice, category="sexual_minors", source="prompt_block")
    assert api_standing(client, alice_key)["level"] == "suspended"


def test_an_outsiders_key_reports_their_own_standing_not_alices(client, alice, alice_key, charlie_key, redis_conn):
    do_record_strike(alice, category="sexual", source="prompt_block")
    assert api_standing(client, charlie_key)["level"] == "good"

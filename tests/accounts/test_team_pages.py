"""The team, API key and usage pages, as the people using them see them."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import Sum
from django.test import Client

from accounts.actions import do_create_api_key
from accounts.audit import SYSTEM
from accounts.credits import do_grant_credits
from accounts.models import ApiKey, AuditEvent, CreditEntry, Invitation, Membership, Role, Team, User
from generations.models import Generation
from tests.conftest import bearer
from tests.helpers import drive_to_terminal

pytestmark = pytest.mark.django_db

RAW_KEY = re.compile(r"sk-[A-Za-z0-9]{48}")
INVITATION_LINK = re.compile(r"http://testserver(/accounts/invitations/[^/\s]+/)")


def flashed(response):
    """The flash messages a followed redirect rendered."""
    return [str(message) for message in response.context["messages"]]


def membership(team, user):
    return Membership.objects.get(team=team, user=user)


def make_member(team, email, role=Role.MEMBER, **fields):
    user = User.objects.create_user(email, "a-long-password-1", **fields)
    Membership.objects.create(team=team, user=user, role=role)
    return user


def api_error_code(client, raw_key):
    response = client.get("/api/v1/generations", **bearer(raw_key))
    return response.status_code, response.json().get("error", {}).get("code")


# --- sign-in and team scoping ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/accounts/team/", "/accounts/keys/", "/accounts/usage/"])
def test_it_requires_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


@pytest.mark.parametrize("path", ["/accounts/team/", "/accounts/keys/", "/accounts/usage/"])
def test_it_answers_404_to_someone_without_a_team(client, path):
    loner = User.objects.create_user("loner@example.org", "a-long-password-1")
    client.force_login(loner)
    assert client.get(path).status_code == 404


def test_it_shows_the_team_links_only_to_people_with_a_team(client, alice, team):
    loner = User.objects.create_user("loner@example.org", "a-long-password-1")
    client.force_login(loner)
    assert b'href="/accounts/keys/"' not in client.get("/").content
    client.force_login(alice)
    page = client.get("/").content
    assert b'href="/accounts/team/"' in page and b'href="/accounts/keys/"' in page and b'href="/accounts/usage/"' in page


# --- members --------------------------------------------------------------------------------------


def test_it_invites_a_new_person_who_chooses_a_password_when_accepting(client, alice, team, mailoutbox):
    client.force_login(alice)
    response = client.post("/accounts/team/invite/", {"email": "Dana@Example.org", "role": "member"}, follow=True)
    assert flashed(response) == ["Invitation sent to dana@example.org. They join Alpha when they accept it."]
    page = response.content.decode()
    assert "dana@example.org" in page and "/accounts/invitations/" not in page and "/accounts/reset/" not in page
    assert not User.objects.filter(email="dana@example.org").exists()  # no account until she accepts

    (message,) = mailoutbox
    assert message.to == ["dana@example.org"]
    link = INVITATION_LINK.search(message.body).group(1)

    dana = Client()
    form = dana.get(link)
    assert form.status_code == 200 and b"Choose a password" in form.content and b'name="password1"' in form.content
    done = dana.post(link, {"action": "accept", "password1": "violet-harbour-77", "password2": "violet-harbour-77"})
    assert done.status_code == 302
    assert membership(team, User.objects.get(email="dana@example.org")).role == Role.MEMBER
    assert b"Alpha" in dana.get("/accounts/team/").content

    signed_in = Client().post("/accounts/sign-in/", {"username": "dana@example.org", "password": "violet-harbour-77"})
    assert signed_in.status_code == 302

    # The link worked once; it does not work again.
    again = Client().get(link)
    assert again.status_code == 410 and b"invitation_closed" in again.content


def test_an_existing_account_joins_only_when_its_owner_accepts(client, alice, team, charlie, mailoutbox):
    client.force_login(alice)
    response = client.post("/accounts/team/invite/", {"email": "charlie@example.org", "role": "admin"}, follow=True)
    assert not Membership.objects.filter(team=team, user=charlie).exists()
    assert "/accounts/reset/" not in response.content.decode()
    link = INVITATION_LINK.search(mailoutbox[0].body).group(1)

    charlies_browser = Client()
    charlies_browser.force_login(charlie)
    assert charlies_browser.post(link, {"action": "accept"}).status_code == 302
    assert membership(team, charlie).role == Role.ADMIN


def test_it_says_why_an_invitation_was_refused(client, alice, bob, team):
    client.force_login(alice)
    response = client.post("/accounts/team/invite/", {"email": "bob@example.org", "role": "member"}, follow=True)
    assert response.status_code == 200
    assert flashed(response) == ["bob@example.org is already in this team. (already_a_member)"]
    bad = client.post("/accounts/team/invite/", {"email": "not-an-address", "role": "member"}, follow=True)
    assert bad.status_code == 200 and "Enter a valid email address." in flashed(bad)[0]
    assert Membership.objects.filter(team=team).count() == 2


def test_it_refuses_an_admin_making_someone_an_owner(client, alice, bob, team):
    Membership.objects.filter(team=team, user=bob).update(role=Role.ADMIN)
    erin = make_member(team, "erin@example.org")
    client.force_login(bob)

    page = client.get("/accounts/team/").content.decode()
    assert f'action="/accounts/team/members/{membership(team, erin).pk}/role/"' in page
    assert '<option value="owner"' not in page  # an admin is not offered what they cannot do

    response = client.post(f"/accounts/team/members/{membership(team, erin).pk}/role/", {"role": "owner"}, follow=True)
    assert flashed(response) == ["Only an owner can change an owner, or make someone an owner. (not_team_owner)"]
    assert membership(team, erin).role == Role.MEMBER

    invite = client.post("/accounts/team/invite/", {"email": "frank@example.org", "role": "owner"}, follow=True)
    assert "(not_team_owner)" in flashed(invite)[0]
    assert not User.objects.filter(email="frank@example.org").exists()
    assert not Invitation.objects.filter(email="frank@example.org").exists()

    demote_owner = client.post(f"/accounts/team/members/{membership(team, alice).pk}/role/", {"role": "member"}, follow=True)
    assert "(not_team_owner)" in flashed(demote_owner)[0]
    assert membership(team, alice).role == Role.OWNER

    # What an admin may do, they can.
    promoted = client.post(f"/accounts/team/members/{membership(team, erin).pk}/role/", {"role": "admin"}, follow=True)
    assert flashed(promoted) == ["erin@example.org is now admin."]
    assert membership(team, erin).role == Role.ADMIN


def test_it_keeps_the_last_owner(client, alice, team):
    client.force_login(alice)
    own = membership(team, alice)
    for path, data in (
        (f"/accounts/team/members/{own.pk}/role/", {"role": "admin"}),
        (f"/accounts/team/members/{own.pk}/remove/", {}),
        ("/accounts/team/leave/", {}),
    ):
        response = client.post(path, data, follow=True)
        assert response.status_code == 200
        assert len(flashed(response)) == 1 and "(last_owner)" in flashed(response)[0]
        assert membership(team, alice).role == Role.OWNER


def test_it_shows_a_member_no_admin_forms_and_refuses_their_posts(client, alice, bob, team):
    client.force_login(bob)
    page = client.get("/accounts/team/").content.decode()
    assert "alice@example.org" in page and "bob@example.org" in page
    assert "Invite someone" not in page and "Team limits" not in page
    assert "/role/" not in page and "/cap/" not in page and "/remove/" not in page
    assert "Leave team" in page

    alice_membership = membership(team, alice)
    attempts = [
        ("/accounts/team/invite/", {"email": "mallory@example.org", "role": "member"}),
        (f"/accounts/team/members/{alice_membership.pk}/role/", {"role": "member"}),
        (f"/accounts/team/members/{membership(team, bob).pk}/role/", {"role": "owner"}),
        (f"/accounts/team/members/{membership(team, bob).pk}/cap/", {"cap": ""}),
        (f"/accounts/team/members/{alice_membership.pk}/remove/", {}),
    ]
    for path, data in attempts:
        response = client.post(path, data, follow=True)
        assert response.status_code == 200
        assert flashed(response) == ["Only the team's owners and admins can do that. (not_team_admin)"], path
    assert not User.objects.filter(email="mallory@example.org").exists()
    assert {(m.user.email, m.role) for m in Membership.objects.filter(team=team)} == {
        ("alice@example.org", Role.OWNER),
        ("bob@example.org", Role.MEMBER),
    }


def test_it_lets_a_member_leave(client, alice, bob, team):
    client.force_login(bob)
    response = client.post("/accounts/team/leave/", follow=True)
    assert flashed(response) == ["You left Alpha."]
    assert not Membership.objects.filter(team=team, user=bob).exists()
    assert client.get("/accounts/team/").status_code == 404


def test_it_sets_and_clears_a_member_cap(client, alice, bob, team):
    client.force_login(alice)
    path = f"/accounts/team/members/{membership(team, bob).pk}/cap/"
    capped = client.post(path, {"cap": "250"}, follow=True)
    assert flashed(capped) == ["bob@example.org now has a cap of 250 credits a month."]
    assert membership(team, bob).monthly_credit_cap == 250
    assert "250 credits" in capped.content.decode()

    negative = client.post(path, {"cap": "-5"}, follow=True)
    assert "greater than or equal to 0" in flashed(negative)[0]
    assert membership(team, bob).monthly_credit_cap == 250

    cleared = client.post(path, {"cap": ""}, follow=True)
    assert flashed(cleared) == ["bob@example.org now has no cap."]
    assert membership(team, bob).monthly_credit_cap is None


def test_it_revokes_a_removed_members_keys(client, alice, bob, team, redis_conn):
    _key, raw = do_create_api_key(team=team, user=bob, name="bob's laptop")
    assert api_error_code(client, raw) == (200, None)

    client.force_login(alice)
    bob_membership = membership(team, bob)
    response = client.post(f"/accounts/team/members/{bob_membership.pk}/remove/", follow=True)
    assert flashed(response) == ["bob@example.org was removed from the team; their API keys were revoked."]
    assert f"/accounts/team/members/{bob_membership.pk}/" not in response.content.decode()
    assert not Membership.objects.filter(team=team, user=bob).exists()

    status, code = api_error_code(client, raw)
    assert status == 401 and code in ("api_key_owner_removed", "api_key_revoked")
    keys_page = client.get("/accounts/keys/").content.decode()
    assert "bob&#x27;s laptop" in keys_page and "Revoked" in keys_page


def test_it_escapes_what_people_typed(client, alice, team):
    make_member(team, "mallory@example.org", full_name="<script>alert(1)</script>")
    do_create_api_key(team=team, user=alice, name="<img src=x onerror=alert(2)>")
    client.force_login(alice)
    members = client.get("/accounts/team/").content.decode()
    keys = client.get("/accounts/keys/").content.decode()
    assert "<script>alert(1)" not in members and "&lt;script&gt;alert(1)&lt;/script&gt;" in members
    assert "<img src=x" not in keys and "&lt;img src=x onerror=alert(2)&gt;" in keys


def test_it_lets_only_an_owner_change_the_team_limits(client, alice, bob, team):
    client.force_login(bob)
    refused = client.post("/accounts/team/limits/", {"max_concurrent_generations": "5", "monthly_allowance": "5000"}, follow=True)
    assert flashed(refused) == ["Only the team's owners can change its limits. (not_team_owner)"]
    client.force_login(alice)
    saved = client.post("/accounts/team/limits/", {"max_concurrent_generations": "3", "monthly_allowance": "1200"}, follow=True)
    assert flashed(saved) == ["Team limits saved."]
    team.refresh_from_db()
    assert (team.max_concurrent_generations, team.monthly_allowance) == (3, 1200)


# --- API keys -------------------------------------------------------------------------------------


def test_it_shows_a_new_key_exactly_once_and_never_stores_it(client, alice, team, redis_conn):
    client.force_login(alice)
    created = client.post("/accounts/keys/new/", {"name": "ci", "scopes": ["generate", "read"], "expires_in_days": "30"})
    assert created.status_code == 302 and created["Location"] == "/accounts/keys/"

    first = client.get("/accounts/keys/").content.decode()
    shown = RAW_KEY.findall(first)
    assert len(set(shown)) == 1
    raw = shown[0]
    assert "it will not be shown again" in first and 'data-copy="new-key"' in first
    key = ApiKey.objects.get(name="ci")
    assert key.expires_at is not None and sorted(key.scopes) == ["generate", "read"]

    again = client.get("/accounts/keys/").content.decode()
    assert raw not in again and not RAW_KEY.search(again)
    assert f"sk-{key.prefix}…" in again

    # Not in the database: the key table, the audit ledger, or any session.
    secret = raw[len("sk-") + len(key.prefix):]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apikey")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert raw not in stored and secret not in stored
    assert not any(secret in str(event.extra) for event in AuditEvent.objects.all())
    assert not any(secret in str(session.get_decoded()) for session in Session.objects.all())

    # And it is a working key.
    assert api_error_code(client, raw) == (200, None)


def test_it_says_what_is_wrong_with_a_new_key(client, alice, team):
    client.force_login(alice)
    response = client.post("/accounts/keys/new/", {"name": "", "expires_in_days": "0"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page and "Choose at least one scope." in page
    assert not ApiKey.objects.exists()


def test_it_creates_a_read_only_key(client, alice, team, redis_conn):
    client.force_login(alice)
    client.post("/accounts/keys/new/", {"name": "dashboards", "scopes": ["read"]})
    raw = RAW_KEY.search(client.get("/accounts/keys/").content.decode()).group(0)
    assert ApiKey.objects.get().scopes == ["read"]
    refused = client.post("/api/v1/generations", {"prompt": "x"}, content_type="application/json", **bearer(raw))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"


def test_it_lets_a_member_revoke_their_own_key_but_not_another_members(client, alice, bob, team, redis_conn):
    alice_key, alice_raw = do_create_api_key(team=team, user=alice, name="alice's key")
    bob_key, bob_raw = do_create_api_key(team=team, user=bob, name="bob's key")
    client.force_login(bob)

    page = client.get("/accounts/keys/").content.decode()
    assert f"/accounts/keys/{bob_key.public_id}/revoke/" in page
    assert f"/accounts/keys/{alice_key.public_id}/revoke/" not in page

    refused = client.post(f"/accounts/keys/{alice_key.public_id}/revoke/", follow=True)
    assert flashed(refused) == ["Only the key's creator or a team admin can revoke it. (not_key_owner)"]
    alice_key.refresh_from_db()
    assert alice_key.revoked_at is None and api_error_code(client, alice_raw) == (200, None)

    revoked = client.post(f"/accounts/keys/{bob_key.public_id}/revoke/", follow=True)
    assert flashed(revoked) == [f"Revoked bob's key (sk-{bob_key.prefix}…)."]
    assert api_error_code(client, bob_raw) == (401, "api_key_revoked")


def test_it_lets_an_owner_revoke_any_key_of_the_team(client, alice, bob, team, redis_conn):
    bob_key, bob_raw = do_create_api_key(team=team, user=bob, name="bob's key")
    client.force_login(alice)
    client.post(f"/accounts/keys/{bob_key.public_id}/revoke/")
    assert api_error_code(client, bob_raw) == (401, "api_key_revoked")


# --- usage ----------------------------------------------------------------------------------------


def _number(text):
    return int(text.replace(",", ""))  # the page groups thousands: 10,500


def _stat(page, name):
    return _number(re.search(rf'data-stat="{name}">(-?[\d,]+)<', page).group(1))


def _cell(page, row_attr, row_value, column):
    row = re.search(rf'<tr {row_attr}="{re.escape(row_value)}">(.*?)</tr>', page, re.S).group(1)
    return _number(re.search(rf'data-col="{column}">(-?[\d,]+)', row).group(1))


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_it_reports_usage_that_matches_the_ledger(client, alice, bob, team, use_simulator, redis_conn):
    Team.objects.filter(pk=team.pk).update(monthly_allowance=20_000)
    team.refresh_from_db()
    do_grant_credits(team, 500, actor=SYSTEM, reason="top-up for the launch")
    key, raw = do_create_api_key(team=team, user=alice, name="render farm")

    submitted = client.post("/api/v1/generations", {"prompt": "x"}, content_type="application/json", **bearer(raw))
    assert submitted.status_code == 202
    finished = drive_to_terminal(submitted.json()["id"])
    assert finished.status == "succeeded"

    client.force_login(bob)
    client.post("/generations/new/", {"prompt": "Fog over a harbour", "model": "kling-v1-6", "duration": "5", "aspect_ratio": "16:9", "mode": "std"})
    in_flight = Generation.objects.get(created_by=bob)

    page = client.get("/accounts/usage/").content.decode()
    ledger = CreditEntry.objects.filter(team=team)
    totals = ledger.aggregate(available=Sum("available_delta"), reserved=Sum("reserved_delta"))
    spent = ledger.filter(kind="capture").aggregate(total=Sum("amount"))["total"]

    assert _stat(page, "available") == totals["available"] == 10_500 - finished.price_credits - in_flight.price_credits
    assert _stat(page, "reserved") == totals["reserved"] == in_flight.price_credits
    assert _stat(page, "spent") == spent == finished.price_credits
    assert _stat(page, "allowance") == 20_000
    percent = finished.price_credits * 100 // 20_000
    assert f"{finished.price_credits:,} of 20,000 credits spent ({percent}%)" in page

    assert _cell(page, "data-member", "alice@example.org", "spent") == finished.price_credits
    assert _cell(page, "data-member", "alice@example.org", "reserved") == 0
    assert _cell(page, "data-member", "bob@example.org", "spent") == 0
    assert _cell(page, "data-member", "bob@example.org", "reserved") == in_flight.price_credits
    assert _cell(page, "data-member", "bob@example.org", "toward_cap") == in_flight.price_credits
    assert _cell(page, "data-key", key.prefix, "spent") == finished.price_credits
    assert _cell(page, "data-key", key.prefix, "generations") == 1

    assert "top-up for the launch" in page
    assert f'href="/generations/{finished.public_id}/"' in page
    assert f'href="/generations/{in_flight.public_id}/"' in page


def test_it_builds_the_usage_page_in_a_fixed_number_of_queries(client, alice, bob, team, django_assert_max_num_queries):
    for index in range(6):
        make_member(team, f"member{index}@example.org")
        do_create_api_key(team=team, user=alice, name=f"key {index}")
    client.force_login(alice)
    with django_assert_max_num_queries(12):
        assert client.get("/accounts/usage/").status_code == 200


# --- the outsider ---------------------------------------------------------------------------------


def test_it_answers_404_to_an_outsider_for_another_teams_ids(client, alice, bob, team, charlie, other_team):
    alice_key, _raw = do_create_api_key(team=team, user=alice, name="alice's key")
    client.force_login(charlie)
    for target in (membership(team, alice), membership(team, bob)):
        for path, data in (
            (f"/accounts/team/members/{target.pk}/role/", {"role": "member"}),
            (f"/accounts/team/members/{target.pk}/cap/", {"cap": "1"}),
            (f"/accounts/team/members/{target.pk}/remove/", {}),
        ):
            assert client.post(path, data).status_code == 404, path
    assert client.post(f"/accounts/keys/{alice_key.public_id}/revoke/").status_code == 404

    alice_key.refresh_from_db()
    assert alice_key.revoked_at is None
    assert {(m.user.email, m.role, m.monthly_credit_cap) for m in Membership.objects.filter(team=team)} == {
        ("alice@example.org", Role.OWNER, None),
        ("bob@example.org", Role.MEMBER, None),
    }


def test_it_shows_an_outsider_only_their_own_team(client, alice, team, charlie, other_team):
    alice_key, _raw = do_create_api_key(team=team, user=alice, name="alpha deploys")
    do_create_api_key(team=other_team, user=charlie, name="charlie deploys")
    client.force_login(charlie)
    for path in ("/accounts/team/", "/accounts/keys/", "/accounts/usage/"):
        page = client.get(path).content.decode()
        assert "Charlie Co" in page and "charlie@example.org" in page, path
        assert "Alpha" not in page and "alice@example.org" not in page and "bob@example.org" not in page, path
        assert "alpha deploys" not in page and alice_key.prefix not in page, path

"""Findings 6 and 13 (issue #17): owners minting credits and hogging the upstream; an admin lifting their own cap."""

import pytest

from accounts.actions import do_set_member_cap, do_set_team_limits
from accounts.errors import AccountError
from accounts.models import AuditEvent, AuditEventType, Membership, Role, User

pytestmark = pytest.mark.django_db


def flashed(response):
    return [str(message) for message in response.context["messages"]]


def post_limits(client, concurrency, allowance):
    return client.post(
        "/accounts/team/limits/", {"max_concurrent_generations": str(concurrency), "monthly_allowance": str(allowance)}, follow=True
    )


def test_an_owner_cannot_set_an_allowance_beyond_the_operator_maximum(client, alice, team, settings):
    settings.TEAM_MAX_MONTHLY_ALLOWANCE = 50_000
    client.force_login(alice)
    response = post_limits(client, 2, 2_000_000_000)
    assert response.status_code == 200
    assert flashed(response) == ["Monthly allowance (credits): Ensure this value is less than or equal to 50000."]
    team.refresh_from_db()
    assert team.monthly_allowance == 0


def test_an_owner_cannot_take_more_upstream_slots_than_allowed(client, alice, team, settings):
    settings.TEAM_MAX_CONCURRENCY = 8
    client.force_login(alice)
    response = post_limits(client, 1000, 100)
    assert flashed(response) == ["Max concurrent generations: Ensure this value is less than or equal to 8."]
    team.refresh_from_db()
    assert team.max_concurrent_generations != 1000
    # The action itself refuses too, naming the maximum (the API or a script cannot go around the form).
    with pytest.raises(AccountError) as refused:
        do_set_team_limits(team=team, acting_user=alice, max_concurrent_generations=9)
    assert refused.value.code == "limit_above_maximum" and "at most 8" in refused.value.message


@pytest.mark.parametrize("huge", ["1e20", "100000000000000000000", "-1", "NaN", "9" * 400])
def test_huge_or_odd_numbers_are_a_form_error_never_a_500(client, alice, team, huge):
    client.force_login(alice)
    response = post_limits(client, 2, huge)
    assert response.status_code == 200
    assert flashed(response)[0].startswith("Monthly allowance (credits): ")
    team.refresh_from_db()
    assert team.monthly_allowance == 0


def test_an_operator_may_go_beyond_the_owner_maximum_and_it_is_audited(client, alice, team, settings):
    settings.TEAM_MAX_CONCURRENCY = 8
    operator = User.objects.create_user("ops@example.org", "ops-password-1", is_staff=True)
    do_set_team_limits(team=team, acting_user=operator, max_concurrent_generations=50, monthly_allowance=500_000)
    team.refresh_from_db()
    assert (team.max_concurrent_generations, team.monthly_allowance) == (50, 500_000)
    event = AuditEvent.objects.filter(event_type=AuditEventType.TEAM_LIMITS_CHANGED).latest("id")
    assert event.actor_label == "ops@example.org" and event.extra["operator"] is True
    assert event.extra["max_concurrent_generations"] == {"old": 100, "new": 50}
    with pytest.raises(AccountError) as ceiling:
        do_set_team_limits(team=team, acting_user=operator, monthly_allowance=10**20)
    assert ceiling.value.code == "limit_above_maximum"


def test_an_admin_cannot_remove_the_cap_an_owner_set_on_them(client, alice, bob, team):
    Membership.objects.filter(team=team, user=bob).update(role=Role.ADMIN)
    bobs = Membership.objects.get(team=team, user=bob)
    do_set_member_cap(membership=bobs, cap=100, acting_user=alice)
    client.force_login(bob)
    response = client.post(f"/accounts/team/members/{bobs.pk}/cap/", {"cap": ""}, follow=True)
    assert flashed(response) == ["You cannot change your own monthly credit cap: ask another owner. (own_cap)"]
    bobs.refresh_from_db()
    assert bobs.monthly_credit_cap == 100


def test_an_owner_cannot_change_their_own_cap_either(alice, team):
    with pytest.raises(AccountError) as refused:
        do_set_member_cap(membership=Membership.objects.get(team=team, user=alice), cap=None, acting_user=alice)
    assert refused.value.code == "own_cap" and refused.value.http_status == 403


def test_an_outsider_cannot_change_the_limits(client, charlie, other_team, team):
    client.force_login(charlie)
    post_limits(client, 2, 10)
    team.refresh_from_db()
    assert team.monthly_allowance == 0

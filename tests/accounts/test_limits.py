"""Credits move with the generation's fate; each limit refuses with its own code."""

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts.actions import can_manage_member, do_change_role, do_remove_member, do_set_member_cap, do_set_team_limits
from accounts.audit import SYSTEM
from accounts.credits import do_set_credits, renew_allowance_if_due
from accounts.errors import AccountError
from accounts.models import AuditEvent, AuditEventType, CreditEntry, Membership, Role, Team
from generations.actions.generation import do_cancel_generation
from generations.models import Generation
from tests.conftest import bearer
from tests.helpers import drive_to_terminal

pytestmark = pytest.mark.django_db


def create(client, key, prompt="A snail crossing a leaf", **fields):
    return client.post("/api/v1/generations", {"prompt": prompt, **fields}, content_type="application/json", **bearer(key))


def ledger(team):
    totals = CreditEntry.objects.filter(team=team).aggregate(a=Sum("available_delta"), r=Sum("reserved_delta"))
    return totals["a"] or 0, totals["r"] or 0


def test_submit_reserves_the_price(client, team, alice_key, redis_conn):
    before = team.credits_available
    response = create(client, alice_key, mode="pro", duration="10")
    assert response.status_code == 202
    team.refresh_from_db()
    assert (before - team.credits_available, team.credits_reserved) == (70, 70)
    assert (team.credits_available, team.credits_reserved) == ledger(team)


def test_cancel_releases_the_reservation(client, team, alice, alice_key, redis_conn):
    generation = Generation.objects.get(public_id=create(client, alice_key).json()["id"])
    before = Team.objects.get(pk=team.pk).credits_available
    do_cancel_generation(generation, actor=SYSTEM)
    team.refresh_from_db()
    assert team.credits_reserved == 0 and team.credits_available == before + generation.price_credits
    assert team.generations_in_flight == 0
    assert list(CreditEntry.objects.filter(generation_ref=str(generation.public_id)).values_list("kind", flat=True)) == [
        "reserve",
        "release",
    ]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_success_captures_and_a_prompt_block_reserves_nothing(client, team, alice_key, use_simulator, redis_conn):
    ok = drive_to_terminal(create(client, alice_key, prompt="A quiet forest path").json()["id"])
    assert create(client, alice_key, prompt="explicit porn, fully nude").status_code == 422
    refused = Generation.objects.get(team=team, status="blocked")
    assert (ok.status, ok.credit_state) == ("succeeded", "captured")
    assert (refused.stage, refused.credit_state) == ("prompt", "none")
    team.refresh_from_db()
    assert team.credits_reserved == 0 and team.generations_in_flight == 0
    assert team.credits_available == 10_000 - ok.price_credits
    assert (team.credits_available, team.credits_reserved) == ledger(team)


def test_no_credits_is_a_402_with_its_own_code_and_leaves_nothing(client, team, alice_key, redis_conn):
    do_set_credits(team, 5)
    response = create(client, alice_key)
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "insufficient_credits"
    assert "10 credits" in response.json()["error"]["message"]
    assert not Generation.objects.exists()
    team.refresh_from_db()
    assert (team.credits_available, team.credits_reserved, team.generations_in_flight) == (5, 0, 0)


def test_the_concurrency_cap_is_a_429_with_its_own_code(client, team, alice_key, redis_conn):
    do_set_team_limits(team=team, max_concurrent_generations=1)
    assert create(client, alice_key).status_code == 202
    response = create(client, alice_key)
    assert response.status_code == 429 and response.json()["error"]["code"] == "concurrency_limit"
    assert Generation.objects.count() == 1


def test_a_members_monthly_cap_is_enforced(client, team, alice, bob, redis_conn):
    from accounts.actions import do_create_api_key

    do_set_member_cap(membership=Membership.objects.get(team=team, user=bob), cap=15, acting_user=alice)
    _key, bob_key = do_create_api_key(team=team, user=bob, name="bob")
    assert create(client, bob_key).status_code == 202  # 10 of 15
    response = create(client, bob_key)
    assert response.status_code == 402 and response.json()["error"]["code"] == "member_cap_exceeded"
    _key, alice_key = do_create_api_key(team=team, user=alice, name="alice")
    assert create(client, alice_key).status_code == 202  # the cap is bob's, not the team's


def test_a_key_over_its_request_rate_gets_429_with_retry_after(client, team, alice_key, settings, redis_conn):
    settings.API_KEY_RATE_PER_MINUTE = 6
    settings.API_KEY_RATE_BURST = 3
    codes = [client.get("/api/v1/generations", **bearer(alice_key)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/api/v1/generations", **bearer(alice_key))
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 10


def test_a_user_over_the_create_rate_gets_429(client, team, alice_key, settings, redis_conn):
    settings.USER_CREATE_RATE_PER_MINUTE = 2
    settings.USER_CREATE_RATE_BURST = 2
    codes = [create(client, alice_key).status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    assert Generation.objects.count() == 2


def test_the_rate_limiter_lets_requests_through_when_redis_is_down(client, team, alice_key, settings):
    settings.RQ_QUEUES = {name: {"URL": "redis://127.0.0.1:1/0"} for name in settings.GENERATION_QUEUES}
    assert client.get("/api/v1/generations", **bearer(alice_key)).status_code == 200


def test_a_new_period_tops_the_team_up_to_its_allowance_once(team):
    do_set_team_limits(team=team, monthly_allowance=12_000)
    Team.objects.filter(pk=team.pk).update(period_start=timezone.now() - dt.timedelta(days=40))
    team.refresh_from_db()
    first = renew_allowance_if_due(team)
    second = renew_allowance_if_due(team)
    team.refresh_from_db()
    assert first.amount == 2_000 and second is None
    assert team.credits_available == 12_000
    assert AuditEvent.objects.filter(event_type=AuditEventType.ALLOWANCE_RENEWED).count() == 1


@pytest.mark.parametrize(
    "actor, target, new, allowed",
    [
        (Role.OWNER, Role.OWNER, Role.MEMBER, True),
        (Role.OWNER, Role.MEMBER, Role.OWNER, True),
        (Role.ADMIN, Role.MEMBER, Role.ADMIN, True),
        (Role.ADMIN, Role.MEMBER, Role.OWNER, False),
        (Role.ADMIN, Role.OWNER, Role.MEMBER, False),
        (Role.MEMBER, Role.MEMBER, Role.ADMIN, False),
    ],
)
def test_who_may_manage_whom(actor, target, new, allowed):
    assert can_manage_member(actor, target, new) is allowed


def test_the_last_owner_cannot_be_demoted_or_removed(team, alice):
    membership = Membership.objects.get(team=team, user=alice)
    with pytest.raises(AccountError) as demoted:
        do_change_role(membership=membership, new_role=Role.MEMBER, acting_user=alice)
    with pytest.raises(AccountError) as removed:
        do_remove_member(membership=membership, acting_user=alice)
    assert demoted.value.code == removed.value.code == "last_owner"
    assert Membership.objects.get(team=team, user=alice).role == Role.OWNER


def test_role_changes_are_audited_with_old_and_new_values(team, alice, bob):
    do_change_role(membership=Membership.objects.get(team=team, user=bob), new_role=Role.ADMIN, acting_user=alice)
    event = AuditEvent.objects.get(event_type=AuditEventType.ROLE_CHANGED)
    assert (event.actor_label, event.extra["old"], event.extra["new"]) == ("alice@example.org", "member", "admin")


def test_an_outsider_cannot_change_a_teams_roles(team, bob, charlie, other_team):
    with pytest.raises(AccountError) as caught:
        do_change_role(membership=Membership.objects.get(team=team, user=bob), new_role=Role.ADMIN, acting_user=charlie)
    assert caught.value.code == "not_team_admin"


def test_credit_adjustments_are_audited(team):
    do_set_credits(team, 42, reason="refund for an outage")
    event = AuditEvent.objects.filter(event_type=AuditEventType.CREDITS_ADJUSTED).latest("id")
    assert (event.extra["old_available"], event.extra["new_available"], event.extra["reason"]) == (10_000, 42, "refund for an outage")

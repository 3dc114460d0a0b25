"""Finding 19 (issue #17): the Django admin edited team balances, a key's revocation/team/scopes,
Asset.quarantined and Generation.status around the ledger and the audit trail."""

import pytest
from django.urls import reverse

from accounts.actions import do_create_api_key
from accounts.models import AuditEvent, AuditEventType, CreditEntry, User
from generations.models import Asset, AssetRole, Generation
from generations.states import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("root@example.org", "pw-root-admin-1"))
    return client


def team_form(team, **changes):
    data = {
        "slug": team.slug, "name": team.name, "monthly_allowance": team.monthly_allowance,
        "max_concurrent_generations": team.max_concurrent_generations,
        "credits_available": team.credits_available, "credits_reserved": team.credits_reserved,
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_team_balances_cannot_be_edited_in_the_admin(staff_client, team):
    url = reverse("admin:accounts_team_change", args=[team.pk])
    page = staff_client.get(url).content.decode()
    assert 'name="credits_available"' not in page and 'name="credits_reserved"' not in page
    response = staff_client.post(url, team_form(team, credits_available=999_999_999))
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.credits_available == 10_000
    assert sum(CreditEntry.objects.filter(team=team).values_list("available_delta", flat=True)) == team.credits_available


def test_team_limits_saved_in_the_admin_go_through_the_audited_action(staff_client, team):
    url = reverse("admin:accounts_team_change", args=[team.pk])
    staff_client.post(url, team_form(team, monthly_allowance=4321))
    team.refresh_from_db()
    assert team.monthly_allowance == 4321
    event = AuditEvent.objects.filter(event_type=AuditEventType.TEAM_LIMITS_CHANGED).latest("id")
    assert event.actor_label == "root@example.org" and event.extra["monthly_allowance"] == {"old": 0, "new": 4321}


def test_an_api_keys_revocation_team_and_scopes_cannot_be_edited(staff_client, team, other_team, alice):
    key, _raw = do_create_api_key(team=team, user=alice, name="ci", scopes=["read"])
    url = reverse("admin:accounts_apikey_change", args=[key.pk])
    page = staff_client.get(url).content.decode()
    for field in ("revoked_at", "team", "scopes"):
        assert f'name="{field}' not in page
    staff_client.post(url, {"name": "ci", "team": other_team.pk, "scopes": '["generate", "read"]', "revoked_at_0": "", "revoked_at_1": ""})
    key.refresh_from_db()
    assert (key.team_id, key.scopes, key.revoked_at) == (team.pk, ["read"], None)
    # Revoking from the admin is the audited action.
    staff_client.post(reverse("admin:accounts_apikey_changelist"), {"action": "revoke_keys", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditEvent.objects.filter(event_type=AuditEventType.API_KEY_REVOKED, actor_label="root@example.org").exists()


def test_a_generations_status_and_an_assets_quarantine_cannot_be_edited(staff_client, team, alice):
    generation = Generation.objects.create(team=team, created_by=alice, prompt="x", model_name="kling-v1-6", status=Status.HELD)
    asset = Asset.objects.create(generation=generation, role=AssetRole.VIDEO, quarantined=True, content_type="video/mp4", size_bytes=1, sha256="0" * 64)
    page = staff_client.get(reverse("admin:generations_generation_change", args=[generation.pk])).content.decode()
    assert 'name="status"' not in page
    staff_client.post(reverse("admin:generations_generation_change", args=[generation.pk]), {"status": Status.SUCCEEDED, "prompt": "x"})
    generation.refresh_from_db()
    assert generation.status == Status.HELD
    asset_url = reverse("admin:generations_asset_change", args=[asset.pk])
    assert 'name="quarantined"' not in staff_client.get(asset_url).content.decode()
    staff_client.post(asset_url, {"quarantined": ""})
    asset.refresh_from_db()
    assert asset.quarantined is True

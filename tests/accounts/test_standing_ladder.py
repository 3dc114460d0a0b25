"""A user who keeps submitting forbidden prompts climbs the ladder, in the open, and a moderator restores them."""

import pytest

from accounts.models import AuditEvent, AuditEventType, Notice, User
from accounts.standing import current_standing
from generations.models import Generation
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

FORBIDDEN = "explicit porn video, fully nude woman, hardcore sex"


def create(client, key, prompt):
    return client.post("/api/v1/generations", {"prompt": prompt}, content_type="application/json", **bearer(key))


def test_a_run_of_blocked_prompts_climbs_the_ladder_and_a_moderator_restores(client, alice, alice_key, team, redis_conn):
    assert create(client, alice_key, FORBIDDEN).status_code == 422
    assert current_standing(alice).level == "warned"
    assert create(client, alice_key, FORBIDDEN).status_code == 422
    assert current_standing(alice).level == "restricted"

    # Restricted: the next harmless prompt is held for a human, not allowed.
    response = create(client, alice_key, "A quiet lake at dawn, mist over the water")
    assert response.status_code == 202 and response.json()["status"] == "held"

    assert create(client, alice_key, FORBIDDEN).status_code == 422
    assert create(client, alice_key, FORBIDDEN).status_code == 422
    assert current_standing(alice).level == "suspended"
    refused = create(client, alice_key, "A quiet lake at dawn")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_suspended"

    client.force_login(alice)
    page = client.get("/accounts/standing/").content.decode()
    assert "suspended" in page and "cannot start generations" in page
    assert "porn" not in page  # categories and dates, never the prompt text
    assert Notice.objects.filter(user=alice).count() == 3

    moderator = User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)
    client.force_login(moderator)
    client.post(f"/accounts/moderation/users/{alice.pk}/standing/adjust/", {"action": "lift", "reason": "talked to the user"})
    assert current_standing(alice).level == "restricted"

    levels = [(e.extra["old"], e.extra["new"], e.actor_label) for e in AuditEvent.objects.filter(event_type=AuditEventType.STANDING_CHANGED).order_by("id")]
    assert levels[:3] == [("good", "warned", "system"), ("warned", "restricted", "system"), ("restricted", "suspended", "system")]
    assert ("suspended", "restricted", "mo@example.org") in levels
    assert AuditEvent.objects.filter(event_type=AuditEventType.SUSPENSION_LIFTED, actor_label="mo@example.org").exists()
    assert Generation.objects.filter(created_by=alice, status="blocked", stage="prompt").count() == 4


def test_a_suspended_user_is_refused_in_the_portal_too(client, alice, team, redis_conn):
    from accounts.standing import do_record_strike

    do_record_strike(alice, category="sexual_minors", source="prompt_block")
    client.force_login(alice)
    response = client.post("/generations/new/", {"prompt": "A quiet lake", "model": "kling-v1-6", "duration": "5", "aspect_ratio": "16:9", "mode": "std"})
    assert response.status_code == 400 and b"account_suspended" in response.content
    assert not Generation.objects.exists()


def test_moderator_standing_tools_are_hidden_from_everyone_else(client, alice, bob, team):
    client.force_login(bob)
    assert client.get(f"/accounts/moderation/users/{alice.pk}/standing/").status_code == 404
    assert client.post(f"/accounts/moderation/users/{alice.pk}/standing/adjust/", {"action": "lift", "reason": "x"}).status_code == 404

"""The review flow through the portal pages, as moderators and users click it."""

import pytest

from accounts.models import AuditEvent, AuditEventType, User
from generations.actions.generation import do_transition
from generations.models import Generation, ReviewItem
from generations.states import Stage, Status
from tests.conftest import bearer
from tests.helpers import drive_to_terminal

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)


def held(client, key, prompt):
    response = client.post("/api/v1/generations", {"prompt": prompt}, content_type="application/json", **bearer(key))
    generation = Generation.objects.get(public_id=response.json()["id"])
    Generation.objects.filter(pk=generation.pk).update(
        screening_result={"decision": "review", "categories": {"political": 0.62}, "spans": [{"start": 0, "end": 5}]}
    )
    do_transition(generation, Status.HELD, expected=Status.QUEUED, stage=Stage.PROMPT)
    return generation


def moderate(client, moderator, generation, action, reason=""):
    client.force_login(moderator)
    item = ReviewItem.objects.filter(generation=generation, decision="").latest("created_at")
    assert client.post(f"/moderation/items/{item.public_id}/claim/").status_code == 302
    item.refresh_from_db()
    page = client.get(f"/moderation/items/{item.public_id}/")
    assert page.status_code == 200
    response = client.post(f"/moderation/items/{item.public_id}/decide/", {"action": action, "reason": reason, "version": item.version})
    assert response.status_code == 302
    return item


@pytest.mark.e2e
def test_a_held_generation_approved_by_a_moderator_reaches_succeeded(client, alice, alice_key, moderator, use_simulator, redis_conn):
    generation = held(client, alice_key, "Satin ribbons floating in the wind")
    client.force_login(alice)
    assert b"A person looks at this before it runs" in client.get(f"/generations/{generation.public_id}/").content

    client.force_login(moderator)
    queue = client.get("/moderation/")
    assert b"Held generation" in queue.content
    item_page = client.get(f"/moderation/items/{ReviewItem.objects.get(generation=generation).public_id}/")
    assert b"<mark>Satin</mark>" in item_page.content  # the matched span, highlighted
    moderate(client, moderator, generation, "approve")

    assert drive_to_terminal(generation.public_id).status == "succeeded"
    decided = AuditEvent.objects.get(event_type=AuditEventType.REVIEW_DECIDED)
    assert (decided.actor_label, decided.extra["decision"]) == ("mo@example.org", "approved")


def test_a_rejected_generation_is_appealed_and_overturned(client, alice, alice_key, moderator, redis_conn):
    generation = held(client, alice_key, "A field of sunflowers")
    moderate(client, moderator, generation, "reject", reason="graphic violence")
    generation.refresh_from_db()
    assert (generation.status, generation.stage) == ("blocked", "prompt")

    client.force_login(alice)
    detail = client.get(f"/generations/{generation.public_id}/")
    assert b"Appeal" in detail.content
    client.post(f"/generations/{generation.public_id}/appeal/", {"message": "It is archival footage, no gore."})
    assert b"waiting for a moderator" in client.get(f"/generations/{generation.public_id}/").content

    moderate(client, moderator, generation, "approve")
    client.force_login(alice)
    assert b"the block was a mistake" in client.get(f"/generations/{generation.public_id}/").content

    trail = [
        (event.get_event_type_display(), event.actor_label)
        for event in AuditEvent.objects.filter(event_type__in=[702, 703, 705]).order_by("id")
    ]
    assert trail == [
        ("Review item claimed", "mo@example.org"),
        ("Review decision", "mo@example.org"),
        ("Appeal filed", "alice@example.org"),
        ("Review item claimed", "mo@example.org"),
        ("Review decision", "mo@example.org"),
    ]


def test_unblurring_is_logged(client, alice_key, moderator, redis_conn):
    generation = held(client, alice_key, "something")
    item = ReviewItem.objects.get(generation=generation)
    client.force_login(moderator)
    assert client.post(f"/moderation/items/{item.public_id}/unblur/").json() == {"ok": True, "originals": {}}
    event = AuditEvent.objects.get(event_type=AuditEventType.MEDIA_UNBLURRED)
    assert event.actor_label == "mo@example.org" and event.target_id == str(item.public_id)


def test_a_stale_page_gets_a_clear_conflict(client, alice_key, moderator, redis_conn):
    generation = held(client, alice_key, "something")
    item = ReviewItem.objects.get(generation=generation)
    client.force_login(moderator)
    client.post(f"/moderation/items/{item.public_id}/claim/")
    response = client.post(f"/moderation/items/{item.public_id}/decide/", {"action": "approve", "version": 0}, follow=True)
    assert b"review_conflict" in response.content
    item.refresh_from_db()
    assert item.decision == ""


@pytest.mark.parametrize("path", ["/moderation/", "items/{item}/", "items/{item}/media/video"])
def test_people_without_the_moderator_capability_get_404(client, alice, alice_key, redis_conn, path):
    generation = held(client, alice_key, "something")
    item = ReviewItem.objects.get(generation=generation)
    client.force_login(alice)  # the team's owner, but not trust-and-safety staff
    url = path if path.startswith("/") else f"/moderation/{path.format(item=item.public_id)}"
    assert client.get(url).status_code == 404
    assert client.post(f"/moderation/items/{item.public_id}/claim/").status_code == 404

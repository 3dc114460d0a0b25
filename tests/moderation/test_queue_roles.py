"""Moderation roles: a child-safety item is invisible to everyone but child-safety moderators (list, detail,
media, claim and decide, the API and every count), external moderators only approve or reject, and role
changes are audited. Everything through the real views, the real API and the real database."""

import io
import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from accounts.actions import do_create_api_key, do_create_team, do_set_moderation_role
from accounts.audit import SYSTEM, record_audit_event
from accounts.errors import AccountError
from accounts.models import AuditEvent, AuditEventType, ModerationRole, User
from generations.actions import review, roles
from generations.actions.review_queue import do_open_review_for_held
from generations.models import Asset, Generation, HashBank, ReviewItem
from generations.web import moderation as views
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

CHILD_SAFETY_PROMPT = "cs-item-prompt-marker"
ORDINARY_PROMPT = "ordinary-item-prompt-marker"


def staff(email, role, **extra):
    return User.objects.create_user(email, "pw-staff-12345", is_moderator=True, moderation_role=role, **extra)


@pytest.fixture
def people(db):
    return {
        "moderator": staff("mo@example.org", ModerationRole.MODERATOR),
        "external": staff("ext@example.org", ModerationRole.EXTERNAL),
        "lead": staff("lead@example.org", ModerationRole.LEAD),
        "superuser": staff("root@example.org", ModerationRole.MODERATOR, is_superuser=True, is_staff=True),
        "child_safety": staff("cs@example.org", ModerationRole.CHILD_SAFETY),
    }


def held(team, user, prompt, categories, stage="input"):
    generation = Generation.objects.create(
        team=team, created_by=user, prompt=prompt, model_name="kling-v1-6", mode="std", status="held", stage=stage,
        screening_result={"decision": "review", "categories": categories},
    )
    return do_open_review_for_held(generation, stage=stage, categories=categories)


def with_image(item):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(buffer, format="PNG")
    asset = Asset(generation=item.generation, role="input_image", content_type="image/png", size_bytes=len(buffer.getvalue()),
                  sha256="x", width=64, height=48)
    asset.file.save("in.png", ContentFile(buffer.getvalue()), save=False)
    asset.save()
    return item


@pytest.fixture
def items(team, alice):
    return {
        "child": with_image(held(team, alice, CHILD_SAFETY_PROMPT, {"sexual_minors": 0.7, "sexual": 0.4})),
        "ordinary": with_image(held(team, alice, ORDINARY_PROMPT, {"violence": 0.6})),
    }


SEES_CHILD_SAFETY = {"moderator": False, "external": False, "lead": False, "superuser": False, "child_safety": True}


def test_a_child_safety_item_is_routed_to_the_restricted_queue(items):
    assert items["child"].queue.slug == "child-safety" and items["child"].queue.restricted_to_role == "child_safety"
    assert items["ordinary"].queue.slug == "general"


@pytest.mark.parametrize("who", sorted(SEES_CHILD_SAFETY))
def test_the_queue_list_and_every_count_show_a_child_safety_item_only_to_child_safety_moderators(client, people, items, who):
    client.force_login(people[who])
    sees = SEES_CHILD_SAFETY[who]
    response = client.get("/moderation/")
    page = response.content.decode()
    assert ORDINARY_PROMPT in page
    assert (CHILD_SAFETY_PROMPT in page) is sees
    assert (str(items["child"].public_id) in page) is sees
    stats = response.context["stats"]
    assert stats["open"] == (2 if sees else 1)
    assert dict(stats["by_priority"])["P3"] == (1 if sees else 0)  # sexual_minors makes an item urgent
    tabs = {tab["slug"]: tab["open"] for tab in response.context["tabs"]}
    assert tabs[""] == stats["open"]
    assert ("child-safety" in tabs) is sees
    assert ('data-queue-tab="child-safety"' in page) is sees
    # The restricted queue asked for by name shows nothing to the others either.
    page = client.get("/moderation/", {"queue": "child-safety"}).content.decode()
    assert (CHILD_SAFETY_PROMPT in page) is sees
    # Decisions per category (the chart) count only visible items.
    decider = people["child_safety"] if sees else people[who]
    target = items["child"] if sees else items["ordinary"]
    if who != "external" or not sees:
        review.do_decide(target, decider, review.REJECT, reason="not allowed", expected_version=target.version, claim=True)
    labels = [row[0] for row in client.get("/moderation/").context["stats"]["per_category_chart"]["rows"]]
    assert ("sexual_minors" in labels) is sees


@pytest.mark.parametrize("who", sorted(SEES_CHILD_SAFETY))
def test_the_item_page_media_claim_and_decision_are_404_for_those_who_may_not_see_it(client, people, items, who):
    client.force_login(people[who])
    sees = SEES_CHILD_SAFETY[who]
    child = items["child"]
    expected = 200 if sees else 404
    assert client.get(f"/moderation/items/{child.public_id}/").status_code == expected
    assert client.get(f"/moderation/items/{child.public_id}/media/input").status_code == expected
    assert client.get(f"/moderation/items/{child.public_id}/media/input?size=thumb").status_code == expected
    assert client.post(f"/moderation/items/{child.public_id}/claim/").status_code == (302 if sees else 404)
    response = client.post(f"/moderation/items/{child.public_id}/decide/", {"action": "approve", "version": 99})
    assert response.status_code == (302 if sees else 404)
    if not sees:
        child.refresh_from_db()
        assert (child.decision, child.claimed_by_id) == ("", None)
        assert not AuditEvent.objects.filter(target_id=str(child.public_id), actor_user=people[who]).exists()
        # Nor can an action be called around the views.
        with pytest.raises(review.ReviewError) as refused:
            review.do_claim(child, people[who])
        assert refused.value.code == "no_such_item"
    # The ordinary item is everyone's.
    assert client.get(f"/moderation/items/{items['ordinary'].public_id}/").status_code == 200


def test_after_a_decision_the_next_item_is_never_one_the_moderator_may_not_see(client, people, items):
    client.force_login(people["moderator"])
    response = client.post(f"/moderation/items/{items['ordinary'].public_id}/decide/",
                           {"action": "approve", "version": items["ordinary"].version})
    assert response.status_code == 302 and response["Location"] == "/moderation/"  # not the child-safety item


@pytest.mark.parametrize("who", sorted(SEES_CHILD_SAFETY))
def test_the_moderation_api_lists_counts_and_shows_a_child_safety_item_only_to_child_safety_moderators(
        client, team, people, items, who):
    person = people[who]
    sees = SEES_CHILD_SAFETY[who]
    client.force_login(person)  # the moderator's own session: team API keys never open the queue
    listing = client.get("/api/v1/moderation/items")
    assert listing.status_code == 200
    body = listing.json()
    ids = {row["id"] for row in body["data"]}
    assert (str(items["child"].public_id) in ids) is sees and str(items["ordinary"].public_id) in ids
    assert body["total"] == (2 if sees else 1)
    counts = {row["queue"]: row["open"] for row in body["counts"]}
    assert counts["general"] == 1
    assert ("child-safety" in counts) is sees
    assert CHILD_SAFETY_PROMPT not in json.dumps(body) or sees
    detail = client.get(f"/api/v1/moderation/items/{items['child'].public_id}")
    assert detail.status_code == (200 if sees else 404)
    assert detail.json().get("id") == str(items["child"].public_id) if sees else detail.json()["error"]["code"] == "not_found"
    asked = client.get("/api/v1/moderation/items", {"queue": "child-safety"})
    assert asked.status_code == (200 if sees else 400)


def test_a_key_a_moderator_made_for_their_team_never_opens_the_queue(client, people, items):
    """Keys are shared within a team: one made by a moderator must not hand the queue to their teammates."""
    person = people["child_safety"]
    staff_team = do_create_team(name="Staff", slug="staff", owner=person, actor=SYSTEM)
    _key, raw = do_create_api_key(team=staff_team, user=person, name="moderator key")
    for path in ("/api/v1/moderation/items", f"/api/v1/moderation/items/{items['ordinary'].public_id}"):
        assert client.get(path, **bearer(raw)).status_code == 401


def test_the_moderation_api_is_a_plain_404_for_anyone_else(client, alice_key, alice, items):
    client.force_login(alice)
    for path in ("/api/v1/moderation/items", f"/api/v1/moderation/items/{items['ordinary'].public_id}"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
        assert "moderator" not in response.content.decode().lower()
    client.logout()
    assert client.get("/api/v1/moderation/items").status_code == 401  # no key, no session


# --- external moderators ------------------------------------------------------------------------------------


def test_an_external_moderator_approves_and_rejects_but_never_escalates_bans_bulk_decides_or_unblurs(
        client, team, alice, bob, people, items):
    external = people["external"]
    client.force_login(external)
    ordinary = items["ordinary"]
    page = client.get(f"/moderation/items/{ordinary.public_id}/").content.decode()
    assert 'value="escalate"' not in page and "unblur-form" not in page and "Standing tools" not in page
    # Unblurring: refused with the stable code, nothing recorded, no grant.
    response = client.post(f"/moderation/items/{ordinary.public_id}/unblur/")
    assert response.status_code == 403 and response.json()["error"]["code"] == roles.ROLE_NOT_ALLOWED
    assert not AuditEvent.objects.filter(event_type=AuditEventType.MEDIA_UNBLURRED).exists()
    with pytest.raises(review.ReviewError) as refused:
        review.do_record_unblur(ordinary, external)
    assert refused.value.code == roles.ROLE_NOT_ALLOWED
    # Escalating: refused.
    response = client.post(f"/moderation/items/{ordinary.public_id}/decide/",
                           {"action": "escalate", "reason": "look", "version": ordinary.version}, follow=True)
    assert roles.ROLE_NOT_ALLOWED.encode() in response.content
    ordinary.refresh_from_db()
    assert not ordinary.escalated
    # Bulk: refused, nothing decided.
    one, two = held(team, bob, "bulk one", {"violence": 0.6}), held(team, bob, "bulk two", {"violence": 0.6})
    response = client.post("/moderation/", {"items": [f"{one.public_id}:{one.version}", f"{two.public_id}:{two.version}"],
                                            "action": "approve"}, follow=True)
    assert roles.ROLE_NOT_ALLOWED.encode() in response.content
    assert not ReviewItem.objects.filter(pk__in=(one.pk, two.pk)).exclude(decision="").exists()
    assert 'name="items"' not in client.get("/moderation/").content.decode()
    # Ban: refused with the stable code.
    bank = HashBank.objects.create(name="Known abuse", category="illegal", action="block")
    response = client.post(f"/moderation/items/{ordinary.public_id}/ban/",
                           {"bank": bank.pk, "ban_reason": "x", "version": ordinary.version}, follow=True)
    assert roles.ROLE_NOT_ALLOWED.encode() in response.content
    assert not AuditEvent.objects.filter(event_type=AuditEventType.CONTENT_BANNED).exists()
    # Standing tools, audit viewer and takedowns: not theirs.
    assert client.get(f"/accounts/moderation/users/{alice.pk}/standing/").status_code == 404
    assert client.get("/accounts/audit/").status_code == 404
    assert client.get("/moderation/takedowns/").status_code == 404
    # But approving and rejecting are.
    response = client.post(f"/moderation/items/{ordinary.public_id}/decide/",
                           {"action": "reject", "preset": "graphic_violence", "version": ordinary.version})
    ordinary.refresh_from_db()
    assert ordinary.decision == "rejected" and ordinary.decided_by_id == external.pk


def test_a_moderator_keeps_every_tool(client, alice, people, items):
    client.force_login(people["moderator"])
    page = client.get(f"/moderation/items/{items['ordinary'].public_id}/").content.decode()
    assert 'value="escalate"' in page and "unblur-form" in page and "Standing tools" in page
    assert client.get(f"/accounts/moderation/users/{alice.pk}/standing/").status_code == 200
    assert client.get("/accounts/audit/").status_code == 200


# --- role changes -----------------------------------------------------------------------------------------


def test_a_role_change_is_made_by_a_superuser_and_audited(people):
    person = people["moderator"]
    do_set_moderation_role(user=person, role=ModerationRole.CHILD_SAFETY, acting_user=people["superuser"])
    person.refresh_from_db()
    assert person.moderation_role == ModerationRole.CHILD_SAFETY and roles.can_see_child_safety(person)
    event = AuditEvent.objects.get(event_type=AuditEventType.MODERATION_ROLE_CHANGED)
    assert (event.actor_user_id, event.extra["old"], event.extra["new"]) == (
        people["superuser"].pk, "moderator", "child_safety")
    with pytest.raises(AccountError) as refused:
        do_set_moderation_role(user=person, role=ModerationRole.LEAD, acting_user=people["lead"])
    assert refused.value.code == "superusers_only"


def test_the_admin_shows_the_role_and_audits_a_change_made_there(client, people):
    client.force_login(people["superuser"])
    person = people["external"]
    assert b"moderation_role" in client.get(f"/admin/accounts/user/{person.pk}/change/").content
    assert b"External moderator" in client.get("/admin/accounts/user/").content
    form = {"email": person.email, "full_name": "", "is_active": "on", "is_moderator": "on",
            "moderation_role": "child_safety", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01", "initial-date_joined_1": "00:00:00"}
    response = client.post(f"/admin/accounts/user/{person.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.moderation_role == "child_safety"
    event = AuditEvent.objects.get(event_type=AuditEventType.MODERATION_ROLE_CHANGED)
    assert event.extra["old"] == "external" and event.extra["new"] == "child_safety"


def test_the_superuser_is_a_lead_but_never_external_and_sees_no_child_safety_item_unless_that_is_their_role(people, items):
    root = people["superuser"]
    assert roles.is_lead(root) and not roles.can_see_child_safety(root)
    User.objects.filter(pk=root.pk).update(moderation_role="external")
    root.refresh_from_db()
    assert not roles.is_external(root) and roles.can_ban(root)
    User.objects.filter(pk=root.pk).update(moderation_role="child_safety")
    root.refresh_from_db()
    assert roles.can_see_item(root, items["child"])
    assert views.dashboard_stats(user=root)["open"] == 2


@pytest.mark.parametrize("who", sorted(SEES_CHILD_SAFETY))
def test_the_authors_history_beside_an_ordinary_item_leaves_out_child_safety_prompts(client, team, alice, people, items, who):
    blocked = Generation.objects.create(
        team=team, created_by=alice, prompt="blocked-cs-prompt-marker", model_name="kling-v1-6", mode="std", status="blocked",
        stage="prompt", screening_result={"decision": "block", "categories": {"sexual_minors": 0.95}},
    )
    assert blocked.review_items.count() == 0  # blocked outright: no review item, but its prompt is child-safety content
    client.force_login(people[who])
    page = client.get(f"/moderation/items/{items['ordinary'].public_id}/").content.decode()
    sees = SEES_CHILD_SAFETY[who]
    assert (CHILD_SAFETY_PROMPT in page) is sees
    assert ("blocked-cs-prompt-marker" in page) is sees
    assert "other open item" in page and "standing:" in page  # the author's history and standing beside the item


@pytest.mark.parametrize("who", ["moderator", "lead", "child_safety"])
def test_the_audit_viewer_and_its_export_leave_out_events_about_a_child_safety_item(client, people, items, who):
    child = items["child"]
    review.do_claim(child, people["child_safety"])
    record_audit_event(AuditEventType.GENERATION_SUBMITTED, actor=SYSTEM, target=child.generation, extra={"status": "held"})
    record_audit_event(AuditEventType.GENERATION_SUBMITTED, actor=SYSTEM, target=items["ordinary"].generation,
                       extra={"status": "held"})
    client.force_login(people[who])
    sees = SEES_CHILD_SAFETY[who]
    page = client.get("/accounts/audit/").content.decode()
    assert (str(child.public_id) in page) is sees
    assert (str(child.generation.public_id) in page) is sees
    assert str(items["ordinary"].generation.public_id) in page
    export = b"".join(client.post(reverse("audit_export", args=["jsonl"])).streaming_content).decode()
    assert (str(child.public_id) in export) is sees
    exported = AuditEvent.objects.filter(event_type=AuditEventType.AUDIT_EXPORTED).latest("id")
    assert ("withheld" in exported.extra) is (not sees)


# --- a generation that is child-safety work stays so ---------------------------------------------------------


@pytest.mark.parametrize("who", sorted(SEES_CHILD_SAFETY))
def test_every_later_item_of_a_child_safety_generation_and_its_report_events_stay_child_safety_work(
        client, team, alice, people, items, who):
    """An appeal or report copies no scores of the output scan; a rejection by another moderator for a minor's
    sexualisation drafts a report: the generation stays child-safety work wherever its next item goes."""
    first = items["child"]
    first = review.do_decide(first, people["child_safety"], review.REJECT, preset="minor_sexual",
                             expected_version=first.version, claim=True)
    appeal = review.do_appeal(first.generation, alice, "Please look again")
    assert appeal.categories.get("sexual_minors", 0) < 0.5 or appeal.queue.slug == "child-safety"
    # And an ordinary item that a moderator rejects as a minor's sexualisation becomes child-safety work too.
    ordinary = items["ordinary"]
    review.do_decide(ordinary, people["moderator"], review.REJECT, preset="minor_sexual",
                     expected_version=ordinary.version, claim=True)

    person, sees = people[who], SEES_CHILD_SAFETY[who]
    visible = set(roles.visible_items(person).values_list("pk", flat=True))
    assert (appeal.pk in visible) is sees and (ordinary.pk in visible) is sees
    assert roles.can_see_item(person, appeal) is sees
    client.force_login(person)
    assert client.get(f"/moderation/items/{appeal.public_id}/").status_code == (200 if sees else 404)
    readable = roles.narrow_audit_events(person, AuditEvent.objects.all())
    assert readable.filter(event_type=AuditEventType.CHILD_SAFETY_REPORT_DRAFTED).exists() is sees

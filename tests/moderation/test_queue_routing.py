"""Routing review items into named queues (first matching rule by order, the built-ins, and language, team,
stage, kind and severity conditions), the leads' audited page for queues and rules, the urgency order, the
"similar items" helpers, and moderators' saved views."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, AuditEventType, ModerationRole, User
from generations import selectors
from generations.actions import gallery, queues, review, roles
from generations.actions.review_queue import do_open_review_for_held, rule_matches
from generations.models import GalleryItem, Generation, ReviewItem, ReviewQueue, RoutingRule, SavedQueueView

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(db):
    return User.objects.create_user("lead@example.org", "pw-lead-12345", is_moderator=True, moderation_role=ModerationRole.LEAD)


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)


def generation(team, user, prompt="A quiet lake", *, status="held", stage="prompt", categories=None, language=None):
    screening = {"decision": "review", "categories": categories or {}}
    if language:
        screening["language"] = language
    return Generation.objects.create(team=team, created_by=user, prompt=prompt, model_name="kling-v1-6", mode="std",
                                     status=status, stage=stage, screening_result=screening)


def held(team, user, prompt="A quiet lake", *, stage="prompt", categories=None, language=None, age_hours=0):
    categories = categories or {"political": 0.6}
    made = generation(team, user, prompt, stage=stage, categories=categories, language=language)
    item = do_open_review_for_held(made, stage=stage, categories=categories)
    if age_hours:
        ReviewItem.objects.filter(pk=item.pk).update(created_at=item.created_at - dt.timedelta(hours=age_hours))
        item.refresh_from_db()
    return item


def queue(name, **extra):
    return ReviewQueue.objects.create(name=name, slug=name.lower().replace(" ", "-"), **extra)


# --- the built-ins ---------------------------------------------------------------------------------------------


def test_the_migration_made_the_built_in_queues_and_the_child_safety_rule_first():
    built = {found.slug: found for found in ReviewQueue.objects.filter(builtin=True)}
    assert set(built) == {"general", "child-safety", "appeals"}
    assert built["general"].is_default and built["child-safety"].restricted_to_role == "child_safety"
    first = RoutingRule.objects.order_by("order", "pk").first()
    assert (first.builtin, first.queue.slug, first.category) == (True, "child-safety", "sexual_minors")


def test_held_appeal_and_report_items_are_all_routed(team, alice, bob):
    assert held(team, alice).queue.slug == "general"
    blocked = generation(team, alice, status="blocked", categories={"violence": 0.9})
    appeal = review.do_appeal(blocked, alice, "It is a film scene.")
    assert appeal.queue.slug == "appeals"
    shared = generation(team, alice, "A shared clip", status="succeeded", stage="done")
    item = GalleryItem.objects.create(team=team, generation=shared, shared_by=alice, status="visible")
    report = gallery.do_report(item, user=bob, reason="spam")
    assert report.queue.slug == "general"
    # A child-safety appeal goes to the child-safety queue, ahead of the Appeals rule.
    minors = generation(team, alice, status="blocked", categories={"sexual_minors": 0.9})
    assert review.do_appeal(minors, alice, "Adults only.").queue.slug == "child-safety"


def test_the_child_safety_rule_holds_even_when_a_lead_puts_a_rule_before_it(team, alice, lead):
    other = queue("Catch all")
    queues.do_create_rule(lead, queue=other, order=1)  # matches everything
    assert held(team, alice, categories={"sexual_minors": 0.5}).queue.slug == "child-safety"
    assert held(team, alice, categories={"sexual_minors": 0.2}).queue == other  # below its review threshold


# --- rules: first match by order, each condition ----------------------------------------------------------------


def test_the_first_matching_rule_by_order_wins(team, alice, lead):
    late, early = queue("Late"), queue("Early")
    queues.do_create_rule(lead, queue=late, order=50, category="violence", min_severity=0.5)
    queues.do_create_rule(lead, queue=early, order=20, category="violence", min_severity=0.8)
    assert held(team, alice, categories={"violence": 0.9}).queue == early
    assert held(team, alice, categories={"violence": 0.6}).queue == late
    assert held(team, alice, categories={"violence": 0.3}).queue.slug == "general"


def test_language_team_stage_kind_and_severity_conditions(team, other_team, alice, charlie, lead):
    spanish, alpha, outputs, severe = queue("Spanish"), queue("Alpha team"), queue("Outputs"), queue("Severe")
    queues.do_create_rule(lead, queue=spanish, order=10, language="ES")
    queues.do_create_rule(lead, queue=alpha, order=20, team_slug="alpha", kind="held", stage="input")
    queues.do_create_rule(lead, queue=outputs, order=30, stage="output")
    queues.do_create_rule(lead, queue=severe, order=40, min_severity=0.85)
    assert held(team, alice, language="es").queue == spanish
    assert held(team, alice).queue.slug == "general"  # no detected language: the language rule never matches
    assert held(team, alice, stage="input").queue == alpha
    assert held(other_team, charlie, stage="input").queue.slug == "general"  # another team
    assert held(other_team, charlie, stage="output").queue == outputs
    assert held(other_team, charlie, categories={"illegal": 0.9}).queue == severe


def test_rule_matches_is_pure_and_every_set_condition_must_hold():
    rule = RoutingRule(kind="held", stage="prompt", category="violence", min_severity=0.5, language="de")
    base = {"kind": "held", "stage": "prompt", "categories": {"violence": 0.6}, "severity": 0.6, "language": "de",
            "team_id": 1}
    assert rule_matches(rule, **base)
    for change in ({"kind": "appeal"}, {"stage": "output"}, {"categories": {"violence": 0.4}}, {"language": ""}):
        assert not rule_matches(rule, **{**base, **change})


def test_a_queue_sla_replaces_the_sla_by_priority(team, alice, lead):
    fast = queues.do_create_queue(lead, name="Fast lane", sla_hours=1)
    queues.do_create_rule(lead, queue=fast, order=5, category="political")
    item = held(team, alice)
    assert item.queue == fast
    assert dt.timedelta(minutes=59) < item.sla_due_at - item.created_at <= dt.timedelta(hours=1, seconds=5)


# --- the leads' page -----------------------------------------------------------------------------------------------


def test_a_lead_manages_queues_and_rules_on_the_page_every_change_audited(client, lead, moderator):
    client.force_login(moderator)
    assert client.get("/moderation/queues/").status_code == 404
    assert client.post("/moderation/queues/", {"action": "create_queue", "name": "Nope"}).status_code == 404
    client.force_login(lead)
    page = client.get("/moderation/queues/").content.decode()
    assert "Child safety" in page and "built-in" in page
    assert client.post("/moderation/queues/", {"action": "create_queue", "name": "Deepfakes", "sla_hours": "6"}).status_code == 302
    client.post("/moderation/queues/", {"action": "create_rule", "queue": "deepfakes", "order": "5", "category": "deepfake",
                                        "min_severity": "0.4"})
    rule = RoutingRule.objects.get(queue__slug="deepfakes")
    assert (rule.order, rule.category, rule.min_severity) == (5, "deepfake", 0.4)
    # The built-ins stay: the child-safety rule and queue, and its restriction.
    builtin = RoutingRule.objects.get(builtin=True)
    response = client.post("/moderation/queues/", {"action": "delete_rule", "rule": builtin.pk}, follow=True)
    assert b"builtin_rule" in response.content and RoutingRule.objects.filter(pk=builtin.pk).exists()
    response = client.post("/moderation/queues/", {"action": "delete_queue", "queue": "child-safety"})
    assert response.status_code == 409 and ReviewQueue.objects.filter(slug="child-safety").exists()
    response = client.post("/moderation/queues/", {"action": "update_queue", "queue": "child-safety", "restricted_to_role": ""})
    assert response.status_code == 409 and b"builtin_restricted" in response.content
    assert ReviewQueue.objects.get(slug="child-safety").restricted_to_role == "child_safety"
    client.post("/moderation/queues/", {"action": "delete_rule", "rule": rule.pk})
    client.post("/moderation/queues/", {"action": "delete_queue", "queue": "deepfakes"})
    assert not ReviewQueue.objects.filter(slug="deepfakes").exists()
    changes = [(event.event_type, event.extra["change"]) for event in AuditEvent.objects.filter(
        event_type__in=(AuditEventType.REVIEW_QUEUE_CHANGED, AuditEventType.ROUTING_RULE_CHANGED)).order_by("id")]
    assert changes == [(AuditEventType.REVIEW_QUEUE_CHANGED, "created"), (AuditEventType.ROUTING_RULE_CHANGED, "created"),
                       (AuditEventType.ROUTING_RULE_CHANGED, "deleted"), (AuditEventType.REVIEW_QUEUE_CHANGED, "deleted")]
    assert all(event.actor_user_id == lead.pk for event in AuditEvent.objects.filter(event_type__in=(711, 712)))


def test_a_restricted_queue_is_seen_only_by_its_role(team, alice, lead, moderator):
    leads_only = queues.do_create_queue(lead, name="Leads only", restricted_to_role="lead")
    queues.do_create_rule(lead, queue=leads_only, order=5, category="political")
    item = held(team, alice)
    assert roles.can_see_item(lead, item) and not roles.can_see_item(moderator, item)
    assert not roles.visible_queues(moderator).filter(pk=leads_only.pk).exists()


# --- ordering, similar items, saved views ---------------------------------------------------------------------------


def test_the_default_order_is_severity_times_age_times_reports_and_other_sorts_work(team, alice, bob, moderator):
    now = timezone.now()
    held(team, alice, "fresh severe", categories={"violence": 0.9}, age_hours=1)   # (3 + .9) × 1 = 3.9
    held(team, alice, "old mild", categories={"political": 0.3}, age_hours=10)           # (1 + .3) × 10 = 13
    reported = held(team, bob, "reported", categories={"political": 0.3}, age_hours=4)              # (1.3 × 4) × 3 = 15.6
    for reporter in (alice, moderator):
        ReviewItem.objects.create(generation=reported.generation, kind="report", stage="gallery", reported_by=reporter,
                                  sla_due_at=now + dt.timedelta(hours=24))
    found = selectors.review_queue_items({"kind": "held"}, moderator=moderator, now=now, visible=roles.visible_q(moderator))
    assert [item.generation.prompt for item in found] == ["reported", "old mild", "fresh severe"]
    assert [round(item.score, 1) for item in found] == [15.6, 13.0, 3.9]
    oldest = selectors.review_queue_items({"kind": "held"}, moderator=moderator, now=now, sort="oldest")
    assert [item.generation.prompt for item in oldest] == ["old mild", "reported", "fresh severe"]
    by_sla = selectors.review_queue_items({"kind": "held"}, moderator=moderator, now=now, sort="sla")
    assert [item.sla_due_at for item in by_sla] == sorted(item.sla_due_at for item in by_sla)


def test_each_card_shows_its_score_and_sla_and_similar_item_links_select_them_all(client, team, alice, bob, moderator):
    one = held(team, bob, "Spam  campaign!", age_hours=1)
    two = held(team, alice, "spam campaign", age_hours=2)
    other = held(team, bob, "A lighthouse")
    client.force_login(moderator)
    page = client.get("/moderation/").content.decode()
    assert page.count("data-sla-due") == 3 and page.count("data-score") == 3
    cluster = selectors.prompt_cluster("spam campaign")
    assert selectors.prompt_cluster("Spam  campaign!") == cluster
    assert f"cluster={cluster}&amp;select=all" in page and f"author={bob.pk}&amp;select=all" in page
    page = client.get("/moderation/", {"cluster": cluster, "select": "all"}).content.decode()
    assert str(one.public_id) in page and str(two.public_id) in page and str(other.public_id) not in page
    assert page.count(" checked>") == 2
    page = client.get("/moderation/", {"author": bob.pk, "select": "all"}).content.decode()
    assert str(one.public_id) in page and str(other.public_id) in page and str(two.public_id) not in page
    # And they are decided together with one reason.
    response = client.post("/moderation/", {"items": [f"{one.public_id}:{one.version}", f"{two.public_id}:{two.version}"],
                                            "action": "reject", "preset": "not_allowed"}, follow=True)
    assert b"Rejected 2 items." in response.content


def test_a_moderator_saves_lists_opens_and_deletes_a_view(client, team, alice, moderator, lead):
    held(team, alice, "A violent scene", categories={"violence": 0.7})
    client.force_login(moderator)
    response = client.post("/moderation/views/", {"name": "Violence, oldest",
                                                  "query": "queue=general&category=violence&sort=oldest&page=3&evil=1"})
    view = SavedQueueView.objects.get(user=moderator)
    assert view.query == "queue=general&category=violence&sort=oldest"  # page and unknown parameters dropped
    assert response["Location"] == f"/moderation/?{view.query}"
    page = client.get(response["Location"])
    assert page.context["sort"] == "oldest" and page.context["queue_tab"]["slug"] == "general"
    assert page.context["filters"] == {"category": "violence"}
    assert f'href="/moderation/?{view.query.replace("&", "&amp;")}" data-saved-view>Violence, oldest' in page.content.decode()
    # Saving under the same name replaces it; another moderator neither sees nor deletes it.
    client.post("/moderation/views/", {"name": "Violence, oldest", "query": "sort=sla"}, follow=True)
    assert SavedQueueView.objects.get(user=moderator).query == "sort=sla"
    client.force_login(lead)
    assert b"Violence, oldest" not in client.get("/moderation/").content
    assert client.post(f"/moderation/views/{view.pk}/delete/").status_code == 404
    client.force_login(moderator)
    assert client.post(f"/moderation/views/{view.pk}/delete/").status_code == 302
    assert not SavedQueueView.objects.exists()
    assert b"name_required" in client.post("/moderation/views/", {"name": " ", "query": ""}, follow=True).content

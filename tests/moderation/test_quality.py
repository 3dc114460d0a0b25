"""Quality of human review: an exact share of decisions goes to a blind second review, disagreements go to a
lead who can overturn, and the dashboard's agreement and overturn figures are what the rows say."""

import datetime as dt
import re
from collections import defaultdict

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import AuditEvent, AuditEventType, StandingEvent, User
from generations.actions import quality, review
from generations.actions.qa_sampling import is_sampled
from generations.actions.review_queue import do_open_review_for_held
from generations.models import (
    Asset,
    GalleryItem,
    Generation,
    PolicyVersion,
    QAResolution,
    QAReview,
    ReviewDecision,
    ReviewItem,
    ReviewKind,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_mod(db):
    return User.objects.create_user("first@example.org", "pw-first-12345", is_moderator=True)


@pytest.fixture
def other_mod(db):
    return User.objects.create_user("other@example.org", "pw-other-12345", is_moderator=True)


@pytest.fixture
def second_mod(db):
    return User.objects.create_user("second@example.org", "pw-second-12345", is_moderator=True)


@pytest.fixture
def lead(db):
    return User.objects.create_user("lead@example.org", "pw-lead-12345", is_moderator=True, is_superuser=True)


def held(team, user, prompt="A quiet lake at dawn", categories=None, *, stage="prompt"):
    categories = categories or {"political": 0.6}
    generation = Generation.objects.create(
        team=team, created_by=user, prompt=prompt, model_name="kling-v1-6", mode="std", status="held", stage=stage,
        screening_result={"decision": "review", "categories": categories},
    )
    return do_open_review_for_held(generation, stage=stage, categories=categories)


def decide(item, moderator, action, reason="seen it"):
    return review.do_decide(item, moderator, action, reason=reason, expected_version=item.version, claim=True)


def held_output(team, user, categories=None):
    """A held output with its (quarantined) clip file, as the output scan leaves it."""
    item = held(team, user, "A cat on a sofa", categories or {"violence": 0.55}, stage="output")
    asset = Asset(generation=item.generation, role="video", content_type="video/mp4", size_bytes=4, sha256="x", quarantined=True)
    asset.file.save("clip.mp4", ContentFile(b"clip"), save=False)
    asset.save()
    return item


# --- the sample ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("share", "decisions", "sampled"), [
    (0.05, 1000, 50), (0.5, 10, 5), (0.29, 100, 29), (0.0, 50, 0), (1.0, 7, 7), (0.05, 19, 0), (0.05, 20, 1),
])
def test_the_sample_is_exactly_the_share_of_decisions(share, decisions, sampled):
    assert sum(is_sampled(n, share) for n in range(1, decisions + 1)) == sampled


def test_with_a_50_percent_share_half_the_decisions_get_a_second_review(settings, team, alice, bob, first_mod):
    settings.MODERATION_QA_SHARE = 0.5
    items = [held(team, alice, f"prompt {n}") for n in range(10)]
    for n, item in enumerate(items[:6]):
        decide(item, first_mod, review.APPROVE if n % 2 else review.REJECT)
    # Bulk decisions go one by one through the same action, and count the same.
    review.do_bulk_decide(items[6:], first_mod, review.APPROVE)
    assert ReviewItem.objects.filter(decided_by=first_mod).count() == 10
    sampled = QAReview.objects.order_by("sequence")
    assert sampled.count() == 5
    assert [qa.sequence for qa in sampled] == [2, 4, 6, 8, 10]
    for qa in sampled:
        item = qa.review_item
        assert (qa.first_decision, qa.first_moderator_id, qa.first_reason) == (item.decision, first_mod.pk, item.decision_reason)
        assert qa.category == "political" and qa.policy_version == "2026.12"
    assert AuditEvent.objects.filter(event_type=AuditEventType.QA_SAMPLED).count() == 5


def test_only_human_approvals_and_rejections_of_held_and_reported_items_count(settings, team, alice, bob, first_mod):
    settings.MODERATION_QA_SHARE = 1.0
    escalated = held(team, alice, "escalate me")
    review.do_decide(escalated, first_mod, review.ESCALATE, reason="unsure", expected_version=escalated.version, claim=True)
    expired = held(team, alice, "nobody came")
    ReviewItem.objects.filter(pk=expired.pk).update(sla_due_at=timezone.now() - dt.timedelta(minutes=1))
    review.do_expire_overdue_reviews()
    blocked = Generation.objects.create(team=team, created_by=bob, prompt="p", model_name="kling-v1-6", status="blocked",
                                        stage="prompt", screening_result={"categories": {"sexual": 0.9}})
    appeal = review.do_appeal(blocked, bob, "it was a statue")
    decide(appeal, first_mod, review.APPROVE)
    assert QAReview.objects.count() == 0
    decide(held(team, alice), first_mod, review.REJECT)
    assert QAReview.objects.count() == 1


# --- the blind second review -------------------------------------------------------------------------


def _one_sampled(settings, team, author, moderator, action=review.APPROVE, **kwargs):
    settings.MODERATION_QA_SHARE = 1.0
    item = kwargs.pop("item", None) or held(team, author, "Protest march in the rain", **kwargs)
    decide(item, moderator, action, reason="The quiet-lake-reason-XYZ")
    return QAReview.objects.get(review_item=item)


def test_the_second_reviewer_sees_the_item_but_not_the_first_decision(settings, client, team, alice, first_mod, second_mod):
    qa = _one_sampled(settings, team, alice, first_mod)
    client.force_login(second_mod)
    listing = client.get("/moderation/qa/").content.decode()
    assert f"/moderation/qa/{qa.public_id}/" in listing
    page = client.get(f"/moderation/qa/{qa.public_id}/").content.decode()
    assert "Protest march in the rain" in page and "political" in page
    assert first_mod.email not in page
    assert "quiet-lake-reason-XYZ" not in page
    assert "Approved" not in page and "Succeeded" not in page
    # The item page shows the decision: while the blind review is open it sends the second reviewer here.
    response = client.get(f"/moderation/items/{qa.review_item.public_id}/")
    assert response.status_code == 302 and response["Location"] == f"/moderation/qa/{qa.public_id}/"


def test_the_first_moderator_and_the_author_cannot_take_the_second_review(settings, client, team, alice, first_mod):
    alice.is_moderator = True
    alice.save()
    qa = _one_sampled(settings, team, alice, first_mod)
    for user, code in ((first_mod, "own_decision"), (alice, "own_item")):
        with pytest.raises(review.ReviewError) as refused:
            quality.do_second_review(qa, user, review.APPROVE)
        assert refused.value.code == code
        client.force_login(user)
        assert str(qa.public_id) not in client.get("/moderation/qa/").content.decode()
        assert client.get(f"/moderation/qa/{qa.public_id}/").status_code == 404


def test_outsiders_get_404_on_every_quality_page(settings, client, team, alice, bob, first_mod):
    qa = _one_sampled(settings, team, alice, first_mod)
    client.force_login(bob)
    for url in ("/moderation/qa/", f"/moderation/qa/{qa.public_id}/", "/moderation/qa/disagreements/"):
        assert client.get(url).status_code == 404


def test_a_second_review_records_agreement_and_is_audited(settings, client, team, alice, first_mod, second_mod):
    qa = _one_sampled(settings, team, alice, first_mod, action=review.REJECT)
    client.force_login(second_mod)
    response = client.post(f"/moderation/qa/{qa.public_id}/", {"action": "reject", "reason": "same here"})
    assert response.status_code == 302
    qa.refresh_from_db()
    assert (qa.second_decision, qa.second_moderator_id, qa.agreed) == (ReviewDecision.REJECTED, second_mod.pk, True)
    event = AuditEvent.objects.get(event_type=AuditEventType.QA_DECIDED)
    assert event.actor_user_id == second_mod.pk and event.extra["agreed"] is True and event.extra["decision"] == "rejected"
    # Taken once only.
    with pytest.raises(review.ReviewError) as again:
        quality.do_second_review(qa, second_mod, review.APPROVE)
    assert again.value.code == "qa_decided"


# --- a lead settles disagreements ---------------------------------------------------------------------


def test_a_lead_overturns_a_wrong_approval_and_the_clip_is_withheld(settings, client, team, alice, first_mod, second_mod, lead):
    item = held_output(team, alice)
    qa = _one_sampled(settings, team, alice, first_mod, item=item)
    generation = item.generation
    generation.refresh_from_db()
    assert generation.status == "succeeded" and not generation.assets.get(role="video").quarantined
    GalleryItem.objects.create(team=team, generation=generation, shared_by=alice)
    quality.do_second_review(qa, second_mod, review.REJECT, reason="graphic")
    client.force_login(second_mod)
    assert client.get("/moderation/qa/disagreements/").status_code == 404  # not a lead
    client.force_login(lead)
    page = client.get("/moderation/qa/disagreements/").content.decode()
    assert f'data-disagreement="{qa.public_id}"' in page and first_mod.email in page and "graphic" in page
    response = client.post("/moderation/qa/disagreements/", {"qa": str(qa.public_id), "stands": "second_stands",
                                                             "note": "It is gore"})
    assert response.status_code == 302
    qa.refresh_from_db()
    assert (qa.resolution, qa.resolved_by_id, qa.resolution_applied) == (QAResolution.SECOND_STANDS, lead.pk, True)
    assert generation.assets.get(role="video").quarantined
    assert GalleryItem.objects.get(generation=generation).status == "removed"
    assert StandingEvent.objects.filter(user=alice, generation_ref=str(generation.public_id), reverted_at=None).count() == 1
    event = AuditEvent.objects.get(event_type=AuditEventType.QA_RESOLVED)
    assert event.actor_user_id == lead.pk and event.extra["stands"] == "second_stands" and event.extra["applied"] is True
    settled = client.get("/moderation/qa/disagreements/").content.decode()
    assert f'data-settled="{qa.public_id}"' in settled and "It is gore" in settled


def test_overturning_a_rejection_reverts_its_strike_and_says_the_block_stays(settings, client, team, alice, first_mod,
                                                                             second_mod, lead):
    qa = _one_sampled(settings, team, alice, first_mod, action=review.REJECT)
    ref = str(qa.review_item.generation.public_id)
    assert StandingEvent.objects.filter(generation_ref=ref, reverted_at=None).count() == 1
    quality.do_second_review(qa, second_mod, review.APPROVE)
    client.force_login(lead)
    client.post("/moderation/qa/disagreements/", {"qa": str(qa.public_id), "stands": "second_stands", "note": "satire"})
    qa.refresh_from_db()
    assert qa.resolution_applied is False and "stays blocked" in qa.resolution_outcome
    assert StandingEvent.objects.filter(generation_ref=ref, reverted_at=None).count() == 0
    assert Generation.objects.get(public_id=ref).status == "blocked"
    assert "stays blocked" in client.get("/moderation/qa/disagreements/").content.decode()


def test_when_the_first_decision_stands_nothing_changes_but_a_note_is_required(settings, team, alice, first_mod, second_mod, lead):
    qa = _one_sampled(settings, team, alice, first_mod, action=review.REJECT)
    quality.do_second_review(qa, second_mod, review.APPROVE)
    with pytest.raises(review.ReviewError) as no_note:
        quality.do_resolve_disagreement(qa, lead, QAResolution.FIRST_STANDS, note=" ")
    assert no_note.value.code == "note_required"
    with pytest.raises(review.ReviewError) as not_lead:
        quality.do_resolve_disagreement(qa, second_mod, QAResolution.FIRST_STANDS, note="x")
    assert not_lead.value.code == "not_a_lead"
    quality.do_resolve_disagreement(qa, lead, QAResolution.FIRST_STANDS, note="rightly rejected")
    qa.refresh_from_db()
    assert qa.resolution == QAResolution.FIRST_STANDS and qa.resolution_applied is None
    assert StandingEvent.objects.filter(generation_ref=str(qa.review_item.generation.public_id), reverted_at=None).count() == 1


# --- the dashboard --------------------------------------------------------------------------------


def _rendered_groups(html):
    """{group: {key: (reviewed, agreement, overturn)}} as the dashboard's tables show them."""
    groups = {}
    for group, body in re.findall(r'data-qa-group="(\w+)">(.*?)</table>', html, re.S):
        rows = re.findall(r'data-qa-row="([^"]+)">.*?data-reviewed>(\d+)<.*?data-agreement>([^<]*)<.*?data-overturn>([^<]*)<',
                          body, re.S)
        groups[group] = {key: (int(reviewed), agreement, overturn) for key, reviewed, agreement, overturn in rows}
    return groups


def test_the_dashboard_agreement_figures_equal_those_computed_from_the_rows(settings, client, team, alice, bob, first_mod,
                                                                            other_mod, second_mod, lead):
    settings.MODERATION_QA_SHARE = 1.0
    plan = [  # (first moderator, category, first action, second action, lead lets the second stand)
        (first_mod, "political", review.APPROVE, review.APPROVE, None),
        (first_mod, "political", review.REJECT, review.APPROVE, True),
        (first_mod, "violence", review.APPROVE, review.REJECT, False),
        (other_mod, "violence", review.REJECT, review.REJECT, None),
        (other_mod, "sexual", review.APPROVE, review.APPROVE, None),
        (other_mod, "political", review.REJECT, None, None),  # not second-reviewed yet: not counted
    ]
    for index, (moderator, category, first, second, overturn) in enumerate(plan):
        if index == 3:  # a new policy comes into force half-way
            PolicyVersion.objects.create(version="2027.01", effective_from=timezone.now(), summary="stricter")
        item = held(team, alice if index % 2 else bob, f"prompt {index}", {category: 0.6})
        decide(item, moderator, first)
        qa = QAReview.objects.get(review_item=item)
        if second:
            quality.do_second_review(qa, second_mod, second, reason="second look")
        if overturn is not None:
            quality.do_resolve_disagreement(qa, lead, QAResolution.SECOND_STANDS if overturn else QAResolution.FIRST_STANDS,
                                            note="lead's call")
    # The expected figures, straight from the rows.
    expected = {"per_moderator": defaultdict(list), "per_category": defaultdict(list), "per_policy_version": defaultdict(list)}
    for qa in QAReview.objects.exclude(second_decision="").select_related("first_moderator"):
        outcome = (qa.second_decision == qa.first_decision, qa.resolution == "second_stands")
        expected["per_moderator"][qa.first_moderator.email].append(outcome)
        expected["per_category"][qa.category].append(outcome)
        expected["per_policy_version"][qa.policy_version].append(outcome)
    assert set(expected["per_policy_version"]) == {"2026.12", "2027.01"}
    client.force_login(lead)
    response = client.get("/moderation/")
    shown = _rendered_groups(response.content.decode())
    for group, rows in expected.items():
        assert set(shown[group]) == set(rows)
        for key, outcomes in rows.items():
            agreement = sum(agreed for agreed, _ in outcomes) / len(outcomes)
            overturn = sum(over for _, over in outcomes) / len(outcomes)
            assert shown[group][key] == (len(outcomes), f"{agreement:.3f}", f"{overturn:.3f}")
            context_row = next(row for row in response.context["stats"]["quality"][group] if row["key"] == key)
            assert (context_row["agreement_rate"], context_row["overturn_rate"]) == (agreement, overturn)
    assert shown["per_moderator"]["first@example.org"] == (3, "0.333", "0.333")
    total = response.context["stats"]["quality"]["total"]
    assert (total["reviewed"], total["agreed"], total["overturned"]) == (5, 3, 1)


def test_the_appeals_overturn_rate_stays_on_the_dashboard(client, team, alice, bob, first_mod):
    for n, action in enumerate((review.APPROVE, review.REJECT, review.REJECT, review.REJECT)):
        blocked = Generation.objects.create(team=team, created_by=bob, prompt=f"p{n}", model_name="kling-v1-6", status="blocked",
                                            stage="prompt", screening_result={"categories": {"sexual": 0.9}})
        decide(review.do_appeal(blocked, bob, "mistake"), first_mod, action)
    client.force_login(first_mod)
    response = client.get("/moderation/")
    assert ReviewItem.objects.filter(kind=ReviewKind.APPEAL, decision="approved").count() == 1
    assert response.context["stats"]["overturn_rate"] == 0.25
    assert "appeals overturned 0.250" in response.content.decode()


def test_the_second_reviewer_unblurs_on_the_blind_page_and_it_is_logged(settings, client, team, alice, first_mod, second_mod):
    item = held(team, alice, "A portrait", {"deepfake": 0.6}, stage="input")
    data = b"\x89PNG-not-really"
    asset = Asset(generation=item.generation, role="input_image", content_type="image/png", size_bytes=len(data), sha256="x",
                  quarantined=True)
    asset.file.save("in.png", ContentFile(data), save=False)
    asset.save()
    qa = _one_sampled(settings, team, alice, first_mod, item=item)
    client.force_login(second_mod)
    page = client.get(f"/moderation/qa/{qa.public_id}/").content.decode()
    assert f"/moderation/items/{item.public_id}/media/input" in page and "grant=" not in page
    response = client.post(f"/moderation/items/{item.public_id}/unblur/", {"from_page": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/moderation/qa/{qa.public_id}/"
    page = response.content.decode()
    assert "grant=" in page and first_mod.email not in page
    event = AuditEvent.objects.get(event_type=AuditEventType.MEDIA_UNBLURRED)
    assert event.actor_user_id == second_mod.pk and event.extra["asset"] == str(asset.public_id)


def test_overturning_a_report_rejection_puts_the_clip_back_in_the_gallery(settings, team, alice, bob, first_mod, second_mod, lead):
    settings.MODERATION_QA_SHARE = 1.0
    generation = Generation.objects.create(team=team, created_by=alice, prompt="a dance", model_name="kling-v1-6",
                                           status="succeeded", stage="done")
    asset = Asset(generation=generation, role="video", content_type="video/mp4", size_bytes=4, sha256="x")
    asset.file.save("clip.mp4", ContentFile(b"clip"), save=False)
    asset.save()
    GalleryItem.objects.create(team=team, generation=generation, shared_by=alice)
    item = ReviewItem.objects.create(generation=generation, kind=ReviewKind.REPORT, stage="done", categories={"sexual": 0.3},
                                     reported_by=bob, message="too much", sla_due_at=timezone.now() + dt.timedelta(hours=4))
    decide(item, first_mod, review.REJECT)
    assert GalleryItem.objects.get(generation=generation).status == "removed"
    qa = QAReview.objects.get(review_item=item)
    quality.do_second_review(qa, second_mod, review.APPROVE)
    quality.do_resolve_disagreement(qa, lead, QAResolution.SECOND_STANDS, note="it is a dance")
    qa.refresh_from_db()
    assert qa.resolution_applied is True
    assert GalleryItem.objects.get(generation=generation).status == "visible"
    assert not Asset.objects.get(pk=asset.pk).quarantined
    assert StandingEvent.objects.filter(generation_ref=str(generation.public_id), reverted_at=None).count() == 0


def test_an_overturned_approval_of_a_generation_still_running_is_recorded_not_applied(settings, team, alice, first_mod,
                                                                                      second_mod, lead):
    qa = _one_sampled(settings, team, alice, first_mod)  # a prompt approval: the generation is queued now
    assert qa.review_item.generation.status == "queued"
    quality.do_second_review(qa, second_mod, review.REJECT, reason="should not run")
    quality.do_resolve_disagreement(qa, lead, QAResolution.SECOND_STANDS, note="should not run")
    qa.refresh_from_db()
    assert qa.resolution_applied is False and "still queued" in qa.resolution_outcome
    assert StandingEvent.objects.filter(user=alice).count() == 0

"""The review queue as a workbench for moderators who decide hundreds of items a day: what a row shows,
filters and search that survive paging, the urgency order, one-click decisions with preset reasons, and bulk
decisions that still go one by one through the same audited action."""

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from accounts.audit import SYSTEM, record_audit_event
from accounts.models import AuditEvent, AuditEventType, StandingEvent, User
from accounts.standing import current_standing, do_record_strike
from generations import selectors
from generations.actions import review
from generations.actions.review_queue import do_open_review_for_held
from generations.models import Asset, Generation, ReviewItem, ReviewKind
from generations.web import moderation as views

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)


def held(team, user, prompt="A quiet lake at dawn", categories=None, *, age_hours=0, stage="prompt"):
    generation = Generation.objects.create(
        team=team, created_by=user, prompt=prompt, model_name="kling-v1-6", mode="std", status="held", stage=stage,
        screening_result={"decision": "review", "categories": categories or {"political": 0.6}},
    )
    now = timezone.now() - dt.timedelta(hours=age_hours)
    return do_open_review_for_held(generation, stage=stage, categories=categories or {"political": 0.6}, now=now)


def backdate(item, hours):
    ReviewItem.objects.filter(pk=item.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours))


# --- pure rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("minutes", "words"), [
    (120, "due in 2 h"), (150, "due in 2 h 30 min"), (5, "due in 5 min"), (-15, "overdue by 15 min"),
    (-60 * 26, "overdue by 26 h"), (60 * 72, "due in 3 days"),
])
def test_sla_words_say_due_in_or_overdue_by(minutes, words):
    now = timezone.now()
    assert views.sla_words(now + dt.timedelta(minutes=minutes), now) == words


def test_an_excerpt_is_one_line_cut_at_a_word():
    assert views.excerpt("a  cat\non a mat") == "a cat on a mat"
    cut = views.excerpt("word " * 40, limit=22)
    assert cut == "word word word word…"


def test_top_categories_show_the_highest_and_others_past_review_never_zeros():
    assert views.top_categories({"sexual": 0.0, "violence": 0.0}) == []
    assert views.top_categories({"sexual": 0.0, "political": 0.62, "violence": 0.01}) == [("political", 0.62)]
    shown = dict(views.top_categories({"sexual": 0.9, "violence": 0.95, "illegal": 0.02}))
    assert set(shown) == {"violence", "sexual"}


def test_the_priority_score_grows_with_severity_age_and_reports():
    base = selectors.queue_priority_score(priority=1, severity=0.5, waited_hours=2, reports=0)
    assert selectors.queue_priority_score(priority=3, severity=0.5, waited_hours=2, reports=0) > base
    assert selectors.queue_priority_score(priority=1, severity=0.5, waited_hours=10, reports=0) > base
    assert selectors.queue_priority_score(priority=1, severity=0.5, waited_hours=2, reports=2) == 3 * base
    capped = selectors.queue_priority_score(priority=1, severity=0.5, waited_hours=selectors.AGE_CAP_HOURS, reports=0)
    assert selectors.queue_priority_score(priority=1, severity=0.5, waited_hours=1000, reports=0) == capped


def test_the_chart_is_wide_enough_for_its_longest_label_bar_and_value():
    chart = views._bar_chart([("sexual_minors", 12345), ("political", 3)])
    label, value, bar, _y, value_x = chart["rows"][0]
    assert chart["bar_x"] >= len("sexual_minors") * views.CHART_CHAR_PX
    assert value_x + len(str(value)) * views.CHART_CHAR_PX <= chart["width"]


def test_preset_reasons_lead_with_the_items_category_and_end_with_benign():
    presets = review.preset_reasons({"deepfake": 0.7, "sexual": 0.0})
    assert presets[0] == ("likeness", "Real person's likeness without consent")
    assert ("benign", "Benign on review") in presets
    assert review.compose_reason("likeness", " face of a singer ") == "Real person's likeness without consent: face of a singer"
    assert review.compose_reason("", "just text") == "just text"


# --- the queue page ---------------------------------------------------------------------------------


def test_a_row_shows_an_escaped_prompt_excerpt_its_top_category_and_a_live_sla(client, team, alice, moderator):
    item = held(team, alice, "<b>Joe</b> giving a speech " + "at a rally " * 20, {"political": 0.62, "sexual": 0.0})
    client.force_login(moderator)
    page = client.get("/moderation/").content.decode()
    assert "&lt;b&gt;Joe&lt;/b&gt; giving a speech at a rally" in page and "<b>Joe</b>" not in page
    assert "political 0.62" in page and "sexual 0.00" not in page
    assert f'datetime="{item.sla_due_at.isoformat()}"'[:30] in page and "due in " in page
    assert f'href="/accounts/moderation/users/{alice.pk}/standing/"' in page


def test_an_overdue_row_says_by_how_much(client, team, alice, moderator):
    item = held(team, alice)
    ReviewItem.objects.filter(pk=item.pk).update(sla_due_at=timezone.now() - dt.timedelta(minutes=15))
    client.force_login(moderator)
    assert "overdue by 15 min" in client.get("/moderation/").content.decode()


def test_a_row_with_media_shows_a_small_blurred_thumbnail_never_the_original(client, team, alice, moderator):
    item = held(team, alice, stage="input")
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 30, 30)).save(buffer, format="PNG")
    asset = Asset(generation=item.generation, role="input_image", content_type="image/png", size_bytes=len(buffer.getvalue()),
                  sha256="x", width=800, height=600)
    asset.file.save("in.png", ContentFile(buffer.getvalue()), save=False)
    asset.save()
    client.force_login(moderator)
    page = client.get("/moderation/").content.decode()
    src = f"/moderation/items/{item.public_id}/media/input?size=thumb"
    assert src in page and "grant=" not in page
    thumb = client.get(src)
    assert thumb["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= views.THUMBNAIL_SIDE


def test_filters_and_search_survive_paging(client, team, alice, bob, moderator, monkeypatch):
    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 2)
    for number in range(3):
        held(team, bob, f"lighthouse number {number}")
    held(team, alice, "a lighthouse of alice")
    held(team, bob, "sunflowers")
    client.force_login(moderator)
    first = client.get("/moderation/", {"q": "lighthouse", "team": "alpha"}).content.decode()
    assert "4 matches" in first and "sunflowers" not in first
    assert 'href="?q=lighthouse&amp;team=alpha&amp;page=2"' in first
    by_email = client.get("/moderation/", {"q": "alice@"}).content.decode()
    assert "a lighthouse of alice" in by_email and "lighthouse number" not in by_email


def test_filters_by_category_priority_claim_and_overdue(client, team, alice, bob, moderator):
    urgent = held(team, alice, "urgent one", {"sexual": 0.9})
    mild = held(team, bob, "mild one", {"political": 0.6})
    ReviewItem.objects.filter(pk=mild.pk).update(sla_due_at=timezone.now() - dt.timedelta(minutes=1))
    review.do_claim(urgent, moderator)
    client.force_login(moderator)

    def shown(**params):
        page = client.get("/moderation/", params).content.decode()
        return {name for name in ("urgent one", "mild one") if name in page}

    assert shown(category="sexual") == {"urgent one"}
    assert shown(priority="3") == {"urgent one"}
    assert shown(claimed="me") == {"urgent one"}
    assert shown(claimed="unclaimed") == {"mild one"}
    assert shown(overdue="1") == {"mild one"}
    assert shown(kind="appeal") == set()


def test_the_queue_puts_old_and_reported_items_first(team, alice, bob, moderator):
    held(team, alice, "fresh", {"political": 0.6})
    old = held(team, alice, "old", {"political": 0.6})
    backdate(old, 10)
    reported = held(team, bob, "reported", {"political": 0.6})
    backdate(reported, 4)
    for reporter in User.objects.filter(email__in=["alice@example.org", "mo@example.org"]):
        ReviewItem.objects.create(generation=reported.generation, kind=ReviewKind.REPORT, stage="done", reported_by=reporter,
                                  sla_due_at=timezone.now() + dt.timedelta(hours=24))
    ordered = [item.generation.prompt for item in selectors.review_queue_items({"kind": "held"}, moderator=moderator,
                                                                              now=timezone.now())]
    assert ordered == ["reported", "old", "fresh"]  # 4 h × 3 beats 10 h × 1 beats fresh


# --- deciding ---------------------------------------------------------------------------------------


def test_one_click_decides_claiming_implicitly_with_a_preset_reason(client, team, alice, moderator, redis_conn):
    item = held(team, alice, "Joe Biden giving a speech", {"deepfake": 0.7})
    client.force_login(moderator)
    page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    assert page.index('id="decide-form"') < page.index("<h2>Prompt</h2>")  # the buttons come first
    assert "Real person&#x27;s likeness without consent" in page
    client.post(f"/moderation/items/{item.public_id}/decide/",
                {"action": "reject", "preset": "likeness", "reason": "a living politician", "version": item.version})
    item.refresh_from_db()
    assert item.decision == "rejected"
    assert item.decision_reason == "Real person's likeness without consent: a living politician"
    claimed = AuditEvent.objects.get(event_type=AuditEventType.REVIEW_CLAIMED)
    decided = AuditEvent.objects.get(event_type=AuditEventType.REVIEW_DECIDED)
    assert claimed.extra["implicit"] is True and decided.extra["preset"] == "likeness"


def test_a_stale_page_still_gets_the_conflict_without_a_claim(client, team, alice, moderator):
    item = held(team, alice)
    ReviewItem.objects.filter(pk=item.pk).update(version=5)  # the author added context since the page loaded
    client.force_login(moderator)
    response = client.post(f"/moderation/items/{item.public_id}/decide/", {"action": "approve", "version": 4}, follow=True)
    assert b"review_conflict" in response.content
    item.refresh_from_db()
    assert (item.decision, item.claimed_by_id) == ("", None)


def test_another_moderators_live_claim_is_respected(client, team, alice, moderator):
    item = held(team, alice)
    other = User.objects.create_user("mo2@example.org", "pw-mo2-12345", is_moderator=True)
    item = review.do_claim(item, other)
    client.force_login(moderator)
    response = client.post(f"/moderation/items/{item.public_id}/decide/", {"action": "approve", "version": item.version},
                           follow=True)
    assert b"review_conflict" in response.content
    item.refresh_from_db()
    assert item.decision == ""


def test_bulk_rejects_items_of_one_user_one_by_one_skipping_the_moderators_own(client, team, alice, bob, moderator,
                                                                                redis_conn):
    first, second = held(team, bob, "first of bob"), held(team, bob, "second of bob")
    client.force_login(moderator)
    response = client.post("/moderation/", {
        "items": [f"{first.public_id}:{first.version}", f"{second.public_id}:{second.version}"],
        "action": "reject", "preset": "not_allowed", "reason": "same campaign",
    }, follow=True)
    assert b"Rejected 2 items." in response.content
    for item in (first, second):
        item.refresh_from_db()
        assert (item.decision, item.decision_reason) == ("rejected", "Not allowed by the content policy: same campaign")
    assert AuditEvent.objects.filter(event_type=AuditEventType.REVIEW_DECIDED).count() == 2

    # The moderator's own content (same prompt, so a valid batch) is skipped with a message.
    User.objects.filter(pk=bob.pk).update(is_moderator=True)
    own, theirs = held(team, bob, "shared prompt"), held(team, alice, "shared prompt")
    client.force_login(bob)
    response = client.post("/moderation/", {
        "items": [f"{own.public_id}:{own.version}", f"{theirs.public_id}:{theirs.version}"], "action": "approve",
    }, follow=True)
    assert b"Approved 1 item." in response.content and b"it is about you" in response.content
    own.refresh_from_db()
    assert own.decision == ""


def test_bulk_refuses_a_mix_of_users_and_prompts_and_needs_a_reason_to_reject(client, team, alice, bob, moderator):
    one, two = held(team, alice, "one prompt"), held(team, bob, "another prompt")
    client.force_login(moderator)
    chosen = [f"{one.public_id}:{one.version}", f"{two.public_id}:{two.version}"]
    assert b"bulk_mixed" in client.post("/moderation/", {"items": chosen, "action": "approve"}, follow=True).content
    three = held(team, alice, "third")
    response = client.post("/moderation/", {"items": [chosen[0], f"{three.public_id}:{three.version}"], "action": "reject"},
                           follow=True)
    assert b"reason_required" in response.content
    assert not ReviewItem.objects.exclude(decision="").exists()


def test_people_without_the_moderator_capability_cannot_bulk_decide(client, team, alice, bob):
    item = held(team, bob)
    client.force_login(alice)
    response = client.post("/moderation/", {"items": [f"{item.public_id}:{item.version}"], "action": "approve"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.decision == ""


# --- the item page ----------------------------------------------------------------------------------


def test_a_hold_for_the_authors_standing_says_so_with_their_standing_and_history(client, team, alice, moderator):
    earlier = Generation.objects.create(team=team, created_by=alice, prompt="an earlier harbour scene", model_name="kling-v1-6",
                                        mode="std", status="blocked", stage="prompt", error_code="policy_violation")
    while current_standing(alice).level != "restricted":
        do_record_strike(alice, category="violence", source="prompt_block")
    strikes = StandingEvent.objects.filter(user=alice, points__gt=0).count()
    item = held(team, alice, "a calm meadow", {})
    Generation.objects.filter(pk=item.generation.pk).update(screening_result={"decision": "allow", "categories": {}})
    record_audit_event(AuditEventType.GENERATION_SUBMITTED, actor=SYSTEM, team=team, target=item.generation,
                       extra={"status": "held", "held_for_standing": True})
    client.force_login(moderator)
    page = client.get(f"/moderation/items/{item.public_id}/").content.decode()
    assert f"Held because the author's account is restricted (standing: restricted, {strikes} strikes)" in page
    assert "an earlier harbour scene" in page and "Blocked" in page and earlier.error_code in page
    assert "Standing tools" in page and f"/accounts/moderation/users/{alice.pk}/standing/" in page
    assert "Frame timeline" not in page


def test_an_ordinary_hold_does_not_blame_the_standing(client, team, alice, moderator):
    item = held(team, alice)
    client.force_login(moderator)
    assert b"Held because the author" not in client.get(f"/moderation/items/{item.public_id}/").content

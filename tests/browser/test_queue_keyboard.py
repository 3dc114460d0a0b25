"""A moderator works the review queue by keyboard alone (j/k, x, Enter on the queue; a, r and a reason
picked with a digit on an item), and bulk-rejects two items of one user with one reason."""

import pytest

from accounts.models import AuditEvent, AuditEventType, User
from generations.actions.review_queue import do_open_review_for_held
from generations.models import Generation, ReviewItem
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def held(team, user, prompt):
    generation = Generation.objects.create(
        team=team, created_by=user, prompt=prompt, model_name="kling-v1-6", mode="std", status="held", stage="prompt",
        screening_result={"decision": "review", "categories": {"political": 0.6}},
    )
    return do_open_review_for_held(generation, stage="prompt", categories={"political": 0.6})


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mo@example.org", "pw-mo-12345", is_moderator=True)


def test_a_moderator_decides_several_items_by_keyboard_alone(page, live_server, team, alice, moderator, redis_conn):
    first, second, third = (held(team, alice, f"Harbour scene number {n}") for n in (1, 2, 3))
    sign_in(page, live_server, "mo@example.org", "pw-mo-12345")
    page.goto(f"{live_server.url}/moderation/")
    page.get_by_text("Harbour scene number 1").wait_for()  # the prompt excerpt on the row
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")  # back to the first row
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/moderation/items/{first.public_id}/")
    shot(page, "queue-keyboard-item")
    page.keyboard.press("a")  # one key decides: no separate claim
    page.get_by_text("Approved.").wait_for()
    page.wait_for_url(f"**/moderation/items/{second.public_id}/")  # straight on to the next one

    page.keyboard.press("r")  # no reason yet: the reason picker takes the focus
    assert page.evaluate("document.activeElement.id") == "preset"
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.get_by_text("Rejected.").wait_for()
    page.wait_for_url(f"**/moderation/items/{third.public_id}/")

    page.keyboard.press("2")  # pick a reason first, then reject at once
    page.keyboard.press("r")
    page.get_by_text("Rejected.").wait_for()
    decisions = {item.generation.prompt: (item.decision, item.decided_by_id, item.decision_reason)
                 for item in ReviewItem.objects.select_related("generation")}
    assert decisions["Harbour scene number 1"][:2] == ("approved", moderator.pk)
    assert decisions["Harbour scene number 2"][:2] == ("rejected", moderator.pk) and decisions["Harbour scene number 2"][2]
    assert decisions["Harbour scene number 3"][:2] == ("rejected", moderator.pk) and decisions["Harbour scene number 3"][2]
    assert decisions["Harbour scene number 2"][2] != decisions["Harbour scene number 3"][2]  # the two reasons picked
    assert AuditEvent.objects.filter(event_type=AuditEventType.REVIEW_CLAIMED, extra__implicit=True).count() == 3


def test_a_moderator_bulk_rejects_two_items_of_one_user_with_one_reason(page, live_server, team, alice, bob, moderator,
                                                                        redis_conn):
    one, two = held(team, bob, "Spam campaign variant one"), held(team, bob, "Spam campaign variant two")
    other = held(team, alice, "A lighthouse at dusk")
    sign_in(page, live_server, "mo@example.org", "pw-mo-12345")
    page.goto(f"{live_server.url}/moderation/?q=bob%40example.org")
    page.get_by_text("Spam campaign variant one").wait_for()
    assert page.get_by_text("A lighthouse at dusk").count() == 0
    for _ in range(2):
        page.keyboard.press("j")
        page.keyboard.press("x")  # select the row under the cursor
    assert page.locator("[data-select]:checked").count() == 2
    page.get_by_label("Reason", exact=True).select_option("not_allowed")
    page.get_by_label("Details (optional with a listed reason)").fill("the same spam campaign")
    page.get_by_role("button", name="Reject selected").click()
    page.get_by_text("Rejected 2 items.").wait_for()
    shot(page, "queue-bulk-rejected")
    assert "q=bob%40example.org" in page.url  # the filters survive the decision
    for item in (one, two):
        item.refresh_from_db()
        assert (item.decision, item.decision_reason) == ("rejected", "Not allowed by the content policy: the same spam campaign")
    other.refresh_from_db()
    assert other.decision == ""
    assert AuditEvent.objects.filter(event_type=AuditEventType.REVIEW_DECIDED).count() == 2


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_decision_buttons_are_above_the_fold_and_nothing_scrolls_sideways(page, live_server, team, alice, moderator,
                                                                             width, height):
    item = held(team, alice, "A very long prompt about a harbour " * 12)
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server, "mo@example.org", "pw-mo-12345")
    for path in ("/moderation/", f"/moderation/items/{item.public_id}/", "/accounts/audit/"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (path, width)
    page.goto(f"{live_server.url}/moderation/items/{item.public_id}/")
    for name in ("Approve (a)", "Reject (r)"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box["y"] + box["height"] <= height, (name, box, width)
    shot(page, f"moderation-item-{width}")


def test_a_moderator_works_through_fifty_items_by_keyboard_alone(page, live_server, team, alice, bob, moderator, redis_conn):
    """Fifty held items, from the queue to the empty queue, without the mouse: Enter opens the first, then `a`
    approves, or a digit picks a listed reason and `r` rejects; each decision opens the next item."""
    items = [held(team, alice if n % 2 else bob, f"Queued scene {n:02d} of a quiet harbour") for n in range(50)]
    sign_in(page, live_server, "mo@example.org", "pw-mo-12345")
    page.goto(f"{live_server.url}/moderation/")
    page.get_by_text("Queued scene", exact=False).first.wait_for()
    page.keyboard.press("j")  # the cursor on the first row
    page.keyboard.press("Enter")
    page.wait_for_url("**/moderation/items/*/")
    opened = []
    for n in range(50):
        current = page.url
        opened.append(current.rstrip("/").rsplit("/", 1)[-1])
        if n % 2:
            page.keyboard.press("a")
        else:
            page.keyboard.press("1")
            page.keyboard.press("r")
        page.wait_for_url(lambda url, before=current: url != before)
    assert page.url.rstrip("/").endswith("/moderation")  # the queue, empty
    assert sorted(opened) == sorted(str(item.public_id) for item in items)  # each item once, none skipped
    decided = list(ReviewItem.objects.values_list("decision", "decided_by_id"))
    assert len(decided) == 50 and {by for _, by in decided} == {moderator.pk}
    assert sum(decision == "approved" for decision, _ in decided) == 25
    assert sum(decision == "rejected" for decision, _ in decided) == 25
    assert AuditEvent.objects.filter(event_type=AuditEventType.REVIEW_DECIDED).count() == 50
    shot(page, "queue-after-fifty")

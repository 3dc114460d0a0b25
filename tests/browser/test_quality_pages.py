"""The quality and child-safety pages in a phone's browser: a second moderator decides blind, a lead settles
the disagreement, and a CSAM report draft is read and marked filed, none of them scrolling sideways at 390 px."""

import pytest

from accounts.models import User
from generations.actions import child_safety, review
from generations.actions.review_queue import do_open_review_for_held
from generations.models import ChildSafetyReport, Generation, QAReview
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits(page):
    width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= client, f"{page.url}: {width}px wide in {client}px"


def _held(team, user, prompt):
    generation = Generation.objects.create(team=team, created_by=user, prompt=prompt, model_name="kling-v1-6", status="held",
                                           stage="prompt", screening_result={"categories": {"political": 0.6}})
    return do_open_review_for_held(generation, stage="prompt", categories={"political": 0.6})


def test_a_blind_second_review_and_a_leads_settlement_on_a_phone(page, live_server, settings, team, alice):
    settings.MODERATION_QA_SHARE = 1.0
    first = User.objects.create_user("first.moderator.with.a.long.address@studio-operations.example.org", "pw-first-1",
                                     is_moderator=True)
    User.objects.create_user("second@example.org", "pw-second-1", is_moderator=True)
    User.objects.create_user("lead@example.org", "pw-lead-1", is_moderator=True, is_superuser=True)
    item = _held(team, alice, "A senator shaking hands with a crowd of supporters outside the capitol building")
    review.do_decide(item, first, review.APPROVE, expected_version=item.version, claim=True)
    qa = QAReview.objects.get(review_item=item)

    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "second@example.org", "pw-second-1")
    page.locator("header nav").wait_for()
    page.goto(f"{live_server.url}/moderation/qa/")
    _fits(page)
    page.get_by_role("link", name="Held generation · prompt").click()
    page.get_by_role("heading", name="Prompt", exact=True).wait_for()
    _fits(page)
    assert first.email not in page.content()
    shot(page, "phone-qa-review")
    page.get_by_label("Details (required to reject without a listed reason)").fill("no consent from the senator")
    page.get_by_role("button", name="Reject").click()
    page.get_by_text("Second review recorded.").wait_for()
    qa.refresh_from_db()
    assert (qa.second_decision, qa.agreed) == ("rejected", False)

    page.context.clear_cookies()
    sign_in(page, live_server, "lead@example.org", "pw-lead-1")
    page.locator("header nav").wait_for()
    page.goto(f"{live_server.url}/moderation/qa/disagreements/")
    _fits(page)
    shot(page, "phone-qa-disagreements")
    page.get_by_label("Which stands").select_option("second_stands")
    page.get_by_label("Note (required)").fill("public figure, but a fabricated scene")
    page.get_by_role("button", name="Settle").click()
    page.locator(f'[data-settled="{qa.public_id}"]').wait_for()
    _fits(page)
    qa.refresh_from_db()
    assert qa.resolution == "second_stands" and qa.resolved_by.email == "lead@example.org"


def test_a_report_draft_is_read_and_marked_filed_on_a_phone(page, live_server, team, alice):
    moderator = User.objects.create_user("child.safety@example.org", "pw-child-1", is_moderator=True,
                                         moderation_role="child_safety")
    item = _held(team, alice, "a long prompt " * 40)
    report = child_safety.do_confirm_csam(item, moderator, reason="confirmed on review")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "child.safety@example.org", "pw-child-1")
    page.locator("header nav").wait_for()
    page.goto(f"{live_server.url}/moderation/child-safety/")
    _fits(page)
    page.locator(f'[data-report="{report.public_id}"] a').click()
    page.locator("#draft-json").wait_for()
    _fits(page)
    shot(page, "phone-child-safety-report")
    page.get_by_label("CyberTipline report number").fill("987654321")
    page.get_by_role("button", name="Mark filed").click()
    page.get_by_text("report number 987654321").wait_for()
    assert ChildSafetyReport.objects.get(pk=report.pk).status == "filed"

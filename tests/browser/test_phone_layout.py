"""Every portal page works on a phone: at 390×844 no page scrolls sideways, for every role.

Each role signs in and visits every page its own navigation offers (the links are read from the page, so
the list cannot drift from the templates), plus the pages one step deeper that a role works in: an item
of the review queue and a user's standing page for moderators. The data is what a real team has: several
members with long addresses, API keys, webhook endpoints with failed and pending deliveries, a held
generation, consent records and standing events. Screenshots of each page at 390 and 1280 px land in
test-artifacts/screenshots/ as phone-<page>.png and desktop-<page>.png.
"""

import re
from urllib.parse import urlsplit

import pytest

from accounts.actions import do_add_member, do_create_api_key, do_invite_member
from accounts.audit import SYSTEM
from accounts.models import Role, User
from accounts.standing import do_record_strike
from generations.actions import review
from generations.actions.consent import do_record_consent
from generations.actions.generation import do_submit_generation
from generations.actions.webhooks import do_create_endpoint
from generations.catalog import validate_generation_request
from generations.models import DeliveryStatus, WebhookDelivery
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_URL = "https://hooks.integration-platform.example.com/studio/v1/incoming/6f1c2a9e4b7d4c1f8a3e5b2d9c0f7a61?signature=abcdef0123456789"

# The pages one step below the navigation where a role does its work: found by these links on the pages
# the navigation reaches, never by a list of paths.
DEEPER_LINKS = "a[data-queue-link], a[data-standing-link]"


@pytest.fixture
def busy_team(team, alice, bob, use_simulator, redis_conn):
    """Team Alpha as it looks after a few weeks of use."""
    long_named = [
        User.objects.create_user(f"{local}@subsidiary-of-a-very-long-company-name.example.org", "pw-long-member-1")
        for local in ("maximilian.alexander.featherstonehaugh-llewellyn", "ana.sofia.gutierrez.de.la.fuente.martinez")
    ]
    for person in long_named:
        do_add_member(team=team, user=person, role=Role.MEMBER, actor=SYSTEM)
    moderator = User.objects.create_user("moderation.lead.for.trust-and-safety@studio-operations.example.org", "pw-mod-phone-1",
                                         is_moderator=True)
    do_add_member(team=team, user=moderator, role=Role.MEMBER, actor=SYSTEM)
    User.objects.create_superuser("operator@example.org", "pw-operator-phone-1")
    do_invite_member(team=team, email="an.invited.person.with.a.long.address@partner-agency.example.co.uk", acting_user=alice)
    for owner, name in ((alice, "Production render farm, nightly batch"), (bob, "bob's laptop")):
        do_create_api_key(team=team, user=owner, name=name)
    endpoint = do_create_endpoint(team=team, user=alice, url=LONG_URL, description="Our asset pipeline",
                                  events=["generation.succeeded", "generation.failed"])
    for status, code, error in ((DeliveryStatus.FAILED, 500, "HTTP 500"), (DeliveryStatus.PENDING, None, "Could not connect to hooks.integration-platform.example.com: connection refused after 10 s"),
                                (DeliveryStatus.SUCCEEDED, 204, "")):
        WebhookDelivery.objects.create(team=team, endpoint=endpoint, url=LONG_URL, event_type="generation.succeeded", payload={},
                                       status=status, attempts=3, last_status_code=code, last_error=error)
    do_record_consent(team=team, user=alice, subject_name="Maximilian Alexander Featherstonehaugh-Llewellyn",
                      statement="Signed release form, 2026-11-20, kept by HR under reference HR-RELEASE-2026-000123456789")
    held, decided = (
        do_submit_generation(team=team, user=author, request=validate_generation_request(
            {"prompt": "Joe Biden giving a speech at a rally"}, default_model="kling-v1-6"))
        for author in (bob, long_named[0])
    )
    assert held.status == decided.status == "held"
    item = review.do_claim(decided.review_items.get(), moderator)  # one decision, for the queue's chart
    review.do_decide(item, moderator, review.REJECT, reason="Real politician, no consent on file", expected_version=item.version)
    do_record_strike(bob, category="sexual", source="prompt_block", note="phone layout fixture")
    do_record_strike(alice, category="political", source="prompt_block")
    return {
        "team owner": ("alice@example.org", "alice-password-1"),
        "plain member": ("bob@example.org", "bob-password-1"),
        "moderator": (moderator.email, "pw-mod-phone-1"),
        "operator": ("operator@example.org", "pw-operator-phone-1"),
    }


def page_name(path):
    """/accounts/moderation/users/7/standing/ → accounts-moderation-users-id-standing (stable across runs)."""
    path = re.sub(r"/([0-9a-f]{8}-[0-9a-f-]{27}|\d+)(?=/)", "/id", path.lower())
    return re.sub(r"[^a-z0-9]+", "-", path).strip("-") or "home"


def _same_site_paths(page, selector, origin):
    hrefs = page.eval_on_selector_all(selector, "links => links.map(link => link.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == origin:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path not in paths:
                paths.append(path)
    return paths


def _overflow(page):
    return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")


def _widest(page):
    """What sticks out, to name it in the failure."""
    return page.evaluate(
        """() => { const limit = document.documentElement.clientWidth; const out = [];
        const clipped = el => { for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
          if (getComputedStyle(up).overflowX !== 'visible') return true; } return false; };
        for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect();
          if (r.right > limit + 1 && r.width > 0 && (!clipped(el) || getComputedStyle(el).position === 'absolute')) out.push(`${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''} → ${Math.round(r.right)}px`); }
        return out.slice(0, 6); }"""
    )


def test_no_page_scrolls_sideways_at_390px_for_any_role(page, live_server, busy_team):
    origin = live_server.url
    page.set_viewport_size(PHONE)
    failures, checked, shot_taken = {}, {}, set()
    for role, (email, password) in busy_team.items():
        sign_in(page, live_server, email, password)
        page.locator("header nav").wait_for()
        nav = _same_site_paths(page, "header a.brand, header nav a", origin)
        queue, visited = list(nav), []
        while queue:
            path = queue.pop(0)
            if path in visited:
                continue
            visited.append(path)
            response = page.goto(f"{origin}{path}")
            assert response.status == 200, f"{role}: {path} answered {response.status}"
            if path in nav:  # one step deeper from the navigation's pages, no further
                queue += [found for found in _same_site_paths(page, f"main nav a, {DEEPER_LINKS}", origin) if found not in visited]
            scroll_width, client_width = _overflow(page)
            if scroll_width > client_width:
                failures[f"{role}: {path}"] = f"{scroll_width}px wide in {client_width}px: {_widest(page)}"
            name = page_name(path)
            if name not in shot_taken:
                shot_taken.add(name)
                shot(page, f"phone-{name}")
                page.set_viewport_size(DESKTOP)
                shot(page, f"desktop-{name}")
                page.set_viewport_size(PHONE)
        checked[role] = visited
        page.context.clear_cookies()
    print("pages checked at 390 px:", checked)
    assert not failures, "\n".join(f"{where}: {what}" for where, what in failures.items())
    for role in ("moderator", "operator"):
        assert any(path.startswith("/moderation/items/") for path in checked[role]), checked[role]
    assert any("/standing/" in path and "/moderation/users/" in path for path in checked["moderator"]), checked["moderator"]
    assert "/accounts/team/" in checked["plain member"] and "/accounts/team/" not in checked["operator"]


def test_the_404_page_has_the_navigation_at_390px(page, live_server, alice, team):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.locator("header nav").wait_for()
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="History").is_visible()
    assert page.get_by_role("link", name="Go to the dashboard").is_visible()
    assert _overflow(page)[0] <= _overflow(page)[1]
    shot(page, "phone-404")
    page.set_viewport_size(DESKTOP)
    shot(page, "desktop-404")

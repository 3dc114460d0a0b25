"""An accessibility audit of every portal page with axe-core (shipped inside the axe-playwright-python
wheel; nothing is fetched), in headless Chromium, at desktop and phone widths: no violations of the WCAG 2
A/AA rules that axe rates serious or critical. Keyboard use is checked separately: the skip link is the
first stop and every control on the create page is reachable with Tab."""

import json

import pytest

from accounts.models import User
from accounts.standing import do_record_strike
from generations.actions.gallery import do_share
from generations.actions.generation import do_submit_generation
from generations.catalog import validate_generation_request
from tests.browser.conftest import ARTIFACTS, shot
from tests.browser.test_first_video import sign_in
from tests.helpers import drive_to_terminal

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _violations(page):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe_module.Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def portal_pages(team, alice, use_simulator, redis_conn):
    request = validate_generation_request({"prompt": "A lighthouse at dusk", "model": "kling-v1-6"}, default_model="kling-v1-6")
    clip = drive_to_terminal(do_submit_generation(team=team, user=alice, request=request).public_id)
    do_share(clip, user=alice, caption="Dusk")
    held = do_submit_generation(team=team, user=alice, request=validate_generation_request(
        {"prompt": "Joe Biden giving a speech at a rally"}, default_model="kling-v1-6"))
    assert held.status == "held"
    User.objects.create_user("a11y-mod@example.org", "pw-mod-a11y-1", is_moderator=True)
    item = held.review_items.get()
    do_record_strike(alice, category="sexual", source="prompt_block")  # warned: every page of hers carries the banner
    return {
        "alice": [
            "/", "/generations/new/", "/generations/new/image/", "/generations/new/images/", "/generations/new/effect/",
            "/generations/", f"/generations/{clip.public_id}/", f"/generations/{clip.public_id}/extend/",
            f"/generations/{clip.public_id}/lip-sync/", "/gallery/", "/consent/", "/webhooks/",
            "/accounts/team/", "/accounts/keys/", "/accounts/usage/", "/accounts/standing/",
        ],
        "moderator": ["/moderation/", f"/moderation/items/{item.public_id}/", f"/accounts/moderation/users/{alice.pk}/standing/",
                      "/accounts/audit/"],
    }


@pytest.mark.parametrize("width", [1280, 390])
def test_every_portal_page_passes_the_axe_audit(page, live_server, portal_pages, width):
    page.set_viewport_size({"width": width, "height": 900})
    problems = {}
    for who, email, password in (("alice", "alice@example.org", "alice-password-1"), ("moderator", "a11y-mod@example.org", "pw-mod-a11y-1")):
        sign_in(page, live_server, email, password)
        for path in portal_pages[who]:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            found = _violations(page)
            if found:
                problems[path] = found
                shot(page, f"a11y-{width}-{path.strip('/').replace('/', '_') or 'home'}")
        page.get_by_role("button", name="Sign out").click()
    if problems:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"a11y-{width}.json").write_text(json.dumps(problems, indent=2))
    assert not problems, problems


def test_the_create_page_works_from_the_keyboard(page, live_server, alice, team):
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/generations/new/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.name || document.activeElement.textContent.trim()"))
    for name in ("prompt", "negative_prompt", "model", "duration", "aspect_ratio", "mode", "Generate video"):
        assert name in reached, (name, reached)

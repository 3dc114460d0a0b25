"""The site's own pages and the portal's small promises: error pages in the site's layout (the 500 one
without the database), moderator-only pages that say so, a clear 400 for odd standing points, the
favicon, the navigation of someone without a team, the team page's moderator badge, one "HTTP 500" per
failed delivery, thousands separators and the admin's plural names."""

import datetime as dt
import re

import pytest
from django.contrib.admin.sites import site as admin_site
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import path
from django.utils.functional import SimpleLazyObject

from accounts.models import CreditEntry, StandingEvent, User
from generations.models import WebhookDelivery, WebhookEndpoint
from generations.worker import delivery as webhook_delivery
from studio import site_pages
from studio import urls as studio_urls
from studio.templatetags.portal import duration
from tests.generations.test_webhooks import Receiver


def _boom(request):
    raise RuntimeError("a bug")


def _forbidden(request):
    raise PermissionDenied("not for you")


def _suspicious(request):
    raise SuspiciousOperation("odd input: secret-looking-detail")


# The studio's URLs plus three views that fail, for the error pages (used with pytest.mark.urls(__name__)).
urlpatterns = [path("boom/", _boom), path("forbidden/", _forbidden), path("suspicious/", _suspicious), *studio_urls.urlpatterns]
handler400, handler403 = studio_urls.handler400, studio_urls.handler403
handler404, handler500 = studio_urls.handler404, studio_urls.handler500


def _in_layout(html):
    return 'href="/static/studio/studio.css"' in html and 'class="topbar"' in html


def _nav(html):
    match = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    assert match, "no main navigation"
    return re.findall(r'href="([^"]+)"', match.group(1))


@pytest.fixture
def moderator(db):
    return User.objects.create_user("mod@example.org", "pw-mod-site-1", is_moderator=True)


# --- error pages --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_404_page_is_in_the_layout_with_the_navigation_and_a_way_back(client, alice, team):
    client.force_login(alice)
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404 and _in_layout(html)
    assert "Page not found" in html and "Go to the dashboard" in html
    assert "/generations/" in _nav(html) and "/accounts/team/" in _nav(html)


@pytest.mark.django_db
def test_a_view_that_says_what_is_missing_is_quoted_on_the_404_page(client, charlie, other_team):
    client.force_login(charlie)
    html = client.get("/generations/00000000-0000-0000-0000-000000000000/").content.decode()
    assert "No such generation." in html and _in_layout(html)


@pytest.mark.django_db
def test_a_member_following_a_moderator_link_is_told_the_page_is_for_moderators(client, alice, bob, team):
    client.force_login(bob)
    for url in ("/moderation/", "/moderation/items/00000000-0000-0000-0000-000000000000/", "/accounts/audit/",
                f"/accounts/moderation/users/{alice.pk}/standing/"):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 404, url  # as before: nothing about what is there
        assert "This page is for moderators" in html and _in_layout(html) and _nav(html), url


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_500_page_is_in_the_layout_and_shows_the_request_id(alice, team):
    browser = Client(raise_request_exception=False)
    browser.force_login(alice)
    response = browser.get("/boom/", HTTP_X_REQUEST_ID="req-500-abcdef12")
    html = response.content.decode()
    assert response.status_code == 500 and _in_layout(html)
    assert response["X-Request-Id"] == "req-500-abcdef12" and "req-500-abcdef12" in html
    assert _nav(html) == ["/"] and "Go to the dashboard" in html
    assert "a bug" not in html


def test_the_500_page_renders_without_the_database_or_the_user():
    """No database access is allowed in this test (no db fixture): any query would fail it."""
    request = RequestFactory().get("/anything/")
    request.request_id = "req-no-db-1234"

    def _touched():
        raise AssertionError("the 500 page touched request.user")

    request.user = SimpleLazyObject(_touched)
    response = site_pages.server_error(request)
    assert response.status_code == 500 and "req-no-db-1234" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_403_and_400_are_in_the_layout_and_say_nothing_of_the_exception(client, alice, team):
    client.force_login(alice)
    forbidden = client.get("/forbidden/")
    assert forbidden.status_code == 403 and _in_layout(forbidden.content.decode()) and _nav(forbidden.content.decode())
    bad = client.get("/suspicious/")
    html = bad.content.decode()
    assert bad.status_code == 400 and _in_layout(html) and "secret-looking-detail" not in html
    assert bad["X-Request-Id"] in html


# --- clear 400s instead of 500s ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("points", ["1e309", "-1e309", "nan", "inf"])
def test_non_finite_standing_points_are_a_400_with_the_error_beside_the_field(moderator, alice, points):
    browser = Client(raise_request_exception=False)
    browser.force_login(moderator)
    response = browser.post(f"/accounts/moderation/users/{alice.pk}/standing/adjust/", {"points": points, "reason": "testing odd input"})
    html = response.content.decode()
    assert response.status_code == 400
    error = re.search(r'<div class="error" role="alert" id="points-error">(.*?)</div>', html, re.S)
    assert error and "finite number" in error.group(1) and "(invalid_points)" in error.group(1)
    assert 'aria-describedby="points-error"' in html and 'value="testing odd input"' in html  # the reason survives
    assert not StandingEvent.objects.filter(user=alice).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body, content_type", [("prompt=kill", "application/x-www-form-urlencoded"), ("not json", "text/plain")])
def test_the_prompt_check_answers_a_body_that_is_not_json_with_a_400(client, alice, team, body, content_type):
    client.force_login(alice)
    response = client.post("/generations/check/", body, content_type=content_type)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


# --- small items ------------------------------------------------------------------------------------


def test_favicon_ico_answers_with_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/studio/favicon.ico"
    icon = finders.find("studio/favicon.ico")
    assert icon and open(icon, "rb").read(4) == b"\x00\x00\x01\x00"  # an ICO header


@pytest.mark.django_db
def test_someone_without_a_team_sees_no_links_that_404(client):
    operator = User.objects.create_superuser("root@example.org", "pw-root-site-1")
    client.force_login(operator)
    nav = _nav(client.get("/").content.decode())
    assert "/generations/new/" not in nav and "/generations/" not in nav and "/gallery/" not in nav
    assert "/moderation/" in nav and "/accounts/standing/" in nav
    for url in nav:
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_the_team_page_shows_a_moderator_as_one(client, alice, bob, team):
    User.objects.filter(pk=bob.pk).update(is_moderator=True)
    client.force_login(alice)
    html = client.get("/accounts/team/").content.decode()
    bob_row = html.split("bob@example.org", 1)[1].split("</tr>", 1)[0]
    assert 'class="badge role-member">Member</span>' in bob_row and '<span class="badge role-moderator">Moderator</span>' in bob_row
    alice_row = html.split("alice@example.org", 1)[1].split("</tr>", 1)[0]
    assert "Moderator" not in alice_row


@pytest.mark.django_db(transaction=True)
def test_a_failed_delivery_says_http_500_once(client, alice, team, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    receiver = Receiver(failures=1)
    try:
        endpoint = WebhookEndpoint.objects.create(team=team, url=receiver.url)
        delivery = WebhookDelivery.objects.create(team=team, endpoint=endpoint, url=receiver.url, event_type="generation.failed",
                                                  payload={})
        delivery = webhook_delivery.deliver(delivery.pk)
    finally:
        receiver.stop()
    assert delivery.last_status_code == 500 and delivery.last_error == ""
    # A row written before the worker stopped repeating the code in last_error reads the same.
    WebhookDelivery.objects.create(team=team, endpoint=endpoint, url=receiver.url, event_type="generation.held", payload={},
                                   last_status_code=502, last_error="HTTP 502", attempts=1)
    client.force_login(alice)
    html = client.get("/webhooks/").content.decode()
    assert html.count("HTTP 500") == 1 and html.count("HTTP 502") == 1


@pytest.mark.django_db
def test_credits_and_counts_have_thousands_separators(client, alice, team):
    client.force_login(alice)
    html = client.get("/accounts/usage/").content.decode()
    assert 'data-stat="available">10,000<' in html


@pytest.mark.django_db
def test_the_admin_names_credit_entries_and_webhook_deliveries_in_plain_english(client):
    assert CreditEntry._meta.verbose_name_plural == "credit entries"
    assert WebhookDelivery._meta.verbose_name_plural == "webhook deliveries"
    assert CreditEntry in admin_site._registry
    client.force_login(User.objects.create_superuser("root@example.org", "pw-root-site-1"))
    html = client.get("/admin/").content.decode()
    assert "Credit entries" in html and "Webhook deliveries" in html
    assert "Credit entrys" not in html and "Webhook deliverys" not in html


@pytest.mark.parametrize(
    "delta, shown",
    [(dt.timedelta(seconds=45), "45 s"), (dt.timedelta(minutes=12, seconds=3), "12 min"), (dt.timedelta(hours=3, minutes=5), "3 h 5 min"),
     (dt.timedelta(hours=2), "2 h"), (dt.timedelta(days=2, hours=4, minutes=9), "2 d 4 h"), (dt.timedelta(days=1200), "1,200 d"),
     (dt.timedelta(seconds=-3), "0 s"), (None, "")],
)
def test_the_review_queue_shows_waiting_times_as_durations(delta, shown):
    assert duration(delta) == shown

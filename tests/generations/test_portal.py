import pytest

from accounts.models import AuditEvent, AuditEventType
from generations.models import Generation
from tests.helpers import drive_to_terminal

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, alice, team):
    client.force_login(alice)
    return client


def test_it_signs_in_with_email_and_records_it(client, alice, team):
    page = client.get("/accounts/sign-in/")
    assert b"Email" in page.content
    response = client.post("/accounts/sign-in/", {"username": "alice@example.org", "password": "alice-password-1"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(event_type=AuditEventType.SIGN_IN, actor_label="alice@example.org").exists()


def test_a_wrong_password_is_refused_and_recorded(client, alice, team):
    response = client.post("/accounts/sign-in/", {"username": "alice@example.org", "password": "wrong"})
    assert response.status_code == 200
    assert b"correct" in response.content  # Django's "Please enter a correct email and password"
    failed = AuditEvent.objects.get(event_type=AuditEventType.SIGN_IN_FAILED)
    assert failed.extra == {"email": "alice@example.org"}


@pytest.mark.parametrize("path", ["/", "/generations/", "/generations/new/"])
def test_pages_require_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_it_creates_a_generation_from_the_form(signed_in, redis_conn):
    response = signed_in.post(
        "/generations/new/",
        {"prompt": "A hot-air balloon over Cappadocia", "model": "kling-v1-6", "duration": "5", "aspect_ratio": "16:9", "mode": "std"},
    )
    generation = Generation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/generations/{generation.public_id}/"
    assert generation.status == "queued"
    detail = signed_in.get(response["Location"])
    assert b"A hot-air balloon over Cappadocia" in detail.content
    assert b'role="progressbar"' in detail.content


def test_the_form_shows_what_is_wrong(signed_in):
    response = signed_in.post(
        "/generations/new/", {"prompt": "", "model": "kling-v1-6", "duration": "5", "aspect_ratio": "16:9", "mode": "std"}
    )
    assert response.status_code == 400
    assert b"required" in response.content
    assert Generation.objects.count() == 0


def test_the_form_refuses_an_over_long_prompt(signed_in):
    response = signed_in.post(
        "/generations/new/",
        {"prompt": "x" * 2501, "model": "kling-v1-6", "duration": "5", "aspect_ratio": "16:9", "mode": "std"},
    )
    assert response.status_code == 400
    assert Generation.objects.count() == 0


def test_the_status_endpoint_reports_progress(signed_in, redis_conn):
    signed_in.post(
        "/generations/new/", {"prompt": "Rain on a window", "model": "kling-v1-6", "duration": "5", "aspect_ratio": "1:1", "mode": "std"}
    )
    generation = Generation.objects.get()
    body = signed_in.get(f"/generations/{generation.public_id}/status.json").json()
    assert (body["status"], body["terminal"], body["video_url"]) == ("queued", False, None)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_finished_video_plays_only_for_its_team(client, alice, team, charlie, other_team, use_simulator, redis_conn):
    client.force_login(alice)
    client.post(
        "/generations/new/", {"prompt": "A paper lantern rising", "model": "kling-v1-6", "duration": "5", "aspect_ratio": "16:9", "mode": "std"}
    )
    generation = drive_to_terminal(Generation.objects.get().public_id)
    assert generation.status == "succeeded"
    detail = client.get(f"/generations/{generation.public_id}/")
    assert b"<video" in detail.content

    full = client.get(f"/generations/{generation.public_id}/video.mp4")
    assert full.status_code == 200 and full["Accept-Ranges"] == "bytes"
    partial = client.get(f"/generations/{generation.public_id}/video.mp4", HTTP_RANGE="bytes=0-99")
    assert partial.status_code == 206 and len(b"".join(partial.streaming_content)) == 100
    assert partial["Content-Range"].startswith("bytes 0-99/")

    client.force_login(charlie)
    for suffix in ("", "status.json", "video.mp4", "poster.jpg"):
        assert client.get(f"/generations/{generation.public_id}/{suffix}").status_code == 404
    assert client.post(f"/generations/{generation.public_id}/cancel/").status_code == 404


def test_history_lists_own_and_team_generations(client, alice, bob, team, redis_conn):
    for user, prompt in ((alice, "Alice's aurora"), (bob, "Bob's bonfire")):
        client.force_login(user)
        client.post("/generations/new/", {"prompt": prompt, "model": "kling-v1-6", "duration": "5", "aspect_ratio": "16:9", "mode": "std"})
    client.force_login(alice)
    mine = client.get("/generations/").content
    assert b"Alice&#x27;s aurora" in mine and b"Bob" not in mine
    everyone = client.get("/generations/?scope=team").content
    assert b"Bob&#x27;s bonfire" in everyone


def test_an_outsider_does_not_see_the_team_in_history(client, alice, team, charlie, other_team, redis_conn):
    client.force_login(alice)
    client.post("/generations/new/", {"prompt": "Secret project", "model": "kling-v1-6", "duration": "5", "aspect_ratio": "16:9", "mode": "std"})
    client.force_login(charlie)
    assert b"Secret project" not in client.get("/generations/?scope=team").content


def test_the_owner_can_cancel_from_the_page(signed_in, redis_conn):
    signed_in.post("/generations/new/", {"prompt": "Waves", "model": "kling-v1-6", "duration": "5", "aspect_ratio": "16:9", "mode": "std"})
    generation = Generation.objects.get()
    signed_in.post(f"/generations/{generation.public_id}/cancel/")
    generation.refresh_from_db()
    assert generation.status == "canceled"


def test_history_searches_filters_and_pages_by_keyset(client, alice, team, redis_conn, settings):
    from generations.web import generations as views

    settings_page = views.HISTORY_PAGE_SIZE
    views.HISTORY_PAGE_SIZE = 2
    try:
        client.force_login(alice)
        for prompt in ("a red fox", "a blue whale", "a red kite", "green hills"):
            client.post("/generations/new/", {"prompt": prompt, "model": "kling-v1-6", "duration": "5", "aspect_ratio": "16:9", "mode": "std"})
        found = client.get("/generations/?q=red").content.decode()
        assert "a red fox" in found and "a red kite" in found and "whale" not in found
        first = client.get("/generations/")
        assert "green hills" in first.content.decode() and "a red fox" not in first.content.decode()
        older = first.context["next_query"]
        second = client.get(f"/generations/?{older}").content.decode()
        assert "a blue whale" in second and "a red fox" in second and "green hills" not in second
        assert client.get("/generations/?kind=image2video").context["generations"] == []
        assert client.get("/generations/?since=not-a-date").status_code == 200
    finally:
        views.HISTORY_PAGE_SIZE = settings_page


def test_the_prompt_check_says_what_would_happen_without_echoing(signed_in, redis_conn):
    blocked = signed_in.post("/generations/check/", {"prompt": "explicit porn, fully nude"}, content_type="application/json").json()
    assert blocked["decision"] == "block" and blocked["message"].startswith("This would be blocked")
    assert "porn" not in blocked["message"] and "nude" not in blocked["message"]
    held = signed_in.post("/generations/check/", {"prompt": "Joe Biden giving a speech at a rally"}, content_type="application/json").json()
    assert held["decision"] == "review" and "A moderator would look at this" in held["message"]
    fine = signed_in.post("/generations/check/", {"prompt": "A red kite over the dunes"}, content_type="application/json").json()
    assert fine == {"decision": "allow", "message": "", "suggestion": "", "adds_strike": False}
    from accounts.models import StandingEvent
    from generations.models import Generation

    assert not Generation.objects.exists() and not StandingEvent.objects.exists()  # checking records nothing

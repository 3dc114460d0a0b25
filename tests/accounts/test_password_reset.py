"""Forgot your password: a link to the account's own address, the same answer for any address, throttled."""

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_sign_in_page_says_what_the_studio_is_and_offers_a_reset(client):
    page = client.get("/accounts/sign-in/").content.decode()
    assert "Sign in to Studio" in page and "content policy" in page
    assert 'href="/accounts/reset/"' in page


def test_a_forgotten_password_is_reset_through_a_link_sent_to_the_account(client, alice, redis_conn):
    response = client.post("/accounts/reset/", {"email": "ALICE@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.org"]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/\S+/)", mail.outbox[0].body).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(form.redirect_chain[-1][0] if form.redirect_chain else link,
                       {"new_password1": "a-brand-new-pass-42", "new_password2": "a-brand-new-pass-42"})
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a-brand-new-pass-42")
    assert "invalid or has already been used" in client.get(link, follow=True).content.decode()  # it worked once


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, redis_conn):
    response = client.post("/accounts/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/reset/sent/"
    assert mail.outbox == []


def test_reset_requests_are_throttled_per_address(client, alice, redis_conn, settings):
    redis_conn.flushdb()
    settings.PASSWORD_RESET_RATE_PER_HOUR = 6
    answers = [client.post("/accounts/reset/", {"email": "alice@example.org"}).status_code for _ in range(5)]
    assert answers[:3] == [302, 302, 302] and answers[3] == 200
    refused = client.post("/accounts/reset/", {"email": "alice@example.org"}).content.decode()
    assert "Too many reset requests" in refused
    assert len(mail.outbox) == 3

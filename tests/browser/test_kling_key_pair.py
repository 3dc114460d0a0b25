"""An owner creates a Kling key pair in the portal on a phone: the secret is shown once and works."""

import time

import httpx
import jwt
import pytest

from accounts.models import KlingKeyPair
from tests.browser.conftest import shot
from tests.browser.test_first_video import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_creates_a_pair_at_390px_and_an_sdk_style_token_works(page, live_server, alice, team, redis_conn):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "alice@example.org", "alice-password-1")
    page.goto(f"{live_server.url}/accounts/keys/")
    page.get_by_label("Name").fill("my kling sdk")
    page.get_by_role("button", name="Create a Kling key pair").click()
    page.get_by_role("heading", name="Your new Kling key pair “my kling sdk”").wait_for()
    shot(page, "kling-key-pair-390")
    access_key = page.get_by_label("Access key").input_value()
    secret_key = page.get_by_label("Secret key").input_value()
    assert access_key == KlingKeyPair.objects.get(team=team).access_key and secret_key.startswith("sk-")
    scroll_width, client_width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll_width <= client_width

    now = int(time.time())
    token = jwt.encode({"iss": access_key, "exp": now + 1800, "nbf": now - 5}, secret_key, algorithm="HS256")
    reply = httpx.get(f"{live_server.url}/kling/account/costs", headers={"Authorization": f"Bearer {token}"})
    assert reply.json()["code"] == 0

    page.reload()
    assert secret_key not in page.content() and access_key in page.content()

"""GET /kling/account/costs (Kling's resource packs) and https result URLs behind a TLS proxy."""

import time

import pytest
from django.db.models import Sum

from accounts.credits import Spender, capture_credits, release_credits, reserve_credits
from accounts.models import CreditEntry
from accounts.periods import next_period_start
from generations.models import Asset, AssetRole
from generations.presenters import signed_download_url

pytestmark = pytest.mark.django_db


def costs(client, key, **params):
    return client.get("/kling/account/costs", params, HTTP_AUTHORIZATION=f"Bearer {key}")


def test_costs_are_the_ledger_in_klings_shape(client, team, alice, alice_key, redis_conn):
    spender = Spender(member=alice)
    reserve_credits(team, spender, 300, generation_ref="done")
    capture_credits(team, 300, member=alice, generation_ref="done")
    reserve_credits(team, spender, 200, generation_ref="in-flight")
    reserve_credits(team, spender, 100, generation_ref="failed")
    release_credits(team, 100, member=alice, generation_ref="failed", reason="failed upstream")

    reply = costs(client, alice_key)
    assert reply.status_code == 200
    body = reply.json()
    assert (body["code"], body["message"]) == (0, "SUCCEED") and body["request_id"]
    assert body["data"]["code"] == 0
    (pack,) = body["data"]["resource_pack_subscribe_infos"]

    ledger = CreditEntry.objects.filter(team=team)
    available = ledger.aggregate(total=Sum("available_delta"))["total"]
    reserved = ledger.aggregate(total=Sum("reserved_delta"))["total"]
    spent = ledger.filter(kind="capture").aggregate(total=Sum("amount"))["total"]
    assert (available, reserved, spent) == (9_500, 200, 300)
    assert pack["remaining_quantity"] == available
    assert pack["total_quantity"] == available + reserved + spent
    assert pack["status"] == "online" and pack["resource_pack_type"] == "decreasing_total"
    team.refresh_from_db()
    assert pack["effective_time"] == int(team.period_start.timestamp() * 1000)
    assert pack["invalid_time"] == int(next_period_start(team.period_start).timestamp() * 1000)
    assert isinstance(pack["purchase_time"], int) and pack["resource_pack_name"] and pack["resource_pack_id"]


def test_an_empty_team_is_run_out_and_a_window_outside_the_period_lists_nothing(client, team, alice, alice_key, redis_conn):
    reserve_credits(team, Spender(member=alice), 10_000, generation_ref="all")
    capture_credits(team, 10_000, member=alice, generation_ref="all")
    (pack,) = costs(client, alice_key).json()["data"]["resource_pack_subscribe_infos"]
    assert (pack["remaining_quantity"], pack["total_quantity"], pack["status"]) == (0, 10_000, "runOut")
    long_ago = int(time.time() * 1000) - 400 * 86_400_000
    assert costs(client, alice_key, start_time=long_ago, end_time=long_ago + 1000).json()["data"]["resource_pack_subscribe_infos"] == []
    now = int(time.time() * 1000)
    assert len(costs(client, alice_key, start_time=now - 3_600_000, end_time=now).json()["data"]["resource_pack_subscribe_infos"]) == 1


def test_costs_refusals_are_the_envelope(client, alice_key, redis_conn):
    missing = client.get("/kling/account/costs")
    assert (missing.status_code, missing.json()["code"]) == (401, 1001)
    bad = costs(client, alice_key, start_time="yesterday")
    assert (bad.status_code, bad.json()["code"]) == (400, 1201)
    also_under_v1 = client.get("/kling/v1/account/costs", HTTP_AUTHORIZATION=f"Bearer {alice_key}")
    assert also_under_v1.json()["code"] == 0


@pytest.fixture
def video_asset(team, alice):
    from generations.models import Generation

    generation = Generation.objects.create(team=team, created_by=alice, prompt="a lighthouse", kind="text2video")
    return Asset.objects.create(generation=generation, role=AssetRole.VIDEO, file="videos/x.mp4", size_bytes=1, sha256="0" * 64,
                                content_type="video/mp4")


def test_result_urls_are_https_behind_a_proxy_that_says_so(rf, settings, video_asset):
    settings.ALLOWED_HOSTS = ["studio.example"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.STUDIO_PUBLIC_URL = ""
    behind_proxy = rf.get("/kling/v1/videos/text2video/x", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="studio.example")
    assert signed_download_url(behind_proxy, video_asset).startswith("https://studio.example/kling/v1/files/")
    plain = rf.get("/kling/v1/videos/text2video/x", HTTP_HOST="studio.example")
    assert signed_download_url(plain, video_asset).startswith("http://studio.example/")


def test_result_urls_use_an_https_public_url_when_no_proxy_header_is_trusted(rf, settings, video_asset):
    settings.ALLOWED_HOSTS = ["10.0.0.5"]
    settings.STUDIO_PUBLIC_URL = "https://videos.example.org/"
    request = rf.get("/kling/v1/videos/text2video/x", HTTP_HOST="10.0.0.5:8000")
    assert signed_download_url(request, video_asset).startswith("https://videos.example.org/kling/v1/files/")

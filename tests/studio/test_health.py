import pytest

pytestmark = pytest.mark.django_db


def test_it_reports_database_and_redis_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]


def test_it_reports_redis_down_as_unavailable(client, settings):
    settings.RQ_QUEUES = {name: {"URL": "redis://127.0.0.1:1/0"} for name in settings.GENERATION_QUEUES}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


def test_every_response_carries_a_request_id(client):
    assert len(client.get("/healthz")["X-Request-Id"]) >= 8
    assert client.get("/healthz", HTTP_X_REQUEST_ID="trace-12345678")["X-Request-Id"] == "trace-12345678"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-Id"] != "<script>"


def test_metrics_need_staff_or_the_token(client, settings, alice):
    settings.METRICS_TOKEN = "scrape-me-0123456789"
    assert client.get("/metrics").status_code == 404
    client.force_login(alice)
    assert client.get("/metrics").status_code == 404
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-0123456789").content.decode()
    assert "# TYPE studio_generations gauge" in body
    assert 'studio_queue_depth{queue="generations"}' in body and "studio_redis_up 1" in body


def test_metrics_count_generations_by_status(client, settings, alice_key, redis_conn):
    settings.METRICS_TOKEN = "scrape-me-0123456789"
    client.post("/api/v1/generations", {"prompt": "x"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {alice_key}")
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-0123456789").content.decode()
    assert 'studio_generations{status="queued"} 1' in body


def test_json_logs_carry_the_request_id():
    import json
    import logging

    from studio.logs import JsonFormatter, RequestIdFilter, current_request_id

    token = current_request_id.set("req-abc-123")
    try:
        record = logging.LogRecord("studio.test", logging.WARNING, __file__, 1, "something %s", ("happened",), None)
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        current_request_id.reset(token)
    assert (line["message"], line["request_id"], line["level"]) == ("something happened", "req-abc-123", "WARNING")


def test_pages_carry_a_content_security_policy(client):
    policy = client.get("/accounts/sign-in/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "http" not in policy


@pytest.mark.parametrize(
    "path",
    ["accounts/user", "accounts/team", "accounts/apikey", "accounts/auditevent", "accounts/creditentry", "accounts/standing",
     "accounts/standingevent", "accounts/notice", "accounts/membership", "generations/generation", "generations/asset",
     "generations/reviewitem", "generations/webhookendpoint", "generations/webhookdelivery", "generations/idempotencyrecord"],
)
def test_the_admin_lists_every_model(client, path):
    from accounts.models import User

    client.force_login(User.objects.create_superuser("root@example.org", "root-pass-123"))
    assert client.get(f"/admin/{path}/").status_code == 200


def test_the_queue_dashboard_is_reachable_for_staff(client):
    from accounts.models import User

    client.force_login(User.objects.create_superuser("root@example.org", "root-pass-123"))
    assert client.get("/admin/rq/").status_code == 200

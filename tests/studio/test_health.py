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

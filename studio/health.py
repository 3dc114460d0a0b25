"""GET /healthz: is this process able to serve? Database and Redis, each with its own status."""

import logging
import time

import django_rq
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

def _check(name, probe):
    started = time.perf_counter()
    try:
        probe()
    except Exception:  # a health check reports failures, it never raises them
        # The detail (hosts, paths, driver messages) is for operators' logs, not anonymous callers.
        logger.exception("health check %s failed", name)
        return {"ok": False}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 2)}


def _probe_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _probe_redis():
    django_rq.get_connection("default").ping()


@never_cache
def healthz(request):
    checks = {"database": _check("database", _probe_database), "redis": _check("redis", _probe_redis)}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503)

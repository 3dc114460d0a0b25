"""GET /metrics: Prometheus text exposition, computed from the database and Redis at scrape time (so every
web process reports the same numbers). Staff sessions, or `Authorization: Bearer $METRICS_TOKEN`."""

import hmac

import django_rq
import redis
from django.conf import settings
from django.db.models import Avg, Count, F
from django.http import HttpResponse, HttpResponseNotFound
from django.utils import timezone
from django.views.decorators.cache import never_cache

from generations.models import Generation, ReviewItem, WebhookDelivery
from generations.states import Status


def _authorised(request):
    if request.user.is_authenticated and request.user.is_staff:
        return True
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(header, f"Bearer {token}")


def _line(name, value, **labels):
    label_text = ",".join(f'{key}="{str(val).replace(chr(34), "")}"' for key, val in sorted(labels.items()))
    return f"{name}{{{label_text}}} {value}" if labels else f"{name} {value}"


def collect():
    lines = []

    def metric(name, kind, help_text, samples):
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        lines.extend(samples)

    by_status = Generation.objects.values("status").annotate(n=Count("id")).order_by()
    metric("studio_generations", "gauge", "Generations by status.", [_line("studio_generations", r["n"], status=r["status"]) for r in by_status])
    failures = Generation.objects.filter(status__in=(Status.FAILED, Status.BLOCKED)).values("status", "stage", "error_code").annotate(n=Count("id")).order_by()
    metric(
        "studio_generation_outcomes_total", "counter", "Failed and blocked generations by stage and code (upstream errors included).",
        [_line("studio_generation_outcomes_total", r["n"], status=r["status"], stage=r["stage"], code=r["error_code"]) for r in failures],
    )
    hour_ago = timezone.now() - timezone.timedelta(hours=1)
    recent = Generation.objects.filter(status=Status.SUCCEEDED, finished_at__gte=hour_ago, render_finished_at__isnull=False)
    scan = recent.aggregate(avg=Avg(F("finished_at") - F("render_finished_at")))["avg"]
    metric("studio_scan_seconds_avg", "gauge", "Mean download+scan time of generations finished in the last hour.",
           [_line("studio_scan_seconds_avg", round(scan.total_seconds(), 3) if scan else 0)])
    open_items = ReviewItem.objects.filter(decision="").values("priority").annotate(n=Count("id")).order_by()
    metric("studio_review_open", "gauge", "Open review items by priority.",
           [_line("studio_review_open", r["n"], priority=r["priority"]) for r in open_items])
    deliveries = WebhookDelivery.objects.values("status").annotate(n=Count("id")).order_by()
    metric("studio_webhook_deliveries", "gauge", "Webhook deliveries by status.",
           [_line("studio_webhook_deliveries", r["n"], status=r["status"]) for r in deliveries])
    depths = []
    try:
        for name in settings.GENERATION_QUEUES:
            depths.append(_line("studio_queue_depth", django_rq.get_queue(name).count, queue=name))
        up = 1
    except redis.RedisError:
        up = 0
    metric("studio_queue_depth", "gauge", "Jobs waiting per RQ queue.", depths)
    metric("studio_redis_up", "gauge", "Whether Redis answered this scrape.", [_line("studio_redis_up", up)])
    return "\n".join(lines) + "\n"


@never_cache
def metrics(request):
    if not _authorised(request):
        return HttpResponseNotFound("Not found")
    return HttpResponse(collect(), content_type="text/plain; version=0.0.4; charset=utf-8")

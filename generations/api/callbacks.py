"""Provider callbacks in: the upstream POSTs task updates to a per-generation secret URL.

The payload is never trusted: a valid callback only wakes the pipeline, whose next step asks the
upstream (GET) for the task's real state. Polling keeps running as the fallback, so a lost callback
costs nothing but latency. Both the bare Kling shape and an enveloped `{code, message, data}` are read.
"""

import hmac
import json

import redis
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.redis_client import redis_connection
from generations.actions import generation as actions
from generations.models import Generation
from generations.selectors import as_uuid
from generations.states import Status

MAX_CALLBACK_BYTES = 64 * 1024


def task_from_payload(payload) -> dict | None:
    """The task object of a bare or enveloped callback, or None if it is neither."""
    if not isinstance(payload, dict):
        return None
    if "task_id" not in payload and isinstance(payload.get("data"), dict):
        payload = payload["data"]
    return payload if payload.get("task_id") else None


def _first_time_seen(generation, status) -> bool:
    """Deduplicate repeated callbacks for the same task status (the upstream may resend)."""
    try:
        connection = redis_connection()
        return bool(connection.set(f"callback-seen:{generation.pk}:{status}", 1, nx=True, ex=24 * 3600))
    except redis.RedisError:
        return False  # polling covers it


@csrf_exempt
@require_POST
def provider_callback(request, generation_id, token):
    generation = Generation.objects.filter(public_id=as_uuid(generation_id)).first() if as_uuid(generation_id) else None
    if generation is None or not hmac.compare_digest(generation.callback_token, token):
        return JsonResponse({"error": {"code": "not_found", "message": "No such callback."}}, status=404)
    if len(request.body) > MAX_CALLBACK_BYTES:
        return JsonResponse({"error": {"code": "payload_too_large", "message": "Callback too large."}}, status=413)
    try:
        task = task_from_payload(json.loads(request.body))
    except (ValueError, UnicodeDecodeError):
        task = None
    if task is None:
        return JsonResponse({"error": {"code": "invalid_callback", "message": "Not a task callback."}}, status=400)
    if generation.provider_task_id and str(task["task_id"]) != generation.provider_task_id:
        return JsonResponse({"error": {"code": "task_mismatch", "message": "This callback is for another task."}}, status=409)
    status = str(task.get("task_status") or "")
    # Only a finished task is worth an early wake-up; the poll loop covers the rest.
    first_time = _first_time_seen(generation, status)
    if first_time and generation.status == Status.GENERATING and status in ("succeed", "failed"):
        actions.do_requeue_generation(generation)
    return JsonResponse({"ok": True})

"""Moderation pages around the queue: the leads' page for named queues and routing rules, moderators' saved
views, and the role guards put in front of the item's media and unblur views (their code is not changed)."""

import functools
from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.errors import ModeratorsOnly
from accounts.models import ModerationRole
from generations import selectors
from generations.actions import queues, roles
from generations.models import ReviewItem, ReviewKind, ReviewQueue, RoutingRule
from generations.moderation.text import policy as text_policy


def _visible_item_or_404(request, item_id):
    if not roles.is_moderator(request.user):
        raise ModeratorsOnly()
    found = roles.visible_items(request.user, ReviewItem.objects.filter(public_id=selectors.as_uuid(item_id))).exists()
    if not found:
        raise Http404("No such review item.")


def item_guard(view):
    """In front of the item's media: 404 for an item the moderator may not see (as for a missing one)."""

    @functools.wraps(view)
    def guarded(request, item_id, *args, **kwargs):
        _visible_item_or_404(request, item_id)
        return view(request, item_id, *args, **kwargs)

    return login_required(guarded)


def unblur_guard(view):
    """In front of unblurring: 404 for an item the moderator may not see; an external moderator is refused
    (role_not_allowed) before anything is recorded or granted."""

    @functools.wraps(view)
    def guarded(request, item_id, *args, **kwargs):
        _visible_item_or_404(request, item_id)
        if not roles.can_unblur(request.user):
            message = "External moderators review blurred media only."
            if request.POST.get("from_page"):
                messages.error(request, f"{message} ({roles.ROLE_NOT_ALLOWED})")
                return redirect("moderation:item", item_id)
            return JsonResponse({"error": {"code": roles.ROLE_NOT_ALLOWED, "message": message,
                                           "request_id": getattr(request, "request_id", "")}}, status=403)
        return view(request, item_id, *args, **kwargs)

    return login_required(guarded)


# --- saved views ----------------------------------------------------------------------------------------------


@login_required
@require_POST
def save_view(request):
    if not roles.is_moderator(request.user):
        raise ModeratorsOnly()
    query = request.POST.get("query", "")
    try:
        view = queues.do_save_view(request.user, name=request.POST.get("name", ""), query=query, request=request)
        messages.success(request, f"Saved the view “{view.name}”.")
    except queues.QueueError as error:
        messages.error(request, f"{error.message} ({error.code})")
        return redirect(reverse("moderation:queue") + (f"?{queues.view_query(parse_qsl(query))}" if query else ""))
    return redirect(reverse("moderation:queue") + (f"?{view.query}" if view.query else ""))


@login_required
@require_POST
def delete_view(request, view_id):
    if not roles.is_moderator(request.user):
        raise ModeratorsOnly()
    if not queues.do_delete_view(request.user, view_id):
        raise Http404("No such saved view.")
    messages.success(request, "Deleted the saved view.")
    return redirect("moderation:queue")


# --- the leads' page: queues and routing rules --------------------------------------------------------------


def _lead_or_404(request):
    if not roles.can_manage_queues(request.user):
        raise ModeratorsOnly()


@login_required
def manage(request):
    """Queues and their ordered routing rules; a lead adds, changes and deletes them here (audited)."""
    _lead_or_404(request)
    status = 200
    if request.method == "POST":
        try:
            _manage_post(request)
            return redirect("moderation:queues")
        except queues.QueueError as error:
            messages.error(request, f"{error.message} ({error.code})")
            status = error.http_status if error.http_status >= 400 else 400
    rules = RoutingRule.objects.select_related("queue", "team").order_by("order", "pk")
    return render(request, "moderation/queues.html", {
        "queues": ReviewQueue.objects.all(), "rules": rules, "roles": ModerationRole.choices, "kinds": ReviewKind.choices,
        "categories": text_policy.CATEGORIES,
    }, status=status)


def _manage_post(request):
    post, user = request.POST, request.user
    action = post.get("action", "")
    if action == "create_queue":
        queues.do_create_queue(user, name=post.get("name", ""), restricted_to_role=post.get("restricted_to_role", ""),
                               sla_hours=post.get("sla_hours", ""), request=request)
        messages.success(request, "Queue created.")
    elif action == "update_queue":
        queue = _queue_or_404(post.get("queue"))
        queues.do_update_queue(user, queue, restricted_to_role=post.get("restricted_to_role", ""),
                               sla_hours=post.get("sla_hours", ""), request=request)
        messages.success(request, f"Queue {queue.name} changed.")
    elif action == "delete_queue":
        queue = _queue_or_404(post.get("queue"))
        queues.do_delete_queue(user, queue, request=request)
        messages.success(request, f"Queue {queue.name} deleted.")
    elif action == "create_rule":
        queues.do_create_rule(
            user, queue=_queue_or_404(post.get("queue")), order=post.get("order", ""), kind=post.get("kind", ""),
            stage=post.get("stage", ""), category=post.get("category", ""), min_severity=post.get("min_severity", "0"),
            language=post.get("language", ""), team_slug=post.get("team", "").strip(), request=request,
        )
        messages.success(request, "Rule added.")
    elif action == "delete_rule":
        rule = RoutingRule.objects.select_related("queue", "team").filter(pk=_int(post.get("rule"))).first()
        if rule is None:
            raise Http404("No such rule.")
        queues.do_delete_rule(user, rule, request=request)
        messages.success(request, "Rule deleted.")
    else:
        raise queues.QueueError("invalid_action", "Unknown action.")


def _int(value):
    return int(value) if str(value or "").isdigit() else 0


def _queue_or_404(slug):
    queue = ReviewQueue.objects.filter(slug=slug or "").first()
    if queue is None:
        raise Http404("No such queue.")
    return queue

"""Standing pages: a user's own standing (and their team's, for owners), and moderators' tools."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.errors import AccountError, ModeratorsOnly
from accounts.models import Membership, Notice, Role, StandingEvent, User
from accounts.roles import can_use_standing_tools
from accounts.selectors import current_membership
from accounts.standing import current_standing, do_adjust_standing, do_lift_suspension


def _is_moderator(user):
    """Moderators' standing tools: not an external moderator's (see `accounts.roles`)."""
    return can_use_standing_tools(user)


@login_required
def my_standing(request):
    view = current_standing(request.user)
    events = StandingEvent.objects.filter(user=request.user)[:50]
    notices = list(Notice.objects.filter(user=request.user)[:20])
    Notice.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    team_rows = []
    membership = current_membership(request)
    if membership is not None and membership.role in (Role.OWNER, Role.ADMIN):
        # Owners see each member's level and points, never the prompts behind them.
        for member in Membership.objects.filter(team=membership.team).select_related("user").order_by("user__email"):
            team_rows.append((member.user.email, current_standing(member.user)))
    return render(
        request,
        "accounts/standing.html",
        {"standing": view, "events": events, "notices": notices, "team_rows": team_rows},
    )


@login_required
def moderator_user_standing(request, user_id):
    if not _is_moderator(request.user):
        raise ModeratorsOnly()
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise Http404("No such user.")
    return _render_person(request, person)


def _render_person(request, person, *, status=200, error=None):
    return render(
        request,
        "accounts/moderator_standing.html",
        {
            "person": person,
            "standing": current_standing(person),
            "events": StandingEvent.objects.filter(user=person)[:100],
            "teams": Membership.objects.filter(user=person).select_related("team"),
            # A refused adjustment: its error beside the field it concerns, and what was typed, to correct.
            "error": error,
            "posted": request.POST if error is not None else {},
        },
        status=status,
    )


@login_required
@require_POST
def moderator_adjust(request, user_id):
    if not _is_moderator(request.user):
        raise ModeratorsOnly()
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise Http404("No such user.")
    reason = request.POST.get("reason", "").strip()
    try:
        if request.POST.get("action") == "lift":
            do_lift_suspension(person, moderator=request.user, reason=reason)
            messages.success(request, "Suspension lifted.")
        else:
            do_adjust_standing(person, moderator=request.user, points=request.POST.get("points", "0"), reason=reason)
            messages.success(request, "Standing adjusted.")
    except AccountError as error:
        # A refusal is shown on the page it came from, with its status: 400 for bad input (beside the field it
        # concerns, like points that are not a finite number), 403 for a conflict of interest.
        if not error.field:
            messages.error(request, f"{error.message} ({error.code})")
        return _render_person(request, person, status=error.http_status, error=error)
    except ValueError:
        messages.error(request, "A reason (and a number of points) is required. (reason_required)")
    return redirect("moderator_standing", person.pk)

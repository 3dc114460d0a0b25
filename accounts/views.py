"""Portal pages for a team: members, API keys and usage. Thin: look up within the current team, call an
action, flash its verdict, redirect. Another team's objects are 404; a refusal is a message, never a 500.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .actions import (
    can_manage_member,
    can_revoke_key,
    do_change_role,
    do_create_api_key,
    do_invite_member,
    do_remove_member,
    do_revoke_api_key,
    do_set_member_cap,
    do_set_team_limits,
)
from .audit import Actor
from .errors import AccountError
from .forms import (
    ApiKeyForm,
    InviteForm,
    MemberCapForm,
    RoleForm,
    TeamLimitsForm,
    first_error,
)
from .models import ApiKey, Membership, Role
from .selectors import SESSION_TEAM_KEY, current_membership
from .usage import daily_spend, team_usage

# One-time secrets travel from the POST that made them to the next page render, then are dropped.
NEW_KEY_SESSION_KEY = "accounts_new_api_key"
INVITE_LINK_SESSION_KEY = "accounts_invite_link"


# --- access helpers -------------------------------------------------------------------------------


def _membership_or_404(request):
    membership = current_membership(request)
    if membership is None:
        raise Http404("You are not a member of any team.")
    return membership


def _member_of_team_or_404(team, membership_id):
    membership = Membership.objects.select_related("team", "user").filter(team=team, pk=membership_id).first()
    if membership is None:
        raise Http404("No such member.")
    return membership


def _key_of_team_or_404(team, key_id):
    key = ApiKey.objects.select_related("team", "created_by").filter(team=team, public_id=key_id).first()
    if key is None:
        raise Http404("No such API key.")
    return key


def _refused(request, error):
    messages.error(request, f"{error.message} ({error.code})")


def _invalid(request, form):
    messages.error(request, first_error(form))


def _set_password_url(request, user):
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("password_reset_confirm", args=[uidb64, token]))


# --- members --------------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def team_members(request):
    membership = _membership_or_404(request)
    team = membership.team
    memberships = Membership.objects.filter(team=team).select_related("user").order_by("created_at", "id")
    rows = [
        {
            "membership": member,
            "is_you": member.user_id == request.user.pk,
            "manageable": can_manage_member(membership.role, member.role),
        }
        for member in memberships
    ]
    grantable_roles = [(value, label) for value, label in Role.choices if can_manage_member(membership.role, Role.MEMBER, value)]
    return render(
        request,
        "accounts/team_members.html",
        {
            "team": team,
            "membership": membership,
            "rows": rows,
            "can_manage": membership.can_manage_team,
            "is_owner": membership.role == Role.OWNER,
            "grantable_roles": grantable_roles,
            "invite_form": InviteForm(),
            "limits_form": TeamLimitsForm(
                initial={
                    "max_concurrent_generations": team.max_concurrent_generations,
                    "monthly_allowance": team.monthly_allowance,
                }
            ),
            "invite_link": request.session.pop(INVITE_LINK_SESSION_KEY, None),
        },
    )


@login_required
@require_POST
def team_invite(request):
    membership = _membership_or_404(request)
    form = InviteForm(request.POST)
    if not form.is_valid():
        _invalid(request, form)
        return redirect("team_members")
    try:
        invited, created_user = do_invite_member(
            team=membership.team,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            acting_user=request.user,
            request=request,
        )
    except AccountError as error:
        _refused(request, error)
        return redirect("team_members")
    if created_user is not None:
        request.session[INVITE_LINK_SESSION_KEY] = {
            "email": created_user.email,
            "url": _set_password_url(request, created_user),
        }
    messages.success(request, f"{invited.user.email} joined {membership.team.name} as {invited.get_role_display().lower()}.")
    return redirect("team_members")


@login_required
@require_POST
def team_member_role(request, membership_id):
    membership = _membership_or_404(request)
    target = _member_of_team_or_404(membership.team, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        _invalid(request, form)
        return redirect("team_members")
    try:
        changed = do_change_role(membership=target, new_role=form.cleaned_data["role"], acting_user=request.user, request=request)
    except AccountError as error:
        _refused(request, error)
    else:
        messages.success(request, f"{changed.user.email} is now {changed.get_role_display().lower()}.")
    return redirect("team_members")


@login_required
@require_POST
def team_member_cap(request, membership_id):
    membership = _membership_or_404(request)
    target = _member_of_team_or_404(membership.team, membership_id)
    form = MemberCapForm(request.POST)
    if not form.is_valid():
        _invalid(request, form)
        return redirect("team_members")
    cap = form.cleaned_data["cap"]
    try:
        do_set_member_cap(membership=target, cap=cap, acting_user=request.user, request=request)
    except AccountError as error:
        _refused(request, error)
    else:
        described = "no cap" if cap is None else f"a cap of {cap} credits a month"
        messages.success(request, f"{target.user.email} now has {described}.")
    return redirect("team_members")


def _leave(request, membership):
    try:
        do_remove_member(membership=membership, acting_user=request.user, request=request)
    except AccountError as error:
        _refused(request, error)
        return redirect("team_members")
    if request.session.get(SESSION_TEAM_KEY) == membership.team_id:
        del request.session[SESSION_TEAM_KEY]
    messages.success(request, f"You left {membership.team.name}.")
    return redirect("generations:dashboard")


@login_required
@require_POST
def team_member_remove(request, membership_id):
    membership = _membership_or_404(request)
    target = _member_of_team_or_404(membership.team, membership_id)
    if target.pk == membership.pk:
        return _leave(request, membership)
    try:
        do_remove_member(membership=target, acting_user=request.user, request=request)
    except AccountError as error:
        _refused(request, error)
    else:
        messages.success(request, f"{target.user.email} was removed from the team; their API keys were revoked.")
    return redirect("team_members")


@login_required
@require_POST
def team_leave(request):
    return _leave(request, _membership_or_404(request))


@login_required
@require_POST
def team_limits(request):
    membership = _membership_or_404(request)
    form = TeamLimitsForm(request.POST)
    if not form.is_valid():
        _invalid(request, form)
        return redirect("team_members")
    try:
        do_set_team_limits(team=membership.team, acting_user=request.user, request=request, **form.cleaned_data)
    except AccountError as error:
        _refused(request, error)
    else:
        messages.success(request, "Team limits saved.")
    return redirect("team_members")


# --- API keys -------------------------------------------------------------------------------------


def _key_status(key, now):
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "active"


def _render_keys(request, membership, form, *, status=200):
    now = timezone.now()
    keys = ApiKey.objects.filter(team=membership.team).select_related("created_by").order_by("-created_at", "-id")
    rows = [
        {
            "key": key,
            "status": _key_status(key, now),
            "can_revoke": key.revoked_at is None and can_revoke_key(membership, key),
        }
        for key in keys
    ]
    context = {
        "team": membership.team,
        "rows": rows,
        "form": form,
        "new_key": request.session.pop(NEW_KEY_SESSION_KEY, None),
    }
    return render(request, "accounts/api_keys.html", context, status=status)


@never_cache
@login_required
@require_GET
def api_keys(request):
    return _render_keys(request, _membership_or_404(request), ApiKeyForm())


@never_cache
@login_required
@require_POST
def api_key_create(request):
    membership = _membership_or_404(request)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _render_keys(request, membership, form, status=400)
    days = form.cleaned_data["expires_in_days"]
    try:
        key, raw = do_create_api_key(
            team=membership.team,
            user=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
            request=request,
        )
    except AccountError as error:
        form.add_error(None, f"{error.message} ({error.code})")
        return _render_keys(request, membership, form, status=error.http_status if 400 <= error.http_status < 500 else 400)
    request.session[NEW_KEY_SESSION_KEY] = {"name": key.name, "raw": raw}
    return redirect("api_keys")


@login_required
@require_POST
def api_key_revoke(request, key_id):
    membership = _membership_or_404(request)
    key = _key_of_team_or_404(membership.team, key_id)
    try:
        if key.revoked_at is not None:
            raise AccountError("api_key_revoked", "This API key has already been revoked.", http_status=409)
        do_revoke_api_key(key=key, actor=Actor(user=request.user), acting_membership=membership, request=request)
    except AccountError as error:
        _refused(request, error)
    else:
        messages.success(request, f"Revoked {key.name} (sk-{key.prefix}…).")
    return redirect("api_keys")


# --- usage ----------------------------------------------------------------------------------------


@login_required
@require_GET
def usage(request):
    membership = _membership_or_404(request)
    from generations.selectors import usage_by_kind

    team = membership.team
    return render(
        request,
        "accounts/usage.html",
        {"team": team, "usage": team_usage(team), "days": daily_spend(team), "kinds": usage_by_kind(team, since=team.period_start)},
    )

"""Portal pages for a team: members, API keys and usage. Thin: look up within the current team, call an
action, flash its verdict, redirect. Another team's objects are 404; a refusal is a message, never a 500.
"""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.actions import (
    can_manage_member,
    can_revoke_key,
    do_accept_invitation,
    do_accept_invitation_as_new_account,
    do_change_role,
    do_create_api_key,
    do_create_kling_key_pair,
    do_decline_invitation,
    do_invite_member,
    do_remove_member,
    do_resend_invitation,
    do_revoke_api_key,
    do_revoke_invitation,
    do_set_member_cap,
    do_set_output_label,
    do_set_team_limits,
    is_operator,
    open_invitation,
    team_limit_bounds,
)
from accounts.audit import Actor
from accounts.auth_forms import RateLimitedPasswordResetForm
from accounts.errors import AccountError
from accounts.forms import (
    AcceptInvitationForm,
    ApiKeyForm,
    InviteForm,
    MemberCapForm,
    OutputLabelForm,
    RoleForm,
    TeamLimitsForm,
    first_error,
)
from accounts.models import ApiKey, Invitation, InvitationState, Membership, Role, User
from accounts.selectors import SESSION_TEAM_KEY, membership_or_404

# One-time secrets travel from the POST that made them to the next page render, then are dropped.
NEW_KEY_SESSION_KEY = "accounts_new_api_key"
NEW_PAIR_SESSION_KEY = "accounts_new_kling_pair"


# --- access helpers -------------------------------------------------------------------------------



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


def _invitation_of_team_or_404(team, invitation_id):
    invitation = Invitation.objects.select_related("team", "invited_by").filter(team=team, public_id=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


# --- members --------------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def team_members(request):
    membership = membership_or_404(request)
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
            "label_form": OutputLabelForm(initial={"label_outputs": team.label_outputs}),
            "limits_form": TeamLimitsForm(
                bounds=team_limit_bounds(operator=is_operator(request.user)),
                initial={
                    "max_concurrent_generations": team.max_concurrent_generations,
                    "monthly_allowance": team.monthly_allowance,
                }
            ),
            "invitations": Invitation.objects.filter(team=team, state=InvitationState.PENDING).select_related("invited_by")
            if membership.can_manage_team
            else [],
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def team_invite(request):
    membership = membership_or_404(request)
    form = InviteForm(request.POST)
    if not form.is_valid():
        _invalid(request, form)
        return redirect("team_members")
    try:
        invitation = do_invite_member(
            team=membership.team,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            acting_user=request.user,
            request=request,
        )
    except AccountError as error:
        _refused(request, error)
        return redirect("team_members")
    messages.success(request, f"Invitation sent to {invitation.email}. They join {membership.team.name} when they accept it.")
    return redirect("team_members")


@login_required
@require_POST
def team_invitation_resend(request, invitation_id):
    membership = membership_or_404(request)
    invitation = _invitation_of_team_or_404(membership.team, invitation_id)
    try:
        do_resend_invitation(invitation=invitation, acting_user=request.user, request=request)
    except AccountError as error:
        _refused(request, error)
    else:
        messages.success(request, f"Invitation sent to {invitation.email} again; the earlier link no longer works.")
    return redirect("team_members")


@login_required
@require_POST
def team_invitation_revoke(request, invitation_id):
    membership = membership_or_404(request)
    invitation = _invitation_of_team_or_404(membership.team, invitation_id)
    try:
        do_revoke_invitation(invitation=invitation, acting_user=request.user, request=request)
    except AccountError as error:
        _refused(request, error)
    else:
        messages.success(request, f"Invitation to {invitation.email} revoked.")
    return redirect("team_members")


@never_cache
def invitation(request, token):
    """The page the e-mailed link opens: accept or decline, signed in as the invited address, or choose a
    password when the address has no account yet. Refusals render with their status and code."""
    try:
        invitation = open_invitation(token)
    except AccountError as error:
        return render(request, "accounts/invitation.html", {"error": error}, status=error.http_status)
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    signed_in_as_invitee = request.user.is_authenticated and request.user.email.lower() == invitation.email.lower()
    form = AcceptInvitationForm(request.POST or None) if not has_account else None
    context = {"invitation": invitation, "has_account": has_account, "signed_in_as_invitee": signed_in_as_invitee, "form": form}
    if request.method != "POST":
        return render(request, "accounts/invitation.html", context)
    action = request.POST.get("action")
    try:
        if action == "decline":
            do_decline_invitation(invitation=invitation, user=request.user, request=request)
            messages.success(request, f"You declined the invitation to {invitation.team.name}.")
            return redirect("login" if not request.user.is_authenticated else "generations:dashboard")
        if action != "accept":
            raise AccountError("invalid_action", "Choose accept or decline.")
        if has_account:
            do_accept_invitation(invitation=invitation, user=request.user, request=request)
        else:
            if not form.is_valid():
                return render(request, "accounts/invitation.html", context, status=400)
            user, _membership = do_accept_invitation_as_new_account(
                invitation=invitation, password=form.cleaned_data["password1"], full_name=form.cleaned_data["full_name"],
                request=request,
            )
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    except AccountError as error:
        context["error"] = error
        return render(request, "accounts/invitation.html", context, status=error.http_status)
    request.session[SESSION_TEAM_KEY] = invitation.team_id
    messages.success(request, f"Welcome to {invitation.team.name}.")
    return redirect("generations:dashboard")


@login_required
@require_POST
def team_member_role(request, membership_id):
    membership = membership_or_404(request)
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
    membership = membership_or_404(request)
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
    membership = membership_or_404(request)
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
    return _leave(request, membership_or_404(request))


@login_required
@require_POST
def team_limits(request):
    membership = membership_or_404(request)
    form = TeamLimitsForm(request.POST, bounds=team_limit_bounds(operator=is_operator(request.user)))
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


@login_required
@require_POST
def team_output_label(request):
    membership = membership_or_404(request)
    form = OutputLabelForm(request.POST)
    form.is_valid()  # a missing checkbox is False: this form cannot be invalid
    enabled = form.cleaned_data.get("label_outputs", False)
    try:
        do_set_output_label(team=membership.team, acting_user=request.user, enabled=enabled, request=request)
    except AccountError as error:
        _refused(request, error)
    else:
        messages.success(
            request, "New clips will carry the “AI-generated” mark." if enabled
            else "New clips will not carry the visible mark (credentials and the invisible watermark stay).",
        )
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
    keys = (
        ApiKey.objects.filter(team=membership.team)
        .select_related("created_by", "kling_pair")
        .order_by("-created_at", "-id")
    )
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
        "new_pair": request.session.pop(NEW_PAIR_SESSION_KEY, None),
        "can_create_pair": membership.can_manage_team,
    }
    return render(request, "accounts/api_keys.html", context, status=status)


@never_cache
@login_required
@require_GET
def api_keys(request):
    return _render_keys(request, membership_or_404(request), ApiKeyForm())


def _create_from_form(request, create):
    """The keys page's create forms (a key, a Kling pair): validate, call `create(membership, cleaned_data,
    expires_at)`, and show the form again with the error when it refuses. Returns what `create` returned (a
    tuple), or the page to show instead."""
    membership = membership_or_404(request)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _render_keys(request, membership, form, status=400)
    days = form.cleaned_data["expires_in_days"]
    try:
        return create(membership, form.cleaned_data, timezone.now() + dt.timedelta(days=days) if days else None)
    except AccountError as error:
        form.add_error(None, f"{error.message} ({error.code})")
        return _render_keys(request, membership, form, status=error.http_status if 400 <= error.http_status < 500 else 400)


@never_cache
@login_required
@require_POST
def api_key_create(request):
    made = _create_from_form(request, lambda membership, data, expires_at: do_create_api_key(
        team=membership.team, user=request.user, name=data["name"], scopes=data["scopes"], expires_at=expires_at,
        request=request,
    ))
    if not isinstance(made, tuple):
        return made
    key, raw = made
    request.session[NEW_KEY_SESSION_KEY] = {"name": key.name, "raw": raw}
    return redirect("api_keys")


@never_cache
@login_required
@require_POST
def kling_pair_create(request):
    """A Kling access key / secret key pair (owners and admins); the secret is shown once, on the next page."""
    made = _create_from_form(request, lambda membership, data, expires_at: do_create_kling_key_pair(
        team=membership.team, user=request.user, name=data["name"], scopes=data["scopes"], expires_at=expires_at,
        request=request,
    ))
    if not isinstance(made, tuple):
        return made
    pair, secret = made
    request.session[NEW_PAIR_SESSION_KEY] = {
        "name": pair.api_key.name, "access_key": pair.access_key, "secret_key": secret,
        "base_url": request.build_absolute_uri("/kling"),
    }
    return redirect("api_keys")


@login_required
@require_POST
def api_key_revoke(request, key_id):
    membership = membership_or_404(request)
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


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Django's reset request, with the client passed to the form for its rate limit."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    form_class = RateLimitedPasswordResetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "link_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)}

"""Every change to accounts goes through a `do_*` function: the write and its audit event together."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import api_keys, auth_cache, kling_pairs
from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.errors import AccountError
from accounts.models import (
    ApiKey,
    ApiKeyScope,
    AuditEventType,
    Invitation,
    InvitationState,
    KlingKeyPair,
    Membership,
    ModerationRole,
    Role,
    Team,
    User,
)


@transaction.atomic
def do_create_team(*, name, slug, owner, actor=None):
    team = Team.objects.create(name=name, slug=slug)
    Membership.objects.create(team=team, user=owner, role=Role.OWNER)
    actor = actor or Actor(user=owner)
    record_audit_event(AuditEventType.TEAM_CREATED, actor=actor, team=team, target=team, extra={"slug": slug})
    record_audit_event(
        AuditEventType.MEMBER_ADDED, actor=actor, team=team, target=owner, extra={"email": owner.email, "role": Role.OWNER}
    )
    return team


@transaction.atomic
def do_add_member(*, team, user, role=Role.MEMBER, actor):
    membership, created = Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
    if created:
        record_audit_event(
            AuditEventType.MEMBER_ADDED, actor=actor, team=team, target=user, extra={"email": user.email, "role": role}
        )
    return membership


@transaction.atomic
def do_create_api_key(*, team, user, name, scopes=None, expires_at=None, actor=None, request=None):
    """Create a key; returns (ApiKey, raw_key). The raw key exists only in this return value."""
    if not Membership.objects.filter(team=team, user=user).exists():
        raise AccountError("not_a_member", f"{user.email} is not a member of {team.slug}.", http_status=403)
    scopes = sorted(set(scopes or [ApiKeyScope.GENERATE, ApiKeyScope.READ]))
    unknown = set(scopes) - set(ApiKeyScope.values)
    if unknown:
        raise AccountError("invalid_scope", f"Unknown scope(s): {', '.join(sorted(unknown))}.")
    new = api_keys.generate_key()
    key = ApiKey.objects.create(
        team=team,
        created_by=user,
        name=name,
        prefix=new.lookup,
        secret_hash=new.secret_hash,
        scopes=scopes,
        expires_at=expires_at,
    )
    record_audit_event(
        AuditEventType.API_KEY_CREATED,
        actor=actor or Actor(user=user),
        team=team,
        target=key,
        extra={"name": name, "prefix": key.prefix, "scopes": scopes},
        request=request,
    )
    return key, new.raw


def can_revoke_key(membership, key) -> bool:
    """Members revoke the keys they created; owners and admins revoke any key of their team."""
    return key.team_id == membership.team_id and (membership.can_manage_team or key.created_by_id == membership.user_id)


@transaction.atomic
def do_revoke_api_key(*, key, actor, acting_membership=None, request=None):
    """Revoke a key. With `acting_membership` (a person acting in the portal) the team's rule applies;
    without it the caller is the system (a member's removal, an operator)."""
    if acting_membership is not None and not can_revoke_key(acting_membership, key):
        raise AccountError("not_key_owner", "Only the key's creator or a team admin can revoke it.", http_status=403)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record_audit_event(
            AuditEventType.API_KEY_REVOKED, actor=actor, team=key.team, target=key, extra={"prefix": key.prefix}, request=request
        )
    return key


@transaction.atomic
def do_create_kling_key_pair(*, team, user, name, scopes=None, expires_at=None, actor=None, request=None):
    """Create a Kling access key / secret key pair; returns (KlingKeyPair, secret_key). Owners and admins
    only. The secret exists in clear only in this return value (stored encrypted, see accounts.kling_pairs).

    The pair acts through an ApiKey made with it (scopes, rate limits, revocation, last use), whose own
    studio key is discarded here: it can only be used through the pair's JWTs."""
    membership = Membership.objects.filter(team=team, user=user).first()
    if membership is None or not membership.can_manage_team:
        raise AccountError("not_team_admin", "Only the team's owners and admins can create Kling key pairs.", http_status=403)
    key, _discarded = do_create_api_key(
        team=team, user=user, name=name, scopes=scopes, expires_at=expires_at, actor=actor, request=request
    )
    new = kling_pairs.generate_pair()
    pair = KlingKeyPair.objects.create(
        team=team, created_by=user, api_key=key, access_key=new.access_key, secret_encrypted=new.secret_encrypted
    )
    record_audit_event(
        AuditEventType.KLING_KEY_PAIR_CREATED,
        actor=actor or Actor(user=user),
        team=team,
        target=key,
        extra={"name": name, "access_key": pair.access_key, "prefix": key.prefix, "scopes": key.scopes},
        request=request,
    )
    return pair, new.secret_key


def authenticate_kling_jwt(token, *, ip_address=None):
    """The ApiKey behind a Kling-style JWT signed with a team's key pair (`iss` = its access key), or
    AccountError with a code: an unknown `iss` or a bad signature is 'invalid_api_key' (Kling 1002), the
    times are checked as `kling_pairs.check_times` says, a revoked or expired pair is refused like its key."""
    header, claims, signing_input, signature = kling_pairs.unverified_parts(token)
    access_key = claims.get("iss")
    pair = None
    if isinstance(access_key, str) and access_key.startswith(kling_pairs.ACCESS_KEY_PREFIX):
        pair = KlingKeyPair.objects.select_related("api_key", "team", "created_by").filter(access_key=access_key).first()
    if pair is None:
        raise AccountError("invalid_api_key", "Authorization is invalid", http_status=401)
    kling_pairs.verify_signature(kling_pairs.decrypt_secret(pair.secret_encrypted), signing_input, signature, header)
    kling_pairs.check_times(claims)
    key = pair.api_key
    key.team, key.created_by = pair.team, pair.created_by
    now = timezone.now()
    if key.revoked_at is not None:
        raise AccountError("api_key_revoked", "This key pair has been revoked.", http_status=401)
    if key.expires_at is not None and key.expires_at <= now:
        raise AccountError("api_key_expired", "This key pair has expired.", http_status=401)
    if not key.created_by.is_active or not Membership.objects.filter(team=key.team, user=key.created_by).exists():
        raise AccountError(
            "api_key_owner_removed", "The member who created this key pair is no longer in the team.", http_status=401
        )
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60 or key.last_used_ip != ip_address:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_ip=ip_address)
        key.last_used_at, key.last_used_ip = now, ip_address
    return key


def authenticate_api_key(raw, *, ip_address=None):
    """The ApiKey a raw bearer token names, or AccountError with a code saying why not (HTTP 401).

    A key that authenticated a moment ago comes from this process's cache (see `accounts.auth_cache`):
    its secret and expiry are checked again, its row, creator and membership are not re-read unless one
    of them changed (its team is, when first used: balances change with every submit).
    """
    parts = api_keys.split_key(raw or "")
    if parts is None:
        raise AccountError("invalid_api_key", "The API key is missing or malformed.", http_status=401)
    lookup, secret = parts
    generation = auth_cache.current_generation()  # read before the rows, so a change after it is noticed
    key = auth_cache.cached_key(lookup, generation)
    from_cache = key is not None
    if key is None:
        key = ApiKey.objects.select_related("team", "created_by").filter(prefix=lookup).first()
    if key is None or not api_keys.secret_matches(secret, key.secret_hash):
        raise AccountError("invalid_api_key", "The API key is not valid.", http_status=401)
    now = timezone.now()
    if key.revoked_at is not None:
        raise AccountError("api_key_revoked", "This API key has been revoked.", http_status=401)
    if key.expires_at is not None and key.expires_at <= now:
        raise AccountError("api_key_expired", "This API key has expired.", http_status=401)
    if not from_cache:
        if not key.created_by.is_active or not Membership.objects.filter(team=key.team, user=key.created_by).exists():
            raise AccountError(
                "api_key_owner_removed", "The member who created this API key is no longer in the team.", http_status=401
            )
        auth_cache.remember(lookup, key, generation)
    # Write last-used at most once a minute per key: a hot key should not turn every read into a write.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60 or key.last_used_ip != ip_address:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_ip=ip_address)
        key.last_used_at, key.last_used_ip = now, ip_address
        auth_cache.note_use(lookup, last_used_at=now, last_used_ip=ip_address)
    return key


def memberships_for(user):
    return Membership.objects.filter(user=user).select_related("team").order_by("created_at", "id")


def user_by_email(email):
    return User.objects.filter(email__iexact=email.strip()).first()


# --- team administration ------------------------------------------------------------------------

ROLE_RANK = {Role.MEMBER: 0, Role.ADMIN: 1, Role.OWNER: 2}


def can_manage_member(actor_role, target_role, new_role=None) -> bool:
    """Pure rule: owners manage everyone; admins manage admins and members but never owners,
    and cannot make anyone an owner; members manage no one."""
    if actor_role not in (Role.OWNER, Role.ADMIN):
        return False
    if actor_role == Role.OWNER:
        return True
    return target_role != Role.OWNER and new_role != Role.OWNER


def _require_manager(team, acting_user, target_role=None, new_role=None):
    acting = Membership.objects.filter(team=team, user=acting_user).first()
    if acting is None or acting.role not in (Role.OWNER, Role.ADMIN):
        raise AccountError("not_team_admin", "Only the team's owners and admins can do that.", http_status=403)
    if target_role is not None and not can_manage_member(acting.role, target_role, new_role):
        raise AccountError("not_team_owner", "Only an owner can change an owner, or make someone an owner.", http_status=403)
    return acting


def _is_last_owner(membership):
    return (
        membership.role == Role.OWNER
        and not Membership.objects.filter(team=membership.team, role=Role.OWNER).exclude(pk=membership.pk).exists()
    )


# --- invitations ----------------------------------------------------------------------------------
#
# An invitation is an offer, sent to the address by e-mail. It adds nobody and creates no account: the
# person who receives the token accepts it, signed in as that address (an existing account) or by choosing
# a password (a new one). So no admin can take over an address by inviting it, and no team can pull an
# existing account in without its owner saying yes.


def _invitation_token():
    """(raw token for the e-mail, hash to store)."""
    raw = secrets.token_urlsafe(32)
    return raw, invitation_token_hash(raw)


def invitation_token_hash(raw) -> str:
    return hashlib.sha256(f"invitation:{raw}".encode()).hexdigest()


def invitation_url(request, raw):
    path = reverse("invitation", args=[raw])
    if request is not None:
        return request.build_absolute_uri(path)
    return (settings.STUDIO_PUBLIC_URL or "http://127.0.0.1:8000").rstrip("/") + path


def _send_invitation_email(invitation, raw, request):
    team = invitation.team
    inviter = invitation.invited_by.email if invitation.invited_by else "A team admin"
    body = (
        f"{inviter} invited you to join the team {team.name} on Studio as {invitation.get_role_display().lower()}.\n\n"
        f"Accept or decline here (the link works until {invitation.expires_at:%Y-%m-%d %H:%M} UTC):\n"
        f"{invitation_url(request, raw)}\n\n"
        "If you did not expect this, ignore this message: nothing happens unless you accept."
    )
    try:
        send_mail(f"Invitation to join {team.name}", body, None, [invitation.email])
    except Exception as exc:  # any transport failure: the invitation stays pending and can be resent
        raise AccountError(
            "invitation_not_sent",
            f"The invitation was saved but the e-mail to {invitation.email} could not be sent ({type(exc).__name__}); resend it later.",
            http_status=502,
        ) from exc


def _clean_email(email):
    email = User.objects.normalize_email(email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError("invalid_email", "Enter a valid email address.")
    return email


def do_invite_member(*, team, email, role=Role.MEMBER, acting_user, request=None):
    """Send `email` an invitation to join `team` as `role`; returns the pending Invitation.

    Nothing about an existing account is changed or revealed beyond "already a member" to the team's own admins.
    """
    _require_manager(team, acting_user, target_role=role, new_role=role)
    if role not in Role.values:
        raise AccountError("invalid_role", f"Unknown role {role!r}.")
    email = _clean_email(email)
    if Membership.objects.filter(team=team, user__email__iexact=email).exists():
        raise AccountError("already_a_member", f"{email} is already in this team.", http_status=409)
    _expire_stale_invitations(team=team, email=email)
    if Invitation.objects.filter(team=team, email=email, state=InvitationState.PENDING).exists():
        raise AccountError(
            "already_invited", f"{email} already has a pending invitation: resend or revoke it below.", http_status=409
        )
    raw, token_hash = _invitation_token()
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            team=team, email=email, role=role, invited_by=acting_user, token_hash=token_hash, created_at=now, sent_at=now,
            expires_at=now + dt.timedelta(hours=settings.INVITATION_TTL_HOURS),
        )
        record_audit_event(
            AuditEventType.INVITATION_SENT, actor=Actor(user=acting_user), team=team, target=invitation,
            extra={"email": email, "role": role, "expires_at": invitation.expires_at.isoformat()}, request=request,
        )
    _send_invitation_email(invitation, raw, request)
    return invitation


def do_resend_invitation(*, invitation, acting_user, request=None):
    """A fresh token (the old link stops working) and a fresh expiry, e-mailed again."""
    _require_manager(invitation.team, acting_user, target_role=invitation.role, new_role=invitation.role)
    raw, token_hash = _invitation_token()
    now = timezone.now()
    with transaction.atomic():
        expires_at = now + dt.timedelta(hours=settings.INVITATION_TTL_HOURS)
        # Pending, or expired by the clock only: a revoked, declined or accepted invitation is not revived.
        updated = Invitation.objects.filter(pk=invitation.pk, state=InvitationState.PENDING).update(
            token_hash=token_hash, sent_at=now, expires_at=expires_at
        )
        if not updated:
            raise AccountError("invitation_closed", "This invitation is no longer pending: send a new one.", http_status=409)
        invitation.refresh_from_db()
        record_audit_event(
            AuditEventType.INVITATION_RESENT, actor=Actor(user=acting_user), team=invitation.team, target=invitation,
            extra={"email": invitation.email, "expires_at": expires_at.isoformat()}, request=request,
        )
    _send_invitation_email(invitation, raw, request)
    return invitation


@transaction.atomic
def do_revoke_invitation(*, invitation, acting_user, request=None):
    _require_manager(invitation.team, acting_user, target_role=invitation.role, new_role=invitation.role)
    updated = Invitation.objects.filter(pk=invitation.pk, state=InvitationState.PENDING).update(
        state=InvitationState.REVOKED, decided_at=timezone.now()
    )
    if not updated:
        raise AccountError("invitation_closed", "This invitation is no longer pending.", http_status=409)
    invitation.refresh_from_db()
    record_audit_event(
        AuditEventType.INVITATION_REVOKED, actor=Actor(user=acting_user), team=invitation.team, target=invitation,
        extra={"email": invitation.email}, request=request,
    )
    return invitation


def _expire_stale_invitations(*, team, email):
    for invitation in Invitation.objects.filter(team=team, email=email, state=InvitationState.PENDING, expires_at__lte=timezone.now()):
        _expire(invitation)


@transaction.atomic
def _expire(invitation):
    if Invitation.objects.filter(pk=invitation.pk, state=InvitationState.PENDING).update(
        state=InvitationState.EXPIRED, decided_at=timezone.now()
    ):
        invitation.refresh_from_db()
        record_audit_event(
            AuditEventType.INVITATION_EXPIRED, team=invitation.team, target=invitation, extra={"email": invitation.email}
        )


def open_invitation(raw):
    """The pending Invitation a raw token names, or AccountError saying why not. An invitation past its
    expiry is marked expired (audited) on first sight."""
    invitation = Invitation.objects.select_related("team", "invited_by").filter(token_hash=invitation_token_hash(raw or "")).first()
    if invitation is None:
        raise AccountError("invitation_invalid", "This invitation link is not valid. Ask the team for a new one.", http_status=404)
    if invitation.state == InvitationState.PENDING and invitation.expires_at <= timezone.now():
        _expire(invitation)
    if invitation.state == InvitationState.EXPIRED:
        raise AccountError("invitation_expired", "This invitation has expired. Ask the team to resend it.", http_status=410)
    if invitation.state != InvitationState.PENDING:
        raise AccountError(
            "invitation_closed", f"This invitation was already {invitation.get_state_display().lower()}.", http_status=410
        )
    return invitation


def _require_invitee(invitation, user):
    if user is None or not user.is_authenticated or user.email.lower() != invitation.email.lower():
        raise AccountError(
            "invitation_wrong_account", f"This invitation is for {invitation.email}: sign in as that address to answer it.",
            http_status=403,
        )


@transaction.atomic
def do_accept_invitation(*, invitation, user, request=None):
    """`user`, signed in as the invited address, joins the team with the invited role."""
    _require_invitee(invitation, user)
    if not Invitation.objects.filter(pk=invitation.pk, state=InvitationState.PENDING, expires_at__gt=timezone.now()).update(
        state=InvitationState.ACCEPTED, decided_at=timezone.now(), accepted_by=user
    ):
        raise AccountError("invitation_closed", "This invitation is no longer pending.", http_status=410)
    membership, created = Membership.objects.get_or_create(team=invitation.team, user=user, defaults={"role": invitation.role})
    actor = Actor(user=user)
    record_audit_event(
        AuditEventType.INVITATION_ACCEPTED, actor=actor, team=invitation.team, target=invitation,
        extra={"email": user.email, "role": invitation.role}, request=request,
    )
    if created:
        record_audit_event(
            AuditEventType.MEMBER_ADDED, actor=actor, team=invitation.team, target=user,
            extra={"email": user.email, "role": invitation.role, "invitation": str(invitation.public_id),
                   "invited_by": invitation.invited_by.email if invitation.invited_by else ""},
            request=request,
        )
    return membership


@transaction.atomic
def do_accept_invitation_as_new_account(*, invitation, password, full_name="", request=None):
    """Create the invited address's account with the password its owner chose here, and join the team.

    Refused when the address already has an account: its owner signs in and accepts instead."""
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise AccountError(
            "account_exists", f"{invitation.email} already has an account: sign in to accept the invitation.", http_status=409
        )
    user = User.objects.create_user(invitation.email, password=password, full_name=(full_name or "")[:150])
    membership = do_accept_invitation(invitation=invitation, user=user, request=request)
    return user, membership


@transaction.atomic
def do_decline_invitation(*, invitation, user, request=None):
    """The invitee says no. Signed in as the invited address, or (with no account yet) by holding the token."""
    if User.objects.filter(email__iexact=invitation.email).exists():
        _require_invitee(invitation, user)
    if not Invitation.objects.filter(pk=invitation.pk, state=InvitationState.PENDING).update(
        state=InvitationState.DECLINED, decided_at=timezone.now()
    ):
        raise AccountError("invitation_closed", "This invitation is no longer pending.", http_status=410)
    invitation.refresh_from_db()
    record_audit_event(
        AuditEventType.INVITATION_DECLINED,
        actor=Actor(user=user) if user is not None and user.is_authenticated else SYSTEM,
        team=invitation.team, target=invitation, extra={"email": invitation.email}, request=request,
    )
    return invitation


@transaction.atomic
def do_change_role(*, membership, new_role, acting_user, request=None):
    if new_role not in Role.values:
        raise AccountError("invalid_role", f"Unknown role {new_role!r}.")
    membership = Membership.objects.select_for_update().select_related("team", "user").get(pk=membership.pk)
    _require_manager(membership.team, acting_user, target_role=membership.role, new_role=new_role)
    # Lock every owner row so two concurrent demotions cannot both pass the last-owner check.
    list(Membership.objects.select_for_update().filter(team=membership.team, role=Role.OWNER))
    if new_role != Role.OWNER and _is_last_owner(membership):
        raise AccountError("last_owner", "A team needs at least one owner: promote someone else first.", http_status=409)
    old_role = membership.role
    if old_role == new_role:
        return membership
    membership.role = new_role
    membership.save(update_fields=["role"])
    record_audit_event(
        AuditEventType.ROLE_CHANGED,
        actor=Actor(user=acting_user),
        team=membership.team,
        target=membership.user,
        extra={"email": membership.user.email, "old": old_role, "new": new_role},
        request=request,
    )
    return membership


@transaction.atomic
def do_remove_member(*, membership, acting_user, request=None):
    """Remove someone from the team (or leave it yourself). Their API keys for the team are revoked."""
    membership = Membership.objects.select_for_update().select_related("team", "user").get(pk=membership.pk)
    if membership.user_id != acting_user.pk:
        _require_manager(membership.team, acting_user, target_role=membership.role)
    list(Membership.objects.select_for_update().filter(team=membership.team, role=Role.OWNER))
    if _is_last_owner(membership):
        raise AccountError("last_owner", "The last owner cannot leave or be removed: promote someone else first.", http_status=409)
    team, user = membership.team, membership.user
    membership.delete()
    actor = Actor(user=acting_user)
    for key in ApiKey.objects.filter(team=team, created_by=user, revoked_at__isnull=True):
        do_revoke_api_key(key=key, actor=actor, request=request)
    record_audit_event(
        AuditEventType.MEMBER_REMOVED,
        actor=actor,
        team=team,
        target=user,
        extra={"email": user.email, "role": membership.role},
        request=request,
    )


@transaction.atomic
def do_set_member_cap(*, membership, cap, acting_user, request=None):
    """Set (or clear, with None) a member's monthly credit cap. Nobody changes their own cap: it is set on
    them by another owner or admin (an admin could otherwise lift the limit an owner put on them)."""
    _require_manager(membership.team, acting_user, target_role=membership.role)
    if membership.user_id == acting_user.pk:
        raise AccountError("own_cap", "You cannot change your own monthly credit cap: ask another owner.", http_status=403)
    if cap is not None and cap < 0:
        raise AccountError("invalid_amount", "A cap cannot be negative.")
    if cap is not None and cap > PG_INTEGER_MAX:
        raise AccountError("invalid_amount", f"A cap can be at most {PG_INTEGER_MAX} credits.", field="cap")
    old = membership.monthly_credit_cap
    membership.monthly_credit_cap = cap
    membership.save(update_fields=["monthly_credit_cap"])
    record_audit_event(
        AuditEventType.MEMBER_CAP_CHANGED,
        actor=Actor(user=acting_user),
        team=membership.team,
        target=membership.user,
        extra={"email": membership.user.email, "old": old, "new": cap},
        request=request,
    )
    return membership


PG_INTEGER_MAX = 2_147_483_647  # the columns are 32-bit integers on every database


def is_operator(user) -> bool:
    """Installation operators: staff and superusers. Only they set team limits beyond the owner maxima."""
    return bool(user is not None and user.is_active and (user.is_staff or user.is_superuser))


def team_limit_bounds(*, operator: bool) -> dict:
    """{field: largest value} someone may set: owners up to the operator-set maxima, operators up to the hard ceiling."""
    if operator:
        return {
            "max_concurrent_generations": min(settings.TEAM_OPERATOR_MAX_CONCURRENCY, PG_INTEGER_MAX),
            "monthly_allowance": min(settings.TEAM_OPERATOR_MAX_MONTHLY_ALLOWANCE, PG_INTEGER_MAX),
        }
    return {
        "max_concurrent_generations": settings.TEAM_MAX_CONCURRENCY,
        "monthly_allowance": settings.TEAM_MAX_MONTHLY_ALLOWANCE,
    }


@transaction.atomic
def do_set_output_label(*, team, acting_user, enabled: bool, request=None):
    """Turn the visible "AI-generated" mark on the team's new clips and posters on or off (owners and
    admins; audited). Content credentials and the invisible watermark stay on whatever this says."""
    acting = Membership.objects.filter(team=team, user=acting_user).first()
    if acting is None or not acting.can_manage_team:
        raise AccountError("not_team_manager", "Only the team's owners and admins can change this.", http_status=403)
    if team.label_outputs == enabled:
        return team
    old, team.label_outputs = team.label_outputs, enabled
    team.save(update_fields=["label_outputs"])
    record_audit_event(
        AuditEventType.TEAM_SETTINGS_CHANGED, actor=Actor(user=acting_user), team=team, target=team,
        extra={"label_outputs": {"old": old, "new": enabled}}, request=request,
    )
    return team


def do_set_team_limits(*, team, acting_user=None, max_concurrent_generations=None, monthly_allowance=None, request=None):
    """Change a team's concurrency cap or monthly allowance.

    Owners may go up to TEAM_MAX_CONCURRENCY / TEAM_MAX_MONTHLY_ALLOWANCE; beyond that is an operator power
    (staff, superusers, or the system acting for the CLI), bounded by the TEAM_OPERATOR_MAX_* ceilings.
    """
    actor = SYSTEM
    operator = acting_user is None or is_operator(acting_user)
    if acting_user is not None:
        acting = Membership.objects.filter(team=team, user=acting_user).first()
        if not operator and (acting is None or acting.role != Role.OWNER):
            raise AccountError("not_team_owner", "Only the team's owners can change its limits.", http_status=403)
        actor = Actor(user=acting_user)
    bounds = team_limit_bounds(operator=operator)
    changes = {}
    for field, value, minimum, label, unit in (
        ("max_concurrent_generations", max_concurrent_generations, 1, "Max concurrent generations", ""),
        ("monthly_allowance", monthly_allowance, 0, "The monthly allowance", " credits"),
    ):
        if value is None:
            continue
        if value < minimum:
            raise AccountError("invalid_amount", f"{label} cannot be less than {minimum}.", field=field)
        if value > bounds[field]:
            raise AccountError(
                "limit_above_maximum",
                f"{label} can be at most {bounds[field]}{unit}" + ("" if operator else "; ask an operator for more."),
                http_status=403 if not operator else 400, field=field,
            )
        changes[field] = (getattr(team, field), value)
        setattr(team, field, value)
    if changes:
        team.save(update_fields=list(changes))
        extra = {name: {"old": old, "new": new} for name, (old, new) in changes.items()}
        extra["operator"] = operator
        record_audit_event(
            AuditEventType.TEAM_LIMITS_CHANGED,
            actor=actor,
            team=team,
            target=team,
            extra=extra,
            request=request,
        )
    return team


@transaction.atomic
def do_set_moderation_role(*, user, role, acting_user, request=None):
    """Give a user a moderation role (superusers only); audited with the old and new role."""
    if not (acting_user and acting_user.is_authenticated and acting_user.is_superuser):
        raise AccountError("superusers_only", "Only a superuser changes moderation roles.", http_status=403)
    if role not in ModerationRole.values:
        raise AccountError("invalid_role", f"Unknown moderation role {role!r}.", field="moderation_role")
    user = User.objects.select_for_update().get(pk=user.pk)
    old = user.moderation_role
    if old == role:
        return user
    user.moderation_role = role
    user.save(update_fields=["moderation_role"])
    record_audit_event(
        AuditEventType.MODERATION_ROLE_CHANGED, actor=Actor(user=acting_user), target=user,
        extra={"email": user.email, "old": old, "new": role, "is_moderator": user.is_moderator}, request=request,
    )
    return user

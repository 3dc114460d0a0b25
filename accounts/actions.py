"""Every change to accounts goes through a `do_*` function: the write and its audit event together."""

from django.db import transaction
from django.utils import timezone

from . import api_keys, auth_cache
from .audit import SYSTEM, Actor, record_audit_event
from .errors import AccountError
from .models import ApiKey, ApiKeyScope, AuditEventType, Membership, Role, Team, User


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


@transaction.atomic
def do_invite_member(*, team, email, role=Role.MEMBER, acting_user, request=None):
    """Add a person to the team by email, creating their account if needed.

    Returns (membership, created_user): a created user has no password yet and sets one through the
    password-reset link the portal shows.
    """
    _require_manager(team, acting_user, target_role=role, new_role=role)
    if role not in Role.values:
        raise AccountError("invalid_role", f"Unknown role {role!r}.")
    email = User.objects.normalize_email(email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError("invalid_email", "Enter a valid email address.")
    user = User.objects.filter(email__iexact=email).first()
    created_user = None
    if user is None:
        user = created_user = User.objects.create_user(email, password=None)
    if Membership.objects.filter(team=team, user=user).exists():
        raise AccountError("already_a_member", f"{email} is already in this team.", http_status=409)
    membership = Membership.objects.create(team=team, user=user, role=role)
    record_audit_event(
        AuditEventType.MEMBER_ADDED,
        actor=Actor(user=acting_user),
        team=team,
        target=user,
        extra={"email": email, "role": role, "new_account": created_user is not None},
        request=request,
    )
    return membership, created_user


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
    """Set (or clear, with None) a member's monthly credit cap."""
    _require_manager(membership.team, acting_user, target_role=membership.role)
    if cap is not None and cap < 0:
        raise AccountError("invalid_amount", "A cap cannot be negative.")
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


@transaction.atomic
def do_set_team_limits(*, team, acting_user=None, max_concurrent_generations=None, monthly_allowance=None, request=None):
    """Change a team's concurrency cap or monthly allowance (owners only; operators act as SYSTEM)."""
    actor = SYSTEM
    if acting_user is not None:
        acting = Membership.objects.filter(team=team, user=acting_user).first()
        if not acting_user.is_superuser and (acting is None or acting.role != Role.OWNER):
            raise AccountError("not_team_owner", "Only the team's owners can change its limits.", http_status=403)
        actor = Actor(user=acting_user)
    changes = {}
    if max_concurrent_generations is not None:
        if max_concurrent_generations < 1:
            raise AccountError("invalid_amount", "A team needs at least one concurrent generation.")
        changes["max_concurrent_generations"] = (team.max_concurrent_generations, max_concurrent_generations)
        team.max_concurrent_generations = max_concurrent_generations
    if monthly_allowance is not None:
        if monthly_allowance < 0:
            raise AccountError("invalid_amount", "The allowance cannot be negative.")
        changes["monthly_allowance"] = (team.monthly_allowance, monthly_allowance)
        team.monthly_allowance = monthly_allowance
    if changes:
        team.save(update_fields=list(changes))
        record_audit_event(
            AuditEventType.TEAM_LIMITS_CHANGED,
            actor=actor,
            team=team,
            target=team,
            extra={name: {"old": old, "new": new} for name, (old, new) in changes.items()},
            request=request,
        )
    return team

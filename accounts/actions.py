"""Every change to accounts goes through a `do_*` function: the write and its audit event together."""

from django.db import transaction
from django.utils import timezone

from . import api_keys
from .audit import Actor, record_audit_event
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


@transaction.atomic
def do_revoke_api_key(*, key, actor, request=None):
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record_audit_event(
            AuditEventType.API_KEY_REVOKED, actor=actor, team=key.team, target=key, extra={"prefix": key.prefix}, request=request
        )
    return key


def authenticate_api_key(raw, *, ip_address=None):
    """The ApiKey a raw bearer token names, or AccountError with a code saying why not (HTTP 401)."""
    parts = api_keys.split_key(raw or "")
    if parts is None:
        raise AccountError("invalid_api_key", "The API key is missing or malformed.", http_status=401)
    lookup, secret = parts
    key = ApiKey.objects.select_related("team", "created_by").filter(prefix=lookup).first()
    if key is None or not api_keys.secret_matches(secret, key.secret_hash):
        raise AccountError("invalid_api_key", "The API key is not valid.", http_status=401)
    now = timezone.now()
    if key.revoked_at is not None:
        raise AccountError("api_key_revoked", "This API key has been revoked.", http_status=401)
    if key.expires_at is not None and key.expires_at <= now:
        raise AccountError("api_key_expired", "This API key has expired.", http_status=401)
    if not key.created_by.is_active or not Membership.objects.filter(team=key.team, user=key.created_by).exists():
        raise AccountError(
            "api_key_owner_removed", "The member who created this API key is no longer in the team.", http_status=401
        )
    # Write last-used at most once a minute per key: a hot key should not turn every read into a write.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60 or key.last_used_ip != ip_address:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_ip=ip_address)
    return key


def memberships_for(user):
    return Membership.objects.filter(user=user).select_related("team").order_by("created_at", "id")


def user_by_email(email):
    return User.objects.filter(email__iexact=email.strip()).first()

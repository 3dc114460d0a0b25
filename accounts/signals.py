from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts import auth_cache
from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.models import ApiKey, AuditEventType, Membership, User


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs):
    record_audit_event(AuditEventType.SIGN_IN, actor=Actor(user=user), target=user, request=request)


@receiver(user_logged_out)
def audit_sign_out(sender, request, user, **kwargs):
    if user is not None:
        record_audit_event(AuditEventType.SIGN_OUT, actor=Actor(user=user), target=user, request=request)


@receiver(user_login_failed)
def audit_sign_in_failure(sender, credentials, request=None, **kwargs):
    # Record which account was tried, never the password.
    tried = str(credentials.get("username") or credentials.get("email") or "")[:254]
    record_audit_event(AuditEventType.SIGN_IN_FAILED, actor=SYSTEM, extra={"email": tried}, request=request)


@receiver([post_save, post_delete], sender=ApiKey)
@receiver([post_save, post_delete], sender=Membership)
@receiver([post_save, post_delete], sender=User)
def forget_cached_api_keys(sender, **kwargs):
    # A revoked key, a removed member, a deactivated account: no web process may keep authenticating with
    # what it cached before (see accounts.auth_cache).
    auth_cache.forget_all()

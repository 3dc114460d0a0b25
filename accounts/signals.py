from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.dispatch import receiver

from .audit import SYSTEM, Actor, record_audit_event
from .models import AuditEventType


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

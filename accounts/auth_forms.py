"""Sign-in with brute-force protection: after too many failures for one email (or from one address) in a
window, sign-in is refused for a while, with a clear message, and the lockout is audited."""

import logging

import redis
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from .audit import SYSTEM, client_ip, record_audit_event
from .models import AuditEventType
from .redis_client import redis_connection

logger = logging.getLogger(__name__)


def _keys(email, ip):
    return [f"signin-fail:email:{email.strip().lower()}", f"signin-fail:ip:{ip or 'unknown'}"]


def _connection():
    return redis_connection()


def is_locked_out(email, ip) -> bool:
    try:
        counts = _connection().mget(_keys(email, ip))
    except redis.RedisError:
        return False  # without Redis the password check still runs; availability wins
    email_failures = int(counts[0] or 0)
    ip_failures = int(counts[1] or 0)
    return email_failures >= settings.SIGN_IN_MAX_FAILURES or ip_failures >= settings.SIGN_IN_MAX_FAILURES * 4


def record_failure(email, ip):
    try:
        pipe = _connection().pipeline()
        for key in _keys(email, ip):
            pipe.incr(key)
            pipe.expire(key, settings.SIGN_IN_LOCKOUT_S)
        pipe.execute()
    except redis.RedisError:
        logger.warning("could not count a failed sign-in (Redis unavailable)")


def clear_failures(email, ip):
    try:
        _connection().delete(_keys(email, ip)[0])
    except redis.RedisError:
        pass


class RateLimitedAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": "Too many failed sign-ins. Wait %(minutes)d minutes and try again, or ask an admin to reset your password.",
    }

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else None
        if email and is_locked_out(email, ip):
            record_audit_event(AuditEventType.SIGN_IN_LOCKED_OUT, actor=SYSTEM, extra={"email": email[:254]}, request=self.request)
            raise forms.ValidationError(
                self.error_messages["locked_out"], code="locked_out", params={"minutes": max(1, settings.SIGN_IN_LOCKOUT_S // 60)}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if email:
                record_failure(email, ip)
            raise
        clear_failures(email, ip)
        return cleaned

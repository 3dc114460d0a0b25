"""Sign-in with brute-force protection that does not lock everyone out.

Failures are counted in Redis per account-and-client pair, per client address (derived through the
operator's TRUSTED_PROXIES, see `accounts.audit.client_ip`) and per account across all clients. Past a limit
only that pair, client or account waits, for SIGN_IN_LOCKOUT_S; everyone else signs in as usual.

A refused attempt is counted, not audited one by one: the first refusal of an account or client in a window
writes one `SIGN_IN_LOCKED_OUT` event carrying how many refusals it stands for, so a flood of attempts cannot
flood the ledger.
"""

import logging

import redis
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from accounts.audit import SYSTEM, client_ip, record_audit_event
from accounts.models import AuditEventType
from accounts.ratelimit import RateLimited, check_password_reset_rate
from accounts.redis_client import redis_connection, warn_unavailable

logger = logging.getLogger(__name__)

# Kept well past a window, so refusals made after one window's event are reported by the next one.
REFUSAL_COUNT_TTL_S = 86_400


def _counters(email, client):
    """(scope, identity, Redis key, limit) of each failure counter."""
    email = email.strip().lower()
    client = client or "unknown"
    return [
        ("pair", f"{email} from {client}", f"signin-fail:pair:{client}:{email}", settings.SIGN_IN_MAX_FAILURES),
        ("client", client, f"signin-fail:client:{client}", settings.SIGN_IN_MAX_CLIENT_FAILURES),
        ("account", email, f"signin-fail:email:{email}", settings.SIGN_IN_MAX_FAILURES * 4),
    ]


def _connection():
    return redis_connection()


def throttled(email, client):
    """(scope, identity, failures) of the first counter over its limit, or None when this attempt may proceed."""
    counters = _counters(email, client)
    try:
        counts = _connection().mget([key for _scope, _identity, key, _limit in counters])
    except redis.RedisError:
        return None  # without Redis the password check still runs; availability wins
    for (scope, identity, _key, limit), count in zip(counters, counts, strict=False):
        if limit > 0 and int(count or 0) >= limit:
            return scope, identity, int(count)
    return None


def is_locked_out(email, ip) -> bool:
    return throttled(email, ip) is not None


def record_failure(email, ip):
    try:
        pipe = _connection().pipeline()
        for _scope, _identity, key, _limit in _counters(email, ip):
            pipe.incr(key)
            pipe.expire(key, settings.SIGN_IN_LOCKOUT_S)
        pipe.execute()
    except redis.RedisError as exc:
        warn_unavailable(logger, "could not count a failed sign-in", exc)


def clear_failures(email, ip):
    """A correct password clears this account's counters (the client's stays: it may be guessing others)."""
    pair, _client, account = _counters(email, ip)
    try:
        _connection().delete(pair[2], account[2])
    except redis.RedisError:
        pass


def note_refusal(scope, identity, *, failures, email, request):
    """Count a refused attempt; write one audit event per scope and identity per window, carrying the count of
    refusals since the previous event. Returns the event written, or None."""
    counter, marker = f"signin-refused:{scope}:{identity}", f"signin-refused-audited:{scope}:{identity}"
    try:
        connection = _connection()
        pipe = connection.pipeline()
        pipe.incr(counter)
        pipe.expire(counter, REFUSAL_COUNT_TTL_S)
        pipe.execute()
        if not connection.set(marker, 1, nx=True, ex=settings.SIGN_IN_LOCKOUT_S):
            return None
        refused = int(connection.getset(counter, 0) or 0)
    except redis.RedisError:
        return None
    return record_audit_event(
        AuditEventType.SIGN_IN_LOCKED_OUT,
        actor=SYSTEM,
        extra={"email": email[:254], "scope": scope, "failures": failures, "refused": refused, "window_s": settings.SIGN_IN_LOCKOUT_S},
        request=request,
    )


class RateLimitedAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": "Too many failed sign-ins. Wait %(minutes)d minutes and try again, or ask an admin to reset your password.",
        "client_throttled": "Too many failed sign-ins from your network. Wait %(minutes)d minutes and try again.",
    }

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else None
        refusal = throttled(email, ip) if email else None
        if refusal is not None:
            scope, identity, failures = refusal
            note_refusal(scope, identity, failures=failures, email=email, request=self.request)
            code = "client_throttled" if scope == "client" else "locked_out"
            raise forms.ValidationError(
                self.error_messages[code], code=code, params={"minutes": max(1, settings.SIGN_IN_LOCKOUT_S // 60)}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if email:
                record_failure(email, ip)
            raise
        clear_failures(email, ip)
        return cleaned


class RateLimitedPasswordResetForm(PasswordResetForm):
    """Django's reset form (it answers the same whether or not the address has an account), throttled per
    address and per client so it cannot be used to flood someone's inbox."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        ip = client_ip(self.request) if self.request is not None else ""
        try:
            for bucket in (f"reset:email:{email}", f"reset:ip:{ip}"):
                check_password_reset_rate(bucket)
        except RateLimited as error:
            raise forms.ValidationError(f"Too many reset requests; try again in {error.retry_after_s} s.") from None
        return email

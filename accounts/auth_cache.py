"""A per-process cache of authenticated API keys: a busy key costs no database reads per request.

An entry keeps what `authenticate_api_key` read (the key and its creator, not the team) for at most
`API_KEY_CACHE_SECONDS`, and only while a token in Redis (`apikeys:generation`) is the one it was read
under. Saving or deleting a key, a membership or a user replaces the token when the transaction commits
(see `accounts.signals`), so a revocation, a removal from the team or a deactivated account takes effect
on every web process at its next request. A change that bypasses model signals (a queryset
`.update()`, raw SQL) takes effect within the TTL. Without Redis nothing is cached.

Expiry is checked on every request, and the secret is compared with the stored hash on every request.
Callers get fresh model instances each time, never the cached ones, so nothing a request does to them
leaks into another request.
"""

import copy
import logging
import time
import uuid
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import transaction

from accounts.redis_client import redis_answered, redis_connection, warn_unavailable

logger = logging.getLogger(__name__)

GENERATION_KEY = "apikeys:generation"

# lookup → _Entry. Plain dict operations are atomic in CPython, so threads need no lock here.
_entries = {}


@dataclass
class _Entry:
    key: object  # an ApiKey with `created_by` loaded
    generation: str
    stored_at: float


def current_generation():
    """The token entries must have been read under, or None when Redis is unavailable (then: no caching)."""
    if settings.API_KEY_CACHE_SECONDS <= 0:
        return None
    try:
        value = redis_connection().get(GENERATION_KEY)
    except redis.RedisError as exc:
        warn_unavailable(logger, "API key cache off", exc)
        return None
    redis_answered("API key cache off")
    return value.decode() if value is not None else ""


def cached_key(lookup, generation):
    """A fresh copy of the key cached for `lookup` under `generation`, or None."""
    if generation is None:
        return None
    entry = _entries.get(lookup)
    if entry is None or entry.generation != generation or time.monotonic() - entry.stored_at > settings.API_KEY_CACHE_SECONDS:
        return None
    return _fresh_copy(entry.key)


def remember(lookup, key, generation):
    """Cache `key`, as read from the database after `generation` was read from Redis."""
    if generation is not None:
        _entries[lookup] = _Entry(_fresh_copy(key), generation, time.monotonic())


def note_use(lookup, *, last_used_at, last_used_ip):
    """The key's last use was just written: the cached copy says so too (no write again for a minute)."""
    entry = _entries.get(lookup)
    if entry is not None:
        entry.key.last_used_at, entry.key.last_used_ip = last_used_at, last_used_ip


def forget_all():
    """Drop every entry here now, and in every process once the current transaction commits.

    Here at once, so this process (and a test) sees the change even before commit; everywhere on commit,
    because a process that read the old rows before the commit must not cache them under the new token.
    """
    _entries.clear()
    transaction.on_commit(_new_generation, robust=True)


def _new_generation():
    _entries.clear()
    try:
        # A new random token, not a counter: after a Redis restart a counter could come back to a value
        # that stale entries were stored under.
        redis_connection().set(GENERATION_KEY, uuid.uuid4().hex)
    except redis.RedisError as exc:
        warn_unavailable(logger, f"could not invalidate cached API keys; they expire within {settings.API_KEY_CACHE_SECONDS} s", exc)
        return
    redis_answered(f"could not invalidate cached API keys; they expire within {settings.API_KEY_CACHE_SECONDS} s")


def _fresh_copy(key):
    """The key with its own copy of its creator, sharing nothing mutable with `key`.

    The team is not kept: its balances and counters change with every submit, so `key.team` is read
    afresh (by primary key) when a request first uses it.
    """
    user = copy.copy(key.created_by)
    clone = copy.copy(key)
    for instance in (user, clone):
        instance._state.fields_cache = {}
    clone.created_by = user
    clone.scopes = list(clone.scopes)
    return clone

"""Request-rate limits as token buckets in Redis, shared by every web process.

A bucket holds up to `burst` tokens and refills at `per_minute / 60` tokens a second; each request
takes one. The check-and-take is one Lua script, so concurrent requests cannot overspend a bucket.
If Redis is unreachable the limiter lets the request through (and logs it): a rate limit protects the
service, it must not become the outage.
"""

import logging
import math
import time

import redis
from django.conf import settings

from accounts.errors import AccountError
from accounts.redis_client import redis_connection

logger = logging.getLogger(__name__)

_TAKE_TOKEN = """
local capacity = tonumber(ARGV[1])
local refill_per_s = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then tokens = math.min(capacity, tokens + (now - at) * refill_per_s) end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = (1 - tokens) / refill_per_s
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(math.max(now, at)))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / refill_per_s) + 60)
return {allowed, tostring(wait)}
"""


class RateLimited(AccountError):
    def __init__(self, message, retry_after_s):
        super().__init__("rate_limited", message, http_status=429)
        self.retry_after_s = retry_after_s


def take_token(bucket: str, *, per_minute: int, burst: int, now=None):
    """(allowed, seconds to wait) for one request against `bucket`."""
    connection = redis_connection()
    script = connection.register_script(_TAKE_TOKEN)
    allowed, wait = script(keys=[f"ratelimit:{bucket}"], args=[burst, per_minute / 60.0, now if now is not None else time.time()])
    return bool(int(allowed)), float(wait)


def _check(bucket, *, per_minute, burst, what):
    if per_minute <= 0:
        return
    try:
        allowed, wait = take_token(bucket, per_minute=per_minute, burst=max(1, burst))
    except redis.RedisError as exc:
        logger.warning("rate limiter unavailable, letting %s through: %s", bucket, exc)
        return
    if not allowed:
        retry_after = max(1, math.ceil(wait))
        raise RateLimited(f"Too many {what}; try again in {retry_after} s.", retry_after)


def check_api_key_rate(api_key):
    _check(
        f"key:{api_key.pk}",
        per_minute=settings.API_KEY_RATE_PER_MINUTE,
        burst=settings.API_KEY_RATE_BURST,
        what="requests with this API key",
    )


def check_create_rate(user, *, restricted=False):
    _check(
        f"user:{user.pk}:create",
        per_minute=settings.RESTRICTED_CREATE_RATE_PER_MINUTE if restricted else settings.USER_CREATE_RATE_PER_MINUTE,
        burst=settings.USER_CREATE_RATE_BURST,
        what="generations started",
    )


def check_prompt_check_rate(user):
    _check(f"user:{user.pk}:check", per_minute=60, burst=20, what="prompt checks")


def check_media_check_rate(client):
    """"Check a video" (page and API): each check decodes up to a few hundred frames. `client` names the
    bucket: an address (page) or an API key (API)."""
    _check(f"verify:{client}", per_minute=settings.VERIFY_RATE_PER_MINUTE, burst=settings.VERIFY_RATE_BURST,
           what="checks from your address" if client.startswith("ip:") else "checks with this API key")


def check_takedown_rate(client_address):
    """Public takedown requests, per client address."""
    _check(f"takedown:ip:{client_address}", per_minute=settings.TAKEDOWN_RATE_PER_MINUTE,
           burst=settings.TAKEDOWN_RATE_BURST, what="takedown requests from your address")


def check_password_reset_rate(bucket):
    """Reset e-mails: a few per address and per client, then one every few minutes."""
    _check(bucket, per_minute=settings.PASSWORD_RESET_RATE_PER_HOUR / 60, burst=3, what="reset requests")

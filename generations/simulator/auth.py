"""Authorization as the upstream checks it (KLING_API.md §1, §5): HS256 JWT or a plain API key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time

from .config import SimulatorConfig
from .validation import ApiError

AUTH_FAILED = (1000, "Authentication failed")
AUTH_EMPTY = (1001, "Authorization is empty")
AUTH_INVALID = (1002, "Authorization is invalid")
AUTH_NOT_YET_VALID = (1003, "Authorization is not yet valid")
AUTH_EXPIRED = (1004, "Authorization has expired")


def _deny(reason: tuple[int, str]) -> ApiError:
    return ApiError(401, *reason)


def check_authorization(header: str | None, config: SimulatorConfig, now: float | None = None) -> None:
    """Raise ApiError (HTTP 401, codes 1000-1004) unless `header` is acceptable under `config`."""
    header = (header or "").strip()
    if not header:
        raise _deny(AUTH_EMPTY)
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer":
        raise _deny(AUTH_INVALID)
    token = token.strip()
    if not token:
        raise _deny(AUTH_EMPTY)
    if config.api_key and hmac.compare_digest(token.encode(), config.api_key.encode()):
        return
    if config.jwt_auth:
        verify_jwt(token, config.access_key, config.secret_key, time.time() if now is None else now)
        return
    if config.api_key:
        raise _deny(AUTH_INVALID)
    # No credentials configured: any non-empty Bearer token is accepted.


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_jwt(token: str, access_key: str, secret_key: str, now: float) -> dict:
    parts = token.split(".")
    if len(parts) != 3:
        raise _deny(AUTH_INVALID)
    try:
        header = json.loads(_b64url_decode(parts[0]))
        claims = json.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _deny(AUTH_INVALID) from None
    if not isinstance(header, dict) or not isinstance(claims, dict) or header.get("alg") != "HS256":
        raise _deny(AUTH_INVALID)
    expected = hmac.new(secret_key.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise _deny(AUTH_FAILED)
    if claims.get("iss") != access_key:
        raise _deny(AUTH_FAILED)
    for claim in ("exp", "nbf"):
        if claim in claims and (not isinstance(claims[claim], (int, float)) or isinstance(claims[claim], bool)):
            raise _deny(AUTH_INVALID)
    if "nbf" in claims and claims["nbf"] > now:
        raise _deny(AUTH_NOT_YET_VALID)
    if "exp" in claims and claims["exp"] <= now:
        raise _deny(AUTH_EXPIRED)
    return claims

"""Kling-style access key / secret key pairs: making them, keeping the secret, verifying their JWTs.

HS256 needs the secret itself to check a signature, so the secret cannot be hashed like an API key. It is
encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under a key derived by SHA-256 from
settings.KLING_PAIR_ENCRYPTION_KEY, or from SECRET_KEY when that is empty. The database alone never
yields a secret.
"""

import base64
import hashlib
import hmac
import json
import math
import secrets
import time
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from accounts.errors import AccountError

ACCESS_KEY_PREFIX = "ak-"


@dataclass(frozen=True)
class NewPair:
    access_key: str
    secret_key: str
    secret_encrypted: str


def _fernet() -> Fernet:
    source = settings.KLING_PAIR_ENCRYPTION_KEY or settings.SECRET_KEY
    digest = hashlib.sha256(b"studio.kling-pair-secret\0" + source.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:  # the encryption key changed: the pair cannot be verified any more
        raise AccountError("invalid_api_key", "Authorization is invalid", http_status=401) from None


def generate_pair() -> NewPair:
    access_key = ACCESS_KEY_PREFIX + secrets.token_hex(16)
    secret_key = "sk-" + secrets.token_urlsafe(32)
    return NewPair(access_key, secret_key, encrypt_secret(secret_key))


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _invalid():
    return AccountError("invalid_api_key", "Authorization is invalid", http_status=401)


def unverified_parts(token: str):
    """(header, claims, signing input, signature) of a compact JWT, or AccountError 'invalid_api_key'."""
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_b64url_decode(header_b64))
        claims = json.loads(_b64url_decode(payload_b64))
        signature = _b64url_decode(signature_b64)
    except (ValueError, TypeError, RecursionError):
        raise _invalid() from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _invalid()
    return header, claims, f"{header_b64}.{payload_b64}".encode(), signature


def verify_signature(secret: str, signing_input: bytes, signature: bytes, header: dict):
    if header.get("alg") != "HS256":
        raise _invalid()
    expected = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise _invalid()


def check_times(claims: dict, *, now=None):
    """Kling's rules on a verified token's times: `exp` required and not past (1004), `nbf` not in the
    future beyond the leeway (1003), and a lifetime (exp − iat, or exp − now without iat) within the cap."""
    now = time.time() if now is None else now
    leeway = settings.KLING_JWT_LEEWAY_S
    nbf, exp, iat = claims.get("nbf"), claims.get("exp"), claims.get("iat")

    def number(value):  # a real, finite number: JSON's NaN and Infinity would slip past every comparison
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

    if (nbf is not None and not number(nbf)) or (iat is not None and not number(iat)):
        raise _invalid()
    if nbf is not None and nbf > now + leeway:
        raise AccountError("token_not_yet_valid", "Authorization is not yet valid", http_status=401)
    if not number(exp) or exp < now:
        raise AccountError("token_expired", "Authorization has expired", http_status=401)
    # The lifetime counts from when the token was issued, never later than now: an `iat` in the future cannot
    # stretch a token past the cap.
    issued = min(iat, now) if iat is not None else now
    cap = settings.KLING_JWT_MAX_LIFETIME_S
    if exp - issued > cap:
        raise AccountError(
            "token_lifetime_too_long", f"Authorization is valid for too long (at most {cap // 3600} hours)", http_status=401
        )

"""API key format, hashing and verification (pure functions plus one lookup).

A key reads `sk-<prefix><secret>`: 8 lookup characters then 40 secret ones, all [A-Za-z0-9]. The prefix
is stored in clear for lookup and display; only an HMAC-SHA256 of the secret, keyed by the dedicated
`API_KEY_PEPPER`, is stored, and it is compared in constant time.
"""

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

from django.conf import settings

KEY_PREFIX = "sk-"
LOOKUP_LENGTH = 8
SECRET_LENGTH = 40
_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class NewKey:
    raw: str
    lookup: str
    secret_hash: str


def hash_secret(secret: str, pepper: str | None = None) -> str:
    pepper = settings.API_KEY_PEPPER if pepper is None else pepper
    return hmac.new(pepper.encode(), secret.encode(), hashlib.sha256).hexdigest()


def generate_key() -> NewKey:
    lookup = "".join(secrets.choice(_ALPHABET) for _ in range(LOOKUP_LENGTH))
    secret = "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))
    return NewKey(raw=f"{KEY_PREFIX}{lookup}{secret}", lookup=lookup, secret_hash=hash_secret(secret))


def split_key(raw: str) -> tuple[str, str] | None:
    """(lookup, secret) of a well-formed key, else None."""
    if not raw.startswith(KEY_PREFIX) or len(raw) != len(KEY_PREFIX) + LOOKUP_LENGTH + SECRET_LENGTH:
        return None
    body = raw[len(KEY_PREFIX):]
    if any(ch not in _ALPHABET for ch in body):
        return None
    return body[:LOOKUP_LENGTH], body[LOOKUP_LENGTH:]


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)

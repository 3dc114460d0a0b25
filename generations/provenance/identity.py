"""Who marks a clip: this install's watermark key and id, and the 48-bit payload a generation carries.

A library (no models): the key and id come from settings, or are generated once into
`PROVENANCE_DIR / "watermark.json"` (mode 0600, atomic, first writer wins when workers race).

Payload (6 bytes, the watermark's capacity): 2 bytes of install id, then the first 4 bytes of
HMAC-SHA256(key, generation public id). The digest is keyed so that nobody without the key can say which
generation a payload names, and 32 bits keep a wrong match on lookup at about one in 4 billion per stored
generation; the lookup still checks every candidate (and the C2PA manifest when there is one).
"""

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

PAYLOAD_BYTES = 6


class ProvenanceKeyError(Exception):
    """The watermark key or install id is unusable (malformed setting, unreadable file)."""


@dataclass(frozen=True)
class WatermarkIdentity:
    install_id: bytes  # 2 bytes
    key: bytes  # 32 bytes

    @property
    def install_hex(self) -> str:
        return self.install_id.hex()

    def payload_for(self, generation_public_id) -> bytes:
        return self.install_id + self.digest_for(generation_public_id)

    def digest_for(self, generation_public_id) -> bytes:
        raw = uuid.UUID(str(generation_public_id)).bytes
        return hmac.new(self.key, b"generation:" + raw, hashlib.sha256).digest()[:4]


def split_payload(payload: bytes) -> tuple[str, str]:
    """(install id hex, generation digest hex) of a recovered payload."""
    return payload[:2].hex(), payload[2:PAYLOAD_BYTES].hex()


def _from_settings():
    key_hex, install_hex = settings.PROVENANCE_WATERMARK_KEY, settings.PROVENANCE_INSTALL_ID
    if not key_hex and not install_hex:
        return None
    try:
        key, install_id = bytes.fromhex(key_hex), bytes.fromhex(install_hex)
    except ValueError:
        raise ProvenanceKeyError("PROVENANCE_WATERMARK_KEY and PROVENANCE_INSTALL_ID must be hexadecimal.") from None
    if len(key) != 32 or len(install_id) != 2:
        raise ProvenanceKeyError(
            "Set both PROVENANCE_WATERMARK_KEY (64 hex digits) and PROVENANCE_INSTALL_ID (4 hex digits), or neither."
        )
    return WatermarkIdentity(install_id, key)


def watermark_identity(*, create=True) -> WatermarkIdentity | None:
    """The configured identity, else the generated one (made now when `create`), else None."""
    configured = _from_settings()
    if configured is not None:
        return configured
    directory = Path(settings.PROVENANCE_DIR)
    path = directory / "watermark.json"
    if not path.exists():
        if not create:
            return None
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                _write_new(path)
    try:
        data = json.loads(path.read_text())
        return WatermarkIdentity(bytes.fromhex(data["install_id"]), bytes.fromhex(data["key"]))
    except (OSError, ValueError, KeyError) as error:
        raise ProvenanceKeyError(f"{path} is unreadable ({error}); restore it from a backup.") from None


def _write_new(path: Path):
    data = {"install_id": secrets.token_bytes(2).hex(), "key": secrets.token_bytes(32).hex()}
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            json.dump(data, handle)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)

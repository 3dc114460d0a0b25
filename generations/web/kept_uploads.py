"""Files a create form keeps between tries, so a refused submit (a prompt held back, a wrong setting) does
not make the person choose their images again; also how a remix offers its parent's input images.

Each kept file lives in Redis under its owner's user id and a random token, for KEPT_SECONDS: the page
carries only the token (a hidden field) and shows the file from `kept_upload_response`, which answers
only its owner. A user keeps at most KEPT_MAX_FILES files and KEPT_MAX_BYTES in all; older ones go first.
Only files that pass the same checks as a submit are kept, and a submit checks them again anyway.
"""

import logging
import re
import secrets
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.redis_client import redis_answered, redis_connection, warn_unavailable
from generations.errors import GenerationError
from generations.inputs.audio import MAX_AUDIO_BYTES, inspect_audio
from generations.inputs.images import MAX_IMAGE_BYTES, inspect_image

logger = logging.getLogger(__name__)

KEPT_SECONDS = 30 * 60
KEPT_MAX_FILES = 8
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def kept_max_bytes():
    """One request's worth: everything a single create form can carry."""
    return settings.MAX_UPLOAD_REQUEST_BYTES


@dataclass(frozen=True)
class KeptUpload:
    token: str
    name: str
    content_type: str
    data: bytes
    # "retry": the person's own upload from the previous try; "remix": an input of the clip being remixed.
    origin: str = "retry"

    @property
    def url(self):
        return reverse("generations:kept_upload", args=[self.token])

    @property
    def is_audio(self):
        return self.content_type.startswith("audio/")

    def as_upload(self):
        """A fresh uploaded-file object, as if the person had chosen the file again."""
        return SimpleUploadedFile(self.name, self.data, content_type=self.content_type)


def _index_key(user_id):
    return f"kept-uploads:{user_id}"


def _file_key(user_id, token):
    return f"kept-upload:{user_id}:{token}"


def checked(data: bytes, *, audio: bool):
    """The content type of `data` if a submit would accept it as an image (or audio), else None."""
    try:
        if audio:
            return inspect_audio(data).content_type if len(data) <= MAX_AUDIO_BYTES else None
        return inspect_image(data).content_type if len(data) <= MAX_IMAGE_BYTES else None
    except GenerationError:
        return None


def keep(user, data: bytes, *, name: str, content_type: str, origin: str = "retry") -> KeptUpload | None:
    """Keep `data` for `user`; None when it cannot be kept (too large, or Redis unavailable)."""
    if len(data) > kept_max_bytes():
        return None
    token = secrets.token_urlsafe(24)
    name = (name or "upload").rsplit("/", 1)[-1][:120]
    now = time.time()
    try:
        client = redis_connection()
        pipe = client.pipeline()
        pipe.hset(_file_key(user.pk, token), mapping={"name": name, "content_type": content_type, "origin": origin, "data": data})
        pipe.expire(_file_key(user.pk, token), KEPT_SECONDS)
        pipe.zadd(_index_key(user.pk), {f"{token}:{len(data)}": now})
        pipe.zremrangebyscore(_index_key(user.pk), "-inf", now - KEPT_SECONDS)
        pipe.expire(_index_key(user.pk), KEPT_SECONDS)
        pipe.execute()
        _evict(client, user.pk)
        redis_answered("keeping uploads")
    except redis.RedisError as exc:
        warn_unavailable(logger, "keeping uploads", exc)
        return None
    return KeptUpload(token=token, name=name, content_type=content_type, data=data, origin=origin)


def _evict(client, user_id):
    """Oldest first, until the user's kept files fit KEPT_MAX_FILES and kept_max_bytes()."""
    members = [member.decode() for member in client.zrange(_index_key(user_id), 0, -1)]  # oldest first
    sizes = [int(member.rpartition(":")[2] or 0) for member in members]
    total = sum(sizes)
    drop = []
    for member, size in zip(members, sizes, strict=True):
        if len(members) - len(drop) <= KEPT_MAX_FILES and total <= kept_max_bytes():
            break
        drop.append(member)
        total -= size
    if drop:
        pipe = client.pipeline()
        pipe.zrem(_index_key(user_id), *drop)
        pipe.delete(*(_file_key(user_id, member.rpartition(":")[0]) for member in drop))
        pipe.execute()


def kept(user, token) -> KeptUpload | None:
    """`user`'s kept file with this token, or None: unknown, expired, malformed, or someone else's."""
    if not isinstance(token, str) or not _TOKEN.match(token) or not getattr(user, "pk", None):
        return None
    try:
        client = redis_connection()
        pipe = client.pipeline()
        pipe.hgetall(_file_key(user.pk, token))
        pipe.expire(_file_key(user.pk, token), KEPT_SECONDS)  # still in use: it lives on from this try
        found, _ = pipe.execute()
        if found and b"data" in found:
            client.zadd(_index_key(user.pk), {f"{token}:{len(found[b'data'])}": time.time()}, xx=True)
            client.expire(_index_key(user.pk), KEPT_SECONDS)
    except redis.RedisError as exc:
        warn_unavailable(logger, "keeping uploads", exc)
        return None
    if not found or b"data" not in found:
        return None
    return KeptUpload(
        token=token, name=found[b"name"].decode(), content_type=found[b"content_type"].decode(), data=found[b"data"],
        origin=found.get(b"origin", b"retry").decode(),
    )


def forget(user, tokens):
    """Drop kept files once a submit took them."""
    tokens = [token for token in tokens if token]
    if not tokens:
        return
    try:
        client = redis_connection()
        members = [member.decode() for member in client.zrange(_index_key(user.pk), 0, -1)]
        pipe = client.pipeline()
        pipe.delete(*(_file_key(user.pk, token) for token in tokens))
        gone = [member for member in members if member.rpartition(":")[0] in tokens]
        if gone:
            pipe.zrem(_index_key(user.pk), *gone)
        pipe.execute()
    except redis.RedisError as exc:
        warn_unavailable(logger, "keeping uploads", exc)

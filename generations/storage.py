"""Stored media through Django's storage API only, so the same code runs on a local disk and on S3.

Product code never asks a stored file for its `.path` (object storage has none; tests/test_architecture.py
greps for it). Tools that need a file on disk (PyAV, OpenCV, the hashers) get a temporary copy from
`local_copy`, removed when the block ends.
"""

import contextlib
import os
import shutil
import tempfile

from django.conf import settings

COPY_CHUNK = 1024 * 1024
# Withheld media (quarantined outputs and inputs, evidence for reviewers) is stored under this prefix: a
# separate place an operator can lock down with its own bucket policy, and one the studio never presigns.
QUARANTINE_PREFIX = "quarantine/"


def withheld_name(name: str) -> str:
    return name if name.startswith(QUARANTINE_PREFIX) else QUARANTINE_PREFIX + name


def released_name(name: str) -> str:
    return name.removeprefix(QUARANTINE_PREFIX)


def presigned_url(field_file, *, download_name="") -> str | None:
    """A short-lived presigned URL (S3_PRESIGN_SECONDS) for a stored file the caller has already authorised,
    or None where the studio streams the bytes itself: local storage, S3_DOWNLOADS=stream, withheld media.
    With `download_name` the store answers it as an attachment of that name."""
    if settings.STORAGE != "s3" or settings.S3_DOWNLOADS != "presigned":
        return None
    if not field_file.name or field_file.name.startswith(QUARANTINE_PREFIX):
        return None
    parameters = {"ResponseContentDisposition": f'attachment; filename="{download_name}"'} if download_name else None
    return field_file.storage.url(field_file.name, parameters=parameters)


@contextlib.contextmanager
def local_copy(field_file, *, suffix=None):
    """A path to a temporary copy of a stored file's bytes, deleted afterwards (also on error).

    `suffix` defaults to the stored name's extension, which some decoders use to pick a demuxer."""
    if suffix is None:
        suffix = os.path.splitext(field_file.name or "")[1]
    handle = tempfile.NamedTemporaryFile(prefix="studio-media-", suffix=suffix, delete=False)
    try:
        with handle, field_file.storage.open(field_file.name, "rb") as source:
            shutil.copyfileobj(source, handle, COPY_CHUNK)
        yield handle.name
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)

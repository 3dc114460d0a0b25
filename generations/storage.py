"""Stored media through Django's storage API only, so the same code runs on a local disk and on S3.

Product code never asks a stored file for its `.path` (object storage has none; tests/test_architecture.py
greps for it). Tools that need a file on disk (PyAV, OpenCV, the hashers) get a temporary copy from
`local_copy`, removed when the block ends.
"""

import contextlib
import os
import shutil
import tempfile

COPY_CHUNK = 1024 * 1024


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

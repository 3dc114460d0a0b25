"""generations.storage.local_copy: a stored file's bytes on local disk for the tools that need a path, gone
afterwards whatever happens."""

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from generations.storage import local_copy


@pytest.fixture
def stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    name = default_storage.save("outputs/clip.mp4", ContentFile(b"\x00\x01" * 700_000))
    field_file = type("Stored", (), {"name": name, "storage": default_storage})()
    yield field_file
    default_storage.delete(name)


def test_it_copies_the_bytes_keeps_the_extension_and_removes_the_copy(stored):
    with local_copy(stored) as path:
        assert path.endswith(".mp4") and not path.startswith(str(default_storage.location))
        with open(path, "rb") as handle:
            assert handle.read() == b"\x00\x01" * 700_000
    assert not os.path.exists(path)
    assert default_storage.exists(stored.name)  # the stored file itself is untouched


def test_the_copy_is_removed_when_the_block_fails(stored):
    with pytest.raises(RuntimeError), local_copy(stored) as path:
        raise RuntimeError("the decoder gave up")
    assert not os.path.exists(path)


def test_a_missing_stored_file_is_an_os_error_and_leaves_no_copy(stored, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    stored.name = "outputs/gone.mp4"
    with pytest.raises(FileNotFoundError), local_copy(stored):
        pass
    assert not list(tmp_path.glob("studio-media-*"))

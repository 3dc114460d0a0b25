"""generations.storage.local_copy: a stored file's bytes on local disk for the tools that need a path, gone
afterwards whatever happens."""

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from generations.actions.withholding import relocate_mismatched
from generations.models import Asset, Generation
from generations.storage import QUARANTINE_PREFIX, local_copy


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


@pytest.mark.django_db
def test_the_housekeeping_sweep_finishes_a_move_that_failed(settings, tmp_path, team, alice):
    """A quarantine flag whose object never moved (the store failed after the decision committed) is put
    right by housekeeping's sweep, both ways; reviewers' evidence always stays under the prefix."""
    settings.MEDIA_ROOT = tmp_path / "media"
    generation = Generation.objects.create(team=team, created_by=alice, prompt="p", model_name="kling-v1-6")
    made = {}
    for role, quarantined in (("video", True), ("poster", False), ("evidence", False)):
        asset = Asset(generation=generation, role=role, content_type="image/jpeg", size_bytes=1, sha256="x",
                      quarantined=not quarantined)  # stored where the other flag puts it
        asset.file.save(f"{role}.bin", ContentFile(b"x"), save=False)
        asset.save()
        Asset.objects.filter(pk=asset.pk).update(quarantined=quarantined)  # the flag changed, the object did not
        made[role] = asset

    assert relocate_mismatched() == 2
    names = {role: Asset.objects.get(pk=asset.pk).file.name for role, asset in made.items()}
    assert names["video"].startswith(QUARANTINE_PREFIX) and not names["poster"].startswith(QUARANTINE_PREFIX)
    assert names["evidence"].startswith(QUARANTINE_PREFIX)
    assert all(default_storage.exists(name) for name in names.values())
    assert relocate_mismatched() == 0

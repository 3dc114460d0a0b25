"""Marking one output before delivery: invisible watermark (and the visible label when asked), then C2PA
content credentials on the clip and its poster, or on each still of an image generation and its poster.

A library: it is given paths and plain values and writes only the files it returns. The worker decides
what to do when marking cannot happen (`ProvenanceUnavailable`).
"""

import io
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image

from generations.provenance import credentials, identity, watermark

logger = logging.getLogger(__name__)


class ProvenanceUnavailable(Exception):
    """The signing chain or watermark key cannot be used. Outside DEBUG the clip waits for the operator."""


@dataclass
class MarkedOutput:
    video_path: Path
    poster_bytes: bytes
    record: dict = field(default_factory=dict)  # what was done, stored on the generation


def signing_chain():
    """The chain to sign with, or ProvenanceUnavailable naming what is wrong."""
    try:
        return credentials.ensure_signing_chain()
    except (OSError, ValueError) as error:
        raise ProvenanceUnavailable(f"the C2PA signing chain cannot be loaded: {error}") from error


def _identity():
    try:
        return identity.watermark_identity()
    except (OSError, identity.ProvenanceKeyError) as error:
        raise ProvenanceUnavailable(f"the watermark key cannot be loaded: {error}") from error


def mark_output(
    raw_video, poster_bytes, workdir, *, generation_public_id, model_name, created_at, label: bool,
    ingredient_path=None,
) -> MarkedOutput:
    """Watermark (and label) `raw_video`, sign it and the poster; files are written under `workdir`.

    In DEBUG an unusable key or chain does not stop delivery: what could not be done is skipped and said
    in `record["warnings"]`. Outside DEBUG it raises ProvenanceUnavailable (the start-up check makes that
    rare: it refuses to start without them).
    """
    started = time.monotonic()
    workdir = Path(workdir)
    record = {"label": False, "credentials": "unsigned", "watermark": None, "warnings": []}
    video_path, poster = Path(raw_video), poster_bytes

    mark_identity = _or_warning(record, _identity, "delivering without a watermark")
    text = settings.PROVENANCE_LABEL if label else None
    if mark_identity is not None:
        marked = workdir / "marked.mp4"
        result = watermark.mark_video(
            video_path, marked, payload=mark_identity.payload_for(generation_public_id), key=mark_identity.key,
            label=text,
        )
        video_path = marked
        record["watermark_s"] = round(result.seconds, 3)
        record["watermark"] = {
            "install": mark_identity.install_hex,
            "digest": mark_identity.digest_for(generation_public_id).hex(),
        }
        record["label"] = bool(result.labelled)
    if text and poster:
        poster = label_jpeg(poster, text)

    chain = _chain_or_warning(record, "the clip")
    if chain is not None:
        signing_started = time.monotonic()
        common = _signing_fields(chain, generation_public_id, model_name, created_at)
        signed_video = workdir / "signed.mp4"
        credentials.sign_media(video_path, signed_video, parent_manifest_path=ingredient_path, **common)
        video_path = signed_video
        if poster:
            poster = sign_jpeg(poster, workdir, **common)
        _record_signing(record, chain, ingredient_path)
        record["sign_s"] = round(time.monotonic() - signing_started, 3)
    record["seconds"] = round(time.monotonic() - started, 3)
    return MarkedOutput(video_path=video_path, poster_bytes=poster, record=record)


@dataclass
class MarkedStills:
    images: list  # PNG bytes, in index order
    poster_bytes: bytes
    record: dict = field(default_factory=dict)


def mark_stills(
    stills, workdir, *, generation_public_id, model_name, created_at, label: bool, ingredient_path=None
) -> MarkedStills:
    """An image generation's stills marked as a clip's frames are: the keyed watermark in each (the same payload
    as a clip of this generation would carry) and the visible label when asked, saved as PNG, each signed with
    C2PA content credentials; the poster is the first still as a signed JPEG. The same DEBUG leniency as
    mark_output."""
    started = time.monotonic()
    workdir = Path(workdir)
    record = {"label": bool(label), "credentials": "unsigned", "watermark": None, "warnings": [], "images": len(stills)}
    mark_identity = _or_warning(record, _identity, "delivering stills without a watermark")
    text = settings.PROVENANCE_LABEL if label else None
    pictures = []
    for still in stills:
        with Image.open(io.BytesIO(still)) as image:
            pixels = np.asarray(image.convert("RGB"))
        if mark_identity is not None:
            pixels = watermark.mark_rgb(pixels, mark_identity.payload_for(generation_public_id), mark_identity.key)
        if text:
            pixels = watermark.label_rgb(pixels, text)
        pictures.append(pixels)
    if mark_identity is not None:
        record["watermark"] = {
            "install": mark_identity.install_hex,
            "digest": mark_identity.digest_for(generation_public_id).hex(),
        }
    images = [_png(pixels) for pixels in pictures]
    poster = _jpeg(pictures[0]) if pictures else b""
    chain = _chain_or_warning(record, "stills")
    if chain is not None:
        signing_started = time.monotonic()
        common = _signing_fields(chain, generation_public_id, model_name, created_at)
        signed = []
        for index, png in enumerate(images):
            source, target = workdir / f"still-{index}.png", workdir / f"still-{index}-signed.png"
            source.write_bytes(png)
            credentials.sign_media(source, target, parent_manifest_path=ingredient_path, **common)
            signed.append(target.read_bytes())
        images = signed
        if poster:
            poster = sign_jpeg(poster, workdir, **common)
        _record_signing(record, chain, ingredient_path)
        record["sign_s"] = round(time.monotonic() - signing_started, 3)
    record["seconds"] = round(time.monotonic() - started, 3)
    return MarkedStills(images=images, poster_bytes=poster, record=record)


@dataclass
class MarkedSound:
    audio_bytes: bytes
    poster_bytes: bytes
    record: dict = field(default_factory=dict)


def mark_sound(
    audio_path, poster_bytes, workdir, *, generation_public_id, model_name, created_at, ingredient_path=None
) -> MarkedSound:
    """A sound kind's audio (MP3) signed with C2PA content credentials (c2pa-python signs MP3 and WAV), and its
    poster (a drawing of the waveform) as a signed JPEG. The studio has no audio watermark and a sound has no
    picture to label: the record says so (watermark None, label False). The same DEBUG leniency as mark_output."""
    started = time.monotonic()
    workdir = Path(workdir)
    record = {"label": False, "credentials": "unsigned", "watermark": None, "warnings": [], "media": "audio",
              "watermark_note": "no audio watermark: the content credentials are the mark"}
    audio = Path(audio_path).read_bytes()
    poster = poster_bytes
    chain = _chain_or_warning(record, "sound")
    if chain is not None:
        common = _signing_fields(chain, generation_public_id, model_name, created_at)
        source, target = workdir / "sound.mp3", workdir / "sound-signed.mp3"
        source.write_bytes(audio)
        credentials.sign_media(source, target, parent_manifest_path=ingredient_path, **common)
        audio = target.read_bytes()
        if poster:
            poster = sign_jpeg(poster, workdir, **common)
        _record_signing(record, chain, ingredient_path)
    record["seconds"] = round(time.monotonic() - started, 3)
    return MarkedSound(audio_bytes=audio, poster_bytes=poster, record=record)


def _or_warning(record, load, message):
    """load(); in DEBUG, when provenance is unusable, None and a warning in `record` (outside DEBUG it raises)."""
    try:
        return load()
    except ProvenanceUnavailable as error:
        if not settings.DEBUG:
            raise
        record["warnings"].append(str(error))
        logger.warning("%s (DEBUG): %s", message, error)
        return None


def _chain_or_warning(record, what):
    """The signing chain, or None and a warning in DEBUG when it is unusable."""
    return _or_warning(record, signing_chain, f"delivering {what} without content credentials")


def _record_signing(record, chain, ingredient_path) -> None:
    """What a provenance record says of signed credentials: who signed, and whether they record an edit."""
    record.update(credentials="signed", signer=chain.leaf.subject.rfc4514_string(), edited=ingredient_path is not None)


def _signing_fields(chain, generation_public_id, model_name, created_at) -> dict:
    """What credentials.sign_media and sign_jpeg are given besides the files."""
    return {
        "generation_public_id": str(generation_public_id),
        "model_name": model_name,
        "studio_version": settings.STUDIO_VERSION,
        "created_at": created_at,
        "chain": chain,
    }


def _png(pixels) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def _jpeg(pixels) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def readiness_problems() -> list[str]:
    """What would stop this process from marking outputs (made now if missing: a first run creates the
    per-install chain and watermark key under PROVENANCE_DIR). Empty when marking can work."""
    problems = []
    try:
        chain = signing_chain()
        leaf_key = credentials.public_key_bytes(chain.leaf.public_key())
        private_key = credentials.private_key_public_bytes(chain.key_pem)
        if leaf_key != private_key:
            problems.append("the C2PA signing key does not belong to the chain's first certificate "
                            "(PROVENANCE_PRIVATE_KEY / PROVENANCE_CERT_CHAIN)")
    except ProvenanceUnavailable as error:
        problems.append(str(error))
    except ValueError as error:
        problems.append(f"the C2PA signing key cannot be read: {error}")
    try:
        _identity()
    except ProvenanceUnavailable as error:
        problems.append(str(error))
    return problems


def label_jpeg(jpeg: bytes, text: str) -> bytes:
    with Image.open(io.BytesIO(jpeg)) as image:
        frame = np.asarray(image.convert("RGB"))
    labelled = watermark.label_rgb(frame, text)
    buffer = io.BytesIO()
    Image.fromarray(labelled).save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def sign_jpeg(jpeg: bytes, workdir, **common) -> bytes:
    with tempfile.NamedTemporaryFile(dir=workdir, suffix=".jpg") as source:
        source.write(jpeg)
        source.flush()
        target = Path(workdir) / "poster-signed.jpg"
        credentials.sign_media(source.name, target, **common)
        return target.read_bytes()

"""What a file says about where it came from: its C2PA credentials and this install's watermark.

A library: `inspect_file` reads one file (bounded: the container is sniffed before anything is decoded,
at most `MAX_FRAMES` video frames are read, images are decoded at reduced size) and reports facts; the
caller (`generations.actions.provenance`) looks up the generation a payload or manifest names.
"""

import tempfile
from dataclasses import dataclass

import av
import c2pa
import numpy as np
from PIL import Image

from generations.provenance import credentials, identity, watermark

MAX_FRAMES = 240  # ten seconds at 24 fps: the pattern is the same in every frame, more adds little
PIXEL_BUDGET = MAX_FRAMES * 1280 * 720  # 240 frames of 720p, or fewer of a larger size
MAX_SIDE = 4096
IMAGE_ANALYSIS_SIDE = 1024

VIDEO, IMAGE = "video", "image"
AUDIO = "audio"  # a sound kind's MP3 (or a WAV): content credentials only, no picture to hold a watermark
_IMAGE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


class UnsupportedMedia(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Sniffed:
    media: str  # VIDEO or IMAGE
    mime_type: str


def sniff(path) -> Sniffed:
    """The file's kind from its first bytes (never its name): MP4/MOV, JPEG, PNG or WebP."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    for magic, mime_type in _IMAGE_TYPES.items():
        if head.startswith(magic):
            return Sniffed(IMAGE, mime_type)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(IMAGE, "image/webp")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return Sniffed(VIDEO, "video/quicktime" if brand == b"qt  " else "video/mp4")
    sound = _sniff_sound(head)
    if sound is not None:
        return sound
    raise UnsupportedMedia("unsupported_media", "Only MP4 or MOV videos, JPEG, PNG or WebP images and MP3 or WAV sounds can be checked.")


def _sniff_sound(head: bytes) -> Sniffed | None:
    """An MP3 (an ID3 tag or an MPEG audio frame header first) or a WAV (RIFF WAVE)."""
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return Sniffed(AUDIO, "audio/mpeg")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed(AUDIO, "audio/wav")
    return None


def inspect_file(path, *, trust_anchor_pem: bytes | None, mark_identity: identity.WatermarkIdentity | None) -> dict:
    """{"media", "mime_type", "credentials": {...}, "watermark": {...}} for the file at `path`."""
    sniffed = sniff(path)
    report = {"media": sniffed.media, "mime_type": sniffed.mime_type}
    report["credentials"] = _credentials(path, sniffed.mime_type, trust_anchor_pem)
    report["watermark"] = _watermark(path, sniffed, mark_identity)
    return report


def _credentials(path, mime_type, trust_anchor_pem):
    try:
        return credentials.read_credentials(path, trust_anchor_pem=trust_anchor_pem, mime_type=mime_type)
    except c2pa.C2paError as error:  # a format c2pa cannot parse at all
        return {"state": "invalid", "reason": str(error)}


def _watermark(path, sniffed, mark_identity):
    if mark_identity is None:
        return {"checked": False, "found": False, "reason": "this install has no watermark key"}
    if sniffed.media == AUDIO:
        return {"checked": False, "found": False, "reason": "a sound carries no watermark: its content credentials are its mark"}
    accumulator = watermark.Accumulator()
    try:
        if sniffed.media == VIDEO:
            _accumulate_video(path, accumulator)
        else:
            accumulator.add(_image_frame(path))
    except (av.FFmpegError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise UnsupportedMedia("media_unreadable", f"The file could not be decoded ({type(error).__name__}).") from error
    if not accumulator.count:
        raise UnsupportedMedia("media_unreadable", "The file holds no decodable picture.")
    detection = accumulator.detect(mark_identity.key)
    result = {"checked": True, "found": detection.found, "confidence": round(float(detection.confidence), 3),
              "frames_read": accumulator.count}
    if detection.found and detection.payload:
        install, digest = identity.split_payload(detection.payload)
        result.update(install=install, digest=digest, this_install=install == mark_identity.install_hex)
    return result


def _accumulate_video(path, accumulator):
    """Feed frames one at a time (nothing kept but the running sum), at most MAX_FRAMES and at most
    PIXEL_BUDGET pixels in all, so a huge frame size costs a few frames, not gigabytes."""
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise UnsupportedMedia("media_unreadable", "The file has no video stream.")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width or 0, stream.codec_context.height or 0
        if max(width, height) > MAX_SIDE:
            raise UnsupportedMedia("media_too_large", f"Videos larger than {MAX_SIDE} px on a side are not checked.")
        limit = max(1, min(MAX_FRAMES, PIXEL_BUDGET // max(1, width * height)))
        for frame in container.decode(stream):
            accumulator.add(frame.to_ndarray(format="rgb24"))
            if accumulator.count >= limit:
                break


def _image_frame(path):
    with Image.open(path) as image:
        if image.width * image.height > MAX_SIDE * MAX_SIDE:
            raise UnsupportedMedia("media_too_large", f"Images above {MAX_SIDE}×{MAX_SIDE} pixels are not checked.")
        image.draft("RGB", (IMAGE_ANALYSIS_SIDE, IMAGE_ANALYSIS_SIDE))
        image = image.convert("RGB")
        image.thumbnail((IMAGE_ANALYSIS_SIDE * 2, IMAGE_ANALYSIS_SIDE * 2))
        return np.asarray(image)


def inspect_image_bytes(data: bytes, analysis_jpeg: bytes | None, *, trust_anchor_pem, mark_identity) -> dict:
    """`inspect_file` for a submitted image already checked by `inputs.images`: credentials from the original
    bytes, the watermark from its reduced analysis copy (so a large image is not decoded a second time)."""
    with tempfile.NamedTemporaryFile() as original:
        original.write(data)
        original.flush()
        sniffed = sniff(original.name)
        report = {"media": sniffed.media, "mime_type": sniffed.mime_type}
        report["credentials"] = _credentials(original.name, sniffed.mime_type, trust_anchor_pem)
    with tempfile.NamedTemporaryFile(suffix=".jpg") as reduced:
        reduced.write(analysis_jpeg or data)
        reduced.flush()
        report["watermark"] = _watermark(reduced.name, Sniffed(IMAGE, "image/jpeg"), mark_identity)
    return report

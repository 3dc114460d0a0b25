"""Input images for image→video: checked by content, never by name or declared type.

The rules are the upstream's (shared/KLING_API.md §3.2): JPEG or PNG, ≤ 10 MB, both sides ≥ 300 px,
aspect between 1:2.5 and 2.5:1. Decompression bombs are refused before any pixel is decoded: the pixel
cap (MAX_INPUT_IMAGE_PIXELS) is read from the header. What passes is decoded exactly once, into a small
analysis copy (at most ANALYSIS_MAX_SIDE px, JPEG decoded at reduced scale) that the face check and the
scanner read instead of the original, so neither decodes a large image again.
"""

import base64
import binascii
import hashlib
import io
import re
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from generations import outbound
from generations.errors import GenerationError

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MIN_IMAGE_SIDE = 300
MAX_ASPECT = 2.5
# The default pixel cap (the setting MAX_INPUT_IMAGE_PIXELS overrides it): 4096 × 4096, about 64 MB decoded
# as RGBA, the most one request's image may cost in memory.
MAX_IMAGE_PIXELS = 4096 * 4096
# The long side of the copy the face check and the scanner look at (they work at or below this size).
ANALYSIS_MAX_SIDE = 1024
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
_DATA_URL = re.compile(r"^data:image/[a-zA-Z0-9.+-]+;base64,")


@dataclass(frozen=True)
class InputImage:
    data: bytes
    content_type: str
    width: int
    height: int
    # A JPEG of at most ANALYSIS_MAX_SIDE px for faces and scanning; None when not made (then use data).
    analysis_data: bytes | None = None

    @property
    def for_analysis(self) -> bytes:
        return self.analysis_data or self.data

    @property
    def extension(self):
        return "png" if self.content_type == "image/png" else "jpg"

    @property
    def stored_fields(self) -> dict:
        """What a stored copy of the image records about it (an input Asset, an element's ElementImage)."""
        return {"content_type": self.content_type, "size_bytes": len(self.data),
                "sha256": hashlib.sha256(self.data).hexdigest(), "width": self.width, "height": self.height}


def inspect_image(data: bytes, *, field: str = "image") -> InputImage:
    """Validate raw image bytes; raise GenerationError with a stable code naming what is wrong."""
    if len(data) > MAX_IMAGE_BYTES:
        raise GenerationError("image_too_large", f"{field} must be at most 10 MB; it is {len(data) / 1e6:.1f} MB.", field=field)
    if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        raise GenerationError("image_unsupported_format", f"{field} must be a JPEG or PNG image.", field=field)
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            image_format = image.format
            max_pixels = settings.MAX_INPUT_IMAGE_PIXELS
            if width * height > max_pixels:
                raise GenerationError(
                    "image_too_many_pixels",
                    f"{field} has {width}×{height} pixels; the limit is {max_pixels / 1e6:.1f} megapixels.", field=field,
                )
            image.verify()  # structure and checksums, without decoding every pixel
    except GenerationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise GenerationError("image_corrupt", f"{field} could not be read as an image.", field=field) from exc
    if image_format not in _FORMATS:
        raise GenerationError("image_unsupported_format", f"{field} must be a JPEG or PNG image.", field=field)
    if min(width, height) < MIN_IMAGE_SIDE:
        raise GenerationError(
            "image_too_small", f"{field} must be at least {MIN_IMAGE_SIDE} px on each side; it is {width}×{height}.", field=field
        )
    if max(width / height, height / width) > MAX_ASPECT:
        raise GenerationError(
            "image_aspect_out_of_range", f"{field} must have an aspect ratio between 1:2.5 and 2.5:1; it is {width}×{height}.", field=field
        )
    return InputImage(
        data=data, content_type=_FORMATS[image_format], width=width, height=height, analysis_data=_analysis_copy(data, field=field)
    )


def _analysis_copy(data: bytes, *, field: str) -> bytes:
    """The one full decode of an input image: JPEG at reduced scale (draft); other images shrunk band by
    band, so no full-size copy (premultiplied alpha, RGB conversion) is ever made beside the decoded one."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (ANALYSIS_MAX_SIDE, ANALYSIS_MAX_SIDE))
            image.load()
            width, height = image.size
            factor = max(1, -(-max(width, height) // ANALYSIS_MAX_SIDE))
            if factor == 1:
                small = _rgb(image)
            else:
                small = Image.new("RGB", (-(-width // factor), -(-height // factor)))
                band = factor * 64
                for top in range(0, height, band):
                    strip = _rgb(image.crop((0, top, width, min(height, top + band))))
                    small.paste(strip.reduce(factor), (0, top // factor))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise GenerationError("image_corrupt", f"{field} could not be read as an image.", field=field) from exc
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _rgb(image):
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        image = image.point(lambda value: value / 256).convert("L")  # 16-bit greyscale to 8-bit
    return image.convert("RGB")


def decode_base64_image(text: str, *, field: str = "image") -> bytes:
    """Raw bytes of a base64 image; a `data:image/…;base64,` prefix is accepted and removed."""
    text = _DATA_URL.sub("", text.strip())
    # Base64 inflates by 4/3: refuse before decoding anything far beyond the limit.
    if len(text) > MAX_IMAGE_BYTES * 4 // 3 + 16:
        raise GenerationError("image_too_large", f"{field} must be at most 10 MB.", field=field)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise GenerationError("image_invalid_base64", f"{field} is not valid base64.", field=field) from exc


def upstream_base64(data: bytes) -> str:
    """What the upstream wants: raw base64 with no data: prefix."""
    return base64.b64encode(data).decode()


def load_image(value, *, field: str = "image") -> InputImage:
    """An InputImage from an upload (file object or bytes), an http(s) URL (fetched through the outbound
    guard), or base64 text. Raises GenerationError with a stable code."""
    if hasattr(value, "read"):
        data = value.read(MAX_IMAGE_BYTES + 1)
    elif isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    elif isinstance(value, str) and value.strip().lower().startswith(("http://", "https://")):
        try:
            data = outbound.fetch(value.strip(), max_bytes=MAX_IMAGE_BYTES)
        except outbound.UrlNotAllowed as exc:
            raise GenerationError("url_not_allowed", exc.message, field=field, http_status=422) from exc
        except outbound.FetchFailed as exc:
            code = {"too_slow": "image_fetch_too_slow", "too_large": "image_too_large"}.get(exc.reason, "image_fetch_failed")
            raise GenerationError(code, exc.message, field=field, http_status=422) from exc
    elif isinstance(value, str):
        data = decode_base64_image(value, field=field)
    else:
        raise GenerationError("invalid_field_type", f"{field} must be base64 text, a URL or an upload.", field=field)
    return inspect_image(data, field=field)

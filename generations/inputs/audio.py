"""Input audio for lip-sync: checked by content (it must decode, with an audio stream of a sane length),
never by name or declared type.

The upstream takes mp3, wav, m4a or aac files up to 5 MB; we also refuse audio shorter than 2 s (nothing
to sync) or longer than 60 s (longer than any clip it could be synced to).

A small file can decode into hours of 8-channel 192 kHz audio, so the order matters: the container and
codec are probed against an allow-list, the header's sample rate and channel count are checked, and
only then is anything decoded — stopping at the duration limit and at a CPU budget per upload.
"""

import base64
import binascii
import io
import re
import time
from dataclasses import dataclass

import av
from django.conf import settings

from generations.errors import GenerationError

MAX_AUDIO_BYTES = 5 * 1024 * 1024
MIN_AUDIO_SECONDS, MAX_AUDIO_SECONDS = 2.0, 60.0
_DATA_URL = re.compile(r"^data:audio/[a-zA-Z0-9.+-]+;base64,")
# Container → (content type, file extension) for the formats the upstream accepts.
_FORMATS = {
    "wav": ("audio/wav", "wav"),
    "mp3": ("audio/mpeg", "mp3"),
    "mov,mp4,m4a,3gp,3g2,mj2": ("audio/mp4", "m4a"),
    "aac": ("audio/aac", "aac"),
}


# Decoders for what those containers carry in practice; anything else (flac, opus, dts…) is refused unopened.
_CODECS = {
    "wav": {"pcm_s16le", "pcm_s24le", "pcm_u8", "pcm_f32le", "pcm_s32le", "pcm_mulaw", "pcm_alaw"},
    "mp3": {"mp3", "mp3float"},
    "mov,mp4,m4a,3gp,3g2,mj2": {"aac", "mp3", "mp3float"},
    "aac": {"aac"},
}


@dataclass(frozen=True)
class InputAudio:
    data: bytes
    content_type: str
    extension: str
    duration_s: float


def _looks_like_audio(data: bytes) -> bool:
    return (
        (data[:4] == b"RIFF" and data[8:12] == b"WAVE")
        or data[:3] == b"ID3"
        or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)  # MPEG frame sync (mp3, ADTS aac)
        or data[4:8] == b"ftyp"  # m4a
    )


def inspect_audio(data: bytes, *, field: str = "audio") -> InputAudio:
    if len(data) > MAX_AUDIO_BYTES:
        raise GenerationError("audio_too_large", f"{field} must be at most 5 MB; it is {len(data) / 1e6:.1f} MB.", field=field)
    if not _looks_like_audio(data):
        raise GenerationError("audio_unsupported_format", f"{field} must be an mp3, wav, m4a or aac file.", field=field)
    max_rate, max_channels = settings.AUDIO_MAX_SAMPLE_RATE, settings.AUDIO_MAX_CHANNELS
    cpu_budget = settings.AUDIO_DECODE_CPU_S
    try:
        with av.open(io.BytesIO(data)) as container:
            formats = container.format.name
            if formats not in _CODECS:
                raise GenerationError("audio_unsupported_format", f"{field} must be an mp3, wav, m4a or aac file.", field=field)
            if not container.streams.audio or container.streams.video:
                raise GenerationError("audio_unsupported_format", f"{field} must contain audio only.", field=field)
            stream = container.streams.audio[0]
            codec = stream.codec_context
            if codec.name not in _CODECS[formats]:
                raise GenerationError(
                    "audio_unsupported_codec", f"{field} is encoded as {codec.name}; use mp3, aac or PCM audio.", field=field
                )
            if not 0 < (codec.sample_rate or 0) <= max_rate or not 0 < (codec.channels or 0) <= max_channels:
                raise GenerationError(
                    "audio_parameters_out_of_range",
                    f"{field} must have at most {max_channels} channels at up to {max_rate} Hz; "
                    f"it has {codec.channels} at {codec.sample_rate} Hz.",
                    field=field,
                )
            seconds = 0.0
            cpu_started = time.thread_time()
            for frame in container.decode(stream):  # decoding proves it is not truncated or corrupt…
                seconds = max(seconds, float((frame.pts or 0) * frame.time_base) + frame.samples / (frame.sample_rate or 1))
                if seconds > MAX_AUDIO_SECONDS:
                    break  # …up to the limit: what lies beyond it is refused without being decoded
                if time.thread_time() - cpu_started > cpu_budget:
                    raise GenerationError(
                        "audio_too_complex", f"{field} takes too long to decode; send a plain mp3, aac or wav file.", field=field
                    )
    except GenerationError:
        raise
    except (av.FFmpegError, ValueError, OSError, IndexError, ZeroDivisionError) as exc:
        raise GenerationError("audio_corrupt", f"{field} could not be decoded as audio.", field=field) from exc
    content_type, extension = _FORMATS[formats]
    if seconds > MAX_AUDIO_SECONDS:
        raise GenerationError(
            "audio_duration_out_of_range",
            f"{field} must last {MIN_AUDIO_SECONDS:g}–{MAX_AUDIO_SECONDS:g} seconds; it lasts longer than {MAX_AUDIO_SECONDS:g}.",
            field=field,
        )
    if seconds < MIN_AUDIO_SECONDS:
        raise GenerationError(
            "audio_duration_out_of_range",
            f"{field} must last {MIN_AUDIO_SECONDS:g}–{MAX_AUDIO_SECONDS:g} seconds; it lasts {seconds:.1f}.",
            field=field,
        )
    return InputAudio(data=data, content_type=content_type, extension=extension, duration_s=round(seconds, 3))


def load_audio(value, *, field: str = "audio") -> InputAudio:
    """An InputAudio from an upload (file object), bytes, or base64 text (a data:audio/… prefix is accepted)."""
    if hasattr(value, "read"):
        data = value.read(MAX_AUDIO_BYTES + 1)
    elif isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    elif isinstance(value, str):
        text = _DATA_URL.sub("", value.strip())
        if len(text) > MAX_AUDIO_BYTES * 4 // 3 + 16:
            raise GenerationError("audio_too_large", f"{field} must be at most 5 MB.", field=field)
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise GenerationError("audio_invalid_base64", f"{field} is not valid base64.", field=field) from exc
    else:
        raise GenerationError("invalid_field_type", f"{field} must be base64 text or an upload.", field=field)
    return inspect_audio(data, field=field)


def waveform_jpeg(data: bytes, *, width: int = 640, height: int = 240) -> bytes:
    """A poster for a sound: its peak envelope drawn as bars (JPEG). The audio was checked (inspect_audio) first."""
    # Pillow and NumPy only draw the poster; imported here, as only the worker delivering a sound needs them.
    import numpy as np
    from PIL import Image, ImageDraw

    peaks = np.zeros(width // 4, np.float32)
    with av.open(io.BytesIO(data)) as container:
        chunks = [frame.to_ndarray().reshape(-1) for frame in container.decode(container.streams.audio[0])]
    samples = np.abs(np.concatenate(chunks).astype(np.float32)) if chunks else np.zeros(1, np.float32)
    if samples.max() > 1.5:  # integer PCM
        samples /= 32768.0
    for index, part in enumerate(np.array_split(samples, len(peaks))):
        peaks[index] = float(part.max()) if len(part) else 0.0
    peaks /= max(float(peaks.max()), 1e-3)
    image = Image.new("RGB", (width, height), (24, 28, 40))
    draw = ImageDraw.Draw(image)
    middle = height // 2
    for index, peak in enumerate(peaks):
        half = max(1, int(peak * (middle - 12)))
        draw.rectangle((index * 4 + 1, middle - half, index * 4 + 2, middle + half), fill=(120, 200, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()

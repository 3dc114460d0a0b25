"""Decoding what clients hand in or point at (source videos, speech audio) with PyAV.

Everything here takes a file path or the file's bytes and raises `MediaError` with a short reason that
validation turns into a 1201 message; nothing here knows about HTTP.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import av
import numpy as np

# Speech is decoded to one channel at this rate: plenty for an envelope and for the AAC track it becomes.
AUDIO_RATE = 24_000
# Container names (PyAV's, split on ",") that hold the mp3/wav/m4a/aac the upstream accepts.
AUDIO_CONTAINERS = frozenset({"mp3", "wav", "aac", "mp4", "m4a", "mov"})
# Source videos are .mp4/.mov, as upstream; this also keeps still images (which FFmpeg opens as one-frame
# "videos") out.
VIDEO_CONTAINERS = frozenset({"mp4", "mov"})

MediaSource = str | bytes  # a file path, or a whole file in memory


class MediaError(ValueError):
    """The input is not usable; the message completes a sentence that starts with the field name."""


class MediaTooLong(MediaError):
    """Longer than the caller's limit (found before decoding all of it)."""


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    duration_s: float
    frames: int


@dataclass(frozen=True)
class AudioClip:
    samples: np.ndarray  # mono float32 in [-1, 1]
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def _open(source: MediaSource):
    return av.open(source if isinstance(source, str) else io.BytesIO(source), mode="r")


def probe_video(source: MediaSource) -> VideoInfo:
    """Size, rate and length of a video, after decoding its first frame (a header alone proves little)."""
    try:
        with _open(source) as container:
            if not VIDEO_CONTAINERS & set(container.format.name.split(",")):
                raise MediaError("must be an mp4 or mov video")
            if not container.streams.video:
                raise MediaError("has no video stream")
            stream = container.streams.video[0]
            if next(container.decode(stream), None) is None:
                raise MediaError("has no video frames")
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            if stream.duration is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
            else:
                raise MediaError("does not say how long it is")
            width, height = stream.codec_context.width, stream.codec_context.height
            frames = stream.frames or round(duration * fps)
    except MediaError:
        raise
    except Exception:  # noqa: BLE001 - hostile files fail in many ways inside FFmpeg; all mean "not a video"
        raise MediaError("could not be decoded as a video") from None
    if fps <= 0 or width < 2 or height < 2:
        raise MediaError("could not be decoded as a video")
    return VideoInfo(width=width, height=height, fps=fps, duration_s=duration, frames=frames)


def even_size(width: int, height: int) -> tuple[int, int]:
    """yuv420p needs even sides: an odd source loses its last row or column."""
    return width - width % 2, height - height % 2


def video_frames(source: MediaSource, *, fps: int, count: int) -> Iterator[np.ndarray]:
    """`count` RGB frames at `fps`: for each output instant, the source frame showing then.

    Streams the decode, so a long source never sits in memory; a source at the same rate maps one to
    one, and one that ends early repeats its last frame.
    """
    with _open(source) as container:
        stream = container.streams.video[0]
        width, height = even_size(stream.codec_context.width, stream.codec_context.height)
        decoded = container.decode(stream)
        upcoming = next(decoded, None)
        if upcoming is None:
            raise MediaError("has no video frames")
        origin = upcoming.time or 0.0
        current, pixels = None, None
        for index in range(count):
            # Half an output frame of slack picks the nearest frame when the rates differ.
            moment = index / fps + 0.5 / fps
            while upcoming is not None and (current is None or (upcoming.time or 0.0) - origin < moment):
                current, pixels = upcoming, None
                upcoming = next(decoded, None)
            if pixels is None:
                pixels = current.to_ndarray(format="rgb24")[:height, :width]
            yield pixels


def decode_audio(data: bytes, max_seconds: float) -> AudioClip:
    """Mono float samples at AUDIO_RATE; refuses audio longer than `max_seconds` without decoding it all."""
    chunks: list[np.ndarray] = []
    limit = int((max_seconds + 1.0) * AUDIO_RATE)
    total = 0
    try:
        with _open(data) as container:
            if not AUDIO_CONTAINERS & set(container.format.name.split(",")):
                raise MediaError("must be mp3, wav, m4a or aac")
            if not container.streams.audio:
                raise MediaError("has no audio stream")
            stream = container.streams.audio[0]
            if container.duration is not None and container.duration / av.time_base > max_seconds + 1.0:
                raise MediaTooLong(f"is longer than {max_seconds:g}s")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
            for frame in container.decode(stream):
                for mono in resampler.resample(frame):
                    chunks.append(mono.to_ndarray().reshape(-1))
                    total += mono.samples
                if total > limit:  # the header can lie about the length
                    raise MediaTooLong(f"is longer than {max_seconds:g}s")
            for mono in resampler.resample(None):
                chunks.append(mono.to_ndarray().reshape(-1))
    except MediaError:
        raise
    except Exception:  # noqa: BLE001 - hostile files fail in many ways inside FFmpeg; all mean "not audio"
        raise MediaError("could not be decoded as audio (mp3, wav, m4a or aac)") from None
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    return AudioClip(samples=np.clip(samples, -1.0, 1.0), sample_rate=AUDIO_RATE)

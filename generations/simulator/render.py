"""Render stand-in clips: real, browser-playable H.264 MP4s, deterministic from (prompt, seed).

Text→video: a drifting gradient from a hash of the prompt, shapes on Lissajous paths, the prompt's
words on a caption panel and a progress bar. Image→video: a slow Ken-Burns zoom/pan over the
image (cross-fading into the end frame when one is given) with the same caption and bar.

Everything that does not change between frames is precomputed, so a frame is a slice copy plus a
few small blends; libx264 (ultrafast) does the rest. `encode_mp4` and the Ken-Burns camera, caption and
progress bar are shared with render_videos.py (extend, lip-sync) and render_images.py (effects, multi-image).
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import os
import random
import shutil
import struct
import tempfile
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from .media import AUDIO_RATE, AudioClip, MediaError, decode_audio, probe_video, video_frames

SIZES = {"16:9": (640, 360), "9:16": (360, 640), "1:1": (480, 480)}
IMAGE_LONG_SIDE = 640
MAX_CAPTION_LINES = 4


def output_size_for_image(width: int, height: int, long_side: int = IMAGE_LONG_SIDE) -> tuple[int, int]:
    """The image's aspect, longest side `long_side`, both sides even (yuv420p needs it)."""
    scale = long_side / max(width, height)
    return (max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2))


def render_clip(
    prompt: str,
    *,
    duration: float,
    aspect_ratio: str = "16:9",
    seed: int = 0,
    fps: int = 24,
    image: Image.Image | None = None,
    end_image: Image.Image | None = None,
    audio: AudioClip | None = None,
) -> bytes:
    """Return an H.264 (yuv420p) MP4 with the moov atom before mdat (faststart), with `audio` as its sound."""
    if duration <= 0:
        raise ValueError("duration must be positive")
    if image is None and end_image is not None:
        # Only an end frame: zoom out of it so the clip lands on it.
        image, end_image = end_image, None
        reverse_zoom = True
    else:
        reverse_zoom = False
    rng = random.Random(seed_digest(prompt, seed))
    frame_count = max(1, round(duration * fps))

    if image is not None:
        width, height = output_size_for_image(*image.size)
        scene = KenBurns(image, end_image, width, height, rng, reverse_zoom)
    else:
        if aspect_ratio not in SIZES:
            raise ValueError(f"aspect_ratio must be one of {', '.join(SIZES)}")
        width, height = SIZES[aspect_ratio]
        scene = Shapes(width, height, rng)
    caption = Overlay.caption(prompt, width, height)
    bar_colour = np.array(bright_colour(rng), dtype=np.uint8)

    def frames():
        for index in range(frame_count):
            pixels = scene.frame(index / fps, index / max(1, frame_count - 1))
            if caption is not None:
                caption.apply(pixels)
            progress_bar(pixels, (index + 1) / frame_count, bar_colour)
            yield pixels

    return encode_mp4(frames(), width=width, height=height, fps=fps, audio=audio)


def soundtrack(prompt: str, *, duration: float, seed: int = 0) -> AudioClip:
    """What `sound: on` adds: a soft chord whose notes the prompt picks, fading in and out over the clip."""
    rng = random.Random(seed_digest(prompt, seed))
    count = max(1, round(duration * AUDIO_RATE))
    t = np.arange(count, dtype=np.float32) / AUDIO_RATE
    root = rng.choice((196.0, 220.0, 246.9, 261.6, 293.7))
    chord = sum(np.sin(2 * np.pi * root * ratio * t) for ratio in (1.0, 1.25, 1.5)) / 3
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.25)
    return AudioClip(samples=(0.3 * chord * fade).astype(np.float32), sample_rate=AUDIO_RATE)


def encode_mp4(frames: Iterable[np.ndarray], *, width: int, height: int, fps: int, audio: AudioClip | None = None) -> bytes:
    """H.264 (yuv420p) MP4 with the moov atom before mdat (faststart), optionally with an AAC track.

    `frames` are RGB arrays of (height, width, 3); the audio is cut or padded with silence to the video's
    length and interleaved with it, so a browser can start playing before the whole file has arrived.
    """
    workdir = tempfile.mkdtemp(prefix="sim-render-")
    try:
        path = os.path.join(workdir, "clip.mp4")
        # faststart rewrites the file in a second pass, so the muxer needs a real, re-openable path.
        with av.open(path, mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = container.add_stream("libx264", rate=fps)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {"preset": "ultrafast", "crf": "23"}
            stream.codec_context.time_base = Fraction(1, fps)
            # One encoder thread: byte-identical output on any machine, and a core left for the server.
            stream.codec_context.thread_count = 1
            sound = _AudioMuxer(container, audio) if audio is not None else None
            index = 0
            for pixels in frames:
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                frame.pts = index
                frame.time_base = Fraction(1, fps)
                for packet in stream.encode(frame):
                    container.mux(packet)
                index += 1
                if sound is not None:
                    sound.feed_until(index / fps)
            for packet in stream.encode():
                container.mux(packet)
            if sound is not None:
                sound.finish(index / fps)
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class _AudioMuxer:
    """Feeds an AudioClip to an AAC stream in step with the video, so packets interleave."""

    def __init__(self, container, audio: AudioClip):
        self.container = container
        self.samples, self.rate = audio.samples, audio.sample_rate
        self.stream = container.add_stream("aac", rate=self.rate, layout="mono")
        self.position = 0

    def feed_until(self, seconds: float) -> None:
        end = round(seconds * self.rate)
        if end <= self.position:
            return
        chunk = self.samples[self.position : end]
        if len(chunk) < end - self.position:  # the video outlasts the audio: silence
            chunk = np.concatenate([chunk, np.zeros(end - self.position - len(chunk), np.float32)])
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk, dtype=np.float32)[None, :], format="fltp", layout="mono")
        frame.sample_rate = self.rate
        frame.pts = self.position
        frame.time_base = Fraction(1, self.rate)
        self.position = end
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def finish(self, seconds: float) -> None:
        self.feed_until(seconds)
        for packet in self.stream.encode():
            self.container.mux(packet)


def probe_clip(data: bytes) -> dict:
    """Decode a clip and report what a player would see."""
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        if stream.duration is not None:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = container.duration / av.time_base
        return {
            "duration": duration,
            "width": stream.codec_context.width,
            "height": stream.codec_context.height,
            "codec": stream.codec_context.name,
            "pix_fmt": stream.codec_context.pix_fmt,
            "fps": float(stream.average_rate) if stream.average_rate else None,
            "frames": frames,
            "faststart": _moov_before_mdat(data),
        }


def _moov_before_mdat(data: bytes) -> bool:
    offset, order = 0, []
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        elif size == 0:
            size = len(data) - offset
        order.append(kind)
        if size < 8:
            break
        offset += size
    return b"moov" in order and b"mdat" in order and order.index(b"moov") < order.index(b"mdat")


def seed_digest(prompt: str, seed: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}\x00{prompt}".encode()).digest()[:16], "big")


def bright_colour(rng: random.Random) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(rng.random(), rng.uniform(0.55, 0.9), rng.uniform(0.85, 1.0))
    return (int(r * 255), int(g * 255), int(b * 255))


class Shapes:
    """A panning two-colour gradient with circles and rectangles on Lissajous paths."""

    def __init__(self, width: int, height: int, rng: random.Random):
        self.width, self.height = width, height
        hue = rng.random()
        top = np.array(colorsys.hsv_to_rgb(hue, rng.uniform(0.5, 0.9), rng.uniform(0.25, 0.5)))
        bottom = np.array(colorsys.hsv_to_rgb((hue + rng.uniform(0.25, 0.6)) % 1.0, rng.uniform(0.5, 0.9), rng.uniform(0.45, 0.75)))
        # A texture wider than the frame: each frame is a horizontal slice of it, so the gradient drifts.
        self.pan = width // 2
        ys = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
        xs = np.linspace(0.0, 1.0, width + self.pan, dtype=np.float32)[None, :]
        angle = rng.uniform(0.0, 2 * math.pi)
        ripple = 0.12 * np.sin(xs * rng.uniform(4, 9) + ys * rng.uniform(2, 6) + angle)
        mix = np.clip(0.65 * ys + 0.35 * xs + ripple, 0.0, 1.0)[..., None]
        texture = (top[None, None, :] * (1 - mix) + bottom[None, None, :] * mix) * 255
        self.texture = texture.astype(np.uint8)
        self.pan_hz = rng.uniform(0.05, 0.15)
        self.shapes = [_Sprite.random(width, height, rng) for _ in range(rng.randint(4, 7))]

    def frame(self, t: float, progress: float) -> np.ndarray:
        offset = int(self.pan * (0.5 + 0.5 * math.sin(2 * math.pi * self.pan_hz * t)))
        pixels = self.texture[:, offset : offset + self.width].copy()
        for sprite in self.shapes:
            sprite.draw(pixels, t)
        return pixels


@dataclass
class _Sprite:
    premultiplied: np.ndarray  # colour * alpha, float32 (h, w, 3)
    transparency: np.ndarray  # 1 - alpha, float32 (h, w, 1)
    centre: tuple[float, float]
    amplitude: tuple[float, float]
    hz: tuple[float, float]
    phase: tuple[float, float]

    @classmethod
    def random(cls, width: int, height: int, rng: random.Random) -> _Sprite:
        short = min(width, height)
        radius = int(rng.uniform(0.06, 0.15) * short)
        size = 2 * radius + 2
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
        if rng.random() < 0.5:
            distance = np.hypot(xx - size / 2 + 0.5, yy - size / 2 + 0.5)
            alpha = np.clip(radius + 0.5 - distance, 0.0, 1.0)  # anti-aliased edge
        else:
            alpha = np.zeros((size, size), np.float32)
            inset = int(radius * rng.uniform(0.0, 0.5))
            alpha[inset : size - inset, 1 : size - 1] = 1.0
        alpha *= rng.uniform(0.7, 0.95)
        colour = np.array(bright_colour(rng), dtype=np.float32)
        return cls(
            premultiplied=alpha[..., None] * colour,
            transparency=(1.0 - alpha)[..., None],
            centre=(width * rng.uniform(0.3, 0.7), height * rng.uniform(0.3, 0.7)),
            amplitude=(width * rng.uniform(0.15, 0.4), height * rng.uniform(0.15, 0.4)),
            hz=(rng.uniform(0.06, 0.3), rng.uniform(0.06, 0.3)),
            phase=(rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)),
        )

    def draw(self, pixels: np.ndarray, t: float) -> None:
        height, width = pixels.shape[:2]
        size = self.transparency.shape[0]
        x = int(self.centre[0] + self.amplitude[0] * math.sin(2 * math.pi * self.hz[0] * t + self.phase[0])) - size // 2
        y = int(self.centre[1] + self.amplitude[1] * math.sin(2 * math.pi * self.hz[1] * t + self.phase[1])) - size // 2
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + size, width), min(y + size, height)
        if x0 >= x1 or y0 >= y1:
            return
        region = pixels[y0:y1, x0:x1]
        sx, sy = slice(x0 - x, x1 - x), slice(y0 - y, y1 - y)
        region[:] = region * self.transparency[sy, sx] + self.premultiplied[sy, sx]


class KenBurns:
    """A slow zoom and pan over the input image; cross-fades into the end frame when there is one."""

    ZOOM = 0.15

    def __init__(self, image, end_image, width, height, rng: random.Random, reverse: bool, zoom_in: bool | None = None):
        self.width, self.height = width, height
        self.start = self.fit(image, width, height)
        self.end = self.fit(end_image, width, height) if end_image is not None else None
        if zoom_in is None:
            zoom_in = rng.random() < 0.5 if not reverse else False
        # Zooming in starts on the whole picture, so the first frame is the input image itself.
        self.zoom_in = zoom_in
        # Where the crop window drifts to, as a fraction of the free margin (0.5 = centred).
        self.from_xy = (rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8))
        self.to_xy = (rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8))
        if reverse:
            self.to_xy = (0.5, 0.5)

    @staticmethod
    def fit(image: Image.Image, width: int, height: int) -> Image.Image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        return ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)

    def _view(self, source: Image.Image, progress: float) -> np.ndarray:
        eased = progress * progress * (3 - 2 * progress)  # smoothstep: no jerk at either end
        zoom = 1.0 + self.ZOOM * (eased if self.zoom_in else 1.0 - eased)
        box_w, box_h = self.width / zoom, self.height / zoom
        fx = self.from_xy[0] + (self.to_xy[0] - self.from_xy[0]) * eased
        fy = self.from_xy[1] + (self.to_xy[1] - self.from_xy[1]) * eased
        left, top = (self.width - box_w) * fx, (self.height - box_h) * fy
        view = source.resize(
            (self.width, self.height), Image.Resampling.BILINEAR, box=(left, top, left + box_w, top + box_h)
        )
        return np.asarray(view)

    def frame(self, t: float, progress: float) -> np.ndarray:
        pixels = self._view(self.start, progress)
        if self.end is None:
            return pixels.copy()
        weight = progress * progress * (3 - 2 * progress)
        if weight <= 0.0:
            return pixels.copy()
        end = self._view(self.end, progress)
        return (pixels * (1.0 - weight) + end * weight).astype(np.uint8)


class Overlay:
    """A fixed RGBA patch (the caption) blended onto every frame at the same place."""

    def __init__(self, patch: Image.Image, x: int, y: int):
        rgba = np.asarray(patch, dtype=np.float32)
        alpha = rgba[..., 3:4] / 255.0
        self.premultiplied = rgba[..., :3] * alpha
        self.transparency = 1.0 - alpha
        self.x, self.y = x, y

    @classmethod
    def caption(cls, prompt: str, width: int, height: int) -> Overlay | None:
        words = " ".join((prompt or "").split())
        if not words:
            return None
        font_size = max(14, min(24, round(width / 30)))
        font = ImageFont.load_default(size=font_size)
        margin = max(8, width // 40)
        max_text_width = width - 4 * margin
        # Wrap by measured width, starting from an estimate in characters.
        chars = max(8, int(max_text_width / (font_size * 0.5)))
        while True:
            lines = textwrap.wrap(words, width=chars, break_long_words=True) or [""]
            if chars <= 8 or all(font.getlength(line) <= max_text_width for line in lines):
                break
            chars -= 2
        if len(lines) > MAX_CAPTION_LINES:
            lines = lines[:MAX_CAPTION_LINES]
            lines[-1] = lines[-1][: max(0, len(lines[-1]) - 3)].rstrip() + "..."
        line_height = int(font_size * 1.3)
        panel_w = int(max(font.getlength(line) for line in lines)) + 2 * margin
        panel_h = line_height * len(lines) + margin
        patch = Image.new("RGBA", (panel_w, panel_h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(patch)
        draw.rounded_rectangle((0, 0, panel_w - 1, panel_h - 1), radius=margin // 2, fill=(0, 0, 0, 150))
        for row, line in enumerate(lines):
            draw.text((margin, margin // 2 + row * line_height), line, font=font, fill=(255, 255, 255, 255))
        x = (width - panel_w) // 2
        y = height - panel_h - margin - 6  # above the progress bar
        return cls(patch, x, max(0, y))

    def apply(self, pixels: np.ndarray) -> None:
        h, w = self.transparency.shape[:2]
        region = pixels[self.y : self.y + h, self.x : self.x + w]
        region[:] = region * self.transparency + self.premultiplied


def progress_bar(pixels: np.ndarray, fraction: float, colour: np.ndarray) -> None:
    height, width = pixels.shape[:2]
    pixels[height - 4 :, : int(width * fraction)] = colour


UPSTREAM_MARK = "Kling AI (simulated)"


def _corner_mark(image: Image.Image, text: str) -> None:
    width, height = image.size
    font = ImageFont.load_default(size=max(10, height // 24))
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    margin = max(4, height // 60)
    x, y = width - (right - left) - 2 * margin, height - (bottom - top) - 2 * margin
    draw.rectangle((x - margin, y - margin, width - margin, height - margin), fill=(20, 20, 20))
    draw.text((x, y - top), text, font=font, fill=(235, 235, 235))


def watermarked_still(data: bytes, *, text: str = UPSTREAM_MARK) -> bytes:
    """An image result's `watermark_url` rendition: the same PNG with the visible corner mark."""
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGB")
    _corner_mark(image, text)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def watermarked_copy(data: bytes, *, text: str = UPSTREAM_MARK) -> bytes:
    """The upstream's `watermark_url` rendition: the same clip with its visible corner mark (and its sound)."""
    info = probe_video(data)
    fps = max(1, round(info.fps))
    try:
        audio = decode_audio(data, max_seconds=info.duration_s + 1)
    except MediaError:  # a clip without sound (the usual case) has no audio to keep
        audio = None
    width, height = info.width - info.width % 2, info.height - info.height % 2

    def frames():
        for pixels in video_frames(data, fps=fps, count=info.frames):
            image = Image.fromarray(pixels)
            _corner_mark(image, text)
            yield np.asarray(image)

    return encode_mp4(frames(), width=width, height=height, fps=fps, audio=audio)

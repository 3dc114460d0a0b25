"""Clips made from an existing video (video-extend, lip-sync) or made to speak (avatar).

Extend: every frame of the parent, then new seconds that start on the parent's last frame and drift
away from it (a Ken-Burns zoom over that frame), so the seam is invisible, as a real extension's is.

Lip-sync: the source frames with a level band over their lower part, driven by the speech's envelope: the
real sample envelope of an uploaded audio file, or a syllable-pulse envelope built from the text (with a
synthesised voice-like tone as the clip's AAC track). Avatar: the portrait with a slow push-in and the same
band and sound track. Pure functions of their inputs, like render.py.
"""

from __future__ import annotations

import math
import random
import re
import zlib

import numpy as np
from PIL import Image

from .media import (
    AUDIO_RATE,
    AudioClip,
    MediaSource,
    even_size,
    probe_video,
    video_frames,
)
from .render import (
    KenBurns,
    Overlay,
    bright_colour,
    encode_mp4,
    output_size_for_image,
    progress_bar,
    render_clip,
    seed_digest,
)
from .render_images import render_multi_image

# Levels per second in a speech envelope; the band shows the last BAND_HISTORY_S of it, newest on the right.
ENVELOPE_HZ = 100
BAND_HISTORY_S = 1.5
BAND_COLOUR = (70, 235, 190)
# Syllable timing at voice_speed 1.0; faster voices shorten every part.
SYLLABLE_S = 0.2
WORD_GAP_S = 0.07
PAUSE_S = 0.35
SPEECH_TOKEN = re.compile(r"[\u3400-\u9fff]|[^\W\d_]+|\d|[.,!?;:\u3002\uff0c\uff01\uff1f\u3001]")
VOWEL_GROUP = re.compile(r"[aeiouy\u00e0-\u00ff]+")


def output_fps(source_fps: float) -> int:
    """Whole frames per second near the source's (29.97 becomes 30), within what players expect."""
    return min(60, max(1, round(source_fps)))


def render_extension(parent: MediaSource, *, prompt: str, seconds: float, seed: int = 0) -> bytes:
    """The parent re-encoded frame for frame, then `seconds` more at the parent's size and rate."""
    info = probe_video(parent)
    fps = output_fps(info.fps)
    width, height = even_size(info.width, info.height)
    parent_frames = max(1, info.frames)
    extra_frames = max(1, round(seconds * fps))
    rng = random.Random(seed_digest(prompt, seed))
    caption = Overlay.caption(prompt, width, height)
    bar_colour = np.array(bright_colour(rng), dtype=np.uint8)

    def frames():
        last = None
        for pixels in video_frames(parent, fps=fps, count=parent_frames):
            last = pixels
            yield pixels
        # Zooming in from the whole frame: the first new frame is the parent's last one.
        drift = KenBurns(Image.fromarray(last), None, width, height, rng, reverse=False, zoom_in=True)
        for index in range(extra_frames):
            pixels = drift.frame(index / fps, index / max(1, extra_frames - 1))
            if caption is not None:
                caption.apply(pixels)
            progress_bar(pixels, (index + 1) / extra_frames, bar_colour)
            yield pixels

    return encode_mp4(frames(), width=width, height=height, fps=fps)


def render_lip_sync(
    source: MediaSource, *, duration: float, envelope: np.ndarray, audio: AudioClip | None = None
) -> bytes:
    """The source's frames for `duration` seconds with the level band; `audio` becomes the AAC track."""
    info = probe_video(source)
    fps = output_fps(info.fps)
    width, height = even_size(info.width, info.height)
    count = max(1, round(duration * fps))
    band = LevelBand(width, height)

    def frames():
        for index, pixels in enumerate(video_frames(source, fps=fps, count=count)):
            pixels = pixels.copy()
            band.draw(pixels, envelope, index / fps)
            yield pixels

    return encode_mp4(frames(), width=width, height=height, fps=fps, audio=audio)


def render_avatar(
    image: Image.Image, *, duration: float, envelope: np.ndarray, audio: AudioClip | None = None, seed: int = 0, fps: int = 24
) -> bytes:
    """The portrait for `duration` seconds, slowly pushed in, with the level band mouthing the speech;
    `audio` becomes the AAC track."""
    width, height = output_size_for_image(*image.size)
    count = max(1, round(duration * fps))
    rng = random.Random(seed_digest(f"avatar:{len(envelope)}", seed))
    scene = KenBurns(image, None, width, height, rng, reverse=False, zoom_in=True)
    band = LevelBand(width, height)

    def frames():
        for index in range(count):
            pixels = scene.frame(index / fps, index / max(1, count - 1))
            band.draw(pixels, envelope, index / fps)
            yield pixels

    return encode_mp4(frames(), width=width, height=height, fps=fps, audio=audio)


class LevelBand:
    """A darkened strip over the lower part of the frame with one bar per slice of recent speech."""

    def __init__(self, width: int, height: int):
        self.band_height = max(24, round(height * 0.22))
        self.top = height - self.band_height - max(4, height // 60)
        self.bar_width = max(3, width // 64)
        self.bars = width // self.bar_width
        columns = np.arange(width)
        # Which bar each column belongs to, and a one-pixel gap between bars.
        self.bar_of_column = np.minimum(columns // self.bar_width, self.bars - 1)
        self.is_gap = (columns % self.bar_width) == self.bar_width - 1
        self.offsets = np.abs(np.arange(self.band_height) - (self.band_height - 1) / 2)[:, None]
        self.colour = np.array(BAND_COLOUR, dtype=np.float32)

    def levels(self, envelope: np.ndarray, t: float) -> np.ndarray:
        """The envelope under each bar: the oldest on the left, the level at `t` on the right."""
        ages = (self.bars - 1 - np.arange(self.bars)) * (BAND_HISTORY_S / self.bars)
        if len(envelope) == 0:
            return np.zeros(self.bars, np.float32)
        indices = np.floor((t - ages) * ENVELOPE_HZ).astype(int)
        inside = (indices >= 0) & (indices < len(envelope))
        return np.where(inside, envelope[np.clip(indices, 0, len(envelope) - 1)], 0.0)

    def draw(self, pixels: np.ndarray, envelope: np.ndarray, t: float) -> None:
        region = pixels[self.top : self.top + self.band_height]
        half_heights = 1.0 + self.levels(envelope, t)[self.bar_of_column] * (self.band_height / 2 - 2)
        lit = (self.offsets <= half_heights[None, :]) & ~self.is_gap[None, :]
        shaded = region.astype(np.float32) * 0.35
        shaded[lit] = self.colour
        region[:] = shaded.astype(np.uint8)


# -- speech envelopes ----------------------------------------------------------------------------------


def audio_envelope(audio: AudioClip, rate: int = ENVELOPE_HZ) -> np.ndarray:
    """RMS level per 1/rate seconds, scaled so the loudest stretch is 1.0 (silence stays 0)."""
    window = max(1, audio.sample_rate // rate)
    count = len(audio.samples) // window
    if count == 0:
        return np.zeros(0, np.float32)
    blocks = audio.samples[: count * window].reshape(count, window).astype(np.float32)
    rms = np.sqrt(np.mean(blocks * blocks, axis=1))
    peak = float(np.percentile(rms, 98))
    if peak < 1e-4:
        return np.zeros(count, np.float32)
    return np.clip(rms / peak, 0.0, 1.0).astype(np.float32)


def speech_envelope(text: str, voice_speed: float = 1.0, rate: int = ENVELOPE_HZ) -> np.ndarray:
    """A deterministic stand-in for how loud `text` is when read aloud: one pulse per syllable.

    Words count their vowel groups, CJK characters and digits are a syllable each, punctuation is a
    pause; `voice_speed` 2.0 reads twice as fast.
    """
    levels: list[np.ndarray] = []

    def silence(seconds: float) -> None:
        levels.append(np.zeros(max(1, round(seconds / voice_speed * rate)), np.float32))

    for token in SPEECH_TOKEN.findall(text):
        if not token[0].isalnum():
            silence(PAUSE_S)
            continue
        syllables = max(1, len(VOWEL_GROUP.findall(token.lower())))
        for index in range(syllables):
            length = max(2, round(SYLLABLE_S / voice_speed * rate))
            loudness = 0.55 + 0.45 * (zlib.crc32(f"{token}\x00{index}".encode()) / 0xFFFFFFFF)
            # Clipped: sin(pi) rounds to a hair below zero, and a negative base to 0.7 is NaN.
            shape = np.clip(np.sin(np.linspace(0.0, math.pi, length, dtype=np.float32)), 0.0, 1.0) ** 0.7
            levels.append(loudness * shape)
        silence(WORD_GAP_S)
    return np.concatenate(levels).astype(np.float32) if levels else np.zeros(0, np.float32)


def synthesise_voice(envelope: np.ndarray, voice_id: str, rate: int = ENVELOPE_HZ) -> AudioClip:
    """A buzzy tone (a few harmonics at a pitch picked by the voice) shaped by the envelope."""
    pitch = 95.0 + zlib.crc32(voice_id.encode()) % 140
    count = int(len(envelope) * AUDIO_RATE / rate)
    if count == 0:
        return AudioClip(samples=np.zeros(AUDIO_RATE // 10, np.float32), sample_rate=AUDIO_RATE)
    t = np.arange(count, dtype=np.float32) / AUDIO_RATE
    phase = 2 * math.pi * pitch * t + 0.8 * np.sin(2 * math.pi * 5.0 * t)  # a little vibrato
    tone = sum(np.sin(harmonic * phase) / harmonic for harmonic in range(1, 6))
    loudness = np.interp(t, np.arange(len(envelope), dtype=np.float32) / rate, envelope)
    return AudioClip(samples=(0.25 * tone * loudness).astype(np.float32), sample_rate=AUDIO_RATE)


def render_omni(
    prompt: str, *, duration: float, aspect_ratio: str, images: list, image_types: list, video: bytes | None,
    refer_type: str, seed: int = 0, fps: int = 24,
) -> bytes:
    """omni-video: a clip to edit (refer_type base) comes back frame for frame under the prompt's caption; a
    first frame (and end frame) is animated as image→video; reference images share the clip as in
    multi-image→video; otherwise the prompt's clip. The references read as words in the caption."""
    caption_text = re.sub(r"<<<(image|video|element)_(\d+)>>>", r"\1 \2", prompt)
    if video is not None and refer_type == "base":
        info = probe_video(video)
        rate = output_fps(info.fps)
        width, height = even_size(info.width, info.height)
        caption = Overlay.caption(caption_text, width, height)

        def frames():
            for pixels in video_frames(video, fps=rate, count=max(1, info.frames)):
                if caption is not None:
                    caption.apply(pixels)
                yield pixels

        return encode_mp4(frames(), width=width, height=height, fps=rate)
    if "first_frame" in image_types:
        first = images[image_types.index("first_frame")]
        end = images[image_types.index("end_frame")] if "end_frame" in image_types else None
        return render_clip(caption_text, duration=duration, seed=seed, fps=fps, image=first, end_image=end)
    if images:
        return render_multi_image(images, caption_text, duration=duration, aspect_ratio=aspect_ratio or "16:9", seed=seed, fps=fps)
    return render_clip(caption_text, duration=duration, aspect_ratio=aspect_ratio or "16:9", seed=seed, fps=fps)


def render_motion(
    image: Image.Image, video: bytes, *, prompt: str, duration: float, character_orientation: str, seed: int = 0
) -> bytes:
    """motion-control: the character image for as long as the motion clip, slowly pushed in, with the clip's
    frames playing in an inset at the lower right (the motion it follows) under the prompt's caption. Facing as
    in the image keeps the image's shape; facing as in the video, the clip's. The clip's sound is not carried
    over (keep_original_sound only reaches the upstream)."""
    info = probe_video(video)
    fps = output_fps(info.fps)
    if character_orientation == "video":
        width, height = even_size(info.width, info.height)
    else:
        width, height = output_size_for_image(*image.size)
    count = max(1, round(duration * fps))
    rng = random.Random(seed_digest(f"motion:{prompt}", seed))
    scene = KenBurns(image, None, width, height, rng, reverse=False, zoom_in=True)
    inset_w, inset_h = even_size(max(16, width // 3), max(16, round(width // 3 * info.height / max(1, info.width))))
    inset_h = min(inset_h, height - 8)
    caption = Overlay.caption(prompt, width, height) if prompt else None

    def frames():
        for index, clip in enumerate(video_frames(video, fps=fps, count=count)):
            pixels = scene.frame(index / fps, index / max(1, count - 1))
            small = np.asarray(Image.fromarray(clip).resize((inset_w, inset_h)))
            pixels[height - inset_h - 4 : height - 4, width - inset_w - 4 : width - 4] = small
            if caption is not None:
                caption.apply(pixels)
            yield pixels

    return encode_mp4(frames(), width=width, height=height, fps=fps)


def render_multi_elements(
    video: bytes, images: list[Image.Image], *, prompt: str, edit_mode: str, selection: list[dict], duration: float,
    seed: int = 0,
) -> bytes:
    """multi-elements: the clip itself for `duration` seconds (its last frame held when it is shorter), with the
    marked points boxed on every frame (the element edited; removal greys the box out), the images an addition or a
    swap brings in an inset at the lower left, and the prompt's caption. Deterministic for the same inputs."""
    info = probe_video(video)
    fps = output_fps(info.fps)
    width, height = even_size(info.width, info.height)
    count = max(1, round(duration * fps))
    rng = random.Random(seed_digest(f"multi-elements:{edit_mode}:{prompt}", seed))
    colour = np.array(bright_colour(rng), dtype=np.uint8)
    half = max(2, min(width, height) // 20)
    boxes = [(round(point["x"] * (width - 1)), round(point["y"] * (height - 1))) for mark in selection for point in mark["points"]]
    inset = None
    if images:
        side = max(16, min(width, height) // 3)
        strip = Image.new("RGB", (side * len(images), side))
        for index, picture in enumerate(images):
            strip.paste(picture.convert("RGB").resize((side, side)), (index * side, 0))
        inset = np.asarray(strip.resize((min(strip.width, width - 8), min(side, height - 8))))
    caption = Overlay.caption(prompt, width, height) if prompt else None

    def frames():
        for clip in video_frames(video, fps=fps, count=count):
            pixels = np.array(Image.fromarray(clip).resize((width, height)))
            for cx, cy in boxes:
                top, bottom, left, right = max(0, cy - half), min(height, cy + half + 1), max(0, cx - half), min(width, cx + half + 1)
                if edit_mode == "removal":
                    pixels[top:bottom, left:right] = pixels[top:bottom, left:right].mean(axis=(0, 1), dtype=np.float32).astype(np.uint8)
                else:
                    pixels[top:bottom, left:right] = (pixels[top:bottom, left:right] // 2 + colour // 2)
            if inset is not None:
                pixels[height - inset.shape[0] - 4 : height - 4, 4 : 4 + inset.shape[1]] = inset
            if caption is not None:
                caption.apply(pixels)
            yield pixels

    return encode_mp4(frames(), width=width, height=height, fps=fps)

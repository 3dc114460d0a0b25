"""The sound kinds' renders: text-to-audio's sound effect and video-to-audio's soundtrack, encoded as MP3 and WAV,
and the source clip again with that soundtrack as its audio track.

A sound is deterministic from (prompt, seed): a few percussive bursts of filtered noise at times and pitches the
prompt's hash picks, over a soft bed of two tones (music, when a bgm_prompt asks for it, is a slow arpeggio);
asmr_mode makes the bursts closer and brighter. Nothing is meant to sound like the words: it is an audible,
checkable stand-in.
"""

from __future__ import annotations

import io
import random
from fractions import Fraction

import av
import numpy as np

from .media import AUDIO_RATE, AudioClip, MediaSource, probe_video, video_frames
from .render import encode_mp4, seed_digest
from .render_videos import output_fps

SOUND_FORMATS = ("mp3", "wav")


def sound_effect(prompt: str, *, seconds: float, seed: int = 0, music: str = "", asmr: bool = False) -> AudioClip:
    """Mono float samples at AUDIO_RATE, `seconds` long, fading in and out."""
    rng = random.Random(seed_digest(f"sound:{prompt}|{music}|{asmr}", seed))
    count = max(1, round(seconds * AUDIO_RATE))
    t = np.arange(count, dtype=np.float32) / AUDIO_RATE
    base = rng.choice((110.0, 130.8, 146.8, 164.8, 196.0))
    samples = 0.08 * (np.sin(2 * np.pi * base * t) + 0.5 * np.sin(2 * np.pi * base * 1.5 * t))
    noise = np.random.default_rng(rng.getrandbits(32)).uniform(-1.0, 1.0, count).astype(np.float32)
    for _ in range(max(2, round(seconds * (3 if asmr else 1.2)))):
        start, length = rng.uniform(0.0, max(0.1, seconds - 0.3)), rng.uniform(0.08, 0.6)
        first, last = int(start * AUDIO_RATE), min(count, int((start + length) * AUDIO_RATE))
        if last <= first:
            continue
        decay = np.exp(-np.linspace(0.0, 6.0, last - first, dtype=np.float32))
        # A crude low-pass (a moving average) whose width the pitch picks: darker or brighter noise.
        width = rng.choice((1, 2, 4, 8)) if asmr else rng.choice((4, 8, 16, 32))
        burst = np.convolve(noise[first:last], np.ones(width, np.float32) / width, mode="same")
        samples[first:last] += 0.5 * burst * decay
    if music:
        notes = [base * 2 * ratio for ratio in (1.0, 1.25, 1.5, 2.0)]
        step = max(1, AUDIO_RATE // 2)
        for index in range(0, count, step):
            end = min(count, index + step)
            samples[index:end] += 0.1 * np.sin(2 * np.pi * notes[(index // step) % 4] * t[index:end])
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.1)
    return AudioClip(samples=np.clip(samples * fade, -1.0, 1.0).astype(np.float32), sample_rate=AUDIO_RATE)


def encode_sound(audio: AudioClip, fmt: str) -> bytes:
    """The clip as an MP3 (LAME, 128 kb/s) or a 16-bit PCM WAV file."""
    if fmt not in SOUND_FORMATS:
        raise ValueError(f"format must be one of {', '.join(SOUND_FORMATS)}")
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=fmt) as container:
        stream = container.add_stream("libmp3lame" if fmt == "mp3" else "pcm_s16le", rate=audio.sample_rate, layout="mono")
        if fmt == "mp3":
            stream.bit_rate = 128_000
        frame_size = 1152 if fmt == "mp3" else 4096
        for position in range(0, len(audio.samples), frame_size):
            chunk = np.ascontiguousarray(audio.samples[position : position + frame_size], dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = audio.sample_rate, position, Fraction(1, audio.sample_rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def clip_with_sound(source: MediaSource, audio: AudioClip) -> bytes:
    """The source clip's frames again, with `audio` as its (only) audio track."""
    info = probe_video(source)
    fps = output_fps(info.fps)
    width, height = info.width - info.width % 2, info.height - info.height % 2
    frames = (pixels[:height, :width] for pixels in video_frames(source, fps=fps, count=info.frames))
    return encode_mp4(frames, width=width, height=height, fps=fps, audio=audio)

"""Render the lip-sync page's voice samples: one short WAV per voice, into studio/static/studio/voices/.

The samples are what the offline simulator's lip-sync puts on a clip's sound track for that voice (its
pitch, and the rhythm of the sample sentence read at normal speed): a stand-in, not the real service's
speech. The page says so. Deterministic: rendering again gives the same bytes, so a test can check the
committed files are what this renders.
"""

import io
import wave
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand

from generations.catalog import VOICE_IDS
from generations.simulator.render_videos import speech_envelope, synthesise_voice

SAMPLE_TEXT = "Hello! This is how I sound in your clip."
# A third of the simulator's rate: the tone's harmonics (under 1.2 kHz) stay far below this Nyquist, and the files stay small.
SAMPLE_RATE = 8_000
VOICES_DIR = Path(settings.BASE_DIR) / "studio" / "static" / "studio" / "voices"


def render_voice_sample(voice_id: str) -> bytes:
    """A mono 16-bit WAV of the simulator's voice `voice_id` saying SAMPLE_TEXT."""
    clip = synthesise_voice(speech_envelope(SAMPLE_TEXT, 1.0), voice_id)
    step = clip.sample_rate // SAMPLE_RATE
    samples = np.clip(clip.samples[::step], -1.0, 1.0)
    pcm = (samples * 32767).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Write one voice sample per lip-sync voice (the offline simulator's stand-in) to studio/static/studio/voices/."

    def handle(self, *args, **options):
        VOICES_DIR.mkdir(parents=True, exist_ok=True)
        for voice_id in VOICE_IDS:
            path = VOICES_DIR / f"{voice_id}.wav"
            path.write_bytes(render_voice_sample(voice_id))
            self.stdout.write(f"{path.relative_to(settings.BASE_DIR)} ({path.stat().st_size // 1024} KB)")

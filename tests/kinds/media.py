"""Test media made on the spot: images with structure (so effects visibly change them) and a WAV tone."""

import base64
import io
import math
import struct
import wave

from PIL import Image, ImageDraw


def image_bytes(size=(640, 480), seed=0, fmt="PNG") -> bytes:
    """Stripes and a circle in colours that depend on `seed`: no face, plenty of edges."""
    image = Image.new("RGB", size, ((40 + 70 * seed) % 256, 90, 160))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):
        draw.rectangle((x, 0, x + 18, size[1]), fill=(230, (60 + 50 * seed) % 256, 60))
    draw.ellipse((size[0] // 3, size[1] // 4, 2 * size[0] // 3, 3 * size[1] // 4), fill=(250, 240, 120))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def wav_bytes(seconds=3.0, rate=16000, hz=220.0) -> bytes:
    """A mono 16-bit WAV: a tone whose loudness swells like speech syllables."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = bytearray()
        for n in range(int(seconds * rate)):
            t = n / rate
            envelope = 0.5 + 0.5 * math.sin(2 * math.pi * 3 * t)
            frames += struct.pack("<h", int(12000 * envelope * math.sin(2 * math.pi * hz * t)))
        out.writeframes(bytes(frames))
    return buffer.getvalue()

"""Clips for scanner tests, rendered with PyAV: flat-colour shots with hard cuts at chosen times, a
small moving square (so a shot is not a still), and the frame's index written into the picture as a
barcode, so a test double can tell from the pixels alone which frame it is looking at."""

from fractions import Fraction

import av
import numpy as np

BARCODE_BITS = 12
# The barcode band: the top eighth of the frame, one block per bit, white for 1 and black for 0.
BAND = 1 / 8


def colour_at(scenes, t):
    colour = scenes[0][1]
    for start, scene_colour in scenes:
        if t >= start:
            colour = scene_colour
    return colour


def render_clip(
    path,
    *,
    duration=4.0,
    fps=24,
    size=(320, 240),
    scenes=((0.0, (40, 90, 160)),),
    barcode=True,
    crf=18,
    faststart=False,
    preset="ultrafast",
    keyframe_every=None,
):
    """Write an H.264 MP4 whose shot colour changes to `scenes[i][1]` at `scenes[i][0]` seconds.

    The default encoding has one keyframe and no B-frames; `preset="medium"` adds B-frames (decode order
    differs from display order) and `keyframe_every` adds keyframes, so seeks land mid-clip."""
    width, height = size
    frame_count = round(duration * fps)
    band = int(height * BAND)
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), mode="w", format="mp4", options=options) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": preset, "crf": str(crf)}
        if keyframe_every:
            stream.options = {**stream.options, "g": str(keyframe_every), "keyint_min": str(keyframe_every)}
        stream.codec_context.time_base = Fraction(1, fps)
        for index in range(frame_count):
            t = index / fps
            pixels = np.empty((height, width, 3), np.uint8)
            pixels[:] = colour_at(scenes, t)
            side = height // 6
            x = int((width - side) * (0.5 + 0.4 * np.sin(2 * np.pi * 0.5 * t)))
            y = band + int((height - band - side) * 0.5)
            pixels[y : y + side, x : x + side] = (235, 235, 235)
            if barcode:
                draw_barcode(pixels, index)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)


def draw_barcode(pixels, index):
    height, width = pixels.shape[:2]
    band = int(height * BAND)
    for bit in range(BARCODE_BITS):
        x0, x1 = width * bit // BARCODE_BITS, width * (bit + 1) // BARCODE_BITS
        pixels[:band, x0:x1] = 255 if (index >> bit) & 1 else 0


def read_barcode(image):
    """The frame index drawn by draw_barcode, read back from a (possibly rescaled) RGB image."""
    pixels = np.asarray(image.convert("L"), dtype=np.float32)
    height, width = pixels.shape
    band = height * BAND
    value = 0
    for bit in range(BARCODE_BITS):
        x0, x1 = width * bit / BARCODE_BITS, width * (bit + 1) / BARCODE_BITS
        # The middle of each block: clear of the blur a codec and a rescale put on its edges.
        patch = pixels[int(band * 0.25) : int(band * 0.75), int(x0 + (x1 - x0) * 0.3) : int(x0 + (x1 - x0) * 0.7)]
        if patch.mean() > 127:
            value |= 1 << bit
    return value

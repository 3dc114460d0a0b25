"""Reviewer renditions: what a moderator sees of held media by default (their wellbeing), made on the server.

A rendition is a new picture (or clip), never the original behind a CSS filter: blurred to one of seven
levels (0 = none … 6 = unrecognisable), optionally in grayscale, optionally as a reduced-detail "sketch"
(flat posterised regions with dark edges), and for clips also small (≤ 360 px), short (a bounded number of
frames) and silent (no audio stream at all). Pure: PIL images and file-like objects in, images and bytes out;
no Django. Caching and storage belong to the caller (generations.actions.wellness).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from fractions import Fraction

import av
from PIL import Image, ImageFilter, ImageOps

from generations.moderation.visual.blur import blur_image

BLUR_LEVELS = range(0, 7)
# Blur radius as a fraction of the image's long side, per level. Level 4 is the studio's historical fixed
# blur (0.08): the default preview looks as it always did. Level 6 also pixelates first (see _blur).
BLUR_STRENGTH = {0: 0.0, 1: 0.006, 2: 0.015, 3: 0.035, 4: 0.08, 5: 0.14, 6: 0.25}
LEVEL_6_BLOCKS = 6  # level 6 first reduces the picture to this many blocks along its long side
SKETCH_COLOURS = 6
VIDEO_MAX_SIDE = 360
VIDEO_MAX_SECONDS = 20.0  # a reviewer clip covers at most the first 20 s …
VIDEO_MAX_FPS = 12  # … at no more than 12 frames a second, so one rendition is at most 240 frames of work


@dataclass(frozen=True)
class RenditionSettings:
    blur: int = 4
    grayscale: bool = False
    sketch: bool = False

    def __post_init__(self):
        if self.blur not in BLUR_LEVELS:
            raise ValueError(f"blur must be 0–6, not {self.blur!r}")

    @property
    def key(self) -> str:
        """A short, stable name for these settings (a cache key part): "b4-g0-s1"."""
        return f"b{self.blur}-g{int(self.grayscale)}-s{int(self.sketch)}"


def _blur(image: Image.Image, level: int) -> Image.Image:
    if level == 0:
        return image
    if level == 6:
        width, height = image.size
        scale = LEVEL_6_BLOCKS / max(width, height)
        blocks = image.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BOX)
        image = blocks.resize((width, height), Image.Resampling.BILINEAR)
    return blur_image(image, strength=BLUR_STRENGTH[level])


def sketch(image: Image.Image) -> Image.Image:
    """A reduced-detail rendering: a few flat colour regions (smoothed, then posterised to SKETCH_COLOURS)
    with the main edges drawn dark. Texture, skin and small detail are gone; shapes and layout remain."""
    image = image.convert("RGB")
    small_side = 160
    shrunk = image.copy()
    shrunk.thumbnail((small_side, small_side))
    smooth = shrunk.filter(ImageFilter.MedianFilter(3))
    flat = smooth.quantize(colors=SKETCH_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).convert("RGB")
    edges = smooth.convert("L").filter(ImageFilter.FIND_EDGES).point(lambda value: 255 if value > 40 else 0)
    flat.paste((24, 24, 24), mask=edges)
    return flat.resize(image.size, Image.Resampling.NEAREST)


def render_still(image: Image.Image, settings: RenditionSettings, *, max_side: int = 640) -> Image.Image:
    """The reviewer rendition of a picture: shrunk to `max_side`, sketched, blurred, then grayscale (last, so
    every pixel has R = G = B exactly)."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((max_side, max_side))
    if settings.sketch:
        image = sketch(image)
    image = _blur(image, settings.blur)
    if settings.grayscale:
        image = image.convert("L").convert("RGB")
    return image


def still_jpeg(image: Image.Image, settings: RenditionSettings, *, max_side: int = 640, quality: int = 80) -> bytes:
    """render_still as a JPEG. A grayscale rendition is stored as a one-channel JPEG, so a decoder gives
    R = G = B exactly (no chroma noise)."""
    rendered = render_still(image, settings, max_side=max_side)
    if settings.grayscale:
        rendered = rendered.convert("L")
    buffer = io.BytesIO()
    rendered.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def video_still(source, *, at_fraction: float = 0.3, max_side: int = 640) -> Image.Image:
    """A frame about `at_fraction` into a clip (first frames are often black), decoded from a file-like
    object or a path, shrunk to `max_side`."""
    with av.open(source) as container:
        stream = container.streams.video[0]
        target = int((stream.frames or 0) * at_fraction)
        chosen = None
        for index, frame in enumerate(container.decode(stream)):
            chosen = frame
            if index >= target:
                break
        if chosen is None:
            raise ValueError("The clip contains no decodable frames.")
        picture = chosen.to_image()
    picture.thumbnail((max_side, max_side))
    return picture


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def render_video(source, settings: RenditionSettings, *, max_side: int = VIDEO_MAX_SIDE,
                 max_seconds: float = VIDEO_MAX_SECONDS, max_fps: int = VIDEO_MAX_FPS) -> bytes:
    """The reviewer clip: H.264 MP4 at most `max_side` px on its long side, at most `max_fps` frames a second
    of the first `max_seconds`, each frame treated as render_still treats a picture, and no audio stream.
    `source` is a file-like object or a path. Raises av.FFmpegError / ValueError for an undecodable clip."""
    workdir = tempfile.mkdtemp(prefix="review-rendition-")
    try:
        path = os.path.join(workdir, "rendition.mp4")
        with av.open(source) as container:
            if not container.streams.video:
                raise ValueError("The file has no video stream.")
            stream = container.streams.video[0]
            rate = float(stream.average_rate or 24)
            fps = max(1, min(max_fps, round(rate)))
            width, height = stream.codec_context.width, stream.codec_context.height
            scale = min(1.0, max_side / max(width, height))
            out_w, out_h = _even(width * scale), _even(height * scale)
            written = 0
            with av.open(path, mode="w", format="mp4", options={"movflags": "+faststart"}) as sink:
                video = sink.add_stream("libx264", rate=fps)
                video.width, video.height, video.pix_fmt = out_w, out_h, "yuv420p"
                video.options = {"preset": "ultrafast", "crf": "28"}
                video.codec_context.time_base = Fraction(1, fps)
                video.codec_context.thread_count = 1
                for frame in container.decode(stream):
                    t = float(frame.time) if frame.time is not None else written / fps
                    if t >= max_seconds:
                        break
                    if t + 1e-6 < written / fps:  # keep one frame per output tick: fewer frames, less work
                        continue
                    picture = frame.reformat(width=out_w, height=out_h, format="rgb24").to_image()
                    treated = render_still(picture, settings, max_side=max(out_w, out_h))
                    out = av.VideoFrame.from_image(treated)
                    out.pts = written
                    out.time_base = Fraction(1, fps)
                    for packet in video.encode(out):
                        sink.mux(packet)
                    written += 1
                for packet in video.encode():
                    sink.mux(packet)
            if written == 0:
                raise ValueError("The clip contains no decodable frames.")
        with open(path, "rb") as handle:
            return handle.read()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

"""Clips made from still images (the effects scenes and multi-image2video), and the stills image generation makes.

Each effect visibly transforms its input over time in the way its name promises (a bloom pulses colour
and size, dizzy spins, fuzzy blurs, squish squashes, expansion pulls back); the two-person scenes slide
the two pictures together, with a heart for a kiss or a heart gesture. multi-image2video shows each
reference image in turn with a slow pan and cross-fades between them. Deterministic, like render.py.
"""

from __future__ import annotations

import io
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .render import (
    SIZES,
    KenBurns,
    Overlay,
    Shapes,
    bright_colour,
    encode_mp4,
    output_size_for_image,
    progress_bar,
    seed_digest,
)

CROSS_FADE_S = 0.6


def _smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def _pulse(t: float, hz: float) -> float:
    """0 at t=0, rising to 1 and back, `hz` times a second."""
    return 0.5 - 0.5 * math.cos(2 * math.pi * hz * t)


def _backdrop(image: Image.Image) -> Image.Image:
    """A blurred, darkened copy that fills whatever the moving picture leaves uncovered."""
    blurred = image.filter(ImageFilter.GaussianBlur(radius=max(4, image.width // 40)))
    return Image.eval(blurred, lambda value: int(value * 0.45))


def _zoomed(image: Image.Image, zoom: float) -> Image.Image:
    """The centre 1/zoom of the picture, scaled back to full size."""
    width, height = image.size
    box_w, box_h = width / zoom, height / zoom
    left, top = (width - box_w) / 2, (height - box_h) / 2
    return image.resize((width, height), Image.Resampling.BILINEAR, box=(left, top, left + box_w, top + box_h))


class _Bloom:
    """Colour and size swell and ebb, like a flower opening on every beat."""

    def __init__(self, image: Image.Image):
        self.image = image

    def frame(self, t: float, progress: float) -> np.ndarray:
        swell = _pulse(t, 0.8)
        pixels = np.asarray(_zoomed(self.image, 1.0 + 0.14 * swell), dtype=np.float32)
        grey = pixels.mean(axis=2, keepdims=True)
        pixels = (grey + (pixels - grey) * (1.0 + 1.4 * swell)) * (1.0 + 0.18 * swell)
        return np.clip(pixels, 0, 255).astype(np.uint8)


class _Dizzy:
    """The picture spins and wobbles over its own blurred backdrop."""

    SCALE = 0.86

    def __init__(self, image: Image.Image):
        width, height = image.size
        self.backdrop = _backdrop(image).convert("RGBA")
        small = image.resize((round(width * self.SCALE), round(height * self.SCALE)), Image.Resampling.BILINEAR)
        self.picture = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        self.picture.paste(small.convert("RGBA"), ((width - small.width) // 2, (height - small.height) // 2))

    def frame(self, t: float, progress: float) -> np.ndarray:
        angle = 200.0 * _smoothstep(progress) + 18.0 * math.sin(2 * math.pi * 0.9 * t)
        spun = self.picture.rotate(angle, resample=Image.Resampling.BILINEAR)
        return np.array(Image.alpha_composite(self.backdrop, spun).convert("RGB"))


class _Fuzzy:
    """Focus breathes in and out: blends between a few precomputed blur levels."""

    RADII = (0.0, 2.0, 5.0, 10.0)

    def __init__(self, image: Image.Image):
        self.levels = [
            np.asarray(image if radius == 0 else image.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32)
            for radius in self.RADII
        ]

    def frame(self, t: float, progress: float) -> np.ndarray:
        position = _pulse(t, 0.6) * (len(self.levels) - 1)
        lower = min(int(position), len(self.levels) - 2)
        weight = position - lower
        pixels = self.levels[lower] * (1.0 - weight) + self.levels[lower + 1] * weight
        return pixels.astype(np.uint8)


class _Squish:
    """Squashed flat from the top and springing back, anchored on the ground (the bottom edge)."""

    def __init__(self, image: Image.Image):
        self.image = image
        self.backdrop = _backdrop(image)

    def frame(self, t: float, progress: float) -> np.ndarray:
        squash = _pulse(t, 0.7)
        width, height = self.image.size
        size = (max(2, round(width * (1.0 + 0.25 * squash))), max(2, round(height * (1.0 - 0.55 * squash))))
        canvas = self.backdrop.copy()
        canvas.paste(self.image.resize(size, Image.Resampling.BILINEAR), ((width - size[0]) // 2, height - size[1]))
        return np.array(canvas)


class _Expansion:
    """The camera pulls back: the picture shrinks into a widening, blurred surrounding."""

    def __init__(self, image: Image.Image):
        self.image = image
        self.backdrop = _backdrop(image)

    def frame(self, t: float, progress: float) -> np.ndarray:
        eased = _smoothstep(progress)
        width, height = self.image.size
        scale = 1.0 - 0.45 * eased
        size = (max(2, round(width * scale)), max(2, round(height * scale)))
        canvas = _zoomed(self.backdrop, 1.0 + 0.3 * eased)
        canvas.paste(self.image.resize(size, Image.Resampling.BILINEAR), ((width - size[0]) // 2, (height - size[1]) // 2))
        return np.array(canvas)


class _TwoPeople:
    """Two pictures slide in from the sides and meet in the middle; optionally a heart appears."""

    MEET_AT = 0.6  # share of the clip spent sliding together

    def __init__(self, first: Image.Image, second: Image.Image, width: int, height: int, heart: bool):
        self.width, self.height = width, height
        self.panel_w = width // 2
        self.left = self._panel(first, fade_right=True)
        self.right = self._panel(second, fade_right=False)
        both = Image.blend(KenBurns.fit(first, width, height), KenBurns.fit(second, width, height), 0.5)
        self.backdrop = _backdrop(both).convert("RGBA")
        self.heart = _heart(min(width, height) // 3) if heart else None

    def _panel(self, image: Image.Image, fade_right: bool) -> Image.Image:
        panel = KenBurns.fit(image, self.panel_w, self.height).convert("RGBA")
        # A soft inner edge, so the overlap where they meet is a blend rather than a seam.
        ramp = np.ones(self.panel_w, np.float32)
        edge = max(1, self.panel_w // 5)
        ramp[:edge] = np.linspace(0.0, 1.0, edge)
        if fade_right:
            ramp = ramp[::-1]
        alpha = np.broadcast_to((ramp * 255).astype(np.uint8), (self.height, self.panel_w))
        panel.putalpha(Image.fromarray(np.ascontiguousarray(alpha)))
        return panel

    def frame(self, t: float, progress: float) -> np.ndarray:
        meet = _smoothstep(progress / self.MEET_AT)
        sway = 4.0 * math.sin(2 * math.pi * 0.8 * t) * meet
        start, end = -0.35 * self.panel_w, self.width / 2 - 0.85 * self.panel_w
        left_x = round(start + (end - start) * meet + sway)
        canvas = self.backdrop.copy()
        canvas.alpha_composite(self.left, (max(0, left_x), 0), (max(0, -left_x), 0))
        right_x = self.width - self.panel_w - left_x
        canvas.alpha_composite(self.right, (right_x, 0), (0, 0, max(0, self.width - right_x), self.height))
        if self.heart is not None and meet > 0.85:
            grow = _smoothstep((meet - 0.85) / 0.15) * (0.85 + 0.15 * _pulse(t, 1.2))
            size = max(2, round(self.heart.width * grow))
            heart = self.heart.resize((size, size), Image.Resampling.BILINEAR)
            canvas.alpha_composite(heart, ((self.width - size) // 2, max(0, round(self.height * 0.3) - size // 2)))
        return np.array(canvas.convert("RGB"))


def _heart(size: int) -> Image.Image:
    """A red heart with a white outline on a transparent square (the classic parametric curve)."""
    patch = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    points = []
    for step in range(120):
        a = 2 * math.pi * step / 120
        x = 16 * math.sin(a) ** 3
        y = 13 * math.cos(a) - 5 * math.cos(2 * a) - 2 * math.cos(3 * a) - math.cos(4 * a)
        points.append((size / 2 + x * size / 36, size / 2 - y * size / 36))
    ImageDraw.Draw(patch).polygon(points, fill=(235, 45, 85, 235), outline=(255, 255, 255, 255), width=max(2, size // 40))
    return patch


SINGLE_IMAGE_EFFECTS = {
    "bloombloom": _Bloom,
    "dizzydizzy": _Dizzy,
    "fuzzyfuzzy": _Fuzzy,
    "squish": _Squish,
    "expansion": _Expansion,
}
TWO_PERSON_HEARTS = {"hug": False, "kiss": True, "heart_gesture": True}


def render_effect(scene: str, images: list[Image.Image], *, duration: float, seed: int = 0, fps: int = 24) -> bytes:
    """The scene applied to the image(s), sized by the first image's aspect (long side 640 px)."""
    width, height = output_size_for_image(*images[0].size)
    if scene in SINGLE_IMAGE_EFFECTS:
        effect = SINGLE_IMAGE_EFFECTS[scene](KenBurns.fit(images[0], width, height))
    elif scene in TWO_PERSON_HEARTS:
        effect = _TwoPeople(images[0], images[1], width, height, heart=TWO_PERSON_HEARTS[scene])
    else:
        raise ValueError(f"unknown effect scene {scene!r}")
    rng = random.Random(seed_digest(scene, seed))
    bar_colour = np.array(bright_colour(rng), dtype=np.uint8)
    count = max(1, round(duration * fps))

    def frames():
        for index in range(count):
            pixels = effect.frame(index / fps, index / max(1, count - 1))
            progress_bar(pixels, (index + 1) / count, bar_colour)
            yield pixels

    return encode_mp4(frames(), width=width, height=height, fps=fps)


def render_multi_image(
    images: list[Image.Image], prompt: str, *, duration: float, aspect_ratio: str = "16:9", seed: int = 0, fps: int = 24
) -> bytes:
    """Each image for an equal share of the clip, panning gently, cross-fading into the next."""
    width, height = SIZES[aspect_ratio]
    rng = random.Random(seed_digest(prompt, seed))
    shots = [KenBurns(image, None, width, height, rng, reverse=False) for image in images]
    caption = Overlay.caption(prompt, width, height)
    bar_colour = np.array(bright_colour(rng), dtype=np.uint8)
    count = max(1, round(duration * fps))
    share = duration / len(shots)
    fade = min(CROSS_FADE_S, share / 3)

    def shot_pixels(index: int, t: float) -> np.ndarray:
        # A shot starts moving when it starts fading in, and stops when the next has fully faded in.
        begin = max(0.0, index * share - fade)
        end = duration if index == len(shots) - 1 else (index + 1) * share
        return shots[index].frame(t, min(1.0, max(0.0, (t - begin) / (end - begin))))

    def frames():
        for frame_index in range(count):
            t = frame_index / fps
            current = min(len(shots) - 1, int(t / share))
            pixels = shot_pixels(current, t)
            following = current + 1
            if following < len(shots) and t > following * share - fade:
                weight = _smoothstep((t - (following * share - fade)) / fade)
                pixels = (pixels * (1.0 - weight) + shot_pixels(following, t) * weight).astype(np.uint8)
            if caption is not None:
                caption.apply(pixels)
            progress_bar(pixels, (frame_index + 1) / count, bar_colour)
            yield pixels

    return encode_mp4(frames(), width=width, height=height, fps=fps)


# images/generations: the long side of a still by resolution, and each aspect ratio as (width, height) parts.
STILL_LONG_SIDE = {"1k": 1024, "2k": 2048}
STILL_SHAPES = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1), "4:3": (4, 3), "3:4": (3, 4), "3:2": (3, 2),
                "2:3": (2, 3), "21:9": (21, 9)}


def still_size(aspect_ratio: str, resolution: str = "1k") -> tuple[int, int]:
    across, down = STILL_SHAPES[aspect_ratio]
    long_side = STILL_LONG_SIDE[resolution]
    scale = long_side / max(across, down)
    return round(across * scale), round(down * scale)


def render_stills(
    prompt: str, *, count: int, aspect_ratio: str = "16:9", resolution: str = "1k", image: Image.Image | None = None,
    fidelity: float = 0.5, seed: int = 0,
) -> list[bytes]:
    """`count` PNG stills at the aspect ratio, each deterministic from (prompt, its index, seed): the text→video
    scene (a gradient and shapes) frozen at a moment of its own, under the prompt's caption. With a reference
    image, the image fills the frame and the scene shows through it in proportion to 1 - fidelity."""
    width, height = still_size(aspect_ratio, resolution)
    reference = None
    if image is not None:
        reference = np.asarray(KenBurns.fit(image, width, height), dtype=np.float32)
    caption = Overlay.caption(prompt, width, height)
    if caption is not None:
        caption.y = max(8, width // 40)  # at the top: a still has no progress bar, and its corner may carry a label
    stills = []
    for index in range(count):
        rng = random.Random(seed_digest(f"image:{index}:{prompt}", seed))
        pixels = Shapes(width, height, rng).frame(rng.uniform(0.0, 20.0), 0.0)
        if reference is not None:
            pixels = (reference * fidelity + pixels.astype(np.float32) * (1.0 - fidelity)).astype(np.uint8)
        if caption is not None:
            caption.apply(pixels)
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG", optimize=False, compress_level=6)
        stills.append(buffer.getvalue())
    return stills


# The rest of the image family. Each still is deterministic from (prompt, its index, seed) and shows its inputs
# where a reviewer would look for them: the expanded image in its place on the larger canvas, the referenced or
# subject images side by side in the frame.


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def _scene(width: int, height: int, prompt: str, index: int, seed: int) -> np.ndarray:
    rng = random.Random(seed_digest(f"image:{index}:{prompt}", seed))
    return Shapes(width, height, rng).frame(rng.uniform(0.0, 20.0), 0.0)


def _captioned(pixels: np.ndarray, prompt: str) -> np.ndarray:
    height, width = pixels.shape[:2]
    caption = Overlay.caption(prompt, width, height)
    if caption is not None:
        caption.y = max(8, width // 40)
        caption.apply(pixels)
    return pixels


def expanded_size(original: tuple[int, int], ratios: tuple, resolution: str = "1k") -> tuple[tuple[int, int], tuple[int, int, int, int]]:
    """The expanded still's size, its long side at the resolution's, and where the original sits in it (left,
    top, width, height): the canvas is the original grown by up/down × its height and left/right × its width."""
    width, height = original
    up, down, left, right = ratios
    across, tall = width * (1 + left + right), height * (1 + up + down)
    scale = STILL_LONG_SIDE[resolution] / max(across, tall)
    size = (max(1, round(across * scale)), max(1, round(tall * scale)))
    return size, (round(width * left * scale), round(height * up * scale), max(1, round(width * scale)), max(1, round(height * scale)))


def render_expanded(image: Image.Image, *, ratios: tuple, prompt: str = "", count: int = 1, seed: int = 0) -> list[bytes]:
    """`count` outpainted stills: the scene fills the new canvas and the original image sits unchanged (scaled)
    where the ratios put it."""
    (width, height), (left, top, inner_w, inner_h) = expanded_size(image.size, ratios)
    original = np.asarray(image.convert("RGB").resize((inner_w, inner_h), Image.Resampling.LANCZOS))
    stills = []
    for index in range(count):
        pixels = _scene(width, height, prompt or "expand", index, seed)
        pixels[top:top + inner_h, left:left + inner_w] = original[: height - top, : width - left]
        stills.append(_png(_captioned(pixels, prompt)))
    return stills


def _closest_shape(image: Image.Image) -> str:
    ratio = image.width / image.height
    return min(STILL_SHAPES, key=lambda shape: abs(math.log(STILL_SHAPES[shape][0] / STILL_SHAPES[shape][1] / ratio)))


def render_composed(
    prompt: str, *, count: int, aspect_ratio: str = "16:9", pictures: tuple = (), scene: Image.Image | None = None,
    style: Image.Image | None = None, seed: int = 0,
) -> list[bytes]:
    """`count` stills of `pictures` (omni-image's references, multi-image to image's subjects) side by side across
    the middle of the frame, over the scene image when given (else the prompt's own scene), tinted a quarter of the
    way to the style image's average colour when given. aspect_ratio auto follows the first picture's shape."""
    if aspect_ratio == "auto":
        aspect_ratio = _closest_shape(pictures[0]) if pictures else "1:1"
    width, height = still_size(aspect_ratio)
    backdrop = np.asarray(KenBurns.fit(scene.convert("RGB"), width, height)) if scene is not None else None
    tiles = []
    if pictures:
        tile_w = width // (len(pictures) + 1)
        tile_h = min(height * 2 // 3, tile_w * 4 // 3)
        tiles = [np.asarray(KenBurns.fit(picture.convert("RGB"), tile_w, tile_h)) for picture in pictures]
        gap = (width - tile_w * len(pictures)) // (len(pictures) + 1)
    tint = None
    if style is not None:
        tint = np.asarray(style.convert("RGB").resize((1, 1), Image.Resampling.BOX), dtype=np.float32)[0, 0]
    stills = []
    for index in range(count):
        pixels = backdrop.copy() if backdrop is not None else _scene(width, height, prompt, index, seed)
        for position, tile in enumerate(tiles):
            x = gap + position * (tile.shape[1] + gap)
            y = (height - tile.shape[0]) // 2 + (index * 7 % 11) - 5  # each still places them a little differently
            y = min(max(0, y), height - tile.shape[0])
            pixels[y:y + tile.shape[0], x:x + tile.shape[1]] = tile
        if tint is not None:
            pixels = (pixels.astype(np.float32) * 0.75 + tint * 0.25).astype(np.uint8)
        stills.append(_png(_captioned(pixels, prompt)))
    return stills

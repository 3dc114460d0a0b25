"""Reviewer renditions, pure: seven blur levels, grayscale, a reduced-detail sketch, and a small silent clip."""

import io

import av
import numpy as np
import pytest
from PIL import Image, ImageChops, ImageStat

from generations.moderation.visual import renditions
from generations.moderation.visual.renditions import RenditionSettings
from generations.simulator.media import AudioClip
from generations.simulator.render import encode_mp4


def photo(width=480, height=320):
    """A busy picture: colour gradients with a fine checkerboard and a few shapes on top."""
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None].repeat(width, 1)
    checker = (((np.arange(height)[:, None] // 24) + (np.arange(width)[None, :] // 24)) % 2) * 60
    pixels = np.stack([x, y, 255 - x], axis=-1) * 0.7 + checker[..., None]
    pixels[100:200, 150:300] = (250, 20, 20)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def difference(a, b):
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB").resize(a.size))).mean) / 3


def distinct_colours(image):
    return len(image.convert("RGB").getcolors(maxcolors=1 << 20))


def test_level_0_is_the_picture_and_each_level_departs_further_level_6_strongly():
    original = photo()
    diffs = [difference(renditions.render_still(original, RenditionSettings(blur=level)), original) for level in range(7)]
    assert diffs[0] < 1
    assert diffs == sorted(diffs)
    assert diffs[6] > 30 and diffs[6] > 3 * diffs[1]  # the mean pixel moves by an eighth of the range
    # Not even the red block survives level 6: its centre is no longer distinctly red.
    red, green, _blue = renditions.render_still(original, RenditionSettings(blur=6)).getpixel((225, 150))
    assert red - green < 100 < 230 == original.getpixel((225, 150))[0] - original.getpixel((225, 150))[1]


def test_a_blur_level_outside_0_to_6_is_refused():
    with pytest.raises(ValueError):
        RenditionSettings(blur=7)


def test_grayscale_has_r_equal_g_equal_b_in_the_image_and_in_its_jpeg():
    rendered = renditions.render_still(photo(), RenditionSettings(blur=0, grayscale=True))
    assert all(r == g == b for r, g, b in rendered.get_flattened_data())
    decoded = Image.open(io.BytesIO(renditions.still_jpeg(photo(), RenditionSettings(blur=2, grayscale=True)))).convert("RGB")
    assert all(r == g == b for r, g, b in decoded.get_flattened_data())


def test_the_sketch_has_far_fewer_colours_than_the_picture():
    original = photo()
    drawn = renditions.render_still(original, RenditionSettings(blur=0, sketch=True))
    assert drawn.size == original.size
    assert distinct_colours(drawn) <= renditions.SKETCH_COLOURS + 1 < distinct_colours(original) / 100


def test_the_settings_key_names_every_setting():
    assert RenditionSettings(blur=4, grayscale=True).key == "b4-g1-s0"
    assert RenditionSettings(blur=0, sketch=True).key == "b0-g0-s1"


def clip_with_sound(seconds=2, fps=24, width=640, height=480):
    frames = (np.asarray(photo(width, height).rotate(index * 3)) for index in range(seconds * fps))
    tone = (0.3 * np.sin(np.linspace(0, 440 * 2 * np.pi * seconds, 16000 * seconds))).astype(np.float32)
    return encode_mp4(frames, width=width, height=height, fps=fps, audio=AudioClip(tone, 16000))


def test_the_reviewer_clip_is_small_silent_treated_and_bounded():
    source = clip_with_sound()
    with av.open(io.BytesIO(source)) as container:
        assert container.streams.audio  # the original has sound
    data = renditions.render_video(io.BytesIO(source), RenditionSettings(blur=3, grayscale=True), max_seconds=1.0, max_fps=8)
    with av.open(io.BytesIO(data)) as container:
        assert not container.streams.audio
        stream = container.streams.video[0]
        assert max(stream.codec_context.width, stream.codec_context.height) <= 360
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    assert 1 <= len(frames) <= 8  # one second at 8 fps, not 24
    middle = frames[len(frames) // 2].astype(int)
    assert np.abs(middle[..., 0] - middle[..., 1]).mean() < 3  # grayscale survives the encode (up to chroma noise)


def test_a_clip_still_is_a_frame_of_it():
    still = renditions.video_still(io.BytesIO(clip_with_sound(seconds=1)), max_side=200)
    assert max(still.size) == 200

"""The clips the simulator renders: playable H.264 MP4s that look like their prompt."""

import io
import time

import av
import numpy as np
import pytest
from PIL import Image

from generations.simulator.render import output_size_for_image, probe_clip, render_clip
from tests.simulator.helpers import image_bytes


def frame_at(data: bytes, index: int) -> np.ndarray:
    with av.open(io.BytesIO(data)) as container:
        for position, frame in enumerate(container.decode(video=0)):
            if position == index:
                return frame.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError(f"clip has no frame {index}")


@pytest.mark.parametrize("duration", [5.0, 10.0])
def test_it_decodes_to_the_requested_duration(duration):
    info = probe_clip(render_clip("a lighthouse in a storm", duration=duration))

    assert info["duration"] == pytest.approx(duration, abs=0.1)
    assert info["frames"] == round(duration * 24)


@pytest.mark.parametrize("aspect_ratio, size", [("16:9", (640, 360)), ("9:16", (360, 640)), ("1:1", (480, 480))])
def test_it_sizes_frames_by_aspect_ratio(aspect_ratio, size):
    info = probe_clip(render_clip("a cat", duration=1, aspect_ratio=aspect_ratio))

    assert (info["width"], info["height"]) == size


def test_it_encodes_browser_playable_h264_with_moov_before_mdat():
    data = render_clip("a cat", duration=1)
    info = probe_clip(data)

    assert info["codec"] == "h264"
    assert info["pix_fmt"] == "yuv420p"
    assert data[4:8] == b"ftyp"
    assert 0 < data.find(b"moov") < data.find(b"mdat")
    assert info["faststart"] is True


def test_it_renders_the_same_bytes_for_the_same_prompt_and_seed():
    assert render_clip("a red fox", duration=1, seed=7) == render_clip("a red fox", duration=1, seed=7)


def test_it_renders_visibly_different_frames_for_different_prompts():
    fox = frame_at(render_clip("a red fox in the snow", duration=1), 12)
    ship = frame_at(render_clip("a ship at sea", duration=1), 12)

    assert np.abs(fox - ship).mean() > 20


def test_it_renders_visibly_different_frames_for_different_seeds():
    first = frame_at(render_clip("a red fox in the snow", duration=1, seed=1), 12)
    second = frame_at(render_clip("a red fox in the snow", duration=1, seed=2), 12)

    assert np.abs(first - second).mean() > 20


def test_it_moves_over_time():
    data = render_clip("a red fox in the snow", duration=2)

    assert np.abs(frame_at(data, 0) - frame_at(data, 40)).mean() > 3


def test_it_draws_the_prompt_onto_the_frame():
    frame = frame_at(render_clip("a lighthouse in a storm", duration=1), 0)
    near_white = frame.min(axis=2) > 200  # the palette is saturated or dark: only glyphs are white

    assert near_white[250:350].sum() > 200  # the caption panel sits above the progress bar
    assert near_white[:200].sum() == 0


@pytest.mark.parametrize("image_size, video_size", [((900, 600), (640, 426)), ((600, 1200), (320, 640)), ((500, 500), (640, 640))])
def test_it_follows_the_input_image_aspect(image_size, video_size):
    image = Image.open(io.BytesIO(image_bytes(*image_size)))

    info = probe_clip(render_clip("", duration=1, image=image))

    assert (info["width"], info["height"]) == video_size
    assert output_size_for_image(*image_size) == video_size


def test_it_starts_on_the_input_image_and_slowly_zooms():
    image = Image.open(io.BytesIO(image_bytes(800, 450, colours=((230, 30, 30), (30, 30, 230)))))
    data = render_clip("", duration=2, image=image)
    first, last = frame_at(data, 0), frame_at(data, 47)

    # Left half red, right half blue, as in the image (sampled clear of the zoom's reach).
    assert first[100, 60].tolist() == pytest.approx([230, 30, 30], abs=25)
    assert first[100, 580].tolist() == pytest.approx([30, 30, 230], abs=25)
    # The red/blue edge moves as the camera zooms and pans.
    edge_first = int(np.argmax(first[100, :, 2] > 128))
    edge_last = int(np.argmax(last[100, :, 2] > 128))
    assert edge_first != edge_last


def test_it_cross_fades_into_the_end_frame():
    red = Image.new("RGB", (640, 360), (230, 30, 30))
    blue = Image.new("RGB", (640, 360), (30, 30, 230))
    data = render_clip("", duration=1, image=red, end_image=blue)

    assert frame_at(data, 0)[100, 300].tolist() == pytest.approx([230, 30, 30], abs=25)
    assert frame_at(data, 23)[100, 300].tolist() == pytest.approx([30, 30, 230], abs=25)


def test_it_renders_a_5_second_clip_in_well_under_the_render_delay():
    render_clip("warm-up", duration=0.5)
    started = time.perf_counter()
    render_clip("a lighthouse in a storm, waves crashing", duration=5)

    assert time.perf_counter() - started < 3.0

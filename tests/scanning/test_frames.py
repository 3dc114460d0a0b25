"""The frame sampler and the cut detector: table tests on plain arrays, then on clips PyAV renders."""

import itertools
import math

import av
import numpy as np
import pytest
from av.video.reformatter import VideoReformatter

from generations.moderation.visual.sampling import (
    CUT,
    FIRST,
    LAST,
    UNIFORM,
    SamplingParams,
    cut_score,
    dense_neighbourhood,
    detect_cuts,
    select_frames,
)
from tests.scanning.clips import render_clip
from tests.scanning.conftest import FPS, SCENES


def flat(colour, size=32):
    pixels = np.empty((size, size, 3), np.uint8)
    pixels[:] = colour
    return pixels


def with_square(colour, square, x, size=32, side=6):
    pixels = flat(colour, size)
    pixels[10 : 10 + side, x : x + side] = square
    return pixels


_rng = np.random.default_rng(7)
_texture = _rng.integers(0, 256, size=(32, 64, 3), dtype=np.uint8)
_checker = (np.indices((32, 32)).sum(axis=0) % 2 * 255).astype(np.uint8)[..., None].repeat(3, axis=2)
PARAMS = SamplingParams()


@pytest.mark.parametrize(
    "previous, current, is_cut",
    [
        pytest.param(flat((40, 90, 160)), flat((40, 90, 160)), False, id="identical"),
        pytest.param(flat((0, 0, 0)), flat((255, 255, 255)), True, id="black-to-white"),
        pytest.param(flat((40, 90, 160)), flat((200, 60, 60)), True, id="blue-to-red"),
        # Red (255,0,0) and green (0,130,0) have the same luma: only colour tells them apart.
        pytest.param(flat((255, 0, 0)), flat((0, 130, 0)), True, id="isoluminant-colours"),
        pytest.param(with_square((40, 90, 160), 235, 4), with_square((40, 90, 160), 235, 6), False, id="object-moves"),
        pytest.param(_texture[:, :32], _texture[:, 3:35], False, id="texture-pans"),
        pytest.param(flat((100, 100, 100)), flat((105, 105, 105)), False, id="slight-brightening"),
        # Same colours, different layout: the histogram gate lets it pass (the known cost of ignoring motion).
        pytest.param(_checker, 255 - _checker, False, id="checker-inverted"),
    ],
)
def test_it_scores_cuts_and_ignores_motion(previous, current, is_cut):
    assert (cut_score(previous, current) >= PARAMS.cut_threshold) is is_cut


def test_it_scores_identical_frames_zero_and_opposites_one():
    assert cut_score(flat((9, 9, 9)), flat((9, 9, 9))) == 0.0
    assert cut_score(flat((0, 0, 0)), flat((255, 255, 255))) == pytest.approx(1.0)


def stream(count, fps=24, cuts=(), start_t=0.0):
    """Samples for `count` frames; the colour changes at each index in `cuts`."""
    colours = [(40, 90, 160), (200, 60, 60), (60, 200, 60), (220, 200, 40), (20, 20, 20)]
    scene = 0
    for index in range(count):
        if index in cuts:
            scene += 1
        yield index, start_t + index / fps, flat(colours[scene % len(colours)])


def picked(picks):
    return {pick.index: set(pick.reasons) for pick in picks}


@pytest.mark.parametrize(
    "count, cuts, params, expected",
    [
        pytest.param(0, (), PARAMS, {}, id="empty-stream"),
        pytest.param(1, (), PARAMS, {0: {FIRST, UNIFORM}}, id="single-frame-picked-once"),
        pytest.param(
            72,
            (),
            PARAMS,
            {0: {FIRST, UNIFORM}, 12: {UNIFORM}, 24: {UNIFORM}, 36: {UNIFORM}, 48: {UNIFORM}, 60: {UNIFORM}, 71: {LAST}},
            id="uniform-2fps-first-last",
        ),
        pytest.param(
            72,
            (30,),
            PARAMS,
            {0: {FIRST, UNIFORM}, 12: {UNIFORM}, 24: {UNIFORM}, 30: {CUT}, 36: {UNIFORM}, 48: {UNIFORM}, 60: {UNIFORM}, 71: {LAST}},
            id="cut-between-samples",
        ),
        pytest.param(
            72,
            (30, 31),
            PARAMS,
            {0: {FIRST, UNIFORM}, 12: {UNIFORM}, 24: {UNIFORM}, 30: {CUT}, 36: {UNIFORM}, 48: {UNIFORM}, 60: {UNIFORM}, 71: {LAST}},
            id="strobe-cut-within-min-gap-ignored",
        ),
        pytest.param(
            72,
            (30, 33),
            PARAMS,
            {0: {FIRST, UNIFORM}, 12: {UNIFORM}, 24: {UNIFORM}, 30: {CUT}, 33: {CUT}, 36: {UNIFORM}, 48: {UNIFORM}, 60: {UNIFORM}, 71: {LAST}},
            id="two-inserted-shots-both-seen",
        ),
        pytest.param(25, (), PARAMS, {0: {FIRST, UNIFORM}, 12: {UNIFORM}, 24: {UNIFORM}}, id="last-already-uniform"),
        pytest.param(
            48, (24,), SamplingParams(uniform_fps=0), {0: {FIRST}, 24: {CUT}, 47: {LAST}}, id="uniform-off-cuts-still-found"
        ),
        pytest.param(
            24,
            (),
            SamplingParams(uniform_fps=4),
            {0: {FIRST, UNIFORM}, 6: {UNIFORM}, 12: {UNIFORM}, 18: {UNIFORM}, 23: {LAST}},
            id="uniform-4fps",
        ),
    ],
)
def test_it_selects_first_last_cuts_and_uniform_frames(count, cuts, params, expected):
    assert picked(select_frames(stream(count, cuts=cuts), params)) == expected


def test_it_keeps_uniform_spacing_when_timestamps_start_late_or_jump():
    # Variable frame rate: 30 fps, a 0.9 s gap (no frames), then 10 fps; the clip starts at t = 5 s.
    times = [5 + i / 30 for i in range(30)] + [6.9 + i / 10 for i in range(20)]
    samples = [(i, t, flat((40, 90, 160))) for i, t in enumerate(times)]
    uniform = [pick.t for pick in select_frames(samples, PARAMS) if UNIFORM in pick.reasons]
    assert uniform[0] == 5
    # Never more than one slot (0.5 s) plus the frame spacing between uniform samples.
    gaps = [b - a for a, b in itertools.pairwise(uniform)]
    assert max(gaps) <= 0.5 + 0.9 + 1e-9
    # One sample in every 0.5 s slot that has frames.
    assert len(uniform) == len({int((t - 5) * 2 + 1e-6) for t in times})


@pytest.mark.parametrize(
    "times, suspicious, half, expected",
    [
        pytest.param([i / 24 for i in range(48)], [1.0], 0.5, list(range(12, 37)), id="one-second-around-1s"),
        pytest.param([i / 24 for i in range(48)], [0.0], 0.5, list(range(13)), id="clipped-at-start"),
        pytest.param([i / 24 for i in range(48)], [47 / 24], 0.25, list(range(41, 48)), id="clipped-at-end"),
        pytest.param([i / 24 for i in range(48)], [0.5, 0.6], 0.1, list(range(10, 17)), id="overlapping-windows-merge"),
        pytest.param([i / 24 for i in range(48)], [], 0.5, [], id="nothing-suspicious"),
    ],
)
def test_it_names_every_frame_within_the_dense_window(times, suspicious, half, expected):
    assert dense_neighbourhood(times, suspicious, half) == expected


def decoded_samples(path):
    """(index, t, 32×32 RGB thumbnail) for every frame of a real clip, as the scanner produces them."""
    reformatter = VideoReformatter()
    with av.open(str(path)) as container:
        stream_ = container.streams.video[0]
        for index, frame in enumerate(container.decode(stream_)):
            thumbnail = reformatter.reformat(frame, width=32, height=32, format="rgb24", interpolation="AREA").to_ndarray()
            yield index, float(frame.pts * frame.time_base), thumbnail


def first_frames_after(cut_times, fps):
    return [math.ceil(cut * fps - 1e-9) for cut in cut_times]


def test_it_finds_the_cuts_of_a_rendered_clip_at_their_timestamps(cut_clip):
    cuts = detect_cuts(decoded_samples(cut_clip), PARAMS)
    expected = first_frames_after([start for start, _ in SCENES[1:]], FPS)
    assert [pick.index for pick in cuts] == expected
    assert [pick.t for pick in cuts] == pytest.approx([index / FPS for index in expected])


@pytest.mark.parametrize("fps, size", [(30, (360, 640)), (25, (640, 360))])
def test_it_finds_cuts_off_the_uniform_grid_at_other_rates_and_shapes(tmp_path, fps, size):
    scenes = ((0.0, (30, 30, 30)), (0.37, (240, 240, 240)), (1.13, (200, 40, 40)), (1.9, (40, 40, 200)))
    path = render_clip(tmp_path / "clip.mp4", duration=2.5, fps=fps, size=size, scenes=scenes)
    cuts = detect_cuts(decoded_samples(path), PARAMS)
    assert [pick.index for pick in cuts] == first_frames_after([0.37, 1.13, 1.9], fps)


def test_it_finds_no_cuts_in_a_single_shot_with_motion(tmp_path):
    path = render_clip(tmp_path / "one-shot.mp4", duration=3.0, fps=24, scenes=((0.0, (90, 120, 60)),))
    assert detect_cuts(decoded_samples(path), PARAMS) == []

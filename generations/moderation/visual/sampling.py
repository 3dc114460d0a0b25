"""Which frames of a clip to score: a pure function of the decoded stream.

The scanner decodes every frame once (decoding is cheap next to a detector run) and hands this module a
stream of `(index, t, thumbnail)` samples, where the thumbnail is a tiny RGB (or luma) array. From that
alone it picks:

- the first and the last frame (an unsafe ending or opening is a classic way to slip past a sparse scan),
- the first frame after every hard cut (a short inserted scene can fall between two uniform samples),
- uniform samples at `uniform_fps` (at least one frame in every 1/uniform_fps slot).

Frames whose scores come back suspicious get a dense second look: `dense_neighbourhood` names every
frame within ±`dense_window_s` of them, and the scanner scores all of those too.

Nothing here touches a decoder or a detector, so every rule is table-tested on plain arrays.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings

FIRST = "first"
LAST = "last"
CUT = "cut"
UNIFORM = "uniform"
DENSE = "dense"
HISTOGRAM_BINS = 16


@dataclass(frozen=True)
class SamplingParams:
    uniform_fps: float = 2.0
    # cut_score at which a cut is declared. Motion within a shot scores a few hundredths (the histogram
    # barely moves); a hard cut scores tenths.
    cut_threshold: float = 0.12
    # After a cut, ignore further "cuts" this close: a strobe would otherwise pick every frame. Short,
    # so two inserted shots in a row are both seen.
    min_cut_gap_s: float = 0.1
    dense_window_s: float = 0.5
    # Dense frames scored per clip at most; past it, suspicious frames stay unconfirmed (and go to review).
    max_dense_frames: int = 240

    @classmethod
    def from_settings(cls) -> SamplingParams:
        return cls(
            uniform_fps=float(settings.SCAN_UNIFORM_FPS),
            cut_threshold=float(settings.SCAN_CUT_THRESHOLD),
            min_cut_gap_s=float(settings.SCAN_CUT_MIN_GAP_S),
            dense_window_s=float(settings.SCAN_DENSE_WINDOW_S),
            max_dense_frames=int(settings.SCAN_DENSE_MAX_FRAMES),
        )

    def as_dict(self) -> dict:
        return {
            "uniform_fps": self.uniform_fps,
            "cut_threshold": self.cut_threshold,
            "min_cut_gap_s": self.min_cut_gap_s,
            "dense_window_s": self.dense_window_s,
            "max_dense_frames": self.max_dense_frames,
        }


@dataclass(frozen=True)
class Pick:
    index: int
    t: float
    reasons: tuple[str, ...]


def _histograms(thumbnail: np.ndarray) -> np.ndarray:
    channels = thumbnail.reshape(-1, thumbnail.shape[-1]) if thumbnail.ndim == 3 else thumbnail.reshape(-1, 1)
    bins = (channels.astype(np.int32) * HISTOGRAM_BINS) >> 8
    counts = np.stack([np.bincount(bins[:, c], minlength=HISTOGRAM_BINS) for c in range(channels.shape[1])])
    return counts / channels.shape[0]


def cut_score(previous: np.ndarray, current: np.ndarray) -> float:
    """How likely `current` starts a new shot after `previous`, 0 to 1.

    Two cheap measures on thumbnails, and a cut needs both: the mean absolute pixel difference (high
    for any big change) and the distance between the colour histograms (high when the content changes,
    low when the same content moves, pans or zooms). Compared in RGB, not luma alone, so a cut between
    two colours of equal brightness still shows."""
    if previous.shape != current.shape:
        return 1.0
    pixels = float(np.abs(previous.astype(np.int16) - current.astype(np.int16)).mean()) / 255.0
    histograms = float(np.abs(_histograms(previous) - _histograms(current)).sum(axis=1).mean()) / 2.0
    return min(pixels, histograms)


def iter_selected(samples: Iterable[tuple[int, float, np.ndarray]], params: SamplingParams) -> Iterator[Pick]:
    """Yield a Pick for a sample as soon as it is consumed (the last frame once the stream ends), so a
    caller streaming decoded frames needs to hold only the current one. Indices must increase."""
    last_slot = -1
    previous = None
    last_cut_t = None
    first_t = None
    last_index = None
    last_t = 0.0
    last_picked = None
    for index, t, thumbnail in samples:
        reasons = []
        if first_t is None:
            first_t = t
            reasons.append(FIRST)
        else:
            score = cut_score(previous, thumbnail)
            if score >= params.cut_threshold and (last_cut_t is None or t - last_cut_t >= params.min_cut_gap_s):
                reasons.append(CUT)
                last_cut_t = t
        if params.uniform_fps > 0:
            # A frame per 1/fps slot, counted from the first frame: no drift however the frames are spaced.
            slot = int((t - first_t) * params.uniform_fps + 1e-6)
            if slot > last_slot:
                last_slot = slot
                reasons.append(UNIFORM)
        previous = thumbnail
        last_index, last_t = index, t
        if reasons:
            last_picked = index
            yield Pick(index, t, tuple(reasons))
    if last_index is not None and last_picked != last_index:
        yield Pick(last_index, last_t, (LAST,))


def select_frames(samples: Iterable[tuple[int, float, np.ndarray]], params: SamplingParams) -> list[Pick]:
    """Every frame to score in the first pass, in stream order."""
    return list(iter_selected(samples, params))


def detect_cuts(samples: Iterable[tuple[int, float, np.ndarray]], params: SamplingParams) -> list[Pick]:
    """Only the cuts: the first frame of every new shot after the opening one."""
    return [pick for pick in iter_selected(samples, params) if CUT in pick.reasons]


def dense_neighbourhood(
    times: Sequence[float], suspicious_times: Iterable[float], half_window_s: float
) -> list[int]:
    """Positions in `times` (sorted frame timestamps) within ±half_window_s of any suspicious time."""
    chosen: set[int] = set()
    for centre in suspicious_times:
        low = bisect.bisect_left(times, centre - half_window_s - 1e-9)
        high = bisect.bisect_right(times, centre + half_window_s + 1e-9)
        chosen.update(range(low, high))
    return sorted(chosen)

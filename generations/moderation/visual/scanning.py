"""Output scanning: is this clip (or input image) safe to show?

`scan_video(path)` decodes the clip once, picks frames to score from the stream itself (first, last,
every hard cut, uniform at ≥ 2 fps; see sampling.py), scores them in batches with every configured frame
detector (detectors.py), then takes a dense second look, every frame within ±0.5 s, around any
frame that scored at or above a review threshold. The clip's verdict is the maximum with k-frame
persistence, never a mean (aggregate.py): `allow`, `review` (held for a human) or `block`.

The verdict carries what a moderator and a replay need: the detectors with their versions, the
thresholds, the frames that decided it (timestamps, scores, boxes), a per-frame score timeline and how
long the scan took. A file that cannot be fully decoded raises ScanError; a scan never falls back to
allow.

`inspect_and_scan(path)` is the scan of a freshly rendered result: the same first pass also feeds a
media.VideoInspector (frame count, duration, size, codec, poster), so the clip is decoded once.
"""

from __future__ import annotations

import io
import math
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Protocol

import av
from av.video.reformatter import VideoReformatter
from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from generations.inputs.images import MAX_IMAGE_PIXELS
from generations.inputs.media import MediaError, VideoInfo, VideoInspector
from generations.moderation.visual import sampling as sampling_rules
from generations.moderation.visual.aggregate import (
    ALLOW,
    BLOCK,
    REVIEW,
    ScoredFrame,
    SeriesOutcome,
    Thresholds,
    aggregate_series,
    combine,
)
from generations.moderation.visual.blur import GAUSSIAN, blur_image, jpeg_bytes
from generations.moderation.visual.detectors import (
    SEXUAL,
    Box,
    FrameDetector,
    FrameScore,
    active_detectors,
    check_detectors_ready,
    warm_up,
)
from generations.moderation.visual.errors import DetectorUnavailable, ScanError
from generations.moderation.visual.sampling import DENSE, SamplingParams

__all__ = [
    "ALLOW",
    "BLOCK",
    "REVIEW",
    "DecidingFrame",
    "DetectorUnavailable",
    "FrameTap",
    "InspectedClip",
    "ScanError",
    "ScanVerdict",
    "blurred_poster",
    "check_detectors_ready",
    "evidence_frames",
    "frame_stills",
    "inspect_and_scan",
    "scan_image",
    "scan_video",
    "warm_up",
    "withheld_stills",
]

THUMBNAIL_SIDE = 32
# Frames reach the detectors with their short side at this size (open_nsfw squeezes to 256², NudeNet
# pads to a 320 square): enough for both, and a tenth of the pixels of a 720p frame.
MODEL_SHORT_SIDE = 256
MODEL_LONG_SIDE_MAX = 1024
# Demuxers that read a single still image: such a file is not a clip, whatever its extension says.
_IMAGE_DEMUXERS = ("image2", "image2pipe", "_pipe")
# Two dense regions further apart than this are reached by separate seeks rather than decoded through.
_SEEK_GAP_S = 2.0


@dataclass(frozen=True)
class DecidingFrame:
    t: float
    index: int
    detector: str
    category: str
    score: float
    reason: str  # persistent | single_frame | unconfirmed
    boxes: tuple[Box, ...] = ()

    def as_dict(self) -> dict:
        return {
            "t": round(self.t, 3),
            "index": self.index,
            "detector": self.detector,
            "category": self.category,
            "score": round(self.score, 4),
            "reason": self.reason,
            "boxes": [box.as_dict() for box in self.boxes],
        }


@dataclass(frozen=True)
class ScanVerdict:
    verdict: str
    frames_scored: int = 0
    detectors: tuple = ()  # "name@version" of every detector that scored
    deciding_frames: tuple = ()  # DecidingFrame, in time order; empty for an allow
    categories: dict = field(default_factory=dict)  # {category: {level, score, peak, detector}}
    timeline: tuple = ()  # ((t, score), ...): every scored frame, the highest score any detector gave it
    scan_s: float = 0.0
    media: str = "video"  # video | image
    duration_s: float = 0.0
    frames_total: int = 0
    persistence: int = 0
    thresholds: dict = field(default_factory=dict)  # {detector: {category: [review, block]}}
    sampling: dict = field(default_factory=dict)  # picks by reason, cut times, dense budget, parameters
    timings: dict = field(default_factory=dict)  # decode_s, score_s
    # ((index, t, score), ...): the scored frames whose sexual score (any detector) reached
    # SCAN_MINOR_SEXUAL_LOW, the strongest SCAN_MINOR_MAX_FRAMES, for the apparent-minor check.
    sexual_frames: tuple = ()
    # Checks added after the frame scan (the apparent-minor check, the coverage hold), recorded as they are.
    checks: dict = field(default_factory=dict)

    def escalated(self, level: str, flagged: dict) -> "ScanVerdict":
        """This verdict with `level` as its outcome and `flagged` ({category: record}) among its categories:
        how a rule applied after the frame scan (hash bank, age check, coverage hold) says what it decided."""
        return replace(self, verdict=level, categories={**self.categories, **flagged})

    def with_check(self, name: str, record: dict) -> "ScanVerdict":
        """This verdict with a post-scan check's record kept under `checks[name]`."""
        return replace(self, checks={**self.checks, name: record})

    def as_audit(self):
        return {
            "verdict": self.verdict,
            "frames_scored": self.frames_scored,
            "detectors": list(self.detectors),
            "deciding_frames": [frame.as_dict() if hasattr(frame, "as_dict") else frame for frame in self.deciding_frames],
            "categories": self.categories,
            "timeline": [[round(t, 3), round(score, 4)] for t, score in self.timeline],
            "scan_s": round(self.scan_s, 3),
            "media": self.media,
            "duration_s": round(self.duration_s, 3),
            "frames_total": self.frames_total,
            "persistence": self.persistence,
            "thresholds": self.thresholds,
            "sampling": self.sampling,
            "timings": self.timings,
            "sexual_frames": [[index, round(t, 3), round(score, 4)] for index, t, score in self.sexual_frames],
            **({"checks": self.checks} if self.checks else {}),
        }


# --- configuration -----------------------------------------------------------------------------------


def resolve_thresholds(detectors: Sequence[FrameDetector], override: Mapping | None = None) -> dict:
    """{(detector, category): Thresholds}: an explicit override (a stricter policy for an account in the
    penalty box), else settings.SCAN_THRESHOLDS, else the detector's defaults. Values are
    (review, block) pairs or {"review": …, "block": …}."""
    configured = settings.SCAN_THRESHOLDS or {}
    resolved = {}
    for detector in detectors:
        for category in detector.categories:
            value = None
            for source in (override or {}, configured):
                value = (source.get(detector.name) or {}).get(category)
                if value is not None:
                    break
            if value is None:
                value = detector.default_thresholds.get(category)
            if value is None:
                raise ScanError(
                    "scan_misconfigured",
                    f"No review/block thresholds for {detector.name}.{category}.",
                    permanent=False,
                )
            if isinstance(value, Mapping):
                value = (value["review"], value["block"])
            try:
                resolved[(detector.name, category)] = Thresholds(float(value[0]), float(value[1]))
            except (TypeError, ValueError, IndexError) as exc:
                raise ScanError(
                    "scan_misconfigured", f"Bad thresholds for {detector.name}.{category}: {exc}", permanent=False
                ) from exc
    return resolved


def _persistence(override: int | None) -> int:
    return max(1, int(override if override is not None else settings.SCAN_PERSISTENCE_FRAMES))


def _detectors(detectors) -> list[FrameDetector]:
    if detectors is None:
        detectors, _skipped = active_detectors()
    detectors = list(detectors)
    if not detectors:
        raise DetectorUnavailable("(none)", "no frame detector is configured")
    return detectors


# --- decoding ------------------------------------------------------------------------------------------


def _claims_to_be_video(path) -> bool:
    """Does the file start like a video container (MP4/MOV, Matroska/WebM, AVI)? Then failing to open
    it means damage, not a wrong kind of file."""
    try:
        with open(os.fspath(path), "rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return head[4:8] == b"ftyp" or head.startswith(b"\x1a\x45\xdf\xa3") or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")


@contextmanager
def _open_video(path):
    try:
        container = av.open(os.fspath(path))
    except FileNotFoundError as exc:
        raise ScanError("scan_unreadable", "The file to scan does not exist.") from exc
    except (av.FFmpegError, OSError, ValueError) as exc:
        if _claims_to_be_video(path):
            raise ScanError("scan_corrupt", "The video file is damaged or cut short and cannot be opened.") from exc
        raise ScanError("scan_not_video", f"The file is not a video FFmpeg can read ({type(exc).__name__}).") from exc
    try:
        format_name = container.format.name or ""
        if not container.streams.video or any(format_name.endswith(name) for name in _IMAGE_DEMUXERS):
            raise ScanError("scan_not_video", "The file has no video stream.")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = int(settings.SCAN_DECODE_THREADS)
        yield container, stream
    finally:
        container.close()


def _decoded(container, stream) -> Iterator:
    """Frames in presentation order; any decoding error is a corrupt file, never a shorter clip."""
    iterator = iter(container.decode(stream))
    while True:
        try:
            frame = next(iterator)
        except StopIteration:
            return
        except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
            raise ScanError("scan_corrupt", f"The video stops decoding part-way ({type(exc).__name__}).") from exc
        yield frame


def _model_size(width: int, height: int) -> tuple[int, int]:
    scale = MODEL_SHORT_SIDE / min(width, height)
    long_side = min(MODEL_LONG_SIDE_MAX, round(max(width, height) * scale))
    return (MODEL_SHORT_SIDE, long_side) if width <= height else (long_side, MODEL_SHORT_SIDE)


def _model_image(reformatter: VideoReformatter, frame) -> Image.Image:
    width, height = _model_size(frame.width, frame.height)
    return reformatter.reformat(frame, width=width, height=height, format="rgb24", interpolation="AREA").to_image()


class _Scorer:
    """Collects frames and scores them in batches with every detector."""

    def __init__(self, detectors: Sequence[FrameDetector], batch_size: int):
        self.detectors = detectors
        self.batch_size = batch_size
        self.pending: list[tuple[int, Image.Image]] = []
        self.results: dict[int, dict[str, FrameScore]] = {}
        self.score_s = 0.0

    def add(self, index: int, image: Image.Image) -> None:
        if index in self.results or any(pending == index for pending, _ in self.pending):
            return
        self.pending.append((index, image))
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        indices = [index for index, _ in self.pending]
        images = [image for _, image in self.pending]
        self.pending = []
        started = time.perf_counter()
        for detector in self.detectors:
            try:
                scores = detector.score_frames(images)
            except ScanError:
                raise
            except Exception as exc:
                raise ScanError(
                    "scan_detector_failed", f"The {detector.name} detector failed: {exc}", permanent=False
                ) from exc
            _check_scores(detector, scores, len(images))
            for index, score in zip(indices, scores, strict=False):
                self.results.setdefault(index, {})[detector.name] = score
        self.score_s += time.perf_counter() - started


def _check_scores(detector: FrameDetector, scores: Sequence[FrameScore], expected: int) -> None:
    if len(scores) != expected:
        raise ScanError(
            "scan_detector_failed", f"{detector.name} returned {len(scores)} scores for {expected} frames.", permanent=False
        )
    for score in scores:
        for category in detector.categories:
            value = score.scores.get(category)
            if value is None or not math.isfinite(value) or not 0.0 <= value <= 1.0:
                raise ScanError(
                    "scan_detector_failed",
                    f"{detector.name} gave {category}={value!r}; scores must be within 0–1.",
                    permanent=False,
                )


@dataclass
class _Stream:
    """What the first pass learnt about the clip: every frame's time and presentation timestamp."""

    times: list[float] = field(default_factory=list)
    pts_index: dict[int, int] = field(default_factory=dict)
    start_pts: int | None = None
    time_base: float = 0.0
    frame_s: float = 0.0
    declared_frames: int = 0  # from the container's index (mp4 sample table); 0 when it has none
    declared_s: float = 0.0

    def time_of(self, frame, index: int) -> float:
        if frame.pts is not None and self.time_base:
            if self.start_pts is None:
                self.start_pts = frame.pts
            return max(0.0, (frame.pts - self.start_pts) * self.time_base)
        return index * self.frame_s


class FrameTap(Protocol):
    """Sees every frame the first pass decodes, in presentation order (media.VideoInspector is one)."""

    def start(self, container, stream) -> None: ...

    def frame(self, index: int, frame: av.VideoFrame) -> None: ...

    def finish(self, container, stream) -> None: ...


def _first_pass(path, params: SamplingParams, scorer: _Scorer, tap: FrameTap | None = None) -> tuple[_Stream, list]:
    info = _Stream()
    picks = []
    with _open_video(path) as (container, stream):
        if tap is not None:
            tap.start(container, stream)
        info.time_base = float(stream.time_base) if stream.time_base else 0.0
        rate = stream.average_rate or stream.guessed_rate
        info.frame_s = 1.0 / float(rate) if rate else 1.0 / 24
        info.declared_frames = stream.frames or 0
        if stream.duration is not None and stream.time_base:
            info.declared_s = float(stream.duration * stream.time_base)
        elif container.duration:
            info.declared_s = container.duration / av.time_base
        # One reformatter per target size: each caches its scaler, and alternating sizes on one would
        # rebuild it for every frame (5× slower).
        thumbnails, reformatter = VideoReformatter(), VideoReformatter()
        current = {}

        def samples():
            for index, frame in enumerate(_decoded(container, stream)):
                t = info.time_of(frame, index)
                info.times.append(t)
                if frame.pts is not None:
                    info.pts_index[frame.pts] = index
                current["frame"] = frame
                if tap is not None:
                    tap.frame(index, frame)
                thumbnail = thumbnails.reformat(
                    frame, width=THUMBNAIL_SIDE, height=THUMBNAIL_SIDE, format="rgb24", interpolation="AREA"
                ).to_ndarray()
                yield index, t, thumbnail

        for pick in sampling_rules.iter_selected(samples(), params):
            # Picks arrive while their frame is the current one (the last frame once the stream ends).
            scorer.add(pick.index, _model_image(reformatter, current["frame"]))
            picks.append(pick)
        scorer.flush()
        if tap is not None:
            tap.finish(container, stream)
    return info, picks


def _check_complete(info: _Stream, expected_frames: int) -> None:
    """A threaded decoder reads a file cut short as a shorter clip, without an error: compare with what
    the container promised, so a truncated upload never passes as a short benign one."""
    total = len(info.times)
    if expected_frames and total < expected_frames:
        raise ScanError("scan_truncated", f"Only {total} of the clip's {expected_frames} frames could be decoded.")
    if not expected_frames and info.declared_s:
        decoded_s = info.times[-1] + info.frame_s
        if decoded_s < info.declared_s * 0.9 - info.frame_s:
            raise ScanError(
                "scan_truncated", f"Only {decoded_s:.1f} s of the clip's {info.declared_s:.1f} s could be decoded."
            )


def _dense_pass(path, info: _Stream, wanted: set[int], scorer: _Scorer) -> None:
    """Score every frame in `wanted`, seeking to each cluster of them rather than decoding from the start."""
    ordered = sorted(wanted)
    clusters: list[list[int]] = []
    for index in ordered:
        if clusters and info.times[index] - info.times[clusters[-1][-1]] <= _SEEK_GAP_S:
            clusters[-1].append(index)
        else:
            clusters.append([index])
    missing: set[int] = set()
    by_pts = info.start_pts is not None and info.time_base and len(info.pts_index) == len(info.times)
    with _open_video(path) as (container, stream):
        reformatter = VideoReformatter()
        for cluster in clusters:
            last = cluster[-1]
            targets = set(cluster)
            if by_pts:
                # Land on the keyframe at or before the first wanted frame; frames are known by their pts.
                container.seek(info.start_pts + round(info.times[cluster[0]] / info.time_base), stream=stream, backward=True)
            else:
                container.seek(0, stream=stream, backward=True)
            for position, frame in enumerate(_decoded(container, stream)):
                index = info.pts_index.get(frame.pts, -1) if by_pts else position
                if index in targets:
                    scorer.add(index, _model_image(reformatter, frame))
                    targets.discard(index)
                if not targets or index > last:
                    break
            missing |= targets
    if missing:
        # A seek that landed past its target (an odd index in the file): read those from the start.
        with _open_video(path) as (container, stream):
            reformatter = VideoReformatter()
            for index, frame in enumerate(_decoded(container, stream)):
                if index in missing:
                    scorer.add(index, _model_image(reformatter, frame))
                    missing.discard(index)
                if not missing:
                    break
    scorer.flush()


def _neighbourhood(info: _Stream, index: int, half_window_s: float, monotonic: bool) -> set[int]:
    if monotonic:
        near = set(sampling_rules.dense_neighbourhood(info.times, [info.times[index]], half_window_s))
    else:
        reach = math.ceil(half_window_s / info.frame_s) if info.frame_s else 0
        near = set(range(index - reach, index + reach + 1))
    # However small the window, a frame's immediate neighbours must be looked at to call it confirmed.
    near |= {index - 1, index + 1}
    return {i for i in near if 0 <= i < len(info.times)}


def _series(
    scorer: _Scorer, detectors, limits, confirmed: Mapping[int, bool], times: Sequence[float]
) -> dict[tuple[str, str], list[ScoredFrame]]:
    series: dict[tuple[str, str], list[ScoredFrame]] = {key: [] for key in limits}
    for index, by_detector in scorer.results.items():
        for detector in detectors:
            score = by_detector.get(detector.name)
            if score is None:
                continue
            for category in detector.categories:
                series[(detector.name, category)].append(
                    ScoredFrame(
                        index=index,
                        t=times[index],
                        score=float(score.scores[category]),
                        boxes=tuple(score.boxes),
                        confirmed=confirmed.get(index, False),
                    )
                )
    return series


def _suspicious(scorer: _Scorer, detectors, limits) -> dict[int, float]:
    """Scored frames at or above any review threshold, with how far above (score − review)."""
    found = {}
    for index, by_detector in scorer.results.items():
        for detector in detectors:
            score = by_detector.get(detector.name)
            for category in detector.categories:
                margin = score.scores[category] - limits[(detector.name, category)].review
                if margin >= 0:
                    found[index] = max(found.get(index, margin), margin)
    return found


def scan_video(
    path,
    *,
    frames: int = 0,
    detectors: Sequence[FrameDetector] | None = None,
    thresholds: Mapping | None = None,
    sampling: SamplingParams | None = None,
    persistence: int | None = None,
    tap: FrameTap | None = None,
) -> ScanVerdict:
    """Scan a video file. `frames` is the frame count a caller already decoded (probe_video): fewer
    here means the file changed or was cut short. `detectors` replaces the configured stack (tests
    inject doubles), `thresholds` overrides per detector and category ({name: {category: (review,
    block)}}), `sampling` and `persistence` override the settings. `tap` is shown every frame of the
    first pass (see inspect_and_scan). Raises ScanError; never allows a file it could not read."""
    started = time.perf_counter()
    params = sampling or SamplingParams.from_settings()
    k = _persistence(persistence)
    detectors = _detectors(detectors)
    limits = resolve_thresholds(detectors, thresholds)
    scorer = _Scorer(detectors, max(1, int(settings.SCAN_BATCH_SIZE)))

    # Open and decode the clip once, pick frames from the stream and score them in batches.
    info, picks = _first_pass(path, params, scorer, tap)
    _check_decoded(info, max(frames, info.declared_frames))
    # Score every frame near one at or above a review threshold, within the dense budget.
    dense = _dense_second_look(path, info, params, scorer, detectors, limits)
    # Per detector and category, the maximum with k-frame persistence; then one verdict for the clip.
    outcome = _aggregate(scorer, detectors, limits, dense.confirmed, info.times, k)
    # The verdict with its evidence: deciding frames, thresholds, timeline, sampling and timings.
    return _video_verdict(
        outcome, scorer, info, picks, params, dense, limits=limits, k=k, elapsed=time.perf_counter() - started
    )


def _check_decoded(info: _Stream, expected_frames: int) -> None:
    if not info.times:
        raise ScanError("scan_no_frames", "The video contains no decodable frames.")
    _check_complete(info, expected_frames)


@dataclass(frozen=True)
class _DenseLook:
    scored: int  # frames scored in the second look
    budget_exhausted: bool  # some frames near a suspicious one were left unscored
    confirmed: dict[int, bool]  # {scored frame: every frame around it was scored too}


def _dense_second_look(path, info: _Stream, params: SamplingParams, scorer: _Scorer, detectors, limits) -> _DenseLook:
    """Score the frames within ±dense_window_s of every suspicious frame, most suspicious first, until none
    is left unscored or max_dense_frames is spent. Newly scored frames can be suspicious in turn."""
    monotonic = all(b >= a for a, b in zip(info.times, info.times[1:], strict=False))
    budget = params.max_dense_frames
    dense_scored = 0
    neighbourhoods: dict[int, set[int]] = {}

    def neighbours(index):
        if index not in neighbourhoods:
            neighbourhoods[index] = _neighbourhood(info, index, params.dense_window_s, monotonic)
        return neighbourhoods[index]

    budget_exhausted = False
    while True:
        suspicious = _suspicious(scorer, detectors, limits)
        # Most suspicious first, so a tight budget is spent where it matters.
        wanted: dict[int, None] = {}  # ordered and de-duplicated
        for index in sorted(suspicious, key=lambda i: (-suspicious[i], i)):
            for near in sorted(neighbours(index)):
                if near not in scorer.results:
                    wanted.setdefault(near)
        if not wanted:
            break
        if budget - dense_scored <= 0:
            budget_exhausted = True
            break
        take = set(list(wanted)[: budget - dense_scored])
        budget_exhausted = len(take) < len(wanted)
        _dense_pass(path, info, take, scorer)
        dense_scored += len(take)

    confirmed = {index: all(near in scorer.results for near in neighbours(index)) for index in scorer.results}
    return _DenseLook(scored=dense_scored, budget_exhausted=budget_exhausted, confirmed=confirmed)


def _aggregate(scorer: _Scorer, detectors, limits, confirmed: Mapping[int, bool], times: Sequence[float], k: int):
    """(verdict, categories, deciding) of the clip: see aggregate.combine."""
    outcomes: dict[tuple[str, str], SeriesOutcome] = {
        key: aggregate_series(series, limits[key], k=k, clip_frames=len(times))
        for key, series in _series(scorer, detectors, limits, confirmed, times).items()
    }
    return combine(outcomes)


def _video_verdict(
    outcome, scorer: _Scorer, info: _Stream, picks, params: SamplingParams, dense: _DenseLook, *,
    limits, k: int, elapsed: float,
) -> ScanVerdict:
    verdict, categories, deciding = outcome
    return ScanVerdict(
        verdict=verdict,
        frames_scored=len(scorer.results),
        detectors=tuple(detector.label for detector in scorer.detectors),
        deciding_frames=tuple(
            DecidingFrame(
                t=entry.frame.t,
                index=entry.frame.index,
                detector=detector,
                category=category,
                score=entry.frame.score,
                reason=entry.reason,
                boxes=tuple(entry.frame.boxes),
            )
            for detector, category, entry in deciding
        ),
        categories=categories,
        timeline=_timeline(scorer, info.times),
        scan_s=elapsed,
        media="video",
        duration_s=(info.times[-1] + info.frame_s) if info.times else 0.0,
        frames_total=len(info.times),
        persistence=k,
        thresholds=_thresholds_dict(limits),
        sampling=_sampling_report(picks, params, dense),
        timings={"score_s": round(scorer.score_s, 4), "decode_s": round(elapsed - scorer.score_s, 4)},
        sexual_frames=_sexual_frames(scorer.results, info.times),
    )


def _sexual_frames(results: Mapping[int, Mapping[str, FrameScore]], times: Sequence[float]) -> tuple:
    """The frames whose sexual score reached SCAN_MINOR_SEXUAL_LOW, strongest first, at most SCAN_MINOR_MAX_FRAMES."""
    low = float(settings.SCAN_MINOR_SEXUAL_LOW)
    found = []
    for index, by_detector in results.items():
        score = max((float(s.scores.get(SEXUAL, 0.0)) for s in by_detector.values()), default=0.0)
        if score >= low:
            found.append((index, times[index], score))
    found.sort(key=lambda item: (-item[2], item[0]))
    return tuple(sorted(found[: max(0, int(settings.SCAN_MINOR_MAX_FRAMES))]))


def frame_stills(path, indices) -> dict:
    """{index: full-size RGB image} of the clip's frames at `indices`, from one decode."""
    wanted = set(indices)
    return _video_stills(path, wanted) if wanted else {}


def _sampling_report(picks, params: SamplingParams, dense: _DenseLook) -> dict:
    """Frames scored by why they were picked, the cuts found, whether the dense budget ran out, the parameters."""
    reasons: dict[str, int] = {}
    for pick in picks:
        for reason in pick.reasons:
            reasons[reason] = reasons.get(reason, 0) + 1
    reasons[DENSE] = dense.scored
    return {
        "picked": reasons,
        "cuts_s": [round(pick.t, 3) for pick in picks if sampling_rules.CUT in pick.reasons],
        "dense_budget_exhausted": dense.budget_exhausted,
        "params": params.as_dict(),
    }


@dataclass(frozen=True)
class InspectedClip:
    info: VideoInfo
    poster: bytes  # JPEG, about 30 % into the clip
    verdict: ScanVerdict


# A scan error that says the file itself is not a whole, playable video: for a rendered result that is
# the upstream's broken output, reported with the codes probe_video uses.
_OUTPUT_CODES = {
    "scan_unreadable": "output_corrupt",
    "scan_corrupt": "output_corrupt",
    "scan_truncated": "output_corrupt",
    "scan_not_video": "output_not_video",
    "scan_no_frames": "output_not_video",
}


def inspect_and_scan(
    path,
    *,
    detectors: Sequence[FrameDetector] | None = None,
    thresholds: Mapping | None = None,
    sampling: SamplingParams | None = None,
    persistence: int | None = None,
    poster_at: float = 0.3,
) -> InspectedClip:
    """Check, describe and scan a rendered result in one decode: the scan's first pass feeds the
    VideoInspector that probe_video uses, so the frame count, duration, size, codec and poster are the
    ones probe_video and poster_jpeg give, and the verdict the one scan_video gives (the dense second
    pass, when needed, seeks and decodes only around suspicious frames).

    A file that does not fully decode raises MediaError `output_corrupt` (damaged, cut short, fewer
    frames than its index declares) or `output_not_video`; DetectorUnavailable and the other
    ScanErrors (a detector failed, misconfigured thresholds) pass through unchanged."""
    inspector = VideoInspector(poster_at=poster_at)
    try:
        verdict = scan_video(
            path, detectors=detectors, thresholds=thresholds, sampling=sampling, persistence=persistence, tap=inspector
        )
    except ScanError as error:
        if error.code not in _OUTPUT_CODES:
            raise
        raise MediaError(_OUTPUT_CODES[error.code], error.message) from error
    return InspectedClip(info=inspector.info, poster=inspector.poster, verdict=verdict)


def _timeline(scorer: _Scorer, times: Sequence[float]) -> tuple:
    return tuple(
        (times[index], max((value for score in by_detector.values() for value in score.scores.values()), default=0.0))
        for index, by_detector in sorted(scorer.results.items())
    )


def _thresholds_dict(limits) -> dict:
    out: dict[str, dict] = {}
    for (detector, category), limit in sorted(limits.items()):
        out.setdefault(detector, {})[category] = [limit.review, limit.block]
    return out


# --- images ------------------------------------------------------------------------------------------


def _open_image(data) -> Image.Image:
    if isinstance(data, Image.Image):
        return data
    if isinstance(data, (bytes, bytearray)):
        source = io.BytesIO(bytes(data))
    else:
        try:
            with open(os.fspath(data), "rb") as fh:
                source = io.BytesIO(fh.read())
        except FileNotFoundError as exc:
            raise ScanError("scan_unreadable", "The file to scan does not exist.") from exc
    try:
        image = Image.open(source)
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ScanError("scan_image_too_large", f"The image has {width}×{height} pixels; the limit is 50 megapixels.")
        image.load()
    except ScanError:
        raise
    except UnidentifiedImageError as exc:
        raise ScanError("scan_not_image", "The file is not an image this scanner can read.") from exc
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ScanError("scan_corrupt", f"The image could not be decoded ({type(exc).__name__}).") from exc
    return image


def _image_views(image: Image.Image) -> list[Image.Image]:
    """What a viewer sees (transparency over white) and, when there is an alpha channel, the colour
    underneath it too: transparency must not hide content from the scanner."""
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if not has_alpha:
        views = [image.convert("RGB")]
    else:
        rgba = image.convert("RGBA")
        over_white = Image.new("RGB", rgba.size, (255, 255, 255))
        over_white.paste(rgba, mask=rgba.getchannel("A"))
        views = [over_white, rgba.convert("RGB")]
    shrunk = []
    for view in views:
        short = min(view.size)
        if short > 2 * MODEL_SHORT_SIDE:
            scale = 2 * MODEL_SHORT_SIDE / short
            view = view.resize((round(view.width * scale), round(view.height * scale)), Image.Resampling.BILINEAR, reducing_gap=2.0)
        shrunk.append(view)
    return shrunk


def scan_image(
    data, *, detectors: Sequence[FrameDetector] | None = None, thresholds: Mapping | None = None
) -> ScanVerdict:
    """Scan an image (bytes, a path or a PIL image) with the same detectors and thresholds, as a
    one-frame clip: for image→video input images."""
    started = time.perf_counter()
    detectors = _detectors(detectors)
    limits = resolve_thresholds(detectors, thresholds)
    views = _image_views(_open_image(data))
    scorer_started = time.perf_counter()
    best: dict[str, FrameScore] = {}
    for detector in detectors:
        try:
            scores = detector.score_frames(views)
        except ScanError:
            raise
        except Exception as exc:
            raise ScanError("scan_detector_failed", f"The {detector.name} detector failed: {exc}", permanent=False) from exc
        _check_scores(detector, scores, len(views))
        best[detector.name] = max(scores, key=lambda score: max(score.scores.values(), default=0.0))
    score_s = time.perf_counter() - scorer_started
    outcomes = {}
    for detector in detectors:
        for category in detector.categories:
            frame = ScoredFrame(
                index=0,
                t=0.0,
                score=float(best[detector.name].scores[category]),
                boxes=tuple(best[detector.name].boxes),
                confirmed=True,
            )
            outcomes[(detector.name, category)] = aggregate_series([frame], limits[(detector.name, category)], k=1, clip_frames=1)
    verdict, categories, deciding = combine(outcomes)
    elapsed = time.perf_counter() - started
    return ScanVerdict(
        verdict=verdict,
        frames_scored=1,
        detectors=tuple(detector.label for detector in detectors),
        deciding_frames=tuple(
            DecidingFrame(0.0, 0, detector, category, entry.frame.score, entry.reason, tuple(entry.frame.boxes))
            for detector, category, entry in deciding
        ),
        categories=categories,
        timeline=((0.0, max((v for s in best.values() for v in s.scores.values()), default=0.0)),),
        scan_s=elapsed,
        media="image",
        frames_total=1,
        persistence=1,
        thresholds=_thresholds_dict(limits),
        sampling={"views": len(views)},
        timings={"score_s": round(score_s, 4), "decode_s": round(elapsed - score_s, 4)},
        sexual_frames=_sexual_frames({0: best}, (0.0,)),
    )


# --- evidence for reviewers ----------------------------------------------------------------------------


def _blur_plan(verdict: ScanVerdict) -> dict[int, list | None]:
    """{frame index: boxes to blur, or None for the whole frame}. A frame some detector flagged without
    boxes (open_nsfw scores whole frames) is blurred whole."""
    plan: dict[int, list | None] = {}
    for frame in verdict.deciding_frames:
        boxes = list(frame.boxes)
        if frame.index not in plan:
            plan[frame.index] = boxes or None
        elif plan[frame.index] is not None:
            plan[frame.index] = (plan[frame.index] + boxes) if boxes else None
    return plan


def _video_stills(path, wanted: set[int]) -> dict[int, Image.Image]:
    """{index: image} of the frames at `wanted`, from one decode that stops at the last of them."""
    stills: dict[int, Image.Image] = {}
    with _open_video(path) as (container, stream):
        last = max(wanted)
        for index, frame in enumerate(_decoded(container, stream)):
            if index in wanted:
                stills[index] = frame.to_image()
            if index >= last:
                break
    return stills


def _blurred_evidence(stills, verdict: ScanVerdict, plan, *, max_side: int, strength: float, mode: str) -> list:
    times = {frame.index: frame.t for frame in verdict.deciding_frames}
    return sorted(
        (times[index], jpeg_bytes(blur_image(stills[index], boxes, strength=strength, mode=mode), max_side=max_side))
        for index, boxes in plan.items()
        if index in stills
    )


def _strongest_deciding(verdict: ScanVerdict | None) -> int | None:
    if verdict is None or not verdict.deciding_frames:
        return None
    return max(verdict.deciding_frames, key=lambda frame: frame.score).index


def evidence_frames(
    path, verdict: ScanVerdict, *, max_side: int = 640, strength: float = 0.08, mode: str = GAUSSIAN
) -> list[tuple[float, bytes]]:
    """The frames that decided `verdict`, read back from the clip (or the image), blurred over their
    boxes or whole, as JPEG bytes with their timestamps."""
    plan = _blur_plan(verdict)
    if not plan:
        return []
    if verdict.media == "image":
        image = _image_views(_open_image(path))[0]
        return [(0.0, jpeg_bytes(blur_image(image, plan[0], strength=strength, mode=mode), max_side=max_side))]
    stills = _video_stills(path, set(plan))
    return _blurred_evidence(stills, verdict, plan, max_side=max_side, strength=strength, mode=mode)


def withheld_stills(
    path, verdict: ScanVerdict, *, max_side: int = 640, strength: float = 0.08, mode: str = GAUSSIAN
) -> tuple[list[tuple[float, bytes]], bytes]:
    """evidence_frames and blurred_poster of a withheld clip, from one decode: the poster's frame, the
    strongest deciding one, is among the evidence frames."""
    plan = _blur_plan(verdict)
    target = _strongest_deciding(verdict)
    if verdict.media == "image" or target is None:
        return (
            evidence_frames(path, verdict, max_side=max_side, strength=strength, mode=mode),
            blurred_poster(path, verdict, max_side=max_side, strength=strength),
        )
    stills = _video_stills(path, set(plan))
    evidence = _blurred_evidence(stills, verdict, plan, max_side=max_side, strength=strength, mode=mode)
    if target not in stills:
        # The clip ended before a frame its own scan scored: only a file changed since. Let
        # blurred_poster decide what to show (or raise).
        return evidence, blurred_poster(path, verdict, max_side=max_side, strength=strength)
    return evidence, jpeg_bytes(blur_image(stills[target], strength=strength), max_side=max_side)


def blurred_poster(
    path, verdict: ScanVerdict | None = None, *, at_fraction: float = 0.3, max_side: int = 640, strength: float = 0.08
) -> bytes:
    """A wholly blurred still for a review queue: the strongest deciding frame when the verdict has one,
    else the frame `at_fraction` into the clip."""
    target = _strongest_deciding(verdict)
    if verdict is not None and verdict.media == "image":
        image = _image_views(_open_image(path))[0]
        return jpeg_bytes(blur_image(image, strength=strength), max_side=max_side)
    with _open_video(path) as (container, stream):
        if target is None:
            target = int((stream.frames or 0) * at_fraction)
        chosen = None
        for index, frame in enumerate(_decoded(container, stream)):
            chosen = frame
            if index >= target:
                break
        if chosen is None:
            raise ScanError("scan_no_frames", "The video contains no decodable frames.")
        return jpeg_bytes(blur_image(chosen.to_image(), strength=strength), max_side=max_side)

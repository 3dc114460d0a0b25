"""A frame detector test double that flags frames it recognises by their pixels.

It reads the frame index the test clip draws into every frame (clips.read_barcode), so it sees only
what a real detector sees: images. If the scanner fed it the wrong frame, or stamped a frame with the
wrong time, the verdict's timestamps would not match the flagged ones.
"""

from typing import ClassVar

from generations.moderation.visual.detectors import FrameDetector, FrameScore
from tests.scanning.clips import read_barcode


class FlaggingDetector(FrameDetector):
    name = "flagging"
    version = "test"
    categories = ("sexual",)
    default_thresholds: ClassVar[dict] = {"sexual": (0.45, 0.8)}

    def __init__(self, flag_at=(), *, score=0.97, fps=None, scores=None, baseline=0.01):
        """Flag the frames at `flag_at` (frame indices, or timestamps in seconds when `fps` is given)
        with `score`; `scores` maps further frame indices to scores of their own."""
        self.scores = {}
        for position in flag_at:
            index = round(position * fps) if fps else int(position)
            self.scores[index] = score
        self.scores.update(scores or {})
        self.baseline = baseline
        self.seen = []  # every frame index it was shown, in order

    def score_frames(self, images):
        results = []
        for image in images:
            index = read_barcode(image)
            self.seen.append(index)
            results.append(FrameScore({"sexual": self.scores.get(index, self.baseline)}))
        return results

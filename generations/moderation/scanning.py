"""Output scanning. For now a pass-through with the final verdict shape; the scanning issue fills in the
frame sampler and detectors. Scanning is already a real, visible stage of the pipeline."""

from dataclasses import dataclass, field

ALLOW = "allow"
REVIEW = "review"
BLOCK = "block"


@dataclass(frozen=True)
class ScanVerdict:
    verdict: str
    frames_scored: int = 0
    detectors: tuple = ()
    deciding_frames: tuple = ()
    categories: dict = field(default_factory=dict)

    def as_audit(self):
        return {
            "verdict": self.verdict,
            "frames_scored": self.frames_scored,
            "detectors": list(self.detectors),
            "deciding_frames": list(self.deciding_frames),
            "categories": self.categories,
        }


def scan_video(path, *, frames: int = 0) -> ScanVerdict:
    return ScanVerdict(verdict=ALLOW, frames_scored=0, detectors=("passthrough@0",))

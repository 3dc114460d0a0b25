"""The output scanner's one error type. A scan that cannot look at every frame it means to look at
raises; it never answers "allow"."""

from generations.inputs.media import MediaError


class ScanError(MediaError):
    """`code` is stable (API, portal, audit); `permanent` says whether retrying the same file can help.

    A subclass of MediaError, so code that already refuses undecodable media refuses these too."""

    def __init__(self, code: str, message: str, *, permanent: bool = True):
        super().__init__(code, message)
        self.permanent = permanent

    def __str__(self):
        return f"{self.code}: {self.message}"


class DetectorUnavailable(ScanError):
    """A configured detector cannot load: an operator problem, not the user's file. Retry once fixed."""

    def __init__(self, detector: str, reason: str):
        super().__init__(
            "scan_detector_unavailable", f"The {detector} detector cannot run: {reason}", permanent=False
        )
        self.detector = detector
        self.reason = reason

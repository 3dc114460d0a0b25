"""Faces in the inputs: does this image or clip show a person's face?

Deepfake screening (likeness.py has the rules) needs to know whether an input shows a real person: a
face together with a sexual, defamatory or deceptive prompt is blocked, and re-animating the face in
someone else's footage is held for review unless the team attested consent. This module only answers
"how many faces, where, how large"; it decides nothing.

The detector is OpenCV's Viola-Jones (Haar) cascades from the opencv-python-headless wheel (Apache-2.0),
nothing downloaded: `haarcascade_frontalface_alt`, then, only when no frontal face is found,
`haarcascade_profileface` on the picture and on its mirror image (the cascade knows one side only).
Measured on real photos shipped by matplotlib and scikit-image and on synthetic and rendered pictures
without faces, `frontalface_alt` found every frontal face any other shipped frontal cascade found and
was the only one with no false positive (`frontalface_default` fires on coins, the moon and blurred
noise); the profile pass finds a three-quarter face the frontal cascade misses and stays quiet on the
same no-face set at 5 neighbours.

Pictures reach the cascades as grey, at most LONG_SIDE pixels on the long side, with local contrast
equalisation (CLAHE): global histogram equalisation lost a small face on a large dark background.
A face smaller than FACE_MIN_SIZE_FRACTION of the picture's short side is ignored as noise.

Known limits: a head tilted 20° is missed (10° is found), and profiles are found less reliably than
frontal faces; faces smaller than ~20 px after the downscale (a crowd in a wide shot) cannot be found.
The detector finds face-like patterns, not people: it cannot tell a photograph from a drawing or an
AI-generated face (simple drawn faces were found in 3 of 6 tries). An image file's first frame only is
searched (an animated GIF given as an image). A miss is the costly error here, so a clip counts as
showing a face when any sampled frame does.

Every OpenCV call here runs on the calling thread (`cv2.setNumThreads(1)`): web and queue workers
take one input at a time and get their parallelism from processes, and OpenCV's own pool would fight
onnxruntime's threads for the same cores. cv2 is imported on first use, so a process that never checks
a face never loads it.
"""

from __future__ import annotations

import io
import math
import os
import struct
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from generations.inputs.media import MediaError

__all__ = [
    "FaceCheckError",
    "FaceDetectorUnavailable",
    "FaceReport",
    "detect_faces_in_image",
    "detect_faces_in_video",
    "merge_boxes",
    "sample_times",
    "warm_up",
]

# Pictures are searched at this long side at most: the studio's own output size, and enough for a face
# a few percent of the frame across.
LONG_SIDE = 640
DEFAULT_MIN_SIZE_FRACTION = 0.04
# The cascades were trained on 20×20 windows: nothing smaller can be found, whatever the setting says.
CASCADE_WINDOW = 20
SCALE_FACTOR = 1.1
FRONTAL_CASCADE = "haarcascade_frontalface_alt.xml"
PROFILE_CASCADE = "haarcascade_profileface.xml"
# Neighbours: how many overlapping hits a face needs. Frontal at 3-5 gave the same results on the
# measured sets; 4 leaves margin both ways. The profile cascade fired on a cat at 3 and was quiet at 5.
FRONTAL_MIN_NEIGHBOURS = 4
PROFILE_MIN_NEIGHBOURS = 5
# The profile pass runs twice (as is and mirrored) and costs twice the frontal one; a turned face
# smaller than this share of the short side is a poor likeness source, and skipping the smallest scales
# saves a third of the pass.
PROFILE_MIN_SIZE_FRACTION = 0.06
CLAHE_CLIP_LIMIT = 2.0
CLAHE_TILES = (8, 8)
# Within this many seconds of the next sample, decoding on is cheaper than seeking (which restarts at
# the keyframe before it).
SEEK_AHEAD_S = 2.0
# Demuxers that read a single still image.
_IMAGE_DEMUXERS = ("image2", "image2pipe", "_pipe")

Box = tuple[float, float, float, float]


class FaceCheckError(MediaError):
    """An input the face check cannot look at. `code` is stable (API, portal, audit): image_corrupt,
    video_corrupt, video_unreadable (the file is not there), face_detector_unavailable. `permanent` says
    whether trying the same input again can help."""

    def __init__(self, code: str, message: str, *, permanent: bool = True):
        super().__init__(code, message)
        self.permanent = permanent

    def __str__(self):
        return f"{self.code}: {self.message}"


class FaceDetectorUnavailable(FaceCheckError):
    """OpenCV or its cascade files are missing, or the settings are wrong: an operator problem, not the
    user's file. Callers fail closed (hold or refuse the request), never treat it as "no face"."""

    def __init__(self, reason: str):
        super().__init__("face_detector_unavailable", f"The face detector cannot run: {reason}", permanent=False)
        self.reason = reason


@dataclass(frozen=True)
class FaceReport:
    """faces: how many faces the picture shows (for a clip, the most in any one sampled frame). boxes:
    the picture's faces (for a clip, those of the sampled frame with the largest face) as (x, y, w, h)
    fractions of its width and height, largest first. largest_fraction: the largest face's area over the
    picture's area (for a clip, the largest over all sampled frames)."""

    faces: int
    boxes: tuple[Box, ...]
    largest_fraction: float
    frames_checked: int
    detector: str
    elapsed_ms: float
    frames_with_faces: int = 0

    @property
    def has_face(self) -> bool:
        return self.faces > 0

    def as_dict(self) -> dict:
        return {
            "faces": self.faces,
            "boxes": [list(box) for box in self.boxes],
            "largest_fraction": round(self.largest_fraction, 4),
            "frames_checked": self.frames_checked,
            "frames_with_faces": self.frames_with_faces,
            "detector": self.detector,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


# --- the detector: loaded once per process, cascades once per thread ------------------------------------


class _Detector:
    """The OpenCV module and what every thread needs to build its own cascades.

    A CascadeClassifier is not safe to share: detectMultiScale keeps per-call state in the instance, and
    the binding releases the GIL while it runs. Each thread gets its own (a few ms to parse, once)."""

    def __init__(self, cv2, frontal_path: str, profile_path: str):
        self.cv2 = cv2
        self.frontal_path = frontal_path
        self.profile_path = profile_path
        self.name = f"opencv-haar-frontalface_alt+profileface@{cv2.__version__}"
        self._local = threading.local()

    def _tools(self):
        tools = getattr(self._local, "tools", None)
        if tools is None:
            frontal = self.cv2.CascadeClassifier(self.frontal_path)
            profile = self.cv2.CascadeClassifier(self.profile_path)
            if frontal.empty() or profile.empty():
                raise FaceDetectorUnavailable("OpenCV could not parse its face cascade files")
            clahe = self.cv2.createCLAHE(clipLimit=CLAHE_CLIP_LIMIT, tileGridSize=CLAHE_TILES)
            tools = self._local.tools = (frontal, profile, clahe)
        return tools

    def find(self, grey: np.ndarray, min_size_fraction: float) -> list[tuple[int, int, int, int]]:
        """Faces in a grey uint8 picture, as pixel boxes, largest first."""
        height, width = grey.shape
        short = min(width, height)
        min_side = max(CASCADE_WINDOW, math.ceil(min_size_fraction * short))
        if min_side > short:
            return []
        frontal, profile, clahe = self._tools()
        equalised = clahe.apply(np.ascontiguousarray(grey))
        found = [
            tuple(int(v) for v in box)
            for box in frontal.detectMultiScale(
                equalised, scaleFactor=SCALE_FACTOR, minNeighbors=FRONTAL_MIN_NEIGHBOURS, minSize=(min_side, min_side)
            )
        ]
        profile_side = max(min_side, math.ceil(PROFILE_MIN_SIZE_FRACTION * short))
        if not found and profile_side <= short:
            size = (profile_side, profile_side)
            for box in profile.detectMultiScale(
                equalised, scaleFactor=SCALE_FACTOR, minNeighbors=PROFILE_MIN_NEIGHBOURS, minSize=size
            ):
                found.append(tuple(int(v) for v in box))
            mirrored = self.cv2.flip(equalised, 1)
            for x, y, w, h in profile.detectMultiScale(
                mirrored, scaleFactor=SCALE_FACTOR, minNeighbors=PROFILE_MIN_NEIGHBOURS, minSize=size
            ):
                found.append((width - int(x) - int(w), int(y), int(w), int(h)))
        return merge_boxes(found)


_lock = threading.Lock()
_detector: _Detector | None = None


def _load() -> _Detector:
    global _detector
    if _detector is not None:
        return _detector
    with _lock:
        if _detector is None:
            try:
                import cv2  # heavy: loaded by the first face check
            except (ImportError, OSError, RuntimeError) as exc:
                # Not installed, or built against another NumPy or C library than this machine has.
                raise FaceDetectorUnavailable(f"OpenCV cannot be imported ({exc})") from exc
            data = getattr(cv2, "data", None)
            folder = getattr(data, "haarcascades", "") if data is not None else ""
            paths = [os.path.join(folder, name) for name in (FRONTAL_CASCADE, PROFILE_CASCADE)]
            missing = [os.path.basename(path) for path in paths if not folder or not os.path.isfile(path)]
            if missing:
                # opencv-python 5.x wheels no longer ship the cascades.
                raise FaceDetectorUnavailable(f"OpenCV {cv2.__version__} ships no {', '.join(missing)}")
            cv2.setNumThreads(1)
            # No GPU here; probing for OpenCL costs time on the first call and does nothing for cascades.
            cv2.ocl.setUseOpenCL(False)
            detector = _Detector(cv2, *paths)
            detector._tools()
            _detector = detector
    return _detector


def warm_up() -> str:
    """Load OpenCV and the cascades now (a worker at start-up), so the first request does not pay for
    it. Returns the detector's name@version; raises FaceDetectorUnavailable."""
    return _load().name


def _min_size_fraction() -> float:
    value = settings.FACE_MIN_SIZE_FRACTION if settings.configured else None
    try:
        fraction = float(DEFAULT_MIN_SIZE_FRACTION if value is None else value)
    except (TypeError, ValueError):
        fraction = math.nan
    if not 0.0 <= fraction < 1.0:
        raise FaceDetectorUnavailable(f"FACE_MIN_SIZE_FRACTION must be a number from 0 up to 1, not {value!r}")
    return fraction


# --- pure helpers -----------------------------------------------------------------------------------------


def merge_boxes(boxes: Iterable[tuple[int, int, int, int]], overlap: float = 0.5) -> list[tuple[int, int, int, int]]:
    """One box per face, largest first: a box that covers more than `overlap` of its own area inside a
    larger kept box is the same face seen again (the profile cascade and its mirror pass, say)."""
    kept: list[tuple[int, int, int, int]] = []
    for box in sorted(set(boxes), key=lambda b: (-b[2] * b[3], b)):
        x, y, w, h = box
        for kx, ky, kw, kh in kept:
            ix = max(0, min(x + w, kx + kw) - max(x, kx))
            iy = max(0, min(y + h, ky + kh) - max(y, ky))
            if ix * iy > overlap * w * h:
                break
        else:
            kept.append(box)
    return kept


def _fractions(boxes: Sequence[tuple[int, int, int, int]], width: int, height: int) -> tuple[Box, ...]:
    return tuple(
        (round(x / width, 4), round(y / height, 4), round(w / width, 4), round(h / height, 4)) for x, y, w, h in boxes
    )


def _largest_fraction(boxes: Sequence[tuple[int, int, int, int]], width: int, height: int) -> float:
    return max((w * h for _, _, w, h in boxes), default=0) / float(width * height)


def fit_long_side(width: int, height: int, long_side: int = LONG_SIDE) -> tuple[int, int]:
    """The size to search at: `long_side` on the long side at most, never enlarged."""
    scale = min(1.0, long_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def sample_times(duration_s: float, count: int) -> list[float]:
    """`count` times spread evenly over the clip: the middle of each of `count` equal stretches, so the
    first and last frames (often a fade or black) are not spent on and a still clip's samples differ."""
    if count < 1:
        raise ValueError("count must be at least 1")
    if duration_s <= 0:
        return [0.0]
    return [duration_s * (index + 0.5) / count for index in range(count)]


# --- images -----------------------------------------------------------------------------------------------

# What Pillow raises on a damaged, truncated or hostile file.
_IMAGE_ERRORS = (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error)


def _image_grey(data: bytes | Image.Image) -> np.ndarray:
    if isinstance(data, Image.Image):
        image = data
        try:
            image.load()
        except _IMAGE_ERRORS + (Image.DecompressionBombError,) as exc:
            raise FaceCheckError("image_corrupt", f"The image cannot be decoded ({type(exc).__name__}).") from exc
    else:
        if not data:
            raise FaceCheckError("image_corrupt", "The image is empty.")
        try:
            image = Image.open(io.BytesIO(data))
            # A JPEG decodes straight to grey at 1/2-1/8 size when it is far larger than needed.
            image.draft("L", (LONG_SIDE, LONG_SIDE))
            image.load()
        except Image.DecompressionBombError as exc:
            raise FaceCheckError("image_corrupt", f"The image is too large to decode safely ({exc}).") from exc
        except _IMAGE_ERRORS as exc:
            raise FaceCheckError("image_corrupt", f"The image cannot be decoded ({type(exc).__name__}).") from exc
    try:
        # A phone photo stored sideways shows its face sideways to a detector that ignores EXIF.
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            image = Image.alpha_composite(background, rgba)
        grey = image.convert("L")
        width, height = fit_long_side(*grey.size)
        if (width, height) != grey.size:
            grey = grey.resize((width, height), Image.Resampling.BOX)
        return np.asarray(grey, dtype=np.uint8)
    except _IMAGE_ERRORS as exc:
        raise FaceCheckError("image_corrupt", f"The image cannot be decoded ({type(exc).__name__}).") from exc


def detect_faces_in_image(data: bytes | Image.Image) -> FaceReport:
    """Faces in one picture (file bytes in any format Pillow reads, or an Image). Raises FaceCheckError
    with code image_corrupt for what cannot be decoded, FaceDetectorUnavailable when OpenCV cannot run."""
    started = time.perf_counter()
    detector = _load()
    fraction = _min_size_fraction()
    grey = _image_grey(data)
    height, width = grey.shape
    boxes = detector.find(grey, fraction)
    return FaceReport(
        faces=len(boxes),
        boxes=_fractions(boxes, width, height),
        largest_fraction=_largest_fraction(boxes, width, height),
        frames_checked=1,
        detector=detector.name,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        frames_with_faces=1 if boxes else 0,
    )


# --- videos -----------------------------------------------------------------------------------------------


def _video_errors():
    import av  # heavy: loaded by the first video face check

    return (av.FFmpegError, OSError, ValueError, EOFError, RuntimeError)


def _open(path):
    import av  # heavy: loaded by the first video face check

    try:
        container = av.open(os.fspath(path))
    except FileNotFoundError as exc:
        raise FaceCheckError("video_unreadable", "The video file to check does not exist.", permanent=False) from exc
    except _video_errors() as exc:
        raise FaceCheckError("video_corrupt", f"The video cannot be opened ({type(exc).__name__}).") from exc
    if not container.streams.video:
        container.close()
        raise FaceCheckError("video_corrupt", "The file has no video stream.")
    if any((container.format.name or "").endswith(name) for name in _IMAGE_DEMUXERS):
        container.close()
        raise FaceCheckError("video_corrupt", "The file is a still image, not a video.")
    stream = container.streams.video[0]
    # One decoding thread: a handful of frames is not worth a pool, and frame threads would let a file
    # cut short read as a shorter clip.
    stream.codec_context.thread_count = 1
    return container, stream


def _duration_s(container, stream) -> float | None:
    import av  # heavy: loaded by the first video face check

    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def _measured_duration_s(path) -> float:
    """For a file whose header states no duration (a browser recording, say): the last packet's time."""
    container, stream = _open(path)
    try:
        first = last = None
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            first = packet.pts if first is None else min(first, packet.pts)
            last = packet.pts if last is None else max(last, packet.pts)
    except _video_errors() as exc:
        raise FaceCheckError("video_corrupt", f"The video cannot be read ({type(exc).__name__}).") from exc
    finally:
        container.close()
    if first is None or not stream.time_base:
        return 0.0
    return float((last - first) * stream.time_base)


def _sampled_frames(container, stream, times: Sequence[float]) -> Iterator:
    """The first frame at or after each of `times` (seconds from the stream's start), each frame once."""
    errors = _video_errors()
    start_s = float(stream.start_time * stream.time_base) if stream.start_time is not None and stream.time_base else 0.0
    frames = None
    position = -math.inf
    last = None
    for target in times:
        if frames is None or (target - position > SEEK_AHEAD_S and stream.time_base):
            if target > 0 and stream.time_base:
                try:
                    container.seek(int((start_s + target) / stream.time_base), stream=stream, backward=True)
                except errors:
                    # A stream that cannot seek is read on from where it is.
                    pass
            frames = iter(container.decode(stream))
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                # The clip ended before the target (a header that overstates the duration): the last
                # frame stands in, once.
                if last is not None:
                    yield last
                return
            except errors as exc:
                raise FaceCheckError(
                    "video_corrupt", f"The video stops decoding part-way ({type(exc).__name__})."
                ) from exc
            t = frame.time - start_s if frame.time is not None else None
            position = t if t is not None else position
            last = frame
            if t is None or t >= target - 1e-3:
                last = None
                yield frame
                break


def _frame_grey(reformatter, frame) -> np.ndarray:
    width, height = fit_long_side(frame.width, frame.height)
    grey = reformatter.reformat(frame, width=width, height=height, format="gray", interpolation="AREA").to_ndarray()
    # Phone clips are stored sideways with a display matrix saying how to turn them.
    turns = round((getattr(frame, "rotation", 0) or 0) / 90) % 4
    return np.ascontiguousarray(np.rot90(grey, turns)) if turns else grey


def detect_faces_in_video(path, *, max_frames: int = 6) -> FaceReport:
    """Faces in a clip: `max_frames` frames sampled evenly over it (see sample_times), each searched as a
    picture. The clip shows a face when any sampled frame does: a face on screen for part of the clip is
    still that person's likeness, and the measured false-positive rate per frame is zero, so requiring it
    in several frames would only add misses. Reports the frame with the largest face.

    Raises FaceCheckError: video_corrupt (cannot be opened, no video stream, stops decoding, no
    frame at all), video_unreadable (no such file); FaceDetectorUnavailable when OpenCV cannot run."""
    from av.video.reformatter import VideoReformatter  # heavy: loaded by the first video face check

    if max_frames < 1:
        raise ValueError("max_frames must be at least 1")
    started = time.perf_counter()
    detector = _load()
    fraction = _min_size_fraction()
    container, stream = _open(path)
    try:
        duration = _duration_s(container, stream)
        if duration is None:
            duration = _measured_duration_s(path)
        reformatter = VideoReformatter()
        checked = with_faces = most = 0
        best_boxes: tuple[Box, ...] = ()
        best_fraction = 0.0
        for frame in _sampled_frames(container, stream, sample_times(duration, max_frames)):
            try:
                grey = _frame_grey(reformatter, frame)
            except _video_errors() as exc:
                raise FaceCheckError("video_corrupt", f"A frame cannot be converted ({type(exc).__name__}).") from exc
            height, width = grey.shape
            boxes = detector.find(grey, fraction)
            checked += 1
            if not boxes:
                continue
            with_faces += 1
            most = max(most, len(boxes))
            largest = _largest_fraction(boxes, width, height)
            if largest > best_fraction:
                best_fraction, best_boxes = largest, _fractions(boxes, width, height)
    finally:
        container.close()
    if not checked:
        raise FaceCheckError("video_corrupt", "The video contains no decodable frame.")
    return FaceReport(
        faces=most,
        boxes=best_boxes,
        largest_fraction=best_fraction,
        frames_checked=checked,
        detector=detector.name,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        frames_with_faces=with_faces,
    )

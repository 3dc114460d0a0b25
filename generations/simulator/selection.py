"""multi-elements (video→video editing) as the upstream documents it: a selection session opened on a clip
(POST /v1/videos/multi-elements/init-selection), points marked on its frames (add-, delete-, clear-selection),
a preview (preview-selection), then the task (POST /v1/videos/multi-elements).

Sources: WHQ25/rawgenai docs/research/kling/multimodal-video-editing.md (a transcription of the official
document) and CometAPI's "multimodal video editing" pages (apidoc.cometapi.com/api/video/kling/
multimodal-video-editing/…). init takes exactly one of video_id (a video this upstream made) and video_url (mp4/mov),
2–5.5 s or 7–10.5 s long; its data: status (0, else a rejection code), session_id (valid 24 h), fps,
original_duration (ms), width, height, total_frame, normalized_video. add/delete take session_id, frame_index and
points [{x, y}] in [0, 1]: at most 10 frames, 10 points a frame; delete takes points exactly as added. The task:
model_name kling-v1-6, session_id, edit_mode addition (1–2 images in image_list) | swap (1) | removal (none),
prompt (required, ≤2500), negative_prompt, mode std|pro, duration 5 (a 2–5 s clip) or 10 (7–10 s).

The simulator is one account, so a session is anyone's who holds its id (as the credentials are). It does not
enforce the 720–2160 px and 24/30/60 fps limits on the clip: the studio's own offline clips are smaller.
"""

from __future__ import annotations

import base64
import io
import secrets
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from .media import MediaError, probe_video
from .validation import (
    MAX_PROMPT_CHARS,
    MAX_VIDEO_BYTES,
    MODES,
    ApiError,
    Fetch,
    FindVideo,
    TaskRequest,
    _callback_url,
    _choice,
    _download,
    _external_task_id,
    _present,
    _screen,
    _text,
    _url,
    _watermark,
    image_input,
    invalid,
)

KIND = "multi-elements"
MODELS = ("kling-v1-6",)
EDIT_MODES = ("addition", "swap", "removal")
EDIT_MODE_IMAGES = {"addition": (1, 2), "swap": (1, 1), "removal": (0, 0)}
CLIP_SECONDS = {"5": (2.0, 5.5), "10": (7.0, 10.5)}
MAX_FRAMES = 10
MAX_POINTS = 10
SESSION_TTL_S = 24 * 3600
# Each live session holds its clip in memory: a bound, as any real service has one.
MAX_SESSIONS = 64


@dataclass
class Session:
    session_id: str
    video: bytes = field(repr=False)
    fps: float
    width: int
    height: int
    duration_s: float
    total_frames: int
    created_at: float
    marks: dict = field(default_factory=dict)  # frame_index -> [{"x", "y"}]

    def selection(self) -> list[dict]:
        return [{"frame_index": index, "points": list(self.marks[index])} for index in sorted(self.marks)]


@dataclass(kw_only=True)
class MultiElementsRequest(TaskRequest):
    """multi-elements: the session's clip and marks, the edit and its images."""

    negative_prompt: str = ""
    edit_mode: str = "addition"
    duration: str = "5"
    session_id: str = ""
    video: bytes | None = field(default=None, repr=False)
    images: list[Image.Image] = field(default_factory=list, repr=False)
    selection: list[dict] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return float(self.duration)

    def release_inputs(self) -> None:
        self.video = None
        self.images = []


def clip_duration(seconds: float) -> str:
    return next((name for name, (low, high) in CLIP_SECONDS.items() if low - 0.05 <= seconds <= high + 0.05), "")


def _points(body: dict) -> list[dict]:
    points = body.get("points")
    if not isinstance(points, list) or not 1 <= len(points) <= MAX_POINTS:
        raise invalid(f"points must be a list of 1 to {MAX_POINTS} points")
    checked = []
    for point in points:
        values = (point.get("x"), point.get("y")) if isinstance(point, dict) else (None, None)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in values):
            raise invalid("points must be objects {x, y} with x and y between 0 and 1")
        checked.append({"x": float(values[0]), "y": float(values[1])})
    return checked


def _mask_entry(width: int, height: int, points: list[dict]) -> dict:
    """One object's mask, in both encodings the upstream returns: squares a tenth of the shorter side around the
    points (the simulator segments nothing), as COCO compressed RLE (column-major) and as a PNG."""
    half = max(1, min(width, height) // 20)
    mask = np.zeros((height, width), dtype=np.uint8)
    for point in points:
        cx, cy = round(point["x"] * (width - 1)), round(point["y"] * (height - 1))
        mask[max(0, cy - half) : cy + half + 1, max(0, cx - half) : cx + half + 1] = 1
    flat = mask.flatten(order="F")
    edges = np.concatenate(([0], np.flatnonzero(np.diff(flat)) + 1, [flat.size]))
    counts = ([0] if flat[0] else []) + [int(n) for n in np.diff(edges)]
    text = []
    for position, value in enumerate(counts):
        value -= counts[position - 2] if position > 2 else 0
        while True:
            chunk, value = value & 0x1F, value >> 5
            more = (value != -1) if chunk & 0x10 else (value != 0)
            text.append(chr((chunk | 0x20 if more else chunk) + 48))
            if not more:
                break
    buffer = io.BytesIO()
    Image.fromarray(mask * 255).save(buffer, format="PNG")
    size = [height, width]
    return {"object_id": 0, "rle_mask": {"size": size, "counts": "".join(text)},
            "png_mask": {"size": size, "base64": base64.b64encode(buffer.getvalue()).decode()}}


class SelectionSessions:
    """Every live selection session, behind one lock."""

    def __init__(self, *, read_video, clock=time.time):
        self._read_video = read_video  # VideoRecord -> its bytes
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def _live(self, body: dict) -> Session:
        session_id = body.get("session_id")
        if not isinstance(session_id, str) or not session_id:
            raise invalid("session_id is required")
        session = self._sessions.get(session_id)
        if session is None or self._clock() - session.created_at > SESSION_TTL_S:
            raise ApiError(404, 1203, f"Requested resource does not exist: session {session_id[:40]}")
        return session

    def _frame(self, session: Session, body: dict) -> int:
        index = body.get("frame_index")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < session.total_frames:
            raise invalid(f"frame_index must be an integer between 0 and {session.total_frames - 1}")
        return index

    def init(self, body: dict, fetch: Fetch | None, find_video: FindVideo | None) -> dict:
        if not isinstance(body, dict):
            raise ApiError(400, 1200, "Invalid request parameters: the body must be a JSON object")
        if _present(body, "video_id") == _present(body, "video_url"):
            raise invalid("exactly one of video_id and video_url is required")
        if _present(body, "video_id"):
            record = find_video(body["video_id"]) if isinstance(body["video_id"], str) and find_video else None
            if record is None:
                raise invalid(f"video_id {body['video_id']} does not exist")
            video = self._read_video(record)
        else:
            video = _download(_url(body["video_url"], "video_url"), "video_url", MAX_VIDEO_BYTES, fetch)
        try:
            info = probe_video(video)
        except MediaError as error:
            raise invalid(f"video {error}") from None
        if not clip_duration(info.duration_s):
            raise invalid("video duration must be between 2s and 5.5s, or between 7s and 10.5s")
        total = max(1, round(info.duration_s * info.fps))
        now = self._clock()
        with self._lock:
            for stale in [key for key, old in self._sessions.items() if now - old.created_at > SESSION_TTL_S]:
                del self._sessions[stale]
            if len(self._sessions) >= MAX_SESSIONS:
                raise ApiError(429, 1302, "too many selection sessions are open; try again later")
            session = Session(session_id=str(10**17 + secrets.randbelow(9 * 10**17)), video=video, fps=info.fps,
                              width=info.width, height=info.height, duration_s=info.duration_s, total_frames=total,
                              created_at=now)
            self._sessions[session.session_id] = session
        return {"status": 0, "session_id": session.session_id, "final_unit_deduction": "0", "fps": info.fps,
                "original_duration": round(info.duration_s * 1000), "width": info.width, "height": info.height,
                "total_frame": total, "normalized_video": ""}

    def add(self, body: dict) -> dict:
        with self._lock:
            session = self._live(body)
            index = self._frame(session, body)
            points = _points(body)
            if index not in session.marks and len(session.marks) >= MAX_FRAMES:
                raise invalid(f"at most {MAX_FRAMES} frames can be marked")
            merged = session.marks.get(index, []) + [p for p in points if p not in session.marks.get(index, [])]
            if len(merged) > MAX_POINTS:
                raise invalid(f"at most {MAX_POINTS} points can be marked on a frame")
            session.marks[index] = merged
            return self._masks(session, index)

    def delete(self, body: dict) -> dict:
        with self._lock:
            session = self._live(body)
            index = self._frame(session, body)
            points = _points(body)
            if any(point not in session.marks.get(index, []) for point in points):
                raise invalid("points must be exactly the points added to the frame")
            kept = [point for point in session.marks[index] if point not in points]
            if kept:
                session.marks[index] = kept
            else:
                del session.marks[index]
            return self._masks(session, index)

    def clear(self, body: dict) -> dict:
        with self._lock:
            session = self._live(body)
            session.marks.clear()
            return {"status": 0, "session_id": session.session_id, "final_unit_deduction": "0"}

    def preview(self, body: dict, file_url: str) -> dict:
        with self._lock:
            session = self._live(body)
            return {"status": 0, "session_id": session.session_id, "final_unit_deduction": "0",
                    "res": {"video": file_url, "video_cover": "", "tracking_output": ""}}

    @staticmethod
    def _masks(session: Session, index: int) -> dict:
        points = session.marks.get(index, [])
        boxes = [_mask_entry(session.width, session.height, points)] if points else []
        return {"status": 0, "session_id": session.session_id, "final_unit_deduction": "0",
                "res": {"frame_index": index, "rle_mask_list": boxes}}

    def video_of(self, session_id: str) -> bytes | None:
        with self._lock:
            session = self._sessions.get(session_id)
            return session.video if session is not None else None

    def validate_create(self, body: dict, fetch: Fetch | None) -> MultiElementsRequest:
        model_name = body.get("model_name") or MODELS[0]
        if model_name not in MODELS:
            raise invalid(f"model_name must be one of: {', '.join(MODELS)}")
        if not _present(body, "session_id"):
            raise invalid("session_id is required")
        if not _present(body, "edit_mode"):
            raise invalid("edit_mode is required")
        edit_mode = _choice(body, "edit_mode", EDIT_MODES, "addition")
        prompt = _text(body, "prompt")
        if not prompt:
            raise invalid("prompt is required")
        negative_prompt = _text(body, "negative_prompt", MAX_PROMPT_CHARS)
        mode = _choice(body, "mode", MODES, "std")
        image_list = body.get("image_list")
        if image_list in (None, ""):
            image_list = []
        if not isinstance(image_list, list) or not all(isinstance(entry, dict) for entry in image_list):
            raise invalid("image_list must be a list of {image}")
        low, high = EDIT_MODE_IMAGES[edit_mode]
        if not low <= len(image_list) <= high:
            wanted = "no image_list" if high == 0 else f"{low}" + (f" to {high}" if high != low else "") + " images in image_list"
            raise invalid(f"edit_mode {edit_mode} takes {wanted}")
        for name in ("aspect_ratio", "cfg_scale", "camera_control", "image", "image_tail", "video_list", "video_url"):
            if _present(body, name):
                raise invalid(f"{name} is not supported by multi-elements")
        watermark = _watermark(body)
        callback_url = _callback_url(body)
        external_task_id = _external_task_id(body)
        with self._lock:
            session = self._live(body)
            video, selection = session.video, session.selection()
            natural = clip_duration(session.duration_s)
        duration = str(body.get("duration") or natural)
        if duration not in CLIP_SECONDS:
            raise invalid("duration must be one of: 5, 10")
        if duration != natural:
            raise invalid(f"duration {duration} needs a clip of {CLIP_SECONDS[duration][0]:g}-{CLIP_SECONDS[duration][1]:g}s")
        if edit_mode != "addition" and not selection:
            raise invalid(f"edit_mode {edit_mode} needs a selection: mark the element with add-selection first")
        _screen(prompt, negative_prompt)
        images = [image_input(entry.get("image"), f"image_list[{n}].image", fetch) for n, entry in enumerate(image_list)]
        return MultiElementsRequest(
            kind=KIND, model_name=model_name, mode=mode, prompt=prompt, negative_prompt=negative_prompt, edit_mode=edit_mode,
            duration=duration, session_id=session.session_id, video=video, images=images, selection=selection,
            watermark=watermark, callback_url=callback_url, external_task_id=external_task_id,
        )

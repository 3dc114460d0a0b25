"""The simulator's WSGI application: routes, the in-memory task store, render threads, callbacks, faults.

Kinds: text2video, image2video, video-extend, lip-sync, effects, multi-image2video, avatar/image2video
(a two-segment route), omni-video and motion-control, each with create, query (task_id or external_task_id)
and list under /v1/videos/<kind> and /kling/v1/videos/<kind>; the image kinds under /v1/images/generations,
/v1/images/editing/expand, /v1/images/omni-image and /v1/images/multi-image2image (and /kling/v1/images/…), whose
result is task_result.images; and sound under /v1/audio/text-to-audio and /v1/audio/video-to-audio, whose result is
task_result.audios (and videos). Every result video is also registered
by video id on disk (registry.py), so extend and lip-sync can find it.

The element library (elements.py): /v1/general/advanced-custom-elements (create a task, query, list),
/v1/general/advanced-presets-elements (none) and /v1/general/delete-elements; element_list takes only its ids.

Stdlib only (plus httpx for callbacks and image URLs), so it runs as its own process with no framework.
"""

from __future__ import annotations

import json
import logging
import math
import os
import queue
import re
import secrets
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs

import httpx

from .auth import check_authorization
from .config import SimulatorConfig
from .elements import ElementLibrary
from .faults import FaultInjector
from .media import probe_video
from .registry import VideoRecord, VideoRegistry
from .render import render_clip, soundtrack, watermarked_copy, watermarked_still
from .render_images import render_composed, render_effect, render_expanded, render_multi_image, render_stills
from .render_sound import clip_with_sound, encode_sound, sound_effect
from .render_videos import (
    audio_envelope,
    render_avatar,
    render_extension,
    render_lip_sync,
    render_motion,
    render_multi_elements,
    render_omni,
    speech_envelope,
    synthesise_voice,
)
from .selection import MultiElementsRequest, SelectionSessions
from .validation import (
    EXTEND_SECONDS,
    ApiError,
    AvatarRequest,
    CreateRequest,
    EffectsRequest,
    ExpandRequest,
    ExtendRequest,
    ImageGenerationRequest,
    LipSyncRequest,
    MotionRequest,
    MultiImage2ImageRequest,
    MultiImageRequest,
    OmniImageRequest,
    OmniRequest,
    TaskRequest,
    TextToAudioRequest,
    VideoToAudioRequest,
    invalid,
    megabytes,
    validate_create,
)

log = logging.getLogger("generations.simulator")

KINDS = ("text2video", "image2video", "video-extend", "lip-sync", "effects", "multi-image2video", "avatar/image2video",
         "omni-video", "motion-control", "multi-elements")
IMAGE_KINDS = ("images/generations", "images/editing/expand", "images/omni-image", "images/multi-image2image")
# Sound kinds, straight under /v1/ like the image kinds: task_result.audios (and videos, for video-to-audio).
AUDIO_KINDS = ("audio/text-to-audio", "audio/video-to-audio")
SUBMITTED, PROCESSING, SUCCEED, FAILED = "submitted", "processing", "succeed", "failed"
HOLDS_SLOT = (SUBMITTED, PROCESSING)
RISK_CONTROL_MESSAGE = "Failure to pass the risk control system"
RENDER_FAILED_MESSAGE = "Server internal error, please try again later"
# The task shows `processing` after this share of render_delay_s.
PROCESSING_AT = 0.2
MAX_BODY_BYTES = 32 * 1024 * 1024
CALLBACK_TIMEOUT_S = 5.0
FETCH_TIMEOUT_S = 10.0

_KIND = "|".join(re.escape(kind) for kind in KINDS)
# A video kind under /v1/videos/, an image kind straight under /v1/ (its name is its route there).
_ROUTE = rf"(videos/(?:{_KIND})|{'|'.join(re.escape(kind) for kind in IMAGE_KINDS + AUDIO_KINDS)})"
COLLECTION = re.compile(rf"^/v1/{_ROUTE}/?$")
ITEM = re.compile(rf"^/v1/{_ROUTE}/([^/]+)$")
SESSION_FILE = re.compile(r"^/sessions/(\d+)\.mp4$")
SELECTION = re.compile(r"^/v1/videos/multi-elements/(init|add|delete|clear|preview)-selection$")
ELEMENTS = re.compile(r"^/v1/general/advanced-custom-elements/?$")
ELEMENT = re.compile(r"^/v1/general/advanced-custom-elements/([^/]+)$")
PRESET_ELEMENTS = re.compile(r"^/v1/general/advanced-presets-elements/?$")
DELETE_ELEMENTS = re.compile(r"^/v1/general/delete-elements/?$")
RESULT_FILE = re.compile(r"^/files/(\d+(?:-\d)?(?:-watermarked)?)\.(mp4|png|mp3|wav)$")
STILL_AND_SOUND_TYPES = {"png": "image/png", "mp3": "audio/mpeg", "wav": "audio/wav"}
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def now_ms() -> int:
    return int(time.time() * 1000)


def unit_deduction(request: TaskRequest) -> str:
    """Resource-pack units a finished task costs (roughly the official price list's shape).

    Per 5 s of video: 1 in std and 3.5 in pro, 10 for the v2 masters. An extend pays for the 5 s it adds,
    at the mode of the video it extends; lip-sync pays 0.5 per started 5 s of the source; single-image
    effects count as std; multi-image2video prices like image2video; an avatar pays per second of its
    speech, 1 per 5 s in std and 2 in pro; omni-video 3 per 5 s in std and 4 in pro; motion-control 2 per 5 s
    of its clip in std and 3 in pro; every image kind 0.2 an image.
    """
    if isinstance(request, ImageGenerationRequest):
        return f"{0.2 * request.count:g}"
    if isinstance(request, (TextToAudioRequest, VideoToAudioRequest)):
        per_5s = 0.3 if isinstance(request, TextToAudioRequest) else 0.4
        return f"{per_5s * math.ceil(request.duration_s / 5 - 1e-9):g}"
    if request.kind == "lip-sync":
        return f"{0.5 * math.ceil(request.duration_s / 5 - 1e-9):g}"
    if request.kind == "avatar/image2video":
        return f"{(1.0 if request.mode == 'std' else 2.0) * request.duration_s / 5:g}"
    if request.kind == "multi-elements":
        return f"{(3.0 if request.mode == 'std' else 5.0) * request.duration_s / 5:g}"
    if request.kind == "motion-control":
        return f"{(2.0 if request.mode == 'std' else 3.0) * math.ceil(request.duration_s - 1e-6) / 5:g}"
    if request.kind == "omni-video":
        return f"{(3.0 if request.mode == 'std' else 4.0) * math.ceil(request.duration_s - 1e-6) / 5:g}"
    per_5s = 1.0 if request.mode == "std" else 3.5
    if request.model_name in ("kling-v2-master", "kling-v2-1-master"):
        per_5s = 10.0
    seconds = EXTEND_SECONDS if request.kind == "video-extend" else request.duration_s
    return f"{per_5s * seconds / 5:g}"


@dataclass
class Task:
    task_id: str
    kind: str
    request: TaskRequest
    created_at: int
    updated_at: int
    status: str = SUBMITTED
    status_msg: str = ""
    stuck: bool = False
    risk_control: bool = False
    video_id: str | None = None
    video_url: str | None = None
    # video-extend only: {id, url, duration} of the video it extends (task_info.parent_video).
    parent_video: dict | None = None
    # image generation only: the result URL of each still, in index order.
    image_urls: list[str] | None = None
    # sound kinds only: the result audio's id and its base URL (<base>.mp3 and <base>.wav).
    audio_id: str | None = None
    audio_base: str | None = None

    def _audios(self) -> list[dict]:
        if self.status != SUCCEED or not self.audio_base:
            return []
        seconds = f"{self.request.duration_s:.1f}"
        return [{"id": self.audio_id, "url_mp3": f"{self.audio_base}.mp3", "url_wav": f"{self.audio_base}.wav",
                 "duration_mp3": seconds, "duration_wav": seconds}]

    def _result(self) -> dict:
        """task_result: {"images": [{index, url}]} for an image kind, {"audios": [...]} for a sound kind (with
        "videos" for video-to-audio), {"videos": [...]} for the rest."""
        if self.kind == "audio/text-to-audio":
            return {"audios": self._audios()}
        if self.kind == "audio/video-to-audio":
            return {"videos": self._videos(), "audios": self._audios()}
        if self.kind not in IMAGE_KINDS:
            return {"videos": self._videos()}
        images = []
        for index, url in enumerate(self.image_urls if self.status == SUCCEED and self.image_urls else []):
            image = {"index": index, "url": url}
            if self.request.watermark:
                image["watermark_url"] = url.removesuffix(".png") + "-watermarked.png"
            images.append(image)
        return {"images": images}

    def _videos(self) -> list[dict]:
        if self.status != SUCCEED:
            return []
        video = {"id": self.video_id, "url": self.video_url, "duration": f"{self.request.duration_s:.1f}"}
        if self.request.watermark and self.video_url:
            video["watermark_url"] = self.video_url.removesuffix(".mp4") + "-watermarked.mp4"
        return [video]

    def _task_info(self) -> dict:
        info = {}
        if self.parent_video is not None:
            info["parent_video"] = dict(self.parent_video)
        if self.request.external_task_id is not None:
            info["external_task_id"] = self.request.external_task_id
        return info

    def _deduction(self) -> str:
        return unit_deduction(self.request) if self.status == SUCCEED else "0"

    def created(self) -> dict:
        """`data` of the create answer."""
        return {
            "task_id": self.task_id,
            "task_info": self._task_info(),
            "task_status": self.status,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    def queried(self) -> dict:
        """`data` of a query answer (and one element of a list answer)."""
        data = {
            "task_id": self.task_id,
            "task_status": self.status,
            "task_status_msg": self.status_msg,
            "task_info": self._task_info(),
            "watermark_info": {"enabled": self.request.watermark},
            "final_unit_deduction": self._deduction(),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
        if self.status == SUCCEED:
            data["task_result"] = self._result()
        return data

    def callback(self) -> dict:
        """The bare callback body (§6): no code/message/data envelope."""
        return {
            "task_id": self.task_id,
            "task_status": self.status,
            "task_status_msg": self.status_msg,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "final_unit_deduction": self._deduction(),
            "task_info": self._task_info(),
            "task_result": self._result(),
        }


class TaskStore:
    """Every task, behind one lock; readers get dict snapshots built under it."""

    def __init__(self, concurrency_limit: int = 0):
        self.concurrency_limit = concurrency_limit
        self._lock = threading.Lock()
        self._tasks: dict[str, Task] = {}
        self._by_external_id: dict[str, str] = {}
        self._order: list[str] = []

    def new_task_id(self) -> str:
        with self._lock:
            while True:
                task_id = str(10**17 + secrets.randbelow(9 * 10**17))  # 18 digits, like the upstream's
                if task_id not in self._tasks:
                    return task_id

    def add(self, task: Task) -> dict:
        with self._lock:
            external_id = task.request.external_task_id
            # Checked under the same lock as the insert: two racing retries cannot both create a task.
            if external_id is not None and external_id in self._by_external_id:
                raise invalid("external_task_id already exists")
            if self.concurrency_limit and self._holding_slots() >= self.concurrency_limit:
                raise ApiError(429, 1303, "parallel task over resource pack limit")
            self._tasks[task.task_id] = task
            self._order.append(task.task_id)
            if external_id is not None:
                self._by_external_id[external_id] = task.task_id
            return task.created()

    def _holding_slots(self) -> int:
        return sum(1 for task in self._tasks.values() if task.status in HOLDS_SLOT)

    def find(self, kind: str, task_or_external_id: str) -> dict | None:
        with self._lock:
            task = self._tasks.get(task_or_external_id)
            if task is None:
                task = self._tasks.get(self._by_external_id.get(task_or_external_id, ""))
            if task is None or task.kind != kind:
                return None
            return task.queried()

    def page(self, kind: str, page_num: int, page_size: int) -> list[dict]:
        with self._lock:
            newest_first = [self._tasks[task_id] for task_id in reversed(self._order)]
            matching = [task for task in newest_first if task.kind == kind]
            start = (page_num - 1) * page_size
            return [task.queried() for task in matching[start : start + page_size]]

    def get(self, task_id: str) -> Task | None:
        """The live task; only the owning lifecycle thread may read its mutable fields."""
        with self._lock:
            return self._tasks.get(task_id)

    def transition(self, task_id: str, status: str, **changes) -> dict:
        """Move a task to `status`; returns its callback payload, built under the lock."""
        with self._lock:
            task = self._tasks[task_id]
            task.status = status
            for name, value in changes.items():
                setattr(task, name, value)
            task.updated_at = max(now_ms(), task.updated_at)
            return task.callback()

    def has_result(self, task_id: str) -> bool:
        with self._lock:
            task = self._tasks.get(task_id)
            return task is not None and task.status == SUCCEED


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json"


def still_renders(request: ImageGenerationRequest, seed: int) -> list[bytes]:
    """The PNG stills an image task makes, by its kind."""
    if isinstance(request, ExpandRequest):
        return render_expanded(request.image, ratios=request.ratios, prompt=request.prompt, count=request.count, seed=seed)
    if isinstance(request, OmniImageRequest):
        return render_composed(request.prompt, count=request.count, aspect_ratio=request.aspect_ratio,
                               pictures=tuple(request.images), seed=seed)
    if isinstance(request, MultiImage2ImageRequest):
        return render_composed(request.prompt, count=request.count, aspect_ratio=request.aspect_ratio,
                               pictures=tuple(request.subjects), scene=request.scene, style=request.style, seed=seed)
    return render_stills(request.prompt, count=request.count, aspect_ratio=request.aspect_ratio, resolution=request.resolution,
                         image=request.image, fidelity=request.image_fidelity, seed=seed)


class SimulatorApp:
    def __init__(self, config: SimulatorConfig):
        self.config = config
        self.faults = FaultInjector(config.faults, config.seed)
        self.store = TaskStore(config.concurrency_limit)
        self.data_dir = config.data_dir or tempfile.mkdtemp(prefix="kling-simulator-")
        os.makedirs(self.data_dir, exist_ok=True)
        self.videos = VideoRegistry(self.data_dir)
        self.sessions = SelectionSessions(read_video=self._read_video)
        self.elements = ElementLibrary()
        # Set by the server once bound; result URLs are built from it (or config.public_url).
        self.base_url: str | None = None
        self._stopping = threading.Event()
        # Rendering is CPU-bound: a burst of tasks queues here instead of starving the HTTP threads.
        self._render_slots = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) - 1))
        self._callbacks: queue.Queue = queue.Queue()
        self._callback_thread: threading.Thread | None = None
        self._callback_lock = threading.Lock()

    # -- WSGI ----------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request_id = str(uuid.uuid4())
        if self.base_url is None:
            self.base_url = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '127.0.0.1')}"
        try:
            answer = self._dispatch(environ, request_id)
        except ApiError as error:
            answer = self._error(error, request_id)
        except Exception:
            log.exception("simulator: unhandled error")
            answer = self._error(ApiError(500, 5000, "Server internal error"), request_id)
        headers = [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))]
        headers += answer.headers
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", headers)
        if environ.get("REQUEST_METHOD") == "HEAD":
            return [b""]
        return [answer.body]

    def shutdown(self) -> None:
        """Stop render threads, stalled requests and the callback sender."""
        self._stopping.set()
        self._callbacks.put(None)

    # -- routing -------------------------------------------------------------------------------------

    def _dispatch(self, environ, request_id: str) -> _Answer:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO") or "/"
        if path == "/healthz" and method in ("GET", "HEAD"):
            return _Answer(200, b'{"status":"ok"}')
        match = RESULT_FILE.match(path)
        if match and method in ("GET", "HEAD"):
            # Result URLs are public links upstream too: no Authorization needed.
            return self._result_file(match.group(1), match.group(2), environ)
        match = SESSION_FILE.match(path)
        if match and method in ("GET", "HEAD"):
            # preview-selection's `video`: the session's clip, a public link like a result's.
            video = self.sessions.video_of(match.group(1))
            if video is None:
                raise ApiError(404, 1203, "Requested resource does not exist")
            return _Answer(200, video, content_type="video/mp4")
        if path.startswith("/kling/"):
            path = path[len("/kling") :]  # CometAPI serves the same routes under /kling
        check_authorization(environ.get("HTTP_AUTHORIZATION"), self.config)
        match = SELECTION.match(path)
        if match and method == "POST":
            action = match.group(1)
            return self._with_faults(lambda: self._selection(action, environ), request_id)
        answer = self._element_route(method, path, environ, request_id)
        if answer is not None:
            return answer
        match = COLLECTION.match(path)
        if match and method == "POST":
            kind = match.group(1).removeprefix("videos/")
            return self._with_faults(lambda: self._create(kind, environ), request_id, create=True)
        if match and method == "GET":
            kind = match.group(1).removeprefix("videos/")
            return self._with_faults(lambda: self._list(kind, environ), request_id)
        match = ITEM.match(path)
        if match and method == "GET":
            kind, ident = match.group(1).removeprefix("videos/"), match.group(2)
            return self._with_faults(lambda: self._query(kind, ident), request_id)
        raise ApiError(404, 1202, "Requested method is invalid")

    def _with_faults(self, handler, request_id: str, *, create: bool = False) -> _Answer:
        stall = self.faults.roll("timeout")
        rate_limited = create and self.faults.roll("rate_limit")
        server_error = self.faults.roll("server_error")
        bad_json = self.faults.roll("bad_json")
        try:
            # Refusals happen before the handler runs, so they never leave a task behind.
            if rate_limited:
                raise ApiError(429, 1303, "parallel task over resource pack limit")
            if server_error:
                raise ApiError(500, 5000, "Server internal error")
            answer = self._ok(handler(), request_id)
        except ApiError as error:
            answer = self._error(error, request_id)
        if stall:
            # The work is done (a create has made its task); only the answer is late, like a real timeout.
            self._stopping.wait(self.config.timeout_sleep_s)
        if bad_json and answer.status == 200:
            answer.body = answer.body[: max(1, len(answer.body) // 2)]
        return answer

    @staticmethod
    def _ok(data, request_id: str) -> _Answer:
        body = {"code": 0, "message": "SUCCEED", "request_id": request_id, "data": data}
        return _Answer(200, json.dumps(body, ensure_ascii=False).encode())

    @staticmethod
    def _error(error: ApiError, request_id: str) -> _Answer:
        body = {"code": error.code, "message": error.message, "request_id": request_id}
        return _Answer(error.http_status, json.dumps(body, ensure_ascii=False).encode())

    # -- handlers ------------------------------------------------------------------------------------

    def _create(self, kind: str, environ) -> dict:
        body = _read_json(environ)
        if kind == "multi-elements":
            if not isinstance(body, dict):
                raise ApiError(400, 1200, "Invalid request parameters: the body must be a JSON object")
            request = self.sessions.validate_create(body, self._fetch)
        else:
            request = validate_create(kind, body, fetch=self._fetch, find_video=self.videos.find, known_element=self.elements.knows)
        created = now_ms()
        task = Task(
            task_id=self.store.new_task_id(),
            kind=kind,
            request=request,
            created_at=created,
            updated_at=created,
            stuck=self.faults.roll("stuck"),
            risk_control=self.faults.roll("risk_control"),
            parent_video=self._parent_video(request.parent) if isinstance(request, ExtendRequest) else None,
        )
        data = self.store.add(task)
        self._notify(task.callback() if request.callback_url else None, request.callback_url)
        threading.Thread(target=self._run_task, args=(task.task_id,), name=f"sim-task-{task.task_id}", daemon=True).start()
        return data

    def _element_route(self, method: str, path: str, environ, request_id: str) -> _Answer | None:
        """The element library's routes (see elements.py), or None for any other path."""
        if ELEMENTS.match(path) and method == "POST":
            return self._with_faults(lambda: self.elements.create(_read_json(environ), self._fetch), request_id, create=True)
        if ELEMENTS.match(path) and method == "GET":
            return self._with_faults(lambda: self.elements.page(*self._page(environ)), request_id)
        if PRESET_ELEMENTS.match(path) and method == "GET":
            self._page(environ)  # the same pagination rules, on no presets
            return self._ok([], request_id)
        if DELETE_ELEMENTS.match(path) and method == "POST":
            return self._with_faults(lambda: self.elements.delete(_read_json(environ)), request_id)
        match = ELEMENT.match(path)
        if match and method == "GET":
            return self._with_faults(lambda: self.elements.query(match.group(1)), request_id)
        return None

    @staticmethod
    def _page(environ) -> tuple[int, int]:
        params = parse_qs(environ.get("QUERY_STRING", ""))
        return _int_param(params, "pageNum", 1, 1, 1000), _int_param(params, "pageSize", 30, 1, 500)

    def _selection(self, action: str, environ) -> dict:
        body = _read_json(environ)
        if action == "init":
            return self.sessions.init(body, self._fetch, self.videos.find)
        if not isinstance(body, dict):
            raise ApiError(400, 1200, "Invalid request parameters: the body must be a JSON object")
        if action == "preview":
            base = self.config.public_url or self.base_url or "http://127.0.0.1"
            return self.sessions.preview(body, f"{base}/sessions/{body.get('session_id')}.mp4")
        return {"add": self.sessions.add, "delete": self.sessions.delete, "clear": self.sessions.clear}[action](body)

    def _read_video(self, record: VideoRecord) -> bytes:
        with open(self.videos.file_path(record), "rb") as handle:
            return handle.read()

    def _file_url(self, task_id: str) -> str:
        base = self.config.public_url or self.base_url or "http://127.0.0.1"
        return f"{base}/files/{task_id}.mp4"

    def _parent_video(self, parent: VideoRecord) -> dict:
        return {"id": parent.video_id, "url": self._file_url(parent.task_id), "duration": f"{parent.duration_s:.1f}"}

    def _query(self, kind: str, ident: str) -> dict:
        data = self.store.find(kind, ident)
        if data is None:
            raise ApiError(404, 1203, f"Requested resource does not exist: task {ident}")
        return data

    def _list(self, kind: str, environ) -> list[dict]:
        params = parse_qs(environ.get("QUERY_STRING", ""))
        page_num = _int_param(params, "pageNum", 1, 1, 1000)
        page_size = _int_param(params, "pageSize", 30, 1, 500)
        return self.store.page(kind, page_num, page_size)

    def _result_file(self, name: str, extension: str, environ) -> _Answer:
        task_id = name.removesuffix("-watermarked").split("-")[0]
        path = os.path.join(self.data_dir, f"{name}.{extension}")
        if extension in ("png", "mp3", "wav"):
            if not self.store.has_result(task_id) or not os.path.exists(path):
                raise ApiError(404, 1203, "Requested resource does not exist")
            with open(path, "rb") as fh:
                return _Answer(200, fh.read(), [("Cache-Control", "public, max-age=86400")], STILL_AND_SOUND_TYPES[extension])
        # A finished task of this run, or a video registered by an earlier run on the same data_dir.
        known = self.store.has_result(task_id) or self.videos.find_by_task(task_id) is not None
        if not known or not os.path.exists(path):
            raise ApiError(404, 1203, "Requested resource does not exist")
        with open(path, "rb") as fh:
            data = fh.read()
        headers = [("Accept-Ranges", "bytes"), ("Cache-Control", "public, max-age=86400")]
        match = RANGE.match(environ.get("HTTP_RANGE", "").strip())
        if match and (match.group(1) or match.group(2)):
            # Browsers (Safari in particular) seek with Range requests.
            size = len(data)
            if match.group(1):
                start = int(match.group(1))
                end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
            else:
                start, end = max(0, size - int(match.group(2))), size - 1
            if start >= size or start > end:
                return _Answer(416, b"", [("Content-Range", f"bytes */{size}")], "video/mp4")
            headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
            return _Answer(206, data[start : end + 1], headers, "video/mp4")
        return _Answer(200, data, headers, "video/mp4")

    # -- task lifecycle ------------------------------------------------------------------------------

    def _run_task(self, task_id: str) -> None:
        request = self.store.get(task_id).request
        try:
            self._advance(task_id)
        finally:
            # Decoded inputs (images, source videos, audio) can be tens of MB; a long-running simulator
            # must not keep them.
            request.release_inputs()

    def _advance(self, task_id: str) -> None:
        task = self.store.get(task_id)
        request = task.request
        started = time.monotonic()
        delay = self.config.render_delay_s
        if self._stopping.wait(delay * PROCESSING_AT):
            return
        if task.risk_control:
            self._transition(task_id, FAILED, request.callback_url, status_msg=RISK_CONTROL_MESSAGE)
            return
        self._transition(task_id, PROCESSING, request.callback_url)
        if task.stuck:
            return  # holds its slot forever, like a task the upstream lost
        if isinstance(request, ImageGenerationRequest):
            self._make_stills(task_id, request, started)
            return
        if isinstance(request, (TextToAudioRequest, VideoToAudioRequest)):
            self._make_sound(task_id, request, started)
            return
        try:
            with self._render_slots:
                if self._stopping.is_set():
                    return
                clip = self._render(request)
            path = os.path.join(self.data_dir, f"{task_id}.mp4")
            partial = f"{path}.part"
            with open(partial, "wb") as fh:
                fh.write(clip)
            os.replace(partial, path)  # never serve a half-written file
            if request.watermark:
                marked = os.path.join(self.data_dir, f"{task_id}-watermarked.mp4")
                with open(partial, "wb") as fh:
                    fh.write(watermarked_copy(clip))
                os.replace(partial, marked)
        except Exception:
            log.exception("simulator: rendering task %s failed", task_id)
            self._transition(task_id, FAILED, request.callback_url, status_msg=RENDER_FAILED_MESSAGE)
            return
        if self._stopping.wait(max(0.0, delay - (time.monotonic() - started))):
            return
        video_id = str(uuid.uuid4())
        # Registered before `succeed` is visible, so a client can extend or lip-sync it at once.
        self._register(video_id, task_id, request, path)
        self._transition(task_id, SUCCEED, request.callback_url, video_id=video_id, video_url=self._file_url(task_id))

    def _make_stills(self, task_id: str, request: ImageGenerationRequest, started: float) -> None:
        """Render an image task's stills to <task>-<index>.png (and their marked copies), then succeed."""

        def render():
            stills = still_renders(request, self.config.seed)
            files = {f"{task_id}-{index}.png": still for index, still in enumerate(stills)}
            if request.watermark:
                files.update({f"{task_id}-{index}-watermarked.png": watermarked_still(still) for index, still in enumerate(stills)})
            return files

        if self._rendered(task_id, request, started, render):
            base = self.config.public_url or self.base_url or "http://127.0.0.1"
            urls = [f"{base}/files/{task_id}-{index}.png" for index in range(request.count)]
            self._transition(task_id, SUCCEED, request.callback_url, image_urls=urls)

    def _rendered(self, task_id: str, request: TaskRequest, started: float, render) -> bool:
        """Run `render()` in a render slot and write the {name: bytes} it returns into data_dir (each through a .part
        file: never serve a half-written one), then wait out the render delay. False when the task failed (it is
        marked so) or the simulator is stopping."""
        try:
            with self._render_slots:
                if self._stopping.is_set():
                    return False
                files = render()
            for name, data in files.items():
                path = os.path.join(self.data_dir, name)
                with open(f"{path}.part", "wb") as fh:
                    fh.write(data)
                os.replace(f"{path}.part", path)  # never serve a half-written file
        except Exception:
            log.exception("simulator: rendering task %s failed", task_id)
            self._transition(task_id, FAILED, request.callback_url, status_msg=RENDER_FAILED_MESSAGE)
            return False
        return not self._stopping.wait(max(0.0, self.config.render_delay_s - (time.monotonic() - started)))

    def _make_sound(self, task_id: str, request: TextToAudioRequest | VideoToAudioRequest, started: float) -> None:
        """Render a sound task's audio to <task>.mp3 and <task>.wav (and, for video-to-audio, the clip with it as
        <task>.mp4, registered like any result video), then succeed."""

        def render():
            if isinstance(request, TextToAudioRequest):
                audio = sound_effect(request.prompt, seconds=request.seconds, seed=self.config.seed)
                files = {}
            else:
                audio = sound_effect(request.sound_effect_prompt, seconds=request.duration_s, seed=self.config.seed,
                                     music=request.bgm_prompt, asmr=request.asmr_mode)
                source = self.videos.file_path(request.source_record) if request.source_record is not None else request.source_video
                files = {f"{task_id}.mp4": clip_with_sound(source, audio)}
            return {**files, **{f"{task_id}.{fmt}": encode_sound(audio, fmt) for fmt in ("mp3", "wav")}}

        if not self._rendered(task_id, request, started, render):
            return
        base = self.config.public_url or self.base_url or "http://127.0.0.1"
        changes = {"audio_id": str(uuid.uuid4()), "audio_base": f"{base}/files/{task_id}"}
        if isinstance(request, VideoToAudioRequest):
            changes["video_id"] = str(uuid.uuid4())
            # Registered before `succeed` is visible, so a client can extend or lip-sync it at once.
            self._register(changes["video_id"], task_id, request, os.path.join(self.data_dir, f"{task_id}.mp4"))
            changes["video_url"] = self._file_url(task_id)
        self._transition(task_id, SUCCEED, request.callback_url, **changes)

    def _render(self, request: TaskRequest) -> bytes:
        seed, fps = self.config.seed, self.config.fps
        if isinstance(request, CreateRequest):
            # A customised multi-shot script has no overall prompt to caption: its shots' prompts stand in.
            caption = request.prompt or " / ".join(shot["prompt"] for shot in request.shots)
            return render_clip(
                caption,
                audio=soundtrack(caption, duration=request.duration_s, seed=seed) if request.sound == "on" else None,
                duration=request.duration_s,
                aspect_ratio=request.aspect_ratio or "16:9",
                seed=seed,
                fps=fps,
                image=request.image,
                end_image=request.image_tail,
            )
        if isinstance(request, ExtendRequest):
            parent = self.videos.file_path(request.parent)
            return render_extension(parent, prompt=request.prompt, seconds=EXTEND_SECONDS, seed=seed)
        if isinstance(request, LipSyncRequest):
            if request.source_record is not None:
                source = self.videos.file_path(request.source_record)
            else:
                source = request.source_video
            if request.input_mode == "audio2video":
                audio = request.audio
                envelope = audio_envelope(audio)
            else:
                envelope = speech_envelope(request.text, request.voice_speed)
                audio = synthesise_voice(envelope, request.voice_id)
            return render_lip_sync(source, duration=request.duration_s, envelope=envelope, audio=audio)
        if isinstance(request, AvatarRequest):
            if request.audio is not None:
                audio = request.audio
                envelope = audio_envelope(audio)
            else:
                envelope = speech_envelope(request.text, request.voice_speed)
                audio = synthesise_voice(envelope, request.voice_id)
            return render_avatar(request.image, duration=request.duration_s, envelope=envelope, audio=audio, seed=seed, fps=fps)
        if isinstance(request, EffectsRequest):
            return render_effect(request.effect_scene, request.images, duration=request.duration_s, seed=seed, fps=fps)
        if isinstance(request, OmniRequest):
            return render_omni(
                request.prompt, duration=request.duration_s, aspect_ratio=request.aspect_ratio, images=request.images,
                image_types=request.image_types, video=request.video, refer_type=request.refer_type, seed=seed, fps=fps,
            )
        if isinstance(request, MotionRequest):
            return render_motion(
                request.image, request.video, prompt=request.prompt, duration=request.duration_s,
                character_orientation=request.character_orientation, seed=seed,
            )
        if isinstance(request, MultiElementsRequest):
            return render_multi_elements(
                request.video, request.images, prompt=request.prompt, edit_mode=request.edit_mode, selection=request.selection,
                duration=request.duration_s, seed=seed,
            )
        if isinstance(request, MultiImageRequest):
            return render_multi_image(
                request.images, request.prompt, duration=request.duration_s, aspect_ratio=request.aspect_ratio, seed=seed, fps=fps
            )
        raise TypeError(f"no renderer for {type(request).__name__}")

    def _register(self, video_id: str, task_id: str, request: TaskRequest, path: str) -> None:
        info = probe_video(path)
        self.videos.add(
            VideoRecord(
                video_id=video_id,
                task_id=task_id,
                kind=request.kind,
                model_name=request.model_name,
                mode=request.mode,
                duration_s=round(info.duration_s, 3),
                width=info.width,
                height=info.height,
                created_at=now_ms(),
                path=os.path.basename(path),
            )
        )

    def _transition(self, task_id: str, status: str, callback_url: str | None, **changes) -> None:
        payload = self.store.transition(task_id, status, **changes)
        self._notify(payload if callback_url else None, callback_url)

    # -- callbacks -----------------------------------------------------------------------------------

    def _notify(self, payload: dict | None, callback_url: str | None) -> None:
        if payload is None or not callback_url:
            return
        with self._callback_lock:
            if self._callback_thread is None:
                # One sender thread keeps each task's notifications in status order.
                self._callback_thread = threading.Thread(target=self._send_callbacks, name="sim-callbacks", daemon=True)
                self._callback_thread.start()
        self._callbacks.put((callback_url, payload))

    def _send_callbacks(self) -> None:
        with httpx.Client(timeout=CALLBACK_TIMEOUT_S, trust_env=False) as client:
            while True:
                item = self._callbacks.get()
                if item is None or self._stopping.is_set():
                    return
                url, payload = item
                try:
                    response = client.post(url, json=payload, headers={"User-Agent": "kling-simulator"})
                    if response.status_code >= 400:
                        log.warning("simulator: callback to %s answered HTTP %s", url, response.status_code)
                except httpx.HTTPError as error:
                    log.warning("simulator: callback to %s failed: %s", url, error)

    # -- input URLs ----------------------------------------------------------------------------------

    def _fetch(self, url: str, field_name: str, max_bytes: int) -> bytes:
        """Download an image, video or audio URL a client named (it may be one of our own /files/)."""
        try:
            with (
                httpx.Client(timeout=FETCH_TIMEOUT_S, follow_redirects=True, trust_env=False) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    raise invalid(f"{field_name} could not be downloaded from {url} (HTTP {response.status_code})")
                chunks, total = [], 0
                for chunk in response.iter_bytes():
                    total += len(chunk)
                    if total > max_bytes:
                        raise invalid(f"{field_name} cannot be larger than {megabytes(max_bytes)}")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as error:
            raise invalid(f"{field_name} could not be downloaded from {url} ({type(error).__name__})") from None


def _read_json(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise ApiError(400, 1200, "Invalid request parameters: the body is too large")
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, 1200, "Invalid request parameters: the body is not valid JSON") from None


def _int_param(params: dict, name: str, default: int, low: int, high: int) -> int:
    values = params.get(name)
    if not values or values[0] == "":
        return default
    try:
        value = int(values[0])
    except ValueError:
        raise invalid(f"{name} must be an integer between {low} and {high}") from None
    if not low <= value <= high:
        raise invalid(f"{name} must be an integer between {low} and {high}")
    return value


def make_app(config: SimulatorConfig | None = None) -> SimulatorApp:
    return SimulatorApp(config or SimulatorConfig())

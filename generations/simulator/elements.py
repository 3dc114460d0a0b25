"""The simulator's element library (the upstream's "custom elements"), as third-party SDKs and gateways describe it:

- POST /v1/general/advanced-custom-elements creates an element; it is a task (task_id, task_status) that ends
  `succeed` with task_result.elements [{element_id, element_name, element_description, reference_type,
  element_image_list | element_video_list, tag_list, status}];
- GET /v1/general/advanced-custom-elements/{task_id or external_task_id} and GET …?pageNum=&pageSize= (newest first);
- GET /v1/general/advanced-presets-elements?pageNum=&pageSize=: the provider's presets (none here: an empty page);
- POST /v1/general/delete-elements {"element_id"}.

Only ids this library issued (and did not delete) are accepted in element_list; any other is its 1201. The same 1301
trigger as every route screens the name and description.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from .validation import MAX_IMAGE_BYTES, ApiError, Fetch, _external_task_id, _screen, image_input, invalid

NAME_MAX, DESCRIPTION_MAX = 20, 100
REFERENCE_TYPES = ("image_refer", "video_refer")
TAG_IDS = tuple(f"o_{number}" for number in range(101, 109))
MAX_REFER_IMAGES, MAX_REFER_VIDEOS = 3, 1
ELEMENT_VIDEO_BYTES = 100 * 1024 * 1024
# An element task reads `submitted`, then `succeed` after this long (its "processing" is short upstream too).
READY_AFTER_S = 0.1


@dataclass
class ElementTask:
    task_id: str
    element_id: int
    body: dict
    external_task_id: str | None
    created_ms: int
    deleted: bool = False
    extra: dict = field(default_factory=dict)

    def status(self) -> str:
        return "succeed" if time.time() * 1000 - self.created_ms >= READY_AFTER_S * 1000 else "submitted"

    def as_task(self) -> dict:
        status = self.status()
        data = {
            "task_id": self.task_id,
            "task_status": status,
            "task_status_msg": "",
            "task_info": {"external_task_id": self.external_task_id or ""},
            "created_at": self.created_ms,
            "updated_at": self.created_ms + (int(READY_AFTER_S * 1000) if status == "succeed" else 0),
            "final_unit_deduction": "0",
        }
        if status == "succeed":
            element = {name: self.body[name] for name in ("element_name", "element_description", "reference_type")}
            for name in ("element_image_list", "element_video_list", "tag_list"):
                if self.body.get(name) not in (None, [], {}):
                    element[name] = self.body[name]
            element.update(element_id=self.element_id, status="deleted" if self.deleted else "succeed")
            data["task_result"] = {"elements": [element]}
        return data


def validate_element(body, fetch: Fetch | None) -> dict:
    """The creation body, checked as upstream does; raise ApiError (1201, or 1301 for the content trigger)."""
    if not isinstance(body, dict):
        raise ApiError(400, 1200, "Invalid request parameters: the body must be a JSON object")
    name, description = body.get("element_name"), body.get("element_description")
    if not isinstance(name, str) or not name.strip():
        raise invalid("element_name is required")
    if len(name) > NAME_MAX:
        raise invalid(f"element_name cannot exceed {NAME_MAX} characters")
    if not isinstance(description, str) or not description.strip():
        raise invalid("element_description is required")
    if len(description) > DESCRIPTION_MAX:
        raise invalid(f"element_description cannot exceed {DESCRIPTION_MAX} characters")
    reference_type = body.get("reference_type") or "image_refer"
    if reference_type not in REFERENCE_TYPES:
        raise invalid(f"reference_type must be one of: {', '.join(REFERENCE_TYPES)}")
    if body.get("element_voice_id") not in (None, ""):
        raise invalid(f"element_voice_id {str(body['element_voice_id'])[:32]} does not exist")
    tags = body.get("tag_list") or []
    if not isinstance(tags, list) or any(not isinstance(tag, dict) or tag.get("tag_id") not in TAG_IDS for tag in tags):
        raise invalid(f'tag_list must be a list of {{"tag_id"}} with tag_id one of: {", ".join(TAG_IDS)}')
    _external_task_id(body)
    _screen(name, description)
    if reference_type == "image_refer":
        images = body.get("element_image_list")
        if not isinstance(images, dict) or images.get("frontal_image") in (None, ""):
            raise invalid("element_image_list.frontal_image is required for image_refer")
        refers = images.get("refer_images") or []
        if not isinstance(refers, list) or not 1 <= len(refers) <= MAX_REFER_IMAGES:
            raise invalid(f"element_image_list.refer_images must list 1 to {MAX_REFER_IMAGES} images")
        image_input(images["frontal_image"], "element_image_list.frontal_image", fetch)
        for index, entry in enumerate(refers):
            if not isinstance(entry, dict) or entry.get("image_url") in (None, ""):
                raise invalid(f"element_image_list.refer_images[{index}].image_url is required")
            image_input(entry["image_url"], f"element_image_list.refer_images[{index}].image_url", fetch)
    else:
        videos = (
            (body.get("element_video_list") or {}).get("refer_videos")
            if isinstance(body.get("element_video_list"), dict)
            else None
        )
        if not isinstance(videos, list) or not 1 <= len(videos) <= MAX_REFER_VIDEOS:
            raise invalid(f"element_video_list.refer_videos must list {MAX_REFER_VIDEOS} video for video_refer")
        url = videos[0].get("video_url") if isinstance(videos[0], dict) else None
        if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
            raise invalid("element_video_list.refer_videos[0].video_url must be a video URL")
        if fetch is None:
            raise invalid("element_video_list.refer_videos[0].video_url could not be downloaded")
        fetch(url, "element_video_list.refer_videos[0].video_url", ELEMENT_VIDEO_BYTES)
    return body


class ElementLibrary:
    """Every element task, behind one lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tasks: dict[str, ElementTask] = {}
        self._by_external_id: dict[str, str] = {}
        self._by_element_id: dict[int, str] = {}
        self._order: list[str] = []

    def create(self, body, fetch: Fetch | None) -> dict:
        body = validate_element(body, fetch)
        # Kept small: the images were checked; the task answers with their references, not megabytes of Base64.
        stored = {**body, "element_image_list": _shortened(body.get("element_image_list"))}
        with self._lock:
            external_id = body.get("external_task_id") or None
            if external_id is not None and external_id in self._by_external_id:
                raise invalid("external_task_id already exists")
            while True:
                task_id = str(10**17 + secrets.randbelow(9 * 10**17))
                element_id = 10**17 + secrets.randbelow(9 * 10**17)
                if task_id not in self._tasks and element_id not in self._by_element_id:
                    break
            task = ElementTask(task_id, element_id, stored, external_id, int(time.time() * 1000))
            self._tasks[task_id] = task
            self._order.append(task_id)
            self._by_element_id[element_id] = task_id
            if external_id is not None:
                self._by_external_id[external_id] = task_id
            created = task.as_task()
        return {name: created[name] for name in ("task_id", "task_status", "task_info", "created_at", "updated_at")}

    def query(self, ident: str) -> dict:
        with self._lock:
            task = self._tasks.get(ident) or self._tasks.get(self._by_external_id.get(ident, ""))
            if task is None:
                raise ApiError(404, 1203, f"Requested resource does not exist: task {ident}")
            return task.as_task()

    def page(self, page_num: int, page_size: int) -> list:
        with self._lock:
            newest_first = [self._tasks[task_id] for task_id in reversed(self._order)]
            start = (page_num - 1) * page_size
            return [task.as_task() for task in newest_first[start : start + page_size]]

    def delete(self, body) -> dict:
        if not isinstance(body, dict):
            raise ApiError(400, 1200, "Invalid request parameters: the body must be a JSON object")
        raw = str(body.get("element_id") or "").strip()
        with self._lock:
            task = self._tasks.get(self._by_element_id.get(int(raw), "")) if raw.isdigit() else None
            if task is None or task.deleted:
                raise ApiError(404, 1203, f"Requested resource does not exist: element {raw[:32]}")
            task.deleted = True
        return {"element_id": raw, "status": "deleted"}

    def knows(self, element_id) -> bool:
        """Whether element_list may name this id: issued here, finished and not deleted."""
        raw = str(element_id).strip() if isinstance(element_id, (int, str)) and not isinstance(element_id, bool) else ""
        if not raw.isdigit():
            return False
        with self._lock:
            task = self._tasks.get(self._by_element_id.get(int(raw), ""))
            return task is not None and not task.deleted and task.status() == "succeed"


def _shortened(images):
    """element_image_list with each picture replaced by a short reference (a URL as given, or its size)."""
    if not isinstance(images, dict):
        return images

    def short(value):
        return (
            value
            if isinstance(value, str) and value.lower().startswith("http")
            else f"<base64, {len(value or '')} characters>"
        )

    return {
        "frontal_image": short(images.get("frontal_image")),
        "refer_images": [{"image_url": short(entry.get("image_url"))} for entry in images.get("refer_images") or []],
    }


__all__ = ["ElementLibrary", "MAX_IMAGE_BYTES", "validate_element"]

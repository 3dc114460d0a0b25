"""Every video the simulator produced, findable by the video id it returned.

video-extend and lip-sync take a `video_id` from an earlier result, and a client may send one long after
the task that made it (or after the simulator restarted). Tasks live in memory, so each result video
also gets a small JSON sidecar in `<data_dir>/videos/`; the registry loads them all on start.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass

log = logging.getLogger("generations.simulator")

SIDECAR_DIR = "videos"


@dataclass(frozen=True)
class VideoRecord:
    video_id: str
    task_id: str
    kind: str  # the task kind that produced it
    # The model of the ROOT generation: an extend (or lip-sync) of a kling-v1-6 video is still kling-v1-6,
    # which is what video-extend's model rule looks at. None when no model made it (a fetched video_url).
    model_name: str | None
    mode: str  # std | pro of the root generation (prices an extend)
    duration_s: float
    width: int
    height: int
    created_at: int  # unix ms
    path: str  # the MP4, relative to data_dir so the directory can move

    @classmethod
    def from_json(cls, data: dict) -> VideoRecord:
        return cls(
            video_id=str(data["video_id"]),
            task_id=str(data["task_id"]),
            kind=str(data["kind"]),
            model_name=None if data.get("model_name") is None else str(data["model_name"]),
            mode=str(data.get("mode") or "std"),
            duration_s=float(data["duration_s"]),
            width=int(data["width"]),
            height=int(data["height"]),
            created_at=int(data["created_at"]),
            path=str(data["path"]),
        )


class VideoRegistry:
    """Result videos by video id and by task id, persisted one sidecar per video."""

    def __init__(self, data_dir: str):
        self.data_dir = data_dir
        self._sidecars = os.path.join(data_dir, SIDECAR_DIR)
        os.makedirs(self._sidecars, exist_ok=True)
        self._lock = threading.Lock()
        self._by_id: dict[str, VideoRecord] = {}
        self._by_task: dict[str, VideoRecord] = {}
        self._load()

    def _load(self) -> None:
        for name in sorted(os.listdir(self._sidecars)):
            if not name.endswith(".json"):
                continue
            try:
                with open(os.path.join(self._sidecars, name), encoding="utf-8") as fh:
                    record = VideoRecord.from_json(json.load(fh))
            except (OSError, ValueError, KeyError, TypeError) as error:
                # One damaged sidecar must not stop the simulator from serving the others.
                log.warning("simulator: ignoring video sidecar %s: %s", name, error)
                continue
            self._index(record)

    def _index(self, record: VideoRecord) -> None:
        self._by_id[record.video_id] = record
        self._by_task[record.task_id] = record

    def add(self, record: VideoRecord) -> None:
        """Persist, then index: a record is never findable before its sidecar is on disk."""
        path = os.path.join(self._sidecars, f"{record.video_id}.json")
        partial = f"{path}.part"
        with open(partial, "w", encoding="utf-8") as fh:
            json.dump(asdict(record), fh, indent=1)
        os.replace(partial, path)
        with self._lock:
            self._index(record)

    def file_path(self, record: VideoRecord) -> str:
        return os.path.join(self.data_dir, record.path)

    def find(self, video_id: str) -> VideoRecord | None:
        """The record, if its video file still exists (ids are never turned into paths)."""
        with self._lock:
            record = self._by_id.get(video_id)
        return record if record is not None and os.path.exists(self.file_path(record)) else None

    def find_by_task(self, task_id: str) -> VideoRecord | None:
        with self._lock:
            record = self._by_task.get(task_id)
        return record if record is not None and os.path.exists(self.file_path(record)) else None

"""The one small interface every upstream speaks, and the error type at that boundary."""

from dataclasses import dataclass, field
from typing import Protocol

# The four task_status values of the Kling contract. Note the spelling "succeed".
SUBMITTED = "submitted"
PROCESSING = "processing"
SUCCEED = "succeed"
FAILED = "failed"
KNOWN_TASK_STATUSES = (SUBMITTED, PROCESSING, SUCCEED, FAILED)


class ProviderError(Exception):
    """An upstream call that did not give us what we asked for.

    `code` is the studio's stable code; `permanent` says whether retrying the same request can help;
    `content_policy` marks the upstream's own content-safety refusal (the generation is blocked, not failed).
    """

    def __init__(
        self,
        code,
        message,
        *,
        permanent,
        upstream_code=None,
        http_status=None,
        content_policy=False,
        operator_alert=False,
        retry_after_s=None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.permanent = permanent
        self.upstream_code = upstream_code
        self.http_status = http_status
        self.content_policy = content_policy
        self.operator_alert = operator_alert
        self.retry_after_s = retry_after_s

    def __repr__(self):
        return f"ProviderError({self.code!r}, upstream_code={self.upstream_code}, permanent={self.permanent})"


@dataclass(frozen=True)
class TaskSnapshot:
    """What the upstream says about one task at one moment."""

    task_id: str
    status: str
    status_message: str = ""
    external_task_id: str = ""
    video_url: str = ""
    # The upstream's id of the result video: what video-extend and lip-sync take as `video_id`.
    video_id: str = ""
    video_duration_s: float | None = None
    # An image task's result URLs (task_result.images), in index order.
    image_urls: tuple = ()
    # A sound task's result audio (task_result.audios[0]): its MP3 URL and length.
    audio_url: str = ""
    audio_duration_s: float | None = None
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def finished(self):
        return self.status in (SUCCEED, FAILED)


class Provider(Protocol):
    name: str

    def create_task(self, kind: str, payload: dict) -> TaskSnapshot: ...

    def get_task(self, kind: str, task_or_external_id: str) -> TaskSnapshot: ...

    def download(self, url: str, destination, *, max_bytes: int) -> int: ...

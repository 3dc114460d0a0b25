"""The public shape of a generation, shared by the JSON API and the portal's live status endpoint."""

from django.urls import reverse

from .models import AssetRole
from .states import Status


def generation_summary(generation, *, for_api=True):
    video = generation.asset(AssetRole.VIDEO)
    poster = generation.asset(AssetRole.POSTER)
    if for_api:
        video_url = f"/api/v1/generations/{generation.public_id}/video"
        poster_url = f"/api/v1/generations/{generation.public_id}/poster"
    else:
        video_url = reverse("generations:video", args=[generation.public_id])
        poster_url = reverse("generations:poster", args=[generation.public_id])
    deliverable = generation.status == Status.SUCCEEDED
    return {
        "id": str(generation.public_id),
        "external_task_id": generation.client_reference,
        "kind": generation.kind,
        "status": generation.status,
        "status_label": generation.get_status_display(),
        "stage": generation.stage,
        "stage_label": generation.get_stage_display(),
        "progress": generation.progress,
        "prompt": generation.prompt,
        "negative_prompt": generation.negative_prompt,
        "model": generation.model_name,
        "mode": generation.mode,
        "duration": generation.duration,
        "aspect_ratio": generation.aspect_ratio,
        "error": (
            {"code": generation.error_code, "message": generation.error_message} if generation.error_code else None
        ),
        "created_at": generation.created_at.isoformat(),
        "finished_at": generation.finished_at.isoformat() if generation.finished_at else None,
        "terminal": generation.is_terminal,
        "video_url": video_url if deliverable and video and not video.quarantined else None,
        "poster_url": poster_url if deliverable and poster and not poster.quarantined else None,
        "parent_id": str(generation.parent.public_id) if generation.parent_id and generation.parent else None,
        # Kind-specific settings: the effect scene, the lip-sync voice, the consent record relied on.
        "options": generation.options or {},
        "video": (
            {
                "duration_s": video.duration_s,
                "width": video.width,
                "height": video.height,
                "size_bytes": video.size_bytes,
                "sha256": video.sha256,
            }
            if deliverable and video and not video.quarantined
            else None
        ),
    }

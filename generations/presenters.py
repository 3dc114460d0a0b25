"""The public shapes of a generation: the native API's summary (also the portal's live status), the Kling
task object (the Kling door and Kling-format callbacks), signed download links and provider callback URLs."""

import base64
import hashlib
import hmac
import io
import time

import numpy as np
from django.conf import settings
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import CreditEntry, CreditEntryKind
from accounts.periods import next_period_start
from generations.catalog import AUDIO_KINDS, IMAGE_KINDS, VIDEO_TO_AUDIO
from generations.models import OUTPUT_IMAGE_ROLES, AssetRole, CreditState
from generations.selectors import deliverable_asset
from generations.states import Status


def estimated_seconds_left(generation, *, now=None):
    """A rough estimate of the wait, for the progress bar: the expected render time (by clip length) less
    what has elapsed since submission, plus the output scan. None when it ended or waits for a person."""
    if generation.is_terminal or generation.status == Status.HELD:
        return None
    now = now or timezone.now()
    render_s = generation.duration_seconds * settings.EXPECTED_RENDER_S_PER_SECOND if generation.duration else 0
    scan_s = 1 + 0.1 * (int(generation.duration) if generation.duration else 5)
    if generation.status == Status.SCANNING:
        return round(scan_s)
    if generation.status == Status.GENERATING and generation.submitted_at:
        render_s = max(1.0, render_s - (now - generation.submitted_at).total_seconds())
    return round(render_s + scan_s)


def generation_summary(generation, *, for_api=True):
    deliverable = generation.status == Status.SUCCEEDED
    # Only a succeeded generation has a video to offer: don't query assets for the others.
    video = generation.asset(AssetRole.VIDEO) if deliverable else None
    poster = generation.asset(AssetRole.POSTER) if deliverable else None
    if for_api:
        video_url = f"/api/v1/generations/{generation.public_id}/video"
        poster_url = f"/api/v1/generations/{generation.public_id}/poster"
    else:
        video_url = reverse("generations:video", args=[generation.public_id])
        poster_url = reverse("generations:poster", args=[generation.public_id])
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
        "elapsed_s": round(((generation.finished_at or timezone.now()) - generation.created_at).total_seconds()),
        "eta_s": estimated_seconds_left(generation),
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
        "images": _image_links(generation, for_api=for_api) if deliverable and generation.kind in IMAGE_KINDS else None,
        "audio": _audio_link(generation, for_api=for_api) if deliverable and generation.kind in AUDIO_KINDS else None,
        "provenance": provenance_summary(generation) if deliverable else None,
        "media_deleted_at": generation.media_deleted_at.isoformat() if generation.media_deleted_at else None,
    }


def delivered_images(generation) -> list:
    """An image generation's stills users may see, in index order (none while withheld)."""
    by_role = {asset.role: asset for asset in generation.assets.all() if not asset.quarantined}
    return [by_role[role] for role in OUTPUT_IMAGE_ROLES if role in by_role]


def _image_links(generation, *, for_api):
    links = []
    for index, asset in enumerate(delivered_images(generation)):
        if for_api:
            url = f"/api/v1/generations/{generation.public_id}/images/{index}"
        else:
            url = reverse("generations:image", args=[generation.public_id, index])
        links.append({"index": index, "url": url, "width": asset.width, "height": asset.height, "size_bytes": asset.size_bytes,
                      "sha256": asset.sha256})
    return links


def _audio_link(generation, *, for_api):
    """A sound kind's MP3 (none while withheld): its download link and what it is."""
    asset = next((a for a in generation.assets.all() if a.role == AssetRole.AUDIO and not a.quarantined), None)
    if asset is None:
        return None
    if for_api:
        url = f"/api/v1/generations/{generation.public_id}/audio"
    else:
        url = reverse("generations:audio", args=[generation.public_id])
    return {"url": url, "content_type": asset.content_type, "duration_s": asset.duration_s, "size_bytes": asset.size_bytes,
            "sha256": asset.sha256}


def _kling_audios(generation, request) -> list:
    """Kling's sound shape: task_result.audios [{id, url_mp3, url_wav, duration_mp3, duration_wav}]. The studio keeps
    the MP3 only, so url_wav and duration_wav are empty."""
    asset = deliverable_asset(generation, AssetRole.AUDIO) if generation.status == Status.SUCCEEDED else None
    if asset is None:
        return []
    seconds = f"{asset.duration_s:.1f}" if asset.duration_s else ""
    return [{"id": str(asset.public_id), "url_mp3": signed_download_url(request, asset), "url_wav": "",
             "duration_mp3": seconds, "duration_wav": ""}]


def provenance_summary(generation) -> dict | None:
    """How the delivered clip is marked, in the API's words (the full record stays on the generation)."""
    record = generation.provenance
    if not record:
        return None
    return {
        "credentials": record.get("credentials") == "signed",
        "watermark": bool(record.get("watermark")),
        "label": bool(record.get("label")),
        "edited_from_parent": bool(record.get("edited")),
    }


_STATUS = {
    Status.SUCCEEDED: "succeed",
    Status.FAILED: "failed",
    Status.BLOCKED: "failed",
    Status.CANCELED: "failed",
    Status.GENERATING: "processing",
    Status.SCANNING: "processing",
    # Waiting for a moderator: not "submitted" forever. It goes on (processing → succeed) or fails when decided.
    Status.HELD: "processing",
}
HELD_MESSAGE = "Waiting for review by a moderator; the task continues or fails when they decide."


def kling_status(generation) -> str:
    return _STATUS.get(generation.status, "submitted")


def _ms(moment):
    return int(moment.timestamp() * 1000)


def download_signature(asset_id: str, expires: int) -> str:
    key = hashlib.sha256(("kling-download:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, f"{asset_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def signed_download_url(request, asset) -> str:
    expires = int(time.time()) + settings.DOWNLOAD_URL_TTL_S
    path = reverse("kling-file", args=[asset.public_id])
    url = f"{path}?expires={expires}&signature={download_signature(str(asset.public_id), expires)}"
    return _absolute_url(request, url)


def _absolute_url(request, url) -> str:
    """`url` (a path) as clients reach the studio."""
    if request is None:
        return url
    # Behind a TLS proxy: request.is_secure() honours SECURE_PROXY_SSL_HEADER; without that header trusted,
    # an https STUDIO_PUBLIC_URL still says how clients reach the studio (SDK downloaders refuse http://).
    public = settings.STUDIO_PUBLIC_URL.rstrip("/")
    if public.startswith("https://") and not request.is_secure():
        return public + url
    return request.build_absolute_uri(url)


def kling_task_object(generation, *, request=None) -> dict:
    status = kling_status(generation)
    video = deliverable_asset(generation, AssetRole.VIDEO) if generation.status == Status.SUCCEEDED else None
    videos = []
    asked_for_mark = bool((generation.options or {}).get("watermark"))
    if video is not None:
        url = signed_download_url(request, video)
        entry = {"id": str(video.public_id), "url": url,
                 "duration": f"{video.duration_s:.1f}" if video.duration_s else generation.duration}
        if asked_for_mark:
            # The delivered clip carries the visible mark whenever it was asked for (and whenever the team
            # labels all its clips), so both links name the same file, as signed as every other.
            entry["watermark_url"] = url
        if (generation.options or {}).get("session_id"):
            entry["session_id"] = generation.options["session_id"]  # multi-elements: the selection session it edited
        videos.append(entry)
    result = {"videos": videos}
    if generation.kind in IMAGE_KINDS:
        # Kling's image shape: task_result.images [{index, url}] (and watermark_url when the mark was asked for).
        images = delivered_images(generation) if generation.status == Status.SUCCEEDED else []
        result = {"images": []}
        for index, asset in enumerate(images):
            url = signed_download_url(request, asset)
            result["images"].append({"index": index, "url": url, **({"watermark_url": url} if asked_for_mark else {})})
    if generation.kind in AUDIO_KINDS:
        result = {**({"videos": videos} if generation.kind == VIDEO_TO_AUDIO else {}), "audios": _kling_audios(generation, request)}
    data = {
        "task_id": str(generation.public_id),
        "task_status": status,
        "task_status_msg": generation.error_message if status == "failed" else (
            HELD_MESSAGE if generation.status == Status.HELD else ""
        ),
        "task_info": {"external_task_id": generation.client_reference},
        "task_result": result,
        "watermark_info": {"enabled": asked_for_mark},
        "final_unit_deduction": str(generation.price_credits if generation.credit_state == CreditState.CAPTURED else 0),
        "created_at": _ms(generation.created_at),
        "updated_at": _ms(generation.updated_at),
    }
    if generation.kind == "video-extend" and generation.parent_id:
        parent_video = deliverable_asset(generation.parent, AssetRole.VIDEO)
        if parent_video is not None:
            data["task_info"]["parent_video"] = {
                "id": str(parent_video.public_id),
                "url": signed_download_url(request, parent_video),
                "duration": f"{parent_video.duration_s:.1f}" if parent_video.duration_s else "",
            }
    return data


def callback_url_for(generation) -> str:
    if not settings.STUDIO_PUBLIC_URL:
        return ""
    base = settings.STUDIO_PUBLIC_URL.rstrip("/")
    return f"{base}/providers/callback/{generation.public_id}/{generation.callback_token}"


def input_origins(generation) -> list[dict]:
    """What the generation's input images say of their origin, as recorded when they were submitted
    (`actions.provenance.input_provenance`): [{role label, verdict, summary}] for those that said anything."""
    origins = []
    for asset in generation.assets.all():
        if asset.provenance:
            origins.append({
                "label": AssetRole(asset.role).label,
                "verdict": asset.provenance.get("verdict", ""),
                "summary": asset.provenance.get("summary") or [],
            })
    return origins


KLING_PACK_NAME = "Studio credits"


def kling_resource_packs(team, *, start_ms=None, end_ms=None, pack_name=None) -> list[dict]:
    """The team's credits as Kling's `resource_pack_subscribe_infos` (GET /account/costs): one pack per
    monthly period, the current one, with figures from the ledger. `remaining_quantity` is what the team
    can spend now (credits_available); `total_quantity` adds what is held for tasks in flight and what was
    captured (spent) since the period began, so total − remaining is this period's spend plus holds.
    Listed when its period overlaps [start_ms, end_ms] and its name matches `pack_name` (when given)."""
    team.refresh_from_db(fields=["credits_available", "credits_reserved", "period_start"])
    effective = _ms(team.period_start)
    invalid = _ms(next_period_start(team.period_start))
    if (start_ms is not None and start_ms >= invalid) or (end_ms is not None and end_ms < effective):
        return []
    if pack_name and pack_name != KLING_PACK_NAME:
        return []
    spent = (
        CreditEntry.objects.filter(team=team, kind=CreditEntryKind.CAPTURE, created_at__gte=team.period_start)
        .aggregate(total=Sum("amount"))["total"] or 0
    )
    remaining = team.credits_available
    return [{
        "resource_pack_name": KLING_PACK_NAME,
        "resource_pack_id": f"{team.slug}-{team.period_start:%Y-%m}",
        "resource_pack_type": "decreasing_total",
        "total_quantity": float(remaining + team.credits_reserved + spent),
        "remaining_quantity": float(remaining),
        "purchase_time": effective,
        "effective_time": effective,
        "invalid_time": invalid,
        "status": "online" if remaining > 0 else "runOut",
    }]


# --- multi-elements selection masks --------------------------------------------------------------


def selection_mask(width: int, height: int, points) -> np.ndarray:
    """A height×width 0/1 mask of the squares around marked points ({x, y} in [0, 1]), each a tenth of the
    shorter side across: the studio's stand-in for the segment the video service finds."""
    half = max(1, min(width, height) // 20)
    mask = np.zeros((height, width), dtype=np.uint8)
    for point in points:
        cx, cy = round(point["x"] * (width - 1)), round(point["y"] * (height - 1))
        mask[max(0, cy - half) : cy + half + 1, max(0, cx - half) : cx + half + 1] = 1
    return mask


def coco_rle(mask: np.ndarray) -> str:
    """The mask as COCO's compressed RLE string (column-major runs, starting with a run of zeros), the shape
    Kling's rle_mask.counts has."""
    flat = mask.flatten(order="F")
    changes = np.flatnonzero(np.diff(flat)) + 1
    edges = np.concatenate(([0], changes, [flat.size]))
    counts = [int(n) for n in np.diff(edges)]
    if flat.size and flat[0] == 1:
        counts.insert(0, 0)
    out = []
    for index, value in enumerate(counts):
        value = value - counts[index - 2] if index > 2 else value
        more = True
        while more:
            chunk = value & 0x1F
            value >>= 5
            more = (value != -1) if chunk & 0x10 else (value != 0)
            if more:
                chunk |= 0x20
            out.append(chr(chunk + 48))
    return "".join(out)


def png_base64(mask: np.ndarray) -> str:
    """The mask as a black-and-white PNG, Base64 (Kling's png_mask.base64)."""
    buffer = io.BytesIO()
    Image.fromarray((mask * 255).astype(np.uint8)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


# --- the element library ----------------------------------------------------------------------------------------

# The native API's and the portal's words for an element's status (the Kling door keeps the upstream's).
ELEMENT_STATES = {"succeed": "ready", "processing": "held", "failed": "refused"}


def element_file_signature(task_id: str, position: int, expires: int) -> str:
    return download_signature(f"element:{task_id}:{position}", expires)


def signed_element_image_url(request, element, position) -> str:
    """An expiring link to one reference image of an element (the Kling door's element_image_list)."""
    expires = int(time.time()) + settings.DOWNLOAD_URL_TTL_S
    path = reverse("kling-element-file", args=[str(element.task_id), position])
    url = f"{path}?expires={expires}&signature={element_file_signature(str(element.task_id), position, expires)}"
    return _absolute_url(request, url)


def _element_body(element, image_url) -> dict:
    body = {
        "element_id": element.element_id, "element_name": element.name, "element_description": element.description,
        "reference_type": element.reference_type, "tag_list": [{"tag_id": tag} for tag in element.tags or []],
        "status": "deleted" if element.deleted_at else element.status,
    }
    images = [] if element.images_withheld else list(element.images.all())
    if element.reference_type == "image_refer" and images:
        body["element_image_list"] = {"frontal_image": image_url(images[0]),
                                      "refer_images": [{"image_url": image_url(image)} for image in images[1:]]}
    if element.reference_type == "video_refer" and element.clip is not None:
        body["element_video_list"] = {"refer_videos": [{"video_id": str(element.clip.public_id)}]}
    return body


def kling_element_task(element, *, request=None) -> dict:
    """An element as the upstream's element-creation task: task_status processing (held for review), succeed (its
    task_result.elements) or failed (refused by a moderator: task_status_msg says why)."""
    task = {
        "task_id": str(element.task_id), "task_status": element.status, "task_status_msg": element.status_message,
        "task_info": {"external_task_id": element.client_reference}, "created_at": _ms(element.created_at),
        "updated_at": _ms(element.updated_at), "final_unit_deduction": "0",
    }
    if element.status == "succeed":
        task["task_result"] = {"elements": [_element_body(element, lambda image: signed_element_image_url(request, element, image.position))]}
    return task


def element_summary(element) -> dict:
    """An element in the native API's shape: its id, words, status (ready | held | refused) and why, its images."""
    return {
        "element_id": element.element_id, "task_id": str(element.task_id), "name": element.name,
        "description": element.description, "reference_type": element.reference_type, "tags": list(element.tags or []),
        "status": ELEMENT_STATES.get(element.status, element.status), "status_message": element.status_message,
        "clip_id": str(element.clip.public_id) if element.clip_id else None,
        "images": [] if element.images_withheld else [
            reverse("api-v1:element_image", kwargs={"element_id": element.element_id, "position": image.position})
            for image in element.images.all()],
        "external_task_id": element.client_reference or None,
        "created_at": element.created_at.isoformat(), "deleted": element.deleted_at is not None,
    }

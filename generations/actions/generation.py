"""Every change to a generation is one `do_*` call: the row, its audit event and, after commit, the next job.

Transitions are compare-and-set updates (`filter(pk=…, status=old).update(…)`), so two workers, or a
worker and a user cancelling, can never both move the same generation.
"""

import contextlib
import contextvars
import dataclasses
import hashlib
import io
import logging

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image

from accounts import credits, ratelimit
from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.errors import AccountError
from accounts.models import AuditEventType, StandingLevel, Team
from accounts.standing import current_standing, do_record_strike
from generations import catalog, queueing
from generations.actions import hashbanks, webhooks
from generations.actions.provenance import input_provenance
from generations.actions.review_queue import do_open_review_for_held, do_withdraw_held_review
from generations.catalog import GenerationRequest
from generations.errors import GenerationError
from generations.inputs.images import inspect_image
from generations.inputs.media import MediaError, probe_video
from generations.models import (
    OUTPUT_IMAGE_ROLES,
    Asset,
    AssetRole,
    ConsentRecord,
    CreditState,
    Element,
    ElementStatus,
    Generation,
    current_policy_version,
)
from generations.moderation.text import screening
from generations.moderation.text.policy import SEVERITY
from generations.moderation.visual import faces, likeness, minors, scanning
from generations.outbound import UrlNotAllowed, resolve_target
from generations.pricing import price_generation
from generations.selectors import generation_for_team, team_object
from generations.states import BASE_PROGRESS, TERMINAL, Stage, Status, can_transition
from generations.storage import local_copy

logger = logging.getLogger(__name__)


class StaleTransition(Exception):
    """The generation was no longer in the expected state: someone else moved it first."""


def do_transition(
    generation,
    new_status,
    *,
    expected=None,
    stage=None,
    progress=None,
    error_code=None,
    error_message=None,
    actor=SYSTEM,
    extra=None,
    fields=None,
):
    """Move `generation` from `expected` (default: its current status) to `new_status`, or raise StaleTransition.

    Updates the in-memory instance to match the row.
    """
    old_status = expected or generation.status
    if not can_transition(old_status, new_status):
        raise StaleTransition(f"{old_status} → {new_status} is not a transition of the state machine")
    now = timezone.now()
    changes = {"status": new_status, "updated_at": now}
    if stage is not None:
        changes["stage"] = stage
    if progress is None:
        progress = BASE_PROGRESS.get(new_status)
    if progress is not None:
        changes["progress"] = progress
    if error_code is not None:
        changes["error_code"] = error_code
        changes["error_message"] = (error_message or "")[:500]
    if new_status == Status.QUEUED and old_status != Status.SUBMITTING:
        # Joining the queue (a moderator released it); a retry after a transient upstream error does not.
        changes["queued_at"] = now
    if new_status in TERMINAL:
        changes["finished_at"] = now
    changes.update(fields or {})
    with transaction.atomic():
        updated = Generation.objects.filter(pk=generation.pk, status=old_status).update(**changes)
        if not updated:
            raise StaleTransition(f"generation {generation.public_id} is no longer {old_status}")
        if new_status in TERMINAL:
            _settle_credits(generation, new_status, changes.get("stage", generation.stage))
        if new_status == Status.HELD:
            # Waiting for a person does not occupy the upstream: the team's slot goes back (its credits stay
            # reserved). Held at output, the render is done, so the same holds.
            _release_slot(generation)
            generation.refresh_from_db(fields=["screening_result", "scan_result"])
            held_stage = changes.get("stage", generation.stage)
            decision = generation.scan_result if held_stage == Stage.OUTPUT else generation.screening_result
            do_open_review_for_held(generation, stage=held_stage, categories=(decision or {}).get("categories"))
        if old_status == Status.HELD and new_status == Status.CANCELED:
            do_withdraw_held_review(generation, actor=actor)
        if new_status in webhooks.NATIVE_EVENTS or new_status in webhooks.KLING_CALLBACK_STATES:
            fresh = Generation.objects.select_related("team").prefetch_related("assets").get(pk=generation.pk)
            webhooks.events_for_transition(fresh, new_status)
        record_audit_event(
            AuditEventType.GENERATION_STATUS_CHANGED,
            actor=actor,
            team=generation.team,
            target=generation,
            extra={
                "from": old_status,
                "to": new_status,
                "stage": changes.get("stage", generation.stage),
                **({"error_code": error_code} if error_code else {}),
                **(extra or {}),
            },
        )
    generation.refresh_from_db()
    return generation


def check_callback_url(url):
    try:
        resolve_target(url)
    except UrlNotAllowed as exc:
        raise GenerationError("url_not_allowed", exc.message, field="callback_url", http_status=422) from exc


def _release_slot(generation):
    """Give back the generation's concurrency slot, if it holds one: a compare-and-set on `holds_slot`, so
    a slot is released exactly once and never by a generation that does not hold one."""
    if Generation.objects.filter(pk=generation.pk, holds_slot=True).update(holds_slot=False):
        credits.release_generation_slot(generation.team)
    generation.holds_slot = False


def do_take_slot(generation) -> bool:
    """A queued generation without a concurrency slot (a moderator released it) takes one of its team's
    slots before it is submitted. True if it now holds one; False if none is free (nothing changes).

    The generation's row is locked before the team's, in the same order as a cancel (which releases the
    slot inside its transition), so the two cannot deadlock, and a canceled one never takes a slot.
    """
    try:
        with transaction.atomic():
            now = timezone.now()
            if not Generation.objects.filter(pk=generation.pk, status=Status.QUEUED, holds_slot=False).update(
                holds_slot=True, slot_taken_at=now
            ):
                generation.refresh_from_db(fields=["status", "holds_slot", "slot_taken_at"])
                return generation.holds_slot and generation.status == Status.QUEUED
            credits.acquire_generation_slot(generation.team)  # AccountError (429) when none is free: rolls back
    except AccountError:
        return False
    generation.holds_slot, generation.slot_taken_at = True, now
    return True


def _settle_credits(generation, new_status, stage):
    """Runs once, inside the transition to a terminal state: free the slot, capture or release credits."""
    team = generation.team
    _release_slot(generation)
    charged = new_status == Status.SUCCEEDED or (
        new_status == Status.BLOCKED and stage == Stage.OUTPUT and settings.CHARGE_BLOCKED_OUTPUTS
    )
    new_state = CreditState.CAPTURED if charged else CreditState.RELEASED
    if not Generation.objects.filter(pk=generation.pk, credit_state=CreditState.RESERVED).update(credit_state=new_state):
        return
    ref = str(generation.public_id)
    if charged:
        credits.capture_credits(
            team, generation.price_credits, member=generation.created_by, api_key=generation.api_key, generation_ref=ref
        )
    else:
        credits.release_credits(
            team,
            generation.price_credits,
            member=generation.created_by,
            api_key=generation.api_key,
            generation_ref=ref,
            reason=f"released: {new_status}",
        )


def screening_history(user, *, limit=8, hours=24):
    """The user's recent prompts, oldest first, for the screening's escalation memory."""
    since = timezone.now() - timezone.timedelta(hours=hours)
    rows = (
        Generation.objects.filter(created_by=user, created_at__gte=since)
        .order_by("-id")
        # Only the two keys it needs: a whole screening_result (evidence, parts, scans) is many times larger.
        .values_list("prompt", "screening_result__decision", "screening_result__categories", "created_at")[:limit]
    )
    return [
        screening.PriorPrompt(text=prompt, decision=decision or screening.ALLOW, categories=categories or {}, at=created_at)
        for prompt, decision, categories, created_at in reversed(list(rows))
    ]


def _scan_input_images(request, *, restricted, clip_path=None):
    """Scan input images (and a referenced clip: omni-video's video_list, scanned as an output is) with the
    output detectors before anything is submitted. Returns the worst verdict as a dict (or None without any)."""
    images = (*request.input_images, *(image for _, image in request.element_images))
    if not images and clip_path is None:
        return None
    strict = settings.SCAN_STRICT_THRESHOLDS if restricted else None
    worst = None
    for image in (*images, *([clip_path] if clip_path is not None else [])):
        try:
            if image is clip_path:
                verdict = scanning.scan_video(clip_path, thresholds=strict)
            else:
                verdict = scanning.scan_image(image.for_analysis, thresholds=strict)
        except scanning.DetectorUnavailable as exc:
            raise GenerationError("scanner_unavailable", "Images cannot be checked right now; try again shortly.", http_status=503) from exc
        except scanning.ScanError as exc:
            raise GenerationError("image_corrupt", exc.message, field="image") from exc
        rank = {scanning.ALLOW: 0, scanning.REVIEW: 1, scanning.BLOCK: 2}[verdict.verdict]
        if worst is None or rank > worst[0]:
            worst = (rank, verdict)
    verdict = worst[1]
    flagged = flagged_categories(verdict)
    return {
        "verdict": verdict.verdict,
        "categories": flagged,
        "top": max(flagged, key=flagged.get) if flagged else "sexual",
        "detectors": list(verdict.detectors),
    }


def _parent_video(parent):
    return next((asset for asset in parent.assets.all() if asset.role == AssetRole.VIDEO), None)


def _resolve_parent(team, request):
    """The generation a request continues or remixes, checked against what its kind needs; the request
    comes back with what follows from the parent filled in (model, mode, duration, aspect). Another
    team's generation is indistinguishable from a missing one (404)."""
    if not request.parent_id:
        return None, request
    parent = generation_for_team(team, request.parent_id)
    if parent is None:
        raise GenerationError(
            "parent_not_found", "No generation of your team has that id.", field="parent_id", http_status=404
        )
    if request.kind == catalog.OMNI_VIDEO:
        return parent, _referenced_clip(parent, request)
    if request.kind == catalog.MOTION_CONTROL:
        return parent, _motion_clip(parent, request)
    if request.kind == catalog.VIDEO_TO_AUDIO:
        return parent, _clip_for_sound(parent, request)
    if request.kind == catalog.MULTI_ELEMENTS:
        return parent, _clip_to_edit(parent, request)
    if request.kind not in catalog.PARENT_KINDS:
        return parent, request  # a remix only records where it came from
    video = _continuable_video(parent, request.kind)
    return parent, dataclasses.replace(
        request, model_name=parent.model_name, mode=parent.mode, duration=_continued_duration(parent, video, request.kind),
        aspect_ratio=parent.aspect_ratio,
    )


def _referenced_clip(parent, request):
    """omni-video's video_list[0]: a finished clip of the team the video service still keeps, 3–10 s long
    (the upstream's limit). A clip to edit (refer_type base) gives the result its length."""
    video = _continuable_video(parent, request.kind)
    seconds = video.duration_s or parent.duration_seconds
    low, high = catalog.OMNI_VIDEO_SECONDS
    if not low - 0.25 <= seconds <= high + 0.25:
        raise GenerationError(
            "invalid_video_duration",
            f"omni-video takes clips of {low}–{high} seconds in video_list; this one lasts {seconds:.1f}.",
            field="video_list", http_status=422,
        )
    if request.options.get("video", {}).get("refer_type") == "base":
        return dataclasses.replace(request, duration=str(min(high, max(low, round(seconds)))))
    return request


def _motion_clip(parent, request):
    """motion-control's video_url: a finished clip of the team the video service still keeps, as long as the
    orientation allows (3–10 s facing as in the image, 3–30 s as in the clip). The result lasts as long."""
    video = _continuable_video(parent, request.kind)
    seconds = video.duration_s or parent.duration_seconds
    orientation = request.options.get("character_orientation", "image")
    low, high = catalog.MOTION_CLIP_SECONDS[orientation]
    if not low - 0.25 <= seconds <= high + 0.25:
        raise GenerationError(
            "invalid_video_duration",
            f"With character_orientation {orientation}, motion control takes clips of {low}–{high} seconds; "
            f"this one lasts {seconds:.1f}.",
            field="parent_id", http_status=422,
        )
    return dataclasses.replace(request, duration=str(min(high, max(low, round(seconds)))))


def _clip_for_sound(parent, request):
    """video-to-audio's clip: a finished clip of the team the video service still keeps, 3–20 s long (the
    upstream's limit). The result (and the price) lasts as long as the clip."""
    video = _continuable_video(parent, request.kind)
    seconds = video.duration_s or parent.duration_seconds
    low, high = catalog.VIDEO_TO_AUDIO_CLIP_SECONDS
    if not low - 0.25 <= seconds <= high + 0.25:
        raise GenerationError(
            "invalid_video_duration", f"Sound can be made for clips of {low:g}–{high:g} seconds; this one lasts {seconds:.1f}.",
            field="parent_id", http_status=422,
        )
    return dataclasses.replace(request, duration=str(min(int(high), max(int(low), round(seconds)))))


def _clip_to_edit(parent, request):
    """multi-elements' clip: a finished clip of the team the video service still keeps, 2–5 s (made into 5 s) or
    7–10 s (10 s), as upstream. A duration the caller gave must be the clip's; every frame marked must exist."""
    video = _continuable_video(parent, request.kind)
    seconds = video.duration_s or parent.duration_seconds
    duration = catalog.edit_duration_for(seconds)
    if not duration:
        raise GenerationError(
            "invalid_video_duration",
            f"Clips of 2–5 or 7–10 seconds can be edited; this one lasts {seconds:.1f}.", field="parent_id", http_status=422,
        )
    if request.duration and request.duration != duration:
        raise GenerationError(
            "invalid_duration", f"A clip of {seconds:.1f} s makes a {duration} s edit; duration {request.duration} does not fit.",
            field="duration", http_status=422,
        )
    marks = request.options.get("selection", ())
    frames = clip_frame_count(video) if marks else 0
    late = [mark["frame_index"] for mark in marks if mark["frame_index"] >= frames]
    if late:
        raise GenerationError(
            "invalid_selection", f"frame {late[0]} is past the clip's last frame ({frames - 1}).", field="selection", http_status=422,
        )
    return dataclasses.replace(request, duration=duration)


def clip_frame_count(video) -> int:
    """How many frames a stored clip (a video Asset) has, read from the file; a clip that cannot be read is the
    studio's problem (503), not the caller's."""
    try:
        with local_copy(video.file) as path:
            return probe_video(path).frames
    except (OSError, MediaError) as exc:
        raise GenerationError("video_unreadable", "The clip cannot be read right now.", http_status=503) from exc


def _verb(kind):
    if kind == catalog.ELEMENT:
        return "made into an element"
    if kind == catalog.MULTI_ELEMENTS:
        return "edited"
    if kind == catalog.VIDEO_TO_AUDIO:
        return "given sound"
    if kind == catalog.OMNI_VIDEO:
        return "used in video_list"
    if kind == catalog.MOTION_CONTROL:
        return "used as the motion"
    return "extended" if kind == catalog.VIDEO_EXTEND else "lip-synced"


def _continuable_video(parent, kind):
    """The parent's clip, if the video service can still continue it: finished, not withheld, known
    upstream and within its retention. Raises GenerationError (409) saying which of these failed."""
    verb = _verb(kind)
    video = _parent_video(parent)
    if parent.status == Status.BLOCKED or (video is not None and video.quarantined):
        raise GenerationError(
            "parent_blocked", f"A blocked or withheld clip cannot be {verb}.", field="parent_id", http_status=409
        )
    if parent.status != Status.SUCCEEDED or video is None:
        raise GenerationError(
            "parent_not_finished", f"Only a finished clip can be {verb}; this one is {parent.status}.", field="parent_id",
            http_status=409,
        )
    if not parent.provider_video_id:
        raise GenerationError(
            "parent_not_available", f"The video service no longer knows this clip, so it cannot be {verb}.",
            field="parent_id", http_status=409,
        )
    if timezone.now() - (parent.render_finished_at or parent.finished_at) > timezone.timedelta(days=catalog.UPSTREAM_RETENTION_DAYS):
        raise GenerationError(
            "parent_expired",
            f"The video service keeps clips for {catalog.UPSTREAM_RETENTION_DAYS} days; this one is older, so it cannot be {verb}.",
            field="parent_id", http_status=409,
        )
    return video


def _continued_duration(parent, video, kind) -> str:
    """The duration of what continuing the clip makes: the clip plus an extension (video-extend, up to
    the limit, on models that can), or the clip's own length (lip-sync, within its range). Raises 422."""
    seconds = video.duration_s or parent.duration_seconds
    if kind == catalog.VIDEO_EXTEND:
        if parent.model_name not in catalog.EXTENDABLE_MODELS:
            raise GenerationError(
                "model_not_capable",
                f"video-extend only supports videos generated by {', '.join(catalog.EXTENDABLE_MODELS)}; this one was made by {parent.model_name}.",
                field="parent_id", http_status=422,
            )
        total = seconds + catalog.EXTEND_SECONDS
        if total > catalog.EXTEND_MAX_TOTAL_SECONDS + 0.5:
            raise GenerationError(
                "extend_too_long", "The extended video cannot be longer than 3 minutes.", field="parent_id", http_status=422
            )
        return str(round(total))
    if not catalog.LIP_SYNC_MIN_SECONDS - 0.25 <= seconds <= catalog.LIP_SYNC_MAX_SECONDS + 0.25:
        raise GenerationError(
            "invalid_video_duration",
            f"Lip-sync works on clips of {catalog.LIP_SYNC_MIN_SECONDS}–{catalog.LIP_SYNC_MAX_SECONDS} seconds; this one lasts {seconds:.1f}.",
            field="parent_id", http_status=422,
        )
    return str(max(1, round(seconds)))


def _resolve_elements(team, request):
    """The elements element_list names, from the team's library: each must exist for this team (another team's
    id answers exactly as a missing one), not be deleted, and be ready (not waiting for review, not refused).
    Their reference images come back in `element_images`, screened with the request's own images."""
    ids = request.options.get("element_ids") or []
    if not ids:
        return request
    found = {element.element_id: element
             for element in Element.objects.filter(team=team, element_id__in=ids).prefetch_related("images")}
    named = []
    for index, element_id in enumerate(ids):
        element = found.get(element_id)
        if element is None:
            raise GenerationError(
                "element_not_found", f"element_list[{index}]: element_id {element_id} does not exist.", field="element_list",
                http_status=404,
            )
        if element.deleted_at is not None:
            raise GenerationError(
                "element_deleted", f"element_list[{index}]: element {element_id} was deleted.", field="element_list", http_status=409
            )
        if element.status == ElementStatus.PROCESSING:
            raise GenerationError(
                "element_not_ready", f"element_list[{index}]: element {element_id} is waiting for a moderator's review.",
                field="element_list", http_status=409,
            )
        if element.status != ElementStatus.SUCCEED:
            raise GenerationError(
                "element_refused", f"element_list[{index}]: element {element_id} was refused and cannot be used.",
                field="element_list", http_status=409,
            )
        for stored in element.images.all():
            name = f"element_list[{index}].images[{stored.position}]"
            try:
                with stored.file.open("rb") as handle:
                    named.append((name, inspect_image(handle.read(), field=name)))
            except OSError as exc:
                raise GenerationError("element_unreadable", f"{name} cannot be read right now.", http_status=503) from exc
    return dataclasses.replace(request, element_images=tuple(named))


def _check_consent(team, consent_id):
    if not consent_id:
        return None

    record = team_object(ConsentRecord.objects.filter(revoked_at=None), team, consent_id)
    if record is None:
        raise GenerationError(
            "consent_not_found", "No active consent record of your team has that id.", field="consent_id", http_status=422
        )
    return record


def _named_images(request):
    """(name, InputImage) of every input image, named as the likeness rules and their records name them: the
    request's own, then the reference images of the elements it names (element_list[N].images[M])."""
    named = [(name, image) for name, image in (("image", request.image), ("image_tail", request.image_tail)) if image is not None]
    return named + [(f"images[{index}]", image) for index, image in enumerate(request.images)] + list(request.element_images)


def _clip_name(request):
    """How the likeness and age records name the clip a request works on."""
    return _CLIP_NAMES.get(request.kind, "parent video")


# The referenced clips screened as inputs are (hash banks, nudity scan, faces, apparent minors), by kind, and
# the name their records give them.
_CLIP_NAMES = {catalog.OMNI_VIDEO: "video_list[0]", catalog.MOTION_CONTROL: "video_url", catalog.MULTI_ELEMENTS: "edited clip",
               catalog.ELEMENT: "element_video_list[0]"}


@contextlib.contextmanager
def _parent_footage(parent):
    """A local copy of the clip a lip-sync re-voices (or omni-video references). A stored clip that cannot be read is the studio's
    problem, not the user's: video_unreadable, worth a retry."""
    try:
        with local_copy(_parent_video(parent).file) as path:
            yield path
    except OSError as exc:
        raise faces.FaceCheckError("video_unreadable", "The clip cannot be read right now.", permanent=False) from exc


def _check_likeness(request, *, user, parent, consent):
    """Look for faces in what a request animates (uploaded images; the clip a lip-sync re-voices) and apply
    the likeness rules. Returns (LikenessCheck, {input name: faces.FaceReport}). Fails closed when faces
    cannot be checked."""
    reports = {}
    try:
        for name, image in _named_images(request):
            reports[name] = faces.detect_faces_in_image(image.for_analysis)
        if (request.kind == catalog.LIP_SYNC or request.kind in _CLIP_NAMES) and parent is not None:
            with _parent_footage(parent) as path:
                reports[_clip_name(request)] = faces.detect_faces_in_video(path)
    except faces.FaceDetectorUnavailable as exc:
        raise GenerationError(
            "face_check_unavailable", "Inputs cannot be checked for faces right now; try again shortly.", http_status=503
        ) from exc
    except faces.FaceCheckError as exc:
        # The user's file (corrupt) is a 400; our own missing file is worth a retry.
        raise GenerationError(exc.code, exc.message, field="image", http_status=400 if exc.permanent else 503) from exc
    reanimation = reanimation_kind(
        kind=request.kind,
        effect_scene=request.options.get("effect_scene", ""),
        parent_made_by_someone_else=parent is not None and parent.created_by_id != user.pk and request.kind != catalog.ELEMENT,
        edits_footage=request.options.get("video", {}).get("refer_type") == "base" or request.options.get("edit_mode") in ("addition", "swap"),
        pictured_faces=any(report.faces for name, report in reports.items() if name.startswith(("images[", "element_list["))
                           or request.kind == catalog.ELEMENT),
        character_face=bool(reports.get("image") and reports["image"].faces),
    )
    check = likeness.likeness_decision(
        face_counts={name: report.faces for name, report in reports.items()}, reanimation=reanimation,
        consent_id=str(consent.public_id) if consent else "",
    )
    return check, reports


@dataclasses.dataclass(frozen=True)
class Admission:
    """What a request may do, decided before any screening: the parent it continues (its settings filled
    into `request`), the consent record it relies on, its price, and whether its author is restricted."""

    request: GenerationRequest
    parent: Generation | None
    consent: object | None
    price: int
    restricted: bool


@dataclasses.dataclass(frozen=True)
class Assessment:
    """What screening found: the prompt's decision, the input images' scan, the likeness rules' verdict."""

    decision: screening.ScreeningDecision
    input_scan: dict | None
    likeness: likeness.LikenessCheck | None
    # What input images say of their origin (content credentials, this studio's watermark), by asset role.
    input_provenance: dict = dataclasses.field(default_factory=dict)
    # The strongest hash-bank match among the input images (hashbanks.match_record), or None.
    hash_match: dict | None = None


@dataclasses.dataclass(frozen=True)
class Disposition:
    """Where a new generation starts and why: its status and stage, the error a blocked one shows, the
    categories a held one is reviewed under, and the strike a blocked one earns."""

    status: str
    stage: str
    error_code: str = ""
    error_message: str = ""
    held_categories: dict | None = None
    strike: tuple[str, str] | None = None  # (category, source)

    @property
    def blocked(self):
        return self.status == Status.BLOCKED


def _admit(team, user, request) -> Admission:
    """Standing, rate and limits, the parent, consent, price, callback address, external id: every
    refusal that needs no screening, raised before any work is done."""
    standing = current_standing(user)  # API keys act with their creator's standing
    if standing.level == StandingLevel.SUSPENDED:
        raise AccountError(
            "account_suspended",
            "Your account is suspended, so it cannot start generations. See your standing page; a moderator can lift it.",
            http_status=403,
        )
    restricted = standing.level == StandingLevel.RESTRICTED
    ratelimit.check_create_rate(user, restricted=restricted)
    parent, request = _resolve_parent(team, request)
    request = _resolve_elements(team, request)
    consent = _check_consent(team, request.consent_id)
    price = price_generation(
        request.kind, request.model_name, request.mode, request.duration, sound=request.options.get("sound") == "on",
        images=request.options.get("n", 1),
    )
    if request.callback_url:
        # Refuse a callback to a private address now, with a clear error, not at delivery time.
        check_callback_url(request.callback_url)
    if request.client_reference and Generation.objects.filter(team=team, client_reference=request.client_reference).exists():
        raise GenerationError(
            "external_task_id_exists", "external_task_id already exists", field="external_task_id", http_status=409
        )
    return Admission(request=request, parent=parent, consent=consent, price=price, restricted=restricted)


def _check_input_ages(request, admission, likeness_check, face_reports, decision) -> dict | None:
    """Apparent minors among the pictured faces, only when the request is intimate or its prompt sexual:
    the record kept in screening_result (`applies` blocks, see initial_disposition), or None when not asked.
    The faces are those the likeness check found (its boxes guide the estimator); a lip-sync's footage is
    sampled afresh."""
    if likeness_check is None or not likeness_check.inputs_with_faces:
        return None
    prompt_sexual = float(decision.categories.get("sexual", 0.0) or 0.0)
    if not likeness_check.reanimation and prompt_sexual < settings.SCREEN_MINOR_SEXUAL_PROMPT_LOW:
        return None
    named = dict(_named_images(request))
    faces_seen = []
    try:
        for name in likeness_check.inputs_with_faces:
            if name in ("parent video", *_CLIP_NAMES.values()) and admission.parent is not None:
                # The footage a lip-sync re-voices: a few frames spread over it.
                with _parent_footage(admission.parent) as path:
                    for picture in minors.sample_video_frames(path):
                        faces_seen += [{"input": name, **face.as_dict()} for face in minors.estimate_ages(picture)]
                continue
            if named.get(name) is None:
                continue
            picture = Image.open(io.BytesIO(named[name].for_analysis))
            faces_seen += [{"input": name, **face.as_dict()}
                           for face in minors.estimate_ages(picture, haar_boxes=face_reports[name].boxes)]
        estimator = minors.load_estimator().name
    except minors.EstimatorUnavailable as exc:
        raise GenerationError(
            "age_check_unavailable", "Pictured faces cannot be checked right now; try again shortly.", http_status=503
        ) from exc
    except faces.FaceCheckError as exc:
        raise GenerationError(exc.code, exc.message, field="image", http_status=400 if exc.permanent else 503) from exc
    youngest = min((face["age"] for face in faces_seen), default=None)
    reason = minors.input_minor_rule(
        youngest_age=youngest, reanimation=likeness_check.reanimation, prompt_sexual=prompt_sexual,
        sexual_low=settings.SCREEN_MINOR_SEXUAL_PROMPT_LOW, margin_years=settings.AGE_MINOR_MARGIN_YEARS,
    )
    return {"applies": bool(reason), "reason": reason, "estimator": estimator, "faces": faces_seen,
            "minor_below_age": minors.minor_cutoff(settings.AGE_MINOR_MARGIN_YEARS)}


def screen_request(request: GenerationRequest, *, history=(), strict=False, has_face_input=False):
    """Screen the whole request (prompt and every shot, GenerationRequest.screened_text) and each shot of a
    multi-shot script as its own text. A shot that alone is worse than the whole decides, and a blocked or
    held request whose violation sits in a shot names that shot: in its message and in `decided_by.shot`."""
    decision = screening.screen_prompt(
        request.screened_text, request.negative_prompt, history=history, strict=strict, has_face_input=has_face_input
    )
    named_shot = None
    for number, text in request.screened_segments:
        alone = screening.screen_prompt(text, strict=strict, has_face_input=has_face_input)
        if SEVERITY[alone.decision] > SEVERITY[decision.decision]:
            decision, named_shot = alone, number
        elif named_shot is None and alone.decision != screening.ALLOW and alone.decision == decision.decision:
            named_shot = number
    if named_shot is None or decision.decision == screening.ALLOW:
        return decision
    message = decision.user_message or "This prompt was refused by the content policy."
    if message.startswith("This prompt"):
        message = f"Shot {named_shot} of this prompt" + message[len("This prompt"):]
    else:
        message = f"Shot {named_shot}: {message}"
    decided_by = {**(decision.decided_by or {}), "shot": named_shot}
    preview = f"Shot {named_shot}: {decision.preview}" if decision.preview else ""
    return dataclasses.replace(decision, user_message=message, preview=preview, decided_by=decided_by)


def _assess(admission: Admission, *, user, team=None) -> Assessment:
    """Match its images against the hash banks, look for faces in what the request animates, screen its
    text, scan its images (pure CPU and reads)."""
    with _referenced_footage(admission) as clip_path:
        return _assess_with(admission, user=user, team=team, clip_path=clip_path)


@contextlib.contextmanager
def _referenced_footage(admission):
    """omni-video's referenced clip as a local file, screened like an input image (hash banks, the nudity
    scan, faces, apparent minors); None for every other kind."""
    if admission.request.kind not in _CLIP_NAMES or admission.parent is None:
        yield None
        return
    with _parent_footage(admission.parent) as path:
        yield path


def _assess_with(admission: Admission, *, user, team, clip_path) -> Assessment:
    request = admission.request
    hash_match = None
    if request.input_images or request.element_images or clip_path is not None:
        hash_match = hashbanks.match_input_images(
            [(role, image.data) for role, image in input_image_roles(request)]
            + [(name, image.data) for name, image in request.element_images],
            team_id=team.pk if team else None,
            clips=[(_clip_name(request), clip_path)] if clip_path is not None else (),
        )
    likeness_check, face_reports = None, {}
    if request.input_images or request.element_images or request.kind == catalog.LIP_SYNC or clip_path is not None:
        likeness_check, face_reports = _check_likeness(
            request, user=user, parent=admission.parent, consent=admission.consent
        )
    decision = screen_request(
        request,
        # The author's standing was read once in _admit (`restricted`): screening need not look it up again.
        history=screening_history(user),
        strict=admission.restricted,
        has_face_input=bool(likeness_check and likeness_check.inputs_with_faces),
    )
    try:
        input_scan = _scan_input_images(request, restricted=admission.restricted, clip_path=clip_path)
    except GenerationError as exc:
        if clip_path is not None and exc.code == "image_corrupt":
            raise GenerationError(
                "video_unreadable", f"The clip in {_clip_name(request)} cannot be read right now.", http_status=503
            ) from exc
        raise
    apparent_minor = _check_input_ages(request, admission, likeness_check, face_reports, decision)
    if apparent_minor is not None:
        # A lip-sync has no input image to scan: its record still needs a place in screening_result.
        input_scan = {**(input_scan or {"verdict": scanning.ALLOW, "categories": {}, "top": "", "detectors": []}),
                      "apparent_minor": apparent_minor}
    origins = {role: input_provenance(image) for role, image in input_image_roles(request)}
    return Assessment(decision=decision, input_scan=input_scan, likeness=likeness_check,
                      input_provenance={role: origin for role, origin in origins.items() if origin}, hash_match=hash_match)


def initial_disposition(assessment: Assessment, *, restricted: bool) -> Disposition:
    """Pure: where a new generation starts. An input image matching a blocking hash bank blocks; a blocked
    prompt blocks; then flagged input images block or hold; a holding hash bank holds; a prompt for review,
    or a restricted author, holds; faces without consent hold; else queued. A `report` bank's match changes
    nothing here (a review item records it)."""
    decision, input_scan, likeness_check = assessment.decision, assessment.input_scan, assessment.likeness
    hash_match = assessment.hash_match
    if hash_match and hash_match["action"] == "block":
        category = hash_match["category"]
        message = (f"The input image was refused: it matches known {category.replace('_', ' ')} content "
                   "the policy forbids.")
        return Disposition(Status.BLOCKED, Stage.INPUT, "hash_match", message[:500], strike=(category, "hash_match"))
    if decision.decision == screening.BLOCK:
        category = decision.top_category or max(decision.categories, key=decision.categories.get, default="default")
        return Disposition(
            Status.BLOCKED, Stage.PROMPT, "policy_violation",
            (decision.user_message or "The prompt was blocked by the content policy.")[:500],
            strike=(category, "injection" if category == "injection" else "prompt_block"),
        )
    if input_scan and (input_scan.get("apparent_minor") or {}).get("applies"):
        # Routing on an estimated age, not a finding: no strike, and the reason names no age.
        message = ("The request was refused: a pictured person may be under 18, and the request is intimate or "
                   "sexual (" + input_scan["apparent_minor"]["reason"] + ").")
        return Disposition(Status.BLOCKED, Stage.INPUT, "apparent_minor", message[:500])
    if input_scan and input_scan["verdict"] == scanning.BLOCK:
        message = f"The input image was refused: it shows {input_scan['top'].replace('_', ' ')} content the policy forbids."
        return Disposition(Status.BLOCKED, Stage.INPUT, "input_blocked", message[:500], strike=(input_scan["top"], "input_block"))
    if input_scan and input_scan["verdict"] != scanning.ALLOW:
        return Disposition(Status.HELD, Stage.INPUT, held_categories=input_scan["categories"])
    if hash_match and hash_match["action"] == "hold":
        return Disposition(Status.HELD, Stage.INPUT, held_categories={hash_match["category"]: 1.0})
    if decision.decision == screening.REVIEW or restricted:
        # A restricted account's generations all wait for a human, whatever screening says.
        return Disposition(Status.HELD, Stage.PROMPT, held_categories=decision.categories)
    if likeness_check is not None and likeness_check.decision != "allow":
        return Disposition(Status.HELD, Stage.INPUT, held_categories=likeness_check.categories)
    return Disposition(Status.QUEUED, Stage.QUEUE)


def _write(*, team, user, api_key, admission, assessment, disposition, callback_format, http_request):
    """Inside the submit's transaction: the row, its input files, the credit reservation, one audit event."""
    request, decision, likeness_check = admission.request, assessment.decision, assessment.likeness
    options = dict(request.options)
    if admission.consent is not None:
        options["consent_id"] = str(admission.consent.public_id)
    status, stage, blocked = disposition.status, disposition.stage, disposition.blocked
    now = timezone.now()
    try:
        with transaction.atomic():
            generation = Generation.objects.create(
                team=team,
                created_by=user,
                api_key=api_key,
                kind=request.kind,
                prompt=request.prompt,
                negative_prompt=request.negative_prompt,
                model_name=request.model_name,
                mode=request.mode,
                duration=request.duration,
                aspect_ratio=request.aspect_ratio,
                cfg_scale=request.cfg_scale,
                camera_control=request.camera_control,
                options=options,
                parent=admission.parent,
                client_reference=request.client_reference,
                callback_url=request.callback_url,
                callback_format=callback_format,
                status=status,
                stage=stage,
                progress=BASE_PROGRESS.get(status, 0),
                queued_at=now if status == Status.QUEUED else None,
                finished_at=now if blocked else None,
                error_code=disposition.error_code,
                error_message=disposition.error_message,
                screening_result={
                    **decision.as_audit(),
                    "user_message": decision.user_message,
                    "suggestion": decision.suggestion,
                    "input_scan": assessment.input_scan,
                    "likeness": likeness_check.as_record() if likeness_check else None,
                    **({"hash_match": assessment.hash_match} if assessment.hash_match else {}),
                    # The published content policy in force (the screening thresholds' own version is `policy_version`).
                    "content_policy_version": current_policy_version(),
                },
                price_credits=admission.price,
                credit_state=CreditState.NONE if blocked else CreditState.RESERVED,
                # Only a queued one may reach the upstream now; a held one takes a slot once released.
                holds_slot=status == Status.QUEUED,
            )
    except IntegrityError as exc:  # a concurrent submit took the same external_task_id
        raise GenerationError(
            "external_task_id_exists", "external_task_id already exists", field="external_task_id", http_status=409
        ) from exc
    # Images the scanner flagged are quarantined like outputs: never served to the team, kept for
    # reviewers until QUARANTINED_INPUT_RETENTION_DAYS pass (housekeeping then deletes them).
    quarantine_inputs = bool(assessment.input_scan) and assessment.input_scan["verdict"] != scanning.ALLOW
    quarantine_inputs = quarantine_inputs or (assessment.hash_match or {}).get("action") in ("block", "hold")
    for role, image in input_image_roles(request):
        _store_input_image(
            generation, role, image, quarantined=quarantine_inputs, provenance=assessment.input_provenance.get(role)
        )
    if request.audio is not None:
        _store_asset(
            generation, AssetRole.INPUT_AUDIO, request.audio.data, name=f"input.{request.audio.extension}",
            content_type=request.audio.content_type, duration_s=request.audio.duration_s,
        )
    spender = credits.Spender(member=user, api_key=api_key)
    # Either refusal raises AccountError and rolls the whole submit back. The team row is locked from
    # here to commit, so these come last. A held generation reserves its credits (the team owes them if
    # it is released) but no concurrency slot: waiting for a person does not occupy the upstream.
    if status == Status.QUEUED:
        credits.reserve_generation(team, spender, admission.price, generation_ref=str(generation.public_id))
    elif status == Status.HELD:
        credits.reserve_credits(team, spender, admission.price, generation_ref=str(generation.public_id))
    record_audit_event(
        AuditEventType.GENERATION_SUBMITTED,
        actor=Actor(user=user, api_key=api_key),
        team=team,
        target=generation,
        extra={
            "kind": request.kind,
            "model_name": request.model_name,
            "mode": request.mode,
            "duration": request.duration,
            "aspect_ratio": request.aspect_ratio,
            "price_credits": admission.price,
            **({"parent": str(admission.parent.public_id)} if admission.parent else {}),
            **({"options": options} if options else {}),
            **({"likeness": likeness_check.as_record()} if likeness_check and likeness_check.inputs_with_faces else {}),
            # created → screening → this, inside the submit:
            "status": status,
            "held_for_standing": admission.restricted and decision.decision == screening.ALLOW,
            "screening": decision.as_audit(),
            **({"hash_match": assessment.hash_match} if assessment.hash_match else {}),
        },
        request=http_request,
    )
    return generation


def _follow_ups(generation, disposition: Disposition, *, user):
    """Still inside the transaction: a review item for a held one, the job (after commit) for a queued
    one, a strike for a blocked one, and the webhook events of a generation that did not queue."""
    if disposition.status == Status.HELD:
        do_open_review_for_held(generation, stage=disposition.stage, categories=disposition.held_categories)
    elif disposition.status == Status.QUEUED:
        transaction.on_commit(lambda: queueing.enqueue_generation(generation.pk, round_number=0))
    if disposition.strike:
        category, source = disposition.strike
        do_record_strike(user, category=category, source=source, generation_ref=str(generation.public_id))
    hash_match = (generation.screening_result or {}).get("hash_match")
    if hash_match and hash_match["action"] == "report" and disposition.status == Status.QUEUED:
        # Only when it goes on: a held one's review item already shows the match.
        hashbanks.do_open_hash_report(generation, stage=Stage.INPUT, match=hash_match)
    if disposition.status in (Status.HELD, Status.BLOCKED):
        webhooks.events_for_transition(generation, disposition.status)


def do_submit_generation(*, team, user, request: GenerationRequest, api_key=None, http_request=None, callback_format="native"):
    """Accept a validated request: check standing and limits, resolve the clip it continues (if any), look
    for faces in what it animates and apply the likeness rules, screen its text and scan its images, then
    in one short transaction write the row, reserve its credits and (unless it is held for review) a
    concurrency slot, and record one audit event; the job is enqueued after commit. A refusal by any limit
    leaves nothing behind.

    Screening runs before the transaction (it is pure CPU and reads), so the serialised part of a submit
    is only its writes. A blocked prompt still leaves a `blocked` generation behind, with nothing
    reserved, so the user can see what happened; it counts against their standing.
    """
    admission = _admit(team, user, request)
    assessment = _assess(admission, user=user, team=team)
    disposition = initial_disposition(assessment, restricted=admission.restricted)
    with _objects_go_with_the_rows(), transaction.atomic():
        generation = _write(
            team=team, user=user, api_key=api_key, admission=admission, assessment=assessment, disposition=disposition,
            callback_format=callback_format, http_request=http_request,
        )
        _follow_ups(generation, disposition, user=user)
    return generation


# The (storage, name) of every object stored inside the transaction in progress, to delete if it rolls back.
_STORED_OBJECTS = contextvars.ContextVar("studio_stored_objects", default=None)


@contextlib.contextmanager
def _objects_go_with_the_rows():
    """Around a transaction that stores files: if it rolls back (a limit refused the submit, PostgreSQL
    chose it as a deadlock victim, the database went away), delete the objects it stored, or the bucket
    keeps files no Asset row accounts for (the cluster rehearsal's orphan check)."""
    stored = []
    token = _STORED_OBJECTS.set(stored)
    try:
        yield
    except BaseException:
        for storage, name in stored:
            with contextlib.suppress(Exception):
                storage.delete(name)
        raise
    finally:
        _STORED_OBJECTS.reset(token)


def _note_stored(asset):
    stored = _STORED_OBJECTS.get()
    if stored is not None:
        stored.append((asset.file.storage, asset.file.name))


_EXTRA_IMAGE_ROLES = (AssetRole.INPUT_IMAGE, AssetRole.INPUT_IMAGE_2, AssetRole.INPUT_IMAGE_3, AssetRole.INPUT_IMAGE_4,
                      AssetRole.INPUT_IMAGE_5, AssetRole.INPUT_IMAGE_6, AssetRole.INPUT_IMAGE_7)


def input_image_roles(request):
    """(role, image) for every input image of a request, in the order the upstream receives them."""
    pairs = [(AssetRole.INPUT_IMAGE, request.image), (AssetRole.INPUT_IMAGE_TAIL, request.image_tail)]
    pairs += list(zip(_EXTRA_IMAGE_ROLES, request.images, strict=False))
    return [(role, image) for role, image in pairs if image is not None]


def _store_input_image(generation, role, image, *, quarantined=False, provenance=None):
    asset = Asset(generation=generation, role=role, quarantined=quarantined, provenance=provenance, **image.stored_fields)
    asset.file.save(f"input.{image.extension}", ContentFile(image.data), save=False)
    _note_stored(asset)
    asset.save()
    return asset


def do_cancel_generation(generation, *, actor):
    """Cancel a generation that has not ended: its credits are released and its slot (if it holds one)
    freed. A held one is withdrawn from review (see `do_withdraw_held_review`)."""
    if generation.is_terminal:
        raise GenerationError(
            "generation_finished", f"This generation already ended ({generation.status}).", http_status=409
        )
    held = generation.status == Status.HELD
    try:
        return do_transition(
            generation,
            Status.CANCELED,
            error_code="canceled",
            error_message="Withdrawn while it waited for review." if held else "Canceled by its owner.",
            actor=actor,
        )
    except StaleTransition:
        generation.refresh_from_db()
        if generation.is_terminal:
            raise GenerationError(
                "generation_finished", f"This generation already ended ({generation.status}).", http_status=409
            ) from None
        return do_cancel_generation(generation, actor=actor)


def do_fail_generation(generation, *, code, message, extra=None):
    """End a running generation as failed with a reason the user can read. No-op if it already ended."""
    generation.refresh_from_db()
    if generation.is_terminal:
        return generation
    try:
        return do_transition(generation, Status.FAILED, error_code=code, error_message=message, extra=extra)
    except StaleTransition:
        return do_fail_generation(generation, code=code, message=message, extra=extra)


def do_block_upstream(generation, *, expected, upstream_code, message):
    """The upstream refused the request under its content-safety policy: blocked at stage upstream."""
    refusal = {"upstream_code": upstream_code, "upstream_message": message[:300], "policy_version": current_policy_version()}
    with transaction.atomic():
        do_transition(
            generation,
            Status.BLOCKED,
            expected=expected,
            stage=Stage.UPSTREAM,
            progress=0,
            error_code="upstream_content_policy",
            error_message="The video service refused this request under its content-safety policy.",
            extra=refusal,
        )
        record_audit_event(AuditEventType.UPSTREAM_REFUSED, team=generation.team, target=generation, extra=refusal)
        do_record_strike(
            generation.created_by, category="default", source="upstream_refusal", generation_ref=str(generation.public_id)
        )
    return generation


def do_record_progress(generation, *, progress, stage=None, provider_status=None):
    """Move the progress bar of a generating generation; False if it is no longer generating."""
    changes = {"progress": progress, "updated_at": timezone.now()}
    if stage is not None:
        changes["stage"] = stage
    if provider_status is not None:
        changes["provider_status"] = provider_status
    updated = Generation.objects.filter(pk=generation.pk, status=Status.GENERATING).update(**changes)
    if updated:
        for name, value in changes.items():
            setattr(generation, name, value)
    return bool(updated)


def do_count_submit_attempt(generation):
    Generation.objects.filter(pk=generation.pk).update(submit_attempts=F("submit_attempts") + 1)
    generation.refresh_from_db(fields=["submit_attempts"])


def do_requeue_generation(generation, *, delay_s=0):
    """Hand a still-running generation back to the queue for another worker turn (after `delay_s`)."""
    Generation.objects.filter(pk=generation.pk).update(poll_rounds=F("poll_rounds") + 1)
    generation.refresh_from_db(fields=["poll_rounds"])
    round_number = generation.poll_rounds
    transaction.on_commit(lambda: queueing.enqueue_generation(generation.pk, round_number=round_number, delay_s=delay_s))


def _sha256_of(fileobj):
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def _store_asset(generation, role, data_or_file, *, name, content_type, quarantined=False, **info):
    if isinstance(data_or_file, (bytes, bytearray)):
        content = ContentFile(bytes(data_or_file))
        size, digest = len(data_or_file), hashlib.sha256(data_or_file).hexdigest()
    else:
        content = File(data_or_file)
        size, digest = data_or_file.seek(0, 2) or 0, _sha256_of(data_or_file)
    asset = Asset(generation=generation, role=role, content_type=content_type, size_bytes=size, sha256=digest,
                  quarantined=quarantined, **info)
    asset.file.save(name, content, save=False)
    _note_stored(asset)
    asset.save()
    return asset


def _evidence_strip(frames):
    """The blurred deciding frames side by side in one JPEG, for reviewers."""
    images = [Image.open(io.BytesIO(jpeg)).convert("RGB") for _, jpeg in frames[:6]]
    if not images:
        return None
    height = min(image.height for image in images)
    images = [image.resize((max(1, image.width * height // image.height), height)) for image in images]
    strip = Image.new("RGB", (sum(image.width for image in images), height))
    x = 0
    for image in images:
        strip.paste(image, (x, 0))
        x += image.width
    buffer = io.BytesIO()
    strip.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def flagged_categories(verdict) -> dict:
    """{category: peak score} for the categories a scan verdict did not allow."""
    flagged = {}
    for name, detail in (verdict.categories or {}).items():
        if isinstance(detail, dict):
            if detail.get("level", "allow") != "allow":
                flagged[name] = float(detail.get("peak", detail.get("score", 0.0)))
        elif isinstance(detail, (int, float)) and detail > 0:
            flagged[name] = float(detail)
    return flagged


def _store_sound(generation, audio, *, quarantined):
    """Store a sound kind's audio (MP3 bytes, seconds); what the delivery's audit record says of it."""
    data, seconds = audio
    asset = _store_asset(generation, AssetRole.AUDIO, data, name="sound.mp3", content_type="audio/mpeg",
                         quarantined=quarantined, duration_s=seconds)
    return {"audio_sha256": asset.sha256, "audio_duration_s": seconds}


def do_deliver_output(generation, *, poster_bytes, verdict, video_file=None, video_info=None, images=(), blame="model_output",
                      evidence=None, blurred_poster=None, provider_video_id="", provenance=None, hash_match=None, audio=None):
    """Act on the output scan, in one transaction: store the clip (or an image generation's `images`, (PNG bytes,
    width, height) in index order; a sound kind's `audio`, (MP3 bytes, seconds), alone or beside its clip) and its
    poster, then
    allow → succeeded; review → held at stage output (files quarantined until a moderator releases them);
    block → blocked at stage output (files quarantined for good; blurred evidence kept for reviewers, and a
    strike when the blame is the user's). The files are stored first so that everything a success
    announces (webhooks, callbacks) exists.
    """
    withheld = verdict.verdict != scanning.ALLOW
    flagged = flagged_categories(verdict)
    scan_record = {**verdict.as_audit(), "blame": blame if withheld else None, "categories": flagged,
                   "policy_version": current_policy_version()}
    if hash_match:
        scan_record["hash_match"] = hash_match
    with _objects_go_with_the_rows(), transaction.atomic():
        # The team's row first, then the audit chain's head, the order a submit takes them (its reservation,
        # then its event): in the other order a delivery capturing credits and a submit deadlock on PostgreSQL.
        Team.objects.select_for_update().filter(pk=generation.team_id).values_list("pk", flat=True).first()
        record_audit_event(AuditEventType.OUTPUT_SCANNED, team=generation.team, target=generation, extra=scan_record)
        digest = ((provenance or {}).get("watermark") or {}).get("digest", "")
        Generation.objects.filter(pk=generation.pk).update(
            scan_result=scan_record, provider_video_id=provider_video_id[:64], provenance=provenance,
            watermark_digest=digest,
        )
        generation.scan_result = scan_record
        generation.provider_video_id = provider_video_id[:64]
        generation.provenance, generation.watermark_digest = provenance, digest
        if images:
            stored = [
                _store_asset(generation, role, data, name=f"image-{number}.png", content_type="image/png", quarantined=withheld,
                             width=width, height=height)
                for number, (role, (data, width, height)) in enumerate(zip(OUTPUT_IMAGE_ROLES, images, strict=False), start=1)
            ]
            extra = {"images": len(stored), "sha256": [asset.sha256 for asset in stored]}
        elif video_file is None:
            extra = {}  # text-to-audio: the audio alone, stored below
        else:
            video_asset = _store_asset(
                generation, AssetRole.VIDEO, video_file, name="clip.mp4", content_type="video/mp4", quarantined=withheld,
                width=video_info.width, height=video_info.height, duration_s=video_info.duration_s,
            )
            extra = {"sha256": video_asset.sha256, "duration_s": video_info.duration_s}
        if audio is not None:
            extra.update(_store_sound(generation, audio, quarantined=withheld))
        _store_asset(generation, AssetRole.POSTER, poster_bytes, name="poster.jpg", content_type="image/jpeg", quarantined=withheld)
        if blurred_poster:
            _store_asset(generation, AssetRole.BLURRED_POSTER, blurred_poster, name="poster-blurred.jpg", content_type="image/jpeg")
        strip = _evidence_strip(evidence or [])
        if strip:
            _store_asset(generation, AssetRole.EVIDENCE, strip, name="evidence.jpg", content_type="image/jpeg")
        extra["scan_s"] = getattr(verdict, "scan_s", None)
        if provenance:
            extra["provenance"] = {
                "credentials": provenance.get("credentials"), "watermark": bool(provenance.get("watermark")),
                "label": provenance.get("label"), "warnings": provenance.get("warnings") or None,
            }
        if hash_match:
            extra["hash_match"] = hash_match
        if verdict.verdict == "block":
            category = max(flagged, key=flagged.get) if flagged else "sexual"
            do_transition(
                generation, Status.BLOCKED, expected=Status.SCANNING, stage=Stage.OUTPUT, progress=0,
                error_code="hash_match" if (hash_match or {}).get("action") == "block" else "output_blocked",
                error_message=f"The finished {'images were' if images else 'clip was'} withheld: "
                              f"{'one' if images else 'it'} showed {category.replace('_', ' ')} content the policy forbids.",
                extra={**extra, "blame": blame, "categories": flagged},
            )
            if blame == "user_intent":
                do_record_strike(generation.created_by, category=category, source="output_block", generation_ref=str(generation.public_id))
        elif verdict.verdict == "review":
            do_transition(generation, Status.HELD, expected=Status.SCANNING, stage=Stage.OUTPUT, extra={**extra, "blame": blame})
        else:
            do_transition(generation, Status.SUCCEEDED, expected=Status.SCANNING, stage=Stage.DONE, progress=100, extra=extra)
        if hash_match and hash_match["action"] == "report" and verdict.verdict == scanning.ALLOW:
            hashbanks.do_open_hash_report(generation, stage=Stage.OUTPUT, match=hash_match)
    return generation



def reanimation_kind(*, kind: str, effect_scene: str = "", parent_made_by_someone_else: bool = False,
                     edits_footage: bool = False, pictured_faces: bool = False, character_face: bool = False) -> str:
    """Which re-animation, if any, a request performs: the catalog's kinds mapped onto the likeness rules'
    cases. omni-video re-animates a likeness when it works on another member's clip, or edits a clip
    (refer_type base) with a pictured face among its images; its reference images alone do not (as image→video).
    motion control re-animates the face in its character image (a face only in the motion clip is not moved
    into anyone's likeness). multi-elements is omni-video's footage edit too: a pictured face an addition or a swap
    puts into the clip, or any edit of another member's clip; multi-image to image re-renders any pictured face among its images."""
    if kind in (catalog.OMNI_VIDEO, catalog.MULTI_ELEMENTS):
        if parent_made_by_someone_else or (edits_footage and pictured_faces):
            return likeness.FOOTAGE_EDIT
        return ""
    if kind == catalog.LIP_SYNC and parent_made_by_someone_else:
        return likeness.OTHERS_FOOTAGE
    if kind == catalog.EFFECTS and effect_scene in catalog.INTIMATE_EFFECTS:
        return likeness.INTIMATE_EFFECT
    if kind == catalog.AVATAR:
        return likeness.TALKING_PORTRAIT
    if kind == catalog.MOTION_CONTROL:
        return likeness.MOTION_TRANSFER if character_face else ""
    if kind == catalog.MULTI_IMAGE2IMAGE:
        return likeness.SUBJECT_RERENDER if pictured_faces else ""
    if kind == catalog.ELEMENT:
        # A saved subject is made to be re-rendered into new pictures and clips, again and again: a pictured person
        # (in its images or its clip) is the subject_rerender case, which needs consent or a moderator.
        return likeness.SUBJECT_RERENDER if pictured_faces else ""
    return ""

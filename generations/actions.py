"""Every change to a generation is one `do_*` call: the row, its audit event and, after commit, the next job.

Transitions are compare-and-set updates (`filter(pk=…, status=old).update(…)`), so two workers, or a
worker and a user cancelling, can never both move the same generation.
"""

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import credits, ratelimit
from accounts.errors import AccountError
from accounts.models import StandingLevel
from accounts.standing import current_standing, do_record_strike
from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.models import AuditEventType

from . import queueing, webhooks
from .catalog import GenerationRequest
from .errors import GenerationError
from .outbound import UrlNotAllowed, resolve_target
from .models import Asset, AssetRole, CreditState, Generation
from .moderation import screening
from .pricing import price_credits
from .states import BASE_PROGRESS, TERMINAL, Stage, Status, can_transition

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
    if new_status == Status.QUEUED:
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
            from .moderation.review import open_review_for_held

            generation.refresh_from_db(fields=["screening_result", "scan_result"])
            held_stage = changes.get("stage", generation.stage)
            decision = generation.scan_result if held_stage == Stage.OUTPUT else generation.screening_result
            open_review_for_held(generation, stage=held_stage, categories=(decision or {}).get("categories"))
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


def _settle_credits(generation, new_status, stage):
    """Runs once, inside the transition to a terminal state: free the slot, capture or release credits."""
    team = generation.team
    if Generation.objects.filter(pk=generation.pk, holds_slot=True).update(holds_slot=False):
        credits.release_generation_slot(team)
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


def do_submit_generation(*, team, user, request: GenerationRequest, api_key=None, http_request=None, callback_format="native"):
    """Accept a validated request: check limits, reserve credits, screen the prompt, write the row and
    enqueue it (after commit). A refusal by any limit leaves nothing behind.

    A blocked prompt still leaves a `blocked` generation (with its credits released), so the user can
    see what happened.
    """
    actor = Actor(user=user, api_key=api_key)
    standing = current_standing(user)  # API keys act with their creator's standing
    if standing.level == StandingLevel.SUSPENDED:
        raise AccountError(
            "account_suspended",
            "Your account is suspended, so it cannot start generations. See your standing page; a moderator can lift it.",
            http_status=403,
        )
    restricted = standing.level == StandingLevel.RESTRICTED
    ratelimit.check_create_rate(user, restricted=restricted)
    price = price_credits(request.model_name, request.mode, request.duration)
    if request.callback_url:
        # Refuse a callback to a private address now, with a clear error, not at delivery time.
        check_callback_url(request.callback_url)
    if request.client_reference and Generation.objects.filter(team=team, client_reference=request.client_reference).exists():
        raise GenerationError(
            "external_task_id_exists", "external_task_id already exists", field="external_task_id", http_status=409
        )
    with transaction.atomic():
        try:
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
                client_reference=request.client_reference,
                callback_url=request.callback_url,
                callback_format=callback_format,
                status=Status.CREATED,
                stage=Stage.PROMPT,
                price_credits=price,
                credit_state=CreditState.RESERVED,
                holds_slot=True,
            )
        except IntegrityError as exc:  # a concurrent submit took the same external_task_id
            raise GenerationError(
                "external_task_id_exists", "external_task_id already exists", field="external_task_id", http_status=409
            ) from exc
        # Either refusal raises AccountError and rolls the whole submit back.
        credits.acquire_generation_slot(team)
        credits.reserve_credits(
            team, credits.Spender(member=user, api_key=api_key), price, generation_ref=str(generation.public_id)
        )
        for role, image in ((AssetRole.INPUT_IMAGE, request.image), (AssetRole.INPUT_IMAGE_TAIL, request.image_tail)):
            if image is not None:
                _store_input_image(generation, role, image)
        record_audit_event(
            AuditEventType.GENERATION_SUBMITTED,
            actor=actor,
            team=team,
            target=generation,
            extra={
                "kind": request.kind,
                "model_name": request.model_name,
                "mode": request.mode,
                "duration": request.duration,
                "aspect_ratio": request.aspect_ratio,
                "price_credits": price,
            },
            request=http_request,
        )
        do_transition(generation, Status.SCREENING, stage=Stage.PROMPT, actor=actor)
        decision = screening.screen_prompt(request.prompt, request.negative_prompt, user=user)
        # A restricted account's generations all wait for a human, whatever screening says.
        held_for_standing = restricted and decision.decision == screening.ALLOW
        record_audit_event(
            AuditEventType.PROMPT_SCREENED, actor=actor, team=team, target=generation, extra=decision.as_audit()
        )
        if decision.decision == screening.BLOCK:
            do_transition(
                generation,
                Status.BLOCKED,
                stage=Stage.PROMPT,
                progress=0,
                error_code="policy_violation",
                error_message="The prompt was blocked by the content policy.",
                actor=actor,
            )
        elif decision.decision == screening.REVIEW or held_for_standing:
            do_transition(generation, Status.HELD, stage=Stage.PROMPT, actor=actor,
                          extra={"held_for_standing": True} if held_for_standing else None)
        else:
            do_transition(generation, Status.QUEUED, stage=Stage.QUEUE, actor=actor)
            transaction.on_commit(lambda: queueing.enqueue_generation(generation.pk, round_number=0))
    return generation


def _store_input_image(generation, role, image):
    asset = Asset(
        generation=generation,
        role=role,
        content_type=image.content_type,
        size_bytes=len(image.data),
        sha256=hashlib.sha256(image.data).hexdigest(),
        width=image.width,
        height=image.height,
    )
    asset.file.save(f"input.{image.extension}", ContentFile(image.data), save=False)
    asset.save()
    return asset


def do_cancel_generation(generation, *, actor):
    if generation.is_terminal:
        raise GenerationError(
            "generation_finished", f"This generation already ended ({generation.status}).", http_status=409
        )
    try:
        return do_transition(
            generation,
            Status.CANCELED,
            error_code="canceled",
            error_message="Canceled by its owner.",
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
    with transaction.atomic():
        do_transition(
            generation,
            Status.BLOCKED,
            expected=expected,
            stage=Stage.UPSTREAM,
            progress=0,
            error_code="upstream_content_policy",
            error_message="The video service refused this request under its content-safety policy.",
            extra={"upstream_code": upstream_code, "upstream_message": message[:300]},
        )
        record_audit_event(
            AuditEventType.UPSTREAM_REFUSED,
            team=generation.team,
            target=generation,
            extra={"upstream_code": upstream_code, "upstream_message": message[:300]},
        )
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


def do_requeue_generation(generation):
    """Hand a still-running generation back to the queue for another worker turn."""
    Generation.objects.filter(pk=generation.pk).update(poll_rounds=F("poll_rounds") + 1)
    generation.refresh_from_db(fields=["poll_rounds"])
    round_number = generation.poll_rounds
    transaction.on_commit(lambda: queueing.enqueue_generation(generation.pk, round_number=round_number))


def _sha256_of(fileobj):
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def do_deliver_output(generation, *, video_file, video_info, poster_bytes, verdict):
    """Store the scanned clip and its poster, and mark the generation succeeded, in one transaction.

    The files are stored first so that everything the success announces (webhooks, callbacks) exists.
    """
    with transaction.atomic():
        record_audit_event(
            AuditEventType.OUTPUT_SCANNED, team=generation.team, target=generation, extra=verdict.as_audit()
        )
        video_asset = Asset(
            generation=generation,
            role=AssetRole.VIDEO,
            content_type="video/mp4",
            size_bytes=video_file.seek(0, 2) or 0,
            sha256=_sha256_of(video_file),
            width=video_info.width,
            height=video_info.height,
            duration_s=video_info.duration_s,
        )
        video_asset.file.save("clip.mp4", File(video_file), save=False)
        video_asset.save()
        poster = Asset(
            generation=generation,
            role=AssetRole.POSTER,
            content_type="image/jpeg",
            size_bytes=len(poster_bytes),
            sha256=hashlib.sha256(poster_bytes).hexdigest(),
        )
        poster.file.save("poster.jpg", ContentFile(poster_bytes), save=False)
        poster.save()
        do_transition(
            generation,
            Status.SUCCEEDED,
            expected=Status.SCANNING,
            stage=Stage.DONE,
            progress=100,
            extra={"sha256": video_asset.sha256, "duration_s": video_info.duration_s},
        )
    return generation

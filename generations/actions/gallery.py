"""The team gallery: members share succeeded generations with their team; teammates browse, like and remix
them, and report what should not be there. Every share is re-checked against the policy in force now."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.audit import Actor, record_audit_event
from accounts.models import AuditEventType, StandingLevel
from accounts.standing import current_standing
from generations.actions import free_text, review_queue
from generations.actions.generation import flagged_categories
from generations.errors import GenerationError
from generations.models import AssetRole, GalleryItem, GalleryLike, GalleryStatus, ReviewItem, ReviewKind
from generations.moderation.text import screening
from generations.moderation.visual import scanning
from generations.states import Status
from generations.storage import local_copy

MAX_CAPTION = 200
MAX_REPORT_REASON = 1000
REPORT_PRIORITY = 2


def recheck_for_sharing(generation, *, strict=False) -> dict:
    """Screen the prompt and scan the clip again with today's policy and detectors. Pure of side effects;
    returns {"decision": "allow"|"review"|"block", "category": …, "prompt": …, "video": …}."""
    decision = screening.screen_prompt(
        generation.options.get("text") or generation.prompt, generation.negative_prompt, strict=strict
    )
    video = generation.asset(AssetRole.VIDEO)
    with local_copy(video.file) as path:
        verdict = scanning.scan_video(path, thresholds=None)
    flagged = flagged_categories(verdict)
    worst = max((decision.decision, verdict.verdict), key=("allow", "review", "block").index)
    category = decision.top_category if decision.decision != "allow" else (max(flagged, key=flagged.get) if flagged else "")
    return {
        "decision": worst,
        "category": category or "",
        "prompt": {"decision": decision.decision, "policy": decision.as_audit().get("policy")},
        "video": {"verdict": verdict.verdict, "categories": flagged},
        "checked_at": timezone.now().isoformat(),
    }


def do_share(generation, *, user, caption="", request=None):
    """Share one's own succeeded, unwithheld generation with the team, after a fresh policy check of the clip
    and a screening of its caption (kept in `recheck_result["caption"]`; see `free_text`)."""
    caption = (caption or "").strip()
    if generation.created_by_id != user.pk:
        raise GenerationError("not_your_generation", "Only the person who made a clip can share it.", http_status=403)
    video = generation.asset(AssetRole.VIDEO)
    if generation.status != Status.SUCCEEDED or video is None or video.quarantined:
        raise GenerationError("not_shareable", "Only a finished clip that passed its checks can be shared.", http_status=409)
    if len(caption) > MAX_CAPTION:
        raise GenerationError("caption_too_long", f"A caption can be at most {MAX_CAPTION} characters.", field="caption")
    existing = GalleryItem.objects.filter(generation=generation).first()
    if existing is not None and existing.status == GalleryStatus.REMOVED:
        raise GenerationError("removed_by_moderator", "A moderator removed this clip from the gallery.", http_status=409)
    if existing is not None and existing.status == GalleryStatus.VISIBLE:
        raise GenerationError("already_shared", "This clip is already in the team gallery.", http_status=409)
    strict = current_standing(user).level != StandingLevel.GOOD
    # The caption first: it is cheaper than re-scanning the clip, and its refusal tells the author what to change.
    caption_screening = free_text.check_free_text(
        caption, free_text.CAPTION, user=user, team=generation.team, target=generation, strict=strict, request=request
    )
    recheck = recheck_for_sharing(generation, strict=strict)
    recheck["caption"] = caption_screening
    if recheck["decision"] != "allow":
        raise GenerationError(
            "policy_recheck_failed",
            "Checked against the current policy, this clip cannot be shared"
            + (f" ({recheck['category'].replace('_', ' ')})" if recheck["category"] else "") + ".",
            http_status=422,
        )
    with transaction.atomic():
        if existing is None:
            item = GalleryItem.objects.create(
                team=generation.team, generation=generation, shared_by=user, caption=caption, recheck_result=recheck
            )
        else:
            GalleryItem.objects.filter(pk=existing.pk).update(
                status=GalleryStatus.VISIBLE, caption=caption, recheck_result=recheck, shared_at=timezone.now()
            )
            item = GalleryItem.objects.get(pk=existing.pk)
        record_audit_event(
            AuditEventType.GALLERY_SHARED, actor=Actor(user=user), team=generation.team, target=item,
            extra={"generation": str(generation.public_id), "recheck": recheck}, request=request,
        )
    return item


def do_unshare(item, *, user, is_team_admin=False, request=None):
    if item.shared_by_id != user.pk and not is_team_admin:
        raise GenerationError("not_your_item", "Only the member who shared it (or a team admin) can take it down.", http_status=403)
    with transaction.atomic():
        if not GalleryItem.objects.filter(pk=item.pk, status=GalleryStatus.VISIBLE).update(status=GalleryStatus.UNSHARED):
            raise GenerationError("not_shared", "This clip is not in the gallery.", http_status=409)
        record_audit_event(
            AuditEventType.GALLERY_UNSHARED, actor=Actor(user=user), team=item.team, target=item,
            extra={"generation": str(item.generation.public_id)}, request=request,
        )
    item.refresh_from_db()
    return item


def do_toggle_like(item, *, user):
    """Like, or take the like back. Returns whether the member now likes it. Counts stay exact under races."""
    if item.status != GalleryStatus.VISIBLE:
        raise GenerationError("not_shared", "This clip is not in the gallery.", http_status=409)
    with transaction.atomic():
        deleted, _ = GalleryLike.objects.filter(item=item, user=user).delete()
        if deleted:
            GalleryItem.objects.filter(pk=item.pk).update(like_count=F("like_count") - 1)
            return False
        try:
            with transaction.atomic():
                GalleryLike.objects.create(item=item, user=user)
        except IntegrityError:
            return True  # a double click already recorded it
        GalleryItem.objects.filter(pk=item.pk).update(like_count=F("like_count") + 1)
        return True


def do_report(item, *, user, reason, request=None):
    """A member asks the moderators to look at a gallery item: a review item with the reason."""
    reason = (reason or "").strip()
    if item.status != GalleryStatus.VISIBLE:
        raise GenerationError("not_shared", "This clip is not in the gallery.", http_status=409)
    if not reason:
        raise GenerationError("reason_required", "Tell the moderators what is wrong with it.", field="reason")
    if len(reason) > MAX_REPORT_REASON:
        raise GenerationError("reason_too_long", f"A report can be at most {MAX_REPORT_REASON} characters.", field="reason")
    if ReviewItem.objects.filter(generation=item.generation, kind=ReviewKind.REPORT, reported_by=user, decision="").exists():
        raise GenerationError("already_reported", "You already reported this; a moderator will look at it.", http_status=409)
    now = timezone.now()
    try:
        with transaction.atomic():
            review_item = review_queue.do_open_item(
                generation=item.generation, kind=ReviewKind.REPORT, stage="gallery", categories={}, severity=0.5,
                priority=REPORT_PRIORITY, message=reason, reported_by=user, now=now,
            )
            record_audit_event(
                AuditEventType.GALLERY_REPORTED, actor=Actor(user=user), team=item.team, target=review_item,
                extra={"generation": str(item.generation.public_id), "gallery_item": str(item.public_id)}, request=request,
            )
    except IntegrityError:
        raise GenerationError("already_reported", "You already reported this; a moderator will look at it.", http_status=409) from None
    return review_item



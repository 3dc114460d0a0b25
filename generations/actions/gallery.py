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
from generations.catalog import output_media
from generations.errors import GenerationError
from generations.models import (
    OUTPUT_IMAGE_ROLES,
    AssetRole,
    GalleryItem,
    GalleryLike,
    GalleryStatus,
    ReviewItem,
    ReviewKind,
)
from generations.moderation.text import screening
from generations.moderation.visual import scanning
from generations.states import Status
from generations.storage import local_copy

MAX_CAPTION = 200
MAX_REPORT_REASON = 1000
REPORT_PRIORITY = 2


# What a shared generation is called in the words a member reads, by what it makes (catalog.output_media).
MEDIA_NOUNS = {"video": "clip", "image": "image", "audio": "sound"}


def shared_noun(generation) -> str:
    """"clip", "image" or "sound": a clip with a soundtrack (video-to-audio) is a clip."""
    return MEDIA_NOUNS[output_media(generation.kind)[0]]


def _shareable_files(generation) -> list:
    """The files a share shows, all delivered and none withheld; [] when any is missing or quarantined (a
    takedown, a removal after a report, a withheld output): the clip, every still, or the sound."""
    media = output_media(generation.kind)
    if "video" in media:
        roles = (AssetRole.VIDEO,)
    elif "image" in media:
        roles = OUTPUT_IMAGE_ROLES
    else:
        roles = (AssetRole.AUDIO,)
    assets = [asset for asset in generation.assets.all() if asset.role in roles]
    if not assets or any(asset.quarantined for asset in assets):
        return []
    return sorted(assets, key=lambda asset: roles.index(asset.role))


def _scan_stills(assets) -> dict:
    """Every still scanned again as the pipeline scans them (scan_image, the worst verdict wins)."""
    verdicts = []
    for asset in assets:
        with local_copy(asset.file) as path:
            verdicts.append(scanning.scan_image(path, thresholds=None))
    flagged = {}
    for verdict in verdicts:
        for name, peak in flagged_categories(verdict).items():
            flagged[name] = max(peak, flagged.get(name, 0.0))
    worst = max((verdict.verdict for verdict in verdicts), key=("allow", "review", "block").index)
    return {"verdict": worst, "categories": flagged, "count": len(verdicts)}


def recheck_for_sharing(generation, *, strict=False, files=None) -> dict:
    """Screen the prompt and scan the output again with today's policy and detectors. Pure of side effects;
    returns {"decision": "allow"|"review"|"block", "category": …, "prompt": …, and "video", "images" or
    "audio": what was checked of the output}. A sound has no frames and the studio no audio classifier: as
    at delivery, its prompt's screening decides (see "What is checked of a sound" in the README)."""
    files = files if files is not None else _shareable_files(generation)
    options = generation.options or {}
    text = options.get("text") or generation.prompt
    if options.get("bgm_prompt"):  # video-to-audio's two texts are read together, as at submit
        text = "\n".join(part for part in (text, options["bgm_prompt"]) if part)
    decision = screening.screen_prompt(text, generation.negative_prompt, strict=strict)
    media = output_media(generation.kind)
    if "video" in media:
        with local_copy(files[0].file) as path:
            verdict = scanning.scan_video(path, thresholds=None)
        checked = {"video": {"verdict": verdict.verdict, "categories": flagged_categories(verdict)}}
    elif "image" in media:
        checked = {"images": _scan_stills(files)}
    else:
        checked = {"audio": {"verdict": "allow", "categories": {}, "checked": "prompt"}}
    output = next(iter(checked.values()))
    flagged = output["categories"]
    worst = max((decision.decision, output["verdict"]), key=("allow", "review", "block").index)
    category = decision.top_category if decision.decision != "allow" else (max(flagged, key=flagged.get) if flagged else "")
    return {
        "decision": worst,
        "category": category or "",
        "prompt": {"decision": decision.decision, "policy": decision.as_audit().get("policy")},
        **checked,
        "checked_at": timezone.now().isoformat(),
    }


def do_share(generation, *, user, caption="", request=None):
    """Share one's own succeeded, unwithheld generation (a clip, still images or a sound) with the team, after a
    fresh policy check of its output and a screening of its caption (kept in `recheck_result["caption"]`; see
    `free_text`)."""
    caption = (caption or "").strip()
    noun = shared_noun(generation)
    if generation.created_by_id != user.pk:
        raise GenerationError("not_your_generation", f"Only the person who made a {noun} can share it.", http_status=403)
    files = _shareable_files(generation) if generation.status == Status.SUCCEEDED else []
    if not files:
        raise GenerationError("not_shareable", f"Only a finished {noun} that passed its checks can be shared.", http_status=409)
    if len(caption) > MAX_CAPTION:
        raise GenerationError("caption_too_long", f"A caption can be at most {MAX_CAPTION} characters.", field="caption")
    existing = GalleryItem.objects.filter(generation=generation).first()
    if existing is not None and existing.status == GalleryStatus.REMOVED:
        raise GenerationError("removed_by_moderator", f"A moderator removed this {noun} from the gallery.", http_status=409)
    if existing is not None and existing.status == GalleryStatus.VISIBLE:
        raise GenerationError("already_shared", f"This {noun} is already in the team gallery.", http_status=409)
    strict = current_standing(user).level != StandingLevel.GOOD
    # The caption first: it is cheaper than re-scanning the output, and its refusal tells the author what to change.
    caption_screening = free_text.check_free_text(
        caption, free_text.CAPTION, user=user, team=generation.team, target=generation, strict=strict, request=request
    )
    recheck = recheck_for_sharing(generation, strict=strict, files=files)
    recheck["caption"] = caption_screening
    if recheck["decision"] != "allow":
        raise GenerationError(
            "policy_recheck_failed",
            f"Checked against the current policy, this {noun} cannot be shared"
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



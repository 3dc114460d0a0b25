"""Human review: the queue of held generations and appeals, leases, decisions, SLA expiry.

Moderators claim an item for a limited time (a lease); a decision is a compare-and-set on the item's
`version`, made only by the moderator holding an unexpired lease, so two moderators can never both
decide an item and a stale page gets a clear conflict. An item past its SLA is denied, never approved,
and the decision says it was automatic.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.models import AuditEventType, StandingLevel
from accounts.standing import current_standing, do_record_strike, do_revert_strikes
from generations import queueing
from generations.actions import child_safety, free_text, qa_sampling, review_queue, roles
from generations.actions import generation as actions
from generations.actions.review_queue import stays_open_after_withdrawal
from generations.actions.withholding import release, withhold
from generations.errors import GenerationError
from generations.models import (
    DELIVERED_ROLES,
    GalleryItem,
    GalleryStatus,
    ReviewDecision,
    ReviewItem,
    ReviewKind,
    current_policy_version,
)
from generations.selectors import prompt_cluster
from generations.states import Stage, Status

APPROVE, REJECT, ESCALATE = "approve", "reject", "escalate"
APPEALABLE_STAGES = (Stage.PROMPT, Stage.INPUT, Stage.OUTPUT)


class ReviewError(GenerationError):
    pass


def is_moderator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_moderator or user.is_superuser))


def open_queue():
    """Undecided items, most urgent first: escalated, then priority, then oldest."""
    return (
        ReviewItem.objects.filter(decision="")
        .select_related("generation", "generation__created_by", "generation__team", "claimed_by")
        .order_by("-escalated", "-priority", "created_at")
    )


def do_claim(item, moderator, *, now=None):
    """Take (or renew) the lease on an item. Refused while another moderator's lease runs."""
    _require_moderator(moderator)
    require_visible(item, moderator)
    _require_independent(item, moderator)
    if item.escalated and not moderator.is_superuser:
        raise ReviewError("escalated_item", "This item was escalated: a senior moderator (superuser) decides it.", http_status=403)
    now = now or timezone.now()
    lease_until = now + dt.timedelta(seconds=settings.REVIEW_LEASE_S)
    claimed = (
        ReviewItem.objects.filter(pk=item.pk, decision="")
        .filter(Q(claimed_by__isnull=True) | Q(lease_expires_at__lt=now) | Q(claimed_by=moderator))
        .update(claimed_by=moderator, lease_expires_at=lease_until, version=F("version") + 1)
    )
    item.refresh_from_db()
    if not claimed:
        if item.decision:
            raise ReviewError("review_decided", "This item has already been decided.", http_status=409)
        raise ReviewError(
            "review_claimed", f"{item.claimed_by} is reviewing this item until {item.lease_expires_at:%H:%M} UTC.", http_status=409
        )
    record_audit_event(
        AuditEventType.REVIEW_CLAIMED, actor=Actor(user=moderator), team=item.generation.team, target=item,
        extra={"lease_until": lease_until.isoformat()},
    )
    return item


# Preset reasons a moderator picks from (plus free text), by the item's top category; `code` goes into the
# audit event's extra, the label into the decision's reason text (no model field for it).
COMMON_PRESETS = (
    ("benign", "Benign on review"),
    ("not_allowed", "Not allowed by the content policy"),
)
PRESET_REASONS = {
    "sexual": (("adult_sexual", "Sexual content involving an adult — not allowed"),),
    "sexual_minors": (("minor_sexual", "Sexualised depiction of a minor — never allowed"),),
    "deepfake": (("likeness", "Real person's likeness without consent"),),
    "violence": (("graphic_violence", "Graphic violence or gore"),),
    "self_harm": (("self_harm", "Promotes or depicts self-harm"),),
    "illegal": (("illegal", "Illegal goods or activity"),),
    "political": (("political_deception", "Deceptive depiction of a political figure"),),
}


def preset_reasons(categories=None):
    """Pure: (code, label) presets for an item's categories (its scoring ones first), then the common ones."""
    ranked = sorted((categories or {}).items(), key=lambda pair: -pair[1])
    chosen = [preset for name, score in ranked if score > 0 for preset in PRESET_REASONS.get(name, ())]
    chosen += [preset for name, presets in PRESET_REASONS.items() for preset in presets if preset not in chosen]
    return tuple(chosen) + COMMON_PRESETS


def preset_label(code):
    return dict(preset for presets in (*PRESET_REASONS.values(), COMMON_PRESETS) for preset in presets).get(code)


def compose_reason(preset="", text=""):
    """Pure: the stored reason for a preset code and free text: "Label: text", either alone, or ""."""
    label = preset_label(preset) or ""
    text = (text or "").strip()
    return f"{label}: {text}" if label and text else (label or text)


def _claim_for_decision(item, moderator, expected_version, *, now):
    """Deciding claims implicitly: a compare-and-set on the version the moderator saw, taken when the item is
    unclaimed, its lease ran out, or it is theirs but expired. Returns the version to decide at."""
    if item.claimed_by_id == moderator.pk and item.lease_expires_at and item.lease_expires_at >= now:
        return expected_version
    lease_until = now + dt.timedelta(seconds=settings.REVIEW_LEASE_S)
    claimed = (
        ReviewItem.objects.filter(pk=item.pk, version=expected_version, decision="")
        .filter(Q(claimed_by__isnull=True) | Q(lease_expires_at__lt=now) | Q(claimed_by=moderator))
        .update(claimed_by=moderator, lease_expires_at=lease_until, version=F("version") + 1)
    )
    if not claimed:
        # Another moderator's running lease, a newer version or a decision: the decision's own compare-and-set
        # then fails and reports the conflict, as it always has.
        return expected_version
    record_audit_event(
        AuditEventType.REVIEW_CLAIMED, actor=Actor(user=moderator), team=item.generation.team, target=item,
        extra={"lease_until": lease_until.isoformat(), "implicit": True},
    )
    return expected_version + 1


def do_decide(item, moderator, action, *, reason="", preset="", expected_version, claim=False, now=None, request=None):
    """Approve, reject or escalate an item the moderator has claimed, as of the version they saw. With
    `claim`, deciding takes the claim on the way (one click in the portal); without it (remove-and-ban, the
    API-like callers), the moderator must already hold it."""
    _require_moderator(moderator)
    now = now or timezone.now()
    if action not in (APPROVE, REJECT, ESCALATE):
        raise ReviewError("invalid_action", "The action must be approve, reject or escalate.")
    require_visible(item, moderator)
    if not roles.can_decide(moderator, action):
        raise ReviewError(roles.ROLE_NOT_ALLOWED, "External moderators approve or reject; a moderator escalates.", http_status=403)
    if preset and preset_label(preset) is None:
        raise ReviewError("invalid_preset", "Pick one of the listed reasons.", field="preset")
    reason = compose_reason(preset, reason)
    if action in (REJECT, ESCALATE) and not reason:
        raise ReviewError("reason_required", "Say why: a reason is required to reject or escalate.", field="reason")
    _require_independent(item, moderator)
    if item.escalated and action != ESCALATE and not moderator.is_superuser:
        raise ReviewError("escalated_item", "This item was escalated: a senior moderator (superuser) decides it.", http_status=403)
    if item.decision == "" and item.sla_due_at is not None and item.sla_due_at < now:
        # Past its SLA the item is denied, whoever gets to it first: the same outcome the reconciler gives.
        do_expire_review(item, now=now)
        raise ReviewError(
            "review_expired",
            "This item was not decided within its SLA, so it was denied automatically; it can no longer be approved.",
            http_status=409,
        )
    with transaction.atomic():
        if claim:
            expected_version = _claim_for_decision(item, moderator, expected_version, now=now)
        mine = ReviewItem.objects.filter(
            pk=item.pk, version=expected_version, decision="", claimed_by=moderator, lease_expires_at__gte=now,
            sla_due_at__gte=now,
        )
        if action == ESCALATE:
            updated = mine.update(escalated=True, priority=3, claimed_by=None, lease_expires_at=None, version=F("version") + 1)
        else:
            decision = ReviewDecision.APPROVED if action == APPROVE else ReviewDecision.REJECTED
            updated = mine.update(
                decision=decision, decision_reason=reason, decided_by=moderator, decided_at=now, version=F("version") + 1
            )
        if not updated:
            if ReviewItem.objects.filter(pk=item.pk, decision=ReviewDecision.WITHDRAWN).exists():
                raise ReviewError(
                    "review_withdrawn", "Its author withdrew this generation, so there is nothing left to decide.",
                    http_status=409,
                )
            raise ReviewError(
                "review_conflict",
                "This item changed since you opened it: another moderator decided it, or your claim expired. Reload it.",
                http_status=409,
            )
        item.refresh_from_db()
        actor = Actor(user=moderator)
        if action == ESCALATE:
            record_audit_event(
                AuditEventType.REVIEW_ESCALATED, actor=actor, team=item.generation.team, target=item, extra={"reason": reason},
                request=request,
            )
            return item
        _apply(item, approved=action == APPROVE, actor=actor, reason=reason)
        record_audit_event(
            AuditEventType.REVIEW_DECIDED,
            actor=actor,
            team=item.generation.team,
            target=item,
            extra={
                "decision": item.decision,
                "reason": reason,
                **({"preset": preset} if preset else {}),
                "kind": item.kind,
                "stage": item.stage,
                "generation": str(item.generation.public_id),
                "categories": item.categories,
                "policy_version": current_policy_version(now),
            },
            request=request,
        )
        qa_sampling.do_sample_decision(item)
        if action == REJECT and child_safety.confirms_csam(item, preset):
            child_safety.do_draft_report(item.generation, moderator, item=item, reason=reason, request=request,
                                         by_decision=True)
    return item


def do_bulk_decide(items, moderator, action, *, reason="", preset="", versions=None, request=None):
    """Decide several items of one user, or of one prompt, with one reason: each goes through `do_decide`
    (its own claim, compare-and-set and audit event). Items about the moderator are skipped, as are any a
    decision refuses. Returns (decided items, [(item, message)] skipped)."""
    _require_moderator(moderator)
    if not roles.can_bulk(moderator):
        raise ReviewError(roles.ROLE_NOT_ALLOWED, "External moderators decide one item at a time.", http_status=403)
    items = list(items)
    if action not in (APPROVE, REJECT):
        raise ReviewError("invalid_action", "Several items at once can only be approved or rejected.")
    authors = {item.generation.created_by_id for item in items}
    prompts = {prompt_cluster(item.generation.prompt) for item in items}  # one prompt up to case and spacing
    if len(items) > 1 and len(authors) > 1 and len(prompts) > 1:
        raise ReviewError(
            "bulk_mixed", "Select items of one user or of one prompt to decide them together.", field="items"
        )
    versions = versions or {}
    decided, skipped = [], []
    for item in items:
        if is_about(item, moderator):
            skipped.append((item, "it is about you: another moderator must decide it"))
            continue
        try:
            do_decide(item, moderator, action, reason=reason, preset=preset,
                      expected_version=versions.get(item.pk, item.version), claim=True, request=request)
        except ReviewError as error:
            if error.code == "reason_required":
                raise
            skipped.append((item, f"{error.message} ({error.code})"))
            continue
        decided.append(item)
    return decided, skipped


def _apply(item, *, approved, actor, reason):
    """What a decision does to the generation."""
    generation = item.generation
    top_category = max(item.categories, key=item.categories.get) if item.categories else "default"
    if item.kind == ReviewKind.REPORT:
        _apply_report_decision(item, approved=approved, actor=actor, reason=reason)
        return
    if item.kind == ReviewKind.APPEAL:
        # The generation stays blocked; the outcome is the item's decision, shown to the user. An upheld
        # appeal removes the strike the block caused.
        if approved:
            do_revert_strikes(str(generation.public_id), actor=actor, reason=reason or "appeal upheld")
        return
    generation.refresh_from_db()
    if generation.status != Status.HELD:
        # Its owner canceled it (or it otherwise left `held`) before the decision: an approval releases
        # nothing, but a rejection still counts against its author: cancelling does not dodge the strike.
        if not approved:
            do_record_strike(
                generation.created_by, category=top_category, source="review_rejection",
                generation_ref=str(generation.public_id), note=reason, actor=actor or SYSTEM,
            )
        return
    if approved and item.stage == Stage.OUTPUT:
        release(generation.assets.filter(role__in=DELIVERED_ROLES))
        actions.do_transition(generation, Status.SUCCEEDED, expected=Status.HELD, stage=Stage.DONE, progress=100, actor=actor,
                              extra={"review": str(item.public_id)})
    elif approved:
        # It held no concurrency slot while it waited; the worker takes one before submitting, and while
        # the team has none free it waits in the queue instead of failing (see the pipeline).
        actions.do_transition(generation, Status.QUEUED, expected=Status.HELD, stage=Stage.QUEUE, actor=actor,
                              extra={"review": str(item.public_id)})
        transaction.on_commit(lambda: queueing.enqueue_generation(generation.pk, round_number=generation.poll_rounds))
    else:
        actions.do_transition(
            generation, Status.BLOCKED, expected=Status.HELD, stage=item.stage, progress=0, actor=actor,
            error_code="policy_violation", error_message="A moderator reviewed this and found it violates the content policy.",
            extra={"review": str(item.public_id), "reason": reason},
        )
        do_record_strike(
            generation.created_by, category=top_category, source="review_rejection",
            generation_ref=str(generation.public_id), note=reason, actor=actor or SYSTEM,
        )


def do_expire_overdue_reviews(*, now=None):
    """Deny every open item past its SLA (never approve), recorded as an automatic decision."""
    now = now or timezone.now()
    denied = 0
    for item in ReviewItem.objects.filter(decision="", sla_due_at__lt=now).select_related("generation", "generation__team"):
        denied += do_expire_review(item, now=now)
    return denied


def do_expire_review(item, *, now):
    """Deny one open item past its SLA; 1 if this call did it, 0 if someone else decided it first."""
    with transaction.atomic():
        updated = ReviewItem.objects.filter(pk=item.pk, decision="", sla_due_at__lt=now).update(
            decision=ReviewDecision.EXPIRED, decision_reason="Not reviewed within the SLA: denied automatically.",
            decided_at=now, claimed_by=None, lease_expires_at=None, version=F("version") + 1,
        )
        if not updated:
            return 0
        item.refresh_from_db()
        if item.kind == ReviewKind.REPORT:
            # Nobody looked in time: the clip leaves the gallery (erring on the safe side), but without a
            # strike, since no one found it wrong.
            GalleryItem.objects.filter(generation=item.generation, status=GalleryStatus.VISIBLE).update(
                status=GalleryStatus.REMOVED, removed_at=now
            )
        item.generation.refresh_from_db()
        if item.kind == ReviewKind.HELD and item.generation.status == Status.HELD:
            actions.do_transition(
                item.generation, Status.BLOCKED, expected=Status.HELD, stage=item.stage, progress=0,
                error_code="review_expired", error_message="It was not reviewed in time, so it was not released.",
                extra={"review": str(item.public_id), "automatic": True},
            )
        record_audit_event(
            AuditEventType.REVIEW_EXPIRED, actor=SYSTEM, team=item.generation.team, target=item,
            extra={"automatic": True, "kind": item.kind, "sla_due_at": item.sla_due_at.isoformat(),
                   "policy_version": current_policy_version(now)},
        )
    return 1


def do_appeal(generation, user, message, *, request=None):
    """The owner of a blocked generation asks a human to look again, once."""
    message = (message or "").strip()
    if generation.created_by_id != user.pk:
        raise ReviewError("not_your_generation", "Only the person who made this generation can appeal it.", http_status=403)
    if generation.status != Status.BLOCKED or generation.stage not in APPEALABLE_STAGES:
        raise ReviewError("not_appealable", "Only a generation blocked by the studio's own checks can be appealed.", http_status=409)
    if not message:
        raise ReviewError("message_required", "Tell the moderators why you think this was a mistake.", field="message")
    if ReviewItem.objects.filter(generation=generation, kind=ReviewKind.APPEAL).exists():
        raise ReviewError("already_appealed", "This generation has already been appealed.", http_status=409)
    now = timezone.now()
    categories = (generation.screening_result or {}).get("categories") or {}
    with transaction.atomic():
        item = review_queue.do_open_item(
            generation=generation, kind=ReviewKind.APPEAL, stage=generation.stage, categories=categories,
            severity=max(categories.values(), default=0.0), priority=2, message=message[:2000], now=now,
        )
        record_audit_event(
            AuditEventType.APPEAL_FILED, actor=Actor(user=user), team=generation.team, target=item,
            extra={"generation": str(generation.public_id)}, request=request,
        )
    return item


CONTEXT_MAX_CHARS = 1000


def _open_held_item(generation):
    return ReviewItem.objects.filter(generation=generation, kind=ReviewKind.HELD, decision="").order_by("-created_at").first()


def do_add_review_context(generation, user, text, *, request=None):
    """The author of a held generation tells the moderator what it is for. Screened like a caption (only a
    moderator reads it, so text screening would hold is kept; blocked text is refused), stored on the open
    item (replacing an earlier note), audited. Bumps the item's version: a moderator who has the item open
    is asked to reload before deciding on what they have not read."""
    text = (text or "").strip()
    if generation.created_by_id != user.pk:
        raise ReviewError("not_your_generation", "Only the person who made this generation can add context.", http_status=403)
    item = _open_held_item(generation) if generation.status == Status.HELD else None
    if item is None:
        raise ReviewError("not_held", "This generation is not waiting for review, so there is no one to tell.", http_status=409)
    if not text:
        raise ReviewError("context_required", "Write a few words for the moderator.", field="context")
    if len(text) > CONTEXT_MAX_CHARS:
        raise ReviewError(
            "context_too_long", f"Keep it under {CONTEXT_MAX_CHARS} characters; yours has {len(text)}.", field="context"
        )
    restricted = current_standing(user).level == StandingLevel.RESTRICTED
    screened = free_text.check_free_text(
        text, free_text.REVIEW_CONTEXT, user=user, team=generation.team, target=item, strict=restricted, request=request
    )
    replaced = bool(item.author_context)
    with transaction.atomic():
        updated = ReviewItem.objects.filter(pk=item.pk, decision="").update(
            author_context=text, author_context_at=timezone.now(), version=F("version") + 1
        )
        if not updated:
            raise ReviewError("review_decided", "A moderator decided this while you were writing.", http_status=409)
        item.refresh_from_db()
        record_audit_event(
            AuditEventType.REVIEW_CONTEXT_ADDED, actor=Actor(user=user), team=generation.team, target=item,
            extra={"generation": str(generation.public_id), "text": text, "replaced": replaced, "screening": screened},
            request=request,
        )
    return item


def do_withdraw_held(generation, user, *, api_key=None):
    """A member withdraws a held generation: it is canceled (it never runs), its credits are released,
    and its review item leaves the moderators' queue (unless it is urgent: then a moderator still
    decides). Returns (generation, whether a moderator still looks at it)."""
    if generation.status != Status.HELD:
        raise ReviewError(
            "not_held", f"Only a generation waiting for review can be withdrawn; this one is {generation.get_status_display().lower()}.",
            http_status=409,
        )
    item = _open_held_item(generation)
    actions.do_cancel_generation(generation, actor=Actor(user=user, api_key=api_key))
    return generation, bool(item is not None and stays_open_after_withdrawal(item))


def do_record_unblur(item, moderator, *, asset=None, which="", request=None):
    """One audited unblur: of one file of the item (its asset and role), or of the item when it has none."""
    _require_moderator(moderator)
    if not roles.can_unblur(moderator):
        raise ReviewError(roles.ROLE_NOT_ALLOWED, "External moderators review blurred media only.", http_status=403)
    require_visible(item, moderator)
    extra = {"generation": str(item.generation.public_id)}
    if asset is not None:
        extra.update(asset=str(asset.public_id), role=asset.role, media=which)
    record_audit_event(
        AuditEventType.MEDIA_UNBLURRED, actor=Actor(user=moderator), team=item.generation.team, target=item,
        extra=extra, request=request,
    )


def _require_moderator(user):
    if not is_moderator(user):
        raise ReviewError("not_a_moderator", "Only trust-and-safety moderators can do that.", http_status=403)


def require_visible(item, user):
    """An item the user may not see (a child-safety item, for anyone but a child-safety moderator) is as
    missing to them as one that does not exist."""
    if not roles.can_see_item(user, item):
        raise ReviewError("no_such_item", "No such review item.", http_status=404)


def is_about(item, user) -> bool:
    """Pure: whether deciding `item` would be deciding about `user` themselves (their own generation, the
    appeal or report of their own clip, or a report they filed)."""
    return item.generation.created_by_id == user.pk or (item.reported_by_id is not None and item.reported_by_id == user.pk)


def _require_independent(item, moderator):
    """Nobody decides about themselves. A superuser is no exception: a second person must decide."""
    if not is_about(item, moderator):
        return
    if moderator.is_superuser:
        raise ReviewError(
            "second_reviewer_required",
            "This item is about you: another moderator must decide it, not you (even as a superuser).",
            http_status=403,
        )
    raise ReviewError("own_item", "This item is about you: another moderator must decide it.", http_status=403)


def _apply_report_decision(review_item, *, approved, actor, reason):
    """Called inside a moderator's decision on a report. Kept: nothing changes. Rejected: the item leaves
    the gallery, the clip is withheld, and its author gets a strike."""
    if approved:
        return
    generation = review_item.generation
    item = GalleryItem.objects.filter(generation=generation).first()
    if item is not None:
        GalleryItem.objects.filter(pk=item.pk).update(status=GalleryStatus.REMOVED, removed_at=timezone.now())
        record_audit_event(
            AuditEventType.GALLERY_REMOVED, actor=actor or SYSTEM, team=generation.team, target=item,
            extra={"generation": str(generation.public_id), "review": str(review_item.public_id), "reason": reason,
                   "policy_version": current_policy_version()},
        )
    withhold(generation.assets.filter(role__in=DELIVERED_ROLES))  # the clip, stills or sound, and the poster
    # Other open reports of the same clip are settled by this decision.
    ReviewItem.objects.filter(generation=generation, kind=ReviewKind.REPORT, decision="").exclude(pk=review_item.pk).update(
        decision=review_item.decision, decision_reason=f"Settled with report {review_item.public_id}.",
        decided_by=review_item.decided_by, decided_at=review_item.decided_at, version=F("version") + 1,
    )
    category = (review_item.categories and max(review_item.categories, key=review_item.categories.get)) or "default"
    do_record_strike(
        generation.created_by, category=category, source="report_upheld", generation_ref=str(generation.public_id), note=reason,
        actor=actor or SYSTEM,
    )

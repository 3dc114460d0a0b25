"""The element library: a team's saved subjects for omni-video and omni-image (<<<element_N>>>). The only writer of
Element and ElementImage rows.

An element is screened as every input is, through the same steps as a generation's submit: its name and description
through the prompt screen, each reference image (or its clip) through the hash banks, the nudity scan, faces and the
likeness rules (a pictured person saved as a subject is the subject_rerender case: consent, or a moderator), and
apparent minors. Refused → nothing is written but the audit event and the strike: no row, no stored file. Held → the
row waits as `processing` until a moderator decides (do_decide_element). Allowed → `succeed`, usable at once.
"""

import dataclasses

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import ratelimit
from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.errors import AccountError
from accounts.models import AuditEventType, StandingLevel
from accounts.standing import current_standing, do_record_strike
from generations import catalog
from generations.actions.generation import (
    Admission,
    _assess,
    _check_consent,
    _continuable_video,
    _note_stored,
    _objects_go_with_the_rows,
    initial_disposition,
)
from generations.actions.review import is_moderator
from generations.catalog import ElementRequest, GenerationRequest
from generations.errors import GenerationError
from generations.models import Element, ElementImage, ElementStatus, current_policy_version
from generations.moderation.text import screening
from generations.moderation.visual import scanning
from generations.selectors import as_uuid, generation_for_team
from generations.states import Status

# At most this many elements (not deleted) per team: each keeps up to four images, and nothing else bounds them.
MAX_TEAM_ELEMENTS = 200

HELD_MESSAGE = "Waiting for a moderator's review: {reason}"


class ElementRefused(GenerationError):
    """The automated screening refused an element: the upstream's 1301 on the Kling door, 422 policy_violation on
    the native API. Nothing of it was stored; the audit event and the strike were."""


def team_elements(team):
    """The team's elements that were not deleted, newest first."""
    return Element.objects.filter(team=team, deleted_at=None).order_by("-created_at", "-id")


def element_for_team(team, ident, *, include_deleted=False):
    """The team's element with this element_id, task id or external_task_id, or None (also for another team's, a
    deleted one unless asked, or a malformed id: callers answer all of these alike)."""
    if team is None or ident in (None, ""):
        return None
    ident = str(ident).strip()
    match = Q(client_reference=ident)
    if ident.isdigit() and len(ident) <= 19:
        match |= Q(element_id=int(ident))
    parsed = as_uuid(ident)
    if parsed is not None:
        match |= Q(task_id=parsed)
    queryset = Element.objects.filter(match, team=team).prefetch_related("images")
    if not include_deleted:
        queryset = queryset.filter(deleted_at=None)
    return queryset.first()


def _admit(team, user, request: ElementRequest):
    """Every refusal that needs no screening: standing, rate, the team's bound, the external id, the clip, consent."""
    standing = current_standing(user)
    if standing.level == StandingLevel.SUSPENDED:
        raise AccountError(
            "account_suspended", "Your account is suspended, so it cannot create elements.", http_status=403
        )
    restricted = standing.level == StandingLevel.RESTRICTED
    ratelimit.check_create_rate(user, restricted=restricted)
    if team_elements(team).count() >= MAX_TEAM_ELEMENTS:
        raise GenerationError(
            "too_many_elements",
            f"A team keeps at most {MAX_TEAM_ELEMENTS} elements; delete one first.",
            field="element_name",
            http_status=409,
        )
    if (
        request.client_reference
        and Element.objects.filter(team=team, client_reference=request.client_reference).exists()
    ):
        raise GenerationError(
            "external_task_id_exists", "external_task_id already exists", field="external_task_id", http_status=409
        )
    clip = None
    if request.clip_id:
        clip = generation_for_team(team, request.clip_id)
        if clip is None:
            raise GenerationError(
                "parent_not_found",
                "element_video_list: no generation of your team has that id.",
                field="element_video_list",
                http_status=404,
            )
        _continuable_video(clip, catalog.ELEMENT)
    consent = _check_consent(team, request.consent_id)
    screened = GenerationRequest(
        kind=catalog.ELEMENT,
        prompt=request.screened_text,
        model_name="",
        duration="",
        aspect_ratio="",
        images=request.images,
        parent_id=request.clip_id,
        consent_id=request.consent_id,
    )
    return Admission(request=screened, parent=clip, consent=consent, price=0, restricted=restricted)


def _screening_record(assessment, disposition):
    decision, likeness_check = assessment.decision, assessment.likeness
    return {
        **decision.as_audit(),
        "user_message": decision.user_message,
        "input_scan": assessment.input_scan,
        "likeness": likeness_check.as_record() if likeness_check else None,
        **({"hash_match": assessment.hash_match} if assessment.hash_match else {}),
        "stage": disposition.stage,
        **({"held_categories": disposition.held_categories} if disposition.held_categories else {}),
        "content_policy_version": current_policy_version(),
    }


def _held_reason(disposition, assessment) -> str:
    if disposition.stage == "prompt":
        if assessment.decision.decision == screening.ALLOW:  # held only because its author is restricted
            return "while your account is restricted, everything you make is reviewed first."
        return "its name or description needs a second look."
    likeness_check = assessment.likeness
    if likeness_check is not None and likeness_check.decision != "allow" and not assessment.input_scan_flagged:
        return "it shows a real person, and no consent record of your team was given for them."
    return "one of its reference images needs a second look."


def _refusal_categories(disposition, assessment) -> list:
    if assessment.hash_match:
        return [assessment.hash_match["category"]]
    if disposition.error_code == "apparent_minor":
        return ["sexual_minors"]
    if disposition.stage == "input":
        return sorted((assessment.input_scan or {}).get("categories") or {})
    categories = assessment.decision.categories or {}
    return sorted(name for name, score in categories.items() if score >= 0.5) or (
        [assessment.decision.top_category] if assessment.decision.top_category else []
    )


def do_create_element(*, team, user, request: ElementRequest, api_key=None, http_request=None) -> Element:
    """Screen an element and, unless refused, store it with its images in one transaction with its audit event.
    Raises ElementRefused when screening refuses it (the audit event and the strike are kept, nothing else)."""
    admission = _admit(team, user, request)
    assessment = _assess(admission, user=user, team=team)
    assessment = _FlaggedAssessment.of(assessment)
    disposition = initial_disposition(assessment, restricted=admission.restricted)
    record = _screening_record(assessment, disposition)
    actor = Actor(user=user, api_key=api_key)
    if disposition.blocked:
        with transaction.atomic():
            record_audit_event(
                AuditEventType.ELEMENT_REFUSED,
                actor=actor,
                team=team,
                extra={
                    "element_name": request.name,
                    "reference_type": request.reference_type,
                    "code": disposition.error_code,
                    "stage": disposition.stage,
                    "screening": record,
                },
                request=http_request,
            )
            if disposition.strike:
                category, source = disposition.strike
                do_record_strike(user, category=category, source=source)
        raise ElementRefused(
            "policy_violation",
            disposition.error_message.replace("The prompt", "The element's name or description"),
            http_status=422,
            stage=disposition.stage,
            categories=_refusal_categories(disposition, assessment),
        )
    held = disposition.status == Status.HELD
    now = timezone.now()
    try:
        with _objects_go_with_the_rows(), transaction.atomic():
            element = Element.objects.create(
                team=team,
                created_by=user,
                api_key=api_key,
                client_reference=request.client_reference,
                name=request.name,
                description=request.description,
                reference_type=request.reference_type,
                tags=list(request.tags),
                clip=admission.parent,
                consent=admission.consent,
                status=ElementStatus.PROCESSING if held else ElementStatus.SUCCEED,
                status_message=HELD_MESSAGE.format(reason=_held_reason(disposition, assessment)) if held else "",
                screening_result=record,
                created_at=now,
                updated_at=now,
            )
            for position, image in enumerate(request.images):
                _store_image(element, position, image)
            record_audit_event(
                AuditEventType.ELEMENT_CREATED,
                actor=actor,
                team=team,
                target=element,
                extra={
                    "element_name": element.name,
                    "reference_type": element.reference_type,
                    "status": element.status,
                    "images": len(request.images),
                    **({"clip": str(admission.parent.public_id)} if admission.parent else {}),
                    **({"consent_id": str(admission.consent.public_id)} if admission.consent else {}),
                    "screening": record,
                },
                request=http_request,
            )
    except IntegrityError as exc:  # a concurrent create took the same external_task_id
        raise GenerationError(
            "external_task_id_exists", "external_task_id already exists", field="external_task_id", http_status=409
        ) from exc
    return element


@dataclasses.dataclass(frozen=True)
class _FlaggedAssessment:
    """An Assessment with one more fact the held message needs: whether the image scan (not faces) flagged it."""

    decision: object
    input_scan: object
    likeness: object
    input_provenance: dict
    hash_match: object
    input_scan_flagged: bool

    @classmethod
    def of(cls, assessment):
        scan = assessment.input_scan or {}
        return cls(
            assessment.decision,
            assessment.input_scan,
            assessment.likeness,
            assessment.input_provenance,
            assessment.hash_match,
            bool(scan) and scan.get("verdict") not in (None, scanning.ALLOW),
        )


def _store_image(element, position, image):
    stored = ElementImage(element=element, position=position, **image.stored_fields)
    stored.file.save(f"reference.{image.extension}", ContentFile(image.data), save=False)
    _note_stored(stored)
    stored.save()
    return stored


def do_decide_element(element, *, moderator, approve: bool, reason: str = "") -> Element:
    """A moderator's decision on a held element: approved → `succeed` (usable); refused → `failed`, with the reason
    shown to the team and a strike for its author, as a rejected held generation earns. Only a held element can be
    decided, once: a second decision finds it decided and changes nothing (409)."""
    if not is_moderator(moderator):
        raise GenerationError("not_a_moderator", "Only a moderator can decide a held element.", http_status=403)
    now = timezone.now()
    status = ElementStatus.SUCCEED if approve else ElementStatus.FAILED
    message = "" if approve else f"Refused by a moderator: {reason or 'it breaks the content policy.'}"[:500]
    with transaction.atomic():
        moved = Element.objects.filter(pk=element.pk, status=ElementStatus.PROCESSING, deleted_at=None).update(
            status=status,
            status_message=message,
            decided_by=moderator,
            decided_at=now,
            updated_at=now,
        )
        if not moved:
            raise GenerationError(
                "element_already_decided", "This element is not waiting for a decision.", http_status=409
            )
        element.refresh_from_db()
        record_audit_event(
            AuditEventType.ELEMENT_DECIDED,
            actor=Actor(user=moderator),
            team=element.team,
            target=element,
            extra={"decision": "approve" if approve else "reject", "reason": reason[:500], "status": status},
        )
        if not approve:
            held = (element.screening_result or {}).get("held_categories") or {"default": 1.0}
            do_record_strike(
                element.created_by,
                category=max(held, key=held.get),
                source="review_rejection",
                actor=Actor(user=moderator),
            )
    return element


def element_review_sla_hours() -> float:
    """How long a held element may wait: the review SLA of the lowest priority (held elements have no priority)."""
    return float(max(settings.REVIEW_SLA_HOURS.values(), default=72))


def do_expire_held_elements(*, now=None) -> int:
    """Refuse every held element past its SLA (never approve it), as an overdue review item is denied: no strike,
    since no one found it wrong. Returns how many this call refused."""
    now = now or timezone.now()
    due = now - timezone.timedelta(hours=element_review_sla_hours())
    refused = 0
    for element in Element.objects.filter(status=ElementStatus.PROCESSING, deleted_at=None, created_at__lt=due):
        with transaction.atomic():
            moved = Element.objects.filter(pk=element.pk, status=ElementStatus.PROCESSING).update(
                status=ElementStatus.FAILED,
                updated_at=now,
                decided_at=now,
                status_message="Not reviewed in time, so it was refused automatically; create it again to ask once more.",
            )
            if moved:
                record_audit_event(
                    AuditEventType.ELEMENT_DECIDED,
                    team=element.team,
                    target=element,
                    extra={"decision": "expired", "status": ElementStatus.FAILED},
                )
                refused += 1
    return refused


def do_delete_element(element, *, actor=SYSTEM, http_request=None) -> Element:
    """Delete an element: no new generation can name it; the row and its images stay for the generations that used it
    (and for reviewers). Deleting a deleted element changes nothing (404 to the caller, as a missing one)."""
    now = timezone.now()
    with transaction.atomic():
        if not Element.objects.filter(pk=element.pk, deleted_at=None).update(deleted_at=now, updated_at=now):
            raise GenerationError("not_found", "Requested resource does not exist: element", http_status=404)
        element.refresh_from_db()
        record_audit_event(
            AuditEventType.ELEMENT_DELETED,
            actor=actor,
            team=element.team,
            target=element,
            extra={"element_name": element.name},
            request=http_request,
        )
    return element


def do_record_upstream_element(element, *, provider_key: str, upstream_id: str) -> None:
    """Remember the upstream's own id of an element for one provider, so later generations reuse it."""
    with transaction.atomic():
        locked = Element.objects.select_for_update().get(pk=element.pk)
        locked.upstream_ids = {**(locked.upstream_ids or {}), provider_key: str(upstream_id)}
        locked.save(update_fields=["upstream_ids"])
    element.upstream_ids = locked.upstream_ids


def do_forget_upstream_element(element, *, provider_key: str) -> None:
    """The upstream no longer knows its id for this element (it answered 'does not exist'): create it again next time."""
    with transaction.atomic():
        locked = Element.objects.select_for_update().get(pk=element.pk)
        locked.upstream_ids = {key: value for key, value in (locked.upstream_ids or {}).items() if key != provider_key}
        locked.save(update_fields=["upstream_ids"])
    element.upstream_ids = locked.upstream_ids

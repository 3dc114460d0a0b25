"""Child sexual abuse material: the CyberTipline report draft and the preservation hold on its evidence.

When a moderator confirms CSAM (a rejection with the "sexualised depiction of a minor" reason, or the explicit
"Confirm CSAM" action on the item page) the studio writes a structured draft modelled on the CyberTipline
report (incident summary, the reported person with the addresses the audit trail saw, the files with their
MD5/SHA-1/SHA-256 and PDQ hashes and the `generativeAi` flag, additional information) for a registered provider
to file with NCMEC itself. The studio never sends it anywhere: there is no network code here. A person enters
the provider's report number once they have filed it.

The confirmation is a person's judgment, not the classifier's: a rejection of an item that merely scored
`sexual_minors` for another reason drafts nothing. Drafting puts the generation's files under a preservation
hold (CHILD_SAFETY_PRESERVATION_DAYS from the report): housekeeping skips them, and deleting the user, their team
or the generation is refused while the report exists (the foreign keys PROTECT). Withdrawing a draft keeps the
hold: preservation is cheap, losing evidence is not.
"""

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts import roles
from accounts.audit import Actor, record_audit_event
from accounts.models import AuditEvent, AuditEventType
from generations.actions.withholding import withhold
from generations.errors import GenerationError
from generations.models import AssetRole, ChildSafetyReport, ChildSafetyStatus, current_policy_version
from generations.moderation.visual import hashing
from generations.storage import local_copy

logger = logging.getLogger(__name__)

CSAM_PRESET = "minor_sexual"
INCIDENT_TYPE = "Child Pornography (possession, manufacture, and distribution)"
# What the studio itself made from a prompt (the model's output), as opposed to what the user uploaded.
GENERATED_ROLES = (AssetRole.VIDEO, AssetRole.POSTER)
# Reviewers' blurred derivatives: preserved with the rest, but not files of the report.
DERIVED_ROLES = (AssetRole.BLURRED_POSTER, AssetRole.EVIDENCE)
HASH_CHUNK = 1 << 20


class ChildSafetyError(GenerationError):
    pass


def _can_handle_child_safety(user) -> bool:
    """Who may confirm CSAM and see, download and mark report drafts: child-safety moderators only, the one
    role that sees child-safety items at all (accounts.roles)."""
    return roles.can_see_child_safety(user)


def can_handle_child_safety(user) -> bool:
    return _can_handle_child_safety(user)


def _require_handler(user):
    if not _can_handle_child_safety(user):
        raise ChildSafetyError("not_child_safety_staff", "Only child-safety staff can do that.", http_status=403)


def file_digests(field_file) -> dict:
    """MD5, SHA-1 and SHA-256 of a stored file, read once in chunks through the storage API."""
    digests = {"md5": hashlib.md5(usedforsecurity=False), "sha1": hashlib.sha1(usedforsecurity=False), "sha256": hashlib.sha256()}
    with field_file.storage.open(field_file.name, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            for digest in digests.values():
                digest.update(chunk)
    return {name: digest.hexdigest() for name, digest in digests.items()}


def pdq_hashes(asset) -> list[str]:
    """The PDQ hash of an image, or the distinct PDQ hashes of a clip's frames (1 fps); [] when not hashable."""
    try:
        if asset.content_type.startswith("video/"):
            with local_copy(asset.file) as path:
                return hashing.distinct_hashes(hashing.hash_video(path))
        with asset.file.open("rb") as handle:
            return [hashing.hash_image(hashing.open_image(handle.read())).hex]
    except (hashing.HashingError, OSError, ValueError) as exc:
        logger.warning("cannot PDQ-hash asset %s: %s", asset.pk, exc)
        return []


def _ip_events(user) -> list[dict]:
    """The addresses the audit trail saw this user act from, first and last time each (sign-ins, submits)."""
    rows = (
        AuditEvent.objects.filter(actor_user_id=user.pk, ip_address__isnull=False)
        .values("ip_address").annotate(first=Min("created_at"), last=Max("created_at")).order_by("first")
    )
    return [{"ipAddress": row["ip_address"], "eventName": "Other", "firstSeen": row["first"].isoformat(),
             "dateTime": row["last"].isoformat()} for row in rows]


def _viewed_by_provider(asset) -> bool:
    """Whether a moderator looked at the original (an audited unblur of this asset)."""
    return AuditEvent.objects.filter(event_type=AuditEventType.MEDIA_UNBLURRED, extra__asset=str(asset.public_id)).exists()


def _file_entry(asset) -> dict:
    entry = {
        "fileName": asset.file.name.rsplit("/", 1)[-1],
        "studioAssetId": str(asset.public_id),
        "role": asset.role,
        "contentType": asset.content_type,
        "fileSize": asset.size_bytes,
        "generativeAi": asset.role in GENERATED_ROLES,
        "fileViewedByEsp": _viewed_by_provider(asset),
        "publiclyAvailable": False,
        "fileRelevance": "Reported",
        "uploadedAt": asset.created_at.isoformat(),
    }
    try:
        digests = file_digests(asset.file)
    except OSError as exc:
        entry["hashError"] = str(exc)
        digests = {}
    entry["originalFileHash"] = [{"hashType": name.upper().replace("SHA", "SHA-"), "value": value}
                                 for name, value in digests.items()]
    entry.update({"md5": digests.get("md5", ""), "sha1": digests.get("sha1", ""), "sha256": digests.get("sha256", ""),
                  "pdq": pdq_hashes(asset)})
    return entry


def build_draft(generation, *, moderator, item=None, reason="", now=None) -> dict:
    """The structured draft (plain JSON) for one generation, as its files and records stand now."""
    now = now or timezone.now()
    user, team = generation.created_by, generation.team
    files = [_file_entry(asset) for asset in generation.assets.exclude(role__in=DERIVED_ROLES).order_by("role")]
    screening = generation.screening_result or {}
    return {
        "format": "CyberTipline report draft (modelled on the CyberTipline report structure; not filed by the studio)",
        "filedByStudio": False,
        "draftedAt": now.isoformat(),
        "incidentSummary": {
            "incidentType": INCIDENT_TYPE,
            "incidentDateTime": generation.created_at.isoformat(),
            "generativeAi": any(entry["generativeAi"] for entry in files) or not files,
        },
        "reporter": {
            "reportingPerson": {"email": moderator.email, "role": "trust-and-safety moderator"},
            "note": "To be completed by the registered provider (ESP name, contact, legal point of contact) when filing.",
        },
        "personOrUserReported": {
            "email": [user.email],
            "espIdentifier": str(user.pk),
            "displayName": user.full_name,
            "accountCreated": user.date_joined.isoformat(),
            "ipCaptureEvent": _ip_events(user),
            "team": {"id": team.pk, "name": team.name, "slug": team.slug},
        },
        "files": files,
        "content": {
            "generationId": str(generation.public_id),
            "kind": generation.kind,
            "prompt": generation.prompt,
            "negativePrompt": generation.negative_prompt,
            "model": generation.model_name,
            "status": generation.status,
            "createdAt": generation.created_at.isoformat(),
        },
        "additionalInfo": {
            "reviewItem": str(item.public_id) if item is not None else None,
            "decision": item.decision if item is not None else "",
            "reason": reason or (item.decision_reason if item is not None else ""),
            "categories": (item.categories if item is not None else screening.get("categories")) or {},
            "hashMatch": screening.get("hash_match") or (generation.scan_result or {}).get("hash_match"),
            "policyVersion": current_policy_version(now),
            "preservation": f"Evidence preserved for {settings.CHILD_SAFETY_PRESERVATION_DAYS} days from the draft.",
        },
    }


def do_draft_report(generation, moderator, *, item=None, reason="", request=None, by_decision=False):
    """Write the draft and start the preservation hold (idempotent: a second confirmation of the same generation
    returns the existing report). Also withholds every file of the generation from its users. `by_decision`: the
    consequence of a moderator's rejection for a minor's sexualisation (do_decide checked that moderator may
    decide it), which any moderator's rejection triggers; the explicit confirmation is child-safety staff's."""
    if not by_decision:
        _require_handler(moderator)
    existing = ChildSafetyReport.objects.filter(generation=generation).first()
    if existing is not None:
        return existing
    now = timezone.now()
    draft = build_draft(generation, moderator=moderator, item=item, reason=reason, now=now)
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: two confirmations of one generation at once make one report
                report = ChildSafetyReport.objects.create(
                    generation=generation, review_item=item, reported_user=generation.created_by, team=generation.team,
                    draft=draft, created_by=moderator, created_at=now,
                    preservation_hold_until=now + dt.timedelta(days=settings.CHILD_SAFETY_PRESERVATION_DAYS),
                )
        except IntegrityError:
            return ChildSafetyReport.objects.get(generation=generation)
        withheld = withhold(generation.assets.filter(quarantined=False))
        record_audit_event(
            AuditEventType.CHILD_SAFETY_REPORT_DRAFTED, actor=Actor(user=moderator), team=generation.team, target=report,
            extra={"generation": str(generation.public_id), "review": str(item.public_id) if item is not None else None,
                   "reported_user": generation.created_by_id, "files": [entry["sha256"] for entry in draft["files"]],
                   "hold_until": report.preservation_hold_until.isoformat(), "withheld": withheld},
            request=request,
        )
    return report


def confirms_csam(item, preset) -> bool:
    """Pure: whether a rejection confirms CSAM: the moderator chose the minor-sexualisation reason."""
    return preset == CSAM_PRESET and item.kind != "appeal"


def do_confirm_csam(item, moderator, *, reason="", request=None):
    """The explicit action on the item page: the moderator confirms what the item shows is CSAM."""
    _require_handler(moderator)
    if item.generation.created_by_id == moderator.pk:
        raise ChildSafetyError("own_item", "This item is about you: another moderator must confirm it.", http_status=403)
    reason = (reason or "").strip()
    if not reason:
        raise ChildSafetyError("reason_required", "Say what you saw: a reason is required to confirm.", field="reason")
    return do_draft_report(item.generation, moderator, item=item, reason=reason, request=request)


def record_download(report, user, *, request=None):
    _require_handler(user)
    record_audit_event(
        AuditEventType.CHILD_SAFETY_REPORT_DOWNLOADED, actor=Actor(user=user), team=report.team, target=report,
        extra={"generation": str(report.generation.public_id)}, request=request,
    )


def do_mark_filed(report, user, *, report_number, request=None):
    """A person filed the draft through the provider's own CyberTipline account and enters NCMEC's number."""
    _require_handler(user)
    report_number = (report_number or "").strip()
    if not report_number or len(report_number) > 40 or not report_number.replace("-", "").isalnum():
        raise ChildSafetyError("invalid_report_number", "Enter the CyberTipline report number you were given.",
                               field="report_number")
    now = timezone.now()
    return _leave_draft(
        report, user, "marked filed", AuditEventType.CHILD_SAFETY_REPORT_FILED, {"report_number": report_number},
        request=request, status=ChildSafetyStatus.FILED, external_report_number=report_number, filed_by=user,
        filed_at=now,
        # 18 U.S.C. 2258A(h) counts the 90 days from the report's submission: the hold runs at least that long.
        preservation_hold_until=Greatest(
            F("preservation_hold_until"), Value(now + dt.timedelta(days=settings.CHILD_SAFETY_PRESERVATION_DAYS))
        ),
    )


def _leave_draft(report, user, verb, event_type, extra, *, request, **fields):
    """Move a draft on (compare-and-set on its status: only a draft moves), audited; 409 when it is not one."""
    with transaction.atomic():
        if not ChildSafetyReport.objects.filter(pk=report.pk, status=ChildSafetyStatus.DRAFT).update(**fields):
            raise ChildSafetyError("not_a_draft", f"Only a draft can be {verb}.", http_status=409)
        report.refresh_from_db()
        record_audit_event(event_type, actor=Actor(user=user), team=report.team, target=report,
                           extra={**extra, "generation": str(report.generation.public_id)}, request=request)
    return report


def do_withdraw(report, user, *, reason, request=None):
    """A draft confirmed by mistake is withdrawn (never filed). The preservation hold stays until it ends."""
    _require_handler(user)
    reason = (reason or "").strip()
    if not reason:
        raise ChildSafetyError("reason_required", "Say why the draft is withdrawn.", field="reason")
    return _leave_draft(report, user, "withdrawn", AuditEventType.CHILD_SAFETY_REPORT_WITHDRAWN, {"reason": reason},
                        request=request, status=ChildSafetyStatus.WITHDRAWN)


def held_generation_ids(now=None):
    """Generations whose evidence is under a preservation hold now (a subquery for retention code): a draft
    nobody has filed yet is held however old it is; a filed or withdrawn report until its hold ends."""
    return ChildSafetyReport.objects.filter(
        Q(status=ChildSafetyStatus.DRAFT) | Q(preservation_hold_until__gt=now or timezone.now())
    ).values("generation_id")



"""Removing content with its copies.

"Remove and ban copies": a moderator banks a generation's media (its input images and/or its clip) in a hash
bank, and every stored input image or output clip of ANY team whose hashes match the new entries within the
bank's threshold is taken down: withheld (quarantined, like a clip that failed its scan), removed from its
team's gallery, its generation marked with why and what the owner can do, its owner told (a portal notice and
an e-mail), and one audit event written per copy, then one for the ban.

Takedown requests (US TAKE IT DOWN Act: non-consensual intimate imagery, AI fakes included, removed with its
copies within 48 hours of a valid request): anyone files one through the public form; a moderator verifies
it (the content and its copies are banked in the `ncii` bank and taken down by the same machinery) or rejects
it with a reason. The requester is e-mailed at receipt and at the decision; every step is audited. The
requester's upload is never kept, only its hashes.

Finding copies means hashing stored media: each asset's PDQ hashes are computed once (`AssetFingerprint`),
before the transaction that takes the copies down, so later sweeps only compare hashes.
"""

import dataclasses
import datetime as dt
import logging
import re
import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.models import AuditEventType, Notice
from generations.actions import generation as generation_actions
from generations.actions import hashbanks, review, roles
from generations.actions.withholding import withhold
from generations.errors import GenerationError
from generations.models import (
    DELIVERED_ROLES,
    OUTPUT_IMAGE_ROLES,
    Asset,
    AssetFingerprint,
    AssetRole,
    GalleryItem,
    GalleryStatus,
    Generation,
    HashBank,
    HashBankAction,
    HashMediaKind,
    ReviewDecision,
    TakedownRequest,
    TakedownStatus,
    current_policy_version,
)
from generations.moderation.visual import hashing
from generations.states import Stage, Status
from generations.storage import local_copy

logger = logging.getLogger(__name__)

INPUT_ROLES = (AssetRole.INPUT_IMAGE, AssetRole.INPUT_IMAGE_TAIL, AssetRole.INPUT_IMAGE_2, AssetRole.INPUT_IMAGE_3,
               AssetRole.INPUT_IMAGE_4, AssetRole.INPUT_IMAGE_5, AssetRole.INPUT_IMAGE_6, AssetRole.INPUT_IMAGE_7)
SWEPT_ROLES = (*INPUT_ROLES, AssetRole.VIDEO)
# A generation taken down loses its outputs whatever matched: a clip made from a banned image shows it.
OUTPUT_ROLES = DELIVERED_ROLES
COPY_REMOVED = "copy_removed"
TAKEDOWN_SLA = dt.timedelta(hours=48)
NCII_BANK = "ncii"
NCII_CATEGORY = "deepfake"
MEDIA_CHOICES = ("all", "input", "video")
CATEGORY_WORDS = {
    "sexual": "sexual content", "sexual_minors": "sexual content involving minors", "violence": "violence",
    "self_harm": "self-harm", "deepfake": "non-consensual intimate or deepfake imagery", "illegal": "illegal content",
    "political": "political content",
}
_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


class TakedownError(GenerationError):
    pass


# --- fingerprints and matching ------------------------------------------------------------------------


def _compute_fingerprint(asset) -> dict:
    kind = HashMediaKind.VIDEO if asset.content_type.startswith("video/") else HashMediaKind.IMAGE
    try:
        if kind == HashMediaKind.VIDEO:
            with local_copy(asset.file) as path:
                frames = hashing.hash_video(path)
            return {"media_kind": kind, "hashes": [frame.hex for frame in frames],
                    "frame_times": [frame.t for frame in frames], "qualities": [frame.quality for frame in frames]}
        with asset.file.open("rb") as handle:
            pdq = hashing.hash_image(hashing.open_image(handle.read()))
    except (hashing.HashingError, OSError, ValueError) as exc:
        logger.warning("cannot fingerprint asset %s: %s", asset.pk, exc)
        return {"media_kind": kind, "hashes": [], "frame_times": [], "qualities": []}
    # A flat image's hash says nothing (as for flat frames of a clip): it matches nothing.
    hashes = [pdq.hex] if pdq.quality >= hashing.MIN_QUALITY else []
    return {"media_kind": kind, "hashes": hashes, "frame_times": [], "qualities": [pdq.quality]}


def ensure_fingerprints(*, roles=SWEPT_ROLES) -> int:
    """Hash every stored asset of these roles that has no fingerprint yet (outside any transaction: this
    decodes media). Returns how many were computed."""
    computed = 0
    missing = Asset.objects.filter(role__in=roles, fingerprint__isnull=True).order_by("pk")
    for asset in missing.iterator(chunk_size=200):
        AssetFingerprint.objects.get_or_create(asset=asset, defaults=_compute_fingerprint(asset))
        computed += 1
    return computed


@dataclasses.dataclass(frozen=True)
class Copy:
    asset_id: int
    generation_id: int
    role: str
    match: dict


def _loaded(bank, rows) -> hashbanks.LoadedBanks:
    """Banks holding only the new entries, applying to every team (a ban takes copies down everywhere)."""
    info = hashbanks.BankInfo(bank.pk, bank.name, bank.category, None, bank.action,
                              min(bank.distance_threshold, hashing.MAX_THRESHOLD))
    return hashbanks.build_banks([info], [(entry_id, bank.pk, kind, hashes, times) for entry_id, kind, hashes, times in rows])


def _image_matches(loaded, hex_hash, threshold):
    matches = loaded.match_image_hash(hex_hash)
    # A still of a banked clip (one of its frames used as an input image) is a copy too.
    if len(loaded.frame_index):
        best = {}
        for row, dist in loaded.frame_index.lookup(hex_hash, threshold=threshold):
            entry_id = int(loaded.frame_entry[row])
            if entry_id not in best or dist < best[entry_id].distance:
                best[entry_id] = hashbanks.HashMatch(loaded.banks[int(loaded.frame_bank[row])], entry_id, dist, "frame_of_clip",
                                                     t=float(loaded.frame_number[row]))
        matches += list(best.values())
    return matches


def find_copies(bank, rows) -> list[Copy]:
    """Every stored input image and output clip, of any team, matching one of `rows` ((entry id, media kind,
    hashes, frame times)) within the bank's threshold. Reads fingerprints only (see `ensure_fingerprints`)."""
    loaded = _loaded(bank, rows)
    threshold = min(bank.distance_threshold, hashing.MAX_THRESHOLD)
    copies = []
    fingerprints = AssetFingerprint.objects.filter(asset__role__in=SWEPT_ROLES).exclude(hashes=[]).select_related("asset")
    for fingerprint in fingerprints.iterator(chunk_size=500):
        if fingerprint.media_kind == HashMediaKind.VIDEO:
            frames = [hashing.FrameHash(t, value, quality) for t, value, quality in
                      zip(fingerprint.frame_times, fingerprint.hashes, fingerprint.qualities, strict=False)]
            matches = loaded.match_clip(frames)
        else:
            matches = _image_matches(loaded, fingerprint.hashes[0], threshold)
        decisive = hashbanks.strongest(matches)
        if decisive is not None:
            asset = fingerprint.asset
            copies.append(Copy(asset.pk, asset.generation_id, asset.role, decisive.as_record()))
    return copies


# --- taking a copy down ---------------------------------------------------------------------------------


def _owner_message(generation, category, *, appealable) -> str:
    what = CATEGORY_WORDS.get(category, category.replace("_", " "))
    next_step = ("appeal below, once, or reply to the e-mail we sent you" if appealable
                 else "reply to the e-mail we sent you and a moderator will look again")
    return (f"Removed by trust and safety: this matches content a moderator removed and banned ({what}). It can no longer"
            f" be viewed, downloaded or shared, and the same content cannot be used here again. If you think this is a"
            f" mistake, {next_step}.")[:500]


def _notify_owner(generation, *, category, appealable, source):
    user = generation.created_by
    link = f"{settings.STUDIO_PUBLIC_URL.rstrip('/')}/generations/{generation.public_id}/" if settings.STUDIO_PUBLIC_URL else (
        f"/generations/{generation.public_id}/")
    subject = "Your generation was removed"
    body = (
        f"Hello,\n\nA generation of yours ({generation.public_id}) was removed by the studio's trust and safety team"
        f" because it matches content that was removed and banned"
        f" ({CATEGORY_WORDS.get(category, category)}"
        + ("; the person it depicts asked for it to be taken down" if source == "takedown" else "")
        + ").\n\nIts clip and images can no longer be viewed, downloaded or shared, and it was taken out of your team's"
        " gallery.\n\nIf you think this is a mistake, reply to this e-mail"
        + (" or appeal from the generation's page" if appealable else "")
        + f": {link}\n\n— Studio trust and safety\n"
    )
    Notice.objects.create(user=user, subject=subject, body=body)
    _mail_on_commit(subject, body, user.email)


def _mail_on_commit(subject, body, to):
    def send():
        try:
            send_mail(subject, body, None, [to])
        except Exception:  # a mail server's refusal must not undo a takedown already committed
            logger.exception("could not e-mail %s about a takedown", to)

    transaction.on_commit(send)


def _take_down(generation, copies, *, ban_id, bank, actor, source, request=None) -> dict:
    """Withhold one generation's matched media and its outputs, take it out of the gallery, mark it, tell its
    owner, and audit it. Returns what was done (for the ban's record)."""
    now = timezone.now()
    roles = sorted({copy.role for copy in copies} | set(OUTPUT_ROLES))
    withheld = withhold(Asset.objects.filter(generation=generation, role__in=roles))
    gallery = GalleryItem.objects.filter(generation=generation, status=GalleryStatus.VISIBLE).first()
    if gallery is not None:
        GalleryItem.objects.filter(pk=gallery.pk).update(status=GalleryStatus.REMOVED, removed_at=now)
    generation.refresh_from_db()
    already = generation.error_code == COPY_REMOVED
    appealable = False
    if generation.status == Status.HELD:
        stage = Stage.OUTPUT if generation.assets.filter(role__in=(AssetRole.VIDEO, AssetRole.AUDIO, *OUTPUT_IMAGE_ROLES)).exists() else Stage.INPUT
        generation_actions.do_transition(
            generation, Status.BLOCKED, expected=Status.HELD, stage=stage, progress=0, actor=actor,
            error_code=COPY_REMOVED, error_message=_owner_message(generation, bank.category, appealable=True),
            extra={"ban": ban_id},
        )
        appealable = True
    else:
        appealable = generation.status == Status.BLOCKED and generation.stage in review.APPEALABLE_STAGES
        message = _owner_message(generation, bank.category, appealable=appealable)
        # A finished generation has no state left to move to: its record says why its media is gone. One still
        # running keeps going, and its output is matched against the bank when it is scanned.
        Generation.objects.filter(pk=generation.pk).update(error_code=COPY_REMOVED, error_message=message, updated_at=now)
    record = {
        "generation": str(generation.public_id), "team": generation.team.slug, "owner": generation.created_by.email,
        "matches": [{"role": copy.role, **copy.match} for copy in copies], "withheld_roles": roles,
        "gallery_item": str(gallery.public_id) if gallery else None, "status": generation.status,
    }
    record_audit_event(
        AuditEventType.COPY_TAKEN_DOWN, actor=actor, team=generation.team, target=generation,
        extra={"ban": ban_id, "bank": bank.name, "source": source, **record, "assets_withheld": withheld,
               "again": already, "policy_version": current_policy_version()},
        request=request,
    )
    if not already:
        _notify_owner(generation, category=bank.category, appealable=appealable, source=source)
    return record


# --- the ban --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class BanResult:
    ban_id: str
    entries: list
    copies: list  # one record per generation taken down
    skipped: list  # media that could not be banked, with why


def _entry_fields_of(generation, media) -> tuple[list, list]:
    """Entry fields for the generation's chosen media ("all", "input" or "video"), and what was skipped."""
    roles = {"all": SWEPT_ROLES, "input": INPUT_ROLES, "video": (AssetRole.VIDEO,)}[media]
    fields, skipped = [], []
    for asset in generation.assets.filter(role__in=roles).order_by("role"):
        try:
            with local_copy(asset.file) as path:
                fields.append((asset, hashbanks.media_entry_fields(path)))
        except (hashbanks.HashBankError, hashing.HashingError, OSError) as error:
            skipped.append({"role": asset.role, "why": getattr(error, "message", str(error))})
    return fields, skipped


def do_ban_copies(*, bank, moderator, reason, generation=None, media="all", extra_fields=(), source="review",
                  target=None, request=None, extra=None) -> BanResult:
    """Bank a generation's media (and/or media given as entry fields, e.g. a takedown request's upload) and
    take down every stored copy across all teams, the generation itself included. One audit event per copy,
    then one for the ban."""
    if media not in MEDIA_CHOICES:
        raise TakedownError("invalid_media", "Choose which media to ban: all, input or video.", field="media")
    fields, skipped = _entry_fields_of(generation, media) if generation is not None else ([], [])
    fields += [(None, item) for item in extra_fields]
    if not fields:
        raise TakedownError(
            "nothing_to_ban", "There is no media here that can be banned (none, or every file too flat to hash).",
            http_status=409,
        )
    ensure_fingerprints()
    ban_id = str(uuid.uuid4())
    actor = Actor(user=moderator)
    with transaction.atomic():
        entries = [
            hashbanks.do_add_media(bank, fields=item, note=f"{source} ban {ban_id}: {reason}"[:300], added_by=moderator,
                                   source_generation=generation, via="moderation", request=request)
            for _asset, item in fields
        ]
        copies = find_copies(bank, [(entry.pk, entry.media_kind, entry.hashes, entry.frame_times) for entry in entries])
        by_generation = {}
        for copy in copies:
            by_generation.setdefault(copy.generation_id, []).append(copy)
        if generation is not None:
            by_generation.setdefault(generation.pk, [])  # its own media is banned whatever the hashes of its files say
        records = []
        for generation_id, found in sorted(by_generation.items()):
            copy_generation = Generation.objects.select_related("team", "created_by").get(pk=generation_id)
            records.append(_take_down(copy_generation, found, ban_id=ban_id, bank=bank, actor=actor, source=source,
                                      request=request))
        record_audit_event(
            AuditEventType.CONTENT_BANNED, actor=actor, team=generation.team if generation is not None else None,
            target=target if target is not None else generation,
            extra={"ban": ban_id, "bank": bank.name, "category": bank.category, "source": source, "reason": reason,
                   "generation": str(generation.public_id) if generation is not None else None,
                   "entries": [entry.pk for entry in entries], "skipped": skipped,
                   "copies": [record["generation"] for record in records],
                   "teams": sorted({record["team"] for record in records}), **(extra or {})},
            request=request,
        )
    return BanResult(ban_id, entries, records, skipped)


def banks_for_banning():
    """The banks a moderator may ban into: active, operator-wide, blocking (a ban must keep copies out)."""
    return HashBank.objects.filter(active=True, team__isnull=True, action=HashBankAction.BLOCK).order_by("name")


def do_remove_and_ban(item, moderator, *, bank, reason, media="all", expected_version=None, request=None) -> BanResult:
    """"Remove and ban copies" on a review item (a held generation, an appeal, a gallery report): an undecided
    item is rejected first (the moderator must hold its claim, as for any decision), then its media is banked
    and every copy taken down."""
    reason = (reason or "").strip()
    if not review.is_moderator(moderator):
        raise TakedownError("not_a_moderator", "Only trust-and-safety moderators can do that.", http_status=403)
    if not roles.can_see_item(moderator, item):
        raise TakedownError("no_such_item", "No such review item.", http_status=404)
    if not roles.can_ban(moderator):
        raise TakedownError(roles.ROLE_NOT_ALLOWED, "External moderators cannot remove and ban.", http_status=403)
    if review.is_about(item, moderator):
        raise TakedownError("own_item", "This item is about you: another moderator must decide it.", http_status=403)
    if not reason:
        raise TakedownError("reason_required", "Say why: a reason is required to remove and ban.", field="reason")
    if not banks_for_banning().filter(pk=bank.pk).exists():
        raise TakedownError("invalid_bank", "Choose an active, operator-wide bank whose action is block.", field="bank")
    if not item.decision:
        review.do_decide(item, moderator, review.REJECT, reason=reason, expected_version=expected_version, request=request)
        item.refresh_from_db()
    elif item.decision not in (ReviewDecision.REJECTED, ReviewDecision.EXPIRED):
        raise TakedownError("review_decided", "This item was approved: it cannot be banned from here.", http_status=409)
    return do_ban_copies(bank=bank, moderator=moderator, reason=reason, generation=item.generation, media=media,
                         source="review", target=item, request=request, extra={"review": str(item.public_id)})


# --- takedown requests ----------------------------------------------------------------------------------


def ncii_bank() -> HashBank:
    """The bank of verified takedown requests (created, audited, on first use)."""
    bank = HashBank.objects.filter(name=NCII_BANK).first()
    if bank is None:
        bank = hashbanks.do_create_bank(name=NCII_BANK, category=NCII_CATEGORY, action=HashBankAction.BLOCK,
                                        via="takedown")
    return bank


def resolve_reference(reference: str):
    """The generation a gallery link, a generation link or a bare id names, or None."""
    for found in _UUID.findall(reference or ""):
        try:
            public_id = uuid.UUID(found)
        except ValueError:
            continue
        generation = Generation.objects.filter(public_id=public_id).first()
        if generation is None:
            item = GalleryItem.objects.filter(public_id=public_id).select_related("generation").first()
            generation = item.generation if item is not None else None
        if generation is not None:
            return generation
    return None


def upload_hashes(path) -> dict:
    """What a takedown request keeps of its upload: the hashes a bank entry needs, never the file."""
    try:
        fields = hashbanks.media_entry_fields(path)
    except (hashbanks.HashBankError, hashing.HashingError) as error:
        raise TakedownError(
            "upload_unreadable", "We could not read that file as an image or a video, or it is too plain to recognise: "
            "give a link or an id instead.", field="upload",
        ) from error
    return {"media_kind": fields["media_kind"], "pdq_hash": fields["pdq_hash"], "hashes": fields["hashes"],
            "frame_times": fields.get("frame_times", []), "quality": fields["quality"]}


def _generation_of_upload(hashes: dict):
    ensure_fingerprints()
    probe = HashBank(pk=0, name="takedown-probe", category=NCII_CATEGORY, action=HashBankAction.BLOCK,
                     distance_threshold=hashing.DEFAULT_THRESHOLD)
    copies = find_copies(probe, [(0, hashes["media_kind"], hashes["hashes"], hashes.get("frame_times") or [])])
    if not copies:
        return None
    best = min(copies, key=lambda copy: copy.match.get("distance", 256))
    return Generation.objects.filter(pk=best.generation_id).first()


def _requester_mail(takedown, subject, body):
    _mail_on_commit(subject, f"Hello {takedown.requester_name},\n\n{body}\n\nReference: {takedown.public_id}\n\n"
                             "— Studio trust and safety\n", takedown.requester_email)


def do_file_takedown(*, name, email, relationship, reference="", description="", good_faith, signature, upload_path=None,
                     request=None) -> TakedownRequest:
    """A takedown request from anyone. Refused only when it is not one: no good-faith statement, no
    signature, or nothing that points at content on this studio."""
    name, signature, reference = (name or "").strip(), (signature or "").strip(), (reference or "").strip()
    if not good_faith:
        raise TakedownError("good_faith_required", "The statement of good faith is required.", field="good_faith")
    if not signature:
        raise TakedownError("signature_required", "Sign the request by typing your full name.", field="signature")
    hashes = upload_hashes(upload_path) if upload_path else None
    generation = resolve_reference(reference)
    if generation is None and hashes is not None:
        generation = _generation_of_upload(hashes)
    if generation is None and hashes is None:
        raise TakedownError(
            "content_not_found", "We could not find that content here. Give the link of the gallery item or generation, "
            "its id, or upload a copy of the image or video.", field="reference",
        )
    now = timezone.now()
    with transaction.atomic():
        takedown = TakedownRequest.objects.create(
            requester_name=name[:200], requester_email=email, relationship=relationship, content_reference=reference[:500],
            description=(description or "").strip()[:5000], good_faith=True, signature=signature[:200], generation=generation,
            upload_hashes=hashes, sla_due_at=now + TAKEDOWN_SLA, created_at=now,
        )
        record_audit_event(
            AuditEventType.TAKEDOWN_REQUESTED, actor=SYSTEM, team=generation.team if generation else None, target=takedown,
            extra={"generation": str(generation.public_id) if generation else None, "upload": hashes is not None,
                   "relationship": relationship, "sla_due_at": takedown.sla_due_at.isoformat()},
            request=request,
        )
        _requester_mail(
            takedown, "We received your takedown request",
            "We received your request to remove content from this studio. A trust-and-safety moderator will verify it"
            f" and, if it is valid, remove the content and its copies by {takedown.sla_due_at:%Y-%m-%d %H:%M} UTC"
            " (within 48 hours). We will e-mail you the decision.",
        )
    return takedown


def _require_independent_of_takedown(takedown, moderator):
    if not review.is_moderator(moderator):
        raise TakedownError("not_a_moderator", "Only trust-and-safety moderators can do that.", http_status=403)
    if not roles.can_handle_takedowns(moderator):
        raise TakedownError(roles.ROLE_NOT_ALLOWED, "External moderators do not decide takedown requests.", http_status=403)
    own = takedown.generation is not None and takedown.generation.created_by_id == moderator.pk
    if own or takedown.requester_email.strip().lower() == (moderator.email or "").lower():
        raise TakedownError("own_item", "This request is about you: another moderator must decide it.", http_status=403)


def _claim_decision(takedown, status, moderator, reason, now):
    updated = TakedownRequest.objects.filter(pk=takedown.pk, status=TakedownStatus.PENDING).update(
        status=status, decided_by=moderator, decided_at=now, decision_reason=reason)
    if not updated:
        raise TakedownError("takedown_decided", "This request has already been decided. Reload it.", http_status=409)


def do_verify_takedown(takedown, moderator, *, reason="", request=None) -> TakedownRequest:
    """Valid: ban the content (the generation's media and the upload's hashes) in the ncii bank and take down
    every copy; tell the requester."""
    _require_independent_of_takedown(takedown, moderator)
    reason = (reason or "").strip() or "Verified takedown request."
    ensure_fingerprints()  # decoding media stays outside the transaction
    bank = ncii_bank()
    now = timezone.now()
    upload = [] if not takedown.upload_hashes else [
        {key: takedown.upload_hashes[key] for key in ("media_kind", "pdq_hash", "hashes", "frame_times", "quality")}
    ]
    with transaction.atomic():
        _claim_decision(takedown, TakedownStatus.VERIFIED, moderator, reason, now)
        result = do_ban_copies(bank=bank, moderator=moderator, reason=f"takedown {takedown.public_id}: {reason}",
                               generation=takedown.generation, extra_fields=upload, source="takedown", target=takedown,
                               request=request, extra={"takedown": str(takedown.public_id)})
        outcome = {"ban": result.ban_id, "entries": [entry.pk for entry in result.entries],
                   "copies": [record["generation"] for record in result.copies], "skipped": result.skipped}
        TakedownRequest.objects.filter(pk=takedown.pk).update(outcome=outcome)
        takedown.refresh_from_db()
        record_audit_event(
            AuditEventType.TAKEDOWN_VERIFIED, actor=Actor(user=moderator), target=takedown,
            team=takedown.generation.team if takedown.generation else None,
            extra={**outcome, "reason": reason, "within_sla": now <= takedown.sla_due_at,
                   "hours": round((now - takedown.created_at).total_seconds() / 3600, 2)},
            request=request,
        )
        copies = len(result.copies)
        _requester_mail(
            takedown, "Your takedown request: content removed",
            f"We verified your request. The content was removed, with {copies} cop{'y' if copies == 1 else 'ies'} of it"
            " found on this studio (the original included), and it is now banned: the same image or video cannot be"
            " shared or used here again.",
        )
    return takedown


def do_reject_takedown(takedown, moderator, *, reason, request=None) -> TakedownRequest:
    _require_independent_of_takedown(takedown, moderator)
    reason = (reason or "").strip()
    if not reason:
        raise TakedownError("reason_required", "Say why: the requester is told the reason.", field="reason")
    now = timezone.now()
    with transaction.atomic():
        _claim_decision(takedown, TakedownStatus.REJECTED, moderator, reason, now)
        takedown.refresh_from_db()
        record_audit_event(
            AuditEventType.TAKEDOWN_REJECTED, actor=Actor(user=moderator), target=takedown,
            team=takedown.generation.team if takedown.generation else None,
            extra={"reason": reason, "within_sla": now <= takedown.sla_due_at}, request=request,
        )
        _requester_mail(
            takedown, "Your takedown request: not removed",
            f"A moderator reviewed your request and did not remove the content, because: {reason}\n\nIf you can tell"
            " us more, file a new request.",
        )
    return takedown


def takedown_sla_stats(*, now=None) -> dict:
    """Pending requests on the 48 h clock: how many, how many still due, how many overdue, and the next due."""
    now = now or timezone.now()
    pending = TakedownRequest.objects.filter(status=TakedownStatus.PENDING)
    overdue = pending.filter(sla_due_at__lt=now).count()
    total = pending.count()
    next_due = pending.filter(sla_due_at__gte=now).order_by("sla_due_at").values_list("sla_due_at", flat=True).first()
    return {"pending": total, "due": total - overdue, "overdue": overdue, "next_due": next_due}

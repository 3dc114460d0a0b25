"""Checking where a file came from: `check_media` answers `verify_media`, the "Check a video" page and
`POST /api/v1/provenance/verify` alike; `input_provenance` is the same check on a submitted input image.

The facts come from `generations.provenance.verification` (credentials and this install's watermark);
this module adds the generation they name and the sentences people read. Nothing private leaves: a
generation is named by its public id, date, kind and model, never its team, author or prompt.
"""

import logging
import tempfile

from django.conf import settings

from generations import outbound
from generations.catalog import KIND_LABELS
from generations.models import Generation
from generations.provenance import credentials, identity, verification
from generations.provenance.verification import UnsupportedMedia
from generations.selectors import as_uuid

logger = logging.getLogger(__name__)

# What a check concludes, most certain first.
OURS = "ours"  # made here, and the file is as the studio signed it
OURS_ALTERED = "ours_altered"  # made here (watermark), but its credentials are missing or broken
AI_ELSEWHERE = "ai_generated_elsewhere"  # valid credentials of another signer that say a model made it
CREDENTIALS_ELSEWHERE = "credentials_elsewhere"  # valid credentials of another signer
CREDENTIALS_INVALID = "credentials_invalid"  # credentials that fail validation, no watermark of ours
NOTHING_FOUND = "nothing_found"

__all__ = ["CheckRefused", "UnsupportedMedia", "check_media", "check_upload", "check_url", "input_provenance",
           "trust_anchor_pem"]

# Stable codes of a refused check and their HTTP status: the page and the API answer alike.
REFUSAL_STATUS = {
    "missing_file": 400, "url_not_allowed": 400, "file_too_large": 413, "media_too_large": 413,
    "unsupported_media": 422, "media_unreadable": 422, "url_fetch_failed": 422,
}


class CheckRefused(Exception):
    """A file that cannot be checked: `code` (stable), `message` (for people), `status` (HTTP)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message
        self.status = REFUSAL_STATUS.get(code, 400)


def limit_text() -> str:
    return f"{settings.VERIFY_MAX_BYTES / (1024 * 1024):g} MB"


def check_upload(upload) -> dict:
    """The report for an uploaded file (a Django UploadedFile), read into a temporary file that is gone when
    this returns; refused past VERIFY_MAX_BYTES while reading, whatever the upload claims its size is."""
    if upload.size is not None and upload.size > settings.VERIFY_MAX_BYTES:
        raise CheckRefused("file_too_large", f"The file is larger than {limit_text()}; files up to {limit_text()} can be checked.")
    with tempfile.NamedTemporaryFile(prefix="verify-") as handle:
        written = 0
        for chunk in upload.chunks():
            written += len(chunk)
            if written > settings.VERIFY_MAX_BYTES:
                raise CheckRefused("file_too_large", f"The file is larger than {limit_text()}.")
            handle.write(chunk)
        handle.flush()
        return _check_path(handle.name)


def check_url(url: str) -> dict:
    """The report for the file at `url`, fetched through the outbound guard (no private addresses, a
    deadline, a minimum rate) and stopped at VERIFY_MAX_BYTES."""
    try:
        data = outbound.fetch(url, max_bytes=settings.VERIFY_MAX_BYTES)
    except outbound.UrlNotAllowed as error:
        raise CheckRefused("url_not_allowed", error.message) from None
    except outbound.FetchFailed as error:
        if error.reason == "too_large":
            raise CheckRefused("file_too_large", f"The file at the link is larger than {limit_text()}.") from None
        raise CheckRefused("url_fetch_failed", error.message) from None
    with tempfile.NamedTemporaryFile(prefix="verify-") as handle:
        handle.write(data)
        handle.flush()
        del data
        return _check_path(handle.name)


def _check_path(path):
    try:
        return check_media(path)
    except UnsupportedMedia as error:
        raise CheckRefused(error.code, error.message) from None


def trust_anchor_pem() -> bytes | None:
    """This install's CA certificate (the anchor that makes its credentials "trusted"), if it has one."""
    try:
        return credentials.ensure_signing_chain().ca_pem
    except (OSError, ValueError) as error:
        logger.warning("provenance check without this install's CA: %s", error)
        return None


def _mark_identity():
    try:
        return identity.watermark_identity()
    except (OSError, identity.ProvenanceKeyError) as error:
        logger.warning("provenance check without the watermark key: %s", error)
        return None


def check_media(path) -> dict:
    """The full report for one file. Raises UnsupportedMedia (with a stable `code`) for what cannot be read."""
    report = verification.inspect_file(path, trust_anchor_pem=trust_anchor_pem(), mark_identity=_mark_identity())
    report["generation"] = _generation_named(report)
    report["verdict"], report["summary"] = _conclusion(report)
    return report


def input_provenance(image) -> dict | None:
    """What a submitted input image (`inputs.images.InputImage`) says about itself, kept on its asset; None
    when it says nothing (the usual case)."""
    try:
        report = verification.inspect_image_bytes(
            image.data, image.analysis_data, trust_anchor_pem=trust_anchor_pem(), mark_identity=_mark_identity()
        )
    except UnsupportedMedia:
        return None
    report["generation"] = _generation_named(report)
    report["verdict"], report["summary"] = _conclusion(report)
    if report["verdict"] == NOTHING_FOUND:
        return None
    return {
        "verdict": report["verdict"],
        "summary": report["summary"],
        "credentials": {key: report["credentials"].get(key) for key in ("state", "claim_generator", "ai_generated")},
        "watermark": report["watermark"].get("found", False),
        "generation": report["generation"],
    }


def _generation_named(report):
    """The generation of this install that the file's trusted manifest or watermark names, if any."""
    found, matched_by = None, []
    claims = report["credentials"]
    if claims.get("state") == "trusted" and claims.get("generation_id"):
        found = Generation.objects.filter(public_id=as_uuid(claims["generation_id"])).first()
        if found is not None:
            matched_by.append("credentials")
    mark = report["watermark"]
    if mark.get("found") and mark.get("this_install"):
        candidates = list(Generation.objects.filter(watermark_digest=mark["digest"])[:5])
        if found is not None and any(candidate.pk == found.pk for candidate in candidates):
            matched_by.append("watermark")
        elif found is None and len(candidates) == 1:
            found = candidates[0]
            matched_by.append("watermark")
        elif found is None and candidates:
            return {"ambiguous": len(candidates), "matched_by": ["watermark"]}
    if found is None:
        return None
    return {
        "id": str(found.public_id),
        "created_at": found.created_at.isoformat(),
        "kind": found.kind,
        "kind_label": KIND_LABELS.get(found.kind, found.kind),
        "model": found.model_name,
        "matched_by": matched_by,
    }


def _conclusion(report):
    """(verdict, sentences a person reads)."""
    claims, mark, generation = report["credentials"], report["watermark"], report.get("generation")
    state = claims.get("state")
    ours_by_mark = bool(mark.get("found") and mark.get("this_install"))
    what = {verification.VIDEO: "video", verification.AUDIO: "sound"}.get(report["media"], "image")
    lines = []
    named = ""
    if generation and generation.get("id"):
        named = f" (generation {generation['id']}, {generation['kind_label']}, {generation['created_at'][:10]})"
    if state == "trusted":
        lines.append(f"Made by this studio{named}: its content credentials are intact and signed by this studio.")
        if ours_by_mark:
            lines.append(f"The invisible watermark in the frames names the same {what}.")
        return OURS, lines
    if ours_by_mark:
        lines.append(f"Made by this studio{named}: its invisible watermark was found "
                     f"(confidence {mark.get('confidence', 0):.2f}).")
        if state == "missing":
            lines.append("Its content credentials are gone: it was re-encoded, trimmed or exported after it left the studio.")
        elif state == "invalid":
            lines.append(f"Its content credentials no longer match the file: it was changed after signing "
                         f"({claims.get('reason') or 'validation failed'}).")
        else:
            lines.append(f"It carries credentials from another signer ({claims.get('claim_generator') or 'unknown'}).")
        return OURS_ALTERED, lines
    if state in ("valid", "trusted"):
        maker = claims.get("claim_generator") or claims.get("signer") or "an unknown tool"
        if claims.get("ai_generated"):
            lines.append(f"AI-generated by {maker}, say its content credentials (valid, signed by "
                         f"{claims.get('signer') or 'a signer this studio does not know'}).")
            return AI_ELSEWHERE, lines
        lines.append(f"It carries valid content credentials from {maker}; they do not say a model made it.")
        return CREDENTIALS_ELSEWHERE, lines
    if state == "invalid":
        lines.append(f"It carries content credentials that fail validation ({claims.get('reason') or 'unknown reason'}); "
                     "what they claim cannot be relied on.")
        return CREDENTIALS_INVALID, lines
    lines.append(f"No content credentials and no watermark of this studio were found. That does not prove the {what} "
                 "is not AI-generated: other tools may leave no mark this studio can read.")
    if not mark.get("checked", True):
        lines.append("This studio could not look for its watermark (no watermark key).")
    return NOTHING_FOUND, lines


def public_certificate() -> bytes | None:
    """The CA certificate published at /provenance/ca.pem and /.well-known/studio-provenance-ca.pem."""
    return trust_anchor_pem()

"""Retention: how long the studio keeps media, enforced by housekeeping, every deletion audited.

Three classes, each with its own setting in days (0 keeps that class for good), counted from when the
generation ended:

- **outputs** (OUTPUT_RETENTION_DAYS): delivered clips and posters;
- **inputs** (INPUT_RETENTION_DAYS): the team's own uploads (images, audio);
- **withheld** (QUARANTINED_RETENTION_DAYS): quarantined inputs and outputs, and reviewers' evidence.

Never early: nothing of a generation that waits for a moderator (an open review, appeal or report, a blind
second review or a lead's settlement), nothing
under a preservation hold (a child-safety report), and no output the team still shares in its gallery.
The file goes after its row (a crash in between leaves a file, never a row naming nothing); the
generation records `media_deleted_at`, so its page and the API say why the file is gone; one audit event per
generation names the roles removed and the rule.
"""

import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import SYSTEM, record_audit_event
from accounts.models import AuditEventType
from generations.actions.child_safety import held_generation_ids
from generations.actions.wellness import delete_renditions
from generations.models import DELIVERED_ROLES, Asset, AssetRole, GalleryStatus, Generation
from generations.states import TERMINAL

logger = logging.getLogger(__name__)

INPUT_ROLES = (AssetRole.INPUT_IMAGE, AssetRole.INPUT_IMAGE_TAIL, AssetRole.INPUT_IMAGE_2, AssetRole.INPUT_IMAGE_3,
               AssetRole.INPUT_IMAGE_4, AssetRole.INPUT_IMAGE_5, AssetRole.INPUT_IMAGE_6, AssetRole.INPUT_IMAGE_7,
               AssetRole.INPUT_AUDIO)
OUTPUT_ROLES = (*DELIVERED_ROLES, AssetRole.BLURRED_POSTER)


@dataclasses.dataclass(frozen=True)
class RetentionClass:
    name: str
    setting: str
    assets: Q

    @property
    def days(self) -> int:
        return int(getattr(settings, self.setting))


CLASSES = (
    RetentionClass("outputs", "OUTPUT_RETENTION_DAYS", Q(quarantined=False, role__in=OUTPUT_ROLES)),
    RetentionClass("inputs", "INPUT_RETENTION_DAYS", Q(quarantined=False, role__in=INPUT_ROLES)),
    RetentionClass("withheld", "QUARANTINED_RETENTION_DAYS", Q(quarantined=True) | Q(role=AssetRole.EVIDENCE)),
)


def expired_assets(kind: RetentionClass, *, now):
    """The assets of `kind` past its retention that nothing protects, oldest generations first."""
    cutoff = now - dt.timedelta(days=kind.days)
    found = (
        Asset.objects.filter(kind.assets, generation__status__in=TERMINAL)
        .filter(Q(generation__finished_at__lt=cutoff) | Q(generation__finished_at__isnull=True, generation__created_at__lt=cutoff))
        .exclude(generation__review_items__decision="")  # a moderator still has to see it
        .exclude(generation__review_items__qa_review__second_decision="")  # a blind second review waits
        .exclude(generation__review_items__qa_review__agreed=False,
                 generation__review_items__qa_review__resolved_at__isnull=True)  # a lead has a disagreement to settle
        .exclude(generation_id__in=held_generation_ids(now))  # evidence under a preservation hold
    )
    if kind.name == "outputs":
        found = found.exclude(generation__gallery_item__status=GalleryStatus.VISIBLE)  # still shared with the team
    return found.order_by("generation_id", "pk")


def apply_retention(*, now=None, limit=500, only=None) -> dict[str, int]:
    """Delete up to `limit` assets per class (all, or the names in `only`) past their retention; returns
    {class: assets removed}."""
    now = now or timezone.now()
    removed = {}
    for kind in CLASSES:
        removed[kind.name] = 0
        if kind.days <= 0 or (only is not None and kind.name not in only):
            continue
        by_generation = {}
        for asset in expired_assets(kind, now=now).select_related("generation")[:limit]:
            by_generation.setdefault(asset.generation_id, []).append(asset)
        for assets in by_generation.values():
            removed[kind.name] += _remove(assets, kind, now=now)
    if any(removed.values()):
        logger.info("housekeeping: retention removed %s", removed)
    return removed


def _remove(assets, kind, *, now) -> int:
    generation = assets[0].generation
    names = []
    with transaction.atomic():
        for asset in assets:
            if Asset.objects.filter(pk=asset.pk).delete()[0]:
                names.append((asset, asset.file.name))
        if not names:
            return 0
        Generation.objects.filter(pk=generation.pk, media_deleted_at__isnull=True).update(media_deleted_at=now)
        record_audit_event(
            AuditEventType.MEDIA_RETENTION_DELETED, actor=SYSTEM, team=generation.team, target=generation,
            extra={"class": kind.name, "days": kind.days, "roles": sorted(asset.role for asset, _ in names),
                   "generation": str(generation.public_id)},
        )
    for asset, name in names:  # after the rows are gone for good
        try:
            if name:
                asset.file.storage.delete(name)
            delete_renditions(asset)
        except Exception:  # one store error must not stop the pass; the key is in the log to remove by hand
            logger.exception("retention: could not delete %s of asset %s", name, asset.pk)
    return len(names)

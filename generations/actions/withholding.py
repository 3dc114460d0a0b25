"""Withheld media lives apart: when an asset is quarantined after it was stored (an upheld report, a
takedown) its object moves under the quarantine prefix, and when a moderator releases a held output it moves
back. A presigned link already handed out for the old key stops working at once, because the key is gone.

Moves run after the transaction that changed `quarantined` commits: copy through the storage API, point the
row at the copy (only if it still names the old key), then delete the old object. A crash between the steps
leaves the row naming an object that exists.
"""

import logging

from django.db import transaction
from django.db.models import Q

from generations.models import Asset, AssetRole
from generations.storage import QUARANTINE_PREFIX, released_name, withheld_name

logger = logging.getLogger(__name__)


def withhold(assets) -> int:
    """Quarantine these assets (a queryset) and, once committed, move their objects under the quarantine
    prefix; returns how many rows changed."""
    relocate_on_commit(assets.filter(quarantined=False).values_list("pk", flat=True), withheld=True)
    return assets.update(quarantined=True)


def release(assets) -> int:
    """Release these assets (a queryset) to their team and, once committed, move their objects back out of
    the quarantine prefix; returns how many rows changed. Never the files of a generation under a
    child-safety report: whatever a later decision says, those stay withheld and preserved."""
    assets = assets.exclude(generation__child_safety_reports__isnull=False)
    relocate_on_commit(assets.filter(quarantined=True).values_list("pk", flat=True), withheld=False)
    return assets.update(quarantined=False)


def relocate_on_commit(asset_ids, *, withheld: bool):
    """After the current transaction commits, move these assets' objects to where `withheld` says."""
    ids = list(asset_ids)
    if ids:
        # robust: a failing move must not undo what committed nor stop the other hooks (mail, queue); the
        # housekeeping sweep (relocate_mismatched) finishes any move that failed.
        transaction.on_commit(lambda: relocate(ids, withheld=withheld), robust=True)


def relocate(asset_ids, *, withheld: bool) -> int:
    """Move each asset's object under (or out of) the quarantine prefix; returns how many moved."""
    moved = 0
    for asset in Asset.objects.filter(pk__in=asset_ids, quarantined=withheld):
        old = asset.file.name
        target = withheld_name(old) if withheld else released_name(old)
        if not old or target == old:
            continue
        storage = asset.file.storage
        try:
            with storage.open(old, "rb") as source:
                new = storage.save(target, source)
            if Asset.objects.filter(pk=asset.pk, file=old).update(file=new):
                storage.delete(old)
                moved += 1
            else:  # the row changed meanwhile: keep what it names, drop the copy
                storage.delete(new)
        except Exception:  # any storage backend's error (boto's are not OSError): the sweep tries again
            logger.exception("could not move asset %s to %s", asset.pk, target)
    return moved


def relocate_mismatched(*, limit=200) -> int:
    """Housekeeping: finish moves that failed, for assets whose quarantine flag and key prefix disagree
    (reviewers' evidence always lives under the prefix and is left alone)."""
    inside = Q(file__startswith=QUARANTINE_PREFIX)
    withheld = Asset.objects.filter(quarantined=True).exclude(inside).values_list("pk", flat=True)[:limit]
    released = (Asset.objects.filter(quarantined=False).filter(inside).exclude(role=AssetRole.EVIDENCE)
                .values_list("pk", flat=True)[:limit])
    return relocate(list(withheld), withheld=True) + relocate(list(released), withheld=False)

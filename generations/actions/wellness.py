"""Moderator wellness: viewing preferences (audited when changed), the reviewer renditions they select (cached
in storage per asset and settings), and exposure to graphic items (seconds per moderator per day).

The rules (layers, harms, what is graphic) are pure, in generations.moderation.wellness.
"""

from __future__ import annotations

import datetime as dt
import io
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from PIL import Image

from accounts import roles
from accounts.audit import Actor, record_audit_event
from accounts.models import AuditEventType
from generations.actions.review import ReviewError, is_moderator
from generations.models import ExposureDay, WellnessPreferences
from generations.moderation import wellness as rules
from generations.moderation.visual import renditions
from generations.moderation.visual.renditions import RenditionSettings
from generations.storage import QUARANTINE_PREFIX

log = logging.getLogger(__name__)

HEARTBEAT_MAX_S = 30  # the item page reports every 30 s while visible; no report credits more
RENDITION_PREFIX = QUARANTINE_PREFIX + "renditions"  # withheld like what they show: never presigned


def _is_lead(user) -> bool:
    """Whether `user` leads the moderators: edits the organisation's defaults and sees everyone's exposure."""
    return roles.is_lead(user)


# --- preferences ------------------------------------------------------------------------------------


def org_preferences():
    """The organisation's row (unsaved and empty when no lead has set any)."""
    return WellnessPreferences.objects.filter(is_org=True).first() or WellnessPreferences(is_org=True)


def preferences_of(user):
    """The moderator's row (unsaved and empty until they save one)."""
    return WellnessPreferences.objects.filter(user=user).first() or WellnessPreferences(user=user)


def effective_settings(user, categories) -> dict:
    """Every setting the moderator sees an item with these category scores with (see the pure rules)."""
    org, mine = org_preferences(), preferences_of(user)
    return rules.effective(categories, org=org.defaults, org_overrides=org.overrides,
                           mine=mine.defaults, my_overrides=mine.overrides)


def rendition_settings(effective: dict) -> RenditionSettings:
    return RenditionSettings(blur=effective["blur"], grayscale=effective["grayscale"], sketch=effective["sketch"])


def do_save_preferences(user, defaults, overrides, *, org=False, request=None):
    """Save the moderator's own preferences (or, for a lead, the organisation's defaults) and record the
    change (old and new values) in the audit trail. Nothing changed: nothing is written."""
    if not is_moderator(user):
        raise ReviewError("not_a_moderator", "Only trust-and-safety moderators can do that.", http_status=403)
    if org and not _is_lead(user):
        raise ReviewError("not_a_lead", "Only a moderation lead can change the organisation's defaults.", http_status=403)
    defaults, overrides = rules.clean(defaults), rules.clean_overrides(overrides)
    with transaction.atomic():
        row = org_preferences() if org else preferences_of(user)
        if row.pk is not None:
            row = WellnessPreferences.objects.select_for_update().get(pk=row.pk)
        before = {"defaults": row.defaults, "overrides": row.overrides}
        after = {"defaults": defaults, "overrides": overrides}
        if before == after:
            return row, False
        row.defaults, row.overrides, row.updated_at = defaults, overrides, timezone.now()
        row.save()
        record_audit_event(
            AuditEventType.WELLNESS_DEFAULTS_CHANGED if org else AuditEventType.WELLNESS_PREFERENCES_CHANGED,
            actor=Actor(user=user), target=row, extra={"before": before, "after": after}, request=request,
        )
    return row, True


# --- renditions ---------------------------------------------------------------------------------------


def _cached(asset, name, build) -> bytes:
    """The bytes stored under `name` beside the asset's storage, built (once) when missing."""
    storage = asset.file.storage
    if storage.exists(name):
        with storage.open(name, "rb") as handle:
            return handle.read()
    data = build()
    saved = storage.save(name, ContentFile(data))
    if saved != name:  # another request built it at the same time: keep theirs, drop ours
        storage.delete(saved)
    return data


def _name(asset, settings_key, suffix) -> str:
    return f"{RENDITION_PREFIX}/{asset.public_id}/{asset.sha256[:16]}-{settings_key}{suffix}"


def still_rendition(asset, rendition: RenditionSettings, *, side=640) -> bytes:
    """A JPEG of the asset (a picture, or a still of a clip) rendered for a reviewer, cached per settings."""

    def build():
        with asset.file.open("rb") as handle:
            if asset.content_type.startswith("video/"):
                source = renditions.video_still(handle, max_side=640)
            else:
                source = Image.open(io.BytesIO(handle.read()))
                source.draft("RGB", (640, 640))
        source.thumbnail((side, side))
        return renditions.still_jpeg(source, rendition, max_side=side)

    return _cached(asset, _name(asset, rendition.key, f"-{side}.jpg"), build)


def delete_renditions(asset) -> int:
    """Delete every cached reviewer rendition of the asset (when the asset itself goes); returns how many."""
    storage, folder = asset.file.storage, f"{RENDITION_PREFIX}/{asset.public_id}"
    try:
        _dirs, names = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return 0
    for name in names:
        storage.delete(f"{folder}/{name}")
    return len(names)


def video_rendition(asset, rendition: RenditionSettings) -> bytes:
    """The reviewer clip of a video asset (small, short, silent, treated per frame), cached per settings."""

    def build():
        with asset.file.open("rb") as handle:
            return renditions.render_video(handle, rendition)

    return _cached(asset, _name(asset, rendition.key, ".mp4"), build)


# --- exposure -----------------------------------------------------------------------------------------


def do_record_exposure(user, seconds, *, now=None) -> int:
    """Add up to HEARTBEAT_MAX_S seconds of graphic viewing to the moderator's day; returns what was added."""
    seconds = max(0, min(HEARTBEAT_MAX_S, int(seconds)))
    if not seconds:
        return 0
    now = now or timezone.now()
    day = now.date()
    updated = ExposureDay.objects.filter(user=user, day=day).update(seconds=F("seconds") + seconds, updated_at=now)
    if not updated:
        try:
            with transaction.atomic():
                ExposureDay.objects.create(user=user, day=day, seconds=seconds, updated_at=now)
        except IntegrityError:  # created by a parallel heartbeat in between
            ExposureDay.objects.filter(user=user, day=day).update(seconds=F("seconds") + seconds, updated_at=now)
    return seconds


def minutes_today(user, *, now=None) -> int:
    now = now or timezone.now()
    seconds = ExposureDay.objects.filter(user=user, day=now.date()).values_list("seconds", flat=True).first() or 0
    return seconds // 60


def soft_limit_minutes() -> int:
    return settings.MODERATION_EXPOSURE_SOFT_LIMIT_MINUTES


def over_soft_limit(user, *, now=None) -> bool:
    return minutes_today(user, now=now) >= soft_limit_minutes()


def exposure_report(*, now=None) -> list[dict]:
    """Every moderator (and lead) with their graphic minutes today and over the last 7 days (today included),
    the most exposed first."""
    now = now or timezone.now()
    today, week_start = now.date(), now.date() - dt.timedelta(days=6)
    people = get_user_model().objects.filter(Q(is_moderator=True) | Q(is_superuser=True)).filter(is_active=True)
    totals = {
        row["user"]: row for row in ExposureDay.objects.filter(day__gte=week_start, day__lte=today).values("user").annotate(
            week=Sum("seconds"), today=Sum("seconds", filter=Q(day=today)))
    }
    limit = soft_limit_minutes()
    rows = []
    for person in people:
        row = totals.get(person.pk, {})
        minutes = (row.get("today") or 0) // 60
        rows.append({"user": person, "today": minutes, "week": (row.get("week") or 0) // 60, "over": minutes >= limit})
    return sorted(rows, key=lambda row: (-row["today"], -row["week"], row["user"].email))

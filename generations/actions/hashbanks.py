"""Hash banks: known violating images and clips, matched against every input image and every output.

A bank (`HashBank`) holds PDQ hashes for one harm category with one action: `block`, `hold` or `report`.
Its entries are images (the hashes of the image's eight rotations and flips and of fifteen crops) or clips (the distinct hashes
of frames sampled at 1 fps). Every process keeps all active banks in memory as two multi-index hash
indexes (see `generations.moderation.visual.hashing`), loaded on first use and reloaded when the banks'
signature changes (their count, last change and summed revisions: one query on the small bank table;
every entry saved or deleted bumps its bank's revision).

What matches what:
- an input image: against image entries (any of their eight variants);
- an output clip (sampled at 1 fps): against clip entries by vPDQ's two-way rule (≥ 60 % of the clip's
  distinct sampled frames match some banked frame, and the matched banked frames cover ≥ 60 % of the banked
  clip's seconds), and each of its frames against image entries (a banked still shown in a clip is caught).

Banks are operator-wide (no team) or one team's; a team's bank never matches another team's media.
"""

import dataclasses
import logging
import threading
from collections.abc import Iterable, Sequence

import numpy as np
from django.db import transaction
from django.db.models import Count, F, Max, Sum
from django.utils import timezone

from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.models import AuditEventType
from generations.actions import review_queue
from generations.models import HashBank, HashBankAction, HashBankEntry, HashMediaKind, ReviewKind
from generations.moderation.visual import hashing

logger = logging.getLogger(__name__)

ACTION_RANK = {HashBankAction.REPORT: 1, HashBankAction.HOLD: 2, HashBankAction.BLOCK: 3}
# ThreatExchange's name for a PDQ signal (python-threatexchange PdqSignal.get_name()).
PDQ_SIGNAL_TYPE = "pdq"


@dataclasses.dataclass(frozen=True)
class BankInfo:
    id: int
    name: str
    category: str
    team_id: int | None
    action: str
    threshold: int


@dataclasses.dataclass(frozen=True)
class HashMatch:
    bank: BankInfo
    entry_id: int
    distance: int
    matched_as: str  # image | clip | frame
    variant: str = ""  # which rotation or flip of a banked image matched
    query_fraction: float | None = None
    banked_fraction: float | None = None
    t: float | None = None  # the output frame that matched a banked image
    role: str = ""  # the input image that matched

    @property
    def action(self):
        return self.bank.action

    def as_record(self) -> dict:
        record = {
            "bank": self.bank.name, "bank_id": self.bank.id, "category": self.bank.category, "action": self.bank.action,
            "entry": self.entry_id, "distance": self.distance, "threshold": self.bank.threshold, "matched_as": self.matched_as,
        }
        extras = {"variant": self.variant, "query_fraction": self.query_fraction, "banked_fraction": self.banked_fraction,
                  "t": self.t, "role": self.role}
        record.update({name: (round(value, 3) if isinstance(value, float) else value)
                       for name, value in extras.items() if value not in (None, "")})
        return record


def strongest(matches: Sequence[HashMatch]) -> HashMatch | None:
    """Pure: the match that decides: the most severe action, then the nearest."""
    if not matches:
        return None
    return min(matches, key=lambda match: (-ACTION_RANK[match.action], match.distance, match.entry_id))


def match_record(matches: Sequence[HashMatch], *, hash_s: float | None = None) -> dict | None:
    """What a generation and its audit event keep of the matches: the deciding one, then up to five others."""
    decisive = strongest(matches)
    if decisive is None:
        return None
    record = decisive.as_record()
    others = [match.as_record() for match in sorted(matches, key=lambda m: (-ACTION_RANK[m.action], m.distance))
              if match is not decisive][:5]
    if others:
        record["others"] = others
    if hash_s is not None:
        record["hash_s"] = round(hash_s, 4)
    return record


# --- the in-memory banks ----------------------------------------------------------------------------------


class LoadedBanks:
    """Every active bank's hashes, indexed. Immutable once built."""

    def __init__(self, banks: dict, image_rows: tuple, frame_rows: tuple, clip_frames: dict):
        self.banks = banks  # {bank id: BankInfo}
        hexes, self.image_entry, self.image_bank, self.image_variant = image_rows
        self.image_index = hashing.HashIndex.from_hex(hexes)
        frame_hexes, self.frame_entry, self.frame_bank, self.frame_number = frame_rows
        self.frame_index = hashing.HashIndex.from_hex(frame_hexes)
        self.clip_frames = clip_frames  # {entry id: number of seconds of the banked clip holding a hashed frame}

    @property
    def entry_count(self):
        return len(set(self.image_entry.tolist())) + len(self.clip_frames)

    def _applies(self, bank_id, team_id):
        bank = self.banks[bank_id]
        return bank.team_id is None or bank.team_id == team_id

    def _search_threshold(self):
        return max((bank.threshold for bank in self.banks.values()), default=0)

    def match_image_hash(self, hex_hash: str, *, team_id=None, role="", t=None, matched_as="image") -> list[HashMatch]:
        if not self.banks or not len(self.image_index):
            return []
        best = {}
        for row, dist in self.image_index.lookup(hex_hash, threshold=self._search_threshold()):
            bank_id, entry_id = int(self.image_bank[row]), int(self.image_entry[row])
            bank = self.banks[bank_id]
            if dist > bank.threshold or not self._applies(bank_id, team_id):
                continue
            if entry_id not in best or dist < best[entry_id].distance:
                best[entry_id] = HashMatch(bank, entry_id, dist, matched_as,
                                           variant=hashing.VARIANT_NAMES[int(self.image_variant[row])], role=role, t=t)
        return list(best.values())

    def match_clip(self, frames: Sequence[hashing.FrameHash], *, team_id=None,
                   fraction=hashing.VIDEO_MATCH_FRACTION) -> list[HashMatch]:
        distinct = hashing.distinct_hashes(frames)
        if not distinct or not self.banks:
            return []
        matches = []
        if len(self.frame_index):
            search = self._search_threshold()
            pairs = []
            for query_number, hex_hash in enumerate(distinct):
                for row, dist in self.frame_index.lookup(hex_hash, threshold=search):
                    bank_id = int(self.frame_bank[row])
                    if dist <= self.banks[bank_id].threshold and self._applies(bank_id, team_id):
                        pairs.append(((int(self.frame_entry[row]), bank_id), query_number, int(self.frame_number[row]), dist))
            for (entry_id, bank_id), entry_pairs in hashing.group_pairs(pairs).items():
                comparison = hashing.compare_clips(entry_pairs, query_frames=len(distinct),
                                                   banked_frames=self.clip_frames[entry_id])
                if comparison.matches(fraction):
                    matches.append(HashMatch(self.banks[bank_id], entry_id, comparison.best_distance, "clip",
                                             query_fraction=comparison.query_fraction,
                                             banked_fraction=comparison.banked_fraction))
        # A banked image seen in any frame.
        first_t = {}
        for frame in frames:
            first_t.setdefault(frame.hex, frame.t)
        seen = {}
        for hex_hash in distinct:
            for match in self.match_image_hash(hex_hash, team_id=team_id, t=first_t[hex_hash], matched_as="frame"):
                if match.entry_id not in seen or match.distance < seen[match.entry_id].distance:
                    seen[match.entry_id] = match
        return matches + list(seen.values())


def build_banks(banks: Iterable[BankInfo], entries: Iterable[tuple]) -> LoadedBanks:
    """Pure: the loaded banks from BankInfo rows and (entry id, bank id, media kind, hashes, frame times) rows.
    A clip's frame rows carry the second they fall in (`frame_number`), which its match counts."""
    banks = {bank.id: bank for bank in banks}
    image_hex, image_entry, image_bank, image_variant = [], [], [], []
    frame_hex, frame_entry, frame_bank, frame_number = [], [], [], []
    clip_frames = {}
    for entry_id, bank_id, kind, hashes, times in entries:
        if bank_id not in banks:
            continue
        if kind == HashMediaKind.VIDEO:
            times = list(times or []) + [None] * max(0, len(hashes or []) - len(times or []))
            seconds = set()
            for number, (value, t) in enumerate(zip(hashes or [], times, strict=False)):
                if not hashing.is_pdq_hex(value):
                    continue
                second = int(t) if t is not None else number  # imported clips without times: one hash a second
                seconds.add(second)
                frame_hex.append(value.lower())
                frame_entry.append(entry_id)
                frame_bank.append(bank_id)
                frame_number.append(second)
            clip_frames[entry_id] = len(seconds)
        else:
            valid = [value.lower() for value in hashes or [] if hashing.is_pdq_hex(value)]
            for variant, value in enumerate(valid[:len(hashing.VARIANT_NAMES)]):
                image_hex.append(value)
                image_entry.append(entry_id)
                image_bank.append(bank_id)
                image_variant.append(variant)
    return LoadedBanks(
        banks,
        (image_hex, np.array(image_entry, dtype=np.int64), np.array(image_bank, dtype=np.int64),
         np.array(image_variant, dtype=np.int8)),
        (frame_hex, np.array(frame_entry, dtype=np.int64), np.array(frame_bank, dtype=np.int64),
         np.array(frame_number, dtype=np.int32)),
        clip_frames,
    )


_cache = {"signature": None, "banks": None}
_cache_lock = threading.Lock()


def banks_signature():
    """Changes whenever a bank is added, removed or edited or an entry is saved or deleted."""
    summary = HashBank.objects.aggregate(count=Count("id"), changed=Max("updated_at"), revisions=Sum("revision"))
    return (summary["count"], summary["changed"], summary["revisions"])


def loaded_banks() -> LoadedBanks:
    """The banks as this process has them in memory, reloaded if they changed since."""
    signature = banks_signature()
    if _cache["signature"] == signature and _cache["banks"] is not None:
        return _cache["banks"]
    with _cache_lock:
        if _cache["signature"] != signature or _cache["banks"] is None:
            active = [
                BankInfo(row["id"], row["name"], row["category"], row["team_id"], row["action"], min(row["distance_threshold"],
                                                                                                     hashing.MAX_THRESHOLD))
                for row in HashBank.objects.filter(active=True).values("id", "name", "category", "team_id", "action",
                                                                       "distance_threshold")
            ]
            rows = HashBankEntry.objects.filter(bank__active=True).values_list("id", "bank_id", "media_kind", "hashes",
                                                                                "frame_times")
            _cache["banks"] = build_banks(active, rows.iterator(chunk_size=5000))
            _cache["signature"] = signature
            logger.info("hash banks loaded: %d banks", len(active))
    return _cache["banks"]


# --- matching media -------------------------------------------------------------------------------------


def match_input_images(images: Sequence[tuple[str, bytes]], *, team_id, clips: Sequence[tuple[str, object]] = ()) -> dict | None:
    """The record of the strongest bank match among a request's input images ((role, bytes) pairs) and the
    clips it references ((name, path) pairs: omni-video's video_list, hashed as an output clip is), or None."""
    banks = loaded_banks()
    if not banks.banks:
        return None
    started = timezone.now()
    matches = []
    for name, path in clips:
        matches += [dataclasses.replace(match, role=name) for match in banks.match_clip(hashing.hash_video(path), team_id=team_id)]
    for role, data in images:
        try:
            pdq = hashing.hash_image(hashing.open_image(data))
        except hashing.HashingError:
            continue  # the image checks that follow refuse what does not decode
        if pdq.quality < hashing.MIN_QUALITY:
            continue  # a flat image: PDQ's hash of it says nothing (as for flat frames of a clip)
        matches += banks.match_image_hash(pdq.hex, team_id=team_id, role=str(role))
    return match_record(matches, hash_s=(timezone.now() - started).total_seconds())


def match_output_images(images: Sequence[tuple[str, bytes]], *, team_id) -> dict | None:
    """The record of the strongest bank match among an image generation's stills ((name, bytes) pairs), matched
    as input images are (each against the banked images and their variants), or None."""
    return match_input_images(images, team_id=team_id)


def match_output_clip(path, *, team_id) -> dict | None:
    """The record of the strongest bank match of a rendered clip (its frames at 1 fps), or None."""
    banks = loaded_banks()
    if not banks.banks:
        return None
    started = timezone.now()
    frames = hashing.hash_video(path)
    record = match_record(banks.match_clip(frames, team_id=team_id), hash_s=(timezone.now() - started).total_seconds())
    if record is not None:
        record["frames_hashed"] = len(frames)
    return record


def do_open_hash_report(generation, *, stage, match: dict):
    """A `report` bank matched and the generation went on: a review item records it for a moderator. Rejecting
    it withholds the clip and strikes the author, as for a teammate's report."""
    category = match.get("category", "default")
    message = (f"Matched hash bank {match.get('bank')} ({category}) at distance {match.get('distance')}"
               f" ({match.get('matched_as')}); the bank's action is report, so the generation went on.")
    return review_queue.do_open_item(
        generation=generation, kind=ReviewKind.REPORT, stage=stage, categories={category: 1.0}, severity=1.0, priority=2,
        message=message,
    )


# --- managing banks -------------------------------------------------------------------------------------


class HashBankError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _actor(user):
    return Actor(user=user) if user is not None else SYSTEM


def bank_record(bank) -> dict:
    """What an audit event keeps of a bank."""
    return {"bank": bank.name, "bank_id": bank.pk, "category": bank.category, "action": bank.action,
            "threshold": bank.distance_threshold, "active": bank.active, "team": bank.team.slug if bank.team_id else None}


def record_bank_event(event_type, bank, *, user=None, via="", request=None, **extra):
    """One audit event for a change to a bank or its entries (the command, the admin and the actions all
    come through here). `via` says which door: `manage.py hashbank`, `admin`, `moderation`."""
    record_audit_event(event_type, actor=_actor(user), team=bank.team if bank.team_id else None, target=bank,
                       extra={**bank_record(bank), **({"via": via} if via else {}), **extra}, request=request)


@transaction.atomic
def do_create_bank(*, name, category, action=HashBankAction.BLOCK, team=None, threshold=hashing.DEFAULT_THRESHOLD,
                   created_by=None, via="", request=None) -> HashBank:
    if threshold > hashing.MAX_THRESHOLD:
        raise HashBankError(f"a bank's threshold is at most {hashing.MAX_THRESHOLD}")
    if HashBank.objects.filter(name=name).exists():
        raise HashBankError(f"a bank named {name} already exists")
    bank = HashBank.objects.create(name=name, category=category, action=action, team=team, distance_threshold=threshold,
                                   created_by=created_by)
    record_bank_event(AuditEventType.HASH_BANK_CREATED, bank, user=created_by, via=via, request=request)
    return bank


def image_entry_fields(data: bytes) -> dict:
    image = hashing.open_image(data)
    variants, quality = hashing.hash_image_variants(image)
    return {"media_kind": HashMediaKind.IMAGE, "pdq_hash": variants[0], "hashes": variants, "quality": quality}


def clip_entry_fields(path) -> dict:
    """A banked clip keeps every frame's hash (a copy checked at 1 fps then finds its frames whatever its
    sampling phase or trim)."""
    frames = hashing.distinct_frames(hashing.hash_video(path, fps=None))
    if not frames:
        raise HashBankError("the clip has no frame detailed enough to hash (every frame is below quality 50)")
    return {"media_kind": HashMediaKind.VIDEO, "pdq_hash": frames[0].hex, "hashes": [frame.hex for frame in frames],
            "frame_times": [frame.t for frame in frames], "quality": min(frame.quality for frame in frames)}


def media_entry_fields(path) -> dict:
    """The entry fields of an image or clip file (raises HashBankError or HashingError when it cannot be banked)."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        fields = image_entry_fields(data)
    except hashing.HashingError:  # not a still image: a clip, or nothing hashable (then this raises)
        fields = clip_entry_fields(path)
    if fields["media_kind"] == HashMediaKind.IMAGE and fields["quality"] < hashing.MIN_QUALITY:
        raise HashBankError(f"the image is too flat to hash reliably (PDQ quality {fields['quality']} < {hashing.MIN_QUALITY})")
    return fields


def do_add_media(bank, *, path=None, fields=None, note="", added_by=None, source_generation=None, via="",
                 request=None) -> HashBankEntry:
    """Bank an image or a clip from a file (images by their dihedral and crop hashes, clips by their frames),
    or from entry fields already computed (`media_entry_fields`)."""
    fields = fields if fields is not None else media_entry_fields(path)
    with transaction.atomic():
        entry = HashBankEntry.objects.create(bank=bank, note=note[:300], added_by=added_by,
                                             source_generation=source_generation, **fields)
        record_bank_event(AuditEventType.HASH_BANK_ENTRY_ADDED, bank, user=added_by, via=via, request=request,
                          entry=entry.pk, media_kind=entry.media_kind, pdq_hash=entry.pdq_hash, hashes=len(entry.hashes),
                          note=entry.note, source_generation=str(source_generation.public_id) if source_generation else None)
    return entry


def parse_signal_lines(lines: Iterable[str]) -> tuple[list[tuple[str, int | None, str]], list[str]]:
    """Pure: (hash, quality or None, note) of every PDQ line, and the lines refused, with why.

    Reads python-threatexchange's signal file (LocalFileSignalExchangeAPI: one signal per line, `pdq <hash>`,
    or a bare `<hash>` when the file holds only PDQ), and the reference PDQ hasher's output
    (`<hash>,<quality>,<filename>`). Blank lines and `#` comments are skipped; other signal types refused."""
    parsed, refused = [], []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        signal_type, _, rest = line.partition(" ")
        if hashing.is_pdq_hex(signal_type.split(",")[0]):
            rest, signal_type = line, PDQ_SIGNAL_TYPE
        if signal_type.lower() != PDQ_SIGNAL_TYPE:
            refused.append(f"line {number}: signal type {signal_type!r} is not {PDQ_SIGNAL_TYPE}")
            continue
        fields = [field.strip() for field in rest.strip().split(",")]
        value = fields[0].lower()
        if not hashing.is_pdq_hex(value):
            refused.append(f"line {number}: not a 64-digit hex PDQ hash")
            continue
        quality = None
        if len(fields) > 1 and fields[1].isdigit():
            quality = int(fields[1])
        note = fields[2] if len(fields) > 2 else ""
        parsed.append((value, quality, note))
    return parsed, refused


@transaction.atomic
def do_import_signals(bank, lines: Iterable[str], *, added_by=None, via="", request=None) -> tuple[int, list[str]]:
    """Bank every PDQ hash of a ThreatExchange signal file as an image entry. An imported hash has no image,
    so no rotations: only the hash itself is banked. Returns (how many added, lines refused)."""
    parsed, refused = parse_signal_lines(lines)
    existing = set(bank.entries.values_list("pdq_hash", flat=True))
    rows = []
    for value, quality, note in parsed:
        if value in existing:
            continue
        existing.add(value)
        rows.append(HashBankEntry(bank=bank, media_kind=HashMediaKind.IMAGE, pdq_hash=value, hashes=[value],
                                  quality=quality or 0, note=(note or "imported")[:300], added_by=added_by))
    HashBankEntry.objects.bulk_create(rows, batch_size=5000)
    bump_revision(bank.pk)
    record_bank_event(AuditEventType.HASH_BANK_IMPORTED, bank, user=added_by, via=via, request=request, added=len(rows),
                      refused=len(refused), duplicates=len(parsed) - len(rows))
    return len(rows), refused


def export_signal_lines(bank) -> Iterable[str]:
    """python-threatexchange's signal file for a bank: `pdq <hash>` per line, one per banked image (its
    hash as it was banked, not its rotations or crops) and one per distinct frame of each banked clip."""
    for kind, pdq_hash, hashes in bank.entries.order_by("pk").values_list("media_kind", "pdq_hash", "hashes").iterator():
        for value in (hashes if kind == HashMediaKind.VIDEO else [pdq_hash]):
            yield f"{PDQ_SIGNAL_TYPE} {value}"


def bump_revision(*bank_ids):
    HashBank.objects.filter(pk__in=bank_ids).update(revision=F("revision") + 1, updated_at=timezone.now())


def match_file(path, *, team_id=None) -> list[HashMatch]:
    """Every bank match of an image or clip file (for `manage.py hashbank match`)."""
    with open(path, "rb") as handle:
        data = handle.read()
    banks = loaded_banks()
    try:
        image = hashing.open_image(data)
    except hashing.HashingError:
        return banks.match_clip(hashing.hash_video(path), team_id=team_id)
    return banks.match_image_hash(hashing.hash_image(image).hex, team_id=team_id)

"""Perceptual hashes of images and clips, and an index that finds banked hashes near them.

PDQ (Meta's 256-bit perceptual hash, the reference C++ implementation through the `pdqhash` bindings)
for images and for frames of a clip sampled at about 1 fps. Two hashes match when their Hamming
distance is at most a threshold (31 by default, PDQ's "confident match"). A hash is written as 64 hex
digits, its first bit the most significant: the form python-threatexchange and HMA read and write.

PDQ is not invariant to mirroring or rotation: `hash_image_dihedral` gives the eight hashes of the
image's rotations and flips in one pass (as PDQ's reference tooling offers), and banks store all eight,
so a mirrored or rotated copy of a banked image matches its variant. PDQ is also sensitive to cropping
(2.5 % off every edge moves a hash by 40–80 bits), so `hash_image_variants` adds the hashes of fifteen
crops of the banked image (centred 4/8/12 %, 4 and 8 % off each edge, 5 % off each corner): a copy cropped
by up to ~12 % from the centre or ~10 % from one edge then lands within the threshold of one of them.

Clips follow vPDQ's rule, both ways. A banked clip keeps the hash of every frame (quality ≥ 50, exact
repeats removed) with its time; a clip checked against the banks is sampled at 1 fps. It matches when at
least `VIDEO_MATCH_FRACTION` of its distinct sampled hashes match some banked frame AND the matched banked
frames cover at least that fraction of the banked clip's seconds. So a trimmed or re-encoded copy matches
whatever its sampling phase (the bank has every frame), while a short excerpt of a long banked clip, or a
long clip with a banked second spliced in, does not match on its own.

`HashIndex` is multi-index hashing: the 256 bits are cut into 16 chunks of 16 bits; two hashes within
distance 31 agree on at least one chunk up to one bit (pigeonhole: 16 chunks each differing in two or
more bits would be 32 or more), so a lookup probes 16 × 17 buckets and measures full distances only for
what it finds there.

Nothing here touches the database; the banks that feed the index live in `generations.actions.hashbanks`.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

DEFAULT_THRESHOLD = 31
# Multi-index hashing finds every hash within this distance, and no bank may ask for more.
MAX_THRESHOLD = 31
MIN_QUALITY = 50
VIDEO_SAMPLE_FPS = 1.0
VIDEO_MATCH_FRACTION = 0.6
# PDQ shrinks everything to 64×64 through a Jarosz filter; hashing a large image at ≤ 512 px gives the
# same hash to within a bit or two, at a fraction of the cost.
_HASH_LONG_SIDE = 512
_CHUNKS = 16
_CHUNK_BITS = 16
_BUCKETS = 1 << _CHUNK_BITS
_PROBES_PER_CHUNK = _CHUNK_BITS + 1
_DIHEDRAL_NAMES = ("original", "rot90", "rot180", "rot270", "flip_vertical", "flip_horizontal", "rot90_flip_vertical",
                   "rot90_flip_horizontal")


class HashingError(Exception):
    """The file could not be read as an image or a clip."""


@dataclass(frozen=True)
class PdqHash:
    hex: str
    quality: int


@dataclass(frozen=True)
class FrameHash:
    t: float
    hex: str
    quality: int


# --- hashing -------------------------------------------------------------------------------------------


def _pdq():
    # pdqhash is a compiled extension; imported where hashing happens so that reading this module (the
    # index, the hex helpers) never needs it.
    import pdqhash

    return pdqhash


def bits_to_hex(bits) -> str:
    packed = np.packbits(np.asarray(bits, dtype=np.uint8) & 1)
    return packed.tobytes().hex()


def _rgb_array(image: Image.Image) -> np.ndarray:
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGB")
    if max(image.size) > _HASH_LONG_SIDE:
        image = image.copy()
        image.thumbnail((_HASH_LONG_SIDE, _HASH_LONG_SIDE), Image.Resampling.BOX)
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # PIL raises many kinds for a file that is not an image
        raise HashingError(f"not an image: {exc}") from exc
    return image


def hash_image(image: Image.Image) -> PdqHash:
    """The PDQ hash of an image and PDQ's quality score (0–100; below 50 the image is too flat to trust)."""
    bits, quality = _pdq().compute(_rgb_array(image))
    return PdqHash(bits_to_hex(bits), int(quality))


def hash_image_dihedral(image: Image.Image) -> tuple[list[str], int]:
    """The hashes of the image's eight rotations and flips (original first), and its quality."""
    vectors, quality = _pdq().compute_dihedral(_rgb_array(image))
    return [bits_to_hex(bits) for bits in vectors], int(quality)


# (name, left, top, right, bottom): the fraction of the width or height cut off each edge.
_CROPS = (
    *((f"crop_centre_{total}", total / 200, total / 200, total / 200, total / 200) for total in (4, 8, 12)),
    *((f"crop_left_{cut}", cut / 100, 0, 0, 0) for cut in (4, 8)),
    *((f"crop_right_{cut}", 0, 0, cut / 100, 0) for cut in (4, 8)),
    *((f"crop_top_{cut}", 0, cut / 100, 0, 0) for cut in (4, 8)),
    *((f"crop_bottom_{cut}", 0, 0, 0, cut / 100) for cut in (4, 8)),
    ("crop_top_left_5", 0.05, 0.05, 0, 0), ("crop_top_right_5", 0, 0.05, 0.05, 0),
    ("crop_bottom_left_5", 0.05, 0, 0, 0.05), ("crop_bottom_right_5", 0, 0, 0.05, 0.05),
)
VARIANT_NAMES = _DIHEDRAL_NAMES + tuple(crop[0] for crop in _CROPS)


def dihedral_names() -> tuple[str, ...]:
    return _DIHEDRAL_NAMES


def hash_image_variants(image: Image.Image) -> tuple[list[str], int]:
    """What a bank stores of an image: its eight dihedral hashes (original first), then the hashes of its
    crops, in VARIANT_NAMES order; and the original's quality."""
    hashes, quality = hash_image_dihedral(image)
    image = ImageOps.exif_transpose(image).convert("RGB")
    width, height = image.size
    for _name, left, top, right, bottom in _CROPS:
        box = (round(width * left), round(height * top), round(width * (1 - right)), round(height * (1 - bottom)))
        hashes.append(hash_image(image.crop(box)).hex)
    return hashes, quality


def hash_frames(frames: Iterable[tuple[float, np.ndarray]], *, min_quality=MIN_QUALITY) -> list[FrameHash]:
    """PDQ of each (t, RGB array) frame; flat frames (quality below `min_quality`) are left out."""
    pdqhash = _pdq()
    hashes = []
    for t, array in frames:
        bits, quality = pdqhash.compute(np.ascontiguousarray(array))
        if quality >= min_quality:
            hashes.append(FrameHash(round(float(t), 3), bits_to_hex(bits), int(quality)))
    return hashes


def sample_video_frames(path, *, fps=VIDEO_SAMPLE_FPS, long_side=256) -> Iterable[tuple[float, np.ndarray]]:
    """(t, RGB array) of the first frame at or after every 1/fps seconds of the clip (every frame when fps
    is None), decoded once."""
    # PyAV loads FFmpeg's libraries: only the processes that hash clips pay for it.
    import av

    step = 1.0 / fps if fps else 0.0
    next_t = 0.0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            first_pts_t = None
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = float(frame.pts * stream.time_base)
                first_pts_t = t if first_pts_t is None else first_pts_t
                t -= first_pts_t
                if t + 1e-6 < next_t:
                    continue
                scale = long_side / max(frame.width, frame.height)
                width = max(16, int(round(frame.width * scale / 2)) * 2)
                height = max(16, int(round(frame.height * scale / 2)) * 2)
                yield t, frame.to_ndarray(format="rgb24", width=width, height=height)
                while step and next_t <= t + 1e-6:
                    next_t += step
    except (av.FFmpegError, IndexError) as exc:
        raise HashingError(f"not a readable clip: {exc}") from exc


def hash_video(path, *, fps=VIDEO_SAMPLE_FPS, min_quality=MIN_QUALITY) -> list[FrameHash]:
    """PDQ of the clip's frames sampled at `fps` (every frame when None), flat frames left out."""
    return hash_frames(sample_video_frames(path, fps=fps), min_quality=min_quality)


def distinct_hashes(frames: Sequence[FrameHash]) -> list[str]:
    """The frames' hashes with exact repeats removed, in order of first appearance."""
    return list(dict.fromkeys(frame.hex for frame in frames))


def distinct_frames(frames: Sequence[FrameHash]) -> list[FrameHash]:
    """The frames whose hash did not appear earlier in the clip."""
    seen, kept = set(), []
    for frame in frames:
        if frame.hex not in seen:
            seen.add(frame.hex)
            kept.append(frame)
    return kept


# --- distances -----------------------------------------------------------------------------------------


def hex_to_words(hexes: Sequence[str]) -> np.ndarray:
    """(n, 4) uint64: each 64-hex-digit hash as four big-endian words."""
    if not len(hexes):
        return np.zeros((0, 4), dtype=np.uint64)
    raw = bytes.fromhex("".join(hexes))
    if len(raw) != 32 * len(hexes):
        raise ValueError("every PDQ hash is 64 hex digits")
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 4)


def is_pdq_hex(value: str) -> bool:
    if len(value) != 64:
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


def distance(hex_a: str, hex_b: str) -> int:
    return int((int(hex_a, 16) ^ int(hex_b, 16)).bit_count())


def _chunks(words: np.ndarray) -> np.ndarray:
    """(n, 16) of 16-bit chunks, chunk j being hex digits 4j..4j+3."""
    shifts = np.array([48, 32, 16, 0], dtype=np.uint64)
    parts = (words[:, :, None] >> shifts[None, None, :]) & np.uint64(0xFFFF)
    return parts.reshape(words.shape[0], _CHUNKS).astype(np.int64)


# --- the index -----------------------------------------------------------------------------------------


class HashIndex:
    """Every banked hash in memory, for lookups within distance ≤ 31.

    `labels[i]` is whatever the caller attached to the i-th hash (an entry id); lookups return row
    numbers and distances, and the caller maps rows to labels. Built once, read by many threads.
    """

    _PROBES = np.concatenate([[0], 1 << np.arange(_CHUNK_BITS)]).astype(np.int64)

    def __init__(self, words: np.ndarray):
        self.words = np.ascontiguousarray(words, dtype=np.uint64)
        n = self.words.shape[0]
        # One contiguous array per 64-bit word: a lookup measures the first word of every candidate,
        # then the second of those still within the threshold, and so on (most drop out after one or two).
        self._columns = [np.ascontiguousarray(self.words[:, k]) for k in range(4)]
        chunks = _chunks(self.words) if n else np.zeros((0, _CHUNKS), dtype=np.int64)
        self.rows = np.empty((_CHUNKS, n), dtype=np.int32)
        self.offsets = np.empty((_CHUNKS, _BUCKETS + 1), dtype=np.int64)
        for j in range(_CHUNKS):
            column = chunks[:, j]
            self.rows[j] = np.argsort(column, kind="stable")
            self.offsets[j, 0] = 0
            np.cumsum(np.bincount(column, minlength=_BUCKETS), out=self.offsets[j, 1:])
        self._flat_rows = self.rows.reshape(-1)

    @classmethod
    def from_hex(cls, hexes: Sequence[str]) -> HashIndex:
        return cls(hex_to_words(hexes))

    def __len__(self):
        return self.words.shape[0]

    def candidates(self, query_words: np.ndarray) -> np.ndarray:
        """Rows sharing some chunk with the query up to one bit (a superset of those within 31)."""
        q_chunks = _chunks(query_words.reshape(1, 4))[0]
        probes = q_chunks[:, None] ^ self._PROBES[None, :]  # (16, 17)
        chunk_ids = np.arange(_CHUNKS)[:, None]
        starts = self.offsets[chunk_ids, probes].ravel()
        ends = self.offsets[chunk_ids, probes + 1].ravel()
        lengths = ends - starts
        total = int(lengths.sum())
        if not total:
            return np.zeros(0, dtype=np.int32)
        # Flat positions in self.rows for every probed bucket, without a Python loop over buckets.
        base = (np.repeat(np.arange(_CHUNKS), _PROBES_PER_CHUNK) * len(self)) + starts
        cumulative = np.cumsum(lengths) - lengths
        positions = np.repeat(base - cumulative, lengths) + np.arange(total)
        # Rows found through two chunks appear twice; they are rare and cheaper to measure twice than to
        # deduplicate here (the survivors are deduplicated in `lookup`).
        return self._flat_rows[positions]

    def lookup(self, hex_or_words, *, threshold=DEFAULT_THRESHOLD) -> list[tuple[int, int]]:
        """[(row, distance)] of every indexed hash within `threshold` (≤ 31) of the query, nearest first."""
        if threshold > MAX_THRESHOLD:
            raise ValueError(f"the index finds matches up to distance {MAX_THRESHOLD}")
        if not len(self):
            return []
        query = hex_to_words([hex_or_words]) if isinstance(hex_or_words, str) else np.asarray(hex_or_words, dtype=np.uint64)
        query = query.reshape(4)
        rows = self.candidates(query)
        if not rows.size:
            return []
        distances = np.zeros(rows.shape[0], dtype=np.int32)
        for k in range(4):
            distances += np.bitwise_count(self._columns[k][rows] ^ query[k])
            within = distances <= threshold
            if not within.all():
                rows, distances = rows[within], distances[within]
            if not rows.size:
                return []
        found = dict(sorted(zip(rows.tolist(), distances.tolist(), strict=True), key=lambda pair: pair[1]))
        return sorted(found.items(), key=lambda pair: (pair[1], pair[0]))



def brute_force_lookup(words: np.ndarray, query_hex: str, *, threshold=DEFAULT_THRESHOLD) -> list[tuple[int, int]]:
    """The same answer as HashIndex.lookup by measuring every distance: the reference the index is tested against."""
    query = hex_to_words([query_hex])[0]
    distances = np.bitwise_count(words ^ query[None, :]).sum(axis=1)
    rows = np.nonzero(distances <= threshold)[0]
    rows = rows[np.argsort(distances[rows], kind="stable")]
    return [(int(row), int(distances[row])) for row in rows]


# --- clip rule ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipComparison:
    query_fraction: float  # of the query's distinct frames, the share that match some banked frame
    banked_fraction: float  # of the banked clip's seconds, the share holding a frame some query frame matches
    best_distance: int

    def matches(self, fraction=VIDEO_MATCH_FRACTION) -> bool:
        return self.query_fraction >= fraction and self.banked_fraction >= fraction


def compare_clips(frame_pairs: Iterable[tuple[int, int, int]], *, query_frames: int, banked_frames: int) -> ClipComparison:
    """Pure: the vPDQ comparison from the (query frame, banked second, distance) pairs within the threshold;
    `banked_frames` is the number of seconds of the banked clip that hold a hashed frame."""
    query_hit, banked_hit, best = set(), set(), None
    for query_frame, banked_frame, dist in frame_pairs:
        query_hit.add(query_frame)
        banked_hit.add(banked_frame)
        best = dist if best is None else min(best, dist)
    return ClipComparison(
        query_fraction=len(query_hit) / query_frames if query_frames else 0.0,
        banked_fraction=len(banked_hit) / banked_frames if banked_frames else 0.0,
        best_distance=best if best is not None else 256,
    )


def group_pairs(pairs: Iterable[tuple[object, int, int, int]]) -> dict:
    """{clip label: [(query frame, banked frame, distance)]} from (label, query frame, banked frame, distance)."""
    grouped = defaultdict(list)
    for label, query_frame, banked_frame, dist in pairs:
        grouped[label].append((query_frame, banked_frame, dist))
    return grouped

"""How fast and how complete is hash-bank matching? `run_hashbank_bench(n)` builds, in memory (no database),
an index of `n` random PDQ hashes (default 1,000,000) plus planted near-duplicates, and measures:

- build time and memory of the index;
- lookups per second at distance ≤ 31, for queries that match nothing (the common case) and for planted ones;
- recall of the planted near-duplicates: 1,000 hashes at 0–31 flipped bits from a banked one (must be 1.0:
  multi-index hashing is exact), and real ones: photographs and procedural images banked as the studio banks
  them (dihedral and crop variants), queried with their JPEG-50, 80 %-resized, 5 %-cropped and mirrored copies;
- false matches of 10,000 random queries (unrelated by construction);
- PDQ hashing time per image (512², 1280×720) and per 5 s simulator clip, at 1 fps (an output check) and
  every frame (banking it).

    python manage.py bench hashbank --json
    python manage.py bench hashbank -n 200000
"""

from __future__ import annotations

import io
import random
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from generations.moderation.visual import hashing
from generations.simulator.render import render_clip

PLANTED = 1_000
RANDOM_QUERIES = 10_000


def random_words(rng, n):
    return rng.integers(0, np.iinfo(np.uint64).max, size=(n, 4), dtype=np.uint64, endpoint=True)


def flip_bits(row, count, rng):
    row = row.copy()
    for bit in rng.choice(256, count, replace=False):
        row[bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
    return row


def _real_images():
    """Photographs (scikit-image's, when installed) and a few drawn scenes."""
    images = []
    try:
        # scikit-image is a test extra: its photographs are only used when present.
        from skimage import data as skdata

        images += [Image.fromarray(getattr(skdata, name)()) for name in ("astronaut", "coffee", "chelsea", "rocket", "camera")]
    except ImportError:
        pass
    for seed in range(10):
        rng = random.Random(seed)
        image = Image.new("RGB", (640, 480), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        draw = ImageDraw.Draw(image)
        for _ in range(12):
            x, y = rng.randrange(640), rng.randrange(480)
            draw.ellipse((x, y, x + rng.randrange(30, 300), y + rng.randrange(30, 300)),
                         fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        images.append(image)
    return images


def reencoded(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def near_duplicates(image: Image.Image) -> dict:
    """The copies a bank must still catch: JPEG quality 50, resized to 80 %, 5 % cropped (2.5 % off every
    edge, re-saved as JPEG 80), mirrored."""
    width, height = image.size
    crop = image.crop((round(width * 0.025), round(height * 0.025), round(width * 0.975), round(height * 0.975)))
    return {
        "jpeg_q50": reencoded(image, 50),
        "resized_80": image.resize((int(width * 0.8), int(height * 0.8)), Image.Resampling.BILINEAR),
        "cropped_5": reencoded(crop, 80),
        "mirrored": image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    }


def _rate(index, queries, threshold=hashing.DEFAULT_THRESHOLD):
    started = time.perf_counter()
    results = [index.lookup(query, threshold=threshold) for query in queries]
    return len(queries) / (time.perf_counter() - started), results


def run_hashbank_bench(n: int = 1_000_000, seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    words = random_words(rng, n)

    # Real near-duplicates: every banked variant of each image joins the index, labelled by image.
    images = _real_images()
    real_rows, real_labels = [], []
    for number, image in enumerate(images):
        variants, _quality = hashing.hash_image_variants(image)
        real_rows += variants
        real_labels += [number] * len(variants)
    real_words = hashing.hex_to_words(real_rows)

    planted_rows = rng.choice(n, PLANTED, replace=False)
    planted_queries = [flip_bits(words[row], int(rng.integers(0, 32)), rng) for row in planted_rows]

    started = time.perf_counter()
    index = hashing.HashIndex(np.vstack([words, real_words]))
    build_s = time.perf_counter() - started
    memory = index.words.nbytes + index.rows.nbytes + index.offsets.nbytes + sum(c.nbytes for c in index._columns)

    random_queries = list(random_words(rng, RANDOM_QUERIES))
    index.lookup(random_queries[0])  # warm
    miss_rate, miss_results = _rate(index, random_queries)
    planted_rate, planted_results = _rate(index, planted_queries)
    recall = sum(any(row == int(planted) for row, _ in found) for planted, found in zip(planted_rows, planted_results, strict=True))

    real_found, real_total, real_missed = 0, 0, []
    for number, image in enumerate(images):
        for name, copy in near_duplicates(image).items():
            found = index.lookup(hashing.hash_image(copy).hex)
            hit = any(row >= n and real_labels[row - n] == number for row, _ in found)
            real_total += 1
            real_found += hit
            if not hit:
                real_missed.append(f"{number}:{name}")

    timings = _hash_timings()
    return {
        "entries": n + len(real_rows),
        "random_entries": n,
        "build_s": round(build_s, 2),
        "index_mb": round(memory / 1e6, 1),
        "lookups_per_s_no_match": round(miss_rate),
        "lookups_per_s_planted": round(planted_rate),
        "planted": PLANTED,
        "planted_recall": round(recall / PLANTED, 4),
        "real_near_duplicates": real_total,
        "real_recall": round(real_found / real_total, 4),
        "real_missed": real_missed,
        "random_queries": RANDOM_QUERIES,
        "false_matches": sum(bool(found) for found in miss_results),
        **timings,
    }


def _hash_timings(repeats=10) -> dict:
    sizes = {"512x512": (512, 512), "1280x720": (1280, 720)}
    out = {}
    noise = np.random.default_rng(1)
    for label, (width, height) in sizes.items():
        image = Image.fromarray(noise.integers(0, 256, (height, width, 3), dtype=np.uint8))
        started = time.perf_counter()
        for _ in range(repeats):
            hashing.hash_image(image)
        out[f"hash_image_ms_{label}"] = round((time.perf_counter() - started) / repeats * 1000, 1)
        started = time.perf_counter()
        for _ in range(3):
            hashing.hash_image_variants(image)
        out[f"bank_image_ms_{label}"] = round((time.perf_counter() - started) / 3 * 1000, 1)
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "clip.mp4"
        path.write_bytes(render_clip("a bench clip of a harbour at dusk", duration=5.0, seed=0, fps=24))
        started = time.perf_counter()
        for _ in range(3):
            sampled = hashing.hash_video(path)
        out["hash_clip_5s_1fps_ms"] = round((time.perf_counter() - started) / 3 * 1000, 1)
        out["hash_clip_5s_1fps_frames"] = len(sampled)
        started = time.perf_counter()
        every = hashing.hash_video(path, fps=None)
        out["hash_clip_5s_every_frame_ms"] = round((time.perf_counter() - started) * 1000, 1)
        out["hash_clip_5s_every_frame_frames"] = len(every)
    return out

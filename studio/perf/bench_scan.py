"""How fast is the output scan? `run_scan_bench()` renders a 10 s portrait 720×1280 clip with varied
content and hard cuts, scans it with the configured detector stack (loaded and warmed first, as a
worker does before its first job) and reports scan time against clip length.

Target on a 2-core machine: ratio = scan_s / clip_s ≤ 0.10.
"""

from __future__ import annotations

import math
import os
import statistics
import tempfile
import time
from fractions import Fraction

import av
import numpy as np

from generations.moderation.visual.detectors import active_detectors, warm_up
from generations.moderation.visual.scanning import scan_video


def render_bench_clip(
    path,
    *,
    duration: float = 10.0,
    size: tuple[int, int] = (720, 1280),
    fps: int = 24,
    cuts: tuple[float, ...] = (2.5, 5.0, 7.5),
    seed: int = 0,
) -> str:
    """Four kinds of shot separated by hard cuts: a drifting gradient with moving discs, a panned noise
    texture, sliding colour bars and a zooming checkerboard, all with a light film grain, so the encoder
    and the decoder have real work (a flat synthetic clip would decode unrealistically fast)."""
    width, height = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    texture = rng.integers(0, 256, size=(height // 8 + 1, (width + width // 2) // 8 + 1, 3), dtype=np.uint8)
    texture = np.repeat(np.repeat(texture, 8, axis=0), 8, axis=1)[:height]
    grain = rng.integers(-6, 7, size=(8, height, width, 1), dtype=np.int16)
    frame_count = max(1, round(duration * fps))

    def shot(kind: int, t: float) -> np.ndarray:
        if kind == 0:
            base = np.stack(
                [
                    128 + 100 * np.sin(xx / 140 + t),
                    128 + 100 * np.sin(yy / 210 - t * 0.7),
                    np.full_like(xx, 150),
                ],
                axis=-1,
            )
            for i in range(4):
                cx = width * (0.5 + 0.35 * math.sin(t * (0.9 + i * 0.3) + i))
                cy = height * (0.5 + 0.35 * math.cos(t * (0.6 + i * 0.2) + 2 * i))
                disc = (xx - cx) ** 2 + (yy - cy) ** 2 < (60 + 15 * i) ** 2
                base[disc] = (255 - 50 * i, 60 * i, 200)
            return base
        if kind == 1:
            offset = int(t * 40) % (width // 2)
            return texture[:, offset : offset + width].astype(np.float32)
        if kind == 2:
            bars = ((xx + t * 120) // 90).astype(np.int32) % 6
            palette = np.array([[230, 40, 40], [40, 230, 40], [40, 40, 230], [230, 230, 40], [40, 230, 230], [230, 40, 230]], np.float32)
            return palette[bars]
        scale = 40 + 20 * math.sin(t)
        checks = ((xx // scale).astype(np.int32) + (yy // scale).astype(np.int32)) % 2
        return np.where(checks[..., None] == 1, np.float32(220), np.float32(35)) * np.ones(3, np.float32)

    with av.open(os.fspath(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23"}
        stream.codec_context.time_base = Fraction(1, fps)
        for index in range(frame_count):
            t = index / fps
            kind = sum(t >= cut for cut in cuts) % 4
            pixels = shot(kind, t).astype(np.int16) + grain[index % len(grain)]
            frame = av.VideoFrame.from_ndarray(np.clip(pixels, 0, 255).astype(np.uint8), format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return os.fspath(path)


def run_scan_bench(
    *, duration: float = 10.0, size: tuple[int, int] = (720, 1280), fps: int = 24, repeats: int = 3
) -> dict:
    """Scan a freshly rendered clip `repeats` times with warm detectors; scan_s is the median run."""
    load_started = time.perf_counter()
    warm_up()
    load_s = time.perf_counter() - load_started
    detectors, skipped = active_detectors()
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as workdir:
        path = render_bench_clip(os.path.join(workdir, "bench.mp4"), duration=duration, size=size, fps=fps)
        verdicts, cpu = [], []
        for _ in range(max(1, repeats)):
            cpu_started = time.process_time()
            verdicts.append(scan_video(path))
            cpu.append(time.process_time() - cpu_started)
    runs = [verdict.scan_s for verdict in verdicts]
    scan_s = statistics.median(runs)
    verdict = verdicts[0]
    return {
        "scan_s": round(scan_s, 4),
        "frames": verdict.frames_scored,
        "clip_s": round(verdict.duration_s, 3),
        "ratio": round(scan_s / verdict.duration_s, 4),
        "frames_total": verdict.frames_total,
        "size": f"{size[0]}x{size[1]}",
        "runs_s": [round(run, 4) for run in runs],
        # CPU seconds of each run (all threads): wall ≈ cpu / cores in use. When other processes hold a
        # core, wall time grows while this stays put.
        "cpu_s": [round(value, 4) for value in cpu],
        "score_s": verdict.timings.get("score_s"),
        "decode_s": verdict.timings.get("decode_s"),
        "load_s": round(load_s, 3),
        "cuts_found_s": verdict.sampling.get("cuts_s"),
        "verdict": verdict.verdict,
        "detectors": [detector.label for detector in detectors],
        "skipped": skipped,
        "cpu_count": os.cpu_count(),
    }

"""How well and how fast does the video watermark work? `run()` measures, on simulator renders:

- PSNR of marked against unmarked frames;
- recovery of the payload from the stored file (CRF 18) and after each attack the issue names —
  libx264 CRF 35, 50 % downscale, 10 % crop (5 % each side, and 10 % off one corner) — for flat renders
  (the simulator's gradients and shapes as they are) and textured ones (a panned film grain over them,
  closer to real footage), at 360p and at 720p;
- false positives: detection with the studio's key on `unmarked` clips it did not mark;
- time to embed and to detect per second of 720p video (frames in memory; decode/encode not counted);
- `mark_video` (the delivery path: file in, file out, audio kept, optional label): wall time per clip and its
  ratio to the clip's duration at 360p and 720p, with and without the label, for the libx264 presets and
  thread counts it could use; PSNR of its output (lossless run, label box excluded) and recovery of the
  payload from its output after the same attacks.

    .venv/bin/python -c "from studio.perf.bench_watermark import run; print(run())"
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np

from generations.provenance import watermark as wm
from generations.simulator.media import AudioClip
from generations.simulator.render import encode_mp4, render_clip

KEY = b"bench-install-secret"
PAYLOAD = bytes.fromhex("5a17c0ffee42")
ATTACKS = ("stored", "crf35", "half", "crop_sides", "crop_corner")


def decode(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def encode(frames: list[np.ndarray], crf: int) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def clip(prompt: str, seed: int, *, duration: float, height: int = 360, textured: bool = True) -> list[np.ndarray]:
    frames = decode(render_clip(prompt, duration=duration, aspect_ratio="16:9", seed=seed))
    if height != frames[0].shape[0]:
        width = height * 16 // 9
        frames = [cv2.resize(f, (width, height), interpolation=cv2.INTER_CUBIC) for f in frames]
    if not textured:
        return frames
    height, width = frames[0].shape[:2]
    rng = np.random.default_rng(seed)
    grain = cv2.GaussianBlur(rng.normal(0, 12, (height, width + 2 * len(frames))).astype(np.float32), (0, 0), 1.2)
    return [np.clip(f + grain[:, 2 * i : 2 * i + width, None], 0, 255).astype(np.uint8) for i, f in enumerate(frames)]


def attack(name: str, frames: list[np.ndarray]) -> list[np.ndarray]:
    height, width = frames[0].shape[:2]
    cy, cx = round(height * 0.05) // 2 * 2, round(width * 0.05) // 2 * 2
    if name == "stored":
        return frames
    if name == "crf35":
        return decode(encode(frames, 35))
    if name == "half":
        return decode(encode([cv2.resize(f, (width // 2, height // 2), interpolation=cv2.INTER_AREA) for f in frames], 23))
    if name == "crop_sides":
        return decode(encode([np.ascontiguousarray(f[cy : height - cy, cx : width - cx]) for f in frames], 23))
    if name == "crop_corner":
        return decode(encode([np.ascontiguousarray(f[2 * cy :, 2 * cx :]) for f in frames], 23))
    raise ValueError(name)


def psnr(original: list[np.ndarray], marked: list[np.ndarray]) -> float:
    mse = np.mean([np.mean((a.astype(np.float64) - b) ** 2) for a, b in zip(original, marked, strict=True)])
    return float(10 * np.log10(255.0**2 / mse))


def robustness(*, height: int, textured: bool, seeds: tuple[int, ...], duration: float) -> dict:
    result: dict = {"psnr_db": [], **{name: 0 for name in ATTACKS}, "clips": len(seeds), "wrong_payload": 0, "pilot_z": {n: [] for n in ATTACKS}}
    for seed in seeds:
        original = clip(f"a marked clip {seed}: a fox, a lighthouse, the sea", seed, duration=duration, height=height, textured=textured)
        marked = wm.embed(original, PAYLOAD, KEY)
        result["psnr_db"].append(round(psnr(original, marked), 2))
        _count_attacks(result, decode(encode(marked, 18)))
    return result


def _count_attacks(result: dict, stored: list[np.ndarray]) -> None:
    """Run every attack on the stored frames and count, in `result`, recoveries, wrong payloads and pilot peaks."""
    for name in ATTACKS:
        detection = wm.detect(attack(name, stored), KEY)
        result[name] += int(detection.found and detection.payload == PAYLOAD)
        result["wrong_payload"] += int(detection.found and detection.payload != PAYLOAD)
        result["pilot_z"][name].append(round(detection.pilot_z, 1))


def clip_file(path, frames: list[np.ndarray], *, fps: int = 24) -> None:
    """Write frames as the studio stores a clip (H.264 via the simulator's encoder) with a 440 Hz AAC track."""
    rate = 48000
    t = np.arange(round(len(frames) / fps * rate)) / rate
    tone = AudioClip((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate)
    height, width = frames[0].shape[:2]
    with open(path, "wb") as fh:
        fh.write(encode_mp4(frames, width=width, height=height, fps=fps, audio=tone))


def decode_file(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def mark_video_timing(
    *, height: int, duration: float = 4.0, presets=("ultrafast", "superfast", "veryfast"), threads=(1, 2), repeat: int = 2
) -> dict:
    """Wall time of mark_video (file to file, audio copied) over its clip's duration: {"preset/threads/label": ratio}."""
    rows: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.mp4", Path(folder) / "out.mp4"
        clip_file(source, clip("a timed clip: a heron, a lake, reeds", 11, duration=duration, height=height))
        for preset in presets:
            for count in threads:
                for label in (None, "AI-generated"):
                    seconds = min(
                        wm.mark_video(source, target, payload=PAYLOAD, key=KEY, label=label, preset=preset, threads=count).seconds
                        for _ in range(repeat)
                    )
                    rows[f"{preset}/t{count}/{'label' if label else 'plain'}"] = round(seconds / duration, 3)
    return rows


def mark_video_robustness(*, height: int, seeds: tuple[int, ...], duration: float, label: str | None = "AI-generated") -> dict:
    """mark_video's output (textured clips, label on): PSNR against the input (a lossless run, label box left out)
    and payload recovery from the delivered file (default CRF) after each attack."""
    result: dict = {"psnr_db": [], **{name: 0 for name in ATTACKS}, "clips": len(seeds), "wrong_payload": 0}
    result["pilot_z"] = {name: [] for name in ATTACKS}
    with tempfile.TemporaryDirectory() as folder:
        source, lossless, delivered = (Path(folder) / name for name in ("in.mp4", "lossless.mp4", "out.mp4"))
        for seed in seeds:
            clip_file(source, clip(f"a delivered clip {seed}: a fox, a lighthouse", seed, duration=duration, height=height))
            wm.mark_video(source, lossless, payload=PAYLOAD, key=KEY, label=label, crf=0)
            original, marked = decode_file(source), decode_file(lossless)
            keep = np.ones(original[0].shape[:2], bool)
            if label:
                top, left, bottom, right = wm.label_box(*keep.shape, label)
                keep[top:bottom, left:right] = False
            result["psnr_db"].append(round(psnr([f[keep] for f in original], [f[keep] for f in marked]), 2))
            wm.mark_video(source, delivered, payload=PAYLOAD, key=KEY, label=label)
            _count_attacks(result, decode_file(delivered))
    return result


def run(unmarked: int = 50, marked_clips: int = 3, duration: float = 2.0) -> dict:
    report: dict = {}
    seeds = tuple(range(1, marked_clips + 1))
    for height in (360, 720):
        for textured in (False, True):
            report[f"{height}p_{'textured' if textured else 'flat'}"] = robustness(
                height=height, textured=textured, seeds=seeds, duration=duration
            )

    # Speed at 720p, frames already in memory.
    frames = clip("timing clip", 7, duration=duration, height=720)
    started = time.perf_counter()
    marked = wm.embed(frames, PAYLOAD, KEY)
    embed_s = time.perf_counter() - started
    started = time.perf_counter()
    wm.detect(marked, KEY)
    detect_s = time.perf_counter() - started
    report["seconds_per_video_second_720p"] = {"embed": round(embed_s / duration, 3), "detect": round(detect_s / duration, 3)}

    # The delivery path: file to file with audio, at the chosen preset and the alternatives.
    report["mark_video_seconds_per_video_second"] = {
        "360p": mark_video_timing(height=360),
        "720p": mark_video_timing(height=720),
        "chosen": f"{wm.X264_PRESET}/t{wm.X264_THREADS}",
        "budget": 0.15,
    }
    for height in (360, 720):
        report[f"mark_video_{height}p_textured_labelled"] = mark_video_robustness(height=height, seeds=seeds, duration=duration)

    # False positives: the studio's key on clips it did not mark (half flat, half textured).
    found, worst_z = 0, 0.0
    for index in range(unmarked):
        frames = clip(f"someone else's clip {index}", 1000 + index, duration=duration, textured=index % 2 == 0)
        detection = wm.detect(frames, KEY)
        found += int(detection.found)
        worst_z = max(worst_z, detection.pilot_z)
    report["false_positives"] = {"found": found, "of": unmarked, "max_pilot_z": round(worst_z, 2), "threshold": wm.PILOT_Z}
    return report


if __name__ == "__main__":
    import json  # only when run as a script

    print(json.dumps(run(), indent=1))

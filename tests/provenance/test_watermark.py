"""The video watermark survives the attacks the issue names and stays out of clips the studio did not mark.

Clips are the simulator's renders (2 s, 640×360) with a panned film-grain texture over them, as real
footage has; marked once, stored at CRF 18 as the studio would, then attacked.
"""

import io

import av
import cv2
import numpy as np
import pytest

from generations.provenance import watermark as wm
from generations.simulator.render import render_clip

KEY = b"install-secret-0123456789abcdef"
PAYLOAD = bytes.fromhex("0123456789ab")


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


def textured_clip(prompt: str, seed: int, duration: float = 2.0) -> list[np.ndarray]:
    frames = decode(render_clip(prompt, duration=duration, aspect_ratio="16:9", seed=seed))
    height, width = frames[0].shape[:2]
    rng = np.random.default_rng(seed)
    grain = cv2.GaussianBlur(rng.normal(0, 12, (height, width + 2 * len(frames))).astype(np.float32), (0, 0), 1.2)
    return [
        np.clip(frame + grain[:, 2 * i : 2 * i + width, None], 0, 255).astype(np.uint8)
        for i, frame in enumerate(frames)
    ]


def psnr(original: list[np.ndarray], marked: list[np.ndarray]) -> float:
    mse = np.mean([np.mean((a.astype(np.float64) - b) ** 2) for a, b in zip(original, marked, strict=True)])
    return float(10 * np.log10(255.0**2 / mse))


@pytest.fixture(scope="module")
def clip():
    original = textured_clip("a red fox runs through a snowy forest", seed=1)
    marked = wm.embed(original, PAYLOAD, KEY)
    stored = decode(encode(marked, 18))
    return original, marked, stored


def test_the_mark_is_invisible_by_psnr(clip):
    original, marked, _ = clip
    assert psnr(original, marked) >= 40.0


def test_the_payload_comes_back_from_the_stored_file(clip):
    detection = wm.detect(clip[2], KEY)
    assert detection.found and detection.payload == PAYLOAD
    assert detection.confidence > 0.2


def test_a_wrong_key_finds_nothing(clip):
    assert not wm.detect(clip[2], b"another install").found


def attack(name, frames):
    height, width = frames[0].shape[:2]
    if name == "crf35":
        return decode(encode(frames, 35))
    if name == "half":
        return decode(
            encode([cv2.resize(f, (width // 2, height // 2), interpolation=cv2.INTER_AREA) for f in frames], 23)
        )
    cy, cx = round(height * 0.05) // 2 * 2, round(width * 0.05) // 2 * 2
    if name == "crop_sides":
        return decode(encode([np.ascontiguousarray(f[cy : height - cy, cx : width - cx]) for f in frames], 23))
    if name == "crop_corner":
        return decode(encode([np.ascontiguousarray(f[2 * cy :, 2 * cx :]) for f in frames], 23))
    raise ValueError(name)


@pytest.mark.parametrize("name", ["crf35", "half", "crop_sides", "crop_corner"])
def test_the_payload_survives(clip, name):
    detection = wm.detect(attack(name, clip[2]), KEY)
    assert detection.found, detection
    assert detection.payload == PAYLOAD


def test_unmarked_clips_give_no_payload():
    found = 0
    for seed in range(20):
        frames = textured_clip(f"unmarked clip number {seed}", seed=100 + seed, duration=0.5)
        found += wm.detect(frames, KEY).found
    assert found == 0


def test_the_crc_and_the_video_helpers(tmp_path):
    assert wm.crc16(b"123456789") == 0x29B1
    source = tmp_path / "in.mp4"
    source.write_bytes(encode(textured_clip("a lighthouse at dusk", seed=3, duration=1.0), 18))
    written = wm.embed_video(source, tmp_path / "out.mp4", PAYLOAD, KEY)
    assert written == 24
    detection = wm.detect_video(tmp_path / "out.mp4", KEY)
    assert detection.found and detection.payload == PAYLOAD
    assert not wm.detect_video(source, KEY).found

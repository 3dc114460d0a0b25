"""Checking a file is bounded whatever the file: big frames cost a few frames, not gigabytes; oversize
and undecodable files are refused with stable codes."""

from fractions import Fraction

import av
import numpy as np
import pytest

from generations.provenance import verification
from generations.provenance.identity import WatermarkIdentity

IDENTITY = WatermarkIdentity(b"\x12\x34", b"k" * 32)


def write_clip(path, *, width, height, frames):
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        stream.codec_context.time_base = Fraction(1, 24)
        picture = np.zeros((height, width, 3), np.uint8)
        for index in range(frames):
            picture[:, :, 0] = (index * 8) % 256
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_a_large_frame_size_reads_only_what_the_pixel_budget_allows(tmp_path):
    path = tmp_path / "big.mp4"
    write_clip(path, width=4000, height=2250, frames=40)
    report = verification.inspect_file(path, trust_anchor_pem=None, mark_identity=IDENTITY)
    assert report["watermark"]["frames_read"] == verification.PIXEL_BUDGET // (4000 * 2250) < 40
    assert report["credentials"]["state"] == "missing" and not report["watermark"]["found"]


def test_frames_wider_than_the_limit_are_refused_before_decoding(tmp_path):
    path = tmp_path / "wide.mp4"
    write_clip(path, width=4160, height=16, frames=2)
    with pytest.raises(verification.UnsupportedMedia) as refused:
        verification.inspect_file(path, trust_anchor_pem=None, mark_identity=IDENTITY)
    assert refused.value.code == "media_too_large"


@pytest.mark.parametrize("head, code", [(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64, "media_unreadable"),
                                        (b"GIF89a" + b"\x00" * 64, "unsupported_media")])
def test_truncated_or_unknown_files_get_stable_codes(tmp_path, head, code):
    path = tmp_path / "file.bin"
    path.write_bytes(head)
    with pytest.raises(verification.UnsupportedMedia) as refused:
        verification.inspect_file(path, trust_anchor_pem=None, mark_identity=IDENTITY)
    assert refused.value.code == code

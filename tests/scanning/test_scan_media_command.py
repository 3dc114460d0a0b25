"""`manage.py scan_media PATH [--json]`: what an operator runs on a file."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from generations.simulator.render import render_clip


@pytest.fixture(scope="module")
def benign_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("cmd") / "clip.mp4"
    path.write_bytes(render_clip("sailboats on a calm bay at sunset", duration=2, aspect_ratio="16:9"))
    return str(path)


def run(*args):
    out = io.StringIO()
    call_command("scan_media", *args, stdout=out)
    return out.getvalue()


def test_it_prints_one_json_object_with_the_verdict(real_detectors, benign_clip):
    payload = json.loads(run(benign_clip, "--json"))
    assert payload["verdict"] == "allow"
    assert payload["detectors"][0].startswith("open_nsfw@")
    assert payload["frames_scored"] >= 4
    assert payload["deciding_frames"] == []
    assert payload["scan_s"] > 0
    assert payload["media"] == "video"
    assert "nudenet" in payload["skipped_detectors"] or any(d.startswith("nudenet@") for d in payload["detectors"])


def test_it_prints_a_readable_summary(real_detectors, benign_clip):
    text = run(benign_clip)
    assert "verdict: allow" in text
    assert "detectors: open_nsfw@" in text
    assert "frames scored: " in text
    assert "deciding frames: none" in text


def test_it_scans_an_image_as_one_frame(real_detectors, tmp_path):
    path = tmp_path / "input.jpg"
    Image.new("RGB", (640, 480), (70, 120, 200)).save(path, format="JPEG")
    payload = json.loads(run(str(path), "--json"))
    assert (payload["media"], payload["frames_scored"], payload["verdict"]) == ("image", 1, "allow")


@pytest.mark.parametrize(
    "content, code",
    [(b"plain text, not media\n" * 20, "scan_not_video"), (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200, "scan_corrupt")],
    ids=["text", "damaged-mp4"],
)
def test_it_fails_with_the_error_code_for_an_unreadable_file(real_detectors, tmp_path, content, code):
    path = tmp_path / "upload.mp4"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=code):
        run(str(path), "--json")


def test_it_fails_for_a_path_that_is_not_a_file(tmp_path):
    with pytest.raises(CommandError, match="scan_unreadable"):
        run(str(tmp_path / "nothing-here.mp4"))

"""Blurred evidence for reviewers: what a moderator sees by default."""

import io
import json

import av
import numpy as np
import pytest
from PIL import Image

from generations.moderation.visual.blur import PIXELATE, blur_image
from generations.moderation.visual.detectors import Box
from generations.moderation.visual.scanning import (
    ALLOW,
    BLOCK,
    blurred_poster,
    evidence_frames,
    scan_image,
    scan_video,
)
from tests.scanning.clips import read_barcode
from tests.scanning.conftest import FPS
from tests.scanning.doubles import FlaggingDetector


def sharp_image(size=(320, 240)):
    """Black and white stripes two pixels wide: any blur flattens them."""
    width, height = size
    stripes = (np.arange(width) // 2 % 2 * 255).astype(np.uint8)
    return Image.fromarray(np.tile(stripes, (height, 1))).convert("RGB")


def detail(image):
    """Mean absolute horizontal gradient: high for sharp stripes, near zero once blurred."""
    pixels = np.asarray(image.convert("L"), dtype=np.float32)
    return float(np.abs(np.diff(pixels, axis=1)).mean())


@pytest.mark.parametrize("mode", ["gaussian", PIXELATE])
def test_it_blurs_the_whole_frame_when_there_are_no_boxes(mode):
    image = sharp_image()
    blurred = blur_image(image, mode=mode)
    assert blurred.size == image.size
    assert detail(image) > 100
    assert detail(blurred) < detail(image) * 0.1


def test_it_blurs_only_inside_the_boxes_and_a_margin():
    image = sharp_image()
    box = Box("FEMALE_BREAST_EXPOSED", 0.9, 0.25, 0.25, 0.5, 0.5)
    blurred = blur_image(image, [box], margin=0.2)
    original, result = np.asarray(image), np.asarray(blurred)
    # Inside the box: flattened.
    assert detail(blurred.crop((80, 60, 160, 120))) < detail(image.crop((80, 60, 160, 120))) * 0.2
    # Well outside the grown box: untouched, pixel for pixel.
    assert np.array_equal(result[:, 200:], original[:, 200:])
    assert np.array_equal(result[150:, :], original[150:, :])


def test_it_takes_boxes_as_fractions_tuples_or_audit_dicts():
    image = sharp_image()
    as_box = blur_image(image, [Box("x", 1.0, 0.1, 0.1, 0.4, 0.4)])
    as_tuple = blur_image(image, [(0.1, 0.1, 0.4, 0.4)])
    as_dict = blur_image(image, [{"label": "x", "score": 1.0, "box": [0.1, 0.1, 0.4, 0.4]}])
    assert as_box.tobytes() == as_tuple.tobytes() == as_dict.tobytes()


def test_it_refuses_an_unknown_blur_mode():
    with pytest.raises(ValueError):
        blur_image(sharp_image(), mode="swirl")


def decode_jpeg(data):
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image.convert("RGB")


def test_it_extracts_the_deciding_frames_blurred_at_their_timestamps(cut_clip):
    verdict = scan_video(cut_clip, detectors=[FlaggingDetector([3.0], fps=FPS, score=0.97)])
    assert verdict.verdict == BLOCK
    evidence = evidence_frames(cut_clip, verdict)
    assert [t for t, _ in evidence] == [pytest.approx(3.0, abs=1 / FPS)]
    image = decode_jpeg(evidence[0][1])
    assert max(image.size) <= 640
    # Blurred whole (the detector gave no boxes): the hard edges of the sharp frame 72 are gone.
    sharp = sharp_frame(cut_clip, 72)
    assert read_barcode(sharp) == 72
    assert steepest_edge(sharp) > 150
    assert steepest_edge(image) < 30


def steepest_edge(image):
    """The largest step between neighbouring pixels: a hard edge is a jump of ~200, a blurred one a slope."""
    pixels = np.asarray(image.convert("L"), dtype=np.float32)
    return float(max(np.abs(np.diff(pixels, axis=0)).max(), np.abs(np.diff(pixels, axis=1)).max()))


def sharp_frame(path, wanted):
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index == wanted:
                return frame.to_image()
    raise AssertionError(f"no frame {wanted}")


def test_it_has_no_evidence_for_an_allowed_clip(cut_clip):
    verdict = scan_video(cut_clip, detectors=[FlaggingDetector()])
    assert verdict.verdict == ALLOW
    assert evidence_frames(cut_clip, verdict) == []


def test_it_makes_a_blurred_poster_from_the_strongest_deciding_frame(cut_clip):
    verdict = scan_video(cut_clip, detectors=[FlaggingDetector([3.0], fps=FPS, score=0.97)])
    poster = decode_jpeg(blurred_poster(cut_clip, verdict))
    # Frame 72 is red (the 2.0–3.3 s shot); blurred, it is still mostly red.
    red, green, blue = np.asarray(poster, dtype=np.float32).reshape(-1, 3).mean(axis=0)
    assert red > green + 60 and red > blue + 60
    assert detail(poster) < 3


def test_it_makes_a_blurred_poster_without_a_verdict(cut_clip):
    poster = decode_jpeg(blurred_poster(cut_clip))
    # Without a verdict the poster is the frame 30 % into the clip: frame 43 of 144, in the blue opening shot.
    sharp = sharp_frame(cut_clip, 43)
    assert read_barcode(sharp) == 43
    assert poster.size == sharp.size
    original, blurred = np.asarray(sharp, dtype=np.float32), np.asarray(poster, dtype=np.float32)
    assert np.abs(original.reshape(-1, 3).mean(axis=0) - blurred.reshape(-1, 3).mean(axis=0)).max() < 5  # same frame
    # Blurred, not merely re-encoded: the hard edges (barcode, moving square) are gone, so the pixels differ
    # from the sharp frame by far more than a JPEG round trip (about 0.5 levels on average) would.
    assert steepest_edge(sharp) > 150
    assert steepest_edge(poster) < 30
    assert np.abs(original - blurred).mean() > 8


def test_it_blurs_image_evidence_over_the_boxes(tmp_path):
    path = tmp_path / "input.png"
    sharp_image((400, 400)).save(path, format="PNG")

    class Flagging:
        name, version, categories, default_thresholds = "flag-all", "1", ("sexual",), {"sexual": (0.45, 0.8)}
        label = "flag-all@1"

        def score_frames(self, images):
            from generations.moderation.visual.detectors import FrameScore

            return [FrameScore({"sexual": 0.9}, (Box("BUTTOCKS_EXPOSED", 0.9, 0.0, 0.0, 0.5, 0.5),))] * len(images)

    verdict = scan_image(path, detectors=[Flagging()])
    assert verdict.verdict == BLOCK
    assert verdict.deciding_frames[0].boxes[0].label == "BUTTOCKS_EXPOSED"
    audit = json.loads(json.dumps(verdict.as_audit()))
    assert audit["deciding_frames"][0]["boxes"] == [{"label": "BUTTOCKS_EXPOSED", "score": 0.9, "box": [0.0, 0.0, 0.5, 0.5]}]
    [(t, jpeg)] = evidence_frames(path, verdict)
    image = decode_jpeg(jpeg)
    assert t == 0.0
    assert detail(image.crop((0, 0, 150, 150))) < 20  # the boxed corner is flattened
    assert detail(image.crop((260, 260, 400, 400))) > 60  # the rest stays sharp


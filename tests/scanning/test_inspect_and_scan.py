"""inspect_and_scan: a rendered result is checked, described and scanned from one decode, with the same
answers as probe_video, poster_jpeg and scan_video each decoding it on their own, and the same refusals."""

import io

import av
import pytest
from PIL import Image

from generations.inputs.media import MediaError, poster_jpeg, probe_video
from generations.moderation.visual.sampling import SamplingParams
from generations.moderation.visual.scanning import (
    ALLOW,
    BLOCK,
    REVIEW,
    DetectorUnavailable,
    ScanError,
    blurred_poster,
    evidence_frames,
    inspect_and_scan,
    scan_video,
    withheld_stills,
)
from tests.scanning.clips import read_barcode, render_clip
from tests.scanning.conftest import DURATION, FPS
from tests.scanning.doubles import FlaggingDetector
from tests.scanning.test_scan_video import _corrupt_middle, _png


@pytest.fixture
def opens(monkeypatch):
    """How many times a media file is opened for reading: one decode pass is one open."""
    count = []
    real_open = av.open

    def counting(file, mode="r", *args, **kwargs):
        if mode == "r":
            count.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(av, "open", counting)
    return count


@pytest.fixture(scope="module")
def gop_clip(tmp_path_factory):
    """B-frames (decode order differs from display order), a keyframe every second, index at the end."""
    return render_clip(
        tmp_path_factory.mktemp("gop") / "gop.mp4",
        duration=4.0,
        fps=FPS,
        scenes=((0.0, (40, 90, 160)), (2.5, (200, 60, 60))),
        preset="medium",
        keyframe_every=FPS,
    )


def _comparable(verdict):
    """A verdict's audit record without the wall-clock parts, which differ run to run."""
    record = verdict.as_audit()
    del record["scan_s"], record["timings"]
    return record


@pytest.mark.parametrize("clip", ["cut_clip", "gop_clip"])
@pytest.mark.parametrize(
    "flags",
    [
        pytest.param({}, id="allow"),
        pytest.param({"flag_at": [77], "scores": {index: 0.5 for index in range(70, 75)}}, id="block-off-grid"),
        pytest.param({"flag_at": range(30, 60), "score": 0.6}, id="review"),
    ],
)
def test_it_gives_the_same_answers_as_probing_and_scanning_separately(request, clip, flags):
    path = request.getfixturevalue(clip)
    inspected = inspect_and_scan(path, detectors=[FlaggingDetector(**flags)])
    assert inspected.info == probe_video(path)
    assert inspected.poster == poster_jpeg(path)
    assert _comparable(inspected.verdict) == _comparable(scan_video(path, detectors=[FlaggingDetector(**flags)]))


def test_the_poster_is_the_frame_about_thirty_percent_in(cut_clip):
    inspected = inspect_and_scan(cut_clip, detectors=[FlaggingDetector()])
    poster = Image.open(io.BytesIO(inspected.poster))
    assert poster.format == "JPEG" and max(poster.size) <= 640
    assert read_barcode(poster) == int(DURATION * FPS * 0.3)
    assert inspected.info.frames == DURATION * FPS and inspected.info.duration_s == pytest.approx(DURATION)
    assert (inspected.info.width, inspected.info.height, inspected.info.codec) == (320, 240, "h264")


def test_a_clip_nothing_flags_is_decoded_once(cut_clip, opens):
    inspected = inspect_and_scan(cut_clip, detectors=[FlaggingDetector()])
    assert inspected.verdict.verdict == ALLOW
    assert opens == [cut_clip]


def test_a_suspicious_frame_still_gets_its_dense_second_look(cut_clip, opens):
    detector = FlaggingDetector([77], score=0.97, scores={index: 0.5 for index in range(70, 75)})
    inspected = inspect_and_scan(cut_clip, detectors=[detector])
    assert inspected.verdict.verdict == BLOCK
    assert [frame.index for frame in inspected.verdict.deciding_frames if frame.score > 0.9] == [77]
    assert inspected.verdict.sampling["picked"]["dense"] > 0
    assert 77 in detector.seen
    # The first pass, then dense passes seeking around the suspicious frames (77, found by the first
    # of them, widens the look in a second).
    assert len(opens) > 1


def test_a_dense_budget_that_runs_out_sends_the_clip_to_review(cut_clip):
    detector = FlaggingDetector([77], score=0.97, scores={index: 0.5 for index in range(70, 75)})
    inspected = inspect_and_scan(cut_clip, detectors=[detector], sampling=SamplingParams(max_dense_frames=0))
    assert inspected.verdict.verdict == REVIEW
    assert inspected.verdict.sampling["dense_budget_exhausted"] is True


@pytest.fixture(scope="module", params=["faststart", "moov-last"])
def clip_bytes(request, tmp_path_factory):
    path = render_clip(
        tmp_path_factory.mktemp("bad") / "ok.mp4", duration=3.0, fps=24, faststart=request.param == "faststart"
    )
    with open(path, "rb") as fh:
        return fh.read()


@pytest.mark.parametrize(
    "make, code",
    [
        # A threaded decoder reads a cut-short file (index first) as a shorter clip: the frame count refuses it.
        pytest.param(lambda data: data[: len(data) // 2], "output_corrupt", id="truncated-half"),
        pytest.param(lambda data: data[: int(len(data) * 0.9)], "output_corrupt", id="truncated-tail"),
        pytest.param(lambda data: data[:1500], "output_corrupt", id="header-only"),
        pytest.param(_corrupt_middle, "output_corrupt", id="corrupt-middle"),
        pytest.param(lambda data: b"", "output_not_video", id="empty-file"),
        pytest.param(lambda data: b"<html>502 Bad Gateway</html>\n" * 40, "output_not_video", id="error-page"),
        pytest.param(lambda data: _png(), "output_not_video", id="image-named-mp4"),
    ],
)
def test_it_refuses_a_result_that_does_not_fully_decode(tmp_path, clip_bytes, make, code):
    path = tmp_path / "result.mp4"
    path.write_bytes(make(clip_bytes))
    with pytest.raises(MediaError) as caught:
        inspect_and_scan(path, detectors=[FlaggingDetector()])
    assert caught.value.code == code
    assert caught.value.message


def test_an_operator_problem_is_not_blamed_on_the_file(cut_clip):
    with pytest.raises(DetectorUnavailable):
        inspect_and_scan(cut_clip, detectors=[])

    class Broken(FlaggingDetector):
        def score_frames(self, images):
            raise RuntimeError("onnxruntime fell over")

    with pytest.raises(ScanError) as caught:
        inspect_and_scan(cut_clip, detectors=[Broken()])
    assert (caught.value.code, caught.value.permanent) == ("scan_detector_failed", False)


def test_withheld_stills_are_the_evidence_and_blurred_poster_from_one_decode(cut_clip, opens):
    verdict = scan_video(cut_clip, detectors=[FlaggingDetector([1.0, 3.0, 5.0], fps=FPS, score=0.97)])
    assert verdict.verdict == BLOCK
    expected = (evidence_frames(cut_clip, verdict), blurred_poster(cut_clip, verdict))
    opens.clear()
    assert withheld_stills(cut_clip, verdict) == expected
    assert len(opens) == 1
    assert [t for t, _ in expected[0]] == pytest.approx([1.0, 3.0, 5.0], abs=1 / FPS)

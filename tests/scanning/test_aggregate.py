"""Frame scores → clip verdict: the maximum with k-frame persistence, never a mean."""

import pytest

from generations.moderation.visual.aggregate import (
    ALLOW,
    BLOCK,
    PERSISTENT,
    REVIEW,
    SINGLE_FRAME,
    UNCONFIRMED,
    ScoredFrame,
    SeriesOutcome,
    Thresholds,
    aggregate_series,
    combine,
)

LIMITS = Thresholds(review=0.45, block=0.8)


def frames(spec, *, confirmed=True, background=0.02, length=None):
    """`spec` maps frame index → score; every other index up to `length` scores `background`."""
    length = length if length is not None else (max(spec) + 5 if spec else 10)
    return [ScoredFrame(index=i, t=i / 24, score=spec.get(i, background), confirmed=confirmed) for i in range(length)]


def sparse(spec, *, confirmed=False):
    return [ScoredFrame(index=i, t=i / 24, score=score, confirmed=confirmed) for i, score in spec.items()]


@pytest.mark.parametrize(
    "scored, k, level, deciding",
    [
        pytest.param(frames({}), 2, ALLOW, [], id="all-benign"),
        pytest.param([], 2, ALLOW, [], id="nothing-scored"),
        pytest.param(frames({7: 0.97}), 2, BLOCK, [(7, SINGLE_FRAME)], id="single-confirmed-block-frame-counts"),
        pytest.param(
            frames({7: 0.97, 30: 0.9}), 2, BLOCK, [(7, SINGLE_FRAME), (30, SINGLE_FRAME)], id="two-incidents-both-shown"
        ),
        pytest.param(frames({7: 0.6}), 2, ALLOW, [], id="single-confirmed-review-frame-is-noise"),
        pytest.param(frames({7: 0.6, 8: 0.6}), 2, REVIEW, [(7, PERSISTENT), (8, PERSISTENT)], id="two-review-frames-persist"),
        pytest.param(frames({7: 0.85, 8: 0.9}), 2, BLOCK, [(7, PERSISTENT), (8, PERSISTENT)], id="two-block-frames-persist"),
        pytest.param(frames({7: 0.85, 8: 0.5}), 2, BLOCK, [(7, SINGLE_FRAME)], id="block-peak-in-review-run"),
        pytest.param(frames({7: 0.45, 8: 0.45}), 2, REVIEW, [(7, PERSISTENT), (8, PERSISTENT)], id="at-threshold-counts"),
        pytest.param(frames({7: 0.449, 8: 0.9}), 2, BLOCK, [(8, SINGLE_FRAME)], id="just-below-does-not-persist"),
        pytest.param(sparse({10: 0.6, 12: 0.6}, confirmed=True), 2, ALLOW, [], id="non-consecutive-do-not-persist"),
        pytest.param(frames({5: 0.6, 6: 0.6}), 3, ALLOW, [], id="k3-needs-three"),
        pytest.param(
            frames({5: 0.6, 6: 0.7, 7: 0.6}),
            3,
            REVIEW,
            [(5, PERSISTENT), (6, PERSISTENT), (7, PERSISTENT)],
            id="k3-three-frames",
        ),
        pytest.param(sparse({12: 0.97}), 2, REVIEW, [(12, UNCONFIRMED)], id="unconfirmed-block-frame-goes-to-review"),
        pytest.param(sparse({12: 0.5}), 2, REVIEW, [(12, UNCONFIRMED)], id="unconfirmed-review-frame-goes-to-review"),
        pytest.param(sparse({12: 0.3}), 2, ALLOW, [], id="unconfirmed-benign-frame-allows"),
        pytest.param(
            frames({400: 0.95, 401: 0.95}, length=2000),
            2,
            BLOCK,
            [(400, PERSISTENT), (401, PERSISTENT)],
            id="short-scene-in-long-clip-never-averaged-away",
        ),
    ],
)
def test_it_aggregates_by_max_with_persistence(scored, k, level, deciding):
    outcome = aggregate_series(scored, LIMITS, k=k, clip_frames=2400)
    assert outcome.level == level
    assert [(entry.frame.index, entry.reason) for entry in outcome.deciding] == deciding


def test_it_reports_the_score_that_decided_and_the_peak():
    outcome = aggregate_series(frames({7: 0.85, 8: 0.5, 20: 0.6}), LIMITS, k=2)
    assert outcome.level == BLOCK
    assert outcome.score == 0.85
    assert outcome.persistent == 0.5
    allowed = aggregate_series(frames({20: 0.6}), LIMITS, k=2)
    assert (allowed.level, allowed.peak) == (ALLOW, 0.6)


def test_it_judges_a_clip_shorter_than_k_on_the_frames_it_has():
    one = [ScoredFrame(index=0, t=0.0, score=0.6, confirmed=True)]
    assert aggregate_series(one, LIMITS, k=2, clip_frames=1).level == REVIEW
    assert aggregate_series(one, LIMITS, k=2, clip_frames=1).deciding[0].reason == SINGLE_FRAME


def test_it_counts_a_duplicate_frame_once():
    twice = [ScoredFrame(index=3, t=0.125, score=0.6, confirmed=True)] * 2
    assert aggregate_series(twice, LIMITS, k=2, clip_frames=100).level == ALLOW


def test_it_keeps_a_reviewer_sized_set_of_deciding_frames():
    long_run = frames({i: 0.9 for i in range(10, 60)})
    outcome = aggregate_series(long_run, LIMITS, k=2)
    assert outcome.level == BLOCK
    assert 1 <= len(outcome.deciding) <= 6
    assert [entry.frame.index for entry in outcome.deciding] == sorted(entry.frame.index for entry in outcome.deciding)


@pytest.mark.parametrize("review, block", [(0.9, 0.5), (-0.1, 0.5), (0.5, 1.5)])
def test_it_refuses_inconsistent_thresholds(review, block):
    with pytest.raises(ValueError):
        Thresholds(review, block)


def outcome(level, score, index=None):
    deciding = ()
    if index is not None:
        from generations.moderation.visual.aggregate import Deciding

        deciding = (Deciding(ScoredFrame(index=index, t=index / 24, score=score, confirmed=True), SINGLE_FRAME),)
    return SeriesOutcome(level=level, score=score, peak=score, persistent=0.0, deciding=deciding)


def test_it_combines_detectors_by_the_most_severe_level():
    verdict, categories, deciding = combine(
        {
            ("open_nsfw", "sexual"): outcome(REVIEW, 0.6, index=30),
            ("nudenet", "sexual"): outcome(BLOCK, 0.9, index=31),
            ("other", "violence"): outcome(ALLOW, 0.1),
        }
    )
    assert verdict == BLOCK
    assert categories["sexual"]["level"] == BLOCK
    assert categories["sexual"]["detector"] == "nudenet"
    assert categories["violence"]["level"] == ALLOW
    # Only the series that set the verdict decide it.
    assert [(detector, entry.frame.index) for detector, _, entry in deciding] == [("nudenet", 31)]


def test_it_allows_with_no_deciding_frames_when_every_detector_allows():
    verdict, categories, deciding = combine({("open_nsfw", "sexual"): outcome(ALLOW, 0.05)})
    assert (verdict, deciding) == (ALLOW, ())
    assert categories == {"sexual": {"level": ALLOW, "score": 0.05, "peak": 0.05, "detector": "open_nsfw"}}

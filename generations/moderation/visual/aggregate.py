"""From per-frame scores to a clip's verdict: a pure function, table-tested.

The rule is the maximum with k-frame persistence, never a mean (a mean lets a short unsafe scene hide in
a long benign clip):

- a score counts once it holds for `k` consecutive frames: the clip's persistent score is the best
  over every run of k consecutive frame indices of the lowest score in that run;
- one frame at or above the block threshold counts on its own once its neighbourhood has been densely
  re-sampled ("confirmed"): a single inserted frame is a known evasion, and the dense look is what
  makes the rest of the rule trustworthy;
- a suspicious frame whose neighbourhood could not be examined (the dense budget ran out) can neither
  be suppressed nor trusted: it goes to a human (review), never silently to allow.

A lone confirmed frame between the review and block thresholds is detector noise and does not count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ALLOW = "allow"
REVIEW = "review"
BLOCK = "block"
_RANK = {ALLOW: 0, REVIEW: 1, BLOCK: 2}

PERSISTENT = "persistent"
SINGLE_FRAME = "single_frame"
UNCONFIRMED = "unconfirmed"

# A reviewer needs the frames that decided, not every frame of a long run.
MAX_DECIDING_PER_SERIES = 6


@dataclass(frozen=True)
class Thresholds:
    review: float
    block: float

    def __post_init__(self):
        if not 0.0 <= self.review <= self.block <= 1.0:
            raise ValueError(f"thresholds must satisfy 0 ≤ review ≤ block ≤ 1 (got {self.review}, {self.block})")


@dataclass(frozen=True)
class ScoredFrame:
    index: int
    t: float
    score: float
    boxes: tuple = ()
    confirmed: bool = False


@dataclass(frozen=True)
class Deciding:
    frame: ScoredFrame
    reason: str


@dataclass(frozen=True)
class SeriesOutcome:
    level: str
    score: float  # the evidence that set the level (for an allow, the best persistent score)
    peak: float  # the highest single-frame score, counted or not
    persistent: float  # the best k-persistent score
    deciding: tuple[Deciding, ...] = ()


def level_for(score: float, thresholds: Thresholds) -> str:
    if score >= thresholds.block:
        return BLOCK
    if score >= thresholds.review:
        return REVIEW
    return ALLOW


def aggregate_series(
    frames: Sequence[ScoredFrame], thresholds: Thresholds, *, k: int, clip_frames: int | None = None
) -> SeriesOutcome:
    """One detector's scores for one category across a clip → its level and the frames that decided it.

    `clip_frames` is how many frames the clip has: a clip (or an image) shorter than k frames is judged
    on the frames it has."""
    ordered = sorted({frame.index: frame for frame in frames}.values(), key=lambda frame: frame.index)
    if not ordered:
        return SeriesOutcome(level=ALLOW, score=0.0, peak=0.0, persistent=0.0)
    k_eff = max(1, min(k, clip_frames if clip_frames else k))
    peak = max(frame.score for frame in ordered)

    best_persistent, best_window = 0.0, ()
    run: list[ScoredFrame] = []
    for frame in ordered:
        run = run + [frame] if run and frame.index == run[-1].index + 1 else [frame]
        if len(run) >= k_eff:
            window = run[-k_eff:]
            held = min(member.score for member in window)
            if held > best_persistent:
                best_persistent, best_window = held, tuple(window)

    lone = sorted(
        (frame for frame in ordered if frame.confirmed and frame.score >= thresholds.block),
        key=lambda frame: -frame.score,
    )
    unconfirmed = sorted(
        (frame for frame in ordered if not frame.confirmed and frame.score >= thresholds.review),
        key=lambda frame: -frame.score,
    )
    persistent_level = level_for(best_persistent, thresholds)
    window_reason = PERSISTENT if k_eff > 1 else SINGLE_FRAME

    if persistent_level == BLOCK or lone:
        deciding = []
        if persistent_level == BLOCK:
            deciding += [Deciding(frame, window_reason) for frame in best_window]
        # Every counted frame, not only the worst: two separate incidents are two things to review.
        deciding += [Deciding(frame, SINGLE_FRAME) for frame in lone]
        score = max(best_persistent, lone[0].score if lone else 0.0)
        return SeriesOutcome(BLOCK, score, peak, best_persistent, _tidy(deciding))
    if persistent_level == REVIEW or unconfirmed:
        deciding = []
        if persistent_level == REVIEW:
            deciding += [Deciding(frame, window_reason) for frame in best_window]
        deciding += [Deciding(frame, UNCONFIRMED) for frame in unconfirmed]
        score = max(best_persistent, unconfirmed[0].score if unconfirmed else 0.0)
        return SeriesOutcome(REVIEW, score, peak, best_persistent, _tidy(deciding))
    return SeriesOutcome(ALLOW, best_persistent, peak, best_persistent)


def _tidy(deciding: list[Deciding]) -> tuple[Deciding, ...]:
    """One entry per frame (the first reason wins), the strongest kept, in time order."""
    seen: dict[int, Deciding] = {}
    for entry in deciding:
        seen.setdefault(entry.frame.index, entry)
    strongest = sorted(seen.values(), key=lambda entry: -entry.frame.score)[:MAX_DECIDING_PER_SERIES]
    return tuple(sorted(strongest, key=lambda entry: entry.frame.index))


def combine(outcomes: Mapping[tuple[str, str], SeriesOutcome]) -> tuple[str, dict, tuple]:
    """Every (detector, category) outcome → the clip's verdict, a per-category summary and the deciding
    frames as (detector, category, Deciding) at the verdict's level.

    A category's entry reports the detector with the highest level (then the highest score)."""
    verdict = ALLOW
    for outcome in outcomes.values():
        if _RANK[outcome.level] > _RANK[verdict]:
            verdict = outcome.level
    categories: dict[str, dict] = {}
    for (detector, category), outcome in sorted(outcomes.items()):
        current = categories.get(category)
        candidate = {
            "level": outcome.level,
            "score": round(outcome.score, 4),
            "peak": round(outcome.peak, 4),
            "detector": detector,
        }
        if current is None or (_RANK[outcome.level], outcome.score, outcome.peak) > (
            _RANK[current["level"]],
            current["score"],
            current["peak"],
        ):
            categories[category] = candidate
    deciding = []
    if verdict != ALLOW:
        for (detector, category), outcome in sorted(outcomes.items()):
            if outcome.level == verdict:
                deciding += [(detector, category, entry) for entry in outcome.deciding]
    deciding.sort(key=lambda item: (item[2].frame.index, item[0], item[1]))
    return verdict, categories, tuple(deciding)


# --- categories no installed detector can see ---------------------------------------------------------------

# Harms a frame can show. deepfake is judged on the inputs (faces.py, likeness.py), political is not a harm.
VISUAL_CATEGORIES = ("sexual", "sexual_minors", "violence", "self_harm", "illegal")
DEFAULT_PROMPT_REVIEW = 0.4


def uncovered_prompt_categories(
    prompt_scores: Mapping[str, float] | None,
    prompt_thresholds: Mapping[str, Mapping | Sequence] | None,
    covered: frozenset | set,
    *,
    categories: Sequence[str] = VISUAL_CATEGORIES,
) -> dict[str, float]:
    """{category: prompt score} for every visual category the prompt scored at or above its review threshold
    (the review band, or above) that no installed frame detector covers: the output scan cannot see it, so
    a human must. `prompt_thresholds` is screening_result["thresholds"] ({category: {review, block}});
    a category without one uses DEFAULT_PROMPT_REVIEW."""
    held: dict[str, float] = {}
    for category in categories:
        if category in covered:
            continue
        score = float((prompt_scores or {}).get(category, 0.0) or 0.0)
        limit = (prompt_thresholds or {}).get(category)
        if isinstance(limit, Mapping):
            review = limit.get("review", DEFAULT_PROMPT_REVIEW)
        elif isinstance(limit, Sequence) and limit:
            review = limit[0]
        else:
            review = DEFAULT_PROMPT_REVIEW
        if score > 0 and score >= float(review):
            held[category] = round(score, 4)
    return held


def coverage_hold(verdict: str, uncovered: Mapping[str, float]) -> tuple[str, str]:
    """(verdict, reason): an `allow` becomes `review` when the prompt scored a category no detector covers;
    anything else stands (a review or block already withholds the clip). reason is "" when nothing changes."""
    if verdict != ALLOW or not uncovered:
        return verdict, ""
    named = ", ".join(f"{category.replace('_', ' ')} {score:.2f}" for category, score in sorted(uncovered.items()))
    return REVIEW, (
        f"Held for a person: the prompt scored {named} (in the review band) and no installed frame detector can "
        "see that category, so the output scan could not check it."
    )

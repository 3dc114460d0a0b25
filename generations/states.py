"""The generation state machine as data, plus pure helpers. See DESIGN.md for the picture."""

from django.db import models


class Status(models.TextChoices):
    CREATED = "created", "Created"
    SCREENING = "screening", "Screening"
    HELD = "held", "Held for review"
    QUEUED = "queued", "Queued"
    SUBMITTING = "submitting", "Submitting"
    GENERATING = "generating", "Generating"
    SCANNING = "scanning", "Scanning"
    SUCCEEDED = "succeeded", "Succeeded"
    BLOCKED = "blocked", "Blocked"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


class Stage(models.TextChoices):
    """Where in the pipeline a generation is, or where its outcome was decided."""

    PROMPT = "prompt", "Prompt screening"
    INPUT = "input", "Input image check"
    QUEUE = "queue", "Waiting for a worker"
    UPSTREAM = "upstream", "Rendering upstream"
    DOWNLOAD = "download", "Fetching the result"
    OUTPUT = "output", "Output scan"
    DONE = "done", "Done"


TERMINAL = frozenset({Status.SUCCEEDED, Status.BLOCKED, Status.FAILED, Status.CANCELED})

_ANY_RUNNING = {Status.FAILED, Status.CANCELED}
TRANSITIONS = {
    Status.CREATED: {Status.SCREENING} | _ANY_RUNNING,
    Status.SCREENING: {Status.QUEUED, Status.HELD, Status.BLOCKED} | _ANY_RUNNING,
    Status.HELD: {Status.QUEUED, Status.SUCCEEDED, Status.BLOCKED} | _ANY_RUNNING,
    # A transient upstream error sends a submitting generation back to the queue for another attempt.
    Status.QUEUED: {Status.SUBMITTING, Status.HELD} | _ANY_RUNNING,
    Status.SUBMITTING: {Status.GENERATING, Status.QUEUED, Status.BLOCKED} | _ANY_RUNNING,
    Status.GENERATING: {Status.SCANNING, Status.BLOCKED} | _ANY_RUNNING,
    Status.SCANNING: {Status.SUCCEEDED, Status.HELD, Status.BLOCKED} | _ANY_RUNNING,
    Status.SUCCEEDED: set(),
    Status.BLOCKED: set(),
    Status.FAILED: set(),
    Status.CANCELED: set(),
}

# Where the progress bar stands on entering each status (generating moves on from here by time).
BASE_PROGRESS = {
    Status.CREATED: 0,
    Status.SCREENING: 2,
    Status.HELD: 5,
    Status.QUEUED: 5,
    Status.SUBMITTING: 8,
    Status.GENERATING: 10,
    Status.SCANNING: 90,
    Status.SUCCEEDED: 100,
}
GENERATING_SPAN = (10, 85)


def is_terminal(status) -> bool:
    return status in TERMINAL


def can_transition(old, new) -> bool:
    return new in TRANSITIONS.get(old, set())


def rendering_progress(elapsed_s: float, expected_s: float) -> int:
    """Progress while the upstream renders: climbs with elapsed time, never claims to be finished."""
    low, high = GENERATING_SPAN
    if expected_s <= 0:
        return low
    fraction = min(elapsed_s / expected_s, 1.0)
    # Ease out, and stop short of the top of the span: an estimate must not read as "done".
    eased = 1 - (1 - fraction) ** 2
    return min(high - 1, low + int(round(eased * (high - low))))

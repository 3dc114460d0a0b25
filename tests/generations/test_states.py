import pytest

from generations.states import TERMINAL, TRANSITIONS, Status, can_transition, rendering_progress


@pytest.mark.parametrize(
    "old, new, allowed",
    [
        (Status.CREATED, Status.SCREENING, True),
        (Status.SCREENING, Status.BLOCKED, True),
        (Status.SCREENING, Status.HELD, True),
        (Status.HELD, Status.QUEUED, True),
        (Status.QUEUED, Status.SUBMITTING, True),
        (Status.SUBMITTING, Status.GENERATING, True),
        (Status.GENERATING, Status.SCANNING, True),
        (Status.SCANNING, Status.SUCCEEDED, True),
        (Status.SCANNING, Status.HELD, True),
        (Status.SCANNING, Status.BLOCKED, True),
        (Status.GENERATING, Status.SUCCEEDED, False),  # nothing is delivered unscanned
        (Status.QUEUED, Status.SUCCEEDED, False),
        (Status.CREATED, Status.QUEUED, False),  # nothing skips screening
        (Status.SUCCEEDED, Status.FAILED, False),
        (Status.CANCELED, Status.QUEUED, False),
    ],
)
def test_it_allows_only_the_designed_transitions(old, new, allowed):
    assert can_transition(old, new) is allowed


@pytest.mark.parametrize("status", sorted(set(Status.values) - {s.value for s in TERMINAL}))
def test_every_running_state_can_fail_or_be_canceled(status):
    assert can_transition(status, Status.FAILED)
    assert can_transition(status, Status.CANCELED)


def test_terminal_states_have_no_way_out():
    assert all(not TRANSITIONS[status] for status in TERMINAL)


@pytest.mark.parametrize(
    "elapsed, expected, low, high",
    [(0, 10, 10, 10), (5, 10, 50, 80), (10, 10, 84, 84), (100, 10, 84, 84), (3, 0, 10, 10)],
)
def test_rendering_progress_climbs_but_never_claims_done(elapsed, expected, low, high):
    assert low <= rendering_progress(elapsed, expected) <= high

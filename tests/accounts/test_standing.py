"""Standing: scoring and decay as pure functions, and the ladder as a user climbs it."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, AuditEventType, Notice, StandingLevel, User
from accounts.standing import (
    PointEvent,
    current_standing,
    decayed_points,
    do_lift_suspension,
    do_record_strike,
    held_level,
    level_for,
    next_level_down_at,
    strike_points,
)

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.timezone.utc)
THRESHOLDS = {StandingLevel.WARNED: 3, StandingLevel.RESTRICTED: 6, StandingLevel.SUSPENDED: 12}


@pytest.mark.parametrize(
    "days_ago, half_life, expected",
    [(0, 30, 4.0), (30, 30, 2.0), (60, 30, 1.0), (90, 30, 0.5), (90, 90, 2.0), (15, 30, 4 * 0.5**0.5)],
)
def test_a_point_weighs_what_the_half_life_says(days_ago, half_life, expected):
    events = [PointEvent(points=4, at=NOW - dt.timedelta(days=days_ago))]
    assert decayed_points(events, now=NOW, half_life_days=half_life) == pytest.approx(expected)


def test_sexual_minors_points_never_decay():
    events = [PointEvent(points=100, at=NOW - dt.timedelta(days=3650), decays=False)]
    assert decayed_points(events, now=NOW, half_life_days=30) == 100


@pytest.mark.parametrize("points, level", [(0, "good"), (2.99, "good"), (3, "warned"), (6, "restricted"), (11.9, "restricted"), (12, "suspended")])
def test_the_ladder_thresholds(points, level):
    assert level_for(points, THRESHOLDS) == level


@pytest.mark.parametrize(
    "category, source, points",
    [("sexual", "prompt_block", 3), ("sexual", "upstream_refusal", 1.5), ("political", "review_rejection", 1), ("unknown", "prompt_block", 1),
     ("violence", "escalation", 3)],
)
def test_points_are_weighted_by_category_and_source(category, source, points, settings):
    assert strike_points(category, source, weights=settings.STANDING_CATEGORY_POINTS, source_weights=settings.STANDING_SOURCE_WEIGHTS) == points


def test_it_says_when_the_next_level_down_happens():
    events = [PointEvent(points=8, at=NOW)]  # restricted until decay takes it under half of 6
    when = next_level_down_at(events, now=NOW, half_life_days=30, thresholds=THRESHOLDS, level="restricted")
    assert held_level(decayed_points(events, now=when, half_life_days=30), "restricted", THRESHOLDS) == "warned"
    just_before = when - dt.timedelta(hours=1)
    assert held_level(decayed_points(events, now=just_before, half_life_days=30), "restricted", THRESHOLDS) == "restricted"


@pytest.mark.parametrize(
    "points, reached, level",
    [
        (3, "warned", "warned"),  # a strike worth exactly the threshold warns...
        (2.9999, "warned", "warned"),  # ... and a fraction of a point of decay does not undo it
        (1.5, "warned", "warned"),
        (1.49, "warned", "good"),  # a half-life later it is gone
        (4, "restricted", "restricted"),
        (2.9, "restricted", "warned"),  # one level down at a time
        (1.4, "restricted", "good"),
        (7, "warned", "restricted"),  # new points climb whatever was recorded
        (2.9, "good", "good"),
    ],
)
def test_a_level_holds_until_decay_halves_its_threshold(points, reached, level):
    assert held_level(points, reached, THRESHOLDS) == level


def test_a_single_strike_at_the_threshold_warns_for_one_half_life():
    events = [PointEvent(points=3, at=NOW)]
    when = next_level_down_at(events, now=NOW, half_life_days=30, thresholds=THRESHOLDS, level="warned")
    assert abs((when - NOW).total_seconds() - 30 * 86400) < 5


@pytest.mark.django_db
def test_a_user_climbs_the_ladder_and_is_told_each_time(alice):
    levels = []
    for _ in range(4):
        do_record_strike(alice, category="sexual", source="prompt_block")
        levels.append(current_standing(alice).level)
    assert levels == ["warned", "restricted", "restricted", "suspended"]
    assert Notice.objects.filter(user=alice).count() == 3
    changes = [(e.extra["old"], e.extra["new"]) for e in AuditEvent.objects.filter(event_type=AuditEventType.STANDING_CHANGED).order_by("id")]
    assert changes == [("good", "warned"), ("warned", "restricted"), ("restricted", "suspended")]


@pytest.mark.django_db
def test_a_sexual_minors_attempt_suspends_at_once_and_only_a_moderator_lifts_it(alice):
    do_record_strike(alice, category="sexual_minors", source="prompt_block")
    assert current_standing(alice, now=timezone.now() + dt.timedelta(days=3650)).level == "suspended"
    moderator = User.objects.create_user("mod@example.org", "pw-12345678", is_moderator=True)
    do_lift_suspension(alice, moderator=moderator, reason="a false positive on a medical prompt")
    assert current_standing(alice).level == "restricted"
    lifted = AuditEvent.objects.get(event_type=AuditEventType.SUSPENSION_LIFTED)
    assert lifted.actor_label == "mod@example.org"


@pytest.mark.django_db
def test_automation_never_suspends_a_superuser():
    root = User.objects.create_superuser("root@example.org", "pw-12345678")
    do_record_strike(root, category="sexual_minors", source="prompt_block")
    for _ in range(6):
        do_record_strike(root, category="sexual", source="prompt_block")
    assert current_standing(root).level == "restricted"


@pytest.mark.django_db
def test_points_fade_back_to_good_standing(alice):
    do_record_strike(alice, category="sexual", source="prompt_block", now=timezone.now() - dt.timedelta(days=120))
    assert current_standing(alice).level == "good"

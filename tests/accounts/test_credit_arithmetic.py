"""The credit arithmetic as pure functions, table-tested."""

import datetime as dt

import pytest

from accounts.credits import balances, entry_deltas, renewal_top_up
from accounts.periods import next_period_start, period_start_for
from generations.pricing import price_credits

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    "kind, amount, deltas",
    [("grant", 50, (50, 0)), ("reserve", 10, (-10, 10)), ("capture", 10, (0, -10)), ("release", 10, (10, -10)), ("adjust", -7, (-7, 0))],
)
def test_each_entry_kind_moves_credits_as_documented(kind, amount, deltas):
    assert entry_deltas(kind, amount) == deltas


@pytest.mark.parametrize("kind, amount", [("grant", 0), ("reserve", -5), ("capture", 0), ("bonus", 5)])
def test_it_refuses_meaningless_entries(kind, amount):
    with pytest.raises(ValueError):
        entry_deltas(kind, amount)


@pytest.mark.parametrize(
    "entries, expected",
    [
        ([], (0, 0)),
        ([("grant", 100)], (100, 0)),
        ([("grant", 100), ("reserve", 30)], (70, 30)),
        ([("grant", 100), ("reserve", 30), ("capture", 30)], (70, 0)),  # success: charged
        ([("grant", 100), ("reserve", 30), ("release", 30)], (100, 0)),  # failure/cancel: refunded
        ([("grant", 100), ("reserve", 30), ("reserve", 30), ("capture", 30), ("release", 30)], (70, 0)),
        ([("grant", 100), ("adjust", -40)], (60, 0)),
    ],
)
def test_balances_follow_the_ledger(entries, expected):
    assert balances(entries) == expected


@pytest.mark.parametrize(
    "entries",
    [[("reserve", 1)], [("grant", 10), ("reserve", 11)], [("grant", 10), ("capture", 1)], [("grant", 5), ("adjust", -6)]],
)
def test_a_ledger_can_never_go_below_zero(entries):
    with pytest.raises(ValueError):
        balances(entries)


@pytest.mark.parametrize(
    "moment, start",
    [
        (dt.datetime(2026, 11, 24, 20, 0, tzinfo=UTC), dt.datetime(2026, 11, 1, tzinfo=UTC)),
        (dt.datetime(2026, 12, 1, 0, 0, tzinfo=UTC), dt.datetime(2026, 12, 1, tzinfo=UTC)),
        (dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), dt.datetime(2026, 12, 1, tzinfo=UTC)),
        # 00:30 on the 1st in UTC+2 is still the previous month in UTC.
        (dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))), dt.datetime(2026, 12, 1, tzinfo=UTC)),
    ],
)
def test_periods_are_utc_calendar_months(moment, start):
    assert period_start_for(moment) == start


@pytest.mark.parametrize(
    "start, following",
    [
        (dt.datetime(2026, 11, 1, tzinfo=UTC), dt.datetime(2026, 12, 1, tzinfo=UTC)),
        (dt.datetime(2026, 12, 1, tzinfo=UTC), dt.datetime(2027, 1, 1, tzinfo=UTC)),
        (dt.datetime(2027, 1, 1, tzinfo=UTC), dt.datetime(2027, 2, 1, tzinfo=UTC)),
    ],
)
def test_the_next_period_starts_on_the_first_of_the_next_month(start, following):
    assert next_period_start(start) == following


@pytest.mark.parametrize("available, allowance, top_up", [(0, 1000, 1000), (300, 1000, 700), (1000, 1000, 0), (1500, 1000, 0), (20, 0, 0)])
def test_renewal_tops_up_to_the_allowance_and_keeps_extra_credits(available, allowance, top_up):
    assert renewal_top_up(available, allowance) == top_up


@pytest.mark.parametrize(
    "model, mode, duration, credits",
    [
        ("kling-v1-6", "std", "5", 10),
        ("kling-v1-6", "std", "10", 20),
        ("kling-v1-6", "pro", "5", 35),
        ("kling-v1-6", "pro", "10", 70),
        ("kling-v2-master", "std", "5", 100),
        ("kling-v3", "std", "3", 12),  # 20 per 5 s, 3 s → 12
        ("kling-v3", "pro", "7", 84),
    ],
)
def test_prices_scale_with_model_mode_and_duration(model, mode, duration, credits):
    assert price_credits(model, mode, duration) == credits


def test_prices_can_be_overridden_by_settings(settings):
    settings.CREDIT_PRICES = {"kling-v1-6": {"std": 4}}
    assert price_credits("kling-v1-6", "std", "10") == 8
    assert price_credits("kling-v1-6", "pro", "5") == 35  # untouched entries keep their default


@pytest.mark.parametrize("model, mode", [("sora", "std"), ("kling-v1-6", "turbo")])
def test_unknown_combinations_have_no_price(model, mode):
    with pytest.raises(ValueError):
        price_credits(model, mode, "5")

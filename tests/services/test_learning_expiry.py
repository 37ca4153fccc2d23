"""Expiry and due arithmetic of learning, for every date: month steps, last valid days, expiry states, renewals
and the day a track becomes complete."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.services.learning import (
    CURRENT,
    EXPIRED,
    EXPIRING,
    add_months,
    completion_day,
    expiry_state,
    renewal_due,
    valid_until,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
months = st.integers(min_value=1, max_value=120)
window = st.integers(min_value=0, max_value=365)


@given(days, months)
def test_a_month_step_lands_in_the_right_month_on_the_same_day_or_the_months_last(day, n):
    later = add_months(day, n)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == n
    assert later.day == day.day or (later.day < day.day and (later + timedelta(days=1)).day == 1)


@given(days, months)
def test_a_validity_covers_at_least_28_days_a_month_and_never_more_than_31(day, n):
    last = valid_until(day, n)
    covered = (last - day).days + 1
    assert 28 * n <= covered <= 31 * n
    assert expiry_state(last, last, 0) != EXPIRED  # still valid on its last day
    assert expiry_state(last, last + timedelta(days=1), 0) == EXPIRED  # and not the day after


@given(days, months, months)
def test_a_longer_validity_ends_later(day, a, b):
    if a < b:
        assert valid_until(day, a) < valid_until(day, b)


@given(st.one_of(st.none(), days), days, window)
def test_every_date_is_in_exactly_one_state_and_a_renewal_is_due_unless_current(last, today, n):
    state = expiry_state(last, today, n)
    assert state in (CURRENT, EXPIRING, EXPIRED)
    assert renewal_due(last, today, n) == (state != CURRENT)
    if last is None:
        assert state == CURRENT  # what never expires is never due
    elif last < today:
        assert state == EXPIRED
    elif (last - today).days <= n:
        assert state == EXPIRING
    else:
        assert state == CURRENT


@given(days, days, window, window)
def test_a_wider_window_only_turns_current_into_expiring(last, today, a, b):
    small, large = sorted((a, b))
    before, after = expiry_state(last, today, small), expiry_state(last, today, large)
    assert before == after or (before, after) == (CURRENT, EXPIRING)


@given(st.dictionaries(st.sampled_from("abcd"), st.lists(days, min_size=1, max_size=4), min_size=1),
       st.dictionaries(st.sampled_from("abcd"), st.one_of(st.none(), months)), st.one_of(st.none(), days))
def test_a_track_is_complete_on_its_last_module_day_only_when_every_module_is_valid_then(done, validity, after):
    modules = sorted(done)
    day = completion_day(modules, done, validity, after)
    counted = {m: [d for d in done[m] if after is None or d > after] for m in modules}
    if any(not ds for ds in counted.values()):
        assert day is None
        return
    latest = {m: max(ds) for m, ds in counted.items()}
    expected = max(latest.values())
    still_valid = all(valid_until(d, validity.get(m)) is None or valid_until(d, validity.get(m)) >= expected
                      for m, d in latest.items())
    assert day == (expected if still_valid else None)
    assert completion_day(modules + ["never-done"], done, validity, after) is None

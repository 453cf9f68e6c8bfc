"""Retention periods, property-based: over random years, periods, extensions, holds and
today's dates, no item is ever destroyable before its period ends, before 2021-01-01,
while held, or when permanent; and one that meets every condition is destroyable."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from dangan.retention.periods import (
    EARLIEST_DISPOSAL,
    destroyable,
    due_date,
    longest,
    period_years,
    years_kept,
)

codes = st.one_of(
    st.just("Y"), st.sampled_from(["D10", "D30"]), st.integers(1, 120).map(lambda n: f"D{n}")
)
years = st.one_of(st.none(), st.integers(1949, 2100))
todays = st.dates(dt.date(1990, 1, 1), dt.date(2300, 12, 31))


@given(year=years, code=codes, held=st.booleans(), today=todays, extra=st.integers(0, 50))
def test_never_early_never_held_never_permanent(year, code, held, today, extra) -> None:  # type: ignore[no-untyped-def]
    if not destroyable(year, code, held=held, today=today, extra_years=extra):
        return
    assert not held
    assert code != "Y" and year is not None
    assert today >= EARLIEST_DISPOSAL
    years = period_years(code)
    assert years is not None
    # the period counts from 1 January of the following year, extensions added
    assert today >= dt.date(year + 1 + years + extra, 1, 1)
    assert years_kept(year, today) >= years + extra


@given(year=st.integers(1949, 2100), code=codes, today=todays, extra=st.integers(0, 50))
def test_every_condition_met_is_destroyable(year, code, today, extra) -> None:  # type: ignore[no-untyped-def]
    due = due_date(year, code, extra)
    expected = due is not None and today >= due and today >= EARLIEST_DISPOSAL
    assert destroyable(year, code, held=False, today=today, extra_years=extra) == expected
    assert not destroyable(year, code, held=True, today=today, extra_years=extra)


@given(a=codes, b=codes)
def test_the_longer_period_wins(a, b) -> None:  # type: ignore[no-untyped-def]
    kept = longest(a, b)
    if "Y" in (a, b):
        assert kept == "Y"
    else:
        assert period_years(kept) == max(period_years(a) or 0, period_years(b) or 0)


def test_examples() -> None:
    # a 2010 D10 item is kept 2011-2020 and may go from 2021-01-01
    assert due_date(2010, "D10") == dt.date(2021, 1, 1)
    assert not destroyable(2010, "D10", held=False, today=dt.date(2020, 12, 31))
    assert destroyable(2010, "D10", held=False, today=dt.date(2021, 1, 1))
    # due long before 2021 still waits for 2021 (seed 004)
    assert due_date(2000, "D10") == dt.date(2011, 1, 1)
    assert not destroyable(2000, "D10", held=False, today=dt.date(2020, 6, 1))
    assert due_date(2018, "Y") is None and period_years("X5") is None

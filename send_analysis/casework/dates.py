"""Dates of the SEND year: census days, academic years, national curriculum years, 20 weeks."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

TWENTY_WEEKS = pd.Timedelta(weeks=20)


def census_date(year: int) -> pd.Timestamp:
    """The January census day of ``year``: the third Thursday of January (SEN2 and school census)."""
    first = pd.Timestamp(year=year, month=1, day=1)
    offset = (3 - first.day_of_week) % 7          # Thursday is day_of_week 3
    return first + pd.Timedelta(days=offset + 14)


def academic_year_start(date: pd.Timestamp | pd.Series) -> int | pd.Series:
    """Calendar year in which the academic year holding ``date`` began (1 September)."""
    if isinstance(date, pd.Series):
        return date.dt.year - (date.dt.month < 9).astype(int)
    return date.year - int(date.month < 9)


def ncy(date_of_birth: pd.Series | pd.Timestamp, on: pd.Timestamp) -> pd.Series | int:
    """National curriculum year on a date for a child's date of birth.

    Age on the 31 August before the academic year minus 4: reception (NCY 0) is the year a child
    starts aged 4 on 31 August; year 11 is NCY 11; early years are negative; age 24 on 31 August
    (25 during the year) is NCY 20.
    """
    ay = academic_year_start(on)
    aug31 = pd.Timestamp(year=ay, month=8, day=31)
    if isinstance(date_of_birth, pd.Series):
        dob = date_of_birth
        before = ((dob.dt.month < aug31.month) | ((dob.dt.month == aug31.month)
                                                   & (dob.dt.day <= aug31.day)))
        age = ay - dob.dt.year - (~before).astype(int)
        return age - 4
    before = (date_of_birth.month, date_of_birth.day) <= (8, 31)
    return int(ay - date_of_birth.year - (0 if before else 1) - 4)


@lru_cache(maxsize=4096)
def birth_window(ncy_value: int, academic_year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last date of birth of children in ``ncy_value`` in the academic year starting
    September ``academic_year``."""
    age = ncy_value + 4
    end = pd.Timestamp(year=academic_year - age, month=8, day=31)
    start = pd.Timestamp(year=academic_year - age - 1, month=9, day=1)
    return start, end


def birth_academic_year(date_of_birth: pd.Timestamp) -> int:
    """The academic year (by its starting calendar year) a child was born in; a child's NCY in
    the academic year starting September ``y`` is ``y - birth_academic_year - 4``."""
    return date_of_birth.year + int(date_of_birth.month >= 9)


def random_dates(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp,
                 size: int) -> pd.DatetimeIndex:
    """``size`` dates uniform between ``start`` and ``end`` inclusive (whole days)."""
    days = (end - start).days
    return pd.DatetimeIndex(start + pd.to_timedelta(rng.integers(0, days + 1, size), unit="D"))

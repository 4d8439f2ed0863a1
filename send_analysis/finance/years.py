"""January census years, academic years and April-March financial years.

SEN2 counts plans at **January** (census year ``C`` = January ``C``, inside academic year
``C-1/C``); the DSG is budgeted and accounted for by **financial year** April ``Y`` to March
``Y+1``, labelled ``"Y-YY"`` (``"2021-22"``).

The rule (decision record ``docs/decisions/0045-census-to-financial-year.md``): placements
change mainly at the start of the academic year in September, so the January count stands for
its whole academic year. Financial year ``Y/Y+1`` holds five months of academic year
``Y-1/Y`` (April-August, counted by the January ``Y`` census) and seven months of academic year
``Y/Y+1`` (September-March, counted by January ``Y+1``)::

    placements(FY Y/Y+1) = 5/12 x caseload(Jan Y) + 7/12 x caseload(Jan Y+1)

The same weights turn anything else given by academic year (places filled in a new school
opening in September) into financial years.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

#: Months of financial year Y/Y+1 that fall in academic year Y-1/Y (April-August).
EARLIER_WEIGHT: float = 5 / 12
#: Months of financial year Y/Y+1 that fall in academic year Y/Y+1 (September-March).
LATER_WEIGHT: float = 7 / 12

_FY_RE = re.compile(r"^(\d{4})-(\d{2})$")


def fy_label(start_year: int) -> str:
    """Label of the financial year starting in April ``start_year``: ``2021 -> "2021-22"``."""
    start_year = int(start_year)
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def is_fy_label(text: object) -> bool:
    """True when ``text`` is a well-formed financial year label such as ``"2021-22"``."""
    if not isinstance(text, str):
        return False
    m = _FY_RE.match(text)
    return bool(m) and (int(m.group(1)) + 1) % 100 == int(m.group(2))


def fy_start(label: str) -> int:
    """Calendar year in which the financial year starts: ``"2021-22" -> 2021``.

    Raises ``ValueError`` for anything that is not ``YYYY-YY`` with consecutive years.
    """
    if not is_fy_label(label):
        raise ValueError(f"{label!r} is not a financial year label like '2021-22'")
    return int(label[:4])


def fy_offset(label: str, years: int) -> str:
    """The financial year ``years`` after (or before, if negative) ``label``."""
    return fy_label(fy_start(label) + years)


def fy_range(first: str, last: str) -> list[str]:
    """Financial years from ``first`` to ``last`` inclusive (empty if ``last`` precedes ``first``)."""
    return [fy_label(y) for y in range(fy_start(first), fy_start(last) + 1)]


def census_years_for_fy(label: str) -> tuple[int, int]:
    """The two January census years that make up a financial year: ``"2021-22" -> (2021, 2022)``."""
    y = fy_start(label)
    return y, y + 1


def fy_for_census_pair(later_census_year: int) -> str:
    """The financial year whose September-March months the January ``later_census_year`` counts."""
    return fy_label(int(later_census_year) - 1)


def academic_to_financial(by_academic_year: dict[int, float], label: str) -> float:
    """Value for financial year ``label`` from values by academic year.

    ``by_academic_year`` maps the calendar year in which an academic year starts (September) to
    its value (missing years count as 0). FY ``Y/Y+1`` = 5/12 x AY ``Y-1/Y`` + 7/12 x AY ``Y/Y+1``.

    >>> academic_to_financial({2023: 30.0, 2024: 60.0}, "2024-25")
    47.5
    """
    y = fy_start(label)
    return EARLIER_WEIGHT * by_academic_year.get(y - 1, 0.0) + LATER_WEIGHT * by_academic_year.get(y, 0.0)


def census_to_financial_years(
    paths: pd.DataFrame, value: str = "plans", keys: Iterable[str] = ("setting_group", "draw")
) -> pd.DataFrame:
    """Convert a frame by January census ``year`` into one by ``financial_year``.

    For every pair of consecutive census years ``Y``, ``Y+1`` present for a key, emits the
    financial year ``Y/Y+1`` with ``5/12 x value(Y) + 7/12 x value(Y+1)``. Financial years whose
    two census years are not both present are left out (never extrapolated).

    Returns the key columns, ``financial_year`` (label) and ``value``.
    """
    keys = [k for k in keys if k in paths.columns]
    frame = paths[[*keys, "year", value]].copy()
    frame["year"] = frame["year"].astype(int)
    nxt = frame.copy()
    nxt["year"] = nxt["year"] - 1
    merged = frame.merge(nxt, on=[*keys, "year"], suffixes=("_jan_y", "_jan_y1"))
    merged[value] = EARLIER_WEIGHT * merged[f"{value}_jan_y"] + LATER_WEIGHT * merged[f"{value}_jan_y1"]
    merged["financial_year"] = merged["year"].map(fy_label)
    merged = merged.sort_values([*keys, "year"])
    return merged[[*keys, "financial_year", value]].reset_index(drop=True)

"""Reorganised LAs whose public finance figures are their predecessor's (decisions 0042, 0043).

Cumberland (942) and Westmorland and Furness (943) replaced Cumbria (909) in April 2023; the
2021-22 outturn and the DSG balance file know only Cumbria. A successor takes its predecessor's
figures in proportion to its share of the group's 2023-24 HNB (before deductions).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from send_analysis.finance import public

#: Reorganised LAs that are not in the 2021-22 outturn or balance files -> predecessor.
SUCCESSOR_OF: dict[str, str] = {"942": "909", "943": "909"}
#: The year whose HNB splits a predecessor's figures between its successors.
SHARE_YEAR = "2023-24"


@lru_cache(maxsize=1)
def hnb_latest_share() -> pd.Series:
    """Share of each successor in its predecessor group's 2023-24 HNB (before deductions)."""
    h = public.read_hnb_allocations()
    h = h[h["financial_year"] == SHARE_YEAR].set_index("la_code")["hnb_before_deductions"]
    shares = {}
    for succ, pred in SUCCESSOR_OF.items():
        group = [s for s, p in SUCCESSOR_OF.items() if p == pred]
        shares[succ] = float(h[succ] / h[group].sum())
    return pd.Series(shares)


@lru_cache(maxsize=1)
def balances_indexed() -> pd.DataFrame:
    """The published DSG balances in £, indexed by (la_code, financial_year)."""
    return public.dsg_cumulative_balance_gbp().set_index(["la_code", "financial_year"])

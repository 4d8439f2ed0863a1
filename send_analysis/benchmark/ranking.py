"""Rank, percentile and quartile band of one LA among all LAs, polarity-aware (LAIT convention).

LAIT ranks every LA on a measure so that **rank 1 is the best** when the measure has a polarity
("High" good or "Low" good), and gives a quartile band A-D with **A the best quarter**. For a
measure without polarity (a count, a share of placements whose "right" level is a matter of
policy) rank 1 is the **highest** value and band A the highest quarter; the page says "highest",
not "best" (``docs/decisions/0054-rank-percentile-polarity.md``).

The percentile is the share of ranked LAs with a value **at or below** the LA's value (0-100, on
the raw scale, independent of polarity), so "90th percentile" always means "higher than about 90%
of LAs".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Polarity = Literal["high", "low", "neutral"]
POLARITIES: tuple[str, ...] = ("high", "low", "neutral")


@dataclass(frozen=True)
class RankResult:
    """Where one LA sits among all LAs on one measure."""

    value: float
    rank: int | None  # 1 = best (or highest when neutral); ties share the best rank
    n: int  # LAs with a value
    percentile: float | None  # % of LAs with value <= this LA's value
    quartile: str | None  # "A" (best / highest quarter) .. "D"


def rank_values(values: pd.Series, polarity: Polarity = "neutral") -> pd.DataFrame:
    """Rank every non-missing value: columns ``value, rank, n, percentile, quartile``.

    Ties share the smallest rank (``method="min"``, as in LAIT). Missing values get no rank.

    >>> r = rank_values(pd.Series({"a": 1.0, "b": 4.0, "c": 2.0, "d": 3.0, "e": float("nan")}), "low")
    >>> r["rank"].tolist(), r["quartile"].tolist()
    ([1.0, 4.0, 2.0, 3.0, nan], ['A', 'D', 'B', 'C', None])
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity {polarity!r} not one of {POLARITIES}")
    v = pd.to_numeric(values, errors="coerce").astype(float)
    ok = v.dropna()
    n = len(ok)
    ascending = polarity == "low"
    rank = ok.rank(method="min", ascending=ascending)
    below = np.searchsorted(np.sort(ok.to_numpy()), ok.to_numpy(), side="right")  # values <= x
    pct = pd.Series(100.0 * below / n, index=ok.index) if n else ok
    quart = rank.apply(lambda r: quartile_band(int(r), n))
    out = pd.DataFrame({"value": v})
    out["rank"] = rank.reindex(v.index)
    out["n"] = n
    out["percentile"] = pct.reindex(v.index)
    out["quartile"] = quart.reindex(v.index).astype(object).where(out["rank"].notna(), None)
    return out


def quartile_band(rank: int, n: int) -> str:
    """Band A-D from a rank among n: band index floor(4 (rank - 1) / n), A = best quarter.

    >>> [quartile_band(r, 8) for r in (1, 2, 3, 5, 8)]
    ['A', 'A', 'B', 'C', 'D']
    """
    if n <= 0 or not 1 <= rank <= n:
        raise ValueError(f"rank {rank} outside 1..{n}")
    return "ABCD"[(4 * (rank - 1)) // n]


def rank_one(values: pd.Series, key: str, polarity: Polarity = "neutral") -> RankResult:
    """Rank of the LA ``key`` among ``values`` (indexed by LA code)."""
    r = rank_values(values, polarity)
    if key not in r.index:
        return RankResult(float("nan"), None, int(r["n"].iloc[0]) if len(r) else 0, None, None)
    row = r.loc[key]
    if pd.isna(row["rank"]):
        return RankResult(float("nan"), None, int(row["n"]), None, None)
    return RankResult(float(row["value"]), int(row["rank"]), int(row["n"]),
                      float(row["percentile"]), str(row["quartile"]))

"""The k LAs most similar to an LA on documented public context indicators.

Used when the DfE statistical-neighbour list does not serve (an LA missing from a model, or a
reviewer asking "similar on what?"). The indicators (``docs/decisions/0052-statistical-neighbours.md``)
are context, not outcomes, so that similarity does not depend on the SEND figures being compared:

| indicator | source (LAIT measure) |
| --- | --- |
| ``fsm_primary``, ``fsm_secondary`` | % pupils eligible for free school meals (``PriFSM``, ``SecFSM``) |
| ``eal_primary``, ``eal_secondary`` | % pupils whose first language is not English (``EALPri``, ``EALSec``) |
| ``log_children`` | log of the 0-17 population (``data.population``, mid-year) |

Each indicator is standardised across LAs (z-scores); the distance is the root mean square
difference over the indicators both LAs have. The DfE model itself uses a wider set (including
census variables) that is not published as data, so the two lists differ.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from send_analysis.errors import DataError
from send_analysis.paths import raw_path

LAIT_FILE = "lait/bds_long_0.parquet"
LAIT_INDICATORS: dict[str, str] = {
    "fsm_primary": "PriFSM",
    "fsm_secondary": "SecFSM",
    "eal_primary": "EALPri",
    "eal_secondary": "EALSec",
}


@lru_cache(maxsize=1)
def _lait_context() -> pd.DataFrame:
    raw = pd.read_parquet(raw_path(LAIT_FILE), columns=["Short Desc", "Years", "Values",
                                                         "LA Number"])
    sub = raw[raw["Short Desc"].isin(list(LAIT_INDICATORS.values()))].copy()
    sub["la_code"] = pd.to_numeric(sub["LA Number"], errors="coerce")
    sub = sub[sub["la_code"].between(200, 999)]
    sub["la_code"] = sub["la_code"].astype(int).map(lambda c: f"{c:03d}")
    sub["year"] = pd.to_numeric(sub["Years"].astype(str).str[:4], errors="coerce")
    sub["value"] = pd.to_numeric(sub["Values"], errors="coerce")
    inv = {v: k for k, v in LAIT_INDICATORS.items()}
    sub["indicator"] = sub["Short Desc"].map(inv)
    return sub[["la_code", "indicator", "year", "value"]].dropna(subset=["year"])


def context_indicators(year: int) -> pd.DataFrame:
    """LA x indicator table for a January census ``year`` (latest LAIT year <= ``year``, else
    the earliest), plus ``log_children`` from the mid-(year-1) 0-17 population."""
    lait = _lait_context()
    cols = {}
    for ind in LAIT_INDICATORS:
        s = lait[lait["indicator"] == ind]
        years = sorted(s["year"].unique())
        if not years:
            raise DataError(f"LAIT measure {LAIT_INDICATORS[ind]} not found", file=LAIT_FILE)
        use = max([y for y in years if y <= year], default=years[0])
        cols[ind] = s[s["year"] == use].groupby("la_code")["value"].mean()
    from send_analysis.data.population import read_population_0_17

    pop = read_population_0_17()
    pop = pop[(pop["level"] == "la") & pop["value"].notna()]
    py = max([y for y in pop["year"].unique() if y <= year - 1], default=pop["year"].min())
    cols["log_children"] = np.log(pop[pop["year"] == py].set_index("la_code")["value"])
    out = pd.DataFrame(cols)
    out = out[out.index.isin(set(pop["la_code"]))]  # LAIT also numbers regions 970-990
    return out.dropna(how="all")


def nearest(indicators: pd.DataFrame, la_code: str, k: int = 10) -> pd.Series:
    """The k LAs nearest ``la_code``: Series of distances, nearest first.

    Columns are z-scored across LAs; the distance is the root mean square of the differences
    over the columns both LAs have (an LA sharing no column is left out).

    >>> df = pd.DataFrame({"x": [0.0, 1.0, 5.0, 1.2]}, index=["a", "b", "c", "d"])
    >>> nearest(df, "b", 2).index.tolist()
    ['d', 'a']
    """
    if la_code not in indicators.index:
        raise DataError(f"LA code {la_code!r} has no context indicators",
                        expected="an LA present in the indicator table")
    z = (indicators - indicators.mean()) / indicators.std(ddof=0).replace(0, np.nan)
    me = z.loc[la_code]
    diff = (z.drop(index=la_code) - me) ** 2
    dist = np.sqrt(diff.mean(axis=1, skipna=True)).dropna()
    return dist.sort_values(kind="stable").head(k)


def similar_las(la_code: str, year: int, k: int = 10) -> list[str]:
    """The k LAs most like ``la_code`` on :func:`context_indicators` for ``year``."""
    return nearest(context_indicators(year), la_code, k).index.tolist()

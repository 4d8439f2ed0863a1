"""The numbers the pooled demand models learn from: England's growth and each LA's predictors.

- England's yearly log growth (:func:`national_growth`, :func:`national_growth_blend`) and each
  LA's (:func:`la_growth`), over the last ``k`` years of a (cut) panel;
- the per-LA predictors at a panel's origin (:func:`compute_features`), each a deviation from
  England's value, and their content-keyed cache (:func:`features`: the backtest asks for the same
  origin many times);
- the outcome the global regression learns (:func:`relative_growth`).

Used by :mod:`send_analysis.demand.models` and :mod:`send_analysis.demand.headroom`; imports only
the panel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from send_analysis.demand.panel import Panel
from send_analysis.errors import DataError


def national_growth(panel: Panel, k: int = 5) -> float:
    """England's mean yearly log growth over the last ``k`` years of the (cut) panel."""
    nat = panel.national.dropna()
    if len(nat) < 2:
        nat = panel.plans.sum(axis=0, min_count=1).dropna()
    k = min(k, len(nat) - 1)
    if k < 1:
        raise DataError("England's series has fewer than two years",
                        expected="at least two January census years of national totals")
    return float(np.log(nat.iloc[-1] / nat.iloc[-1 - k]) / k)



def la_growth(panel: Panel, k: int) -> pd.Series:
    """Each LA's mean yearly log growth over the last ``k`` years (fewer where history is short)."""
    last = panel.last_year
    logs = np.log(panel.plans.where(panel.plans > 0)).loc[:, :last]
    run = logs.notna().iloc[:, ::-1].cumprod(axis=1).sum(axis=1)  # unbroken years up to `last`
    kk = np.minimum(k, run - 1)
    out = pd.Series(np.nan, index=logs.index)
    for kv in sorted(set(int(v) for v in kk if v >= 1)):
        sel = kk == kv
        out[sel] = (logs.loc[sel, last] - logs.loc[sel, last - kv]) / kv
    return out



def national_growth_blend(panel: Panel, ks: Sequence[int] = (3, 5)) -> float:
    """England's yearly log growth forecast as the mean of :func:`national_growth` over each
    ``k`` in ``ks``.

    The default ``(3, 5)`` averages the 3-year and 5-year mean growth, so a national change of
    pace (the 2014 reforms: under 2% a year up to 2015, 7-12% from 2016) enters the forecast sooner
    than with 5 years alone, while one odd year moves it little. Faster blends ((1, 5), (2, 5))
    had lower MAPE but intervals that covered more than 85%
    (``docs/decisions/0036-national-growth-blend.md``).

    >>> import pandas as pd
    >>> nat = pd.Series([100.0, 110.0, 121.0, 133.1, 146.41, 161.051],
    ...                 index=range(2015, 2021))
    >>> p = Panel(plans=pd.DataFrame(), national=nat, region=pd.Series(dtype=str))
    >>> abs(national_growth_blend(p, (1, 5)) - float(np.log(1.1))) < 1e-12
    True
    """
    return float(np.mean([national_growth(panel, k) for k in ks]))



FEATURES = ("own_growth", "region_growth", "new_plan_rate", "prevalence", "population_growth",
            "population_growth_1y")


_FEATURE_CACHE: dict[tuple, pd.DataFrame] = {}


def _digest(panel: Panel) -> str:
    """A content fingerprint of a (cut) panel, so features are computed once per origin."""
    h = hashlib.blake2b(digest_size=16)
    for part in (panel.plans, panel.new_plans, panel.population):
        if part is not None:
            h.update(np.ascontiguousarray(part.to_numpy(dtype=float)).tobytes())
            h.update(repr((list(part.index), list(part.columns))).encode())
    h.update(repr(panel.region.to_dict()).encode())
    h.update(np.ascontiguousarray(panel.national.to_numpy(dtype=float)).tobytes())
    return h.hexdigest()


def features(panel: Panel, k: int = 5) -> pd.DataFrame:
    """:func:`compute_features`, memoised on the panel's content (the backtest asks for the same
    origin many times)."""
    key = (_digest(panel), k)
    if key not in _FEATURE_CACHE:
        if len(_FEATURE_CACHE) > 2048:
            _FEATURE_CACHE.clear()
        _FEATURE_CACHE[key] = compute_features(panel, k)
    return _FEATURE_CACHE[key].copy()


def compute_features(panel: Panel, k: int = 5) -> pd.DataFrame:
    """Per-LA predictors at the panel's origin, each a deviation from England's value.

    - ``own_growth``: the LA's mean yearly log growth over ``k`` years minus England's;
    - ``region_growth``: the LA's region's (sum of its LAs) minus England's;
    - ``new_plan_rate``: new plans issued in the last calendar year / caseload, minus England's;
    - ``prevalence``: log(plans / population 0-17) minus England's;
    - ``population_growth``: mean yearly log growth of the 0-17 population over 3 years minus
      England's;
    - ``population_growth_1y``: log growth of the 0-17 population in the latest year (mid-year
      ``T-2`` to ``T-1``) minus England's.

    Columns are NaN where the source is missing (no new plans table, no population).
    """
    last = panel.last_year
    plans = panel.plans
    g_eng = national_growth(panel, k)
    out = pd.DataFrame(index=plans.index)
    out["own_growth"] = la_growth(panel, k) - g_eng
    kk = max(1, min(k, plans.shape[1] - 1))
    reg = plans.groupby(panel.region.reindex(plans.index).fillna("unknown")).sum(min_count=1)
    if last - kk in reg.columns:
        rg = np.log(reg[last] / reg[last - kk]) / kk - g_eng
        out["region_growth"] = panel.region.reindex(plans.index).map(rg).astype(float)
    else:
        out["region_growth"] = np.nan
    stock = plans[last]
    if panel.new_plans is not None and (last - 1) in panel.new_plans.columns:
        new = panel.new_plans[last - 1].reindex(plans.index)
        ok = new.notna() & stock.notna()
        eng_rate = new[ok].sum() / stock[ok].sum() if ok.any() else np.nan
        out["new_plan_rate"] = new / stock - eng_rate
    else:
        out["new_plan_rate"] = np.nan
    pop = panel.population
    if pop is not None and (last - 1) in pop.columns:
        p = pop[last - 1].reindex(plans.index)
        ok = p.notna() & stock.notna() & (p > 0)
        out["prevalence"] = np.log(stock / p.where(p > 0)) - np.log(stock[ok].sum() / p[ok].sum())
        if (last - 4) in pop.columns:
            p0 = pop[last - 4].reindex(plans.index)
            ok2 = ok & p0.notna() & (p0 > 0)
            out["population_growth"] = (np.log(p / p0.where(p0 > 0)) / 3
                                        - np.log(p[ok2].sum() / p0[ok2].sum()) / 3)
        else:
            out["population_growth"] = np.nan
        if (last - 2) in pop.columns:
            p1 = pop[last - 2].reindex(plans.index)
            ok1 = ok & p1.notna() & (p1 > 0)
            out["population_growth_1y"] = (np.log(p / p1.where(p1 > 0))
                                           - np.log(p[ok1].sum() / p1[ok1].sum()))
        else:
            out["population_growth_1y"] = np.nan
    else:
        out["prevalence"] = np.nan
        out["population_growth"] = np.nan
        out["population_growth_1y"] = np.nan
    return out.replace([np.inf, -np.inf], np.nan)


def relative_growth(panel: Panel, origin: int, horizon: int) -> pd.Series:
    """Each LA's log growth from ``origin`` to ``origin + horizon`` minus England's."""
    nat = panel.national
    la = np.log(panel.plans[origin + horizon] / panel.plans[origin])
    return la - np.log(nat[origin + horizon] / nat[origin])

"""Forecast models for the EHC plan caseload of every LA.

Two layers:

- pure single-series functions (``y``: a pandas Series of counts indexed by January census year)
  returning point forecasts for years ``last+1 .. last+horizon``: :func:`last_value`,
  :func:`linear_drift`, :func:`compound_growth`, :func:`ets_log`, :func:`arima_log`;
- panel models (classes with ``name`` and ``predict(panel, horizon)``) that forecast every LA of a
  :class:`~send_analysis.demand.panel.Panel` cut at the origin, returning an LA x horizon frame
  of counts. Pooled models use the other LAs; single-series ones wrap the functions above.

All models except the naive ones work on log counts, so forecasts stay positive and growth is
multiplicative. Intervals are not made here: :mod:`send_analysis.demand.intervals` calibrates them
on backtest errors (``docs/decisions/0032-calibrated-intervals.md``).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from send_analysis.demand.panel import Panel, check_series
from send_analysis.errors import DataError

# --------------------------------------------------------------------------------------------
# Single-series functions


def last_value(y: pd.Series, horizon: int) -> np.ndarray:
    """Naive: the last count, held flat."""
    y = check_series(y, "last_value input", min_years=1)
    return np.full(horizon, float(y.iloc[-1]))


def linear_drift(y: pd.Series, horizon: int, k: int = 5) -> np.ndarray:
    """The average yearly change in counts over the last ``k`` years, continued.

    With fewer than ``k + 1`` years, uses all the years there are (at least two).
    """
    y = check_series(y, "linear_drift input", min_years=2)
    k = min(k, len(y) - 1)
    step = (y.iloc[-1] - y.iloc[-1 - k]) / k
    return np.maximum(y.iloc[-1] + step * np.arange(1, horizon + 1), 0.0)


def compound_growth(y: pd.Series, horizon: int, k: int = 5) -> np.ndarray:
    """The compound yearly growth rate over the last ``k`` years, continued.

    ``y[-1] * ((y[-1] / y[-1-k]) ** (1/k)) ** h``; with fewer than ``k + 1`` years uses them all.
    """
    y = check_series(y, "compound_growth input", min_years=2)
    k = min(k, len(y) - 1)
    rate = (y.iloc[-1] / y.iloc[-1 - k]) ** (1.0 / k)
    return y.iloc[-1] * rate ** np.arange(1, horizon + 1)


#: Fewest years for which the statsmodels models are fitted; shorter series fall back to
#: :func:`compound_growth` (documented in ``docs/assumptions/demand.md``).
MIN_YEARS_STATSMODELS = 6


def _quiet():
    """A context that silences statsmodels' convergence and frequency warnings, on purpose:
    with 6-16 annual points the optimiser often stops at a boundary (phi at its bound), which is
    a legitimate answer here; the backtest, not the warning, judges the fit."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore")
    return ctx


@dataclass
class SeriesForecast:
    """Point forecasts (counts) and, when the model gives them, nominal intervals (counts).

    ``nominal`` maps a level (0.8, 0.95) to a (lower, upper) pair of arrays.
    """

    mean: np.ndarray
    nominal: dict[float, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    fallback: str | None = None


def ets_log(y: pd.Series, horizon: int, damped: bool = False,
            levels: Sequence[float] = (0.8, 0.95)) -> SeriesForecast:
    """Exponential smoothing with additive (or damped) trend on log counts (statsmodels ETSModel).

    Nominal intervals are the model's analytic ones, transformed back to counts (none when
    ``levels`` is empty). Series shorter than :data:`MIN_YEARS_STATSMODELS` fall back to
    :func:`compound_growth` (``fallback`` says so).
    """
    y = check_series(y, "ets_log input", min_years=2)
    if len(y) < MIN_YEARS_STATSMODELS:
        return SeriesForecast(compound_growth(y, horizon), fallback="compound_growth: short series")
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    ly = pd.Series(np.log(y.to_numpy(dtype=float)), index=pd.RangeIndex(len(y)))
    ctx = _quiet()
    try:
        init = "heuristic" if len(ly) >= 10 else "estimated"
        res = ETSModel(ly, error="add", trend="add", damped_trend=damped,
                       initialization_method=init).fit(disp=False, maxiter=60)
        nominal = {}
        if levels:
            pred = res.get_prediction(start=len(ly), end=len(ly) + horizon - 1)
            mean = np.exp(np.asarray(pred.predicted_mean, dtype=float))
            for lv in levels:
                sf = pred.summary_frame(alpha=1 - lv)
                nominal[lv] = (np.exp(sf["pi_lower"].to_numpy()),
                               np.exp(sf["pi_upper"].to_numpy()))
        else:  # point forecasts only (the backtest): skip the interval machinery
            mean = np.exp(np.asarray(res.forecast(horizon), dtype=float))
    except (np.linalg.LinAlgError, ValueError) as exc:
        return SeriesForecast(compound_growth(y, horizon), fallback=f"compound_growth: {exc}")
    finally:
        ctx.__exit__(None, None, None)
    if not np.isfinite(mean).all():
        return SeriesForecast(compound_growth(y, horizon), fallback="compound_growth: non-finite")
    return SeriesForecast(mean, nominal)


def ar1_psi_variance(phi: float, sigma2: float, horizon: int) -> np.ndarray:
    """Forecast-error variance of the cumulated AR(1) on differences, steps 1..horizon.

    The h-step error of the level is ``sum_{j=1..h} c_{h-j} e_{T+j}`` with
    ``c_m = 1 + phi + ... + phi^m``, so its variance is ``sigma2 * sum_{m=0}^{h-1} c_m^2``.

    >>> ar1_psi_variance(0.0, 1.0, 3).tolist()
    [1.0, 2.0, 3.0]
    """
    c = np.cumsum(phi ** np.arange(horizon))
    return sigma2 * np.cumsum(c**2)


def arima_log(y: pd.Series, horizon: int, levels: Sequence[float] = (0.8, 0.95)
              ) -> SeriesForecast:
    """ARIMA(1,1,0) with drift on log counts: an AR(1) with mean on the yearly log growth.

    The AR(1) lets a growth spurt persist or revert toward the mean growth. Fitted by Yule-Walker
    on the demeaned differences (``statsmodels.regression.linear_model.yule_walker``; the mean
    growth is the sample mean), which is fast and stable on 6-16 points where full likelihood
    often fails to converge; nominal intervals come from :func:`ar1_psi_variance`. Short series
    fall back to :func:`compound_growth`.
    """
    y = check_series(y, "arima_log input", min_years=2)
    if len(y) < MIN_YEARS_STATSMODELS:
        return SeriesForecast(compound_growth(y, horizon), fallback="compound_growth: short series")
    from scipy.stats import norm
    from statsmodels.regression.linear_model import yule_walker

    ly = np.log(y.to_numpy(dtype=float))
    d = np.diff(ly)
    ctx = _quiet()
    try:
        rho, sigma = yule_walker(d, order=1, method="mle", demean=True)
        phi = float(np.clip(np.asarray(rho)[0], -0.99, 0.99))
        sigma2 = float(sigma) ** 2
        mu = float(d.mean())
        steps = []
        last_d = d[-1]
        for _ in range(horizon):
            last_d = mu + phi * (last_d - mu)
            steps.append(last_d)
        path = ly[-1] + np.cumsum(steps)
        sd = np.sqrt(ar1_psi_variance(phi, sigma2, horizon))
    except (np.linalg.LinAlgError, ValueError, IndexError) as exc:
        return SeriesForecast(compound_growth(y, horizon), fallback=f"compound_growth: {exc}")
    finally:
        ctx.__exit__(None, None, None)
    if not np.isfinite(path).all() or not np.isfinite(sd).all():
        return SeriesForecast(compound_growth(y, horizon), fallback="compound_growth: non-finite")
    nominal = {lv: (np.exp(path - norm.ppf(0.5 + lv / 2) * sd),
                    np.exp(path + norm.ppf(0.5 + lv / 2) * sd)) for lv in levels}
    return SeriesForecast(np.exp(path), nominal)


# --------------------------------------------------------------------------------------------
# Panel models


def _frame(rows: dict[str, np.ndarray], horizon: int) -> pd.DataFrame:
    out = pd.DataFrame.from_dict(rows, orient="index", columns=list(range(1, horizon + 1)))
    out.index.name = "la_code"
    out.columns.name = "h"
    return out


def _usable(panel: Panel, las: Sequence[str] | None) -> list[str]:
    """LAs with a positive count at the origin and no gap in their recent history."""
    last = panel.last_year
    plans = panel.plans if las is None else panel.plans.reindex(list(las))
    ok = plans[last].notna() & (plans[last] > 0)
    return [str(i) for i in plans.index[ok]]


def _history(panel: Panel, la: str) -> pd.Series:
    """The LA's latest unbroken run of positive counts (a documented fallback for gaps/zeros)."""
    y = panel.plans.loc[la].dropna()
    y = y[y > 0]
    years = np.asarray(y.index, dtype=int)
    if len(years) > 1:
        breaks = np.nonzero(np.diff(years) != 1)[0]
        if len(breaks):
            y = y.iloc[breaks[-1] + 1:]
    return y


@dataclass
class SeriesModel:
    """Applies a single-series function to every LA of a panel."""

    name: str
    kind: str  # "last", "drift", "compound", "ets", "ets_damped", "arima"
    k: int = 5
    description: str = ""

    def forecast_series(self, y: pd.Series, horizon: int,
                        levels: Sequence[float] = (0.8, 0.95)) -> SeriesForecast:
        """Forecast one series (nominal intervals at ``levels`` where the model has them)."""
        if self.kind == "last":
            return SeriesForecast(last_value(y, horizon))
        if len(y) < 2:
            return SeriesForecast(last_value(y, horizon), fallback="last_value: one year only")
        if self.kind == "drift":
            return SeriesForecast(linear_drift(y, horizon, self.k))
        if self.kind == "compound":
            return SeriesForecast(compound_growth(y, horizon, self.k))
        if self.kind in ("ets", "ets_damped"):
            return ets_log(y, horizon, damped=self.kind == "ets_damped", levels=levels)
        if self.kind == "arima":
            return arima_log(y, horizon, levels)
        raise ValueError(f"unknown series model kind {self.kind!r}")

    def predict(self, panel: Panel, horizon: int, las: Sequence[str] | None = None
                ) -> pd.DataFrame:
        """Point forecasts (counts) for every usable LA, columns h = 1..horizon."""
        if self.kind in ("last", "drift", "compound"):
            return self._predict_vectorised(panel, horizon, las)
        return _frame({la: self.forecast_series(_history(panel, la), horizon, levels=()).mean
                       for la in _usable(panel, las)}, horizon)

    def _predict_vectorised(self, panel: Panel, horizon: int, las: Sequence[str] | None
                            ) -> pd.DataFrame:
        """:func:`last_value`, :func:`linear_drift` or :func:`compound_growth` on every LA's
        latest unbroken run of positive counts (:func:`_history`) at once: the same numbers as
        the series-by-series path, without a Python loop over LAs (the backtest calls these
        models at every origin)."""
        usable = _usable(panel, las)
        last = panel.last_year
        plans = panel.plans.loc[usable, :last]
        pos = plans.where(plans > 0)
        run = pos.notna().iloc[:, ::-1].cumprod(axis=1).sum(axis=1).to_numpy()
        y_t = pos[last].to_numpy(dtype=float)
        h = np.arange(1, horizon + 1)
        if self.kind == "last":
            out = np.repeat(y_t[:, None], horizon, axis=1)
        else:
            k = np.minimum(self.k, run - 1)  # 0 where only one year: the last value
            cols = np.searchsorted(pos.columns.to_numpy(), last - np.maximum(k, 1))
            y_0 = pos.to_numpy(dtype=float)[np.arange(len(usable)), cols]
            kk = np.maximum(k, 1)
            if self.kind == "drift":
                step = np.where(k > 0, (y_t - y_0) / kk, 0.0)
                out = np.maximum(y_t[:, None] + step[:, None] * h[None, :], 0.0)
            else:
                rate = np.where(k > 0, (y_t / np.where(k > 0, y_0, y_t)) ** (1.0 / kk), 1.0)
                out = y_t[:, None] * rate[:, None] ** h[None, :]
        return _frame(dict(zip(usable, out, strict=True)), horizon)

    def predict_nominal(self, panel: Panel, horizon: int, las: Sequence[str] | None = None
                        ) -> dict[float, tuple[pd.DataFrame, pd.DataFrame]]:
        """Nominal interval bounds (counts) by level, for models that have them."""
        out: dict[float, tuple[dict, dict]] = {}
        for la in _usable(panel, las):
            fc = self.forecast_series(_history(panel, la), horizon)
            for lv, (lo, hi) in fc.nominal.items():
                out.setdefault(lv, ({}, {}))
                out[lv][0][la] = lo
                out[lv][1][la] = hi
        return {lv: (_frame(lo, horizon), _frame(hi, horizon)) for lv, (lo, hi) in out.items()}


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


def _growth(panel: Panel, k: int) -> pd.Series:
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


@dataclass
class EnglandGrowth:
    """England's compound growth over ``k`` years applied to every LA (a naive pooled rule)."""

    k: int = 5
    name: str = "england_growth_5y"
    description: str = "England's 5-year compound growth applied to the LA"

    def predict(self, panel: Panel, horizon: int, las: Sequence[str] | None = None
                ) -> pd.DataFrame:
        """Point forecasts (counts)."""
        g = national_growth(panel, self.k)
        last = panel.last_year
        h = np.arange(1, horizon + 1)
        return _frame({la: panel.plans.at[la, last] * np.exp(g * h)
                       for la in _usable(panel, las)}, horizon)


def shrinkage_weights(estimates: pd.Series, variances: pd.Series, groups: pd.Series
                      ) -> tuple[pd.Series, pd.Series, float]:
    """Empirical-Bayes (James-Stein type) shrinkage of unit estimates toward their group means.

    ``estimates`` and ``variances`` (sampling variance of each estimate) are indexed by unit;
    ``groups`` maps unit -> group. The between-unit variance is estimated by moments,
    ``tau2 = max(var(estimate - group mean) - mean(variance), 0)``, and each unit's weight on its
    own estimate is ``tau2 / (tau2 + variance)``. Returns (weights, group means, tau2).
    """
    est = estimates.dropna()
    var = variances.reindex(est.index)
    grp = groups.reindex(est.index)
    means = est.groupby(grp).transform("mean")
    tau2 = float(max(np.var(est - means, ddof=1) - var.mean(), 0.0)) if len(est) > 2 else 0.0
    w = tau2 / (tau2 + var) if tau2 > 0 else pd.Series(0.0, index=est.index)
    return w, est.groupby(grp).mean(), tau2


@dataclass
class PooledShrinkage:
    """Each LA's growth shrunk toward its region's, and the region's toward England's.

    Growth is the mean yearly log growth over ``k`` years. The LA's weight on its own growth is
    ``tau2 / (tau2 + s2/k)`` (:func:`shrinkage_weights`), with ``s2`` the LA's yearly-growth
    variance averaged with the pooled one; regions are shrunk toward England in the same way.
    """

    k: int = 5
    name: str = "pooled_shrinkage"
    description: str = "LA growth shrunk toward region and England (empirical Bayes)"

    def growth(self, panel: Panel) -> pd.Series:
        """The shrunken yearly log growth rate of every LA."""
        last = panel.last_year
        k = max(1, min(self.k, len(panel.plans.columns) - 1))
        logs = np.log(panel.plans.where(panel.plans > 0)).loc[:, last - k:last]
        d = logs.diff(axis=1).iloc[:, 1:]
        m = d.mean(axis=1)
        s2_own = d.var(axis=1, ddof=1)
        s2 = (s2_own.fillna(s2_own.median()) + s2_own.median()) / 2
        v = s2 / d.notna().sum(axis=1).clip(lower=1)
        region = panel.region.reindex(m.index).fillna("unknown")
        w, reg_means, _ = shrinkage_weights(m, v, region)
        g_eng = national_growth(panel, self.k)
        v_reg = v.groupby(region).mean() / region.value_counts().reindex(v.groupby(region).mean().index)
        reg_dev = reg_means - g_eng
        tau2_r = float(max(np.var(reg_dev, ddof=1) - v_reg.mean(), 0.0)) if len(reg_dev) > 2 else 0.0
        w_r = tau2_r / (tau2_r + v_reg) if tau2_r > 0 else v_reg * 0.0
        reg_shrunk = g_eng + w_r * reg_dev
        target = region.map(reg_shrunk).fillna(g_eng)
        g = w.reindex(m.index).fillna(0.0) * m.fillna(target) + (1 - w.reindex(m.index).fillna(0.0)) * target
        return g

    def predict(self, panel: Panel, horizon: int, las: Sequence[str] | None = None
                ) -> pd.DataFrame:
        """Point forecasts (counts)."""
        g = self.growth(panel)
        last = panel.last_year
        h = np.arange(1, horizon + 1)
        return _frame({la: panel.plans.at[la, last] * np.exp(g[la] * h)
                       for la in _usable(panel, las)}, horizon)


@dataclass
class Prevalence:
    """Plans per child (population aged 0-17): England's growth in that rate applied to the LA's
    rate, times the LA's population projected on its own ``k``-year trend.

    Needs ``panel.population``; LAs without population figures get England's total growth.
    """

    k: int = 5
    name: str = "prevalence"
    description: str = "England's growth in plans per child x the LA's projected 0-17 population"

    def predict(self, panel: Panel, horizon: int, las: Sequence[str] | None = None
                ) -> pd.DataFrame:
        """Point forecasts (counts)."""
        if panel.population is None or panel.population.shape[1] < 2:
            raise DataError("population aged 0-17 is not available",
                            expected="ONS mid-year estimates via send_analysis.data.population")
        last = panel.last_year
        pop = panel.population
        k = min(self.k, pop.shape[1] - 1)
        p_last, p_first = pop.columns.max(), pop.columns.max() - k
        pop_g = np.log(pop[p_last] / pop[p_first]) / k
        eng_pop_g = float(np.log(pop[p_last].sum() / pop[p_first].sum()) / k)
        rate_g = national_growth(panel, self.k) - eng_pop_g
        h = np.arange(1, horizon + 1)
        out = {}
        for la in _usable(panel, las):
            g = rate_g + (pop_g.get(la, np.nan) if np.isfinite(pop_g.get(la, np.nan)) else eng_pop_g)
            out[la] = panel.plans.at[la, last] * np.exp(g * h)
        return _frame(out, horizon)


# ---- the global (cross-LA) regression ---------------------------------------------------------

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
    out["own_growth"] = _growth(panel, k) - g_eng
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


@dataclass
class GlobalRegression:
    """England's growth plus each LA's predicted deviation from it, learned across all LAs.

    For horizon h at origin T the deviation model is a least-squares regression, pooled over
    every LA and every past origin t <= T - h (so only outcomes known at T), of the LA's h-year
    log growth relative to England on :func:`features` at t. Its coefficient on ``own_growth``
    is the data's own shrinkage factor (0 = pure England, 1 = the LA's own trend). A small ridge
    penalty ``ridge`` keeps the fit stable; with fewer than ``min_rows`` training rows the
    deviation is 0 (England's growth), a documented fallback.

    A feature the LA lacks at an origin (no population before mid-2012, a suppressed new-plan
    count) is taken at England's value, 0, in training and forecasting alike
    (``missing="england"``, decision 0037), so early origins still train the features they
    have; ``missing="drop"`` drops such rows from training (decision 0031's rule).

    England's growth is :func:`national_growth_blend` over ``national_k`` (default the mean of
    its 3-year and 5-year growth, decision 0036); ``national_k=(5,)`` is the model of decision
    0031 (England's 5-year growth), kept in the registry as ``pooled_regression_5y``.
    """

    k: int = 5
    ridge: float = 1.0
    min_rows: int = 100
    first_origin: int = 2012
    use: tuple[str, ...] = ("own_growth", "region_growth", "new_plan_rate", "prevalence",
                            "population_growth_1y")
    national_k: tuple[int, ...] = (3, 5)
    missing: str = "england"
    name: str = "pooled_regression"
    description: str = ("England's growth (mean of its 3- and 5-year growth) + LA deviation "
                        "regressed across LAs on own/region growth, new-plan rate, prevalence "
                        "and last year's child-population change")
    coefficients_: dict[int, pd.Series] = field(default_factory=dict, repr=False)

    def _history_features(self, panel: Panel, cols: list[str]) -> dict[int, pd.DataFrame]:
        first = max(self.first_origin, int(panel.plans.columns.min()) + 2)
        return {t: features(panel.as_of(t), self.k)[cols] for t in range(first, panel.last_year)}

    def deviations(self, panel: Panel, horizon: int) -> pd.DataFrame:
        """Predicted log-growth deviation from England, LA x h (1..horizon)."""
        if self.missing not in ("england", "drop"):
            raise ValueError(f"GlobalRegression.missing must be 'england' or 'drop', "
                             f"not {self.missing!r}")
        now = features(panel, self.k)
        cols = [c for c in self.use if now[c].notna().mean() > 0.5]
        past = self._history_features(panel, cols) if cols else {}
        last = panel.last_year
        out = {}
        for h in range(1, horizon + 1):
            pairs = [(f, relative_growth(panel, t, h)) for t, f in past.items() if t + h <= last]
            if pairs and cols:
                x = pd.concat([p[0] for p in pairs])
                y = pd.concat([p[1] for p in pairs])
                ok = y.notna() & np.isfinite(y)
                if self.missing == "drop":
                    ok &= x.notna().all(axis=1)
                x, y = x[ok].fillna(0.0), y[ok]
            else:
                y = pd.Series(dtype=float)
            if len(y) < self.min_rows or not cols:
                out[h] = pd.Series(0.0, index=now.index)
                continue
            mu, sd = x.mean(), x.std(ddof=0).replace(0, 1.0)
            z = ((x - mu) / sd).to_numpy()
            a = np.c_[np.ones(len(z)), z]
            pen = self.ridge * np.eye(a.shape[1])
            pen[0, 0] = 0.0
            beta = np.linalg.solve(a.T @ a + pen, a.T @ y.to_numpy())
            slopes = beta[1:] / sd.to_numpy()  # per unit of each raw feature
            self.coefficients_[h] = pd.Series(
                np.r_[beta[0] - float(mu.to_numpy() @ slopes), slopes],
                index=["intercept", *cols])  # deviation = intercept + features @ slopes
            fill = 0.0 if self.missing == "england" else mu
            zn = ((now[cols].fillna(fill) - mu) / sd).fillna(0.0).to_numpy()
            out[h] = pd.Series(beta[0] + zn @ beta[1:], index=now.index)
        return pd.DataFrame(out)

    def predict(self, panel: Panel, horizon: int, las: Sequence[str] | None = None
                ) -> pd.DataFrame:
        """Point forecasts (counts)."""
        g = national_growth_blend(panel, self.national_k)
        dev = self.deviations(panel, horizon)
        last = panel.last_year
        h = np.arange(1, horizon + 1)
        return _frame({la: panel.plans.at[la, last] * np.exp(g * h + dev.loc[la].to_numpy())
                       for la in _usable(panel, las)}, horizon)


@dataclass
class Ensemble:
    """Geometric mean (mean of log forecasts) of member models, with optional weights."""

    members: list
    weights: list[float] | None = None
    name: str = "ensemble"
    description: str = ""

    def predict(self, panel: Panel, horizon: int, las: Sequence[str] | None = None
                ) -> pd.DataFrame:
        """Point forecasts (counts)."""
        frames = [m.predict(panel, horizon, las) for m in self.members]
        w = np.asarray(self.weights or [1.0] * len(frames), dtype=float)
        w = w / w.sum()
        common = frames[0].index
        for f in frames[1:]:
            common = common.intersection(f.index)
        logs = sum(wi * np.log(f.loc[common]) for wi, f in zip(w, frames, strict=True))
        return np.exp(logs)


def model_registry(with_population: bool = True) -> dict[str, object]:
    """Every candidate model, by name (the backtest compares them all)."""
    models: dict[str, object] = {
        "last_value": SeriesModel("last_value", "last", description="last count held flat"),
        "drift_5y": SeriesModel("drift_5y", "drift", 5, "linear trend in counts over 5 years"),
        "compound_5y": SeriesModel("compound_5y", "compound", 5, "compound growth over 5 years"),
        "compound_3y": SeriesModel("compound_3y", "compound", 3, "compound growth over 3 years"),
        "england_growth_5y": EnglandGrowth(5),
        "ets_log": SeriesModel("ets_log", "ets", description="ETS(A,A,N) on log counts"),
        "ets_damped_log": SeriesModel("ets_damped_log", "ets_damped",
                                      description="ETS(A,Ad,N) on log counts"),
        "arima_log": SeriesModel("arima_log", "arima",
                                 description="ARIMA(1,1,0) with drift on log counts (Yule-Walker)"),
        "pooled_shrinkage": PooledShrinkage(5),
        "pooled_regression": GlobalRegression(),
        "pooled_regression_5y": GlobalRegression(
            use=("own_growth", "region_growth", "new_plan_rate", "prevalence"),
            national_k=(5,), missing="drop", name="pooled_regression_5y",
            description="decision 0031's model: England's 5-year growth, four LA features"),
    }
    if with_population:
        models["prevalence"] = Prevalence(5)
    return models

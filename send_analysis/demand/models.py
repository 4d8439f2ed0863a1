"""Panel models for the EHC plan caseload of every LA, all with one interface.

Every model is a :class:`PanelModel`: it has a ``name``, a ``description`` and
``predict(panel, horizon, las=None)``, which forecasts every LA of a
:class:`~send_analysis.demand.panel.Panel` cut at the origin and returns an LA x horizon frame of
counts. The backtest, the forecast and the headroom code see only that interface.

The layers below, as in statsforecast:

- :mod:`send_analysis.demand.series`: the single-series kernels (last value, drift, compound,
  ETS, damped ETS, ARIMA/AR), chosen by kind from a dict; :class:`SeriesModel` runs one on every
  LA;
- :mod:`send_analysis.demand.features`: England's and each LA's growth and the per-LA predictors
  (and their cache) that the pooled models learn from.

All models except the naive ones work on log counts, so forecasts stay positive and growth is
multiplicative. Intervals are not made here: :mod:`send_analysis.demand.intervals` calibrates them
on backtest errors (``docs/decisions/0032-calibrated-intervals.md``). :func:`model_registry` holds
every candidate by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from send_analysis.demand.features import (
    features,
    national_growth,
    national_growth_blend,
    relative_growth,
)
from send_analysis.demand.panel import Panel
from send_analysis.demand.series import (
    PANEL_KERNELS,
    SeriesForecast,
    last_value,
    series_kernel,
)
from send_analysis.errors import DataError


@runtime_checkable
class PanelModel(Protocol):
    """The interface every demand model implements (the backtest and the forecast use nothing
    else)."""

    name: str
    description: str

    def predict(self, panel: Panel, horizon: int, las: Sequence[str] | None = None
                ) -> pd.DataFrame:
        """Point forecasts (counts), LA x h (1..horizon), for every usable LA of ``panel``
        (those in ``las`` if given) at its origin ``panel.last_year``."""
        ...


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
    """Applies a single-series kernel (:mod:`send_analysis.demand.series`) to every LA of a
    panel."""

    name: str
    kind: str  # a key of send_analysis.demand.series.SERIES_KERNELS
    k: int = 5
    description: str = ""

    def forecast_series(self, y: pd.Series, horizon: int,
                        levels: Sequence[float] = (0.8, 0.95)) -> SeriesForecast:
        """Forecast one series with the kernel of :attr:`kind`
        (:data:`~send_analysis.demand.series.SERIES_KERNELS`; nominal intervals at ``levels``
        where the kernel has them). A one-year series gets its last value, except from the
        ``last`` kernel itself."""
        kernel = series_kernel(self.kind)
        if self.kind != "last" and len(y) < 2:
            return SeriesForecast(last_value(y, horizon), fallback="last_value: one year only")
        return kernel(y, horizon, self.k, levels)

    def predict(self, panel: Panel, horizon: int, las: Sequence[str] | None = None
                ) -> pd.DataFrame:
        """Point forecasts (counts) for every usable LA, columns h = 1..horizon."""
        if self.kind in PANEL_KERNELS:
            return self._predict_vectorised(panel, horizon, las)
        return _frame({la: self.forecast_series(_history(panel, la), horizon, levels=()).mean
                       for la in _usable(panel, las)}, horizon)

    def _predict_vectorised(self, panel: Panel, horizon: int, las: Sequence[str] | None
                            ) -> pd.DataFrame:
        """The naive kernels (:data:`~send_analysis.demand.series.PANEL_KERNELS`) on every LA's
        latest unbroken run of positive counts (:func:`_history`) at once: the same numbers as
        the series-by-series path, without a Python loop over LAs (the backtest calls these
        models at every origin)."""
        usable = _usable(panel, las)
        last = panel.last_year
        plans = panel.plans.loc[usable, :last]
        pos = plans.where(plans > 0)
        run = pos.notna().iloc[:, ::-1].cumprod(axis=1).sum(axis=1).to_numpy()
        y_t = pos[last].to_numpy(dtype=float)
        k = np.minimum(self.k, run - 1)  # 0 where only one year: the last value
        cols = np.searchsorted(pos.columns.to_numpy(), last - np.maximum(k, 1))
        y_0 = pos.to_numpy(dtype=float)[np.arange(len(usable)), cols]
        out = PANEL_KERNELS[self.kind](y_t, y_0, k, np.arange(1, horizon + 1))
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

    members: list[PanelModel]
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


def model_registry(with_population: bool = True) -> dict[str, PanelModel]:
    """Every candidate model, by name (the backtest compares them all)."""
    models: dict[str, PanelModel] = {
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

"""How much better than England's growth rule could any LA-level model be? (decision 0038)

A backtest says how far a model was off; it does not say how far off the *best possible* model
would have been. This module bounds that from above, at one origin and horizon, by giving
models more than a forecaster has:

- **national hindsight**: England's actual growth over the horizon, every LA at England's pace
  (the best a national rule can do);
- **hindsight on time, across LAs**: the LA deviations of the target period are regressed on the
  LA's indicators at the origin, fitted on the *same period's* outcomes of every other LA
  (leave-one-LA-out), by least absolute deviations (the loss closest to the APE). No forecaster
  has those outcomes at the origin, so no linear model on the same indicators can expect to do
  better out of time;
- **in-sample**: the same fit including the LA itself - pure overfitting, a floor no honest
  method reaches.

Each is applied to the default model's features and to a wider set built from the panel
(:func:`extended_features`). Results come back as a :class:`HeadroomResult`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from send_analysis.demand.features import (
    features,
    national_growth,
    national_growth_blend,
    relative_growth,
)
from send_analysis.demand.models import GlobalRegression
from send_analysis.demand.panel import Panel
from send_analysis.demand.series import quiet


def _share_deviation(part: pd.Series, total: pd.Series) -> pd.Series:
    """The LA's share (part / total) minus England's (sum of parts / sum of totals)."""
    ok = part.notna() & total.notna() & (total > 0)
    return part / total.where(total > 0) - part[ok].sum() / total[ok].sum()


def extended_features(panel: Panel) -> pd.DataFrame:
    """:func:`features.features` plus every other LA indicator the panel holds at its origin, each
    a deviation from England's value: own growth over 1-3 years, the region's over 1-2 years,
    setting-group and age-band shares (latest published year), new-plan growth over the last
    year, the ceased rate and log caseload."""
    t = panel.last_year
    plans, nat = panel.plans, panel.national
    out = features(panel)
    for k in (1, 2, 3):
        if t - k in plans.columns:
            out[f"own_growth_{k}y"] = (np.log(plans[t] / plans[t - k])
                                       - np.log(nat[t] / nat[t - k])) / k
    region = panel.region.reindex(plans.index).fillna("unknown")
    reg = plans.groupby(region).sum(min_count=1)
    for k in (1, 2):
        if t - k in reg.columns:
            rg = (np.log(reg[t] / reg[t - k]) - np.log(nat[t] / nat[t - k])) / k
            out[f"region_growth_{k}y"] = region.map(rg).astype(float)
    for g, d in (panel.groups or {}).items():
        if t in d.columns:
            out[f"share_{g}"] = _share_deviation(d[t], plans[t])
    if panel.ages:
        years = [y for y in next(iter(panel.ages.values())).columns if y <= t]
        ya = max(years) if years else None
        if ya is not None:
            total = sum(d[ya].fillna(0) for d in panel.ages.values() if ya in d.columns)
            for a, d in panel.ages.items():
                if ya in d.columns:
                    out[f"age_{a}"] = _share_deviation(d[ya], total)
    new = panel.new_plans
    if new is not None and {t - 1, t - 2} <= set(new.columns):
        ok = new[t - 1].notna() & new[t - 2].notna() & (new[t - 2] > 0) & (new[t - 1] > 0)
        out["new_plan_growth"] = (np.log(new[t - 1] / new[t - 2].where(new[t - 2] > 0))
                                  - np.log(new[t - 1][ok].sum() / new[t - 2][ok].sum()))
    if panel.ceased is not None and t - 1 in panel.ceased.columns:
        out["ceased_rate"] = _share_deviation(panel.ceased[t - 1], plans[t])
    out["log_size"] = np.log(plans[t]) - np.log(plans[t]).mean()
    return out.replace([np.inf, -np.inf], np.nan)


def lad_fit(x: pd.DataFrame, y: pd.Series) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """Least-absolute-deviation (median) regression of ``y`` on standardised ``x`` (missing
    values at 0, England's value). Returns (coefficients incl. intercept, mean, sd) so that
    :func:`lad_predict` applies the fit to new rows."""
    import statsmodels.api as sm

    x = x.fillna(0.0)
    mu, sd = x.mean(), x.std(ddof=0).replace(0, 1.0)
    a = np.c_[np.ones(len(x)), ((x - mu) / sd).to_numpy()]
    with quiet():  # IterationLimitWarning on near-degenerate designs; the fit is still usable
        beta = sm.QuantReg(y.to_numpy(float), a).fit(q=0.5, max_iter=2000).params
    return np.asarray(beta), mu, sd


def lad_predict(fit: tuple[np.ndarray, pd.Series, pd.Series], x: pd.DataFrame) -> np.ndarray:
    """Apply a :func:`lad_fit` result to rows ``x``."""
    beta, mu, sd = fit
    z = ((x.fillna(0.0) - mu) / sd).to_numpy()
    return beta[0] + z @ beta[1:]


def _mape(y0: pd.Series, log_growth: pd.Series, actual: pd.Series) -> float:
    fc = y0 * np.exp(log_growth)
    return float((np.abs(fc - actual) / actual).mean() * 100)


@dataclass
class HeadroomResult:
    """MAPE (%) of each bound at one origin and horizon, with what each one assumes.

    ``table`` has one row per approach: ``mape``, ``median_ape`` and ``knows`` (what the
    approach is given beyond the data at the origin). ``n_las`` LAs; ``n_features`` the number
    of indicators in the default and the extended sets.
    """

    origin: int
    horizon: int
    n_las: int
    n_features: dict[str, int]
    table: pd.DataFrame

    def lower_than_naive(self, row: str, naive: str = "England's 5-year growth rule") -> float:
        """How much lower (%) the MAPE of ``row`` is than that of ``naive``."""
        return float((1 - self.table.at[row, "mape"] / self.table.at[naive, "mape"]) * 100)


def headroom(panel: Panel, origin: int = 2022, horizon: int = 3,
             las: Sequence[str] | None = None) -> HeadroomResult:
    """Bounds on the MAPE any LA-level model could reach at ``origin`` -> ``origin + horizon``
    over ``las`` (default: the panel's LAs with a continuous series). See the module docstring.
    """
    if origin + horizon > panel.last_year:
        raise ValueError(f"origin {origin} + horizon {horizon} is after the last published "
                         f"year {panel.last_year}")
    cut = panel.as_of(origin)
    las = sorted(las if las is not None else panel.continuous)
    y0 = cut.plans.loc[las, origin]
    actual = panel.plans.loc[las, origin + horizon]
    dev = relative_growth(panel, origin, horizon).reindex(las)
    nat_actual = float(np.log(panel.national[origin + horizon] / panel.national[origin]))
    nat_5y = national_growth(cut, 5) * horizon

    default = GlobalRegression()
    model_dev = default.deviations(cut, horizon)[horizon].reindex(las)
    nat_model = national_growth_blend(cut, default.national_k) * horizon
    frames = {"default": features(cut)[list(default.use)], "extended": extended_features(cut)}
    # as in the model, an indicator most LAs lack at the origin is left out
    xs = {k: f.loc[:, f.notna().mean() > 0.5].reindex(las) for k, f in frames.items()}
    sets = {k: list(x.columns) for k, x in xs.items()}

    rows: dict[str, tuple[pd.Series, str]] = {
        "England's 5-year growth rule": (pd.Series(nat_5y, index=las), "nothing more"),
        "England's actual growth, every LA": (pd.Series(nat_actual, index=las),
                                              "England's outcome"),
        "default model (out of time)": (nat_model + model_dev, "nothing more"),
    }
    for name, x in xs.items():
        loo = pd.Series(np.nan, index=las)
        for la in las:
            rest = [c for c in las if c != la]
            fit = lad_fit(x.loc[rest], dev.loc[rest])
            loo[la] = lad_predict(fit, x.loc[[la]])[0]
        rows[f"LAD on {name} features, other LAs' outcomes"] = (
            nat_actual + loo, "England's and every other LA's outcome")
        full = lad_predict(lad_fit(x, dev), x)
        rows[f"LAD on {name} features, in-sample"] = (
            nat_actual + pd.Series(full, index=las), "every outcome, its own included")
    table = pd.DataFrame({
        name: {"mape": _mape(y0, g, actual),
               "median_ape": float((np.abs(y0 * np.exp(g) - actual) / actual).median() * 100),
               "knows": knows}
        for name, (g, knows) in rows.items()}).T
    table[["mape", "median_ape"]] = table[["mape", "median_ape"]].astype(float)
    return HeadroomResult(origin, horizon, len(las), {k: len(v) for k, v in sets.items()}, table)

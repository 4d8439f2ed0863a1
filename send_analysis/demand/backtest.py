"""Rolling-origin backtest of every demand model over every LA.

At each origin T (January T) each model sees only ``panel.as_of(T)`` and forecasts
T+1 .. T+H; the forecasts are compared with the published counts. Origins before the first
evaluated one (from ``calib_start``) are run too, only to calibrate the intervals of later
origins (:mod:`send_analysis.demand.intervals`). Results come back as a :class:`BacktestResult`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from send_analysis.demand import intervals as iv
from send_analysis.demand.models import model_registry
from send_analysis.demand.panel import Panel
from send_analysis.report.shared import national

#: Years whose January census falls in, or right after, the pandemic school closures.
PANDEMIC_YEARS: frozenset[int] = frozenset({2021, 2022})


def _forecast_origin(panel: Panel, models: Mapping[str, object], origin: int, max_h: int,
                     las: Sequence[str] | None) -> pd.DataFrame:
    cut = panel.as_of(origin)
    horizon = min(max_h, panel.last_year - origin)
    rows = []
    scale = {la: iv.mase_scale(cut.plans.loc[la]) for la in cut.plans.index}
    for name, model in models.items():
        try:
            fc = model.predict(cut, horizon, las)
        except (ValueError, KeyError):  # e.g. prevalence without population at early origins
            continue
        long = fc.stack().rename("forecast").reset_index()
        long["model"] = name
        rows.append(long)
    if not rows:
        return pd.DataFrame()
    out = pd.concat(rows, ignore_index=True)
    out["origin"] = origin
    out["h"] = out["h"].astype(int)
    out["year"] = origin + out["h"]
    out["actual"] = [panel.plans.at[la, y] if y in panel.plans.columns else np.nan
                     for la, y in zip(out["la_code"], out["year"], strict=True)]
    out["mase_scale"] = out["la_code"].map(scale)
    return out


@dataclass
class BacktestResult:
    """Forecasts, outcomes and calibrated intervals of a rolling-origin backtest.

    ``forecasts`` has one row per (model, origin, la_code, h) with ``forecast``, ``actual``,
    ``log_error``, ``lower80/upper80/lower95/upper95`` and ``evaluated`` (False for rows run
    only to calibrate later intervals).
    """

    forecasts: pd.DataFrame
    origins: tuple[int, ...]
    horizons: int

    @property
    def evaluated(self) -> pd.DataFrame:
        """Rows of the evaluated origins whose outcome is published."""
        f = self.forecasts
        return f[f["evaluated"] & f["actual"].notna()]

    @staticmethod
    def _metrics(g: pd.DataFrame) -> pd.Series:
        a = g["actual"].to_numpy(float)
        f = g["forecast"].to_numpy(float)
        pe = (f - a) / a * 100
        width = ((g["upper80"] - g["lower80"]) / g["forecast"] * 100).dropna()
        return pd.Series({
            "n": len(g),
            "mape": float(np.mean(np.abs(pe))),
            "median_ape": float(np.median(np.abs(pe))),
            "mase": float(np.nanmean(np.abs(f - a) / g["mase_scale"].to_numpy(float))),
            "bias": float(np.mean(pe)),
            "coverage80": iv.coverage(a, g["lower80"], g["upper80"]),
            "coverage95": iv.coverage(a, g["lower95"], g["upper95"]),
            "width80": float(width.mean()) if len(width) else float("nan"),
        })

    def _group(self, keys: list[str], data: pd.DataFrame | None = None) -> pd.DataFrame:
        d = self.evaluated if data is None else data
        return d.groupby(keys).apply(self._metrics, include_groups=False)

    def overall(self) -> pd.DataFrame:
        """Metrics by model over every evaluated origin, horizon and LA."""
        return self._group(["model"]).sort_values("mape")

    def by_horizon(self) -> pd.DataFrame:
        """Metrics by model and horizon (rows model x h)."""
        return self._group(["model", "h"])

    def by_origin(self) -> pd.DataFrame:
        """Metrics by model, origin and horizon, with ``pandemic`` marking target years
        2021-2022 (the censuses during and right after school closures)."""
        out = self._group(["model", "origin", "h"]).reset_index()
        out["target_year"] = out["origin"] + out["h"]
        out["pandemic"] = out["target_year"].isin(PANDEMIC_YEARS)
        return out

    def by_la(self, model: str | None = None) -> pd.DataFrame:
        """Metrics by LA and horizon for one model (default: the chosen default model)."""
        model = model or self.default_model()
        d = self.evaluated[self.evaluated["model"] == model]
        return self._group(["la_code", "h"], d)

    def at(self, origin: int, horizon: int, las: Sequence[str] | None = None) -> pd.DataFrame:
        """Metrics by model for one origin and horizon (optionally a subset of LAs)."""
        d = self.forecasts[(self.forecasts["origin"] == origin) & (self.forecasts["h"] == horizon)
                           & self.forecasts["actual"].notna()]
        if las is not None:
            d = d[d["la_code"].isin(list(las))]
        return self._group(["model"], d).sort_values("mape")

    def default_model(self, candidates: Sequence[str] | None = None) -> str:
        """The model with the lowest MAPE averaged over horizons 1..H (every origin counts, so
        one year cannot choose it)."""
        bh = self.by_horizon().reset_index()
        if candidates is not None:
            bh = bh[bh["model"].isin(list(candidates))]
        return str(bh.groupby("model")["mape"].mean().idxmin())

    def summary_frame(self) -> pd.DataFrame:
        """Overall metrics plus MAPE and 80% coverage at each horizon, one row per model."""
        bh = self.by_horizon()
        wide = bh[["mape", "coverage80"]].unstack("h")
        wide.columns = [f"{m}_h{h}" for m, h in wide.columns]
        return self.overall().join(wide).sort_values("mape")

    def by(self, dimension: str) -> pd.DataFrame:
        """Metrics by model and ``dimension``: ``"h"`` (:meth:`by_horizon`), ``"origin"``
        (:meth:`by_origin`, rows model x origin x h) or ``"la_code"`` (:meth:`by_la`, the default
        model's rows LA x h)."""
        views = {"h": self.by_horizon, "origin": self.by_origin, "la_code": self.by_la}
        if dimension not in views:
            raise KeyError(f"{dimension!r} is not one of {list(views)}")
        return views[dimension]()

    def to_dict(self) -> dict:
        """JSON-ready: origins, horizons, the default model and each model's row of
        :meth:`summary_frame` (metrics rounded to 2 decimals; NaN as None)."""
        table = self.summary_frame()
        return {
            "origins": [int(o) for o in self.origins], "horizons": int(self.horizons),
            "default_model": self.default_model(),
            "models": {str(m): {k: (None if not np.isfinite(v) else round(float(v), 2))
                                for k, v in row.items()} for m, row in table.iterrows()},
        }


def add_intervals(fc: pd.DataFrame, window: int = 5, min_n: int = 100) -> pd.DataFrame:
    """Add calibrated 80/95% bounds to backtest forecasts (one or many models), each row using
    only errors from origins known at its own origin (:func:`intervals.error_quantiles`)."""
    fc = fc.copy()
    fc["log_error"] = np.log(fc["actual"] / fc["forecast"])
    bounds = {c: np.full(len(fc), np.nan) for c in ("lower80", "upper80", "lower95", "upper95")}
    for _model, block in fc.groupby("model"):
        errs = block[["origin", "h", "log_error"]]
        for (origin, h), idx in block.groupby(["origin", "h"]).indices.items():
            q = iv.error_quantiles(errs, int(origin), int(h), window=window, min_n=min_n)
            rows = block.index[idx]
            f = fc.loc[rows, "forecast"].to_numpy(float)
            pos = fc.index.get_indexer(rows)
            for lv, tag in ((0.8, "80"), (0.95, "95")):
                bounds[f"lower{tag}"][pos] = f * np.exp(q[lv][0])
                bounds[f"upper{tag}"][pos] = f * np.exp(q[lv][1])
    for c, v in bounds.items():
        fc[c] = v
    return fc


@national("backtest")  # the same for every LA: computed once per batch when sharing is on
def run_backtest(panel: Panel, models: Mapping[str, object] | None = None,
                 origins: Sequence[int] = range(2016, 2025), horizons: int = 5,
                 calib_start: int = 2012, las: Sequence[str] | None = None,
                 window: int = 5, n_jobs: int | None = None) -> BacktestResult:
    """Rolling-origin backtest: every model, every origin in ``origins`` (January years), horizons
    1..``horizons`` where the data allow, every LA of ``panel`` (or ``las``).

    Origins from ``calib_start`` up to the first evaluated one are forecast as well, only to
    calibrate intervals. ``n_jobs`` processes share the origins (default: CPU count, max 2).
    """
    if models is None:
        models = model_registry(with_population=panel.population is not None)
    evaluated = sorted(int(o) for o in origins if o < panel.last_year)
    if not evaluated:
        raise ValueError(f"no origin in {list(origins)} is before the last year {panel.last_year}")
    first_year = int(panel.plans.columns.min())
    all_origins = sorted(set(range(max(calib_start, first_year + 2), evaluated[-1] + 1))
                         | set(evaluated))
    all_origins = [o for o in all_origins if o <= evaluated[-1]]
    n_jobs = n_jobs or min(2, os.cpu_count() or 1)
    args = [(panel, models, o, horizons, las) for o in all_origins]
    if n_jobs > 1 and len(args) > 1:
        with ProcessPoolExecutor(n_jobs) as pool:
            parts = list(pool.map(_forecast_origin, *zip(*args, strict=True)))
    else:
        parts = [_forecast_origin(*a) for a in args]
    fc = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    fc = add_intervals(fc, window=window)
    fc["evaluated"] = fc["origin"].isin(evaluated)
    return BacktestResult(fc, tuple(evaluated), horizons)

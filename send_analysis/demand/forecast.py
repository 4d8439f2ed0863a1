"""The LA forecast: total caseload with calibrated intervals, setting groups, age bands and
primary needs that each sum to it, predictive paths for the finance model, and the flows that drive the growth.

- :func:`forecast` -> :class:`ForecastResult` (``.summary_frame()``);
- :func:`simulate_paths` -> draws by year x setting group (the finance engineer's input);
- :func:`growth_drivers` -> new plans, ceased plans and the rest of the change, by year.

The default model and its interval rule were chosen by the all-LA backtest
(``docs/decisions/0031-default-model-pooled-regression.md``, ``0032-calibrated-intervals.md``,
``0036-national-growth-blend.md``); components are
reconciled top-down with forecast shares (``0033-components-top-down-shares.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from send_analysis.data.tables import Tables
from send_analysis.data.taxonomy import AGE_BANDS, SETTING_GROUPS
from send_analysis.demand import intervals as iv
from send_analysis.demand.crosstab import NEEDS
from send_analysis.demand.models import model_registry
from send_analysis.demand.panel import Panel, default_panel, is_default_panel
from send_analysis.errors import DataError

#: The model the backtest chose (lowest MAPE averaged over horizons 1-5, origins 2016-2024).
DEFAULT_MODEL = "pooled_regression"
#: Origins of past errors used to calibrate intervals (most recent ``WINDOW`` with known outcome).
WINDOW = 5
#: Damping of the trend in log shares of components (0: shares held at the last year). The share
#: backtest chose 0 (decision 0033): every trend tried made the components worse.
SHARE_DAMPING = 0.0
#: Years of history used for the share trend and share volatility.
SHARE_YEARS = 6
#: Floor on the yearly volatility of a log share (keeps tiny, steady components from being exact).
SHARE_SD_FLOOR = 0.02

_CALIB_CACHE: dict[tuple, pd.DataFrame] = {}
_PREDICT_CACHE: dict[tuple, pd.DataFrame] = {}


def get_model(name: str | None = None, panel: Panel | None = None):
    """A model from the registry by name (default: :data:`DEFAULT_MODEL`)."""
    name = name or DEFAULT_MODEL
    reg = model_registry(with_population=panel is None or panel.population is not None)
    if name not in reg:
        raise DataError(f"unknown demand model {name!r}", expected=f"one of {sorted(reg)}")
    return reg[name]


def _predict_all(name: str, cut: Panel, horizon: int, panel: Panel) -> pd.DataFrame:
    """Point forecasts of model ``name`` for every LA from the panel ``cut`` (``panel`` as known
    at an origin). The pooled model is fitted across all LAs, so the frame is the same whichever
    LA asked: for the session's default panel it is kept (by model, origin and horizon) and a
    batch fits each model once per origin, not once per LA and page. Callers read rows only."""
    if not is_default_panel(panel):
        return get_model(name, cut).predict(cut, horizon)
    key = (id(panel), name, cut.last_year, int(horizon))
    if key not in _PREDICT_CACHE:
        _PREDICT_CACHE[key] = get_model(name, cut).predict(cut, horizon)
    return _PREDICT_CACHE[key]


def calibration_errors(panel: Panel, model_name: str, horizon: int, window: int = WINDOW,
                       cache_key: object = None) -> pd.DataFrame:
    """Log errors of ``model_name`` at the past origins that calibrate a forecast made at the
    panel's last year: origins T-horizon-window+1 .. T-1, every LA, horizons up to T - origin.

    Columns ``origin, h, la_code, log_error``. Cached under ``cache_key`` (e.g. the id of the
    uncut panel) with the model, origin and horizon.
    """
    origin = panel.last_year
    key = (cache_key, model_name, origin, horizon, window)
    if cache_key is not None and key in _CALIB_CACHE:
        return _CALIB_CACHE[key]
    model = get_model(model_name, panel)
    first = int(panel.plans.columns.min()) + 2
    rows = []
    for t in range(max(first, origin - horizon - window + 1), origin):
        h = min(horizon, origin - t)
        fc = model.predict(panel.as_of(t), h)
        long = fc.stack().rename("forecast").reset_index()
        long["origin"] = t
        long["actual"] = [panel.plans.at[la, t + hh] for la, hh in zip(long["la_code"], long["h"],
                                                                        strict=True)]
        rows.append(long)
    if not rows:
        out = pd.DataFrame(columns=["origin", "h", "la_code", "log_error"])
    else:
        out = pd.concat(rows, ignore_index=True)
        out["log_error"] = np.log(out["actual"] / out["forecast"])
        out = out[["origin", "h", "la_code", "log_error"]]
    if cache_key is not None:
        _CALIB_CACHE[key] = out
    return out


def forecast_shares(counts: pd.DataFrame, horizon: int, damping: float = SHARE_DAMPING,
                    years: int = SHARE_YEARS) -> tuple[pd.DataFrame, pd.Series]:
    """Forecast the shares of components (columns) of a total from their history (rows = years).

    Each component's log share follows its least-squares trend over the last ``years`` years,
    damped by ``damping`` per year ahead; shares are renormalised to sum to 1. A component with
    no count at the origin keeps a zero share. Missing years (e.g. age bands in 2023) are skipped.
    Returns (shares by year 1..horizon x component, yearly volatility of each log share).
    """
    c = counts.fillna(0.0).clip(lower=0.0)
    c = c[c.sum(axis=1) > 0]
    if c.empty:
        raise DataError("no component counts to share out the total",
                        expected="at least one year of counts by component")
    shares = c.div(c.sum(axis=1), axis=0).iloc[-years:]
    last = shares.iloc[-1]
    logs = np.log(shares.where(shares > 0))
    x = np.asarray(shares.index, dtype=float)
    slope = pd.Series(0.0, index=shares.columns)
    sd = pd.Series(SHARE_SD_FLOOR, index=shares.columns)
    for col in shares.columns:
        ok = logs[col].notna()
        if ok.sum() >= 3 and last[col] > 0:
            slope[col] = np.polyfit(x[ok], logs[col][ok], 1)[0]
            resid = np.diff(logs[col][ok].to_numpy()) / np.diff(x[ok])
            sd[col] = max(float(np.std(resid, ddof=1)), SHARE_SD_FLOOR)
    out = {}
    for h in range(1, horizon + 1):
        cum = sum(damping**j for j in range(1, h + 1))
        s = last * np.exp(slope * cum)
        out[h] = s / s.sum()
    return pd.DataFrame(out).T, sd


def reconcile(total: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Top-down reconciliation: components = total x shares (shares renormalised to sum to 1
    along the last axis), so the components sum to the total exactly.

    >>> reconcile(np.array([100.0]), np.array([[1.0, 3.0]])).tolist()
    [[25.0, 75.0]]
    """
    shares = np.asarray(shares, dtype=float)
    shares = shares / shares.sum(axis=-1, keepdims=True)
    return np.asarray(total, dtype=float)[..., None] * shares


@dataclass
class ForecastResult:
    """One LA's forecast: total with calibrated intervals, components, and predictive draws.

    ``draws`` is long: ``year, component_type ("setting_group"/"age_band"/"primary_need"),
    component, draw, plans``; total draws are ``component_type == "total"``.
    """

    la_code: str
    la_name: str
    model: str
    origin: int
    history: pd.Series
    mean: pd.Series
    bounds: pd.DataFrame
    draws: pd.DataFrame
    components_history: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def horizon(self) -> int:
        """Years ahead."""
        return len(self.mean)

    def summary_frame(self, component_type: str = "total") -> pd.DataFrame:
        """Year x component table: ``mean`` (model point forecast for the total; mean of draws
        for components, which sum to the total's), ``lower80, upper80, lower95, upper95``."""
        if component_type == "total":
            out = self.bounds.copy()
            out.insert(0, "mean", self.mean)
            out.insert(0, "component", "total")
            return out.reset_index().rename(columns={"index": "year"})
        d = self.draws[self.draws["component_type"] == component_type]
        if d.empty:
            raise DataError(f"no {component_type} forecast for LA {self.la_code}",
                            expected="setting_group or age_band data in the tables")
        g = d.groupby(["year", "component"])["plans"]
        out = pd.DataFrame({
            "mean": g.mean(),
            "lower80": g.quantile(0.1), "upper80": g.quantile(0.9),
            "lower95": g.quantile(0.025), "upper95": g.quantile(0.975),
        }).reset_index()
        # scale component means so they sum exactly to the total's point forecast
        tot = out.groupby("year")["mean"].transform("sum")
        out["mean"] = out["mean"] * out["year"].map(self.mean) / tot
        return out

    def by(self, dimension: str) -> pd.DataFrame:
        """The forecast by year and component of ``dimension`` (one of :data:`COMPONENT_TYPES`):
        the component rows of :meth:`summary_frame`, whose means sum to the total's."""
        if dimension not in COMPONENT_TYPES:
            raise KeyError(f"{dimension!r} is not one of {list(COMPONENT_TYPES)}")
        return self.summary_frame(dimension)

    def to_dict(self) -> dict:
        """JSON-ready: the LA, model and origin, the history, the total forecast and (when the
        tables have them) the setting groups' forecast, plans rounded to whole numbers, and notes."""
        def records(frame: pd.DataFrame) -> list[dict]:
            return [{k: (int(v) if k == "year" else _round(v) if k != "component" else v)
                     for k, v in row.items()} for row in frame.to_dict("records")]

        return {
            "la_code": self.la_code, "la_name": self.la_name, "model": self.model,
            "as_of": self.origin, "horizon": self.horizon,
            "history": {int(k): float(v) for k, v in self.history.items()},
            "forecast": records(self.summary_frame()),
            "setting_groups": records(self.summary_frame("setting_group"))
            if "setting_group" in self.components_history else [],
            "notes": self.notes,
        }


#: The component types of a forecast's draws (besides ``"total"``), the dimensions of ``by()``.
COMPONENT_TYPES = ("setting_group", "age_band", "primary_need")


def _round(v: float | None) -> float | None:
    """Rounded to a whole number (``None`` for a missing or infinite value), for JSON."""
    return None if v is None or not np.isfinite(v) else round(float(v), 0)


def _draw_total(point: np.ndarray, cals: list, u: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Draws (n x horizon): point x exp(error_h), with one idiosyncratic uniform ``u`` and one
    national normal ``z`` per draw shared by every horizon (a path that starts high stays high)."""
    out = np.empty((len(u), len(point)))
    for j, (p, cal) in enumerate(zip(point, cals, strict=True)):
        out[:, j] = p if cal is None else p * np.exp(cal.draw(u, z))
    return out


def _component_draws(total: np.ndarray, counts: pd.DataFrame, horizon: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Component draws (n x horizon x components) that sum to ``total`` in every draw."""
    shares, sd = forecast_shares(counts, horizon)
    n = total.shape[0]
    eps = rng.normal(size=(n, horizon, shares.shape[1])) * sd.to_numpy()[None, None, :]
    eps = np.cumsum(eps, axis=1)
    s = shares.to_numpy()[None, :, :] * np.exp(eps)
    return reconcile(total, s)


def forecast(la_code: str, horizon: int = 5, as_of: int | None = None, model: str | None = None,
             n_draws: int = 1000, seed: int = 0,
             tables: Tables | None = None,
             panel: Panel | None = None) -> ForecastResult:
    """Forecast an LA's EHC plans for January ``as_of + 1 .. as_of + horizon``.

    Uses only data up to January ``as_of`` (default: the latest year). Intervals are the
    model's past log errors at each horizon (all LAs, the ``WINDOW`` latest origins whose outcome
    was known at ``as_of``). Raises :class:`DataError` for an unknown LA, a horizon outside 1-10
    or an ``as_of`` outside the data.
    """
    la_code = str(la_code)
    if not 1 <= int(horizon) <= 10:
        raise DataError(f"horizon {horizon} for LA {la_code}", expected="1 to 10 years")
    panel = panel or default_panel(tables)
    first, last = int(panel.plans.columns.min()), panel.last_year
    origin = last if as_of is None else int(as_of)
    if not first + 5 <= origin <= last:
        raise DataError(f"as_of {as_of} for LA {la_code} is outside the data",
                        expected=f"a January census year from {first + 5} to {last}")
    cut = panel.as_of(origin)
    history = cut.series(la_code)
    notes = []
    if len(history) and int(history.index.max()) < origin:
        # the origin's published total was left out as implausible (decision 0075): start from
        # the last credible January and forecast through the years left out as well
        skipped = origin - int(history.index.max())
        origin, horizon = int(history.index.max()), int(horizon) + skipped
        cut = panel.as_of(origin)
        left_out = panel.flagged[(panel.flagged["la_code"] == la_code)
                                 & (panel.flagged["year"] > origin)]
        notes.append("published total(s) left out as implausible (decision 0075): " + "; ".join(
            f"January {int(r.year)} {r.value:,.0f} after {r.reference:,.0f} in {int(r.reference_year)}"
            for r in left_out.itertuples()) + f"; the forecast starts from January {origin}")
    if history.iloc[-1] <= 0 or len(history) < 3:
        raise DataError(f"LA {la_code} has too short or zero caseload history {history.to_dict()}",
                        expected="at least 3 years with positive counts up to the origin")
    name = model or DEFAULT_MODEL
    # an LA's own January after the published ones (decision 0087): the models are fitted and
    # their intervals calibrated on the published years, as for every LA; the LA's forecast is
    # their growth from the January given, applied to the LA's own figure
    fit_origin = min(origin, int(panel.national.index.max())) if len(panel.national) else origin
    extra = origin - fit_origin
    fit_cut = panel.as_of(fit_origin) if extra else cut
    point = _predict_all(name, fit_cut, horizon + extra, panel).loc[la_code].to_numpy(float)
    if extra:
        point = float(history.iloc[-1]) * point[extra:] / point[extra - 1]
        notes.append(f"the forecast starts from the LA's own January {origin} "
                     f"({float(history.iloc[-1]):,.0f}, inputs file); the model was fitted and its "
                     f"intervals calibrated on the published censuses to January {fit_origin}, "
                     f"and its growth from January {origin} applied (decision 0087)")
    errs = calibration_errors(fit_cut, name, horizon, cache_key=id(panel))
    years = list(range(origin + 1, origin + horizon + 1))
    bounds: dict[str, list[float]] = {}
    cals = [iv.calibrate(errs, fit_origin, h, window=WINDOW) for h in range(1, horizon + 1)]
    if any(c is None for c in cals):
        notes.append("too few past forecasts to calibrate some intervals; they are missing and "
                     "those years' draws equal the point forecast")
    for h, cal in enumerate(cals, start=1):
        for lv, tag in ((0.8, "80"), (0.95, "95")):
            lo, hi = cal.bounds(lv) if cal is not None else (np.nan, np.nan)
            bounds.setdefault(f"lower{tag}", []).append(point[h - 1] * np.exp(lo))
            bounds.setdefault(f"upper{tag}", []).append(point[h - 1] * np.exp(hi))
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=n_draws)
    z = rng.standard_normal(size=n_draws)
    total = _draw_total(point, cals, u, z)
    frames = [pd.DataFrame({"year": np.repeat([years], n_draws, axis=0).ravel(),
                            "component_type": "total", "component": "total",
                            "draw": np.repeat(np.arange(n_draws), horizon),
                            "plans": total.ravel()})]
    comp_hist = {}
    # primary need last, so adding it left the setting-group and age-band draws unchanged
    for ctype, parts, names in (("setting_group", cut.groups, list(SETTING_GROUPS)),
                                ("age_band", cut.ages, list(AGE_BANDS)),
                                ("primary_need", cut.needs, list(NEEDS))):
        if parts is None:
            notes.append(f"no {ctype} data: component forecast skipped")
            continue
        counts = pd.DataFrame({c: parts[c].loc[la_code] for c in names if c in parts})
        counts = counts[counts.notna().any(axis=1)]
        if counts.empty:
            notes.append(f"no {ctype} counts for LA {la_code}")
            continue
        comp_hist[ctype] = counts
        # an own January given by total only: the shares run on from the last split year
        gap = origin - int(counts.index.max())
        padded = np.concatenate([np.repeat(total[:, :1], gap, axis=1), total], axis=1)
        cd = _component_draws(padded, counts, horizon + gap, rng)[:, gap:, :]
        n, hh, k = cd.shape
        frames.append(pd.DataFrame({
            "year": np.tile(np.repeat(years, k), n),
            "component_type": ctype,
            "component": np.tile(list(counts.columns), n * hh),
            "draw": np.repeat(np.arange(n), hh * k),
            "plans": cd.ravel(),
        }))
    return ForecastResult(
        la_code=la_code,
        la_name=str(panel.names.get(la_code, la_code)),
        model=name,
        origin=origin,
        history=history,
        mean=pd.Series(point, index=years, name="plans"),
        bounds=pd.DataFrame(bounds, index=years),
        draws=pd.concat(frames, ignore_index=True),
        components_history=comp_hist,
        notes=notes,
    )


def simulate_paths(la_code: str, horizon: int, n_draws: int = 1000, as_of: int | None = None,
                   seed: int = 0, tables: Tables | None = None
                   ) -> pd.DataFrame:
    """Predictive paths of an LA's plans by setting group, for the finance model.

    Columns ``year`` (January census year, forecast years only), ``setting_group``, ``draw``,
    ``plans`` (float). The groups sum to the total in every draw and year. The total is drawn
    from the default model's calibrated error distribution (one quantile level per draw for all
    years, so a high path stays high); shares follow a damped trend with random-walk noise.
    """
    res = forecast(la_code, horizon, as_of=as_of, n_draws=n_draws, seed=seed, tables=tables)
    d = res.draws[res.draws["component_type"] == "setting_group"]
    if d.empty:
        raise DataError(f"no setting-group counts for LA {la_code}",
                        expected="plans_by_setting rows by setting")
    out = d.rename(columns={"component": "setting_group"})[["year", "setting_group", "draw",
                                                              "plans"]]
    return out.reset_index(drop=True).astype({"year": int, "draw": int, "plans": float})


def growth_drivers(la_code: str, tables: Tables | None = None,
                   panel: Panel | None = None) -> pd.DataFrame:
    """Where each year's change in caseload came from, by January census year.

    Columns: ``plans`` (January), ``change`` (from the January before), ``new_plans`` and
    ``ceased`` (issued / ceased in the calendar year before the census), ``other`` (change not
    explained by new minus ceased: moves between LAs, data revisions), ``new_rate`` and
    ``ceased_rate`` (per 100 plans held the January before). NaN where a flow is not published.
    """
    la_code = str(la_code)
    panel = panel or default_panel(tables)
    y = panel.series(la_code)
    out = pd.DataFrame({"plans": y})
    out["change"] = y.diff()
    for col, src in (("new_plans", panel.new_plans), ("ceased", panel.ceased)):
        if src is not None and la_code in src.index:
            s = src.loc[la_code]
            out[col] = [s.get(yr - 1, np.nan) for yr in out.index]
        else:
            out[col] = np.nan
    out["other"] = out["change"] - out["new_plans"] + out["ceased"]
    prev = y.shift(1)
    out["new_rate"] = out["new_plans"] / prev * 100
    out["ceased_rate"] = out["ceased"] / prev * 100
    out.index.name = "year"
    return out


def age_profile(la_code: str, tables: Tables | None = None,
                panel: Panel | None = None) -> pd.DataFrame:
    """Share (0-100) of the LA's plans in each age band, by January census year."""
    panel = panel or default_panel(tables)
    if panel.ages is None:
        raise DataError("plans_by_age is not available", expected="the plans_by_age table")
    counts = pd.DataFrame({a: panel.ages[a].loc[str(la_code)] for a in AGE_BANDS})
    counts = counts[counts.notna().any(axis=1)]
    return counts.div(counts.sum(axis=1), axis=0) * 100

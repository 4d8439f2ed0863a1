"""Finance backtest: the money projected as it would have been at past origins, against outturn.

Protocol (decision record ``docs/decisions/0065-finance-backtest.md``):

- **Origin** ``T`` = the latest financial year whose S251 outturn was published when the
  projection was made (FY 2018-19 to 2023-24). Published by then: S251 high-needs spend to ``T``,
  SEN2 plans to January ``T+1`` (the demand model is re-run at that origin with only that data,
  :func:`send_analysis.demand.backtest.run_backtest`), DSG balances at 31 March to the end of
  ``T``, HNB allocations for ``T+1`` (announced in the December before the outturn).
- **Spend** (the rich test, every LA): projected high-needs spend for ``T+1..T+3`` against the
  S251 outturn. Methods: the project's rule (``placements_national_cost``: the LA's outturn in ``T``
  x its financial-year placements forecast / its placements in ``T`` x England's growth in spend
  per placement in ``T``, compounded) and the naive rules ``hold_last_spend``, ``own_growth_3y``,
  ``england_growth`` (England's 3-year compound growth of spend) - plus the alternatives tried.
- **Balances** (thin: the mirror holds 31 March 2020, 2021 and 2022 only): from ``T`` = 2020-21,
  the cumulative balance at 31 March 2022 and the 2021-22 in-year change. From ``T`` = 2019-20 only
  ``hold_last_balance`` can be formed (no March 2019 balance, no 2019-20 HNB workbook).
- **Bands**: each forecast's 80% band comes from the log errors of the same method at the same
  horizon at *earlier* origins, pooled across LAs (at least :data:`MIN_CALIBRATION` errors), as
  in :mod:`send_analysis.demand.intervals`.

Nothing here is fitted to an LA: every rule has national parameters measured from data published
by the origin, and the defaults are chosen among a few such rules by these tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from send_analysis.finance.years import EARLIER_WEIGHT, LATER_WEIGHT, fy_label

#: Origins of the spend test (start year of the last financial year with outturn).
SPEND_ORIGINS: tuple[int, ...] = (2018, 2019, 2020, 2021, 2022, 2023)
HORIZONS: tuple[int, ...] = (1, 2, 3)
#: Errors needed before a band is formed from earlier origins.
MIN_CALIBRATION: int = 100
#: The project's spend rule (decision 0065) and the naive rules it must beat.
DEFAULT_SPEND_METHOD = "placements_national_cost"
NAIVE_SPEND = ("hold_last_spend", "own_growth_3y", "england_growth")
DEFAULT_BALANCE_METHOD = "structural_change"
#: The balance check every method can be formed at: (origin, target).
COMMON_CHECK: tuple[str, str] = ("2020-21", "2021-22")
NAIVE_BALANCE = ("hold_last_balance", "repeat_last_change", "scaled_last_change")
LEVEL = 0.8


def fy_placements(jan_y: np.ndarray | float, jan_y1: np.ndarray | float) -> np.ndarray | float:
    """Financial-year placements from the two January counts around it (decision 0045)."""
    return EARLIER_WEIGHT * jan_y + LATER_WEIGHT * jan_y1


def compound(now: float, before: float, years: int) -> float:
    """Compound annual growth from ``before`` to ``now`` over ``years``."""
    return (now / before) ** (1.0 / years) - 1.0


@lru_cache(maxsize=1)
def demand_forecasts() -> pd.DataFrame:
    """The default demand model's point forecasts at January origins 2019..2024 (h1-5), each
    made with the data published by that January (``la_code, origin, h, forecast``)."""
    from send_analysis.demand.backtest import run_backtest
    from send_analysis.demand.forecast import DEFAULT_MODEL, get_model
    from send_analysis.demand.panel import default_panel

    panel = default_panel()
    res = run_backtest(panel, {DEFAULT_MODEL: get_model(DEFAULT_MODEL, panel)},
                       origins=range(SPEND_ORIGINS[0] + 1, SPEND_ORIGINS[-1] + 2), horizons=4,
                       calib_start=SPEND_ORIGINS[0] + 1, n_jobs=1)
    return res.forecasts[["la_code", "origin", "h", "forecast"]].copy()


@dataclass(frozen=True)
class SpendData:
    """What the spend test reads: spend (LA x FY start year), plans (LA x January year) and the
    demand forecasts by origin."""

    spend: pd.DataFrame
    plans: pd.DataFrame
    forecasts: pd.DataFrame


def load_spend_data() -> SpendData:
    """Published S251 spend, SEN2 plans (current geography) and the demand forecasts."""
    from send_analysis.demand.panel import default_panel
    from send_analysis.finance.outturn import hn_spend_wide

    spend = hn_spend_wide()
    spend.columns = [int(str(c)[:4]) for c in spend.columns]
    plans = default_panel().plans
    return SpendData(spend, plans, demand_forecasts())


def national_rates(spend: pd.DataFrame, plans: pd.DataFrame, t: int, las: list[str]) -> dict:
    """England's (the LAs with outturn in every year) spend growth over 3 and 1 years to ``t``
    and growth in spend per financial-year placement over 1 and 3 years to ``t``."""
    years = [y for y in range(t - 3, t + 1) if y in spend.columns]
    eng = spend.loc[las, years].dropna().sum()
    eplans = plans.loc[las].sum()
    per = {y: eng[y] / fy_placements(eplans[y], eplans[y + 1]) for y in years}
    k = t - years[0]
    return {"spend_3y": compound(eng[t], eng[years[0]], k), "spend_1y": compound(eng[t], eng[t - 1], 1),
            "per_placement_1y": compound(per[t], per[t - 1], 1),
            "per_placement_3y": compound(per[t], per[years[0]], k)}


def spend_forecasts(data: SpendData, origins: tuple[int, ...] = SPEND_ORIGINS) -> pd.DataFrame:
    """One row per (origin, LA, horizon) with the outturn and every method's forecast (£)."""
    S, P = data.spend, data.plans
    rows = []
    for t in origins:
        fc = data.forecasts[data.forecasts["origin"] == t + 1]
        fc = fc.pivot(index="la_code", columns="h", values="forecast")
        las = [la for la in S.index.intersection(P.index).intersection(fc.index)
               if pd.notna(S.at[la, t]) and t - 1 in S.columns and pd.notna(S.at[la, t - 1])]
        rates = national_rates(S, P, t, las)
        before = national_rates(S, P, t - 1, las) if t - 1 - 1 in S.columns else rates
        # tried: the national cost growth keeps changing as it did in the last year
        trend = 2 * rates["per_placement_1y"] - before["per_placement_1y"]
        for la in las:
            base = float(S.at[la, t])
            back = [y for y in range(t - 3, t) if y in S.columns and pd.notna(S.at[la, y])]
            own = compound(base, float(S.at[la, back[0]]), t - back[0]) if back else np.nan

            def jan(year: int, la: str = la, fc: pd.DataFrame = fc, t: int = t) -> float:
                h = year - (t + 1)
                if h <= 0:
                    return float(P.at[la, year])
                return float(fc.at[la, h]) if h in fc.columns else np.nan

            base_pl = fy_placements(jan(t), jan(t + 1))
            for h in HORIZONS:
                y = t + h
                if y not in S.columns:
                    continue
                pl_ratio = fy_placements(jan(y), jan(y + 1)) / base_pl
                actual = S.at[la, y] if y in S.columns else np.nan
                rows.append({
                    "origin": fy_label(t), "target": fy_label(y), "la_code": la, "h": h,
                    "actual": float(actual), "base": base,
                    "placements_national_cost": base * pl_ratio * (1 + rates["per_placement_1y"]) ** h,
                    "placements_national_cost_3y": base * pl_ratio * (1 + rates["per_placement_3y"]) ** h,
                    "placements_national_cost_trend": base * pl_ratio * (1 + trend) ** h,
                    "placements_only": base * pl_ratio,
                    "hold_last_spend": base,
                    "own_growth_3y": base * (1 + own) ** h,
                    "england_growth": base * (1 + rates["spend_3y"]) ** h,
                    "england_growth_1y": base * (1 + rates["spend_1y"]) ** h,
                })
    return pd.DataFrame(rows)


SPEND_METHODS: tuple[str, ...] = (
    "placements_national_cost", "placements_national_cost_3y", "placements_national_cost_trend",
    "placements_only",
    "hold_last_spend", "own_growth_3y", "england_growth", "england_growth_1y",
)


def calibrated_quantiles(errors: pd.DataFrame, origin: str, h: int,
                         levels: tuple[float, float] = ((1 - LEVEL) / 2, (1 + LEVEL) / 2),
                         min_n: int = MIN_CALIBRATION) -> tuple[float, float] | None:
    """Quantiles of the log errors ``log(actual / forecast)`` at horizon ``h`` from origins whose
    outcome was published by ``origin`` (target year <= origin); None if fewer than ``min_n``."""
    known = errors[(errors["h"] == h) & (errors["target"] <= origin)]["log_error"].dropna()
    if len(known) < min_n:
        return None
    return float(known.quantile(levels[0])), float(known.quantile(levels[1]))


def add_bands(long: pd.DataFrame) -> pd.DataFrame:
    """Add ``log_error``, ``lower80`` and ``upper80`` to a long frame (method, origin, target, h,
    forecast, actual), each band from its method's errors known at its origin."""
    out = long.copy()
    out["log_error"] = np.log(out["actual"] / out["forecast"])
    out["lower80"] = np.nan
    out["upper80"] = np.nan
    for (_m, origin, h), idx in out.groupby(["method", "origin", "h"]).groups.items():
        errs = out.loc[out["method"] == _m, ["h", "target", "log_error"]]
        q = calibrated_quantiles(errs, origin, int(h))
        if q is not None:
            f = out.loc[idx, "forecast"]
            out.loc[idx, "lower80"] = f * np.exp(q[0])
            out.loc[idx, "upper80"] = f * np.exp(q[1])
    return out


def spend_long(wide: pd.DataFrame, methods: tuple[str, ...] = SPEND_METHODS) -> pd.DataFrame:
    """The wide forecasts as one row per method, with bands."""
    keep = ["origin", "target", "la_code", "h", "actual"]
    parts = [wide[keep].assign(method=m, forecast=wide[m]) for m in methods]
    long = pd.concat(parts, ignore_index=True)
    long = long[long["forecast"].notna() & (long["forecast"] > 0)]
    return add_bands(long)


def spend_metrics(long: pd.DataFrame) -> pd.DataFrame:
    """Per method and horizon: n, MAPE, median APE, bias (mean % error) and 80% coverage (of the
    rows that have a band) over the outcomes published."""
    d = long[long["actual"].notna()].copy()
    d["pe"] = (d["forecast"] - d["actual"]) / d["actual"] * 100
    banded = d["lower80"].notna()
    d["inside"] = np.where(banded, (d["actual"] >= d["lower80"]) & (d["actual"] <= d["upper80"]),
                           np.nan)

    def agg(g: pd.DataFrame) -> pd.Series:
        inside = g["inside"].dropna()
        return pd.Series({"n": len(g), "mape": g["pe"].abs().mean(),
                          "median_ape": g["pe"].abs().median(), "bias": g["pe"].mean(),
                          "coverage80": inside.mean() * 100 if len(inside) else np.nan,
                          "n_banded": len(inside)})

    return d.groupby(["method", "h"]).apply(agg, include_groups=False)


# --------------------------------------------------------------------------------------------
# balances


def balance_inputs() -> pd.DataFrame:
    """Per LA and FY (2019-20 to 2021-22): cumulative balance £ at 31 March, HNB after deductions
    (2020-21 on) and S251 spend."""
    from send_analysis.finance import public
    from send_analysis.finance.outturn import read_hn_spend

    bal = public.dsg_cumulative_balance_gbp()[["la_code", "financial_year", "balance_gbp"]]
    hnb = public.read_hnb_allocations()[["la_code", "financial_year", "hnb_after_deductions"]]
    spend = read_hn_spend()[["la_code", "financial_year", "hn_spend"]]
    out = bal.merge(hnb, on=["la_code", "financial_year"], how="outer")
    out = out.merge(spend, on=["la_code", "financial_year"], how="left")
    return out


def balance_forecasts(inputs: pd.DataFrame, spend_fc: pd.DataFrame) -> pd.DataFrame:
    """Every check the balance data allow, one row per (method, origin, target, LA).

    ``structural_change`` (the project's rule): next in-year change = HNB income - projected
    spend + the gap (place funding in the schools budget, the other DSG blocks) measured in the last
    in-year change and scaled with the HNB. ``..._flat_gap`` holds the gap in £ instead;
    ``..._actual_spend`` uses the outturn instead of projected spend (the nowcast of years whose
    spend is published but whose balance is not).
    """
    w = {c: inputs.pivot(index="la_code", columns="financial_year", values=c)
         for c in ("balance_gbp", "hnb_after_deductions", "hn_spend")}
    B, H, S = w["balance_gbp"], w["hnb_after_deductions"], w["hn_spend"]
    sf = spend_fc.set_index(["origin", "target", "la_code"])
    rows = []
    # origin 2019-20: only the balance is known
    for la in B.index:
        for target in ("2020-21", "2021-22"):
            if pd.notna(B.at[la, "2019-20"]) and pd.notna(B.at[la, target]):
                rows.append({"method": "hold_last_balance", "origin": "2019-20", "target": target,
                             "h": int(target[:4]) - 2019, "la_code": la,
                             "forecast": B.at[la, "2019-20"], "actual": B.at[la, target],
                             "last": B.at[la, "2019-20"], "income": H.at[la, target]
                             if target in H.columns else np.nan})
    t, y = "2020-21", "2021-22"
    for la in B.index:
        vals = [B.at[la, "2019-20"], B.at[la, t], B.at[la, y], H.at[la, t], H.at[la, y], S.at[la, t]]
        if any(pd.isna(v) for v in vals):
            continue
        last_change = B.at[la, t] - B.at[la, "2019-20"]
        common = {"origin": t, "target": y, "h": 1, "la_code": la, "actual": B.at[la, y],
                  "last": B.at[la, t], "income": H.at[la, y]}
        rows.append({**common, "method": "hold_last_balance", "forecast": B.at[la, t]})
        rows.append({**common, "method": "repeat_last_change", "forecast": B.at[la, t] + last_change})
        rows.append({**common, "method": "scaled_last_change",
                     "forecast": B.at[la, t] + last_change * H.at[la, y] / H.at[la, t]})
        if (t, y, la) in sf.index:
            r = sf.loc[(t, y, la)]
            for name, col in ((DEFAULT_BALANCE_METHOD, "forecast"), ("structural_low", "lower80"),
                              ("structural_high", "upper80")):
                gap = last_change - (H.at[la, t] - S.at[la, t])
                fc = B.at[la, t] + H.at[la, y] - r[col] + gap * H.at[la, y] / H.at[la, t]
                rows.append({**common, "method": name, "forecast": fc})
            rows.append({**common, "method": "structural_change_flat_gap",
                         "forecast": B.at[la, t] + last_change + (H.at[la, y] - H.at[la, t])
                         - (r["forecast"] - S.at[la, t])})
        if pd.notna(S.at[la, y]):
            gap = last_change - (H.at[la, t] - S.at[la, t])
            rows.append({**common, "method": "structural_change_actual_spend",
                         "forecast": B.at[la, t] + H.at[la, y] - S.at[la, y]
                         + gap * H.at[la, y] / H.at[la, t]})
            rows.append({**common, "method": "structural_change_flat_gap_actual_spend",
                         "forecast": B.at[la, t] + last_change + (H.at[la, y] - H.at[la, t])
                         - (S.at[la, y] - S.at[la, t])})
    out = pd.DataFrame(rows)
    # the band of the default: high spend -> low balance
    band = out[out["method"].isin(["structural_low", "structural_high"])]
    out = out[~out["method"].isin(["structural_low", "structural_high"])]
    if band.empty:
        return out.assign(lower80=np.nan, upper80=np.nan).reset_index(drop=True)
    band = band.pivot_table(index=["origin", "target", "la_code"], columns="method",
                            values="forecast")
    key = list(zip(out["origin"], out["target"], out["la_code"], strict=True))
    is_default = out["method"] == DEFAULT_BALANCE_METHOD
    lo = [band.at[k, "structural_high"] if d and k in band.index else np.nan
          for k, d in zip(key, is_default, strict=True)]
    hi = [band.at[k, "structural_low"] if d and k in band.index else np.nan
          for k, d in zip(key, is_default, strict=True)]
    out["lower80"], out["upper80"] = lo, hi
    return widen_by_gap_error(out.reset_index(drop=True))


def widen_by_gap_error(b: pd.DataFrame) -> pd.DataFrame:
    """Add the error of the rest of the DSG (the gap that the rule carries) to the default's
    band, which so far holds the spend error only: each side is the root of the sum of squares of
    the spend side and the 10th/90th percentile of the nowcast's errors (the rule with actual
    spend) at the same check in the *other* LAs (leave one LA out). With one balance check this
    is a cross-sectional calibration, not an earlier-origin one (decision 0065)."""
    now = b[b["method"] == "structural_change_actual_spend"].set_index(["origin", "target", "la_code"])
    err = (now["actual"] - now["forecast"])
    out = b.copy()
    rows = out.index[(out["method"] == DEFAULT_BALANCE_METHOD) & out["lower80"].notna()]
    for i in rows:
        key = (out.at[i, "origin"], out.at[i, "target"], out.at[i, "la_code"])
        others = err.drop(key, errors="ignore")
        others = others[others.index.get_level_values(0) == key[0]]
        if len(others) < 20:
            continue
        q10, q90 = float(others.quantile(0.1)), float(others.quantile(0.9))
        f = out.at[i, "forecast"]
        out.at[i, "lower80"] = f - np.hypot(f - out.at[i, "lower80"], min(q10, 0.0))
        out.at[i, "upper80"] = f + np.hypot(out.at[i, "upper80"] - f, max(q90, 0.0))
    return out


def balance_metrics(b: pd.DataFrame) -> pd.DataFrame:
    """Per method: n, median and mean absolute error (£m, and % of the target year's HNB
    income), bias (£m) and 80% coverage, for the cumulative balance; and the same for the
    in-year change (forecast change = forecast - last published balance)."""
    d = b.copy()
    d["err"] = (d["forecast"] - d["actual"]) / 1e6
    d["pct"] = (d["forecast"] - d["actual"]).abs() / d["income"] * 100

    def agg(g: pd.DataFrame) -> pd.Series:
        banded = g["lower80"].notna()
        inside = ((g["actual"] >= g["lower80"]) & (g["actual"] <= g["upper80"]))[banded]
        return pd.Series({
            "n": len(g), "median_abs_error_gbp_m": g["err"].abs().median(),
            "mean_abs_error_gbp_m": g["err"].abs().mean(),
            "median_abs_error_pct_income": g["pct"].median(),
            "bias_gbp_m": g["err"].mean(),
            "coverage80": inside.mean() * 100 if banded.any() else np.nan,
        })

    return d.groupby(["method", "origin", "target"]).apply(agg, include_groups=False)


# --------------------------------------------------------------------------------------------
# income


def income_forecasts() -> pd.DataFrame:
    """HNB allocation (after deductions) one and two years beyond the last announced, by rule:
    ``hold``, ``own_growth`` (the LA's compound growth over the years announced) and
    ``england_growth`` (England's over the same years)."""
    from send_analysis.finance import public

    h = public.read_hnb_allocations().pivot(index="la_code", columns="financial_year",
                                            values="hnb_after_deductions")
    years = list(h.columns)
    rows = []
    for i in range(1, len(years) - 1):
        known = years[: i + 1]
        ok = h[known].dropna().index
        eng = h.loc[ok, known].sum()
        k = len(known) - 1
        eng_rate = compound(eng.iloc[-1], eng.iloc[0], k)
        for la in ok:
            own = compound(h.at[la, known[-1]], h.at[la, known[0]], k)
            for j, target in enumerate(years[i + 1:], start=1):
                a = h.at[la, target]
                if pd.isna(a):
                    continue
                base = h.at[la, known[-1]]
                for name, rate in (("hold", 0.0), ("own_growth", own), ("england_growth", eng_rate)):
                    rows.append({"method": name, "origin": known[-1], "target": target, "h": j,
                                 "la_code": la, "actual": a, "forecast": base * (1 + rate) ** j})
    return pd.DataFrame(rows)


def income_metrics(inc: pd.DataFrame) -> pd.DataFrame:
    d = inc.copy()
    d["pe"] = (d["forecast"] - d["actual"]) / d["actual"] * 100
    return d.groupby(["method", "h"])["pe"].agg(
        n="size", mape=lambda s: s.abs().mean(), bias="mean")


# --------------------------------------------------------------------------------------------
# the whole backtest


@dataclass
class FinanceBacktestResult:
    """Forecasts and outcomes of the finance backtest (spend, balances, income)."""

    spend: pd.DataFrame
    balances: pd.DataFrame
    income: pd.DataFrame

    def spend_metrics(self) -> pd.DataFrame:
        return spend_metrics(self.spend)

    def balance_metrics(self) -> pd.DataFrame:
        return balance_metrics(self.balances)

    def income_metrics(self) -> pd.DataFrame:
        return income_metrics(self.income)

    def spend_errors(self, method: str = DEFAULT_SPEND_METHOD) -> pd.DataFrame:
        """Log errors of one spend method (``h, target, log_error``), for calibrating bands."""
        d = self.spend[(self.spend["method"] == method) & self.spend["actual"].notna()]
        return d[["h", "origin", "target", "la_code", "log_error"]].reset_index(drop=True)

    def to_dict(self) -> dict:
        """The JSON of ``send-analysis finance-backtest --json`` (issue 10's layout)."""
        bm = self.balance_metrics()
        checks = sorted({(o, t) for o, t in zip(self.balances["origin"], self.balances["target"],
                                                 strict=True)})
        # the like-for-like comparison: the one check every method can be formed at (March 2022
        # from 2020-21); every check a method can be formed at is listed under "by_check"
        at = self.balances[(self.balances["origin"] == COMMON_CHECK[0])
                           & (self.balances["target"] == COMMON_CHECK[1])]
        las = set(at.loc[at["method"] == DEFAULT_BALANCE_METHOD, "la_code"])
        common = balance_metrics(at[at["la_code"].isin(las)]).xs(
            COMMON_CHECK, level=("origin", "target"))  # the same LAs for every method
        methods: dict[str, dict] = {}
        for method, g in bm.groupby(level="method"):
            methods[method] = {
                **{k: _num(v) for k, v in common.loc[method].items()},
                "check": {"origin": COMMON_CHECK[0], "target": COMMON_CHECK[1]},
                "by_check": [{"origin": o, "target": t, **{k: _num(v) for k, v in r.items()}}
                             for (_, o, t), r in g.iterrows()],
            }
        sm = self.spend_metrics()
        spend_methods = {m: {f"h{h}": {"mape": _num(r["mape"]), "median_ape": _num(r["median_ape"]),
                                       "bias": _num(r["bias"]), "coverage80": _num(r["coverage80"]),
                                       "n": int(r["n"])}
                             for (_, h), r in g.iterrows()}
                         for m, g in sm.groupby(level="method")}
        im = self.income_metrics()
        return {
            "n_las": int(self.spend["la_code"].nunique()),
            "checks": [{"origin": o, "target": t} for o, t in checks],
            "methods": methods,
            "default_method": DEFAULT_BALANCE_METHOD,
            "spend": {"methods": spend_methods, "default_method": DEFAULT_SPEND_METHOD,
                      "origins": sorted(self.spend["origin"].unique().tolist())},
            "income": {"methods": {m: {f"h{h}": {"mape": _num(r["mape"]), "bias": _num(r["bias"]),
                                                 "n": int(r["n"])}
                                       for (_, h), r in g.iterrows()}
                                   for m, g in im.groupby(level="method")}},
        }


def _num(v: object) -> float | None:
    f = float(v)
    return None if not np.isfinite(f) else round(f, 3)


def run_finance_backtest(data: SpendData | None = None) -> FinanceBacktestResult:
    """The whole finance backtest (spend, balances, income) on the published data."""
    data = data or load_spend_data()
    wide = spend_forecasts(data)
    long = spend_long(wide)
    default = long[long["method"] == DEFAULT_SPEND_METHOD]
    balances = balance_forecasts(balance_inputs(), default)
    return FinanceBacktestResult(long, balances, income_forecasts())


def spend_error_quantiles(result: FinanceBacktestResult, levels: Mapping[str, float] | None = None
                          ) -> pd.DataFrame:
    """Quantiles of the default spend rule's log errors by horizon, over every origin: the
    spread the DSG projection gives spend (decision 0067)."""
    levels = levels or {"p10": 0.1, "p50": 0.5, "p90": 0.9}
    e = result.spend_errors()
    return e.groupby("h")["log_error"].quantile(list(levels.values())).unstack().set_axis(
        list(levels), axis=1)


#: Bumped when the backtest's rules change, so that cached error quantiles are rebuilt.
CACHE_VERSION = "1"
_CACHE_SOURCES = (
    "ehcp/education-health-and-care-plans_2022.zip", "ehcp/education-health-and-care-plans_2025.zip",
    *(f"s251_highneeds_derived/s251_lookup_{y}.json" for y in range(2017, 2025)),
)


@lru_cache(maxsize=1)
def cached_spend_error_quantiles() -> pd.DataFrame:
    """:func:`spend_error_quantiles` of the whole backtest, cached on disk by the sources' sha256
    (the backtest re-runs the demand model at six origins: about 10 s)."""
    from send_analysis.data.cache import parquet_cached

    def build() -> pd.DataFrame:
        return spend_error_quantiles(run_finance_backtest()).reset_index()

    df = parquet_cached("finance", "spend_error_quantiles", list(_CACHE_SOURCES), build,
                        CACHE_VERSION)
    return df.set_index("h")


def hindsight_spend(data: SpendData, origins: tuple[int, ...] = SPEND_ORIGINS) -> pd.DataFrame:
    """Bounds no LA-level rule can beat by much (as decision 0038 did for plans): the LA's outturn
    grown at England's *actual* spend growth, and at its own *actual* placements x England's
    actual spend per placement. Per horizon: MAPE and median APE."""
    S, P = data.spend, data.plans
    rows = []
    for t in origins:
        las = [la for la in S.index.intersection(P.index) if pd.notna(S.at[la, t])]
        for h in HORIZONS:
            y = t + h
            if y not in S.columns or y + 1 not in P.columns:
                continue
            ok = [la for la in las if pd.notna(S.at[la, y])
                  and P.loc[la, [t, t + 1, y, y + 1]].notna().all()]
            eng = S.loc[ok, y].sum() / S.loc[ok, t].sum()
            eng_pl = (fy_placements(P.loc[ok, y].sum(), P.loc[ok, y + 1].sum())
                      / fy_placements(P.loc[ok, t].sum(), P.loc[ok, t + 1].sum()))
            for la in ok:
                ratio = (fy_placements(P.at[la, y], P.at[la, y + 1])
                         / fy_placements(P.at[la, t], P.at[la, t + 1]))
                a, b = S.at[la, y], S.at[la, t]
                rows.append({"h": h, "england_actual_growth": (b * eng - a) / a * 100,
                             "actual_placements_x_england_cost": (b * ratio * eng / eng_pl - a) / a * 100})
    d = pd.DataFrame(rows)
    cols = ["england_actual_growth", "actual_placements_x_england_cost"]
    return pd.concat({"mape": d.groupby("h")[cols].apply(lambda x: x.abs().mean()),
                      "median_ape": d.groupby("h")[cols].apply(lambda x: x.abs().median())}, axis=1)

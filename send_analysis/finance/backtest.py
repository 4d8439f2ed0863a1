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

from send_analysis.data.tables import Tables
from send_analysis.finance.years import EARLIER_WEIGHT, LATER_WEIGHT, fy_label, fy_start

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


def demand_forecasts(tables: Tables | None = None) -> pd.DataFrame:
    """The default demand model's point forecasts at January origins 2019..2024 (h1-5), each
    made with the data published by that January (``la_code, origin, h, forecast``), from the
    processed tables ``tables`` (default :meth:`Tables.default`); computed once per folder."""
    return _demand_forecasts(str((tables if tables is not None else Tables.default()).folder))


@lru_cache(maxsize=2)
def _demand_forecasts(folder: str) -> pd.DataFrame:
    from send_analysis.demand.backtest import run_backtest
    from send_analysis.demand.forecast import DEFAULT_MODEL, get_model
    from send_analysis.demand.panel import default_panel

    panel = default_panel(Tables.at(folder))
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


def load_spend_data(tables: Tables | None = None) -> SpendData:
    """Published S251 spend, SEN2 plans (current geography, from ``tables``, default
    :meth:`Tables.default`) and the demand forecasts."""
    from send_analysis.demand.panel import default_panel
    from send_analysis.finance.outturn import hn_spend_wide

    spend = hn_spend_wide(tables)
    spend.columns = [int(str(c)[:4]) for c in spend.columns]
    plans = default_panel(tables).plans
    return SpendData(spend, plans, demand_forecasts(tables))


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


@dataclass(frozen=True)
class MixData:
    """What the mix-aware spend rules read (decision 0100): January placements by setting group
    (LA, year) x group, each group's weight (England's unit cost, £ a placement) and each group's
    share rule."""

    counts: pd.DataFrame
    weights: dict[str, float]
    rules: dict[str, str]


def _cost_indices(mix: MixData, t: int, las: list[str]) -> dict[str, dict[int, pd.Series]]:
    """Average cost per placement (England's group costs) of each LA by January, t-1 .. t+4, at
    spend origin ``t`` (latest January known: t+1): ``actual`` (the published shares: known
    years, and hindsight beyond), ``held`` (the shares of January t+1 held), ``rule`` (the share
    rules). An LA without a forecast of its shares holds them."""
    from send_analysis.finance.mix import unit_cost_index

    o = t + 1
    years = set(mix.counts.index.get_level_values("year"))
    out: dict[str, dict[int, pd.Series]] = {"actual": {}, "held": {}, "rule": {}}
    held = unit_cost_index(mix.counts, o, 0, mix.weights).reindex(las)
    for j in range(t - 1, t + 5):
        act = (unit_cost_index(mix.counts, j, 0, mix.weights).reindex(las) if j in years
               else pd.Series(np.nan, index=las))
        if j <= o:
            out["actual"][j] = out["held"][j] = out["rule"][j] = act
            continue
        out["actual"][j] = act
        out["held"][j] = held
        rule = unit_cost_index(mix.counts, o, j - o, mix.weights, mix.rules).reindex(las)
        out["rule"][j] = rule.fillna(held)
    return out


def spend_forecasts(data: SpendData, origins: tuple[int, ...] = SPEND_ORIGINS,
                    mix: MixData | None = None) -> pd.DataFrame:
    """One row per (origin, LA, horizon) with the outturn and every method's forecast (£). With
    ``mix``, the mix-aware rules too (decision 0100): placements weighted by their groups'
    costs, and England's growth in spend per cost-weighted placement."""
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
        ci = _cost_indices(mix, t, las) if mix is not None else None
        if ci is not None:  # England's growth in spend per cost-weighted placement, t-1 to t
            act = ci["actual"]
            ok = [la for la in las if pd.notna(S.at[la, t - 1])
                  and all(pd.notna(act[j].get(la)) for j in (t - 1, t, t + 1))
                  and P.loc[la, [t - 1, t, t + 1]].notna().all()]
            wpl = {y: sum(fy_placements(P.at[la, y] * act[y][la], P.at[la, y + 1] * act[y + 1][la])
                          for la in ok) for y in (t - 1, t)}
            mix_rate = (S.loc[ok, t].sum() / wpl[t]) / (S.loc[ok, t - 1].sum() / wpl[t - 1]) - 1
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

            def weighted(y: int, kind: str, la: str = la, jan=jan,
                         ci: dict | None = ci) -> float:
                c = ci[kind]  # type: ignore[index]
                return fy_placements(jan(y) * c[y][la], jan(y + 1) * c[y + 1][la])

            for h in HORIZONS:
                y = t + h
                if y not in S.columns:
                    continue
                pl_ratio = fy_placements(jan(y), jan(y + 1)) / base_pl
                actual = S.at[la, y] if y in S.columns else np.nan
                extra = {}
                if ci is not None:
                    g = (1 + mix_rate) ** h
                    base_w = weighted(t, "actual")
                    extra = {"placements_mix_national_cost": base * weighted(y, "rule") / base_w * g,
                             "placements_mix_hold_national_cost":
                                 base * weighted(y, "held") / base_w * g,
                             "hindsight_mix_actual_shares": base * weighted(y, "actual") / base_w * g}
                rows.append({**extra,
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
#: The mix-aware rules (decision 0100) and the hindsight bound of the mix (the actual shares).
MIX_SPEND_METHODS: tuple[str, ...] = (
    "placements_mix_national_cost", "placements_mix_hold_national_cost",
    "hindsight_mix_actual_shares",
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
    methods = tuple(methods) + tuple(m for m in MIX_SPEND_METHODS if m in wide.columns
                                     and m not in methods)
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


def balance_inputs(tables: Tables | None = None) -> pd.DataFrame:
    """Per LA and FY: cumulative balance £ at 31 March (2019-20 to 2021-22 approximate, 2023-24
    published; :func:`send_analysis.finance.published_balances.published_balances`), HNB after
    deductions (2020-21 to 2023-24) and S251 spend."""
    from send_analysis.finance import public
    from send_analysis.finance.outturn import read_hn_spend
    from send_analysis.finance.published_balances import published_balances

    bal = published_balances(tables)[["la_code", "financial_year", "balance_gbp"]]
    hnb = public.read_hnb_allocations()[["la_code", "financial_year", "hnb_after_deductions"]]
    spend = read_hn_spend(tables)[["la_code", "financial_year", "hn_spend"]]
    out = bal.merge(hnb, on=["la_code", "financial_year"], how="outer")
    out = out.merge(spend, on=["la_code", "financial_year"], how="left")
    return out


def _at(frame: pd.DataFrame, la: str, col: str) -> float:
    return float(frame.at[la, col]) if la in frame.index and col in frame.columns else np.nan


def _flow(flows: pd.DataFrame | None, la: str, fy: str) -> float:
    """Known flows into the DSG balance of an LA in a year (0 where none)."""
    v = _at(flows, la, fy) if flows is not None else np.nan
    return 0.0 if pd.isna(v) else v


def hnb_known_at(H: pd.DataFrame, origin: str, years: list[str]) -> pd.DataFrame:
    """The HNB (after deductions) a projection made at ``origin`` uses for ``years``: published
    to the year after the origin (announced the December before the outturn), later years that
    year's allocation x England's compound growth over the years published by then (the income
    default, decision 0065)."""
    known = [c for c in H.columns if fy_start(c) <= fy_start(origin) + 1 and H[c].notna().any()]
    out = H.reindex(columns=sorted(set(known) | set(years), key=fy_start)).copy()
    ok = H[known].dropna()
    eng = compound(ok[known[-1]].sum(), ok[known[0]].sum(), len(known) - 1) if len(known) > 1 else 0.0
    for fy in out.columns:
        if fy_start(fy) > fy_start(known[-1]):
            out[fy] = out[known[-1]] * (1 + eng) ** (fy_start(fy) - fy_start(known[-1]))
    return out


#: The balance checks with a published balance at both ends and at the year before the origin
#: (origin, target): one year to March 2022, two years to March 2024 (issue 20).
BALANCE_CHECKS: tuple[tuple[str, str], ...] = (("2020-21", "2021-22"), ("2021-22", "2023-24"))
#: Rules the balance default is chosen among (they carry placements, so a scenario can act on
#: them); chosen by the mean over :data:`BALANCE_CHECKS` of the median absolute error in % of
#: the target year's HNB (:func:`choose_balance_default`).
BALANCE_CANDIDATES = ("structural_change", "structural_change_flat_gap")
#: The roll-forward of years whose spend is published but whose balance is not (the opening
#: estimate, ``current.ROLL_FORWARD_METHOD``), chosen the same way (decision 0098).
ROLL_FORWARD_CANDIDATES = ("structural_change_actual_spend",
                           "structural_change_flat_gap_actual_spend")


def balance_forecasts(inputs: pd.DataFrame, spend_fc: pd.DataFrame,
                      flows: pd.DataFrame | None = None,
                      flows_even: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every check the balance data allow, one row per (method, origin, target, LA).

    ``structural_change`` (the project's rule): each year's in-year change = HNB income -
    projected spend + known flows (DfE deficit support as paid, LA contributions: ``flows``, LA x
    FY, £; decision 0099) + the gap (place funding in the schools budget, the other DSG blocks)
    measured in the origin's in-year change net of that year's flows and scaled with the HNB.
    ``..._flat_gap`` holds the gap in £ instead; ``..._actual_spend`` uses the outturn and the
    published HNB instead of the projections (the roll-forward of years whose spend is published
    but whose balance is not); ``..._even_support`` the same with the support spread evenly over
    five years (``flows_even``, decision 0066), for comparison. Two-year checks sum the yearly
    changes; HNB beyond the year after the origin is estimated (:func:`hnb_known_at`).
    """
    w = {c: inputs.pivot(index="la_code", columns="financial_year", values=c)
         for c in ("balance_gbp", "hnb_after_deductions", "hn_spend")}
    B, H, S = w["balance_gbp"], w["hnb_after_deductions"], w["hn_spend"]
    F = flows if flows is not None else pd.DataFrame()
    FE = flows_even if flows_even is not None else None
    sf = spend_fc.set_index(["origin", "target", "la_code"])
    rows = []
    # origin 2019-20: only the balance is known
    for la in B.index:
        for target in ("2020-21", "2021-22"):
            if pd.notna(_at(B, la, "2019-20")) and pd.notna(_at(B, la, target)):
                rows.append({"method": "hold_last_balance", "origin": "2019-20", "target": target,
                             "h": int(target[:4]) - 2019, "la_code": la,
                             "forecast": B.at[la, "2019-20"], "actual": B.at[la, target],
                             "last": B.at[la, "2019-20"], "income": _at(H, la, target)})
    for t, y in BALANCE_CHECKS:
        if t not in B.columns or y not in B.columns:
            continue
        prev = fy_label(fy_start(t) - 1)
        years = [fy_label(k) for k in range(fy_start(t) + 1, fy_start(y) + 1)]
        Hk = hnb_known_at(H, t, years)
        for la in B.index:
            b0, b1, b_prev = _at(B, la, t), _at(B, la, y), _at(B, la, prev)
            if pd.isna(b0) or pd.isna(b1):
                continue
            common = {"origin": t, "target": y, "h": len(years), "la_code": la, "actual": b1,
                      "last": b0, "income": _at(H, la, y)}
            rows.append({**common, "method": "hold_last_balance", "forecast": b0})
            h_t = _at(H, la, t)
            if pd.isna(b_prev):
                continue
            last_change = b0 - b_prev
            rows.append({**common, "method": "repeat_last_change",
                         "forecast": b0 + len(years) * last_change})
            hk = [_at(Hk, la, fy) for fy in years]
            if pd.isna(h_t) or any(pd.isna(v) for v in hk):
                continue
            rows.append({**common, "method": "scaled_last_change",
                         "forecast": b0 + sum(last_change * v / h_t for v in hk)})
            s_t = _at(S, la, t)
            if pd.isna(s_t):
                continue

            def roll(hnb: list[float], spend: list[float], fl: pd.DataFrame | None,
                     scaled: bool = True, la: str = la, h_t: float = h_t, s_t: float = s_t,
                     b0: float = b0, last_change: float = last_change, t: str = t,
                     years: list[str] = years) -> float:
                gap = last_change - (h_t - s_t) - _flow(fl, la, t)
                return b0 + sum(hv - sv + _flow(fl, la, fy) + (gap * hv / h_t if scaled else gap)
                                for fy, hv, sv in zip(years, hnb, spend, strict=True))

            if all((t, fy, la) in sf.index for fy in years):
                r = [sf.loc[(t, fy, la)] for fy in years]
                for name, col in ((DEFAULT_BALANCE_METHOD, "forecast"), ("structural_low", "lower80"),
                                  ("structural_high", "upper80")):
                    rows.append({**common, "method": name,
                                 "forecast": roll(hk, [float(x[col]) for x in r], F)})
                rows.append({**common, "method": "structural_change_flat_gap",
                             "forecast": roll(hk, [float(x["forecast"]) for x in r], F, False)})
            ha = [_at(H, la, fy) for fy in years]
            sa = [_at(S, la, fy) for fy in years]
            if not any(pd.isna(v) for v in ha + sa):
                rows.append({**common, "method": "structural_change_actual_spend",
                             "forecast": roll(ha, sa, F)})
                rows.append({**common, "method": "structural_change_flat_gap_actual_spend",
                             "forecast": roll(ha, sa, F, False)})
                if FE is not None:
                    rows.append({**common, "method": "structural_change_actual_spend_even_support",
                                 "forecast": roll(ha, sa, FE)})
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
        others = others[(others.index.get_level_values(0) == key[0])
                        & (others.index.get_level_values(1) == key[1])]
        if len(others) < 20:
            continue
        q10, q90 = float(others.quantile(0.1)), float(others.quantile(0.9))
        f = out.at[i, "forecast"]
        out.at[i, "lower80"] = f - np.hypot(f - out.at[i, "lower80"], min(q10, 0.0))
        out.at[i, "upper80"] = f + np.hypot(out.at[i, "upper80"] - f, max(q90, 0.0))
    return out


def like_for_like(b: pd.DataFrame, check: tuple[str, str]) -> pd.DataFrame:
    """:func:`balance_metrics` at one check over the LAs the default can be formed for (the same
    LAs for every method), indexed by method."""
    at = b[(b["origin"] == check[0]) & (b["target"] == check[1])]
    las = set(at.loc[at["method"] == DEFAULT_BALANCE_METHOD, "la_code"])
    return balance_metrics(at[at["la_code"].isin(las)]).xs(check, level=("origin", "target"))


def choose_balance_default(b: pd.DataFrame,
                           candidates: tuple[str, ...] = BALANCE_CANDIDATES) -> dict:
    """The balance rule with the lowest mean, over :data:`BALANCE_CHECKS`, of its like-for-like
    median absolute error in % of the target year's HNB: ``{"chosen", "scores", "rule"}``."""
    per = {c: like_for_like(b, c)["median_abs_error_pct_income"] for c in BALANCE_CHECKS
           if ((b["origin"] == c[0]) & (b["target"] == c[1])).any()}
    scores = {m: float(np.mean([v[m] for v in per.values() if m in v.index]))
              for m in sorted(set().union(*(v.index for v in per.values())))}
    pool = {m: v for m, v in scores.items() if m in candidates}
    return {"chosen": min(pool, key=pool.get) if pool else None, "scores": scores,
            "rule": "lowest mean over the checks of the median absolute error in % of the "
                    "target year's HNB (like for like at each check), among "
                    + ", ".join(candidates)}


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
    #: The share backtest (:func:`send_analysis.finance.mix.share_backtest` rows, the chosen
    #: combination as rule ``by_group``) and each group's chosen rule; None when not run.
    shares: pd.DataFrame | None = None
    share_rules: dict[str, str] | None = None

    def spend_metrics(self) -> pd.DataFrame:
        return spend_metrics(self.spend)

    def balance_metrics(self) -> pd.DataFrame:
        return balance_metrics(self.balances)

    def income_metrics(self) -> pd.DataFrame:
        return income_metrics(self.income)

    def setting_groups(self) -> dict:
        """Per setting group: every share rule's MAPE and bias of the group's placements 1-3
        years ahead (the actual total split by the rule's shares; ``by_group`` is the chosen
        combination) and the group's chosen rule (decision 0100)."""
        if self.shares is None or self.share_rules is None:
            return {}
        from send_analysis.finance.mix import share_metrics

        m = share_metrics(self.shares)
        out = {}
        for group, g in m.groupby(level="group"):
            out[group] = {
                "methods": {rule: {f"h{h}": {"mape": _num(r["mape"]), "bias": _num(r["bias"]),
                                             "n": int(r["n"])}
                                   for (_, _, h), r in gr.iterrows()}
                            for rule, gr in g.groupby(level="rule")},
                "default_method": self.share_rules.get(group, "hold_shares"),
            }
        return out

    def spend_errors(self, method: str = DEFAULT_SPEND_METHOD) -> pd.DataFrame:
        """Log errors of one spend method (``h, target, log_error``), for calibrating bands."""
        d = self.spend[(self.spend["method"] == method) & self.spend["actual"].notna()]
        return d[["h", "origin", "target", "la_code", "log_error"]].reset_index(drop=True)

    def to_dict(self) -> dict:
        """The JSON of ``send-analysis finance-backtest --json`` (issue 10's layout)."""
        bm = self.balance_metrics()
        checks = sorted({(o, t) for o, t in zip(self.balances["origin"], self.balances["target"],
                                                 strict=True)})
        # the like-for-like comparison at each check (the same LAs for every method); the top
        # level is the one-year check every method can be formed at (March 2022 from 2020-21);
        # every check a method can be formed at is listed under "by_check"
        common = like_for_like(self.balances, COMMON_CHECK)
        per_check = {c: like_for_like(self.balances, c) for c in BALANCE_CHECKS
                     if ((self.balances["origin"] == c[0]) & (self.balances["target"] == c[1])).any()}
        methods: dict[str, dict] = {}
        for method, g in bm.groupby(level="method"):
            top = common.loc[method] if method in common.index else pd.Series(dtype=float)
            methods[method] = {
                **{k: _num(v) for k, v in top.items()},
                "check": {"origin": COMMON_CHECK[0], "target": COMMON_CHECK[1]},
                "by_check": [{"origin": o, "target": t, **{k: _num(v) for k, v in r.items()}}
                             for (_, o, t), r in g.iterrows()],
                "like_for_like": [{"origin": c[0], "target": c[1],
                                   **{k: _num(v) for k, v in lf.loc[method].items()}}
                                  for c, lf in per_check.items() if method in lf.index],
            }
        choice = choose_balance_default(self.balances)
        roll = choose_balance_default(self.balances, ROLL_FORWARD_CANDIDATES)
        sm = self.spend_metrics()
        spend_methods = {m: {f"h{h}": {"mape": _num(r["mape"]), "median_ape": _num(r["median_ape"]),
                                       "bias": _num(r["bias"]), "coverage80": _num(r["coverage80"]),
                                       "n": int(r["n"])}
                             for (_, h), r in g.iterrows()}
                         for m, g in sm.groupby(level="method")}
        im = self.income_metrics()
        groups = self.setting_groups()
        return {
            **({"setting_groups": groups} if groups else {}),
            "n_las": int(self.spend["la_code"].nunique()),
            "checks": [{"origin": o, "target": t} for o, t in checks],
            "methods": methods,
            "default_method": DEFAULT_BALANCE_METHOD,
            "default_choice": {**choice, "scores": {m: _num(v) for m, v in choice["scores"].items()},
                               "checks": [{"origin": o, "target": t} for o, t in per_check]},
            "roll_forward_choice": {"chosen": roll["chosen"], "rule": roll["rule"]},
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


def share_inputs(weights: Mapping[str, float], tables: Tables | None = None
                 ) -> tuple[MixData, pd.DataFrame]:
    """The setting-mix backtest (decision 0100): placements by group, ``weights`` (England's
    unit cost of each group, ``defaults.england_unit_costs``), each group's share rule chosen by
    the share backtest; and that backtest's rows (every rule, plus the chosen combination as
    ``by_group``)."""
    from send_analysis.finance import mix

    counts = mix.group_counts(tables)
    bt = mix.share_backtest(counts)
    rules = mix.choose_rules_by_group(mix.share_metrics(bt))
    bt = pd.concat([bt, mix.combined_backtest(counts, rules)], ignore_index=True)
    return MixData(counts, dict(weights), rules), bt


def run_finance_backtest(data: SpendData | None = None,
                         mix_weights: Mapping[str, float] | None = None,
                         tables: Tables | None = None) -> FinanceBacktestResult:
    """The whole finance backtest (spend, balances, income) on the published data (SEN2 from
    ``tables``, default :meth:`Tables.default`); with ``mix_weights`` (£ a placement by setting
    group: ``defaults.england_unit_costs()``, passed in because the defaults read this module)
    the setting-mix backtest and mix-aware spend rules too (decision 0100)."""
    data = data or load_spend_data(tables)
    mix_data, shares = (share_inputs(mix_weights, tables) if mix_weights is not None
                        else (None, None))
    wide = spend_forecasts(data, mix=mix_data)
    long = spend_long(wide)
    default = long[long["method"] == DEFAULT_SPEND_METHOD]
    from send_analysis.finance.support import flows_wide

    balances = balance_forecasts(balance_inputs(tables), default, flows_wide(True), flows_wide(False))
    return FinanceBacktestResult(long, balances, income_forecasts(), shares,
                                 mix_data.rules if mix_data is not None else None)


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


def cached_spend_error_quantiles(tables: Tables | None = None) -> pd.DataFrame:
    """:func:`spend_error_quantiles` of the whole backtest on ``tables`` (default
    :meth:`Tables.default`), cached on disk in their folder by the sources' sha256 (the backtest
    re-runs the demand model at six origins: about 10 s)."""
    return _cached_spend_error_quantiles(
        str((tables if tables is not None else Tables.default()).folder))


@lru_cache(maxsize=2)
def _cached_spend_error_quantiles(folder: str) -> pd.DataFrame:
    from send_analysis.data.cache import parquet_cached

    def build() -> pd.DataFrame:
        return spend_error_quantiles(run_finance_backtest(tables=Tables.at(folder))).reset_index()

    df = parquet_cached("finance", "spend_error_quantiles", list(_CACHE_SOURCES), build,
                        CACHE_VERSION, processed=folder)
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

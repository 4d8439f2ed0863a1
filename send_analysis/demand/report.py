"""Tables and sentences for the demand page (``notebooks/02_demand_forecast.ipynb``); its charts
are in :mod:`send_analysis.demand.charts`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from send_analysis.demand.backtest import BacktestResult
from send_analysis.demand.forecast import ForecastResult
from send_analysis.demand.models import model_registry

#: Models cheap enough to backtest inside a notebook (no per-LA statsmodels fits).
FAST_MODELS = ("last_value", "drift_5y", "compound_5y", "compound_3y", "england_growth_5y",
               "pooled_shrinkage", "pooled_regression", "prevalence")


def fast_models(with_population: bool = True) -> dict[str, object]:
    """The registry restricted to :data:`FAST_MODELS`."""
    reg = model_registry(with_population)
    return {k: v for k, v in reg.items() if k in FAST_MODELS}


def comparison_table(bt: BacktestResult, horizon: int) -> pd.DataFrame:
    """Model comparison at one horizon over every LA and origin: MAPE, median APE, bias,
    80% coverage and width, rounded for display, best first."""
    d = bt.by_horizon().xs(horizon, level="h")
    cols = {"mape": "Mean error (%)", "median_ape": "Median error (%)", "bias": "Bias (%)",
            "coverage80": "Outcomes inside the 80% band (%)", "width80": "Width of the 80% band (%)",
            "n": "Forecasts"}
    out = d[list(cols)].rename(columns=cols).sort_values("Mean error (%)").round(1)
    out["Forecasts"] = out["Forecasts"].astype(int)
    out.index = [model_name(m) for m in out.index]
    return out


def accuracy_sentence(bt: BacktestResult, la_code: str, la_name: str, horizon: int,
                      model: str) -> str:
    """Plain words: how far off a forecast like this one was in past years, here and nationally."""
    ev = bt.evaluated
    ev = ev[(ev["model"] == model) & (ev["h"] == horizon)]
    if ev.empty:
        return (f"No past {horizon}-year forecasts could be checked for this model: the published "
                "series is too short.")
    ape = (ev["forecast"] - ev["actual"]).abs() / ev["actual"] * 100
    mine = ev["la_code"] == str(la_code)
    origins = sorted(ev.loc[mine, "origin"].unique())
    nat = float(ape.mean())
    cov = float(np.mean((ev["actual"] >= ev["lower80"]) & (ev["actual"] <= ev["upper80"])) * 100)
    parts = []
    if mine.any():
        bias = float(((ev.loc[mine, "forecast"] - ev.loc[mine, "actual"])
                      / ev.loc[mine, "actual"]).mean() * 100)
        direction = "too low" if bias < 0 else "too high"
        parts.append(
            f"In past years a {horizon}-year forecast like this one for {la_name} was off by "
            f"{ape[mine].mean():.1f}% on average ({len(origins)} forecasts made in January "
            f"{origins[0]}-{origins[-1]}; on balance {abs(bias):.1f}% {direction}).")
    parts.append(
        f"Across all {ev['la_code'].nunique()} LAs the same method was off by {nat:.1f}% on "
        f"average at {horizon} years, and {cov:.0f}% of outcomes fell inside its 80% interval.")
    return " ".join(parts)


# ---- sentences and tables for the page, in plain words (issue 12) ----------------------------


def model_name(model: str) -> str:
    """A model's description in words (its registry entry), for sentences and table rows."""
    m = model_registry(True).get(model)
    text = getattr(m, "description", "") if m is not None else ""
    return text or model.replace("_", " ")


def own_januarys_sentence(years: list[int], res: ForecastResult,
                          replaced: dict[int, float] | None = None) -> str:
    """Which Januarys on the page are the LA's own (its inputs file), and the published figure
    each replaces (``replaced``: year -> published total)."""
    from send_analysis.report import fmt_int

    replaced = replaced or {}
    shown = [f"January {y} ({fmt_int(res.history[y])}"
             + (f", in place of the published {fmt_int(replaced[y])})" if y in replaced else
                ", not yet published)") for y in years if y in res.history.index]
    if not shown:
        return ""
    return (f"The LA's own census figure{'s' if len(shown) > 1 else ''} from its inputs file: "
            f"{'; '.join(shown)}.")


def summary_sentence(res: ForecastResult) -> str:
    """The page's opening paragraph: plans now, the forecast for the last year with its 80%
    band (marked as the pack summary's figure) and its 95% interval, and the model in words."""
    from send_analysis.report import fmt_int, fmt_pct
    from send_analysis.report.figures import forecast_figure, mark

    fig = forecast_figure(res)
    end = res.summary_frame().iloc[-1]
    last = float(res.history.iloc[-1])
    text = (f"**{res.la_name}** held **{fmt_int(last)}** EHC plans in January {res.origin}. The "
            f"forecast for January {fig['year']} is {mark('plans_forecast_5y', fig)} "
            f"({fmt_pct((fig['value'] / last - 1) * 100, 0, signed=True)}), with a 95% interval of "
            f"{fmt_int(end['lower95'])} to {fmt_int(end['upper95'])}. Method: "
            f"{model_name(res.model)} (chosen by the all-LA backtest).")
    if res.notes:
        text += " Notes: " + "; ".join(res.notes)
    return text


def forecast_table(res: ForecastResult, component: str | None = None) -> pd.DataFrame:
    """The forecast by January census year in whole numbers: the total with its bands, or (for
    ``component`` 'setting_group' / 'age_band') the mean of each part, rows named in words."""
    from send_analysis.report.labels import relabel

    if component is None:
        sf = res.summary_frame().drop(columns="component").set_index("year")
        return relabel(sf.round(0).astype(int), index=False)
    from send_analysis.report.labels import in_order

    g = res.summary_frame(component).pivot_table(index="component", columns="year", values="mean")
    return relabel(g.reindex(in_order(g.index)).round(0).astype(int))


def accuracy_table(bt: BacktestResult, model: str) -> pd.DataFrame:
    """Accuracy of ``model`` by years ahead over all LAs, columns in words, one decimal."""
    from send_analysis.report.labels import relabel

    bh = bt.by_horizon().xs(model, level="model")
    out = relabel(bh[["mape", "median_ape", "bias", "coverage80", "width80"]].round(1), index=False)
    out.index = [f"{h} year{'s' if h != 1 else ''} ahead" for h in bh.index]
    return out


def drivers_sentence(drivers: pd.DataFrame, la_name: str) -> str:
    """New and ceased plans a year over the last three years, in words."""
    recent = drivers.dropna(subset=["new_plans"]).tail(3)
    if not len(recent):
        return ""
    txt = (f"In the last {len(recent)} years {la_name} issued on average "
           f"{recent['new_plans'].mean():,.0f} new plans a year "
           f"({recent['new_rate'].mean():.1f} per 100 plans held)")
    if recent["ceased"].notna().any():
        txt += (f" and ceased {recent['ceased'].mean():,.0f} a year "
                f"({recent['ceased_rate'].mean():.1f} per 100)")
    else:
        txt += "; ceased plans are not published for these years"
    return txt + "."


def drivers_table(drivers: pd.DataFrame) -> pd.DataFrame:
    """The flows by January census year, columns in words: counts whole, rates one decimal."""
    from send_analysis.report.labels import relabel

    d = drivers.copy()
    words = {"change": "Change on the year", "other": "Other change (moves in and out, recording)"}
    counts = [c for c in d.columns if not c.endswith("_rate")]
    d[counts] = d[counts].round(0).astype("Int64")
    d = d.round(1).rename(columns=words)
    return relabel(d, index=False)


def age_profile_table(profile: pd.DataFrame) -> pd.DataFrame:
    """Share (%) of plans by age band, bands named in words, one decimal."""
    from send_analysis.report.labels import relabel

    return relabel(profile.round(1), index=False)

"""Charts for the demand page (``notebooks/02_demand_forecast.ipynb``), in the pack's one style
(:mod:`send_analysis.plots`): the LA's forecast fan, the setting groups, and what changed the
caseload each year."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

from send_analysis import plots
from send_analysis.data.taxonomy import GROUP_LABELS
from send_analysis.demand.forecast import ForecastResult


def fan_chart(res: ForecastResult, ax: plt.Axes | None = None) -> plt.Axes:
    """History and forecast of the LA's total with 80% and 95% intervals."""
    ax = ax or plt.subplots()[1]
    sf = res.summary_frame().set_index("year")
    ax.plot(res.history.index, res.history.values, color=plots.COLOURS["la"], lw=2,
            label="Published (January census)")
    plots.fan(ax, sf.index, sf["lower95"], sf["upper95"], label="95% interval", alpha=0.25)
    plots.fan(ax, sf.index, sf["lower80"], sf["upper80"], label="80% interval", alpha=0.5)
    x = [res.history.index[-1], *sf.index]
    ax.plot(x, [res.history.iloc[-1], *sf["mean"]], color=plots.COLOURS["forecast"], ls="--",
            lw=2, label="Forecast (mean)")
    ax.set_title(f"{res.la_name}: EHC plans, published and forecast from January {res.origin}")
    ax.set_xlabel("January census year")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("EHC plans")
    plots.thousands(ax)
    ax.legend(loc="upper left")
    plots.source_note(ax, "Source: DfE, Education, health and care plans (SEN2); "
                          "send-analysis demand forecast")
    return ax


def groups_chart(res: ForecastResult, ax: plt.Axes | None = None) -> plt.Axes:
    """History and forecast (with 80% intervals) of each setting group."""
    ax = ax or plt.subplots(figsize=(9, 5))[1]
    hist = res.components_history.get("setting_group")
    sf = res.summary_frame("setting_group")
    for i, (g, part) in enumerate(sf.groupby("component", sort=False)):
        colour = plots.PALETTE[i % len(plots.PALETTE)]
        if hist is not None and g in hist:
            ax.plot(hist.index, hist[g], color=colour, lw=1.8, label=GROUP_LABELS.get(g, g))
            x0, y0 = [hist.index[-1]], [hist[g].iloc[-1]]
        else:
            x0, y0 = [], []
        ax.plot([*x0, *part["year"]], [*y0, *part["mean"]], color=colour, ls="--", lw=1.8)
        plots.fan(ax, part["year"], part["lower80"], part["upper80"], colour=colour, alpha=0.2)
    ax.set_title(f"{res.la_name}: EHC plans by setting group (dashed: forecast, band: 80%)")
    ax.set_xlabel("January census year")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("EHC plans")
    plots.thousands(ax)
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    return ax


def drivers_chart(drivers: pd.DataFrame, la_name: str, ax: plt.Axes | None = None) -> plt.Axes:
    """New plans, ceased plans and the net change in caseload, by January census year."""
    ax = ax or plt.subplots()[1]
    d = drivers.dropna(subset=["change"])
    ax.bar(d.index - 0.2, d["new_plans"], width=0.4, color=plots.COLOURS["unmitigated"],
           label="New plans issued (calendar year before)")
    ax.bar(d.index + 0.2, -d["ceased"], width=0.4, color=plots.COLOURS["mitigated"],
           label="Plans ceased (shown negative)")
    ax.plot(d.index, d["change"], color=plots.COLOURS["england"], marker="o",
            label="Net change in plans held")
    ax.axhline(0, color="#999999", lw=0.8)
    ax.set_title(f"{la_name}: what changed the caseload each year")
    ax.set_xlabel("January census year")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("EHC plans")
    plots.thousands(ax)
    ax.legend(loc="upper left", fontsize=8)
    return ax

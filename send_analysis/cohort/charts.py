"""Charts for the cohort page (one style: send_analysis.plots). The statutory page's charts are in
:mod:`send_analysis.casework.charts`."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from send_analysis.cohort.results import CohortResults
from send_analysis.plots import COLOURS, PALETTE, fan, pounds_m, source_note, thousands
from send_analysis.report.labels import plain


def projection_chart(history: pd.Series, results: CohortResults, measure: str = "count",
                     title: str = "EHC plans: history and projection", source: str | None = None,
                     history_label: str = "casework") -> plt.Figure:
    """History (line) and the projection's mean with 50% and 95% bands."""
    s = results.summary_frame()
    s = s[s["measure"] == measure]
    fig, ax = plt.subplots()
    fan(ax, s["calendar-year"], s["lower95"], s["upper95"], label="95% interval")
    fan(ax, s["calendar-year"], s["q1"], s["q3"], label="50% interval", alpha=0.6)
    ax.plot(s["calendar-year"], s["mean"], color=COLOURS["forecast"], lw=2, ls="--",
            label="projection (mean)")
    if measure == "count" and history is not None:
        ax.plot(history.index, history.to_numpy(), color=COLOURS["la"], lw=2, marker="o",
                label=history_label)
    ax.set_title(title)
    ax.set_xlabel("January census")
    ax.set_ylabel("EHC plans" if measure == "count" else "annual cost")
    (thousands if measure == "count" else pounds_m)(ax)
    ax.legend(loc="upper left")
    if source:
        source_note(ax, source)
    return fig


def groups_chart(results: CohortResults, dimension: str = "setting-group",
                 title: str = "Projected EHC plans by setting group (mean)",
                 measure: str = "count") -> plt.Figure:
    """Mean projection per group of a dimension, one line each."""
    b = results.by(dimension)
    b = b[b["measure"] == measure]
    fig, ax = plt.subplots()
    for i, (g, d) in enumerate(b.groupby(dimension, sort=False)):
        ax.plot(d["calendar-year"], d["mean"], color=PALETTE[i % len(PALETTE)], lw=2, label=plain(g))
        fan(ax, d["calendar-year"], d["lower95"], d["upper95"], colour=PALETTE[i % len(PALETTE)],
            alpha=0.12)
    ax.set_title(title)
    ax.set_xlabel("January census")
    ax.set_ylabel("EHC plans" if measure == "count" else "annual cost")
    (thousands if measure == "count" else pounds_m)(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
    return fig


def scenario_chart(base: CohortResults, other: CohortResults, measure: str = "cost",
                   title: str = "Baseline and scenario") -> plt.Figure:
    """Mean and 95% band of two simulations of the same model."""
    fig, ax = plt.subplots()
    for res, colour in ((base, COLOURS["unmitigated"]), (other, COLOURS["mitigated"])):
        s = res.summary_frame()
        s = s[s["measure"] == measure]
        fan(ax, s["calendar-year"], s["lower95"], s["upper95"], colour=colour, alpha=0.15)
        ax.plot(s["calendar-year"], s["mean"], color=colour, lw=2, label=res.scenario_name)
    ax.set_title(title)
    ax.set_xlabel("January census")
    ax.set_ylabel("annual placement cost" if measure == "cost" else "EHC plans")
    (pounds_m if measure == "cost" else thousands)(ax)
    ax.legend(loc="upper left")
    return fig

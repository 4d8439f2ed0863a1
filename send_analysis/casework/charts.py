"""Charts for the statutory-performance page (one style: send_analysis.plots): 20-week
timeliness, a line of counts over time, and the annual-review backlog while extra officers work."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from send_analysis.plots import COLOURS, percent, thousands


def timeliness_chart(t: pd.DataFrame, published: pd.Series | None = None,
                     title: str = "EHC plans issued within 20 weeks") -> plt.Figure:
    """Per calendar year: share within 20 weeks with and without exceptions (0-100)."""
    fig, ax = plt.subplots()
    ax.plot(t["year"], t["pct_20wk_incl_exc"], marker="o", color=COLOURS["la"], lw=2,
            label="casework, including exceptions")
    ax.plot(t["year"], t["pct_20wk_excl_exc"], marker="s", color=COLOURS["neighbours"], lw=1.5,
            label="casework, excluding exceptions")
    if published is not None and len(published):
        ax.plot(published.index, published.to_numpy(), marker="x", ls=":",
                color=COLOURS["england"], label="published (DfE), including exceptions")
    ax.set_ylim(0, 100)
    ax.set_title(title)
    ax.set_xlabel("calendar year the plan was issued")
    ax.set_ylabel("issued within 20 weeks")
    percent(ax)
    ax.legend(loc="lower left")
    return fig


def series_chart(s: pd.Series, title: str, ylabel: str, xlabel: str = "date") -> plt.Figure:
    """A simple line of counts (e.g. assessments open beyond 20 weeks at each date)."""
    fig, ax = plt.subplots()
    ax.plot(s.index, s.to_numpy(), marker="o", color=COLOURS["la"], lw=2)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    thousands(ax)
    ax.set_ylim(bottom=0)
    return fig


def backlog_chart(trajectory: list[float], title: str) -> plt.Figure:
    """Month-end review backlog while extra officers clear it."""
    fig, ax = plt.subplots()
    ax.step(range(len(trajectory)), trajectory, where="post", color=COLOURS["mitigated"], lw=2)
    ax.set_title(title)
    ax.set_xlabel("months from now")
    ax.set_ylabel("annual reviews overdue")
    thousands(ax)
    ax.set_ylim(bottom=0)
    return fig

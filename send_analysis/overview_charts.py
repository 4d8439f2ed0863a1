"""Charts for the overview page (``notebooks/01_overview.ipynb``) in the pack's one style
(:mod:`send_analysis.plots`): the LA against its region and England, its placement mix, new plans
and the request funnel. The series come from :mod:`send_analysis.overview`."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from send_analysis import plots
from send_analysis.data import taxonomy as tx
from send_analysis.report.labels import plain

_AREA_COLOURS = ("la", "region", "england")


def plot_three(wide: pd.DataFrame, title: str, ylabel: str, ax: plt.Axes | None = None,
               percent: bool = False, apportioned_before: int | None = None) -> plt.Axes:
    """Line chart of an LA (bold), its region and England. With ``apportioned_before`` the
    LA's years before it (its share of its predecessors', :func:`~send_analysis.overview.plan_totals`) are dashed."""
    ax = ax or plt.subplots()[1]
    for col, key in zip(wide.columns, _AREA_COLOURS, strict=False):
        series = wide[col]
        if key == "la" and apportioned_before is not None and series.index.min() < apportioned_before:
            early = series[series.index <= apportioned_before]
            ax.plot(early.index, early, lw=2, ls="--", color=plots.COLOURS[key],
                    label=f"{col} (apportioned)")
            series = series[series.index >= apportioned_before]
        ax.plot(series.index, series, marker="o", ms=3, lw=2.5 if key == "la" else 1.5,
                color=plots.COLOURS[key], label=col)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    (plots.percent if percent else plots.thousands)(ax)
    ax.legend(loc="upper left")
    return ax


def plot_mix(mix: pd.DataFrame, title: str, ax: plt.Axes | None = None) -> plt.Axes:
    """Stacked area of setting-group shares over time."""
    ax = ax or plt.subplots()[1]
    data = mix.fillna(0)
    ax.stackplot(data.index, data.T.values, labels=[tx.GROUP_LABELS[c] for c in data.columns],
                 colors=plots.PALETTE[: data.shape[1]], alpha=0.9)
    ax.set_ylim(0, 100)
    ax.set_title(title)
    ax.set_ylabel("Share of plans")
    plots.percent(ax)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    return ax


def plot_index(wide: pd.DataFrame, title: str, ylabel: str, ax: plt.Axes | None = None,
               apportioned_before: int | None = None) -> plt.Axes:
    """:func:`plot_three` of an index (base year = 100), with the 100 line and whole-number
    ticks."""
    ax = plot_three(wide, title, ylabel, ax=ax, apportioned_before=apportioned_before)
    ax.axhline(100, color="#999999", lw=0.8)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0f}"))
    return ax


def new_plans_chart(npl: pd.DataFrame, la_name: str, ax: plt.Axes | None = None) -> plt.Axes:
    """Bars of the new EHC plans the LA issued each calendar year
    (:func:`~send_analysis.overview.new_plans`)."""
    ax = ax or plt.subplots()[1]
    ax.bar(npl.index, npl[la_name], color=plots.COLOURS["la"])
    ax.set_title(f"New EHC plans issued in each calendar year, {la_name}")
    ax.set_ylabel("New plans")
    return ax


def funnel_chart(fun: pd.DataFrame, la_name: str, ax: plt.Axes | None = None) -> plt.Axes:
    """One line per stage of the request funnel (:func:`~send_analysis.overview.funnel`)."""
    ax = ax or plt.subplots()[1]
    for i, col in enumerate(fun.columns):
        ax.plot(fun.index, fun[col], marker="o", ms=3, label=plain(col), color=plots.PALETTE[i])
    ax.set_title(f"Requests, assessments and plans, {la_name}")
    ax.set_ylabel("Number in the calendar year")
    ax.legend(loc="upper left", fontsize=8)
    return ax

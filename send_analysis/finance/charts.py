"""Charts for the finance pages (notebooks 03-05), in the pack's one style
(:mod:`send_analysis.plots`): the cumulative balance fan, expenditure against income, the
sensitivity tornado and the invest-to-save break-even. (The scenario comparison charts are still
with the scenarios, in :mod:`send_analysis.finance.scenarios`.)"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from send_analysis.finance.model import DSGProjection
from send_analysis.plots import COLOURS, PALETTE, balance_axes, fan, pounds_m


def plot_fan(projections: DSGProjection | list[DSGProjection], ax: plt.Axes | None = None,
             title: str | None = None, colours: list[str] | None = None) -> plt.Axes:
    """Cumulative balance by financial year: mean line and 10th-90th percentile band for each
    projection (the first unmitigated-coloured, the next mitigated-coloured by default)."""
    if isinstance(projections, DSGProjection):
        projections = [projections]
    if ax is None:
        _, ax = plt.subplots()
    colours = colours or [COLOURS["unmitigated"], COLOURS["mitigated"]] + [COLOURS["highlight"]] * 8
    for p, colour in zip(projections, colours, strict=False):
        x = [p.opening_fy, *p.fys]
        lo = [p.opening_cumulative, *np.quantile(p.cumulative, 0.1, axis=0)]
        hi = [p.opening_cumulative, *np.quantile(p.cumulative, 0.9, axis=0)]
        fan(ax, x, lo, hi, colour=colour, alpha=0.2, label=f"{p.label}: 10th-90th percentile")
        ax.plot(x, [p.opening_cumulative, *p.cumulative.mean(axis=0)], color=colour, marker="o", ms=3,
                label=f"{p.label}: mean")
    return balance_axes(ax, "Cumulative DSG balance (negative = deficit)", title or "Cumulative High Needs Block balance")


def plot_income_expenditure(projection: DSGProjection, ax: plt.Axes | None = None,
                            title: str | None = None) -> plt.Axes:
    """Stacked expenditure by line (mean) against total income, by financial year."""
    if ax is None:
        _, ax = plt.subplots()
    bottom = np.zeros(len(projection.fys))
    for i, (k, arr) in enumerate(projection.expenditure.items()):
        m = arr.mean(axis=0)
        if not m.any():
            continue
        ax.bar(projection.fys, m, bottom=bottom, color=PALETTE[i % len(PALETTE)], label=projection.label_of(k))
        bottom += m
    ax.plot(projection.fys, projection.income_total.mean(axis=0), color=COLOURS["england"], marker="o",
            lw=2, label="Income (HNB + transfers)")
    pounds_m(ax)
    ax.set_xlabel("Financial year")
    ax.set_ylabel("£ a year")
    ax.set_title(title or "High Needs Block expenditure by line against income")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return ax


def _tornado_value(assumption: str, value: float) -> str:
    """An assumption's low or high value as the tornado's tick labels show it."""
    if assumption == "demand_growth":
        return f"x{value:g}"
    if assumption == "delivery":
        return f"{value:.0%}"
    return f"{value:.1%}"


def plot_tornado(table: pd.DataFrame, ax: plt.Axes | None = None, title: str | None = None) -> plt.Axes:
    """Tornado chart of :func:`tornado`'s table (bars from the base to each end)."""
    if ax is None:
        _, ax = plt.subplots()
    t = table.iloc[::-1]
    y = np.arange(len(t))
    base = float(t["base"].iloc[0])
    ax.barh(y, t["balance_low"] - base, left=base, color=COLOURS["la"], label="low value")
    ax.barh(y, t["balance_high"] - base, left=base, color=COLOURS["region"], label="high value")
    ax.axvline(base, color=COLOURS["england"], lw=1)
    ax.set_yticks(y, [f"{lab}\n{_tornado_value(a, lo)} / {_tornado_value(a, hi)}"
                      for a, lab, lo, hi in zip(t["assumption"], t["label"], t["low"], t["high"], strict=True)])
    pounds_m(ax, axis="x")
    ax.set_xlabel("Cumulative DSG balance at the horizon (negative = deficit)")
    ax.set_title(title or "What moves the cumulative balance most")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
    return ax


def plot_break_even(table: pd.DataFrame, ax: plt.Axes | None = None,
                    title: str | None = None) -> plt.Axes:
    """Break-even placements a year, stepped down (net) and avoided outright (gross)."""
    if ax is None:
        _, ax = plt.subplots()
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["break_even_net"], width=0.4, color=COLOURS["la"],
           label="stepped down to a state special place (net saving)")
    ax.bar(x + 0.2, table["break_even_gross"], width=0.4, color=COLOURS["region"],
           label="avoided outright (gross saving)")
    ax.set_xticks(x, table.index)
    ax.set_xlabel("Financial year")
    ax.set_ylabel("Independent placements a year")
    ax.set_title(title or "Placements the DSG-funded posts must avoid to pay for themselves")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=8)
    return ax

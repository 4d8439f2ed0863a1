"""Charts for the finance pages (notebooks 03-05), in the pack's one style
(:mod:`send_analysis.plots`): the cumulative balance fan, expenditure against income, the
sensitivity tornado, the invest-to-save break-even, and the scenario comparison charts (each
scenario's cumulative balance, and savings by year)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from send_analysis.finance.model import DSGProjection
from send_analysis.plots import COLOURS, PALETTE, balance_axes, fan, pounds_m

if TYPE_CHECKING:  # annotations only: the scenarios never import the charts
    from send_analysis.finance.scenarios import ScenarioResult


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
    return balance_axes(ax, "Cumulative DSG balance (negative = deficit)", title or "Cumulative DSG balance (all blocks)")


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
    ax.set_title(title or "DSG expenditure by line against income")
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


def _scenario_colours() -> list[str]:
    """The pack's palette without the unmitigated/mitigated colours (and the pale yellow)."""
    from send_analysis.plots import COLOURS, PALETTE

    taken = {COLOURS["unmitigated"], COLOURS["mitigated"], "#F0E442"}
    return [c for c in PALETTE if c not in taken]


def plot_trajectories(results: Sequence[ScenarioResult], ax=None, title: str | None = None):
    """Mean cumulative balance: unmitigated, each scenario, and the combination (if any)."""
    import matplotlib.pyplot as plt

    from send_analysis.plots import COLOURS, balance_axes

    if ax is None:
        _, ax = plt.subplots()
    base = results[0].unmitigated
    palette = _scenario_colours()
    x = [base.opening_fy, *base.fys]
    ax.plot(x, [base.opening_cumulative, *base.cumulative.mean(axis=0)], color=COLOURS["unmitigated"],
            lw=2.5, marker="o", ms=3, label="Unmitigated")
    for i, r in enumerate(results):
        combined = len(results) > 1 and i == len(results) - 1
        colour = COLOURS["mitigated"] if combined or len(results) == 1 else palette[i % len(palette)]
        ax.plot(x, [base.opening_cumulative, *r.mitigated.cumulative.mean(axis=0)], color=colour,
                lw=2.5 if combined else 1.5, ls="-" if combined or len(results) == 1 else "--",
                marker="o", ms=3, label=r.name)
    return balance_axes(ax, "Cumulative DSG balance (mean)", title or "Cumulative balance with and without mitigations")


def plot_savings(results: Sequence[ScenarioResult], ax=None, title: str | None = None):
    """Savings against unmitigated by financial year, one bar group per scenario (mean)."""
    import matplotlib.pyplot as plt

    from send_analysis.plots import COLOURS, pounds_m

    if ax is None:
        _, ax = plt.subplots()
    fys = results[0].fys
    palette = _scenario_colours()
    width = 0.8 / len(results)
    for i, r in enumerate(results):
        combined = len(results) > 1 and i == len(results) - 1
        xs = np.arange(len(fys)) + (i - (len(results) - 1) / 2) * width
        ax.bar(xs, r.savings().mean(axis=0), width=width, label=r.name,
               color=COLOURS["mitigated"] if combined else palette[i % len(palette)])
    ax.set_xticks(np.arange(len(fys)), fys)
    pounds_m(ax)
    ax.set_xlabel("Financial year")
    ax.set_ylabel("Saving against unmitigated (£ a year)")
    ax.set_title(title or "Savings by scenario and year")
    ax.legend(loc="upper left", fontsize=8)
    return ax

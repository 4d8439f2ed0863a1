"""Charts of scenario results: cumulative balance trajectories and savings by year."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from send_analysis.finance.scenarios.evaluation import ScenarioResult


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

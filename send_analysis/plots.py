"""One visual style for every chart in the evidence pack.

Call :func:`use_style` once (notebooks do it in their first cell); use :data:`COLOURS` for the
chosen LA, its comparators and England so that a reviewer sees the same colour for the same
thing on every page.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns

#: Named colours used across the pack (colour-blind safe, from the Okabe-Ito palette).
COLOURS: dict[str, str] = {
    "la": "#0072B2",  # the chosen LA
    "england": "#4D4D4D",
    "region": "#E69F00",
    "neighbours": "#56B4E9",
    "other": "#BBBBBB",  # all other LAs in strip plots
    "forecast": "#0072B2",
    "interval": "#9ECAE1",
    "mitigated": "#009E73",
    "unmitigated": "#D55E00",
    "highlight": "#CC79A7",
}

#: Ordered palette for categories (settings, scenarios).
PALETTE: list[str] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#4D4D4D",
    "#999999", "#8C564B", "#17BECF", "#BCBD22", "#7F7F7F", "#1F77B4",
]


def use_style() -> None:
    """Apply the pack's style to matplotlib and seaborn."""
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    mpl.rcParams.update(
        {
            "figure.figsize": (8, 4.5),
            "figure.dpi": 100,
            "savefig.dpi": 120,
            "savefig.bbox": "tight",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.titlesize": 12,
            # titles sit just above the axes (no chart has ticks or an offset on top): a fixed
            # place spares matplotlib measuring every tick label to move them (about a tenth
            # of the pack's drawing time)
            "axes.titley": 1.0,
            "legend.frameon": False,
            "font.size": 10,
        }
    )


def thousands(ax: plt.Axes, axis: str = "y") -> None:
    """Format an axis with thousands separators."""
    fmt = mpl.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def percent(ax: plt.Axes, axis: str = "y", decimals: int = 0) -> None:
    """Format an axis holding percentages (values like 12.5 mean 12.5%)."""
    fmt = mpl.ticker.FuncFormatter(lambda v, _: f"{v:.{decimals}f}%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def pounds_m(ax: plt.Axes, axis: str = "y") -> None:
    """Format an axis holding pounds as £m."""
    fmt = mpl.ticker.FuncFormatter(lambda v, _: f"£{v / 1e6:,.1f}m")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def source_note(ax: plt.Axes, text: str) -> None:
    """A small source line under the chart."""
    ax.annotate(
        text, xy=(0, -0.14), xycoords="axes fraction", fontsize=8, color="#666666", ha="left",
        va="top",
    )


def fan(ax: plt.Axes, x: Sequence, lower: Sequence, upper: Sequence, label: str | None = None,
        colour: str | None = None, alpha: float = 0.35) -> None:
    """Shade a prediction interval."""
    ax.fill_between(x, lower, upper, color=colour or COLOURS["interval"], alpha=alpha, lw=0,
                    label=label)


def balance_axes(ax: plt.Axes, ylabel: str, title: str,
                 xlabel: str = "Financial year (31 March balance)") -> plt.Axes:
    """Finish a chart of DSG balances: zero line, £m axis, labels, title and legend."""
    ax.axhline(0, color="#666666", lw=0.8)
    pounds_m(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8)
    return ax

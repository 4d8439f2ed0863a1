"""Charts that place the chosen LA among all LAs, readable without a map.

All charts use ``send_analysis.plots`` colours: the LA in ``COLOURS["la"]``, its statistical
neighbours in ``COLOURS["neighbours"]``, every other LA in ``COLOURS["other"]``, England as a
dark line. Each chart has a title and labelled axes (the notebook hides code).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from send_analysis.benchmark.metrics import METRICS, MIX_GROUPS, MIX_LABELS
from send_analysis.benchmark.narrative import fmt_value
from send_analysis.plots import COLOURS, percent, thousands

SOURCE = "Source: DfE Education, health and care plans (SEN2); ONS mid-year estimates; MoJ/DfE tribunal statistics."


def _source(fig: plt.Figure, text: str = SOURCE) -> None:
    """Source line under the whole figure (kept clear of the x-axis label)."""
    fig.text(0.01, -0.03, text, fontsize=7.5, color="#666666", ha="left", va="top")


def _jitter(n: int, seed: int = 0, width: float = 0.28) -> np.ndarray:
    """Deterministic vertical jitter so that overlapping dots stay visible."""
    return np.random.default_rng(seed).uniform(-width, width, n)


def _format_axis(ax: plt.Axes, unit: str) -> None:
    ax.xaxis.set_major_locator(mticker.MaxNLocator(nbins=7, steps=[1, 2, 5, 10]))
    if unit == "percent":
        percent(ax, "x")
    else:
        thousands(ax, "x")


def strip_panel(table: pd.DataFrame, metrics: Sequence[str], la_code: str,
                neighbours: Sequence[str] = (), england: Mapping[str, float] | None = None,
                title: str | None = None) -> plt.Figure:
    """One horizontal strip per indicator: every LA a dot, the LA highlighted and labelled.

    ``table`` is :func:`compare.national_table` output; ``england`` maps indicator -> England
    value (drawn as a vertical line).
    """
    metrics = [m for m in metrics if m in table.columns]
    fig, axes = plt.subplots(len(metrics), 1, figsize=(8.5, 1.05 * len(metrics) + 0.9),
                             squeeze=False)
    la_name = table.loc[table["la_code"] == la_code, "la_name"]
    la_name = str(la_name.iloc[0]) if len(la_name) else la_code
    for i, (ax, name) in enumerate(zip(axes[:, 0], metrics, strict=True)):
        m = METRICS[name]
        v = table[["la_code", name]].dropna()
        y = _jitter(len(v), seed=i)
        is_la = (v["la_code"] == la_code).to_numpy()
        is_nb = v["la_code"].isin(list(neighbours)).to_numpy() & ~is_la
        other = ~is_la & ~is_nb
        ax.scatter(v[name][other], y[other], s=14, color=COLOURS["other"], alpha=0.8, lw=0,
                   label="Other LAs" if i == 0 else None)
        ax.scatter(v[name][is_nb], y[is_nb], s=22, color=COLOURS["neighbours"], lw=0,
                   label="Statistical neighbours" if i == 0 else None)
        ax.scatter(v[name][is_la], np.zeros(is_la.sum()), s=70, color=COLOURS["la"],
                   edgecolor="white", lw=1, zorder=5, label=la_name if i == 0 else None)
        if england and name in england and pd.notna(england[name]) and m.unit != "count":
            ax.axvline(england[name], color=COLOURS["england"], lw=1.2, ls="--",
                       label="England" if i == 0 else None)
        if is_la.any():
            val = float(v[name][is_la].iloc[0])
            ax.annotate(fmt_value(val, m.unit).replace(" per 10,000", ""), (val, 0), xytext=(0, 9), textcoords="offset points",
                        ha="center", fontsize=8, color=COLOURS["la"], fontweight="bold")
        ax.set_yticks([])
        ax.set_ylim(-0.5, 0.6)
        ax.set_ylabel(m.label, rotation=0, ha="right", va="center", fontsize=8.5)
        ax.grid(axis="y", visible=False)
        _format_axis(ax, m.unit)
        ax.tick_params(axis="x", labelsize=8)
    axes[-1, 0].set_xlabel("Value (each dot is one LA; units as in the row label)")
    fig.suptitle(title or f"{la_name} among all English LAs", x=0.01, ha="left",
                 fontweight="bold", fontsize=12)
    fig.legend(loc="upper right", ncol=4, fontsize=8, frameon=False)
    fig.text(0.01, 0.005, SOURCE + " England (dashed) not shown for counts.", fontsize=7.5,
             color="#666666", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.02, 1, 0.95))
    return fig


def ranked_bars(table: pd.DataFrame, metric: str, la_code: str,
                neighbours: Sequence[str] = (), england: float | None = None) -> plt.Figure:
    """Every LA as a bar, sorted by the indicator, the LA and its neighbours coloured."""
    m = METRICS[metric]
    v = table[["la_code", "la_name", metric]].dropna().sort_values(metric).reset_index(drop=True)
    colours = [COLOURS["la"] if c == la_code else COLOURS["neighbours"] if c in neighbours
               else COLOURS["other"] for c in v["la_code"]]
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.bar(np.arange(len(v)), v[metric], color=colours, width=0.9)
    if england is not None and pd.notna(england):
        ax.axhline(england, color=COLOURS["england"], ls="--", lw=1.2, label="England")
    hit = v.index[v["la_code"] == la_code]
    if len(hit):
        i = int(hit[0])
        ax.annotate(f"{v.loc[i, 'la_name']}: {v.loc[i, metric]:,.1f}", (i, v.loc[i, metric]),
                    xytext=(0, 12), textcoords="offset points", ha="center", fontsize=9,
                    color=COLOURS["la"], fontweight="bold",
                    arrowprops={"arrowstyle": "-", "color": COLOURS["la"]})
    ax.set_xticks([])
    ax.set_xlabel(f"All LAs with a value ({len(v)}), lowest to highest")
    ax.set_ylabel(m.label)
    if m.unit == "percent":
        percent(ax)
    ax.set_title(f"{m.label}: every LA")
    ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=COLOURS["la"]),
                       plt.Rectangle((0, 0), 1, 1, color=COLOURS["neighbours"]),
                       plt.Rectangle((0, 0), 1, 1, color=COLOURS["other"])],
              labels=["This LA", "Statistical neighbours", "Other LAs"], loc="upper left")
    _source(fig)
    return fig


def trend_chart(df: pd.DataFrame, metric: str, la_label: str) -> plt.Figure:
    """Lines of :func:`compare.trend` output, the LA thick and coloured."""
    m = METRICS[metric]
    fig, ax = plt.subplots()
    palette = {la_label: COLOURS["la"], "England": COLOURS["england"],
               "Statistical neighbours (average)": COLOURS["neighbours"]}
    for series, g in df.groupby("series", sort=False):
        g = g.dropna(subset=["value"])
        if g.empty:
            continue
        colour = palette.get(series, COLOURS["region"] if series not in palette else None)
        ax.plot(g["year"], g["value"], marker="o", ms=3.5,
                lw=2.6 if series == la_label else 1.4, color=colour, label=series)
    ax.set_title(f"{m.label}, by year")
    ax.set_xlabel(f"Benchmark year ({m.basis})")
    ax.set_ylabel(m.label)
    if m.unit == "percent":
        percent(ax)
    ax.legend(fontsize=8)
    _source(fig)
    return fig


def mix_chart(bench: pd.DataFrame, la_label: str, columns: Sequence[str] | None = None,
              region_label: str = "Region") -> plt.Figure:
    """Placement mix (% of plans by setting group) for the LA and its comparators."""
    columns = list(columns or ["la", "england", "region", "neighbours"])
    names = {"la": la_label, "england": "England", "region": region_label,
             "neighbours": "Statistical neighbours (average)"}
    rows = bench.set_index("metric").reindex([f"share_{g}" for g in MIX_GROUPS])
    data = rows[columns].T
    data.columns = [MIX_LABELS[g] for g in MIX_GROUPS]
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(columns) + 1.8))
    left = np.zeros(len(columns))
    from send_analysis.plots import PALETTE

    for j, col in enumerate(data.columns):
        vals = data[col].fillna(0).to_numpy()
        ax.barh(np.arange(len(columns)), vals, left=left, color=PALETTE[j % len(PALETTE)],
                label=col)
        left += vals
    ax.set_yticks(np.arange(len(columns)), [names.get(c, c) for c in columns])
    ax.invert_yaxis()
    ax.set_xlabel("% of EHC plans at January")
    percent(ax, "x")
    ax.set_title("Placement mix: where plans are held")
    ax.legend(ncol=2, fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.28))
    return fig

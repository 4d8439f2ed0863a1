"""Sentences of the cohort page (``notebooks/08``), in plain words; user text is inert.

The page's figures come from :mod:`send_analysis.cohort.calibrate` (the projection made
consistent with the demand forecast, decision 0071) and :mod:`send_analysis.cohort.results`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from send_analysis.casework import performance as perf
from send_analysis.cohort.pipeline import change_in_words
from send_analysis.report import money_m
from send_analysis.report.safe import inert

#: Columns of the backtest table that follow from a row's actual count (hidden with it).
ACTUAL_DERIVED = ("error", "pct_error", "covered", "covered_raw")


def data_text(n_transitions: int, history: pd.Series, la_name: str, costs_note: str) -> str:
    """What the model is fitted to: transitions, census years, population and costs."""
    return (f"The model is fitted to {n_transitions:,} year-on-year transitions between the "
            f"January censuses {history.index.min()} to {history.index.max()}. Population by "
            f"academic year comes from ONS mid-year estimates for {inert(la_name)}; placement "
            f"costs are the {inert(costs_note)}.")


def projection_text(start_year: int, initial_plans: float, res) -> str:
    """The casework's plans at the start and the projection's plans and cost at the end (mean
    and 95% interval), from a :class:`~send_analysis.cohort.results.CohortResults`."""
    s = res.summary_frame().set_index(["calendar-year", "measure"])
    end = res.years[-1]
    count, cost = s.loc[(end, "count")], s.loc[(end, "cost")]
    plans = perf.show(perf.suppress_count(initial_plans))  # a casework count (decision 0073)
    return (f"At January {start_year} the casework holds {plans} plans. Across "
            f"{res.simulations:,} simulations the model projects {count['mean']:,.0f} plans by "
            f"January {end} (95% interval {count['lower95']:,.0f} to {count['upper95']:,.0f}), "
            f"costing £{cost['mean'] / 1e6:,.1f}m a year at the unit costs above.")


def new_school_text(assumptions: Mapping, new_places: int, base_places: int, start_year: int,
                    end: int, diff: pd.DataFrame) -> str:
    """The new-school scenario's assumptions and its effect on the annual placement cost by the
    last year (``diff``: :func:`~send_analysis.cohort.results.compare` indexed by year).
    ``base_places`` is a casework count: from 1 to 4 it is shown as ``c`` (decision 0073)."""
    row = diff.loc[end]
    base = perf.show(perf.suppress_count(base_places))
    return (f"Assumptions: from January {assumptions['from_year']}, {assumptions['share']:.0%} of "
            "children arriving in independent special schools go to the new school, which adds "
            f"{new_places} places to the {base} children with plans in state academy/free "
            f"special schools at January {start_year}. By January {end} the annual placement cost "
            f"{change_in_words(row['difference'])} (95% interval "
            f"{money_m(row['difference lower95'], 2)} to {money_m(row['difference upper95'], 2)}).")


def no_backtest_text(la_name: str) -> str:
    """Why the page has no backtest."""
    return (f"The casework covers too few January censuses for {inert(la_name)} to hold years "
            "back and test the model (it needs at least three).")


def setting_group_comparison(res, demand, year: int) -> pd.DataFrame:
    """Plans by setting group in January ``year``: the cohort model's mean (``res``, a
    :class:`~send_analysis.cohort.results.CohortResults`) against the demand forecast's
    (``demand``, the :class:`~send_analysis.demand.forecast.ForecastResult` the cohort was made
    consistent with: page 02's figures), whole plans as each page shows them, with a total row
    and the difference of the shown figures (groups in the taxonomy's order, in words)."""
    from send_analysis.report.labels import in_order, plain

    b = res.by("setting-group")
    coh = b[(b["measure"] == "count") & (b["calendar-year"] == year)].set_index("setting-group")["mean"]
    d = demand.summary_frame("setting_group")
    dem = d[d["year"] == year].set_index("component")["mean"]
    keys = in_order([*coh.index, *[k for k in dem.index if k not in coh.index]])
    out = pd.DataFrame({"cohort": coh.reindex(keys), "demand": dem.reindex(keys)}).round(0)
    out.loc["total"] = out.sum(min_count=1)
    out["difference"] = out["cohort"] - out["demand"]
    out["pct"] = (100 * out["difference"] / out["demand"]).round(1)
    out.index = [plain(k) for k in out.index]
    out.columns = ["Cohort model (mean)", "Demand forecast, page 02 (mean)", "Difference",
                   "Difference (%)"]
    return out


def setting_group_text(table: pd.DataFrame, year: int) -> str:
    """Why the two pages agree in total and not by setting group (``table``:
    :func:`setting_group_comparison`)."""
    groups = table.drop(index="Total")
    big = groups["Difference"].abs().idxmax()
    row = groups.loc[big]
    return (
        f"In January {year} the two pages give the same total "
        f"({table.loc['Total', 'Demand forecast, page 02 (mean)']:,.0f} plans, within rounding) "
        "because each simulation here is scaled to a path of the demand forecast. By setting "
        f"group they differ, most for {big.lower()}: {row['Cohort model (mean)']:,.0f} here against "
        f"{row['Demand forecast, page 02 (mean)']:,.0f} on page 02 ({row['Difference (%)']:+.1f}%). "
        "They are not made to agree: the demand forecast splits its total by the trend in each "
        "setting group's share of the published censuses (decision record 0033), while this model "
        "moves each child between settings at the casework's transition rates and brings the "
        "extra joiners the demand forecast expects with the casework's joiner mix (decision "
        "record 0071). The difference is what the casework's flows say about the mix, against "
        "the published trend in it.")


def backtest_shown(bt: pd.DataFrame) -> pd.DataFrame:
    """Table 2 of the cohort page (:func:`~send_analysis.cohort.calibrate.backtest_table` of a
    :func:`~send_analysis.cohort.calibrate.consistent_backtest` frame) with the casework's
    actual counts suppressed as on page 09 (decision 0073): counts from 1 to 4 and the errors
    and coverage that follow from them shown as ``c``, and one more count of the same origin and
    year hidden wherever the year's total would give a hidden one away. Each origin's rows are
    their own sum (the same year appears once per origin)."""
    from send_analysis.cohort.calibrate import backtest_table

    table = backtest_table(bt).reset_index(drop=True)
    had_origin = "origin" in table.columns
    if not had_origin and "origin" in bt.columns:
        table.insert(0, "origin", bt["origin"].to_numpy())
    groups = [c for c in ("origin", "calendar-year") if c in table.columns]
    out = perf.suppress(table, ["actual"],
                        also={"actual": [c for c in ACTUAL_DERIVED if c in table.columns]},
                        total_rows=("setting-group", "total", groups))
    return out if had_origin else out.drop(columns="origin", errors="ignore")


def suppressed_outputs(results) -> dict[str, pd.DataFrame]:
    """What ``send-analysis cohort`` writes (``summary`` and ``by_<dimension>`` frames of a
    :class:`~send_analysis.cohort.results.CohortResults`) with the starting year suppressed as
    casework counts (decision 0073): that year is the casework itself (every simulation starts
    from it), so a group of 1 to 4 children shows ``c`` in every statistic of its count and its
    cost (cost = count x unit cost), and one more group of the year is hidden when the total
    would give a hidden one away. Projected years are simulation statistics, not counts."""
    start = results.years[0]
    summary = results.summary_frame()
    stats = [c for c in summary.columns if c not in ("calendar-year", "measure")]
    first_year = summary["calendar-year"] == start
    total = float(summary.loc[first_year & (summary["measure"] == "count"), "mean"].iloc[0])
    hide_total = perf.is_small(total)
    out: dict[str, pd.DataFrame] = {}
    for dim in results.groups:
        by = results.by(dim)
        first = by[(by["calendar-year"] == start) & (by["measure"] == "count")]
        wide = pd.DataFrame({dim: [*first[dim].astype(str), "total"],
                             "count": [*first["mean"].round().astype(int), int(round(total))]})
        shown = perf.suppress(wide, ["count"], total_rows=(dim, "total", []))
        hidden = set(shown.loc[shown["count"] == perf.SUPPRESSED, dim])
        hide_total = hide_total or "total" in hidden
        rows = (by["calendar-year"] == start) & by[dim].astype(str).isin(hidden - {"total"})
        out[f"by_{dim.replace('-', '_')}"] = _hide(by, rows, stats)
    if hide_total:  # the total, and with it every group of the starting year
        out = {k: _hide(v, v["calendar-year"] == start, stats) for k, v in out.items()}
    return {"summary": _hide(summary, first_year if hide_total else first_year & False, stats),
            **out}


def _hide(frame: pd.DataFrame, rows: pd.Series, columns: list[str]) -> pd.DataFrame:
    if not rows.any():
        return frame
    frame = frame.copy()
    frame[columns] = frame[columns].astype(object)
    frame.loc[rows, columns] = perf.SUPPRESSED
    return frame

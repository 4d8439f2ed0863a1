"""Sentences of the cohort page (``notebooks/08``), in plain words; user text is inert.

The page's figures come from :mod:`send_analysis.cohort.calibrate` (the projection made
consistent with the demand forecast, decision 0071) and :mod:`send_analysis.cohort.results`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from send_analysis.cohort.pipeline import change_in_words
from send_analysis.report import money_m
from send_analysis.report.safe import inert


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
    return (f"At January {start_year} the casework holds {int(initial_plans):,} plans. Across "
            f"{res.simulations:,} simulations the model projects {count['mean']:,.0f} plans by "
            f"January {end} (95% interval {count['lower95']:,.0f} to {count['upper95']:,.0f}), "
            f"costing £{cost['mean'] / 1e6:,.1f}m a year at the unit costs above.")


def new_school_text(assumptions: Mapping, new_places: int, base_places: int, start_year: int,
                    end: int, diff: pd.DataFrame) -> str:
    """The new-school scenario's assumptions and its effect on the annual placement cost by the
    last year (``diff``: :func:`~send_analysis.cohort.results.compare` indexed by year)."""
    row = diff.loc[end]
    return (f"Assumptions: from January {assumptions['from_year']}, {assumptions['share']:.0%} of "
            "children arriving in independent special schools go to the new school, which adds "
            f"{new_places} places to the {base_places:,} children with plans in state academy/free "
            f"special schools at January {start_year}. By January {end} the annual placement cost "
            f"{change_in_words(row['difference'])} (95% interval "
            f"{money_m(row['difference lower95'], 2)} to {money_m(row['difference upper95'], 2)}).")


def no_backtest_text(la_name: str) -> str:
    """Why the page has no backtest."""
    return (f"The casework covers too few January censuses for {inert(la_name)} to hold years "
            "back and test the model (it needs at least three).")

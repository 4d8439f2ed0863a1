"""Validate the cohort model: fit on the years up to an origin, project forward, compare.

:func:`backtest` fits on transitions whose second census is at or before ``origin`` (the state at
January ``origin`` is known), projects each later census the table covers, and compares the
projection with what happened: the total, and each setting group (or any dimension).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from send_analysis.cohort.io import NONSEND, ValidStates
from send_analysis.cohort.model import CohortModel, fit
from send_analysis.errors import DataError


def observed_counts(transitions: pd.DataFrame, valid: ValidStates,
                    dimension: str = "setting-group") -> pd.DataFrame:
    """Children in SEND at each January census (state 2 of each transition year), by dimension.

    Columns ``calendar-year``, ``dimension`` value (``total`` for all), ``count``.
    """
    t = transitions[transitions["setting-2"] != NONSEND]
    cy = t["calendar-year"] + 1
    if dimension == "setting-group":
        key = t["setting-2"].map(valid.setting_group)
    elif dimension in ("setting", "need"):
        key = t[f"{dimension}-2"]
    elif dimension == "academic-year":
        key = t["academic-year-2"]
    else:
        raise KeyError(f"{dimension!r} is not one of academic-year, need, setting, setting-group")
    df = pd.DataFrame({"calendar-year": cy.to_numpy(), dimension: key.to_numpy(),
                       "count": t["count"].to_numpy()})
    by = df.groupby(["calendar-year", dimension], as_index=False)["count"].sum()
    tot = df.groupby("calendar-year", as_index=False)["count"].sum().assign(**{dimension: "total"})
    return pd.concat([tot, by], ignore_index=True)[["calendar-year", dimension, "count"]]


def default_origin(transitions: pd.DataFrame, holdout: int = 2) -> int | None:
    """The census to backtest from: ``holdout`` censuses before the last, but late enough to
    leave at least one transition year to fit; ``None`` when the table is too short (fewer than
    two transition years)."""
    years = sorted(int(y) for y in transitions["calendar-year"].unique())
    last_census = years[-1] + 1
    origin = max(years[0] + 1, last_census - holdout)
    return origin if origin < last_census else None


def check_origin(transitions: pd.DataFrame, origin: int) -> int:
    """The last census in ``transitions``; raises :class:`DataError` when a backtest from
    ``origin`` would have no year to fit or none to compare."""
    years = sorted(transitions["calendar-year"].unique())
    last_census = int(years[-1]) + 1
    if origin >= last_census or origin - 1 not in years:
        raise DataError(f"origin {origin} leaves nothing to compare",
                        expected=f"a census year from {years[0] + 1} to {last_census - 1}")
    return last_census


def backtest(transitions: pd.DataFrame, population: pd.DataFrame, valid: ValidStates,
             costs: pd.DataFrame, origin: int, *, simulations: int = 500, seed: int = 0,
             dimension: str = "setting-group", prior_strength: float = 5.0,
             model: CohortModel | None = None) -> pd.DataFrame:
    """Fit on censuses up to ``origin``, project to the last census in ``transitions``, compare.

    Returns one row per later census and group (``total`` included): ``actual``, ``mean``,
    ``lower95``, ``upper95``, ``error`` (mean - actual), ``pct_error`` and ``covered`` (actual
    inside the 95% interval). ``model``: the model this function would fit (on the transitions
    up to ``origin`` with ``prior_strength``), when the caller already has it.
    """
    last_census = check_origin(transitions, origin)
    if model is None:
        past = transitions[transitions["calendar-year"] <= origin - 1]
        model = fit(past, population, valid, costs, prior_strength=prior_strength)
    horizon = last_census - origin
    res = model.simulate(horizon, simulations, seed=seed)
    out = against_actual(res, transitions, valid, origin, dimension)
    return out[["origin", "calendar-year", dimension, "actual", "mean", "lower95", "upper95",
                "error", "pct_error", "covered"]].reset_index(drop=True)


def against_actual(res, transitions: pd.DataFrame, valid: ValidStates, origin: int,
                   dimension: str = "setting-group") -> pd.DataFrame:
    """A projection's counts (total and by ``dimension``) after ``origin`` beside what the
    casework shows: ``actual``, ``error`` (mean - actual), ``pct_error`` and ``covered`` (actual
    inside the 95% interval), with ``origin`` first."""
    proj = res.by(dimension)
    proj = proj[proj["measure"] == "count"]
    tot = res.summary_frame()
    tot = tot[tot["measure"] == "count"].assign(**{dimension: "total"})
    proj = pd.concat([tot, proj], ignore_index=True)
    actual = observed_counts(transitions, valid, dimension)
    out = proj.merge(actual, on=["calendar-year", dimension], how="left")
    out = out[out["calendar-year"] > origin].rename(columns={"count": "actual"})
    out["actual"] = out["actual"].fillna(0)
    out["error"] = out["mean"] - out["actual"]
    out["pct_error"] = 100 * out["error"] / out["actual"].replace(0, np.nan)
    out["covered"] = (out["actual"] >= out["lower95"]) & (out["actual"] <= out["upper95"])
    out.insert(0, "origin", origin)
    return out

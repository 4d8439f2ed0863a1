"""Statutory performance measures from person-level casework.

- :func:`timeliness`: plans issued within 20 weeks of the request, with and without exceptions;
- :func:`open_over_20_weeks`: assessments still open more than 20 weeks after the request on a
  date (Solihull's "51 outstanding for more than 20 weeks at the start of 2021");
- :func:`annual_reviews` and :func:`reviews_overdue`: reviews due, held and overdue;
- :func:`backlog_clearance`: months for a team to clear a review backlog;
- :func:`phase_transfers_named`: placements named by the statutory deadline (15 February);
- :func:`funnel`: requests -> assessments -> plans;
- :func:`suppress`: hide small counts in outputs for reviewers;
- :func:`statutory_summary`: the headline measures on a date, small counts suppressed.

Every measure is a pure function of a :class:`~send_analysis.casework.io.Casework`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from send_analysis.casework.dates import TWENTY_WEEKS
from send_analysis.casework.io import Casework

SUPPRESSED = "c"


def timeliness(casework: Casework, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Plans issued per calendar year and the share within 20 weeks, with and without exceptions.

    Columns follow the ``timeliness`` tidy table: ``issued_incl_exc``, ``within_20wk_incl_exc``,
    ``pct_20wk_incl_exc`` (0-100), and the same ``_excl_exc`` leaving out cases where an exception
    applied. A plan is within 20 weeks when issued no more than 140 days after the request.
    """
    r = casework.requests.dropna(subset=["plan_issue_date"])
    r = r.assign(year=r["plan_issue_date"].dt.year,
                 within=(r["plan_issue_date"] - r["request_date"]) <= TWENTY_WEEKS)
    years = sorted(r["year"].unique()) if years is None else list(years)
    rows = []
    for y in years:
        d = r[r["year"] == y]
        x = d[~d["exception"].astype(bool)]
        rows.append({
            "year": int(y),
            "issued_incl_exc": len(d), "within_20wk_incl_exc": int(d["within"].sum()),
            "issued_excl_exc": len(x), "within_20wk_excl_exc": int(x["within"].sum()),
        })
    out = pd.DataFrame(rows, columns=["year", "issued_incl_exc", "within_20wk_incl_exc",
                                      "issued_excl_exc", "within_20wk_excl_exc"])
    out["pct_20wk_incl_exc"] = 100 * out["within_20wk_incl_exc"] / out["issued_incl_exc"].replace(0, np.nan)
    out["pct_20wk_excl_exc"] = 100 * out["within_20wk_excl_exc"] / out["issued_excl_exc"].replace(0, np.nan)
    return out


def open_assessments(casework: Casework, at: pd.Timestamp) -> pd.DataFrame:
    """Requests not concluded on ``at``: made on or before it, not refused or withdrawn by then,
    and with no plan issued (and no 'no plan' outcome) by then. Adds ``weeks_open``."""
    at = pd.Timestamp(at)
    r = casework.requests
    made = r["request_date"] <= at
    decided_out = r["decision"].isin(["refuse", "withdrawn"]) & (r["decision_date"] <= at)
    no_plan = (r["outcome"] == "no_plan") & (r["decision_date"] <= at)
    issued = r["plan_issue_date"].notna() & (r["plan_issue_date"] <= at)
    out = r[made & ~decided_out & ~no_plan & ~issued].copy()
    out["weeks_open"] = (at - out["request_date"]).dt.days / 7
    return out


def open_over_20_weeks(casework: Casework, at: pd.Timestamp | Iterable[pd.Timestamp]) -> int | pd.Series:
    """Number of assessments open for more than 20 weeks on a date (or on each of several dates)."""
    if isinstance(at, (str, pd.Timestamp)):
        return int((open_assessments(casework, pd.Timestamp(at))["weeks_open"] > 20).sum())
    dates = [pd.Timestamp(d) for d in at]
    return pd.Series([open_over_20_weeks(casework, d) for d in dates], index=dates,
                     name="open_over_20_weeks")


def reviews_overdue(casework: Casework, at: pd.Timestamp) -> pd.DataFrame:
    """Annual reviews due before ``at`` and not held by then, for plans still open on ``at``."""
    at = pd.Timestamp(at)
    pl = casework.plans
    open_ids = pl.loc[(pl["start_date"] <= at) & (pl["end_date"].isna() | (pl["end_date"] > at)),
                      "person_id"]
    rv = casework.reviews
    late = (rv["due_date"] < at) & (rv["held_date"].isna() | (rv["held_date"] > at))
    out = rv[late & rv["person_id"].isin(open_ids)].copy()
    out["weeks_overdue"] = (at - out["due_date"]).dt.days / 7
    return out


def annual_reviews(casework: Casework, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Per calendar year: reviews due, held (ever), held within the year, and held on time
    (within 4 weeks either side of the due date is not a statutory test; ``held_by_due`` counts
    meetings on or before the due date)."""
    rv = casework.reviews.assign(year=casework.reviews["due_date"].dt.year)
    years = sorted(rv["year"].unique()) if years is None else list(years)
    rows = []
    for y in years:
        d = rv[rv["year"] == y]
        held = d["held_date"].notna()
        rows.append({"year": int(y), "due": len(d), "held": int(held.sum()),
                     "held_by_due": int((held & (d["held_date"] <= d["due_date"])).sum()),
                     "not_held": int((~held).sum())})
    out = pd.DataFrame(rows, columns=["year", "due", "held", "held_by_due", "not_held"])
    out["pct_held"] = 100 * out["held"] / out["due"].replace(0, np.nan)
    return out


def backlog_clearance(backlog: int, officers: float, reviews_per_officer_month: float,
                      incoming_per_month: float = 0.0, existing_capacity_per_month: float = 0.0,
                      max_months: int = 120) -> dict:
    """Months for extra officers to clear a review backlog.

    Each month the team completes ``existing_capacity_per_month`` reviews plus
    ``officers × reviews_per_officer_month``; ``incoming_per_month`` new reviews fall due. The
    backlog falls by the difference. Returns ``months`` (``math.inf`` if it never clears) and the
    month-end ``trajectory`` (a list starting with the backlog). E.g. 10 extra officers doing 8
    reviews a month clear a backlog of 400, with capacity matching new demand, in 5 months.
    """
    if backlog < 0 or officers < 0 or reviews_per_officer_month < 0:
        raise ValueError("backlog, officers and reviews per officer must not be negative")
    net = existing_capacity_per_month + officers * reviews_per_officer_month - incoming_per_month
    trajectory = [float(backlog)]
    if backlog == 0:
        return {"months": 0, "net_per_month": net, "trajectory": trajectory}
    if net <= 0:
        return {"months": math.inf, "net_per_month": net, "trajectory": trajectory}
    months = math.ceil(backlog / net)
    for m in range(1, min(months, max_months) + 1):
        trajectory.append(max(backlog - m * net, 0.0))
    return {"months": months, "net_per_month": net, "trajectory": trajectory}


def phase_transfers_named(casework: Casework, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Per transfer year and phase: transfers, placements named by the deadline, and the share."""
    pt = casework.phase_transfers.copy()
    pt["phase"] = pt["from_ncy"].astype(str) + "->" + pt["to_ncy"].astype(str)
    pt["on_time"] = pt["named_date"].notna() & (pt["named_date"] <= pt["deadline"])
    if years is not None:
        pt = pt[pt["transfer_year"].isin(list(years))]
    out = (pt.groupby(["transfer_year", "phase"])
             .agg(transfers=("person_id", "size"), named_by_deadline=("on_time", "sum"))
             .reset_index())
    out["named_by_deadline"] = out["named_by_deadline"].astype(int)
    out["pct_named_by_deadline"] = 100 * out["named_by_deadline"] / out["transfers"]
    return out


def funnel(casework: Casework, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Requests made each calendar year and what became of them (as far as the casework knows)."""
    r = casework.requests.assign(year=casework.requests["request_date"].dt.year)
    years = sorted(r["year"].unique()) if years is None else list(years)
    rows = []
    for y in years:
        d = r[r["year"] == y]
        rows.append({
            "year": int(y), "requests": len(d),
            "refused": int((d["decision"] == "refuse").sum()),
            "withdrawn": int((d["decision"] == "withdrawn").sum()),
            "assessed": int((d["decision"] == "assess").sum()),
            "plan_issued": int((d["outcome"] == "plan").sum()),
            "no_plan": int((d["outcome"] == "no_plan").sum()),
            "pending": int(d["decision"].isna().sum() + ((d["decision"] == "assess")
                                                           & d["outcome"].isna()).sum()),
        })
    out = pd.DataFrame(rows, columns=["year", "requests", "refused", "withdrawn", "assessed",
                                      "plan_issued", "no_plan", "pending"])
    out["pct_assessed"] = 100 * out["assessed"] / out["requests"].replace(0, np.nan)
    out["pct_plan_of_assessed"] = 100 * out["plan_issued"] / out["assessed"].replace(0, np.nan)
    return out


def suppress(df: pd.DataFrame, counts: list[str], threshold: int = 5,
             also: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Replace counts from 1 to ``threshold - 1`` with ``"c"`` (the DfE's 'confidential' marker).

    ``also`` maps a count column to columns derived from it (e.g. a percentage) that are
    suppressed on the same rows. Zeros are shown. Returns a copy with object columns.
    """
    out = df.copy()
    also = also or {}
    for col in counts:
        small = (out[col] > 0) & (out[col] < threshold)
        for c in [col, *also.get(col, [])]:
            out[c] = out[c].astype(object)
            out.loc[small, c] = SUPPRESSED
    return out


def statutory_summary(casework: Casework, at: pd.Timestamp | None = None,
                      threshold: int = 5) -> dict:
    """Headline measures on a date (default: the casework's last date), small counts suppressed.

    Timeliness and the funnel are for the last full calendar year before ``at``; phase transfers
    for the latest transfer year up to ``at``'s year.
    """
    at = pd.Timestamp(at) if at is not None else casework.end_date
    year = at.year - 1

    def count(n: int) -> int | str:
        return SUPPRESSED if 0 < n < threshold else int(n)

    t = timeliness(casework, [year]).iloc[0]
    pt = phase_transfers_named(casework)
    pt = pt[pt["transfer_year"] <= at.year]
    latest_pt = pt[pt["transfer_year"] == pt["transfer_year"].max()] if len(pt) else pt
    f = funnel(casework, [year]).iloc[0]
    small_t = 0 < t["within_20wk_incl_exc"] < threshold
    return {
        "as_at": at.date().isoformat(),
        "timeliness_year": int(year),
        "plans_issued": count(t["issued_incl_exc"]),
        "within_20_weeks": count(t["within_20wk_incl_exc"]),
        "pct_within_20_weeks": (SUPPRESSED if small_t else
                                None if pd.isna(t["pct_20wk_incl_exc"]) else round(float(t["pct_20wk_incl_exc"]), 1)),
        "open_over_20_weeks": count(open_over_20_weeks(casework, at)),
        "reviews_overdue": count(len(reviews_overdue(casework, at))),
        "phase_transfer_year": int(latest_pt["transfer_year"].iloc[0]) if len(latest_pt) else None,
        "phase_transfers": count(int(latest_pt["transfers"].sum())),
        "named_by_deadline": count(int(latest_pt["named_by_deadline"].sum())),
        "requests": count(f["requests"]),
        "assessed": count(f["assessed"]),
        "plans_from_requests": count(f["plan_issued"]),
    }

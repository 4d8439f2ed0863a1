"""Statutory performance measures from person-level casework.

- :func:`timeliness`: plans issued within 20 weeks of the request, with and without exceptions;
- :func:`open_over_20_weeks`: assessments still open more than 20 weeks after the request on a
  date (Solihull's "51 outstanding for more than 20 weeks at the start of 2021");
- :func:`annual_reviews` and :func:`reviews_overdue`: reviews due, held and overdue;
- :func:`backlog_clearance`: months for a team to clear a review backlog;
- :func:`phase_transfers_named`: placements named by the statutory deadline (15 February);
- :func:`funnel`: requests -> assessments -> plans;
- :func:`suppress`, :func:`suppressed_table`, :func:`suppress_count`: hide small counts and
  every cell that would give one away (secondary suppression) in outputs for reviewers;
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
from send_analysis.errors import ConfigError

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


#: Counts from 1 to ``DEFAULT_THRESHOLD - 1`` are suppressed (the DfE's practice for SEN2).
DEFAULT_THRESHOLD = 5


def check_threshold(threshold: int, allow_low_threshold: bool = False) -> int:
    """``threshold`` if allowed: whole, at least 1, and not below :data:`DEFAULT_THRESHOLD`
    unless ``allow_low_threshold`` says so explicitly (a :class:`ConfigError` otherwise)."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ConfigError(f"suppression threshold {threshold!r} is not a whole number of 1 or more "
                          "(option --threshold)")
    if threshold < DEFAULT_THRESHOLD and not allow_low_threshold:
        raise ConfigError(f"suppression threshold {threshold} is below the default "
                          f"{DEFAULT_THRESHOLD}: counts from 1 to {DEFAULT_THRESHOLD - 1} could "
                          "identify children; pass --allow-low-threshold to do this on purpose "
                          "(option --threshold)")
    return int(threshold)


def is_small(n: float, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True for a count from 1 to ``threshold - 1`` (zeros are shown)."""
    return bool(pd.notna(n) and 0 < n < threshold)


def suppress_count(n: float, threshold: int = DEFAULT_THRESHOLD,
                   allow_low_threshold: bool = False) -> int | str:
    """One count from person-level casework, ready to show: ``"c"`` from 1 to ``threshold - 1``.

    Use it only for a count shown on its own; a count that sits in a table or beside a total
    goes through :func:`suppress` so that it cannot be recovered by subtraction.
    """
    check_threshold(threshold, allow_low_threshold)
    return SUPPRESSED if is_small(n, threshold) else int(n)


def show(value: object, decimals: int | None = None, suffix: str = "") -> str:
    """Text for a value of a suppressed table: ``c`` as it is, a count with thousands
    separators, a share with ``decimals`` and ``suffix`` (e.g. ``"%"``), a missing value as
    ``–``. For prose built from :func:`suppress` output."""
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return "–"
    if decimals is None:
        return f"{int(value):,}"
    return f"{float(value):,.{decimals}f}{suffix}"


def suppress(df: pd.DataFrame, counts: list[str], threshold: int = DEFAULT_THRESHOLD,
             also: dict[str, list[str]] | None = None,
             sums: Iterable[tuple[str, list[str]]] = (),
             total_rows: tuple[str, object, list[str]] | None = None,
             allow_low_threshold: bool = False) -> pd.DataFrame:
    """Hide small counts (primary suppression) and the cells that would give them away
    (secondary suppression); show ``"c"`` (the DfE's 'confidential' marker) in both.

    - primary: counts from 1 to ``threshold - 1`` in ``counts`` (zeros are shown);
    - ``sums``: ``(total, parts)`` relations within each row, ``total = sum(parts) + rest``, where
      the rest (``total - sum(parts)``, not shown) is treated as one more cell. A relation in
      which exactly one unknown cell is small (a suppressed cell when the rest is zero, or a
      small rest when nothing is suppressed) gets one more cell suppressed: the smallest
      part, or the total when no part is left. Repeated until no hidden count can be recovered
      by subtraction in any relation;
    - ``total_rows``: ``(key column, total label, group columns)``: rows whose key equals the
      label hold the sum of the other rows of their group for every count column (so a total
      row cannot reveal a suppressed row either);
    - ``also`` maps a count column to columns derived from it (a percentage): suppressed on
      every row where the count is. List a percentage under its numerator and its denominator.

    Returns a copy with object columns where anything is suppressed.
    """
    check_threshold(threshold, allow_low_threshold)
    also = also or {}
    values = df[counts].to_numpy(dtype=float)
    hidden = (values > 0) & (values < threshold)
    col = {c: j for j, c in enumerate(counts)}
    relations: list[tuple[tuple[int, int], list[tuple[int, int]]]] = []
    for i in range(len(df)):
        for total, parts in sums:
            relations.append(((i, col[total]), [(i, col[p]) for p in parts]))
    if total_rows is not None:
        key, label, groups = total_rows
        keys = df[key].to_numpy()
        group_ids = (df.groupby(groups, sort=False).ngroup().to_numpy() if groups
                     else np.zeros(len(df), dtype=int))
        for g in np.unique(group_ids):
            members = np.flatnonzero(group_ids == g)
            tot = [i for i in members if keys[i] == label]
            rest = [i for i in members if keys[i] != label]
            for t in tot:
                for j in range(len(counts)):
                    relations.append(((t, j), [(i, j) for i in rest]))
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            cells = [total, *parts]
            rest = values[total] - sum(values[p] for p in parts)
            n_hidden = sum(bool(hidden[c]) for c in cells)
            if rest != 0:
                exposed = n_hidden == 0 and 0 < rest < threshold
            else:
                exposed = n_hidden == 1
            if not hidden[total] and n_hidden:
                # the hidden parts together (total minus the parts shown, the rest included)
                # are known: a small sum gives away a small count, however many cells it spans
                # (requests 11, assessed 7: 4 refused or withdrawn)
                together = values[total] - sum(values[p] for p in parts if not hidden[p])
                exposed = exposed or 0 < together < threshold
            if not exposed:
                continue
            shown_parts = [p for p in parts if not hidden[p]]
            if shown_parts:
                pick = min(shown_parts, key=lambda c: (values[c] == 0, values[c]))
            elif not hidden[total]:
                pick = total
            else:
                continue
            hidden[pick] = True
            changed = True
    out = df.copy()
    for c in counts:
        rows = hidden[:, col[c]]
        if not rows.any():
            continue
        for target in [c, *also.get(c, [])]:
            out[target] = out[target].astype(object)
            out.loc[out.index[rows], target] = SUPPRESSED
    return out


#: How each page-09 table is suppressed (counts, derived percentages and the sums that hold
#: between its counts), so every output of a measure goes through :func:`suppress` the same way.
TABLE_RULES: dict[str, dict] = {
    "timeliness": {
        "counts": ["issued_incl_exc", "within_20wk_incl_exc", "issued_excl_exc",
                   "within_20wk_excl_exc"],
        "also": {"issued_incl_exc": ["pct_20wk_incl_exc"],
                 "within_20wk_incl_exc": ["pct_20wk_incl_exc"],
                 "issued_excl_exc": ["pct_20wk_excl_exc"],
                 "within_20wk_excl_exc": ["pct_20wk_excl_exc"]},
        "sums": [("issued_incl_exc", ["within_20wk_incl_exc"]),
                 ("issued_excl_exc", ["within_20wk_excl_exc"]),
                 ("issued_incl_exc", ["issued_excl_exc"]),
                 ("within_20wk_incl_exc", ["within_20wk_excl_exc"])],
    },
    "annual_reviews": {
        "counts": ["due", "held", "held_by_due", "not_held"],
        "also": {"due": ["pct_held"], "held": ["pct_held"]},
        "sums": [("due", ["held", "not_held"]), ("held", ["held_by_due"])],
    },
    "phase_transfers": {
        "counts": ["transfers", "named_by_deadline"],
        "also": {"transfers": ["pct_named_by_deadline"],
                 "named_by_deadline": ["pct_named_by_deadline"]},
        "sums": [("transfers", ["named_by_deadline"])],
        "total_rows": ("phase", "all phases", ["transfer_year"]),
    },
    "funnel": {
        "counts": ["requests", "refused", "withdrawn", "assessed", "plan_issued", "no_plan",
                   "pending"],
        "also": {"requests": ["pct_assessed"], "assessed": ["pct_assessed", "pct_plan_of_assessed"],
                 "plan_issued": ["pct_plan_of_assessed"]},
        "sums": [("requests", ["refused", "withdrawn", "assessed"]),
                 ("assessed", ["plan_issued", "no_plan"]),
                 ("requests", ["refused", "withdrawn", "plan_issued", "no_plan", "pending"])],
    },
}


def with_total_rows(pt: pd.DataFrame) -> pd.DataFrame:
    """:func:`phase_transfers_named` with an ``all phases`` row per transfer year (the sums)."""
    if pt.empty:
        return pt
    tot = (pt.groupby("transfer_year", as_index=False)[["transfers", "named_by_deadline"]].sum()
             .assign(phase="all phases"))
    tot["pct_named_by_deadline"] = 100 * tot["named_by_deadline"] / tot["transfers"].replace(0, np.nan)
    out = pd.concat([pt, tot[pt.columns]], ignore_index=True)
    order = out["phase"].eq("all phases").astype(int)
    return (out.assign(_o=order).sort_values(["transfer_year", "_o"], kind="stable")
               .drop(columns="_o").reset_index(drop=True))


def suppressed_table(measure: str, df: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD,
                     allow_low_threshold: bool = False) -> pd.DataFrame:
    """``df`` (the output of the measure of that name) suppressed by :data:`TABLE_RULES`;
    phase transfers gain an ``all phases`` row per year first."""
    rules = TABLE_RULES[measure]
    if measure == "phase_transfers":
        df = with_total_rows(df)
    return suppress(df, rules["counts"], threshold, also=rules["also"], sums=rules["sums"],
                    total_rows=rules.get("total_rows"), allow_low_threshold=allow_low_threshold)


def suppress_series(s: pd.Series, threshold: int = DEFAULT_THRESHOLD,
                    allow_low_threshold: bool = False) -> pd.Series:
    """A series of counts for a chart: small counts (1 to ``threshold - 1``) become NaN (a gap)."""
    check_threshold(threshold, allow_low_threshold)
    return s.astype(float).where(~((s > 0) & (s < threshold)))


def for_chart(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A suppressed table with ``columns`` numeric again, suppressed cells as NaN (gaps)."""
    out = df.copy()
    for c in columns:
        out[c] = pd.to_numeric(out[c].where(out[c] != SUPPRESSED), errors="coerce")
    return out


def statutory_summary(casework: Casework, at: pd.Timestamp | None = None,
                      threshold: int = DEFAULT_THRESHOLD, allow_low_threshold: bool = False) -> dict:
    """Headline measures on a date (default: the casework's last date), small counts suppressed.

    Timeliness and the funnel are for the last full calendar year before ``at``; phase transfers
    for the latest transfer year up to ``at``'s year. Every figure comes from the suppressed
    tables of :func:`suppressed_table` (or :func:`suppress_count` for a count on its own), so a
    percentage is hidden with its counts and no hidden count follows from the others.
    """
    check_threshold(threshold, allow_low_threshold)
    at = pd.Timestamp(at) if at is not None else casework.end_date
    year = at.year - 1
    kw = {"threshold": threshold, "allow_low_threshold": allow_low_threshold}

    def count(n: object) -> int | str:
        return n if isinstance(n, str) else int(n)

    def pct(v: object) -> float | str | None:
        return v if isinstance(v, str) else None if pd.isna(v) else round(float(v), 1)

    t = suppressed_table("timeliness", timeliness(casework, [year]), **kw).iloc[0]
    pt = phase_transfers_named(casework)
    pt = pt[pt["transfer_year"] <= at.year]
    latest = (suppressed_table("phase_transfers", pt[pt["transfer_year"] == pt["transfer_year"].max()], **kw)
              if len(pt) else pt)
    total = latest[latest["phase"] == "all phases"].iloc[0] if len(latest) else None
    f = suppressed_table("funnel", funnel(casework, [year]), **kw).iloc[0]
    return {
        "as_at": at.date().isoformat(),
        "timeliness_year": int(year),
        "plans_issued": count(t["issued_incl_exc"]),
        "within_20_weeks": count(t["within_20wk_incl_exc"]),
        "pct_within_20_weeks": pct(t["pct_20wk_incl_exc"]),
        "plans_issued_excl_exceptions": count(t["issued_excl_exc"]),
        "within_20_weeks_excl_exceptions": count(t["within_20wk_excl_exc"]),
        "pct_within_20_weeks_excl_exceptions": pct(t["pct_20wk_excl_exc"]),
        "open_over_20_weeks": suppress_count(open_over_20_weeks(casework, at), **kw),
        "reviews_overdue": suppress_count(len(reviews_overdue(casework, at)), **kw),
        "phase_transfer_year": int(total["transfer_year"]) if total is not None else None,
        "phase_transfers": count(total["transfers"]) if total is not None else 0,
        "named_by_deadline": count(total["named_by_deadline"]) if total is not None else 0,
        "requests": count(f["requests"]),
        "assessed": count(f["assessed"]),
        "plans_from_requests": count(f["plan_issued"]),
    }


def backlog_summary(backlog: int, reviews_shown: pd.Series, officers: float,
                    reviews_per_officer_month: float, at: pd.Timestamp,
                    threshold: int = DEFAULT_THRESHOLD,
                    allow_low_threshold: bool = False) -> tuple[str, list[float] | None]:
    """A sentence on clearing the overdue annual reviews, and the backlog trajectory to chart
    (``None`` when it would reveal a suppressed count).

    ``reviews_shown`` is the last row of the suppressed annual-reviews table: the team's current
    rate (reviews held a year / 12) and demand (due / 12) are used only when those counts are
    shown; a backlog from 1 to ``threshold - 1`` is reported as ``c`` with no trajectory.
    """
    n = suppress_count(backlog, threshold, allow_low_threshold)
    due, held = reviews_shown["due"], reviews_shown["held"]
    head = f"On {at:%d %B %Y}, {show(n)} annual reviews were overdue for plans still open."
    if isinstance(n, str) or isinstance(due, str) or isinstance(held, str):
        return (head + " The months to clear them are not shown: they would reveal a count "
                "below the suppression threshold.", None)
    plan = backlog_clearance(int(n), officers, reviews_per_officer_month,
                             incoming_per_month=float(due) / 12,
                             existing_capacity_per_month=float(held) / 12)
    months = plan["months"]
    when = f"in {months} months" if months != math.inf else "never: new reviews outpace the team"
    return (head + f" With {officers:g} extra officers each completing "
            f"{reviews_per_officer_month:g} reviews a month, and the existing team holding "
            f"{float(held) / 12:,.0f} a month against {float(due) / 12:,.0f} falling due, the "
            f"backlog clears {when}.", plan["trajectory"])

"""Benchmark indicators: one definition each, computed for every LA, region and England.

Every indicator is computed for a **benchmark year** ``Y``, the January census year of the SEN2
release being benchmarked (``--year 2021`` = the release of June 2021). As in that release:

- caseload indicators (plans, placement mix, plans per 10,000) use the **January Y** census;
- event indicators (new plans, requests, assessments, 20-week timeliness, tribunal appeals,
  ceased plans) use **calendar year Y-1**, the events the same release reports;
- the 0-25 population is the ONS **mid-(Y-1)** estimate (``send_analysis.data.population``).

``docs/decisions/0050-benchmark-year-convention.md`` records why. Each indicator has a polarity
(``high``/``low`` good, or ``neutral``) used for rank and quartile (``ranking.py``, decision 0054).

Functions take a :class:`~send_analysis.data.tables.Tables` (the one tables object, imported here
under its old name ``benchmark.metrics.Tables``) so that tests can pass small frames; the 0-25
population is the derived table ``population_0_25`` (``population.population_0_25``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from send_analysis.benchmark.ranking import Polarity
from send_analysis.data.population import population_0_25
from send_analysis.data.tables import Tables
from send_analysis.data.taxonomy import SETTING_GROUPS
from send_analysis.errors import DataError
from send_analysis.report.shared import national

#: Placement-mix groups shown on the benchmark page, in order; together they cover every setting.
MIX_GROUPS: dict[str, tuple[str, ...]] = {
    "mainstream": ("mainstream",),
    "resourced_unit": ("mainstream_rp_unit",),
    "special_state": ("special_la_maintained", "special_academy_free"),
    "special_indep_nm": ("special_independent", "special_non_maintained"),
    "fe_sixth_form": ("fe_sixth_form",),
    "specialist_post16": ("specialist_post16",),
    "ap_pru": ("ap_pru",),
    "other": SETTING_GROUPS["other"],
}
MIX_LABELS: dict[str, str] = {
    "mainstream": "Mainstream school",
    "resourced_unit": "Resourced provision / SEN unit",
    "special_state": "Maintained and academy special",
    "special_indep_nm": "Independent and non-maintained special",
    "fe_sixth_form": "FE college / sixth form",
    "specialist_post16": "Specialist post-16 institution",
    "ap_pru": "Alternative provision / PRU",
    "other": "Other (early years, home, NEET, not recorded)",
}


def values(tables: Tables, table: str, dim: str, member: str, year: int) -> pd.Series:
    """Published values of one dimension member in one year, indexed by ``area_code``."""
    df = tables.get(table)
    sub = df[(df[dim] == member) & (df["year"] == int(year))]
    return sub.groupby("area_code")["value"].sum(min_count=1)


def members_sum(tables: Tables, table: str, dim: str, members: tuple[str, ...] | list[str],
                year: int) -> pd.Series:
    """Sum of several dimension members (NaN when none is published), by ``area_code``."""
    df = tables.get(table)
    sub = df[df[dim].isin(list(members)) & (df["year"] == int(year))]
    return sub.groupby("area_code")["value"].sum(min_count=1)


def safe_ratio(num: pd.Series, den: pd.Series, scale: float = 1.0) -> pd.Series:
    """num / den x scale aligned on the index; NaN where the denominator is missing or zero.

    >>> safe_ratio(pd.Series({"a": 1.0, "b": 2.0}), pd.Series({"a": 4.0, "b": 0.0}), 100).tolist()
    [25.0, nan]
    """
    num, den = num.align(den, join="outer")
    den = den.where(den != 0)
    return num / den * scale


def pct_change(end: pd.Series, base: pd.Series) -> pd.Series:
    """Percentage change from base to end (100 x (end / base - 1)).

    >>> pct_change(pd.Series({"a": 153.0}), pd.Series({"a": 100.0})).round(6).tolist()
    [53.0]
    """
    return safe_ratio(end, base, 100.0) - 100.0


# -------------------------------------------------------------------------------------------------
# Indicator functions: (tables, Y) -> Series by area_code


def plans_total(tables: Tables, year: int) -> pd.Series:
    """EHC plans (and statements, to 2018) at January Y."""
    return values(tables, "plans_by_setting", "setting", "total", year)


def _plans_current_geography(tables: Tables, year: int) -> pd.Series:
    """Total plans on current LA geography: predecessor history apportioned to successors."""
    from send_analysis.data.geography import consistent_series

    df = tables.get("plans_by_setting")
    df = df[df["setting"] == "total"]
    la = df[df["level"] == "la"]
    cur = consistent_series(la, "current")
    cur = cur[cur["year"] == int(year)]
    return cur.groupby("area_code")["value"].sum(min_count=1)


def growth_since(base_year: int) -> Callable[[Tables, int], pd.Series]:
    """Growth in total plans from January ``base_year`` to January Y, in %.

    LAs created after ``base_year`` (BCP, Dorset, North/West Northamptonshire, Cumberland,
    Westmorland and Furness) take their base from their predecessors' plans apportioned by
    ``geography.consistent_series`` (decision 0053); others use the published figures. Before
    January ``base_year`` the growth is not defined: every LA's value is missing.
    """

    def compute(tables: Tables, year: int) -> pd.Series:
        end = plans_total(tables, year)
        if year < base_year:  # growth "since" a later year is not defined (issue 19): missing
            return pd.Series(np.nan, index=end.index, dtype=float)
        base = plans_total(tables, base_year)
        missing = [c for c in end.index if pd.isna(base.get(c, np.nan))]
        if missing:
            try:
                cur = _plans_current_geography(tables, base_year)
            except (KeyError, DataError):  # no LA lookup or history to apportion: leave NaN
                cur = pd.Series(dtype=float)
            fill = cur.reindex(missing).dropna()
            base = pd.concat([base.drop(fill.index, errors="ignore"), fill])
        return pct_change(end, base.reindex(end.index))

    compute.__doc__ = f"% change in plans, January {base_year} to January Y."
    return compute


def population_0_25_for(tables: Tables, census_year: int) -> pd.Series:
    """0-25 population at mid-(Y-1), by area_code (see ``data/population.py``)."""
    pop = tables.derived("population_0_25", population_0_25)
    sub = pop[pop["year"] == int(census_year) - 1]
    return sub.groupby("area_code")["value"].sum(min_count=1)


def plans_per_10k(tables: Tables, year: int) -> pd.Series:
    """Plans at January Y per 10,000 of the 0-25 population at mid-(Y-1)."""
    return safe_ratio(plans_total(tables, year), population_0_25_for(tables, year), 10_000)


def mix_share(group: str) -> Callable[[Tables, int], pd.Series]:
    """Share (%) of January Y plans in a placement group of :data:`MIX_GROUPS`."""

    def compute(tables: Tables, year: int) -> pd.Series:
        num = members_sum(tables, "plans_by_setting", "setting", MIX_GROUPS[group], year)
        total = plans_total(tables, year)
        return safe_ratio(num.reindex(total.index).fillna(0.0).where(total.notna()), total, 100)

    compute.__doc__ = f"% of plans at January Y in {MIX_LABELS[group]}."
    return compute


def new_plans(tables: Tables, year: int) -> pd.Series:
    """New EHC plans issued in calendar year Y-1."""
    return values(tables, "new_plans", "setting", "total", year - 1)


def new_plans_per_10k(tables: Tables, year: int) -> pd.Series:
    """New plans in calendar Y-1 per 10,000 of the 0-25 population at mid-(Y-1)."""
    return safe_ratio(new_plans(tables, year), population_0_25_for(tables, year), 10_000)


def requests(tables: Tables, year: int) -> pd.Series:
    """Initial requests for an EHC needs assessment in calendar Y-1."""
    return values(tables, "requests_assessments", "measure", "requests", year - 1)


def pct_requests_assessed(tables: Tables, year: int) -> pd.Series:
    """% of initial requests in calendar Y-1 not refused: 100 x (requests - refused) / requests."""
    req = requests(tables, year)
    refused = values(tables, "requests_assessments", "measure", "requests_refused", year - 1)
    return safe_ratio(req - refused.reindex(req.index), req, 100)


def pct_assessed_plan_issued(tables: Tables, year: int) -> pd.Series:
    """% of completed assessments in calendar Y-1 that led to a plan."""
    ra = "requests_assessments"
    issued = values(tables, ra, "measure", "assessed_plan_issued", year - 1)
    no_plan = values(tables, ra, "measure", "assessed_no_plan", year - 1)
    return safe_ratio(issued, issued + no_plan.reindex(issued.index), 100)


def pct_20wk(which: str) -> Callable[[Tables, int], pd.Series]:
    """% of new plans in calendar Y-1 issued within 20 weeks (``incl`` or ``excl`` exceptions)."""

    def compute(tables: Tables, year: int) -> pd.Series:
        return values(tables, "timeliness", "measure", f"pct_20wk_{which}_exc", year - 1)

    compute.__doc__ = f"% of new plans issued within 20 weeks, {which}uding exceptions, calendar Y-1."
    return compute


def tribunal_appeal_rate(tables: Tables, year: int) -> pd.Series:
    """SEND Tribunal appeals as % of appealable decisions, calendar Y-1.

    The build keys LA rows by the LA's published name, since the source file misprints five
    codes (``geography.rekey_by_name``, decision 0058). The published table has LA and England
    rows only; a region's rate is pooled from its LAs (sum of appeals / sum
    of decisions, LAs with both published).
    """
    view = Tables({"tribunal_appeals": tables.get("tribunal_appeals")})
    rate = values(view, "tribunal_appeals", "measure", "appeal_rate_pct", year - 1)
    if any(str(c).startswith("E12") for c in rate.index):
        return rate
    appeals = values(view, "tribunal_appeals", "measure", "appeals", year - 1)
    decisions = values(view, "tribunal_appeals", "measure", "appealable_decisions", year - 1)
    both = pd.DataFrame({"a": appeals, "d": decisions}).dropna()
    both = both[[str(c).isdigit() for c in both.index]]
    if tables.has("la_lookup") and len(both):
        region = tables.get("la_lookup").set_index("la_code")["region_code"]
        both["region"] = region.reindex(both.index).values
        sums = both.dropna(subset=["region"]).groupby("region")[["a", "d"]].sum()
        rate = pd.concat([rate, safe_ratio(sums["a"], sums["d"], 100)])
    return rate


def ceased_plans(tables: Tables, year: int) -> pd.Series:
    """Plans ceased in calendar Y-1 (all reasons)."""
    return values(tables, "ceased_plans", "reason", "total", year - 1)


def ceased_pct(tables: Tables, year: int) -> pd.Series:
    """Plans ceased in calendar Y-1 as % of plans at January Y-1."""
    return safe_ratio(ceased_plans(tables, year), plans_total(tables, year - 1), 100)


# -------------------------------------------------------------------------------------------------
# Registry


@dataclass(frozen=True)
class Metric:
    """A benchmark indicator: how it is computed and how to read it."""

    name: str
    label: str
    unit: str  # "count", "percent", "per_10k"
    polarity: Polarity
    basis: str  # "January Y", "calendar Y-1", ...
    compute: Callable[[Tables, int], pd.Series] = field(repr=False)
    group: str = "caseload"

    @property
    def definition(self) -> str:
        return (self.compute.__doc__ or self.label).strip().splitlines()[0]


METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("plans", "EHC plans at January", "count", "neutral", "January Y", plans_total),
    Metric("growth_since_2014", "Growth in plans since January 2014", "percent", "neutral",
           "January 2014 to January Y", growth_since(2014)),
    Metric("growth_since_2019", "Growth in plans since January 2019", "percent", "neutral",
           "January 2019 to January Y", growth_since(2019)),
    Metric("plans_per_10k", "Plans per 10,000 aged 0-25", "per_10k", "neutral",
           "January Y; population mid-(Y-1)", plans_per_10k),
    *[Metric(f"share_{g}", f"% of plans: {MIX_LABELS[g]}", "percent",
             "high" if g == "mainstream" else "low" if g == "special_indep_nm" else "neutral",
             "January Y", mix_share(g), group="placement")
      for g in MIX_GROUPS],
    Metric("new_plans", "New plans issued", "count", "neutral", "calendar Y-1", new_plans,
           group="flow"),
    Metric("new_plans_per_10k", "New plans per 10,000 aged 0-25", "per_10k", "neutral",
           "calendar Y-1; population mid-(Y-1)", new_plans_per_10k, group="flow"),
    Metric("requests", "Initial requests for assessment", "count", "neutral", "calendar Y-1",
           requests, group="flow"),
    Metric("pct_requests_assessed", "% of requests not refused", "percent", "neutral",
           "calendar Y-1", pct_requests_assessed, group="flow"),
    Metric("pct_assessed_plan_issued", "% of assessments leading to a plan", "percent",
           "neutral", "calendar Y-1", pct_assessed_plan_issued, group="flow"),
    Metric("pct_20wk_excl", "% of new plans within 20 weeks (excl. exceptions)", "percent",
           "high", "calendar Y-1", pct_20wk("excl"), group="statutory"),
    Metric("pct_20wk_incl", "% of new plans within 20 weeks (incl. exceptions)", "percent",
           "high", "calendar Y-1", pct_20wk("incl"), group="statutory"),
    Metric("tribunal_appeal_rate", "SEND Tribunal appeal rate (% of appealable decisions)",
           "percent", "low", "calendar Y-1", tribunal_appeal_rate, group="statutory"),
    Metric("ceased_plans", "Plans ceased", "count", "neutral", "calendar Y-1", ceased_plans,
           group="flow"),
    Metric("ceased_pct", "Plans ceased as % of plans at January Y-1", "percent", "neutral",
           "calendar Y-1", ceased_pct, group="flow"),
]}


def _shared_key(name: str, year: int, tables: Tables | None = None):
    if tables is not None and tables.given_frames:
        return None
    return (name, int(year), str((tables or Tables.default()).folder))


@national("benchmark_metric", _shared_key)  # every area at once: the same for every LA
def compute_metric(name: str, year: int, tables: Tables | None = None) -> pd.Series:
    """One indicator for every area (LA, region, England) in benchmark year ``year``."""
    from send_analysis.errors import ConfigError

    if name not in METRICS:
        raise ConfigError(f"unknown benchmark metric {name!r}; known: {', '.join(METRICS)}")
    tables = tables or Tables.default()
    key = (name, int(year))
    if key not in tables.memo:
        tables.memo[key] = METRICS[name].compute(tables, int(year)).astype(float)
    return tables.memo[key].copy()

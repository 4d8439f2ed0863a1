"""Headline series for an LA against its region and England (the evidence pack's overview page).

Every function takes an LA code (and optionally the :class:`~send_analysis.data.tables.Tables` to
read, default :meth:`Tables.default`) and returns a tidy frame or a small dataclass; the notebook only
draws (:mod:`send_analysis.overview_charts`) and words (:mod:`send_analysis.overview_present`)
them. Comparators: the LA's region (from the LA lookup) and England.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from send_analysis.data import taxonomy as tx
from send_analysis.data.geography import ENGLAND, LARecord, la_record
from send_analysis.data.tables import Tables
from send_analysis.errors import DataError

#: The LA and its comparators (its region): the one LA record (:func:`geography.la_record`).
Area = LARecord


def area(la_code: str, tables: Tables | None = None) -> Area:
    """The LA and its region (:func:`send_analysis.data.geography.la_record`, which raises
    :class:`~send_analysis.errors.UnknownLAError` for an unknown or former LA's code)."""
    return la_record(la_code, tables)


def _three(table: str, dim: str, value: str, a: Area, consistent: bool = False,
           tables: Tables | None = None) -> pd.DataFrame:
    """LA, region and England columns of one measure by year. With ``consistent`` the LA's
    years before it existed (a successor of a boundary change) are its apportioned share of
    its predecessors' figures (:func:`send_analysis.data.geography.consistent_series`)."""
    df = (tables or Tables.default()).get(table)
    df = df[df[dim] == value]
    if consistent:
        from send_analysis.data.geography import consistent_series

        la_rows = consistent_series(df[df["level"] == "la"], geography="current")
        df = pd.concat([df[df["level"] != "la"], la_rows[la_rows["la_code"] == a.la_code]],
                       ignore_index=True)
    codes = {a.la_code: a.la_name, a.region_code: a.region_name, ENGLAND: "England"}
    sub = df[df["area_code"].isin(codes)]
    wide = sub.pivot_table(index="year", columns="area_code", values="value", aggfunc="first")
    wide = wide.reindex(columns=list(codes)).rename(columns=codes)
    return wide


def first_published_year(la_code: str, tables: Tables | None = None) -> int:
    """The first January census with the LA's own published total (later than 2010 only for
    the successors of a boundary change, e.g. 2022 for North Northamptonshire)."""
    df = (tables or Tables.default()).get("plans_by_setting")
    years = df[(df["area_code"] == la_code) & (df["setting"] == "total") & df["value"].notna()]
    if years.empty:
        raise DataError(f"LA {la_code!r} has no published total", file="plans_by_setting",
                        expected="a 3-digit DfE LA code present in the SEN2 data, e.g. '334'")
    return int(years["year"].min())


def plan_totals(la_code: str, tables: Tables | None = None) -> pd.DataFrame:
    """Total plans at January: the LA (years before it existed apportioned from its
    predecessors, decision 0002), its region and England; columns are their names."""
    return _three("plans_by_setting", "setting", "total", area(la_code, tables), consistent=True,
                  tables=tables)


def plans_vs_comparators(la_code: str, base_year: int = 2014,
                         tables: Tables | None = None) -> pd.DataFrame:
    """Total plans at January for the LA, its region and England: absolute and indexed to base year.

    Returns a long frame: ``year, area, plans, index`` (index = 100 in ``base_year``). A
    successor LA's years before :func:`first_published_year` are apportioned
    (:func:`plan_totals`).
    """
    wide = plan_totals(la_code, tables)
    if base_year not in wide.index:
        raise DataError(f"base year {base_year} not in the series", file="plans_by_setting",
                        expected=f"a January census year in {wide.index.min()}-{wide.index.max()}")
    idx = 100 * wide / wide.loc[base_year]
    out = wide.stack().rename("plans").to_frame().join(idx.stack().rename("index"))
    out.index.names = ["year", "area"]
    return out.reset_index()


def growth(la_code: str, start: int, end: int, tables: Tables | None = None) -> pd.Series:
    """Percentage growth in total plans between two January censuses: LA, region, England."""
    wide = plan_totals(la_code, tables)
    return 100 * (wide.loc[end] / wide.loc[start] - 1)


def placement_mix(la_code: str, tables: Tables | None = None) -> pd.DataFrame:
    """Share (%) of the LA's plans in each setting group by January census year."""
    df = (tables or Tables.default()).get("plans_by_setting")
    sub = df[(df["area_code"] == la_code) & (df["setting"] != "total")].copy()
    sub["group"] = sub["setting"].map(tx.GROUP_OF)
    wide = sub.groupby(["year", "group"])["value"].sum(min_count=1).unstack("group")
    wide = wide.reindex(columns=list(tx.SETTING_GROUPS))
    return 100 * wide.div(wide.sum(axis=1), axis=0)


def mix_comparison(la_code: str, year: int, tables: Tables | None = None) -> pd.DataFrame:
    """Setting-group shares (%) in one January for the LA, its region and England."""
    a = area(la_code, tables)
    df = (tables or Tables.default()).get("plans_by_setting")
    df = df[(df["year"] == year) & (df["setting"] != "total") &
            df["area_code"].isin([a.la_code, a.region_code, ENGLAND])].copy()
    df["group"] = df["setting"].map(tx.GROUP_OF)
    wide = df.groupby(["group", "area_code"])["value"].sum(min_count=1).unstack("area_code")
    wide = 100 * wide / wide.sum()
    wide = wide.reindex(index=list(tx.SETTING_GROUPS), columns=[a.la_code, a.region_code, ENGLAND])
    wide.columns = [a.la_name, a.region_name, "England"]
    wide.index = [tx.GROUP_LABELS[g] for g in wide.index]
    return wide


def new_plans(la_code: str, tables: Tables | None = None) -> pd.DataFrame:
    """New plans issued in each calendar year: LA, region and England."""
    return _three("new_plans", "setting", "total", area(la_code, tables), tables=tables)


def funnel(la_code: str, tables: Tables | None = None) -> pd.DataFrame:
    """Requests → assessments → plans by calendar year for the LA (columns are measures)."""
    df = (tables or Tables.default()).get("requests_assessments")
    sub = df[df["area_code"] == la_code]
    wide = sub.pivot_table(index="year", columns="measure", values="value", aggfunc="first")
    order = ["requests", "requests_refused", "assessments_agreed", "assessed_plan_issued",
             "assessed_no_plan"]
    return wide.reindex(columns=order)


def timeliness(la_code: str, exceptions: bool = False,
               tables: Tables | None = None) -> pd.DataFrame:
    """% of new plans issued within 20 weeks (excluding exceptions by default): LA, region, England."""
    measure = "pct_20wk_incl_exc" if exceptions else "pct_20wk_excl_exc"
    return _three("timeliness", "measure", measure, area(la_code, tables), tables=tables)


#: The DfE's published 20-week measures, with and without exceptions (``timeliness`` table).
TIMELINESS_MEASURES: tuple[str, ...] = ("pct_20wk_excl_exc", "issued_excl_exc", "pct_20wk_incl_exc",
                                        "issued_incl_exc")


def published_timeliness(la_code: str, before_year: int | None = None,
                         tables: Tables | None = None) -> dict[str, float | int]:
    """The DfE's latest published 20-week timeliness for the LA (calendar years before the
    January census ``before_year``), on both published bases, each with England on the same
    basis and the count of plans it is out of: ``year``, ``pct_excl``/``issued_excl`` (cases
    where an exception applied left out: the DfE's headline measure), ``pct_incl``/
    ``issued_incl`` (every plan issued), ``england_excl``/``england_incl``. The year is the
    latest with the LA's share excluding exceptions published; a value the DfE did not publish
    for that year is NaN."""
    a = area(la_code, tables)
    df = (tables or Tables.default()).get("timeliness")
    df = df[df["measure"].isin(TIMELINESS_MEASURES) & df["area_code"].isin([a.la_code, ENGLAND])]
    if before_year is not None:
        df = df[df["year"] < before_year]
    wide = df.pivot_table(index=["area_code", "year"], columns="measure", values="value",
                          aggfunc="first").reindex(columns=list(TIMELINESS_MEASURES))
    if a.la_code not in wide.index.get_level_values(0):
        raise DataError(f"LA {la_code!r} has no published 20-week timeliness", file="timeliness",
                        expected="an LA with a published pct_20wk_excl_exc row")
    la = wide.loc[a.la_code].dropna(subset=["pct_20wk_excl_exc"])
    if la.empty:
        raise DataError(f"LA {la_code!r} has no published 20-week timeliness", file="timeliness",
                        expected="an LA with a published pct_20wk_excl_exc row")
    year = int(la.index.max())
    row = la.loc[year]
    eng = (wide.loc[ENGLAND].reindex([year]).iloc[0] if ENGLAND in wide.index.get_level_values(0)
           else pd.Series(float("nan"), index=wide.columns))
    return {"year": year,
            "pct_excl": float(row["pct_20wk_excl_exc"]), "issued_excl": float(row["issued_excl_exc"]),
            "pct_incl": float(row["pct_20wk_incl_exc"]), "issued_incl": float(row["issued_incl_exc"]),
            "england_excl": float(eng["pct_20wk_excl_exc"]),
            "england_incl": float(eng["pct_20wk_incl_exc"])}


@dataclass(frozen=True)
class Headline:
    """The numbers the overview narrative quotes, all computed from the tables."""

    la_name: str
    region_name: str
    latest_year: int
    latest_plans: int
    plans_2014: int
    growth_since_2014: float
    england_growth_since_2014: float
    region_growth_since_2014: float
    growth_last_year: float
    england_growth_last_year: float
    independent_share: float
    england_independent_share: float
    mainstream_share: float
    england_mainstream_share: float
    new_plans_latest_year: int
    new_plans_latest: float
    timeliness_latest_year: int
    timeliness_latest: float
    england_timeliness_latest: float
    first_published_year: int = 2010
    #: :func:`published_timeliness` for the same year (both bases, England, plan counts).
    timeliness: dict | None = None

    @property
    def apportioned_2014(self) -> bool:
        """True when the 2014 figure is the LA's apportioned share of its predecessors'."""
        return self.first_published_year > 2014


def headline(la_code: str, as_of_year: int | None = None, tables: Tables | None = None) -> Headline:
    """Headline figures for the narrative, up to the January census ``as_of_year``."""
    tables = tables or Tables.default()
    a = area(la_code, tables)
    plans = plan_totals(la_code, tables)
    if as_of_year is not None:
        plans = plans[plans.index <= as_of_year]
    y = int(plans.index.max())
    g14 = 100 * (plans.loc[y] / plans.loc[2014] - 1)
    g1 = 100 * (plans.loc[y] / plans.loc[y - 1] - 1)
    mix = mix_comparison(la_code, y, tables)
    ind = tx.GROUP_LABELS["special_indep_nm"]
    main = tx.GROUP_LABELS["mainstream"]
    npl = new_plans(la_code, tables)
    npl = npl[npl.index < y].dropna(subset=[a.la_name])
    tl = timeliness(la_code, tables=tables)
    tl = tl[tl.index < y].dropna(subset=[a.la_name])
    published = published_timeliness(la_code, y, tables)
    return Headline(
        la_name=a.la_name, region_name=a.region_name, latest_year=y,
        latest_plans=int(plans.loc[y, a.la_name]), plans_2014=int(plans.loc[2014, a.la_name]),
        growth_since_2014=float(g14[a.la_name]), england_growth_since_2014=float(g14["England"]),
        region_growth_since_2014=float(g14[a.region_name]),
        growth_last_year=float(g1[a.la_name]), england_growth_last_year=float(g1["England"]),
        independent_share=float(mix.loc[ind, a.la_name]),
        england_independent_share=float(mix.loc[ind, "England"]),
        mainstream_share=float(mix.loc[main, a.la_name]),
        england_mainstream_share=float(mix.loc[main, "England"]),
        new_plans_latest_year=int(npl.index.max()), new_plans_latest=float(npl[a.la_name].iloc[-1]),
        timeliness_latest_year=int(tl.index.max()), timeliness_latest=float(tl[a.la_name].iloc[-1]),
        england_timeliness_latest=float(tl["England"].iloc[-1]),
        first_published_year=first_published_year(la_code, tables),
        timeliness=published,
    )

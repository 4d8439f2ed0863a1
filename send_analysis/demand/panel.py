"""The data the demand models see: wide LA x year panels built from the tidy tables.

Every model in :mod:`send_analysis.demand.models` reads a :class:`Panel`, never the tidy tables,
so that unit tests can build a panel from hand-made numbers and the backtest can cut it at any
origin (:meth:`Panel.as_of`) without leaking later years.

Boundary changes are handled once, here, with
:func:`send_analysis.data.geography.consistent_series` (``geography="current"``): a predecessor's
history is apportioned to its successors, so every current LA has a full series.

A published total that breaks implausibly from the LA's last credible total
(:func:`send_analysis.data.quality.implausible_totals`, e.g. Newham's 1,199 in January 2025 after
2,705) is left out of the panel (its total, setting groups and age bands are NaN) and listed in
:attr:`Panel.flagged`, so no model is trained, calibrated or scored on it
(``docs/decisions/0075-implausible-totals.md``). The tidy tables keep the published figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from send_analysis.data.quality import implausible_totals
from send_analysis.data.tables import Tables
from send_analysis.data.taxonomy import AGE_BANDS, GROUP_OF, SETTING_GROUPS
from send_analysis.errors import DataError

#: LA codes that had a boundary change (their raw series is not continuous).
BOUNDARY_CHANGED: frozenset[str] = frozenset(
    {"835", "836", "837", "838", "839", "928", "940", "941", "909", "942", "943"}
)


@dataclass(frozen=True)
class Panel:
    """Counts by LA (rows, 3-digit code) and January census year (int columns).

    ``plans`` is the total caseload. Optional parts are ``None`` when the source is missing:
    ``groups`` (setting group -> LA x year), ``ages`` (age band -> LA x year), ``needs``
    (primary need -> LA x year; SEN2 publishes January 2025 only), ``new_plans``
    (LA x calendar year issued), ``ceased`` (LA x calendar year), ``population`` (LA x mid-year,
    children aged 0-17). ``national`` is England's published total by census year; ``region`` maps LA to
    region code; ``continuous`` lists LAs whose published series needed no apportioning;
    ``flagged`` lists the published totals left out as implausible (one row per LA and year).
    """

    plans: pd.DataFrame
    national: pd.Series
    region: pd.Series
    groups: dict[str, pd.DataFrame] | None = None
    ages: dict[str, pd.DataFrame] | None = None
    needs: dict[str, pd.DataFrame] | None = None
    new_plans: pd.DataFrame | None = None
    ceased: pd.DataFrame | None = None
    population: pd.DataFrame | None = None
    names: pd.Series = field(default_factory=lambda: pd.Series(dtype=str))
    continuous: frozenset[str] = frozenset()
    flagged: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["la_code", "year", "value", "reference_year", "reference", "change_pct"]))

    @property
    def last_year(self) -> int:
        """Latest January census year in the panel."""
        return int(self.plans.columns.max())

    def as_of(self, year: int) -> Panel:
        """The panel as it was known at January ``year``.

        Caseload up to January ``year``; events (new, ceased plans) up to calendar ``year - 1``
        (published with the January ``year`` census); population up to mid-``year - 1``.
        """

        def cut(df: pd.DataFrame | None, last: int) -> pd.DataFrame | None:
            return None if df is None else df.loc[:, [c for c in df.columns if c <= last]]

        return replace(
            self,
            plans=cut(self.plans, year),
            national=self.national[self.national.index <= year],
            groups=None if self.groups is None else {g: cut(d, year) for g, d in self.groups.items()},
            ages=None if self.ages is None else {a: cut(d, year) for a, d in self.ages.items()},
            needs=None if self.needs is None else {n: cut(d, year) for n, d in self.needs.items()},
            new_plans=cut(self.new_plans, year - 1),
            ceased=cut(self.ceased, year - 1),
            population=cut(self.population, year - 1),
        )

    def series(self, la_code: str) -> pd.Series:
        """The LA's total caseload by year; raises DataError for an unknown LA."""
        la_code = str(la_code)
        if la_code not in self.plans.index:
            raise DataError(
                f"LA {la_code!r} has no EHC plan series in the panel",
                expected=f"one of {len(self.plans)} current 3-digit DfE codes, e.g. '334'",
            )
        return self.plans.loc[la_code].dropna()


def check_series(y: pd.Series, name: str, min_years: int = 3) -> pd.Series:
    """Validate a yearly count series before a model sees it; return it sorted as float.

    Raises :class:`DataError` naming ``name`` when the series is shorter than ``min_years``,
    has gaps between years, or has a value that is missing, zero or negative (the models work on
    log counts, so a zero is not a count they can use).
    """
    y = pd.Series(y, dtype=float).sort_index()
    if y.isna().any():
        missing = [int(i) for i in y.index[y.isna()]]
        raise DataError(f"series {name} has missing values in {missing}",
                        expected="a count for every January census year")
    if len(y) < min_years:
        raise DataError(f"series {name} has {len(y)} year(s)",
                        expected=f"at least {min_years} consecutive January census years")
    years = np.asarray(y.index, dtype=int)
    if (np.diff(years) != 1).any():
        raise DataError(f"series {name} has gaps between years {years.tolist()}",
                        expected="consecutive January census years (use consistent_series for "
                        "boundary changes)")
    if (y <= 0).any():
        bad = [int(i) for i in y.index[y <= 0]]
        raise DataError(f"series {name} has zero or negative counts in {bad}",
                        expected="positive counts (models work on log counts)")
    return y


#: A year's new (or ceased) plans above this share of the plans held the next January are
#: treated as a publishing error and set to NaN (the real ratio is 0.05-0.35).
MAX_FLOW_RATIO = 0.6


def implausible_flows_to_nan(flows: pd.DataFrame, plans: pd.DataFrame,
                             max_ratio: float = MAX_FLOW_RATIO) -> pd.DataFrame:
    """Blank flows (calendar year t) larger than ``max_ratio`` x the caseload at January t+1.

    A second line of defence: the known case (the 2025 release repeating the Yorkshire and the
    Humber total of 6,078 as each LA's 2022 new plans) is already rejected by the build
    (``build.reject_regional_copies``); this rule catches any other implausible flow.
    """
    nxt = plans.reindex(index=flows.index, columns=[c + 1 for c in flows.columns])
    nxt.columns = flows.columns
    return flows.mask(flows > max_ratio * nxt)


def _drop_flagged(wide: pd.DataFrame, flagged: pd.DataFrame) -> pd.DataFrame:
    """``wide`` (LA x year) with the flagged (la_code, year) cells set to NaN; a copy."""
    out = wide.copy()
    for la, year in zip(flagged["la_code"], flagged["year"], strict=True):
        if la in out.index and year in out.columns:
            out.loc[la, year] = np.nan
    return out


def _la_rows(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["level"] == "la"]


def _consistent(df: pd.DataFrame) -> pd.DataFrame:
    from send_analysis.data.geography import consistent_series

    return consistent_series(_la_rows(df), geography="current")


def _wide(df: pd.DataFrame) -> pd.DataFrame:
    wide = df.pivot_table(index="la_code", columns="year", values="value", aggfunc="sum",
                          min_count=1)
    wide.columns = wide.columns.astype(int)
    wide.index = wide.index.astype(str)
    return wide.sort_index()


def _needs_table(tables: Tables) -> pd.DataFrame | None:
    """Plans by primary need (``level, la_code, year, need, value``): the given frame
    ``plans_by_need`` when frames are given, else read from the staged SEN2 2025 release (None if
    not staged)."""
    if tables.stands_alone:
        return tables.find("plans_by_need")
    from send_analysis.demand.crosstab import plans_by_need

    try:
        return plans_by_need()
    except (DataError, FileNotFoundError, OSError):
        return None


def _population(tables: Tables) -> pd.DataFrame | None:
    """Children aged 0-17 (LA x mid-year): the given frame ``population`` when frames are given,
    else the population reader.

    The 0-17 count is published for every LA and year (mid-2012 to mid-2024); the 0-25 count is
    estimated for most years from it (decision 0051), so the models use 0-17
    (``docs/decisions/0034-population-denominator.md``).
    """
    if tables.stands_alone:
        df = tables.find("population")
    else:
        try:
            from send_analysis.data.population import read_population_0_17

            df = read_population_0_17()
        except (ImportError, FileNotFoundError, DataError, OSError, ValueError):
            return None
    if df is None or df.empty:
        return None
    df = df[df["level"] == "la"].copy()
    df["la_code"] = df["la_code"].astype(str)
    return _wide(df)


def build_panel(tables: Tables | None = None) -> Panel:
    """Assemble the demand :class:`Panel` from the tidy tables (``docs/tables.md``).

    ``tables``: the processed tables (default :meth:`Tables.default`), whose 0-17 population is
    read with ``send_analysis.data.population`` and plans by need from the SEN2 release; or a
    :class:`Tables` of hand-made frames (tests), which then also gives ``"population"`` (``level,
    la_code, year, value``) and ``"plans_by_need"`` when the panel should have them.
    """
    tables = tables or Tables.default()
    by_setting = tables.find("plans_by_setting")
    if by_setting is None:
        raise DataError("table plans_by_setting is not available",
                        expected="processed tables; run `send-analysis data build`")
    total = by_setting[by_setting["setting"] == "total"]
    raw_wide = _wide(_la_rows(total))
    continuous = frozenset(raw_wide.index[raw_wide.notna().all(axis=1)]) - BOUNDARY_CHANGED
    plans = _wide(_consistent(total))
    plans = plans[plans.notna().any(axis=1)]
    flagged = implausible_totals(raw_wide, exempt=BOUNDARY_CHANGED)
    plans = _drop_flagged(plans, flagged)
    nat = total[total["level"] == "national"].set_index("year")["value"].astype(float)
    nat.index = nat.index.astype(int)

    la = _la_rows(by_setting).drop_duplicates("la_code").set_index("la_code")
    region = la["region_code"].astype(str).reindex(plans.index)
    names = la["area_name"].astype(str).reindex(plans.index)
    lookup = tables.find("la_lookup")
    if lookup is not None and region.isna().any():
        lk = lookup.set_index("la_code")
        region = region.fillna(lk["region_code"]).astype(str)
        names = names.fillna(lk["la_name"])

    groups = None
    settings = by_setting[by_setting["setting"] != "total"]
    if not settings.empty:
        settings = settings.assign(group=settings["setting"].map(GROUP_OF))
        cons = _consistent(settings)
        cons = cons.assign(group=cons["setting"].map(GROUP_OF))
        groups = {g: _drop_flagged(_wide(cons[cons["group"] == g]).reindex(
                      index=plans.index, columns=plans.columns), flagged)
                  for g in SETTING_GROUPS}

    ages = None
    by_age = tables.find("plans_by_age")
    if by_age is not None:
        cons = _consistent(by_age[by_age["age_band"] != "total"])
        ages = {a: _drop_flagged(_wide(cons[cons["age_band"] == a]).reindex(index=plans.index),
                                 flagged)
                for a in AGE_BANDS}

    needs = None
    by_need = _needs_table(tables)
    if by_need is not None:
        from send_analysis.demand.crosstab import NEEDS

        rows = _la_rows(by_need[by_need["need"] != "total"])
        needs = {n: _wide(rows[rows["need"] == n]).reindex(index=plans.index) for n in NEEDS}

    def flow(name: str, dim: str) -> pd.DataFrame | None:
        df = tables.find(name)
        if df is None:
            return None
        return implausible_flows_to_nan(
            _wide(_consistent(df[df[dim] == "total"])).reindex(plans.index), plans)

    return Panel(
        plans=plans,
        national=nat.sort_index(),
        region=region,
        groups=groups,
        ages=ages,
        needs=needs,
        new_plans=flow("new_plans", "setting"),
        ceased=flow("ceased_plans", "reason"),
        population=(p.reindex(plans.index) if (p := _population(tables)) is not None else None),
        names=names,
        continuous=continuous & frozenset(plans.index),
        flagged=flagged,
    )


_PANEL_CACHE: dict[str, Panel] = {}


def default_panel(tables: Tables | None = None) -> Panel:
    """:func:`build_panel` on the processed tables of ``tables`` (default
    :meth:`Tables.default`), cached for the session per folder; a :class:`Tables` of given frames
    is built each time."""
    if tables is not None and tables.given_frames and tables.overlay_key is None:
        return build_panel(tables)
    tables = tables or Tables.default()
    key = tables.overlay_key or str(tables.folder)
    if key not in _PANEL_CACHE:
        _PANEL_CACHE[key] = build_panel(tables)
    return _PANEL_CACHE[key]


def is_default_panel(panel: Panel) -> bool:
    """Whether ``panel`` is a session's :func:`default_panel` (one per folder of processed
    tables: the panels results may be kept for, keyed by the panel's id)."""
    return any(panel is p for p in _PANEL_CACHE.values())

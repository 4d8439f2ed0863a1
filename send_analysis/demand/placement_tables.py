"""EHC plans by setting group x age band and setting group x primary need, by January census
year: SEN2 history and the demand forecast, as whole numbers whose parts add up to the totals.

The forecast gives the total, and setting groups, age bands and primary needs that each sum to it
(:func:`send_analysis.demand.forecast`, decision 0033). The cross-tables (group x age, group x
need) start from the LA's latest published cross-table and are raked to the forecast's margins
(:func:`rake`, iterative proportional fitting). Whole numbers (:func:`largest_remainder`): the
total is rounded; the groups share it out; each group's ages and needs share out the group's
figure. So in every group and year the age rows and the need rows add up to the same total,
and the groups add up to the LA's total (decision 0070).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from send_analysis.data.tables import Tables
from send_analysis.data.taxonomy import AGE_BANDS, SETTING_GROUPS
from send_analysis.demand import crosstab as ct
from send_analysis.demand.forecast import ForecastResult, forecast
from send_analysis.demand.panel import Panel, default_panel
from send_analysis.errors import DataError


def largest_remainder(values: Sequence[float], total: int) -> np.ndarray:
    """Whole numbers proportional to ``values`` that add up to ``total`` (largest-remainder /
    Hamilton rounding): each part is floored, then the parts with the largest remainders get
    one more until the total is reached.

    >>> largest_remainder([1.5, 1.5, 7.0], 10).tolist()
    [2, 1, 7]
    """
    v = np.asarray(values, dtype=float)
    total = int(total)
    if total < 0 or (v < 0).any() or not np.isfinite(v).all():
        raise ValueError(f"largest_remainder needs finite values >= 0 and a total >= 0, got "
                         f"{v.tolist()} and {total}")
    if total == 0:
        return np.zeros(len(v), dtype=int)
    if v.sum() <= 0:
        raise ValueError(f"cannot share {total} among parts that are all zero")
    exact = v / v.sum() * total
    out = np.floor(exact).astype(int)
    short = total - int(out.sum())
    order = np.argsort(-(exact - out), kind="stable")
    out[order[:short]] += 1
    return out


def rake(seed: pd.DataFrame, rows: pd.Series, cols: pd.Series, iterations: int = 500,
         tol: float = 1e-9) -> pd.DataFrame:
    """Iterative proportional fitting: scale ``seed`` (rows x cols, >= 0) until its row sums are
    ``rows`` and its column sums ``cols`` (the two must have the same sum). A row or column
    whose target is positive but whose seed is all zero is seeded evenly first (over the cells
    not zero in both directions), so the fit is always possible."""
    m = seed.reindex(index=rows.index, columns=cols.index).fillna(0.0).to_numpy(dtype=float, copy=True)
    r, c = rows.to_numpy(float), cols.to_numpy(float)
    if not np.isclose(r.sum(), c.sum(), rtol=1e-6):
        raise ValueError(f"rake: row targets sum to {r.sum():.3f}, column targets to {c.sum():.3f}")
    for i in np.flatnonzero((m.sum(axis=1) == 0) & (r > 0)):
        m[i, c > 0] = 1e-6
    for j in np.flatnonzero((m.sum(axis=0) == 0) & (c > 0)):
        m[r > 0, j] = 1e-6
    for _ in range(iterations):
        rs = m.sum(axis=1)
        m *= np.divide(r, rs, out=np.zeros_like(r), where=rs > 0)[:, None]
        cs = m.sum(axis=0)
        m *= np.divide(c, cs, out=np.zeros_like(c), where=cs > 0)[None, :]
        if np.abs(m.sum(axis=1) - r).max() < tol * max(r.sum(), 1.0):
            break
    return pd.DataFrame(m, index=rows.index, columns=cols.index)


@dataclass
class PlacementTables:
    """Whole-number plans by setting group, with age-band and primary-need tables per group.

    ``totals``: group x year. ``by_age[group]``: age band x year; ``by_need[group]``: need x
    year. A history year whose cross-table SEN2 does not publish has NaN parts (the group total
    is published). ``history_years`` are SEN2, ``projected_years`` the demand forecast's mean.
    """

    la_code: str
    la_name: str
    history_years: list[int]
    projected_years: list[int]
    totals: pd.DataFrame
    by_age: dict[str, pd.DataFrame]
    by_need: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return [*self.history_years, *self.projected_years]


def _whole_split(seed: pd.DataFrame, group_totals: pd.Series, margin: pd.Series) -> pd.DataFrame:
    """Groups x categories in whole numbers: ``seed`` raked to the (float) group totals and the
    category margin (rescaled to the same sum), then each group's row shared out by largest
    remainder to its whole total."""
    m = margin.clip(lower=0.0)
    if m.sum() <= 0:
        m = seed.sum(axis=0).reindex(margin.index).fillna(0.0)
    m = m / m.sum() * float(group_totals.sum())
    fit = rake(seed, group_totals.astype(float), m)
    return pd.DataFrame({g: largest_remainder(fit.loc[g].to_numpy(), int(group_totals[g]))
                         if group_totals[g] > 0 else np.zeros(len(m), dtype=int)
                         for g in group_totals.index}, index=margin.index).T


def placement_tables(la_code: str, projected_years: Sequence[int], first_history: int = 2022,
                     as_of: int | None = None, result: ForecastResult | None = None,
                     panel: Panel | None = None, seed: int = 0, n_draws: int = 1000,
                     ages_x: pd.DataFrame | None = None, needs_x: pd.DataFrame | None = None,
                     tables: Tables | None = None) -> PlacementTables:
    """The LA's plans by group x age band and group x need for January ``first_history`` to the
    latest census (SEN2) and for ``projected_years`` (the demand forecast made at ``as_of``,
    default the latest census). ``ages_x`` / ``needs_x`` are the group x age / group x need
    frames (default: read from SEN2 with :mod:`send_analysis.demand.crosstab`); ``panel``
    defaults to the demand panel of ``tables`` (default :meth:`Tables.default`). Raises :class:`DataError` when the LA has no group series or no
    published cross-table to start the projection from."""
    la = str(la_code)
    panel = panel or default_panel(tables)
    if panel.groups is None:
        raise DataError("no plans by setting group", file="plans_by_setting",
                        expected="processed tables; run `send-analysis data build`")
    # the latest January up to as_of (an as_of after the data's last census is the last census)
    origin = panel.last_year if as_of is None else min(int(as_of), int(panel.last_year))
    ages_x = ct.group_by_age() if ages_x is None else ages_x
    needs_x = ct.group_by_need() if needs_x is None else needs_x
    notes = []
    # SEN2 publishes the placement x age and x need tables for recent Januarys only: a forecast
    # split by them cannot start earlier than the first January that has both
    both = sorted(set(ct.crosstab_years(ages_x, la)) & set(ct.crosstab_years(needs_x, la)))
    if both and origin < both[0] and any(int(y) > origin for y in projected_years):
        notes.append(f"The tables start from January {both[0]}, not January {origin}: SEN2 "
                     "publishes placement by age and by primary need from then only.")
        origin = both[0]
    hist_years = [y for y in range(int(first_history), origin + 1) if y in panel.plans.columns]
    proj = sorted(int(y) for y in projected_years if int(y) > origin)
    age_years = [y for y in ct.crosstab_years(ages_x, la) if y <= origin]
    need_years = [y for y in ct.crosstab_years(needs_x, la) if y <= origin]
    groups, bands, needs = list(SETTING_GROUPS), list(AGE_BANDS), list(ct.NEEDS)
    totals = pd.DataFrame(index=groups, columns=[*hist_years, *proj], dtype=float)
    by_age = {g: pd.DataFrame(np.nan, index=bands, columns=totals.columns) for g in groups}
    by_need = {g: pd.DataFrame(np.nan, index=needs, columns=totals.columns) for g in groups}
    for y in hist_years:
        for g in groups:
            totals.loc[g, y] = panel.groups[g].at[la, y] if la in panel.groups[g].index else np.nan
        if y in age_years:
            x = ct.la_crosstab(ages_x, la, y, "age_band")
            for g in groups:
                by_age[g][y] = x.loc[g] if g in x.index else 0.0
        if y in need_years:
            x = ct.la_crosstab(needs_x, la, y, "need")
            for g in groups:
                by_need[g][y] = x.loc[g] if g in x.index else 0.0
    for y in hist_years:  # a January given by its total only (an LA's own): the last split's mix
        total = panel.plans.at[la, y] if la in panel.plans.index else np.nan
        earlier = [d for d in hist_years if d < y and totals[d].notna().all()]
        if totals[y].isna().all() and np.isfinite(total) and earlier:
            mix = totals[earlier[-1]].astype(float)
            totals[y] = largest_remainder((mix / mix.sum() * total).to_numpy(), int(round(total)))
            notes.append(f"January {y}: a total without a split by setting "
                         f"({int(round(total)):,}), shared out by the January {earlier[-1]} mix.")
    missing_age = [y for y in hist_years if y not in age_years]
    missing_need = [y for y in hist_years if y not in need_years]
    if missing_age:
        notes.append("SEN2 does not publish placement by age for January "
                     f"{', '.join(map(str, missing_age))}: those years show the totals only.")
    if missing_need:
        notes.append("SEN2 publishes placement by primary need for January "
                     f"{', '.join(map(str, need_years)) or 'no year'} only: other years show the "
                     "totals only.")
    if proj:
        if not age_years or not need_years:
            raise DataError(f"LA {la} has no published placement x age or placement x need table "
                            "to start the projection from", file="SEN2 2025 release",
                            expected="caseload.csv and sen_needs_all_plans.csv rows for the LA")
        horizon = max(proj) - origin
        res = result or forecast(la, horizon, as_of=origin, panel=panel, seed=seed,
                                 n_draws=n_draws)
        sg = res.summary_frame("setting_group").pivot(index="year", columns="component",
                                                      values="mean")
        ab = res.summary_frame("age_band").pivot(index="year", columns="component", values="mean")
        pn = res.summary_frame("primary_need").pivot(index="year", columns="component",
                                                     values="mean")
        seed_age = ct.la_crosstab(ages_x, la, max(age_years), "age_band").reindex(groups).fillna(0)
        seed_need = ct.la_crosstab(needs_x, la, max(need_years), "need").reindex(groups).fillna(0)
        for y in proj:
            total = int(round(float(res.mean[y])))
            g_whole = pd.Series(largest_remainder(sg.loc[y].reindex(groups).fillna(0).to_numpy(),
                                                  total), index=groups)
            totals[y] = g_whole
            a = _whole_split(seed_age, g_whole, ab.loc[y].reindex(bands).fillna(0.0))
            n = _whole_split(seed_need, g_whole, pn.loc[y].reindex(needs).fillna(0.0))
            for g in groups:
                by_age[g][y] = a.loc[g]
                by_need[g][y] = n.loc[g]
        from send_analysis.demand.report import model_name

        notes.append(f"January {proj[0]}-{proj[-1]}: the demand forecast ({model_name(res.model)}, "
                     f"origin January {res.origin}, mean), split by the forecast's setting-group, "
                     f"age-band and primary-need shares; cross-tables raked from January "
                     f"{max(age_years)} (age) and {max(need_years)} (need); whole numbers by "
                     "largest remainder.")
    return PlacementTables(la_code=la, la_name=str(panel.names.get(la, la)),
                           history_years=hist_years, projected_years=proj, totals=totals,
                           by_age=by_age, by_need=by_need, notes=notes)

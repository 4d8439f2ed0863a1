"""From person-level casework to the inputs of the cohort model.

- :func:`census_states`: each child's (academic year, need, setting) at a January census;
- :func:`transitions_from_casework`: the year-on-year transitions table (witan.send format);
- :func:`valid_states_table`: the valid-states file for the setting taxonomy;
- :func:`population_for_la`: a population file by academic year for a real LA from ONS figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from send_analysis.casework.dates import census_date, ncy
from send_analysis.casework.io import Casework
from send_analysis.casework.schema import GROUP_OF, NEEDS, SETTINGS
from send_analysis.casework.synth import SETTING_NCY_RANGE
from send_analysis.cohort.io import NONSEND, TRANSITION_COLUMNS
from send_analysis.errors import DataError


def census_states(casework: Casework, year: int) -> pd.DataFrame:
    """Children with an open plan at the January ``year`` census, with their state then.

    Columns ``person_id, academic-year, need, setting``. A plan is open when it started on or
    before the census day and had not ended by it; the setting and need are those of the
    placement spell covering the census day (``not_recorded`` and the latest known need if none).
    """
    dob = casework.people.drop_duplicates("person_id").set_index("person_id")["date_of_birth"]
    return _states(casework.plans, casework.placements, dob, year)


def _states(plans: pd.DataFrame, placements: pd.DataFrame, dob: pd.Series,
            year: int) -> pd.DataFrame:
    """:func:`census_states` from the plans, the placements and the date of birth by person
    (``person_id`` may be the ids themselves or integer codes for them)."""
    c = census_date(year)
    pl = plans
    open_ = pl[(pl["start_date"] <= c) & (pl["end_date"].isna() | (pl["end_date"] > c))]
    ids = pd.Index(open_["person_id"].unique())
    sp = placements
    sp = sp[sp["person_id"].isin(ids) & (sp["start_date"] <= c)]
    covering = sp[sp["end_date"].isna() | (sp["end_date"] >= c)]
    covering = covering.sort_values("start_date").drop_duplicates("person_id", keep="last")
    latest = sp.sort_values("start_date").drop_duplicates("person_id", keep="last")
    out = pd.DataFrame({"person_id": ids})
    out = out.merge(covering[["person_id", "setting", "need"]], on="person_id", how="left")
    fallback = latest.set_index("person_id")["need"]
    out["need"] = out["need"].fillna(out["person_id"].map(fallback)).fillna("OTH")
    out["setting"] = out["setting"].fillna("not_recorded")
    out["academic-year"] = ncy(out["person_id"].map(dob), c).astype(int)
    return out[["person_id", "academic-year", "need", "setting"]]


def _coded(casework: Casework) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Plans, placements and dates of birth keyed by integer codes that sort as the ids do.

    Matching and merging integers is much faster than strings, and an outer merge (which sorts
    its keys) puts rows in the same order as it would by the ids, so transitions are unchanged.
    """
    people = casework.people.drop_duplicates("person_id")
    keys = [casework.plans["person_id"], casework.placements["person_id"], people["person_id"]]
    codes, _ = pd.factorize(pd.concat(keys, ignore_index=True), sort=True)
    n_plans, n_spells = len(keys[0]), len(keys[1])
    plans = casework.plans[["start_date", "end_date"]].assign(person_id=codes[:n_plans])
    spells = casework.placements[["start_date", "end_date", "setting", "need"]].assign(
        person_id=codes[n_plans:n_plans + n_spells])
    dob = pd.Series(people["date_of_birth"].to_numpy(), index=codes[n_plans + n_spells:])
    return plans, spells, dob


def transitions_from_casework(casework: Casework, years: list[int] | None = None) -> pd.DataFrame:
    """Transitions between consecutive January censuses (``calendar-year`` = the first).

    Joiners have ``NONSEND`` as setting-1 and need-1 and academic-year-1 one below
    academic-year-2; leavers have ``NONSEND`` as setting-2 and need-2. ``years`` are census
    years (default: every January census the casework spans).
    """
    if years is None:
        new = casework.plans.loc[casework.plans["origin"] == "new", "start_date"]
        start = new.min() if len(new) else casework.plans["start_date"].min()
        first = start.year if census_date(start.year) <= start else start.year - 1
        last = casework.end_date.year
        years = [y for y in range(first, last + 1)
                 if census_date(y) <= casework.end_date]
    frames = []
    plans, spells, dob = _coded(casework)
    states = {y: _states(plans, spells, dob, y) for y in years}
    for y in years[:-1]:
        a, b = states[y], states.get(y + 1)
        if b is None:
            continue
        m = a.merge(b, on="person_id", how="outer", suffixes=("-1", "-2"))
        join = m["setting-1"].isna()
        leave = m["setting-2"].isna()
        m.loc[join, ["setting-1", "need-1"]] = NONSEND
        m.loc[leave, ["setting-2", "need-2"]] = NONSEND
        m.loc[join, "academic-year-1"] = m.loc[join, "academic-year-2"] - 1
        m.loc[leave, "academic-year-2"] = m.loc[leave, "academic-year-1"] + 1
        m["calendar-year"] = y
        frames.append(m)
    if not frames:
        raise DataError("the casework spans fewer than two January censuses",
                        expected="plans open at two consecutive censuses")
    out = pd.concat(frames, ignore_index=True)
    for c in ("academic-year-1", "academic-year-2"):
        out[c] = out[c].astype(int)
    return out[TRANSITION_COLUMNS].sort_values(TRANSITION_COLUMNS[:4]).reset_index(drop=True)


def valid_states_table() -> pd.DataFrame:
    """The valid-states file for the setting taxonomy (ranges of ``SETTING_NCY_RANGE``).

    Every need is allowed in every setting and every move between settings is allowed; the
    academic-year ranges alone rule states out.
    """
    rows = []
    for s in SETTINGS:
        lo, hi = SETTING_NCY_RANGE[s]
        rows.append({"setting": s, "setting-group": GROUP_OF[s], "min-academic-year": lo,
                     "max-academic-year": hi, "needs": ",".join(NEEDS),
                     "setting->setting": ",".join(x for x in SETTINGS if x != s)})
    return pd.DataFrame(rows)


def population_for_la(la_code: str, census_years: list[int],
                      academic_years: range = range(-4, 21)) -> pd.DataFrame:
    """Population by academic year for ``la_code`` and January ``census_years`` (ONS-based).

    The age shape is the LA's mid-2023 single-year estimate (NCY = age - 4, age on 31 August
    approximated by age at mid-year); each year is scaled by the LA's 0-17 total for the mid-year
    before the census. Years beyond the published 0-17 series hold the last published total
    (a flat-population assumption; see docs/assumptions/cohort.md).
    """
    from send_analysis.data.population import read_population_0_17, read_single_year_ages

    single = read_single_year_ages(2023)
    la = single[(single["level"] == "la") & (single["la_code"] == str(la_code))]
    if la.empty:
        raise DataError(f"no single-year population for LA {la_code}", file="ons_population",
                        expected="an LA on April 2023 boundaries")
    by_age = la.set_index("age")["population"]
    totals = read_population_0_17()
    tot = totals[(totals["level"] == "la") & (totals["la_code"] == str(la_code))]
    tot = tot.dropna(subset=["value"]).set_index("year")["value"].sort_index()
    base_0_17 = by_age.loc[0:17].sum()
    rows = []
    for y in census_years:
        mid = y - 1
        avail = tot[tot.index <= mid]
        scale = (avail.iloc[-1] if len(avail) else tot.iloc[0]) / base_0_17
        for a in academic_years:
            rows.append({"calendar-year": y, "academic-year": a,
                         "population": float(np.round(by_age.get(a + 4, 0.0) * scale))})
    return pd.DataFrame(rows)

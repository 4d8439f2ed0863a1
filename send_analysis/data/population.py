"""ONS mid-year population estimates for children and young people, by LA, region and England.

Three official files are read as published (see ``data/raw/ons_population/PROVENANCE.md``):

- ``mye22final.xlsx``: single year of age for **mid-2022** (sheet ``MYE2 - Persons``) and
  **mid-2011** (sheet ``MYEB1``, long), both on April 2023 boundaries, 9-character ONS codes;
- ``mye23tablesew.xlsx``: single year of age for **mid-2023** (sheet ``MYE2 - Persons``);
- ``ons_mid-year_population_estimates_2012_to_2024.csv``: the 0-17 total for 2012-2024 by LA
  (3-digit and 9-character codes), region and England (DfE re-publication).

The 0-25 population, the denominator of "plans per 10,000", therefore exists directly only for
mid-2011, mid-2022 and mid-2023. For the other years (2012-2021 and 2024) this module estimates it as

    0-25(Y) = 0-17(Y) x r(Y),    r = 0-25 / 0-17 for the same area,

with ``r`` interpolated linearly between its mid-2011 and mid-2022 values for 2012-2021 and held at
its mid-2023 value for 2024 (``docs/decisions/0051-population-0-25.md``). Each row carries a
``method`` column saying which way the figure was obtained, so a page can say so.

All values are persons (both sexes). ``year`` is the **mid-year** (30 June) of the estimate; use
:func:`population_for_census_year` to pair a January census year with the estimate before it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from send_analysis.data.cache import parquet_cached
from send_analysis.data.geography import ENGLAND
from send_analysis.errors import DataError
from send_analysis.paths import raw_path

MYE22 = "ons_population/mye22final.xlsx"
MYE23 = "ons_population/mye23tablesew.xlsx"
CSV_0_17 = "ons_population/ons_mid-year_population_estimates_2012_to_2024.csv"

#: Mid-years with single-year-of-age estimates in the staged files.
SINGLE_YEAR_YEARS: tuple[int, ...] = (2011, 2022, 2023)
#: Upper-tier LA code prefixes (unitary, metropolitan district, London borough, county).
_UTLA_PREFIXES = ("E06", "E08", "E09", "E10")
#: LAs abolished before April 2023 whose 2011/2022 single-year figures are the sum of successors.
PREDECESSORS: dict[str, tuple[str, ...]] = {"909": ("942", "943"), "928": ("940", "941")}


def _level_of(code: str) -> str | None:
    if code == ENGLAND:
        return "national"
    if code.startswith("E12"):
        return "regional"
    if code.startswith(_UTLA_PREFIXES):
        return "la"
    return None


def _wide_ages_to_long(df: pd.DataFrame, year: int, source: str) -> pd.DataFrame:
    """``MYE2 - Persons`` (Code, Name, Geography, All ages, 0..89, 90+) -> long English rows."""
    need = {"Code", "Name", "0", "25"}
    cols = {str(c) for c in df.columns}
    if not need <= cols:
        raise DataError("sheet 'MYE2 - Persons' lacks the expected columns", file=source,
                        expected="Code, Name, Geography, All ages, 0, 1, ..., 89, 90+")
    df = df.rename(columns=str)
    df = df[df["Code"].astype(str).map(lambda c: _level_of(c) is not None)]
    ages = [str(a) for a in range(0, 90)]
    long = df.melt(id_vars=["Code", "Name"], value_vars=ages, var_name="age", value_name="population")
    long["age"] = long["age"].astype(int)
    long["year"] = year
    return long.rename(columns={"Code": "ons_code", "Name": "area_name"})


#: Bumped when :func:`_single_year_parse` changes, so old Parquet caches are not reused.
CACHE_VERSION = "1"


@lru_cache(maxsize=4)
def _single_year_cached(year: int) -> pd.DataFrame:
    """:func:`_single_year_parse`, through a Parquet cache keyed by the workbook's sha256
    (:mod:`send_analysis.data.cache`): parsing the ONS workbooks takes 5-18 s."""
    if year not in SINGLE_YEAR_YEARS:
        return _single_year_parse(year)  # raises the DataError
    source = MYE23 if year == 2023 else MYE22
    return parquet_cached("population", f"single_year_{year}", [source],
                          lambda: _single_year_parse(year), CACHE_VERSION)


def _single_year_parse(year: int) -> pd.DataFrame:
    if year == 2022:
        df = pd.read_excel(raw_path(MYE22), sheet_name="MYE2 - Persons", skiprows=7)
        return _wide_ages_to_long(df, 2022, MYE22)
    if year == 2023:
        df = pd.read_excel(raw_path(MYE23), sheet_name="MYE2 - Persons", skiprows=7)
        return _wide_ages_to_long(df, 2023, MYE23)
    if year == 2011:
        df = pd.read_excel(raw_path(MYE22), sheet_name="MYEB1")
        df = df[df["code"].astype(str).map(lambda c: _level_of(c) is not None)]
        df = df[df["age"].astype(int) < 90]
        out = (df.groupby(["code", "name", "age"], as_index=False)["population_2011"].sum()
                 .rename(columns={"code": "ons_code", "name": "area_name",
                                  "population_2011": "population"}))
        out["year"] = 2011
        return out
    raise DataError(f"no single-year-of-age estimate for mid-{year}", file="ons_population/",
                    expected=f"one of {SINGLE_YEAR_YEARS}")


def read_single_year_ages(year: int) -> pd.DataFrame:
    """Persons by single year of age 0-89 for mid-2011, mid-2022 or mid-2023.

    Returns columns ``level, area_code, la_code, ons_code, area_name, age, year, population``
    for England, the 9 regions and the 153 upper-tier LAs (April 2023 boundaries). ``area_code``
    follows ``docs/tables.md``: 3-digit DfE code for LAs, ONS code for regions and England.
    """
    df = _single_year_cached(int(year)).copy()
    codes = ons_to_dfe_codes()
    df["level"] = df["ons_code"].map(_level_of)
    df["la_code"] = df["ons_code"].map(codes).where(df["level"] == "la")
    unmapped = df[(df["level"] == "la") & df["la_code"].isna()]["ons_code"].unique()
    if len(unmapped):
        raise DataError(f"ONS codes without a DfE LA code: {sorted(unmapped)}", file=CSV_0_17)
    df["area_code"] = df["la_code"].where(df["level"] == "la", df["ons_code"])
    df["population"] = df["population"].astype(float)
    return df[["level", "area_code", "la_code", "ons_code", "area_name", "age", "year",
               "population"]].reset_index(drop=True)


@lru_cache(maxsize=1)
def _read_0_17_cached() -> pd.DataFrame:
    path = raw_path(CSV_0_17)
    df = pd.read_csv(path, dtype=str)
    need = {"time_period", "geographic_level", "region_code", "old_la_code", "new_la_code",
            "la_name", "region_name", "population_estimate"}
    if not need <= set(df.columns):
        raise DataError("missing columns", file=CSV_0_17, expected=", ".join(sorted(need)))
    level = df["geographic_level"].map(
        {"National": "national", "Regional": "regional", "Local authority": "la"})
    value = pd.to_numeric(df["population_estimate"].str.strip(), errors="coerce")
    flag = df["population_estimate"].str.strip().where(value.isna())
    la = level == "la"
    out = pd.DataFrame({
        "level": level,
        "area_code": np.where(la, df["old_la_code"],
                              np.where(level == "regional", df["region_code"], ENGLAND)),
        "la_code": df["old_la_code"].where(la),
        "new_la_code": df["new_la_code"].where(la),
        "area_name": np.where(la, df["la_name"],
                              np.where(level == "regional", df["region_name"], "England")),
        "region_code": df["region_code"].where(level != "national"),
        "year": df["time_period"].astype(int),
        "value": value.astype(float),
        "flag": flag,
    })
    return out


def read_population_0_17() -> pd.DataFrame:
    """Children aged 0-17 by LA, region and England, mid-2012 to mid-2024 (the DfE CSV).

    Columns ``level, area_code, la_code, new_la_code, area_name, region_code, year, value, flag``;
    ``value`` is NaN with ``flag == "x"`` where the publisher has no figure (Bournemouth, Poole
    and old Dorset 2012-2018).
    """
    return _read_0_17_cached().copy()


@lru_cache(maxsize=1)
def ons_to_dfe_codes() -> dict[str, str]:
    """9-character ONS code -> 3-digit DfE code on April 2023 boundaries, from the 0-17 CSV."""
    df = _read_0_17_cached()
    la = df[(df["level"] == "la") & (df["year"] >= 2023)]
    return dict(zip(la["new_la_code"], la["la_code"], strict=True))


def _age_total(df: pd.DataFrame, lo: int, hi: int) -> pd.Series:
    """Sum of ``population`` for ages lo..hi inclusive, indexed by area_code."""
    sel = df[(df["age"] >= lo) & (df["age"] <= hi)]
    return sel.groupby("area_code")["population"].sum()


def _with_predecessors(s: pd.Series) -> pd.Series:
    """Add rows for abolished LAs (Cumbria, Northamptonshire) as the sum of their successors."""
    extra = {old: s[list(new)].sum() for old, new in PREDECESSORS.items()
             if all(n in s.index for n in new)}
    return pd.concat([s, pd.Series(extra, dtype=float)])


def age_band_totals(year: int, lo: int = 0, hi: int = 25) -> pd.Series:
    """Population aged ``lo``-``hi`` (inclusive) in a single-year mid-year, by area_code.

    Includes abolished LAs 909 and 928 as the sum of their successors (same territory).
    """
    return _with_predecessors(_age_total(read_single_year_ages(year), lo, hi))


def ratio_0_25_to_0_17(year: int) -> pd.Series:
    """r = population 0-25 / population 0-17 by area_code, for a mid-year of :data:`SINGLE_YEAR_YEARS`."""
    return age_band_totals(year, 0, 25) / age_band_totals(year, 0, 17)


def interpolate_ratio(r_start: float, r_end: float, year: int, start: int = 2011,
                      end: int = 2022) -> float:
    """Linear interpolation of the 0-25/0-17 ratio between two single-year estimates.

    >>> round(interpolate_ratio(1.40, 1.51, 2016), 3)
    1.45
    """
    if not start <= year <= end:
        raise ValueError(f"year {year} outside {start}-{end}")
    w = (year - start) / (end - start)
    return r_start + w * (r_end - r_start)


def population_0_25() -> pd.DataFrame:
    """Population aged 0-25 by area and mid-year, 2011-2024.

    Columns ``level, area_code, la_code, area_name, year, value, method`` with ``method``:

    - ``single_year``: summed from single-year-of-age estimates (mid-2011, 2022, 2023);
    - ``scaled_0_17_interpolated``: 0-17 total x the area's 0-25/0-17 ratio interpolated
      linearly between mid-2011 and mid-2022 (mid-2012 to mid-2021);
    - ``scaled_0_17_held``: 0-17 total x the area's mid-2023 ratio (mid-2024).

    Areas without a 0-17 figure (Bournemouth, Poole, old Dorset 2012-2018) are left out.
    """
    direct = []
    for y in SINGLE_YEAR_YEARS:
        s = age_band_totals(y, 0, 25)
        direct.append(pd.DataFrame({"area_code": s.index, "year": y, "value": s.values,
                                    "method": "single_year"}))
    r11, r22, r23 = (ratio_0_25_to_0_17(y) for y in SINGLE_YEAR_YEARS)
    p17 = read_population_0_17()
    p17 = p17[p17["value"].notna()]
    scaled = p17[~p17["year"].isin(SINGLE_YEAR_YEARS)].copy()
    ratios = []
    for code, year in zip(scaled["area_code"], scaled["year"], strict=True):
        if year == 2024:
            ratios.append(r23.get(code, np.nan))
        elif code in r11.index and code in r22.index:
            ratios.append(interpolate_ratio(r11[code], r22[code], year))
        else:
            ratios.append(np.nan)
    scaled["value"] = scaled["value"] * np.array(ratios, dtype=float)
    scaled["method"] = np.where(scaled["year"] == 2024, "scaled_0_17_held",
                                "scaled_0_17_interpolated")
    scaled = scaled[scaled["value"].notna()][["area_code", "year", "value", "method"]]
    out = pd.concat([*direct, scaled], ignore_index=True)
    names = (p17.sort_values("year").drop_duplicates("area_code", keep="last")
             .set_index("area_code")[["level", "area_name"]])
    out = out.join(names, on="area_code")
    single = read_single_year_ages(2022)
    fallback = single.drop_duplicates("area_code").set_index("area_code")
    for col in ("level", "area_name"):
        out[col] = out[col].fillna(out["area_code"].map(fallback[col]))
    out["la_code"] = out["area_code"].where(out["level"] == "la")
    return (out[["level", "area_code", "la_code", "area_name", "year", "value", "method"]]
            .sort_values(["area_code", "year"]).reset_index(drop=True))


def population_for_census_year(census_year: int) -> int:
    """The mid-year estimate paired with a January census year: mid-(census_year - 1).

    January Y is six months after mid-(Y-1), the latest estimate that describes the
    population before the census (``docs/decisions/0051-population-0-25.md``).

    >>> population_for_census_year(2021)
    2020
    """
    return int(census_year) - 1


def method_note(census_year: int) -> str:
    """A sentence for a page saying how the 0-25 population paired with a census year was made.

    >>> method_note(2023)
    'The 0-25 population is the ONS mid-2022 estimate by single year of age.'
    """
    mid = population_for_census_year(census_year)
    if mid in SINGLE_YEAR_YEARS:
        return f"The 0-25 population is the ONS mid-{mid} estimate by single year of age."
    if 2012 <= mid <= 2021:
        return (f"The 0-25 population for mid-{mid} is estimated: ONS publishes single years of "
                f"age by LA only for mid-2011, mid-2022 and mid-2023, so it is the mid-{mid} "
                "0-17 estimate multiplied by the area's 0-25/0-17 ratio interpolated linearly "
                "between mid-2011 and mid-2022.")
    if mid == 2024:
        return ("The 0-25 population for mid-2024 is estimated as the mid-2024 0-17 estimate "
                "multiplied by the area's mid-2023 0-25/0-17 ratio.")
    return f"No 0-25 population estimate is available for mid-{mid}."

"""Plans by primary need, and the two cross-tables the DSG plan's placement sections need:
setting group x age band and setting group x primary need, read from SEN2 (2025 release).

SEN2 publishes primary need of all plans for January 2025 only (``sen_needs_all_plans.csv``,
by LA and by type of placement) and setting by single year of age for January 2024 and 2025
(``caseload.csv``, "Child or young persons age" rows). These are read straight from the staged
release zip (they are not processed tables); the reads are cached per zip file and modification
time.

- :func:`plans_by_need`: tidy ``level, la_code, year, need, value`` (``need == "total"`` for
  all plans), the need component of :func:`send_analysis.demand.forecast`;
- :func:`group_by_need`, :func:`group_by_age`: LA x year x setting group x need / age band.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from send_analysis.data import readers as rd
from send_analysis.data.taxonomy import AGE_BANDS, COLUMNS_2025, GROUP_OF, age_band_of
from send_analysis.errors import DataError
from send_analysis.paths import raw_dir

#: Primary need codes (SEN2 order of the DSG plan template) -> column of sen_needs_all_plans.csv.
NEEDS: dict[str, str] = {
    "ASD": "number_asd",
    "HI": "number_hi",
    "MLD": "number_mld",
    "MSI": "number_msi",
    "PD": "number_pd",
    "PMLD": "number_pmld",
    "SEMH": "number_semh",
    "SLCN": "number_slcn",
    "SLD": "number_sld",
    "SPLD": "number_spld",
    "VI": "number_vi",
    "OTH": "number_oth",
    "NSA": "number_need_unknown",
}

#: ``Type of placement`` rows of sen_needs_all_plans.csv -> setting group. Rows ending in
#: ``- total`` are sums of the others and are skipped.
PLACEMENT_GROUPS: dict[str, str] = {
    "Mainstream - LA maintained": "mainstream",
    "Mainstream - academy": "mainstream",
    "Mainstream - free school": "mainstream",
    "Mainstream - independent": "mainstream",
    "Mainstream - LA maintained (SEN unit)": "resourced_unit",
    "Mainstream - LA maintained (resourced provision)": "resourced_unit",
    "Mainstream - academy (SEN unit)": "resourced_unit",
    "Mainstream - academy (resourced provision)": "resourced_unit",
    "Mainstream - free school (SEN unit)": "resourced_unit",
    "Mainstream - free school (resourced provision)": "resourced_unit",
    "Special - LA maintained": "special_state",
    "Special - Academy/free schools": "special_state",
    "Special - independent": "special_indep_nm",
    "Special - non-maintained": "special_indep_nm",
    "AP/PRU - LA maintained": "ap_pru",
    "AP/PRU - academy": "ap_pru",
    "AP/PRU - free school": "ap_pru",
    "FE - general FE and tertiary colleges": "post16",
    "FE - UKRLP provider": "post16",
    "FE - specialist post-16 institutions": "post16",
    "Non-maintained early years": "other",
    "Educated elsewhere - NEET": "other",
    "Educated elsewhere - Welsh establishment": "other",
    "Educated elsewhere - elective home education": "other",
    "Educated elsewhere - not in education or training (compulsory school age)": "other",
    "Educated elsewhere - not in education or training (notice to cease issued)": "other",
    "Educated elsewhere - not in education or training (other)": "other",
    "Educated elsewhere - online provider": "other",
    "Educated elsewhere - other arrangements by LA": "other",
    "Educated elsewhere - other arrangements by parents": "other",
    "Educated elsewhere - other placement settings": "other",
    "Educated elsewhere - other schools and establishments": "other",
    "Placement not recorded": "other",
}

NEEDS_MEMBER = "data/sen_needs_all_plans.csv"
CASELOAD_MEMBER = "data/caseload.csv"
_CACHE: dict[tuple, pd.DataFrame] = {}


def _zip(zip_path: Path | str | None) -> Path:
    z = Path(zip_path) if zip_path is not None else raw_dir() / rd.RELEASE_2025
    if not z.exists():
        raise DataError("the SEN2 2025 release is not staged", file=str(z),
                        expected="run `send-analysis data fetch`")
    return z


def _cached(kind: str, z: Path, build) -> pd.DataFrame:
    key = (kind, str(z), z.stat().st_mtime)
    if key not in _CACHE:
        _CACHE[key] = build()
    return _CACHE[key]


def _need_long(df: pd.DataFrame, label: str, dim_col: str) -> pd.DataFrame:
    """Long ``level, la_code, year, <dim_col>, need, value`` from need rows (markers -> NaN)."""
    year = rd._january(df["time_period"], label)
    long = rd.melt_values(df, label, year, {c: n for n, c in NEEDS.items()}, "need", "2025")
    long[dim_col] = np.tile(df[dim_col].to_numpy(), len(NEEDS))
    return long[["level", "la_code", "year", dim_col, "need", "value"]]


def group_by_need(zip_path: Path | str | None = None) -> pd.DataFrame:
    """Plans at January by setting group and primary need: ``level, la_code, year, group, need,
    value`` (suppressed cells NaN). Raises :class:`DataError` naming the file, column and row for
    a placement the taxonomy does not know."""
    z = _zip(zip_path)

    def build() -> pd.DataFrame:
        df, label = rd._r25(z, NEEDS_MEMBER, "Type of placement")
        place = df["breakdown"].str.strip()
        keep = ~place.str.endswith("- total")
        unknown = keep & ~place.isin(PLACEMENT_GROUPS)
        if unknown.any():
            idx = unknown.idxmax()
            raise DataError(f"unknown type of placement {place[idx]!r}", file=label,
                            column="breakdown", row=rd._line(idx),
                            expected="one of send_analysis.demand.crosstab.PLACEMENT_GROUPS")
        df = df[keep].reset_index(drop=True).assign(group=place[keep].map(PLACEMENT_GROUPS).values)
        long = _need_long(df, label, "group")
        return long.groupby(["level", "la_code", "year", "group", "need"], dropna=False,
                            sort=False)["value"].sum(min_count=1).reset_index()

    return _cached("group_need", z, build)


def plans_by_need(zip_path: Path | str | None = None) -> pd.DataFrame:
    """Plans at January by primary need, with ``need == "total"`` for all plans:
    ``level, la_code, year, need, value``."""
    z = _zip(zip_path)

    def build() -> pd.DataFrame:
        df, label = rd._r25(z, NEEDS_MEMBER, "All EHC plans")
        df = df.assign(all="all")
        long = _need_long(df, label, "all").drop(columns="all")
        tot = rd.melt_values(df, label, rd._january(df["time_period"], label),
                             {"ehc_plans": "total"}, "need", "2025")
        return pd.concat([long, tot[["level", "la_code", "year", "need", "value"]]],
                         ignore_index=True)

    return _cached("need", z, build)


def group_by_age(zip_path: Path | str | None = None) -> pd.DataFrame:
    """Plans at January by setting group and age band (from single years of age):
    ``level, la_code, year, group, age_band, value``."""
    z = _zip(zip_path)

    def build() -> pd.DataFrame:
        df, label = rd._r25(z, CASELOAD_MEMBER, "Child or young persons age")
        bd = df["breakdown"].str.strip().str.lower()
        ages = bd.str.extract(r"^age (\d+)$")[0].where(bd != "under 3", "0")
        if ages.isna().any():
            idx = ages.isna().idxmax()
            raise DataError(f"unknown age {df.loc[idx, 'breakdown']!r}", file=label,
                            column="breakdown", row=rd._line(idx), expected="'age N' or 'under 3'")
        band = ages.astype(int).map(age_band_of)
        year = rd._january(df["time_period"], label)
        long = rd.melt_values(df, label, year, {c: GROUP_OF[s] for c, s in COLUMNS_2025.items()},
                              "group", "2025")
        long["age_band"] = np.tile(band.to_numpy(), len(COLUMNS_2025))
        return long.groupby(["level", "la_code", "year", "group", "age_band"], dropna=False,
                            sort=False)["value"].sum(min_count=1).reset_index()

    return _cached("group_age", z, build)


def la_crosstab(frame: pd.DataFrame, la_code: str, year: int, dim: str) -> pd.DataFrame:
    """One LA's group x ``dim`` table for one January (NaN cells, i.e. suppressed, as 0).
    Raises :class:`DataError` when the LA or year is not in the frame."""
    sub = frame[(frame["level"] == "la") & (frame["la_code"] == str(la_code))
                & (frame["year"] == int(year))]
    if sub.empty:
        raise DataError(f"no {dim} by setting group for LA {la_code} in January {year}",
                        file=f"SEN2 2025 release ({'need' if dim == 'need' else 'caseload'})",
                        expected="an LA and year the release covers")
    cols = list(NEEDS) if dim == "need" else list(AGE_BANDS)
    return (sub.pivot_table(index="group", columns=dim, values="value", aggfunc="sum")
            .reindex(columns=cols).fillna(0.0))


def crosstab_years(frame: pd.DataFrame, la_code: str) -> list[int]:
    """January census years the frame holds for the LA."""
    sub = frame[(frame["level"] == "la") & (frame["la_code"] == str(la_code))]
    return sorted(int(y) for y in sub["year"].unique())

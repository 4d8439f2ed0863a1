"""Readers for the two SEN2 "Education, health and care plans" releases, straight from their zips.

Each reader returns a *raw tidy* frame: the area columns of ``docs/tables.md``, ``year``, one
dimension column, ``value`` (float, NaN where suppressed) and ``flag`` (the marker). The build
(:mod:`send_analysis.data.tables`) then checks the overlap of the two releases and combines them.

- 2022 release: latin-1, long by establishment type, January 2010-2022 (events: calendar 2010-2021).
- 2025 release: UTF-8 with BOM, wide by setting, January 2019-2025 (events: calendar 2019-2024).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from send_analysis.data import taxonomy as tx
from send_analysis.data.geography import ENGLAND
from send_analysis.errors import DataError

#: Markers publishers put in numeric cells. None of them is a zero.
MARKERS: dict[str, str] = {
    "x": "x",  # not available
    "z": "z",  # not applicable
    "c": "c",  # confidential
    "low": "low",  # rounds to zero / fewer than a threshold
    "u": "u",  # low reliability
    "..": "..",  # not available (MoJ)
    ":": ":",  # not available (S251)
    "": "blank",
}

AREA_COLUMNS = [
    "level", "area_code", "la_code", "new_la_code", "area_name", "region_code", "region_name",
]

_LEVELS = {"National": "national", "Regional": "regional", "Local authority": "la"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")

RELEASE_2022 = "ehcp/education-health-and-care-plans_2022.zip"
RELEASE_2025 = "ehcp/education-health-and-care-plans_2025.zip"


# --------------------------------------------------------------------------------------------
# Opening files


def read_zip_csv(zip_path: Path, member: str, encoding: str) -> pd.DataFrame:
    """Read one CSV member of a release zip as strings, checking the zip and the encoding.

    ``encoding`` is ``"latin-1"`` (2022 release) or ``"utf-8-sig"`` (2025 release, BOM).
    Raises :class:`DataError` naming the zip and member for a corrupt or truncated zip, a missing
    member, or text that is not in the expected encoding.
    """
    label = f"{Path(zip_path).name}:{member}"
    try:
        with zipfile.ZipFile(zip_path) as zf:
            names = zf.namelist()
            if member not in names:
                raise DataError(
                    "member not found in the zip", file=str(zip_path),
                    expected=f"{member!r} among {len(names)} members",
                )
            raw = zf.read(member)
    except zipfile.BadZipFile as exc:
        raise DataError(f"not a readable zip ({exc}); the file is corrupt or truncated",
                        file=str(zip_path), expected="the release's 'download all data' zip") from exc
    except (zlib_error(), EOFError) as exc:
        raise DataError(f"zip member could not be decompressed ({exc}); corrupt or truncated",
                        file=label) from exc
    text = decode(raw, encoding, label)
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise DataError(f"CSV could not be parsed ({exc})", file=label) from exc


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


def decode(raw: bytes, encoding: str, label: str) -> str:
    """Decode bytes in the publisher's encoding, refusing text that is plainly in another one."""
    if encoding == "utf-8-sig":
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DataError(
                f"text is not UTF-8 (byte {exc.start}: {raw[exc.start:exc.start + 1]!r})",
                file=label, expected="UTF-8 with BOM, as the 2025 release publishes",
            ) from exc
    if encoding == "latin-1":
        if raw.startswith(b"\xef\xbb\xbf"):
            raise DataError("text starts with a UTF-8 byte-order mark", file=label,
                            expected="latin-1, as the 2022 release publishes")
        text = raw.decode("latin-1")
        if re.search("[\u00c2\u00c3][\u0080-\u00bf]", text):
            raise DataError("text looks like UTF-8 read as latin-1 (mojibake such as 'Ã©')",
                            file=label, expected="latin-1, as the 2022 release publishes")
        return text
    return raw.decode(encoding)


# --------------------------------------------------------------------------------------------
# Cells and columns


def require_columns(df: pd.DataFrame, columns: list[str], label: str) -> None:
    """Raise :class:`DataError` naming the first missing column."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError("missing column", file=label, column=missing[0],
                        expected=f"columns {missing} in the header")


def parse_values(
    cells: pd.Series, label: str, column: str, allow_negative: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Turn published cells into (value, flag): markers become NaN with the marker as flag.

    Thousands separators and a trailing ``%`` are accepted. Any other text, or a negative count,
    raises :class:`DataError` naming the file, column and CSV line (header = line 1).
    """
    s = cells.astype(str).str.strip()
    lowered = s.str.lower()
    is_marker = lowered.isin(MARKERS.keys())
    cleaned = s.str.replace(",", "", regex=False).str.rstrip("%").str.strip()
    numeric_ok = cleaned.str.match(_NUMBER)
    bad = ~is_marker & ~numeric_ok
    if bad.any():
        idx = bad.idxmax()
        raise DataError(f"non-numeric value {cells.loc[idx]!r}", file=label, column=column,
                        row=_line(idx), expected="a number or a suppression marker (x, z, c, low, u)")
    values = pd.to_numeric(cleaned.where(numeric_ok), errors="coerce").astype(float)
    if not allow_negative and (values < 0).any():
        idx = (values < 0).idxmax()
        raise DataError(f"negative count {cells.loc[idx]!r}", file=label, column=column,
                        row=_line(idx), expected="a count of zero or more")
    flags = lowered.map(MARKERS).where(is_marker)
    return values, flags.astype("object")


def _line(idx: object) -> object:
    return idx + 2 if isinstance(idx, (int, np.integer)) else idx


def area_frame(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """The standard area columns from a release's geography columns."""
    require_columns(df, ["geographic_level", "old_la_code", "new_la_code", "la_name",
                         "region_code", "region_name", "country_code"], label)
    level = df["geographic_level"].map(_LEVELS)
    if level.isna().any():
        idx = level.isna().idxmax()
        raise DataError(f"unknown geographic_level {df.loc[idx, 'geographic_level']!r}",
                        file=label, column="geographic_level", row=_line(idx),
                        expected="National, Regional or Local authority")
    la = level == "la"
    old = df["old_la_code"].str.strip()
    bad_code = la & ~old.str.fullmatch(r"\d{3}")
    if bad_code.any():
        idx = bad_code.idxmax()
        raise DataError(f"LA code {old[idx]!r} is not a 3-digit DfE code", file=label,
                        column="old_la_code", row=_line(idx), expected="e.g. '334'")
    out = pd.DataFrame(index=df.index)
    out["level"] = level
    out["area_code"] = np.where(la, old, np.where(level == "regional", df["region_code"],
                                                  df["country_code"]))
    out["la_code"] = old.where(la)
    out["new_la_code"] = df["new_la_code"].where(la)
    out["area_name"] = np.where(la, df["la_name"], np.where(level == "regional",
                                                            df["region_name"], "England"))
    out["region_code"] = df["region_code"].replace("", np.nan).where(level != "national")
    out["region_name"] = df["region_name"].replace("", np.nan).where(level != "national")
    return out


def melt_values(
    df: pd.DataFrame, label: str, year: pd.Series, columns: dict[str, str], dim: str,
    release: str,
) -> pd.DataFrame:
    """Long frame: one row per area, year and ``columns`` entry (source column -> dim value)."""
    require_columns(df, list(columns), label)
    areas = area_frame(df, label)
    parts = []
    for col, dim_value in columns.items():
        value, flag = parse_values(df[col], label, col)
        part = areas.copy()
        part["year"] = year.values
        part[dim] = dim_value
        part["value"] = value.values
        part["flag"] = flag.values
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["release"] = release
    return out


def sum_leaves(long: pd.DataFrame, dim: str) -> pd.DataFrame:
    """Sum leaf rows to their dimension value (e.g. many establishment types -> one setting).

    Rule: ``z`` (not applicable / not collected that year) leaves are skipped; if any other leaf
    is suppressed the sum is unknown (NaN, flag of that leaf); if every leaf is ``z`` the result
    is NaN flagged ``z``. Column ``complete`` is False when any leaf was skipped, so that the
    release comparison only compares like with like.
    """
    keys = AREA_COLUMNS + ["year", dim, "release"]
    g = long.assign(
        _na=long["value"].isna() & (long["flag"] != "z"),
        _z=long["flag"] == "z",
        _flag=long["flag"].where(long["value"].isna() & (long["flag"] != "z")),
    )
    out = g.groupby(keys, dropna=False, sort=False).agg(
        value=("value", lambda v: v.sum(min_count=1)), _na=("_na", "any"),
        _all_z=("_z", "all"), _any_z=("_z", "any"), _flag=("_flag", "first"),
    ).reset_index()
    out.loc[out["_na"], "value"] = np.nan
    out["flag"] = np.where(out["_na"], out["_flag"], np.where(out["_all_z"], "z", None))
    out.loc[out["value"].notna(), "flag"] = None
    out["complete"] = ~(out["_na"] | out["_any_z"])
    return out[keys[:-1] + ["value", "flag", "release", "complete"]]


def _time_period(time_period: pd.Series, label: str, digits: int, example: str) -> pd.Series:
    tp = time_period.str.strip()
    ok = tp.str.fullmatch(rf"\d{{{digits}}}")
    if not ok.all():
        idx = (~ok).idxmax()
        raise DataError(f"time_period {tp[idx]!r}", file=label, column="time_period",
                        row=_line(idx), expected=example)
    return tp


def _january(time_period: pd.Series, label: str) -> pd.Series:
    """January census year from a 2025-release academic-year ``time_period`` like ``202425``."""
    tp = _time_period(time_period, label, 6, "an academic year like 202425")
    return tp.str[:4].astype(int) + 1


def _calendar(time_period: pd.Series, label: str) -> pd.Series:
    """Calendar year from a ``time_period`` like ``2024``."""
    return _time_period(time_period, label, 4, "a calendar year like 2024").astype(int)


# --------------------------------------------------------------------------------------------
# 2022 release (aggregate SEN2)


def _r22(zip_path: Path, member: str) -> tuple[pd.DataFrame, str]:
    df = read_zip_csv(zip_path, member, "latin-1")
    return df, f"{Path(zip_path).name}:{member}"


def read_2022_by_setting(zip_path: Path, member: str, value_col: str) -> pd.DataFrame:
    """Plans (or new plans) by setting from ``sen2_estab_*.csv``, leaves summed to settings, plus total."""
    df, label = _r22(zip_path, member)
    require_columns(df, ["time_period", "establishment_group", "establishment_type", value_col], label)
    pair = list(zip(df["establishment_group"], df["establishment_type"], strict=True))
    is_total = pd.Series([p == ("Total", "Total") for p in pair], index=df.index)
    setting = pd.Series([tx.ESTAB_2022.get(p) for p in pair], index=df.index, dtype=object)
    known = set(tx.ESTAB_2022) | tx.ESTAB_2022_AGGREGATES | {p for p in set(pair) if p[1] == "Total"}
    unknown = [p for p in set(pair) if p not in known]
    if unknown:
        raise DataError(f"unknown establishment type {sorted(unknown)[0]}", file=label,
                        column="establishment_type",
                        expected="a type in send_analysis.data.taxonomy.ESTAB_2022")
    year = _calendar(df["time_period"], label)
    setting[is_total] = "total"
    keep = setting.notna()
    sub = df[keep].reset_index(drop=True)
    long = melt_values(sub, label, year[keep], {value_col: "_"}, "setting", "2022")
    long["setting"] = setting[keep].values
    return sum_leaves(long, "setting")


def read_2022_by_age(zip_path: Path) -> pd.DataFrame:
    """Plans by age band at January, 2010-2022."""
    df, label = _r22(zip_path, "data/sen2_age_caseload.csv")
    require_columns(df, ["time_period", "characteristic_age", "Total_all"], label)
    band = df["characteristic_age"].map(tx.AGE_2022)
    if band.isna().any():
        idx = band.isna().idxmax()
        raise DataError(f"unknown age band {df.loc[idx, 'characteristic_age']!r}", file=label,
                        column="characteristic_age", row=_line(idx),
                        expected=f"one of {list(tx.AGE_2022)}")
    long = melt_values(df, label, _calendar(df["time_period"], label), {"Total_all": "_"},
                       "age_band", "2022")
    long["age_band"] = band.values
    return long


MI_REQUESTS_2022 = {
    "InreqEHC": "requests",
    "AssRefusedEHC": "requests_refused",
    "NewallEHC": "assessed_plan_issued",
    "AssnoneEHC": "assessed_no_plan",
}
MI_TIMELINESS_2022 = {
    "TotIncExcEHC": "issued_incl_exc",
    "IncExc20weekEHC": "within_20wk_incl_exc",
    "IncExc20weekRate": "pct_20wk_incl_exc",
    "TotNoExcEHC": "issued_excl_exc",
    "NoExc20weekEHC": "within_20wk_excl_exc",
    "NoExc20weekRate": "pct_20wk_excl_exc",
}
MI_CEASED_2022 = {
    "DisleaEHC": "transfer",
    "DismetEHC": "needs_met",
    "DisothEHC": "other",
    "DisleftEHC": "left_education",
}


def read_2022_mi(zip_path: Path, columns: dict[str, str], dim: str) -> pd.DataFrame:
    """Management-information measures (calendar years 2014-2021) from ``sen2_mi.csv``."""
    df, label = _r22(zip_path, "data/sen2_mi.csv")
    require_columns(df, ["time_period"], label)
    return melt_values(df, label, _calendar(df["time_period"], label), columns, dim, "2022")


# --------------------------------------------------------------------------------------------
# 2025 release (person-level SEN2, aggregated)


def _r25(zip_path: Path, member: str, topic: str) -> tuple[pd.DataFrame, str]:
    df = read_zip_csv(zip_path, member, "utf-8-sig")
    label = f"{Path(zip_path).name}:{member}"
    require_columns(df, ["time_period", "breakdown_topic", "breakdown"], label)
    sub = df[df["breakdown_topic"] == topic].reset_index(drop=True)
    if sub.empty:
        raise DataError(f"no rows with breakdown_topic {topic!r}", file=label,
                        column="breakdown_topic", expected=f"rows for {topic!r}")
    return sub, label


def read_2025_by_setting(zip_path: Path, member: str, topic: str, total_col: str,
                         academic: bool) -> pd.DataFrame:
    """Plans (caseload, January) or new plans (calendar) by setting from the wide 2025 files."""
    df, label = _r25(zip_path, member, topic)
    year = _january(df["time_period"], label) if academic else _calendar(df["time_period"], label)
    cols = {total_col: "total", **{c: s for c, s in tx.COLUMNS_2025.items()}}
    long = mark_not_collected(melt_values(df, label, year, {c: c for c in cols}, "setting", "2025"),
                              "setting")
    long["setting"] = long["setting"].map(cols)
    return sum_leaves(long, "setting")


def mark_not_collected(long: pd.DataFrame, dim: str) -> pd.DataFrame:
    """Re-flag as ``z`` (not collected) every cell of a column in a year where England's is ``x``.

    The 2025 release prints ``x`` both for a setting that was not collected in a year (e.g.
    ``ukrlp_provider`` before 2023, ``await_prov_2022`` after 2022) and for a suppressed cell.
    When England itself is ``x`` the category did not exist that year, so no LA has it either;
    reading that as "not collected" stops one new category making a whole setting unknown.
    """
    national = long[(long["level"] == "national") & (long["flag"] == "x")]
    absent = set(zip(national[dim], national["year"], strict=True))
    if not absent:
        return long
    key = pd.Series(list(zip(long[dim], long["year"], strict=True)), index=long.index)
    hit = key.isin(absent) & long["value"].isna()
    long = long.copy()
    long.loc[hit, "flag"] = "z"
    return long


def read_2025_by_age(zip_path: Path) -> pd.DataFrame:
    """Plans by age band at January from single years of age (2024 and 2025 only), plus total."""
    df, label = _r25(zip_path, "data/caseload.csv", "Child or young persons age")
    bd = df["breakdown"].str.strip().str.lower()
    ages = bd.str.extract(r"^age (\d+)$")[0]
    ages = ages.where(bd != "under 3", "0")
    if ages.isna().any():
        idx = ages.isna().idxmax()
        raise DataError(f"unknown age {df.loc[idx, 'breakdown']!r}", file=label,
                        column="breakdown", row=_line(idx), expected="'age N' or 'under 3'")
    band = ages.astype(int).map(tx.age_band_of)
    long = melt_values(df, label, _january(df["time_period"], label), {"ehcplans": "_"},
                       "age_band", "2025")
    long["age_band"] = band.values
    bands = sum_leaves(long, "age_band")
    totals, tlabel = _r25(zip_path, "data/caseload.csv", "All EHC plans")
    ty = _january(totals["time_period"], tlabel)
    keep = ty.isin(set(bands["year"]))
    tot = melt_values(totals[keep].reset_index(drop=True), tlabel, ty[keep], {"ehcplans": "total"},
                      "age_band", "2025")
    return pd.concat([bands, tot], ignore_index=True)


REQUESTS_2025 = {
    "requests_received_in_year": "requests",
    "requests_decided_not_to_assess": "requests_refused",
    "requests_decided_to_assess": "assessments_agreed",
}
ASSESSMENTS_2025 = {
    "assess_issued": "assessed_plan_issued",
    "assess_not_issued": "assessed_no_plan",
}
TIMELINESS_2025 = {
    "plans_issued_den": "issued_incl_exc",
    "plans_issued_within_20_weeks": "within_20wk_incl_exc",
    "pc_plans_issued_within_20_weeks": "pct_20wk_incl_exc",
    "plans_issued_den_ex": "issued_excl_exc",
    "plans_issued_20_weeks_ex": "within_20wk_excl_exc",
    "PC_plans_issued_20_weeks_ex": "pct_20wk_excl_exc",
}
CEASED_2025 = {
    "total_ceased": "total",
    "needs_met": "needs_met",
    "transfer": "transfer",
    "max_age": "max_age",
    "he": "he",
    "employ": "employ",
    "no_engage": "no_engage",
    "moved_outside_eng": "moved_outside_eng",
    "deceased": "deceased",
    "other": "other",
    "not_rec": "other",
}
#: ``review_decision_outstanding`` and ``no_outcome`` are left out: the publisher derives them as
#: differences and they are negative for some LAs (e.g. -2 on line 12 and -7 on line 45 of
#: annual_reviews.csv), so they are not counts.
REVIEWS_2025 = [
    "total_ehc_plans", "review_expected", "review_not_expected", "total_review_meeting",
    "no_review_meeting", "outcome_amend", "outcome_cease",
    "outcome_maintan", "number_decsion_4weeks", "number_decision_gt_4weeks",
    "pc_decsion_4weeks",
]


def read_2025_measures(zip_path: Path, member: str, topic: str, columns: dict[str, str],
                       dim: str) -> pd.DataFrame:
    """Calendar-year measures (requests, assessments, timeliness, ceased, reviews) of the 2025 release."""
    df, label = _r25(zip_path, member, topic)
    long = melt_values(df, label, _calendar(df["time_period"], label), columns, dim, "2025")
    return sum_leaves(long, dim)


def read_2025_tribunals(zip_path: Path) -> pd.DataFrame:
    """SEND Tribunal appeal rates by LA, 2014-2024 (supporting file with a multi-row header).

    Rows 1-3 are a title and blanks; row 4 holds years (each spanning three columns), row 5 the
    measures. Region heading rows (upper case, no code) are skipped; the England row has the
    national code. Rates are published as strings like ``2.90%`` and kept as percentages (0-100).
    """
    member = "supporting-files/SEND Tribunals and appeal rate 2014-2024.csv"
    label = f"{Path(zip_path).name}:{member}"
    text = decode(_zip_member(zip_path, member), "utf-8-sig", label)
    grid = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False)
    header_row = grid.index[grid[0].str.strip() == "Local Authority"]
    if len(header_row) != 1:
        raise DataError("header row 'Local Authority' not found", file=label,
                        expected="a row whose first cell is 'Local Authority'")
    h = header_row[0]
    years_row, measures_row = grid.iloc[h], grid.iloc[h + 1]
    columns: list[tuple[int, int, str]] = []
    year = None
    for j in range(2, grid.shape[1]):
        y = years_row[j].strip()
        if y.isdigit():
            year = int(y)
        m = measures_row[j].strip().lower()
        if year is None or not m or m.startswith("in development"):
            continue
        if m.startswith("appeals registered"):
            columns.append((j, year, "appeals"))
        elif m.startswith("total appealable decisions"):
            columns.append((j, year, "appealable_decisions"))
        elif m.startswith("send tribunal appeal rate"):
            columns.append((j, year, "appeal_rate_pct"))
    if not columns:
        raise DataError("no year/measure columns recognised", file=label,
                        expected="Appeals registered / Total Appealable Decisions / Appeal Rate")
    body = grid.iloc[h + 2:].copy()
    body = body[body[0].str.strip() != ""]
    name, code = body[0].str.strip(), body[1].str.strip()
    lowered = name.str.lower()
    # "England Total" is the national row; "England total excluding suppressed" is a partial one.
    is_england = lowered.str.startswith("england total") & ~lowered.str.contains("excluding")
    is_la = code.str.fullmatch(r"\d{3}")
    body = body[is_la | is_england]
    name, code = name[body.index], code[body.index]
    rows = []
    for j, yr, measure in columns:
        cells = body[j].replace({"-": "0", " - ": "0"}).str.strip().replace({"-": "0"})
        value, flag = parse_values(cells, label, f"{yr} {measure}")
        part = pd.DataFrame({
            "level": np.where(is_england[body.index], "national", "la"),
            "area_code": np.where(is_england[body.index], ENGLAND, code),
            "la_code": code.where(~is_england[body.index]),
            "area_name": np.where(is_england[body.index], "England", name.str.replace(r"\d+$", "", regex=True)),
            "year": yr, "measure": measure, "value": value.values, "flag": flag.values,
        })
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    out["release"] = "2025"
    return out


def _zip_member(zip_path: Path, member: str) -> bytes:
    try:
        with zipfile.ZipFile(zip_path) as zf:
            if member not in zf.namelist():
                raise DataError("member not found in the zip", file=str(zip_path),
                                expected=repr(member))
            return zf.read(member)
    except zipfile.BadZipFile as exc:
        raise DataError(f"not a readable zip ({exc})", file=str(zip_path)) from exc

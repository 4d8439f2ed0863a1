"""MoJ "SEND appeal rate" table (2022 edition): appeals, appealable decisions and rate by LA.

``send_tribunal/send_appeal_rate_table_2022.ods``, sheet ``SEND_2``: one row per LA (names only,
with footnote digits: "Dorset6", "England Total4"), grouped under upper-case region headings;
three columns per calendar year 2014-2022 (appeals registered, total appealable decisions, rate as
a proportion). ``..`` is "not available" (``send_tribunal/PROVENANCE.md``).

The tidy table ``tribunal_appeals`` (from the EHC plans release) is the project's main source;
this reader is an independent cross-check of it for 2014-2022 and gives the MoJ's own edition.
Output follows ``docs/tables.md``: ``level, area_code, la_code, area_name, year, measure
(appeals, appealable_decisions, appeal_rate_pct as 0-100), value, flag``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from send_analysis.data.geography import ENGLAND, code_for_name
from send_analysis.errors import DataError
from send_analysis.paths import raw_path

SOURCE = "send_tribunal/send_appeal_rate_table_2022.ods"
SHEET = "SEND_2"
MEASURES = {"appeals registered": "appeals", "total appealable decisions": "appealable_decisions",
            "send tribunal appeal rate": "appeal_rate_pct"}
#: Names whose code depends on the year (footnotes 5-6: Dorset is one row across the 2019 change).
YEAR_CODES: dict[str, list[tuple[int, int, str]]] = {
    "Dorset": [(2014, 2018, "835"), (2019, 2022, "838")],
}


def clean_name(name: object) -> str:
    """Strip footnote digits and spaces: ``"North Northamptonshire7"`` -> ``"North Northamptonshire"``.

    >>> clean_name("Bournemouth, Christchurch and Poole5 ")
    'Bournemouth, Christchurch and Poole'
    """
    return re.sub(r"\d+$", "", str(name).strip()).strip()


def _measure(header: object) -> str:
    text = re.sub(r"\d+$", "", str(header).strip()).lower()
    if text not in MEASURES:
        raise DataError(f"unexpected column heading {header!r}", file=SOURCE,
                        expected=", ".join(MEASURES))
    return MEASURES[text]


@lru_cache(maxsize=1)
def _read_raw() -> pd.DataFrame:
    raw = pd.read_excel(raw_path(SOURCE), sheet_name=SHEET, header=None, engine="odf", dtype=object)
    head = raw.index[raw.iloc[:, 0].astype(str).str.strip() == "Local Authority"]
    if len(head) != 1:
        raise DataError("no 'Local Authority' header row", file=SOURCE,
                        expected="a two-row header: years, then measures")
    h = int(head[0])
    years = pd.to_numeric(raw.iloc[h, 1:], errors="coerce").ffill()
    measures = [_measure(v) for v in raw.iloc[h + 1, 1:]]
    rows = []
    for i in range(h + 2, raw.shape[0]):
        name = raw.iat[i, 0]
        if pd.isna(name):
            continue
        text = str(name).strip()
        if text.startswith(("Notes", "Sources")):
            break
        if text.isupper():  # region heading
            continue
        for j, (year, measure) in enumerate(zip(years, measures, strict=True), start=1):
            cell = raw.iat[i, j]
            value = pd.to_numeric(cell, errors="coerce")
            flag = None if pd.notna(value) else str(cell).strip()
            if measure == "appeal_rate_pct" and pd.notna(value):
                value = 100.0 * float(value)
            rows.append({"name": clean_name(text), "row": i + 1, "year": int(year),
                         "measure": measure, "value": float(value) if pd.notna(value) else np.nan,
                         "flag": flag})
    return pd.DataFrame(rows)


def read_send_appeal_rates(lookup: pd.DataFrame | None = None) -> pd.DataFrame:
    """The MoJ table as a tidy frame; LA names matched to 3-digit codes.

    ``lookup``: an LA lookup with ``la_code, la_name`` (default: ``geography.la_lookup()``).
    Raises :class:`DataError` naming the row for a name that matches no LA.
    """
    df = _read_raw().copy()
    codes = {}
    for name, row in df.drop_duplicates("name")[["name", "row"]].itertuples(index=False):
        if name.lower().startswith("england"):
            codes[name] = ENGLAND
            continue
        if name in YEAR_CODES:
            continue
        try:
            codes[name] = code_for_name(name, lookup)
        except DataError as exc:
            raise DataError(f"sheet {SHEET!r}: {exc}", file=SOURCE, row=row) from None
    area = df["name"].map(codes)
    for name, spans in YEAR_CODES.items():
        for lo, hi, code in spans:
            area = area.mask((df["name"] == name) & df["year"].between(lo, hi), code)
    df["area_code"] = area
    df["level"] = np.where(df["area_code"] == ENGLAND, "national", "la")
    df["la_code"] = df["area_code"].where(df["level"] == "la")
    df = df.rename(columns={"name": "area_name"})
    return df[["level", "area_code", "la_code", "area_name", "year", "measure", "value",
               "flag"]].reset_index(drop=True)

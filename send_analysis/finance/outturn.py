"""Actual high-needs spend by LA and financial year, 2017-18 to 2024-25 (S251 outturn).

The spend side of the finance backtest (decision 0065) and the starting point of every
projection (decision 0066). Source: ``s251_highneeds_derived/s251_lookup_YYYY.json`` (its
PROVENANCE.md): for each LA and financial year, the S251 outturn lines 1.2.x (top-ups to every
kind of provider, SEN support services, hospital education, AP services, therapies, ...) summed,
net of income, in whole pounds. Place funding inside the Individual Schools Budget (1.0.2) and
places the ESFA funds directly are *not* in it.

Rules, as the file is published:

- the file is keyed by the ONS code (``E06000034``); the DfE 3-digit code comes from the SEN2
  ``new_la_code`` in the LA lookup, and Buckinghamshire's post-2020 unitary code ``E06000060``
  (the SEN2 files keep the county code) is mapped to 825;
- a missing ``High needs (SEND)`` bucket means "zero, negative or not published" (PROVENANCE):
  the LA-year is left out, never read as £0;
- a year file that fails to parse, or an LA whose code cannot be mapped, raises
  :class:`~send_analysis.errors.DataError` naming the file and the key.
"""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd
import pandera.pandas as pa

from send_analysis.data.geography import la_lookup
from send_analysis.data.tables import Tables
from send_analysis.errors import DataError
from send_analysis.finance.years import fy_label
from send_analysis.paths import raw_path

#: First calendar year (start of the financial year) of each file, ``s251_lookup_<year>.json``.
S251_YEARS: tuple[int, ...] = tuple(range(2017, 2025))
S251_FILE = "s251_highneeds_derived/s251_lookup_{year}.json"
HN_BUCKET = "High needs (SEND)"
#: ONS codes the SEN2 lookup does not carry -> DfE code.
ONS_ALIASES: dict[str, str] = {"E06000060": "825"}

SPEND_SCHEMA = pa.DataFrameSchema(
    {
        "la_code": pa.Column(str, pa.Check.str_matches(r"^\d{3}$")),
        "financial_year": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}$")),
        "hn_spend": pa.Column(float, pa.Check.gt(0)),
    },
    name="s251_highneeds_spend", unique=["la_code", "financial_year"], strict=False,
)


def _code_map(folder: str | None = None) -> dict[str, str]:
    """ONS code -> DfE code, from the SEN2 LA lookup of the processed folder ``folder``."""
    lk = la_lookup(Tables.at(folder))
    out = dict(zip(lk["new_la_code"], lk["la_code"], strict=True))
    out.update(ONS_ALIASES)
    return out


def _read_year(year: int, codes: dict[str, str]) -> list[dict]:
    source = S251_FILE.format(year=year)
    path = raw_path(source)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"not a JSON file: {exc}", file=source) from None
    rows = []
    for ons, rec in doc.items():
        if ons not in codes:
            raise DataError(f"ONS code {ons!r} ({rec.get('la_name')}) has no DfE LA code",
                            file=source, expected="a code in the SEN2 LA lookup")
        buckets = {b.get("name"): b.get("value") for b in rec.get("education_breakdown", [])}
        value = buckets.get(HN_BUCKET)
        if value is None:
            continue
        rows.append({"la_code": codes[ons], "la_name": str(rec.get("la_name", "")),
                     "financial_year": fy_label(year), "hn_spend": float(value)})
    return rows


@lru_cache(maxsize=2)
def _spend_cached(folder: str | None = None) -> pd.DataFrame:
    codes = _code_map(folder)
    rows = [r for y in S251_YEARS for r in _read_year(y, codes)]
    df = pd.DataFrame(rows)
    try:
        return SPEND_SCHEMA.validate(df)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors) as exc:
        raise DataError(f"failed schema 's251_highneeds_spend': {exc}",
                        file=S251_FILE.format(year="*")) from None


def read_hn_spend(tables: Tables | None = None) -> pd.DataFrame:
    """Long frame ``la_code, la_name, financial_year, hn_spend`` (£, net, S251 lines 1.2.x); LA
    codes through the LA lookup of ``tables`` (default :meth:`Tables.default`)."""
    return _spend_cached(str(tables.folder) if tables is not None else None).copy()


def hn_spend_wide(tables: Tables | None = None) -> pd.DataFrame:
    """LAs x financial years of high-needs spend (£); NaN where the LA-year is not published."""
    s = read_hn_spend(tables)
    return s.pivot(index="la_code", columns="financial_year", values="hn_spend").sort_index(axis=1)


def latest_spend_year(tables: Tables | None = None) -> str:
    """The latest financial year with published outturn (``"2024-25"`` with the current data)."""
    return str(read_hn_spend(tables)["financial_year"].max())

"""Each LA's published cumulative DSG balance at 31 March, in pounds, latest year first.

Two sources, read as published (issue "This autumn's plan", decision 0043):

- ``dsg_balances/dsg-balances-2023-24.csv``: the DSG carried forward at 31 March 2024 (S251
  2023-24 outturn) for 148 LAs, in whole pounds. The registered file is a third party's extract
  of the official figure (``sources.yaml`` names it; the DfE release is the source of record).
  **Its sign is the source's: positive = deficit**; it is flipped on reading to the project's
  convention (negative = deficit). Cumberland, Westmorland and Furness (0 in the source) and
  Buckinghamshire (blank) are not in the file: they keep the older estimate.
- ``dsg_balances/dsg_deficit_derived.xlsx`` via :func:`finance.public.dsg_cumulative_balance_gbp`:
  2019-20 to 2021-22 as a rounded % of the total DSG, so approximate.

:func:`latest_published_balance` gives an LA's latest published 31 March (2023-24 where the
extract has it, else 2021-22), with ``approximate`` saying which kind of figure it is.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import pandera.pandas as pa

from send_analysis.data.geography import la_lookup
from send_analysis.data.tables import Tables
from send_analysis.errors import DataError
from send_analysis.finance import public
from send_analysis.paths import raw_path

BALANCES_2324_FILE = "dsg_balances/dsg-balances-2023-24.csv"
#: The financial year whose closing balance the extract gives.
BALANCES_2324_YEAR = "2023-24"
#: ONS codes the SEN2 lookup does not carry -> DfE code (as ``finance.outturn``).
ONS_ALIASES: dict[str, str] = {"E06000060": "825"}

SCHEMA_2324 = pa.DataFrameSchema(
    {
        "la_code": pa.Column(str, pa.Check.str_matches(r"^\d{3}$")),
        "la_name": pa.Column(str),
        "financial_year": pa.Column(str, pa.Check.eq(BALANCES_2324_YEAR)),
        # a balance of more than £1bn either way is a typing error in the extract
        "balance_gbp": pa.Column(float, pa.Check.in_range(-1e9, 1e9)),
    },
    name="dsg_balances_2023_24", unique=["la_code"], strict=True,
)


def _code_map(folder: str | None = None) -> dict[str, str]:
    """ONS code -> DfE code, from the SEN2 LA lookup of the processed folder ``folder``."""
    lk = la_lookup(Tables.at(folder))
    out = dict(zip(lk["new_la_code"], lk["la_code"], strict=True))
    out.update(ONS_ALIASES)
    return out


@lru_cache(maxsize=2)
def _read_2324(folder: str | None = None) -> pd.DataFrame:
    path = raw_path(BALANCES_2324_FILE)
    try:
        raw = pd.read_csv(path, dtype=str, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"not a UTF-8 CSV: {exc}", file=BALANCES_2324_FILE) from None
    need = ["new_la_code", "la_name", "dsg_carried_forward_2023_24_gbp"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(f"missing columns {missing}", file=BALANCES_2324_FILE)
    codes = _code_map(folder)
    rows = []
    for i, r in raw.iterrows():
        ons = str(r["new_la_code"]).strip()
        if ons not in codes:
            raise DataError(f"ONS code {ons!r} ({r['la_name']}) has no DfE LA code",
                            file=BALANCES_2324_FILE, row=int(i) + 2,
                            expected="a code in the SEN2 LA lookup")
        text = str(r["dsg_carried_forward_2023_24_gbp"]).strip()
        try:
            deficit = float(text)
        except ValueError:
            raise DataError(f"{text!r} is not an amount in pounds", file=BALANCES_2324_FILE,
                            row=int(i) + 2, column="dsg_carried_forward_2023_24_gbp") from None
        rows.append({"la_code": codes[ons], "la_name": str(r["la_name"]),
                     "financial_year": BALANCES_2324_YEAR,
                     # the source's positive = deficit; the project's negative = deficit
                     "balance_gbp": -deficit})
    df = pd.DataFrame(rows, columns=["la_code", "la_name", "financial_year", "balance_gbp"])
    try:
        return SCHEMA_2324.validate(df)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors) as exc:
        raise DataError(f"failed schema 'dsg_balances_2023_24': {exc}",
                        file=BALANCES_2324_FILE) from None


def read_dsg_balances_2023_24(tables: Tables | None = None) -> pd.DataFrame:
    """``la_code, la_name, financial_year ("2023-24"), balance_gbp`` (negative = deficit), one
    row per LA in the extract (148); LA codes through the LA lookup of ``tables`` (default
    :meth:`Tables.default`)."""
    return _read_2324(str(tables.folder) if tables is not None else None).copy()


def published_balances(tables: Tables | None = None) -> pd.DataFrame:
    """Every published 31 March balance in £: ``la_code, financial_year, balance_gbp,
    approximate, source`` (2019-20 to 2021-22 from the % file, approximate; 2023-24 exact).
    Shared: do not modify."""
    return _published_balances(str(tables.folder) if tables is not None else None)


@lru_cache(maxsize=2)
def _published_balances(folder: str | None) -> pd.DataFrame:
    old = public.dsg_cumulative_balance_gbp()
    old = old.assign(source=public.DSG_BALANCES_FILE)[
        ["la_code", "financial_year", "balance_gbp", "approximate", "source"]]
    new = read_dsg_balances_2023_24(Tables.at(folder)).assign(approximate=False, source=BALANCES_2324_FILE)[
        ["la_code", "financial_year", "balance_gbp", "approximate", "source"]]
    return (pd.concat([old, new], ignore_index=True)
            .sort_values(["la_code", "financial_year"]).reset_index(drop=True))


def latest_published_balance(la_code: str, tables: Tables | None = None) -> dict | None:
    """The LA's latest published 31 March balance: ``{"financial_year", "balance_gbp",
    "approximate", "source"}``, or None when no year is published for it."""
    b = published_balances(tables)
    rows = b[b["la_code"] == str(la_code)]
    if rows.empty:
        return None
    r = rows.iloc[-1]
    return {"financial_year": str(r["financial_year"]), "balance_gbp": float(r["balance_gbp"]),
            "approximate": bool(r["approximate"]), "source": str(r["source"])}

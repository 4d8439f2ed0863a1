"""Read the processed tidy tables that ``send-analysis data build`` wrote (see
:mod:`send_analysis.data.build`, the only module that writes them).

:func:`load_table` refuses a table whose build id (in its Parquet metadata) is not the one
``manifest.json`` records, so tables of an interrupted build are never mixed with a finished one.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from send_analysis.data import taxonomy as tx
from send_analysis.data.schemas import SCHEMAS
from send_analysis.errors import DataError
from send_analysis.paths import processed_dir

TABLES = list(SCHEMAS) + ["la_lookup"]
DIMENSION = {
    "plans_by_setting": "setting",
    "plans_by_age": "age_band",
    "new_plans": "setting",
    "requests_assessments": "measure",
    "timeliness": "measure",
    "ceased_plans": "reason",
    "annual_reviews": "measure",
    "tribunal_appeals": "measure",
}

#: Parquet metadata key holding the id of the build that wrote a table.
BUILD_ID_KEY = b"send_analysis_build_id"


# --------------------------------------------------------------------------------------------
# Reading


@lru_cache(maxsize=32)
def _read(path: str, mtime: float) -> pd.DataFrame:
    return pd.read_parquet(path)


@lru_cache(maxsize=64)
def _table_build_id(path: str, mtime: float) -> str | None:
    value = (pq.read_schema(path).metadata or {}).get(BUILD_ID_KEY)
    return value.decode() if value else None


@lru_cache(maxsize=8)
def _manifest_build_id(path: str, mtime: float) -> str | None:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh).get("build_id")


def check_build_id(path: Path) -> None:
    """Refuse a table that was not written by the build recorded in the folder's manifest.

    Tables and manifests from before build ids existed (neither has one) pass.
    """
    table_id = _table_build_id(str(path), path.stat().st_mtime)
    manifest = path.parent / "manifest.json"
    manifest_id = (_manifest_build_id(str(manifest), manifest.stat().st_mtime)
                   if manifest.exists() else None)
    if table_id != manifest_id:
        raise DataError(
            f"table written by build {table_id or 'unknown'} but manifest.json records build "
            f"{manifest_id or 'none'}: the last `send-analysis data build` did not finish",
            file=str(path), expected="tables from one complete build; run `send-analysis data "
                                     "build` again")


def load_table(name: str, processed: Path | str | None = None) -> pd.DataFrame:
    """A processed tidy table (a copy, safe to modify). Raises if the build has not run."""
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; tables: {', '.join(TABLES)}")
    folder = Path(processed) if processed is not None else processed_dir()
    path = folder / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run `send-analysis data build` first")
    check_build_id(path)
    return _read(str(path), path.stat().st_mtime).copy()


def _clear_caches() -> None:
    _read.cache_clear()
    _table_build_id.cache_clear()
    _manifest_build_id.cache_clear()


load_table.cache_clear = _clear_caches  # type: ignore[attr-defined]


def load_manifest(processed: Path | str | None = None) -> dict:
    """The manifest written by the last successful build."""
    folder = Path(processed) if processed is not None else processed_dir()
    with open(folder / "manifest.json", encoding="utf-8") as fh:
        return json.load(fh)


def series(table: str | pd.DataFrame, area_code: str, dim_value: str = "total",
           processed: Path | str | None = None) -> pd.Series:
    """One area's values by year for one dimension value (e.g. total plans for LA ``"334"``)."""
    df = load_table(table, processed) if isinstance(table, str) else table
    name = table if isinstance(table, str) else None
    dim = DIMENSION[name] if name else next(c for c in DIMENSION.values() if c in df.columns)
    sub = df[(df["area_code"] == area_code) & (df[dim] == dim_value)]
    if sub.empty:
        raise DataError(f"no rows for area {area_code!r} and {dim} {dim_value!r}",
                        file=f"{name or 'table'}", expected="an area code present in the table")
    return sub.set_index("year")["value"].sort_index()


def total_plans(area_code: str, processed: Path | str | None = None) -> pd.Series:
    """Total EHC plans (statements + plans to 2018) at January, by year, for an area."""
    return series("plans_by_setting", area_code, "total", processed)


SETTING_ORDER = tx.SETTINGS

"""Read and write casework folders; validate with the schema; strip direct identifiers on ingest."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.errors as pae

from send_analysis.casework.schema import IDENTIFIER_COLUMNS, SCHEMAS, TABLES
from send_analysis.errors import DataError

#: Identifier columns that, when no ``person_id`` is given, are hashed into one (in this order).
HASHABLE_IDS: tuple[str, ...] = ("upn", "unique_pupil_number", "uln", "nhs_number")


@dataclass
class Casework:
    """Person-level casework: one DataFrame per table of :mod:`send_analysis.casework.schema`."""

    people: pd.DataFrame
    requests: pd.DataFrame
    plans: pd.DataFrame
    placements: pd.DataFrame
    reviews: pd.DataFrame
    phase_transfers: pd.DataFrame
    source: str = "synthetic"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in TABLES}

    @property
    def end_date(self) -> pd.Timestamp:
        """The latest date the casework knows about (latest event of any kind)."""
        dates = [self.plans["start_date"].max(), self.plans["end_date"].max(),
                 self.requests["request_date"].max(), self.placements["start_date"].max()]
        return max(d for d in dates if pd.notna(d))


def _norm(column: str) -> str:
    return str(column).strip().lower().replace(" ", "_").replace("-", "_")


def pseudonymise(values: pd.Series, salt: str) -> pd.Series:
    """Salted SHA-256 of each value, first 16 hex characters (not reversible without the salt)."""
    return values.astype(str).map(
        lambda v: hashlib.sha256(f"{salt}|{v.strip().upper()}".encode()).hexdigest()[:16])


def strip_identifiers(df: pd.DataFrame, salt: str) -> pd.DataFrame:
    """Drop direct identifiers; if there is no ``person_id``, hash a UPN/ULN/NHS number into one."""
    df = df.rename(columns={c: _norm(c) for c in df.columns})
    if "person_id" not in df.columns:
        for col in HASHABLE_IDS:
            if col in df.columns:
                df["person_id"] = pseudonymise(df[col], salt)
                break
    drop = [c for c in df.columns if c in IDENTIFIER_COLUMNS or c.startswith("address")]
    return df.drop(columns=drop)


def validate(name: str, df: pd.DataFrame, file: str | None = None) -> pd.DataFrame:
    """Coerce and check one table; a :class:`DataError` names the file, column and row."""
    try:
        return SCHEMAS[name].validate(df, lazy=False)
    except pae.SchemaError as exc:
        row = None
        column = getattr(exc, "column_name", None) or None
        cases = getattr(exc, "failure_cases", None)
        if isinstance(cases, pd.DataFrame) and "index" in cases.columns and len(cases):
            idx = cases["index"].iloc[0]
            row = int(idx) + 2 if isinstance(idx, (int,)) or str(idx).isdigit() else idx
        raise DataError(str(exc).splitlines()[0], file=file or name, column=column, row=row,
                        expected=f"the {name} table of send_analysis.casework.schema") from None


def read_casework(directory: str | Path, salt: str | None = None) -> Casework:
    """Read a casework folder (one CSV per table), strip identifiers, validate every table.

    ``salt`` keys the hash used when an input carries UPNs instead of ``person_id``; by default a
    random salt is drawn for this read, so the ids are consistent across the tables read together
    but cannot be linked to another read.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise FileNotFoundError(f"casework folder {folder} does not exist")
    salt = salt if salt is not None else secrets.token_hex(16)
    tables = {}
    for name in TABLES:
        path = folder / f"{name}.csv"
        if not path.exists():
            raise DataError("file missing from the casework folder", file=str(path),
                            expected=f"one CSV per table: {', '.join(TABLES)}")
        df = strip_identifiers(pd.read_csv(path, dtype=str, keep_default_na=True), salt)
        tables[name] = validate(name, df, file=str(path))
    return Casework(**tables, source=str(folder))


def write_casework(casework: Casework, directory: str | Path) -> list[Path]:
    """Write each table as CSV (ISO dates); identifiers are never in a Casework to write."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in casework.tables().items():
        keep = [c for c in df.columns if _norm(c) not in IDENTIFIER_COLUMNS]
        path = folder / f"{name}.csv"
        df[keep].to_csv(path, index=False, date_format="%Y-%m-%d")
        paths.append(path)
    return paths

"""Read and write casework folders; validate with the schema; keep only the schema's columns.

Reading is strict and never guesses (issue 11):

- only the schema's columns are kept (an allow-list); names, addresses and any other column are
  dropped on ingest, and ``person_id`` is replaced by a salted hash (a UPN, ULN or NHS number is
  hashed into one when there is no ``person_id``);
- booleans are read explicitly: True/False, Y/N, Yes/No, 1/0 (any case); anything else is an error;
- dates are ISO (``YYYY-MM-DD``); day-first dates (``DD/MM/YYYY``) only with ``dayfirst=True``;
- an error names the file, the column and the row (the header is row 1) but never echoes a value
  from the file: casework is personal data.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.errors as pae

from send_analysis.casework.schema import IDENTIFIER_COLUMNS, SCHEMAS, TABLES
from send_analysis.errors import DataError

#: Identifier columns that, when no ``person_id`` is given, are hashed into one (in this order).
HASHABLE_IDS: tuple[str, ...] = ("upn", "unique_pupil_number", "uln", "nhs_number")

#: Text read as True / False in a boolean column (compared in lower case, spaces stripped).
TRUE_TEXT: frozenset[str] = frozenset({"true", "y", "yes", "1"})
FALSE_TEXT: frozenset[str] = frozenset({"false", "n", "no", "0"})

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_DAY_FIRST = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


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
    """Salted SHA-256 of each value, first 16 hex characters (not reversible without the salt);
    a missing value stays missing."""
    return values.map(
        lambda v: v if pd.isna(v) else
        hashlib.sha256(f"{salt}|{str(v).strip().upper()}".encode()).hexdigest()[:16])


def strip_identifiers(df: pd.DataFrame, salt: str, table: str = "people",
                      file: str | None = None) -> pd.DataFrame:
    """Keep only ``table``'s schema columns, with ``person_id`` replaced by a salted hash.

    Without a ``person_id`` column, the first of :data:`HASHABLE_IDS` present is hashed into one.
    Every other column (names, addresses, notes, anything not in the schema) is dropped.
    """
    df = df.rename(columns={c: _norm(c) for c in df.columns})
    dup = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dup:
        raise DataError(f"column(s) {dup} appear more than once (names compared in lower case, "
                        "spaces and hyphens as underscores)", file=file or table,
                        expected="each column once")
    if "person_id" in df.columns:
        df["person_id"] = pseudonymise(df["person_id"], salt)
    else:
        for col in HASHABLE_IDS:
            if col in df.columns:
                df["person_id"] = pseudonymise(df[col], salt)
                break
    keep = [c for c in SCHEMAS[table].columns if c in df.columns]
    return df[keep]


def _dtype(table: str, column: str) -> str:
    return str(SCHEMAS[table].columns[column].dtype)


def parse_booleans(values: pd.Series, file: str, column: str) -> pd.Series:
    """True/False, Y/N, Yes/No, 1/0 (any case) as bool; anything else (blank included) is a
    :class:`DataError` naming the file, the column and the first bad row, never the value."""
    text = values.astype("string").str.strip().str.lower()
    true, false = text.isin(TRUE_TEXT), text.isin(FALSE_TEXT)
    bad = ~(true.fillna(False) | false.fillna(False))
    if bad.any():
        raise DataError("not a yes/no value", file=file, column=column,
                        row=_row(bad), expected="True/False, Y/N, Yes/No or 1/0")
    return true.astype(bool)


def parse_dates(values: pd.Series, file: str, column: str, dayfirst: bool = False) -> pd.Series:
    """ISO dates (``YYYY-MM-DD``; a midnight time is allowed) as datetime64; blanks as NaT.

    With ``dayfirst=True``, ``DD/MM/YYYY`` is read too. Nothing else is guessed: a month-first or
    two-digit-year date is an error naming the file, column and row (never the value).
    """
    text = values.astype("string").str.strip()
    blank = text.isna() | (text == "")
    iso = text.str.match(_ISO_DATE).fillna(False)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    out[iso] = pd.to_datetime(text[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    ok = iso & out.notna()
    if dayfirst:
        dmy = ~iso & text.str.match(_DAY_FIRST).fillna(False)
        out[dmy] = pd.to_datetime(text[dmy], format="%d/%m/%Y", errors="coerce")
        ok = ok | (dmy & out.notna())
    bad = ~blank & ~ok
    if bad.any():
        expected = ("an ISO date YYYY-MM-DD or a day-first date DD/MM/YYYY" if dayfirst else
                    "an ISO date YYYY-MM-DD; day-first dates DD/MM/YYYY are read only with the "
                    "day-first option (--dayfirst)")
        raise DataError("not a valid date", file=file, column=column, row=_row(bad),
                        expected=expected)
    return out


def _row(mask: pd.Series) -> int:
    """File row of the first True in ``mask`` (0-based positions; the header is row 1)."""
    return int(mask.to_numpy().nonzero()[0][0]) + 2


def parse_text_columns(name: str, df: pd.DataFrame, file: str, dayfirst: bool = False) -> pd.DataFrame:
    """Read the text of a CSV table into typed columns: dates and booleans explicitly (see
    :func:`parse_dates`, :func:`parse_booleans`); the schema coerces the rest."""
    out = df.copy()
    for column in out.columns:
        dtype = _dtype(name, column)
        if dtype.startswith("datetime64"):
            out[column] = parse_dates(out[column], file, column, dayfirst)
        elif dtype == "bool":
            out[column] = parse_booleans(out[column], file, column)
    return out


def _reason(reason_code: object, check: object) -> str:
    """A sentence for a pandera failure, from the schema only (no data values)."""
    code = getattr(reason_code, "name", str(reason_code or "")).lower()
    check_text = getattr(check, "error", None) or getattr(check, "name", None) or ""
    if "coercion" in code:
        return "a value could not be read as the column's type"
    if "nulls" in code:
        return "a value is missing"
    if "duplicates" in code:
        return "a value is repeated"
    if "column_not_in_dataframe" in code:
        return "column missing"
    if check_text:
        return f"failed the check {check_text}"
    return code.replace("_", " ") or "failed the schema"


def validate(name: str, df: pd.DataFrame, file: str | None = None) -> pd.DataFrame:
    """Coerce and check one table; a :class:`DataError` names the file, column and row.

    Neither pandera's message nor its failure cases are passed on: they hold values from the
    file, which may be personal data. Both eager (``SchemaError``) and lazy (``SchemaErrors``)
    failures are turned into one clean error about the first failure.
    """
    missing = [c for c in SCHEMAS[name].columns if c not in df.columns]
    if missing:
        raise DataError(f"missing column(s) {missing}", file=file or name,
                        expected=f"the columns {list(SCHEMAS[name].columns)}")
    try:
        return SCHEMAS[name].validate(df, lazy=False)
    except (pae.SchemaError, pae.SchemaErrors) as exc:
        if isinstance(exc, pae.SchemaErrors):
            first = exc.schema_errors[0] if getattr(exc, "schema_errors", None) else None
            cases = getattr(exc, "failure_cases", None)
            column = first.column_name if first is not None else None
            if column is None and isinstance(cases, pd.DataFrame) and len(cases):
                column = cases["column"].iloc[0]
            reason, check = (getattr(first, "reason_code", None), getattr(first, "check", None))
        else:
            column = getattr(exc, "column_name", None) or None
            cases = getattr(exc, "failure_cases", None)
            reason, check = exc.reason_code, exc.check
        row = None
        if isinstance(cases, pd.DataFrame) and "index" in cases.columns and len(cases):
            idx = cases["index"].dropna()
            if len(idx) and str(idx.iloc[0]).lstrip("-").isdigit():
                row = int(idx.iloc[0]) + 2
        raise DataError(_reason(reason, check), file=file or name,
                        column=str(column) if column else None, row=row,
                        expected=f"the {name} table of send_analysis.casework.schema") from None


def _read_table(path: Path) -> pd.DataFrame:
    """One casework CSV as text; a file that is not a readable UTF-8 CSV is a DataError naming
    the file (never its content)."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                         encoding="utf-8-sig")   # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text", file=str(path),
                        expected="a CSV saved as UTF-8 (in Excel: Save As, 'CSV UTF-8')") from None
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty", file=str(path),
                        expected="a header row with the table's columns") from None
    except pd.errors.ParserError:
        raise DataError("not a well-formed CSV (rows with different numbers of fields)",
                        file=str(path), expected="one header row and one row per record") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise DataError(f"cannot be read ({type(exc).__name__})", file=str(path),
                        expected="a readable CSV file") from None
    if not isinstance(df.index, pd.RangeIndex):   # pandas made the extra fields an index
        raise DataError("not a well-formed CSV (rows with more fields than the header)",
                        file=str(path), expected="one header row and one row per record")
    return df


def read_casework(directory: str | Path, salt: str | None = None, dayfirst: bool = False) -> Casework:
    """Read a casework folder (one CSV per table): keep the schema's columns, hash ``person_id``,
    read dates and booleans explicitly, validate every table.

    ``salt`` keys the hash of the person key; by default a random salt is drawn for this read,
    so the ids are consistent across the tables read together but cannot be linked to another
    read. ``dayfirst`` also accepts ``DD/MM/YYYY`` dates (ISO dates are always accepted).
    """
    folder = Path(directory)
    if not folder.is_dir():
        if folder.exists():
            raise DataError("is not a folder", file=str(folder),
                            expected=f"a casework folder with one CSV per table: {', '.join(TABLES)}")
        raise FileNotFoundError(f"casework folder {folder} does not exist")
    salt = salt if salt is not None else secrets.token_hex(16)
    tables = {}
    for name in TABLES:
        path = folder / f"{name}.csv"
        if not path.exists():
            raise DataError("file missing from the casework folder", file=str(path),
                            expected=f"one CSV per table: {', '.join(TABLES)}")
        raw = _read_table(path)
        check_duplicates(raw, str(path))
        df = strip_identifiers(raw, salt, name, file=str(path))
        df = parse_text_columns(name, df, str(path), dayfirst)
        tables[name] = validate(name, df, file=str(path))
    for name in REQUIRED_ROWS:
        if tables[name].empty:
            raise DataError("has a header but no rows", file=str(folder / f"{name}.csv"),
                            expected=f"{REQUIRED_ROWS[name]}; casework with none cannot be measured")
    check_event_dates(tables, folder)
    return Casework(**tables, source=str(folder))


#: Tables that must hold at least one row (what each row is).
REQUIRED_ROWS: dict[str, str] = {"people": "one row per child or young person",
                                 "plans": "one row per EHC plan"}

#: Dates of events that have happened: the measurement date is the latest of them
#: (:attr:`Casework.end_date`), so none may lie after the day the casework is read.
EVENT_DATES: dict[str, tuple[str, ...]] = {"plans": ("start_date",),
                                           "requests": ("request_date",),
                                           "placements": ("start_date",)}


def check_duplicates(raw: pd.DataFrame, file: str) -> None:
    """A row given twice (every column equal) is an error naming both rows: counted twice it
    would double a measure (an overdue review, a transfer)."""
    dup = raw.duplicated(keep=False)
    if dup.any():
        rows = [int(i) + 2 for i in raw.index[dup]]  # file lines: the header is line 1
        first = raw.index[dup][0]
        same = [r for r, i in zip(rows, raw.index[dup], strict=True)
                if raw.loc[i].equals(raw.loc[first])]
        raise DataError(f"rows {same[0]} and {same[1]} are the same record given twice "
                        f"({int(dup.sum())} duplicated rows in all)", file=file,
                        expected="each record once; remove the repeated rows")


def check_event_dates(tables: dict[str, pd.DataFrame], folder: Path,
                      today: pd.Timestamp | None = None) -> None:
    """No event date after ``today`` (default: the day of the run): a typing slip such as
    2099 would otherwise become the date every measure is taken at."""
    today = pd.Timestamp(today if today is not None else pd.Timestamp.now().normalize())
    for name, columns in EVENT_DATES.items():
        df = tables[name]
        for col in columns:
            late = df[col] > today
            if late.any():
                i = df.index[late][0]
                raise DataError(f"{df.loc[i, col]:%Y-%m-%d} is after today ({today:%Y-%m-%d})",
                                file=str(folder / f"{name}.csv"), column=col, row=int(i) + 2,
                                expected="dates of events that have happened")


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

"""Read the processed tidy tables that ``send-analysis data build`` wrote (see
:mod:`send_analysis.data.build`, the only module that writes them).

:class:`Tables` is the one way to hand a function its data (issue 14, decision 0085): an object
that knows its folder and reads each table once, when first asked. Every function that needs the
processed data takes ``tables: Tables | None = None`` and uses :meth:`Tables.default` (the folder
of :func:`send_analysis.paths.processed_dir`) when given none; a notebook makes one from its
``processed_dir`` parameter with :func:`send_analysis.report.notebook_setup` and passes it on.

A table is refused when its build id (in its Parquet metadata) is not the one ``manifest.json``
records, so tables of an interrupted build are never mixed with a finished one.
:func:`load_table` and :func:`load_manifest` are the old functional path, kept for the modules that
do not take a :class:`Tables` yet (each returns a copy, as before).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
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


def damaged(path: str | Path) -> DataError:
    """The error for a processed file that cannot be read (cut short by a full disk or an
    interrupted copy, or edited): names the file and the command that rebuilds it."""
    return DataError("cannot be read: the file is truncated or damaged; rebuild the tables with "
                     "`send-analysis data build`", file=str(path))


#: What reading a damaged Parquet or JSON file raises.
_UNREADABLE = (pa.ArrowException, OSError, ValueError, UnicodeDecodeError)


@lru_cache(maxsize=32)
def _read(path: str, mtime: float) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except _UNREADABLE:
        raise damaged(path) from None


@lru_cache(maxsize=64)
def _table_build_id(path: str, mtime: float) -> str | None:
    try:
        value = (pq.read_schema(path).metadata or {}).get(BUILD_ID_KEY)
    except _UNREADABLE:
        raise damaged(path) from None
    return value.decode() if value else None


def _read_json(path: str | Path) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except FileNotFoundError:
        raise
    except _UNREADABLE:  # json.JSONDecodeError is a ValueError
        raise damaged(path) from None
    if not isinstance(doc, dict):
        raise damaged(path)
    return doc


@lru_cache(maxsize=8)
def _manifest_build_id(path: str, mtime: float) -> str | None:
    return _read_json(path).get("build_id")


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


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    """The table ``name`` of ``folder`` as read (shared: do not modify). Raises if the build has
    not run or did not finish."""
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; tables: {', '.join(TABLES)}")
    path = folder / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run `send-analysis data build` first")
    check_build_id(path)
    return _read(str(path), path.stat().st_mtime)


class Tables:
    """The processed tables of one folder, each read once (lazily) and kept for this object.

    ``Tables()`` or :meth:`Tables.default` reads ``paths.processed_dir()``; ``Tables(folder=F)``
    or :meth:`Tables.at` another folder. ``frames`` stand in for tables by name (tests pass small
    frames; any name may be given, e.g. ``population_0_25``); results computed from given frames
    are never shared between callers (:attr:`given_frames`).

    :meth:`get` returns the frame itself, the same object to every caller: **do not modify it**
    (take ``.copy()`` first). Reads are also shared between objects of the same folder, per file
    version (path and modification time), so making a ``Tables`` costs nothing.

    >>> t = Tables({"plans_by_setting": pd.DataFrame({"a": [1]})})
    >>> list(t.get("plans_by_setting").columns), t.has("plans_by_setting")
    (['a'], True)
    """

    def __init__(self, frames: Mapping[str, pd.DataFrame] | None = None,
                 folder: Path | str | None = None) -> None:
        self.folder: Path = Path(folder) if folder is not None else processed_dir()
        self._frames: dict[str, pd.DataFrame] = dict(frames or {})
        #: Frames of the caller's own were given: results computed from them are not shared.
        self.given_frames: bool = bool(frames)
        #: Results computed from these tables, by key (e.g. a benchmark indicator and year).
        self.memo: dict[Any, Any] = {}
        #: Given frames stand alone (tests), unless this is an overlay on the folder's tables.
        self._alone: bool = bool(frames)
        #: An overlay's identity (its folder and the content of its frames), for caches.
        self.overlay_key: str | None = None

    @property
    def stands_alone(self) -> bool:
        """Whether only the given frames are to be had (a hand-made set of tables; not an
        overlay, which reads every other table from the folder)."""
        return self._alone

    def overlay(self, frames: Mapping[str, pd.DataFrame], key: str) -> Tables:
        """These tables with ``frames`` in place of the tables of those names (e.g. an LA's own
        January census rows added to ``plans_by_setting``); every other table is read from the
        folder as usual. Results computed from an overlay are not shared with the folder's
        (:attr:`given_frames` is true); ``key`` names its content, for caches of its own."""
        out = Tables({**{k: v for k, v in self._frames.items() if self.given_frames}, **frames},
                     folder=self.folder)
        out._alone = self._alone
        out.overlay_key = f"{self.folder}|{key}"
        return out

    @classmethod
    def default(cls) -> Tables:
        """The tables of :func:`send_analysis.paths.processed_dir` (``SEND_DATA_PROCESSED``, else
        ``data/processed``)."""
        return cls()

    @classmethod
    def at(cls, folder: Path | str | None) -> Tables:
        """The tables of ``folder`` (``None`` or ``""``: :meth:`default`)."""
        return cls(folder=folder or None)

    def get(self, name: str) -> pd.DataFrame:
        """The table ``name`` (read on first use; shared, do not modify)."""
        if name not in self._frames:
            self._frames[name] = _read_table(self.folder, name)
        return self._frames[name]

    def find(self, name: str) -> pd.DataFrame | None:
        """The table ``name``, or ``None`` when it is not to be had: with given frames, only
        they are looked at (a hand-made set of tables stands alone); otherwise the folder's table,
        ``None`` when it is not built."""
        if name in self._frames:
            return self._frames[name]
        if self._alone:
            return None
        try:
            return self.get(name)
        except (FileNotFoundError, KeyError):
            return None

    def derived(self, name: str, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """A table that is not in the folder (e.g. the 0-25 population, read from the raw files):
        the given frame of that name, else ``compute()``, called once."""
        if name not in self._frames:
            self._frames[name] = compute()
        return self._frames[name]

    def has(self, name: str) -> bool:
        """Whether ``name`` is given or built (readable) in the folder."""
        try:
            self.get(name)
        except (FileNotFoundError, KeyError):
            return False
        return True

    def manifest(self) -> dict:
        """The folder's ``manifest.json`` (written by the last successful build)."""
        return load_manifest(self.folder)

    def __repr__(self) -> str:
        given = f", frames {sorted(self._frames)}" if self.given_frames else ""
        return f"Tables({str(self.folder)!r}{given})"


def load_table(name: str, processed: Path | str | None = None) -> pd.DataFrame:
    """A processed tidy table (a copy, safe to modify). Raises if the build has not run.

    Compatibility path for modules that do not take a :class:`Tables` yet: prefer
    ``Tables.at(processed).get(name)`` (no copy)."""
    folder = Path(processed) if processed is not None else processed_dir()
    return _read_table(folder, name).copy()


def _clear_caches() -> None:
    _read.cache_clear()
    _table_build_id.cache_clear()
    _manifest_build_id.cache_clear()


load_table.cache_clear = _clear_caches  # type: ignore[attr-defined]


def load_manifest(processed: Path | str | None = None) -> dict:
    """The manifest written by the last successful build."""
    folder = Path(processed) if processed is not None else processed_dir()
    return _read_json(folder / "manifest.json")


def series(table: str | pd.DataFrame, area_code: str, dim_value: str = "total",
           tables: Tables | None = None) -> pd.Series:
    """One area's values by year for one dimension value (e.g. total plans for LA ``"334"``);
    ``table`` is a table's name (read from ``tables``) or a frame."""
    df = (tables or Tables.default()).get(table) if isinstance(table, str) else table
    name = table if isinstance(table, str) else None
    dim = DIMENSION[name] if name else next(c for c in DIMENSION.values() if c in df.columns)
    sub = df[(df["area_code"] == area_code) & (df[dim] == dim_value)]
    if sub.empty:
        raise DataError(f"no rows for area {area_code!r} and {dim} {dim_value!r}",
                        file=f"{name or 'table'}", expected="an area code present in the table")
    return sub.set_index("year")["value"].sort_index()


def total_plans(area_code: str, tables: Tables | None = None) -> pd.Series:
    """Total EHC plans (statements + plans to 2018) at January, by year, for an area."""
    return series("plans_by_setting", area_code, "total", tables)


SETTING_ORDER = tx.SETTINGS

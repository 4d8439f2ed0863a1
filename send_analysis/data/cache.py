"""Parquet caches of slow parses of raw files, keyed by the files' sha256.

Every evidence-pack page runs in its own kernel, so an in-memory cache does not carry from one
page to the next: without a disk cache each page parsed the same ESFA and ONS workbooks again
(8-18 s a page). A cache file sits under ``data/processed/<folder>/`` (outputs are disposable)
and is named by the sources' sha256 and a version string, so a new release of a file - or a
reader change that bumps the version - builds a new one; nothing is ever read stale.

Which processed folder holds the caches: the ``processed`` argument when a caller has a
:class:`~send_analysis.data.tables.Tables` (its ``folder``), else the folder set for the process
with :func:`use_folder` (a page's set-up, :func:`send_analysis.report.notebook_setup`, and the
pack's and batch's runs set their tables' folder), else :func:`send_analysis.paths.processed_dir`. A cache's content depends on the
raw files only; its folder is where it is kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from send_analysis.atomic import atomic_path
from send_analysis.data.sources import sha256_file
from send_analysis.paths import processed_dir, raw_path

_root: Path | None = None  # the processed folder set for this process (None: processed_dir())


def use_folder(folder: Path | str | None) -> None:
    """Keep this process's parse caches under the processed folder ``folder`` (``None``: back to
    :func:`send_analysis.paths.processed_dir`)."""
    global _root
    _root = Path(folder) if folder else None


@contextmanager
def folder_for(folder: Path | str | None) -> Iterator[None]:
    """:func:`use_folder` inside the block only (a pack or batch run in a caller's process)."""
    global _root
    before = _root
    use_folder(folder)
    try:
        yield
    finally:
        _root = before


def cache_root(processed: Path | str | None = None) -> Path:
    """The processed folder the caches are kept in: ``processed``, else the folder of
    :func:`use_folder`, else :func:`send_analysis.paths.processed_dir`."""
    if processed:
        return Path(processed)
    return _root if _root is not None else processed_dir()


def cache_path(folder: str, name: str, sources: Sequence[str], version: str = "1",
               processed: Path | str | None = None) -> Path:
    """The cache file for ``name`` built from the raw files ``sources`` (source ids), under
    ``<processed>/<folder>/`` (:func:`cache_root`)."""
    digest = hashlib.sha256(version.encode())
    for s in sources:
        digest.update(sha256_file(raw_path(s)).encode())
    return cache_root(processed) / folder / f"{name}_{digest.hexdigest()[:16]}.parquet"


def write_cache(df: pd.DataFrame, path: Path) -> None:
    """Write a cache atomically under a unique temporary name (pages running side by side may
    write the same one); a read-only processed folder only costs speed, never an error."""
    try:
        with atomic_path(path) as tmp:
            df.to_parquet(tmp, index=False)
    except OSError:
        pass


def parquet_cached(folder: str, name: str, sources: Sequence[str],
                   build: Callable[[], pd.DataFrame], version: str = "1",
                   processed: Path | str | None = None) -> pd.DataFrame:
    """``build()``'s frame, read from its cache when the sources are unchanged, else built,
    cached and returned. ``build`` does all the checking: a failed build caches nothing.
    ``processed``: the processed folder to keep it in (:func:`cache_root`)."""
    path = cache_path(folder, name, sources, version, processed)
    if path.exists():
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError):  # a cache cut short (full disk, interrupted copy): rebuilt
            pass
    df = build()
    write_cache(df, path)
    return df

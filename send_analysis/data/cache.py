"""Parquet caches of slow parses of raw files, keyed by the files' sha256.

Every evidence-pack page runs in its own kernel, so an in-memory cache does not carry from one
page to the next: without a disk cache each page parsed the same ESFA and ONS workbooks again
(8-18 s a page). A cache file sits under ``data/processed/<folder>/`` (outputs are disposable)
and is named by the sources' sha256 and a version string, so a new release of a file - or a
reader change that bumps the version - builds a new one; nothing is ever read stale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from send_analysis.atomic import atomic_path
from send_analysis.data.sources import sha256_file
from send_analysis.paths import processed_dir, raw_path


def cache_path(folder: str, name: str, sources: Sequence[str], version: str = "1") -> Path:
    """The cache file for ``name`` built from the raw files ``sources`` (source ids)."""
    digest = hashlib.sha256(version.encode())
    for s in sources:
        digest.update(sha256_file(raw_path(s)).encode())
    return processed_dir() / folder / f"{name}_{digest.hexdigest()[:16]}.parquet"


def write_cache(df: pd.DataFrame, path: Path) -> None:
    """Write a cache atomically under a unique temporary name (pages running side by side may
    write the same one); a read-only processed folder only costs speed, never an error."""
    try:
        with atomic_path(path) as tmp:
            df.to_parquet(tmp, index=False)
    except OSError:
        pass


def parquet_cached(folder: str, name: str, sources: Sequence[str],
                   build: Callable[[], pd.DataFrame], version: str = "1") -> pd.DataFrame:
    """``build()``'s frame, read from its cache when the sources are unchanged, else built,
    cached and returned. ``build`` does all the checking: a failed build caches nothing."""
    path = cache_path(folder, name, sources, version)
    if path.exists():
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError):  # a cache cut short (full disk, interrupted copy): rebuilt
            pass
    df = build()
    write_cache(df, path)
    return df

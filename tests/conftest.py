"""Shared fixtures.

Tests marked ``realdata`` read the official DfE files through the project's own fetch path: the
first such test stages every source from the mirror (``SEND_DATA_MIRROR`` or ``../shared/data/raw``)
into ``data/raw`` and builds ``data/processed`` once per session, unless they are already current.
Without a mirror or staged files those tests are skipped with the reason.
"""

from __future__ import annotations

import json

import pytest

from send_analysis.data.sources import load_registry, sha256_file
from send_analysis.paths import default_mirror, processed_dir, raw_dir


def _raw_complete() -> bool:
    for s in load_registry().values():
        path = raw_dir() / s.id
        if not path.exists():
            return False
    return True


def _processed_current() -> bool:
    manifest = processed_dir() / "manifest.json"
    if not manifest.exists():
        return False
    doc = json.loads(manifest.read_text())
    for src in doc.get("sources", []):
        path = raw_dir() / src["id"]
        if not path.exists() or sha256_file(path) != src["sha256"]:
            return False
    from send_analysis.data.tables import TABLES

    return all((processed_dir() / f"{t}.parquet").exists() for t in TABLES)


@pytest.fixture(scope="session")
def real_data() -> None:
    """Stage the official files and build the tidy tables once per session."""
    if not _raw_complete():
        mirror = default_mirror()
        if mirror is None:
            pytest.skip("no mirror of the official files (set SEND_DATA_MIRROR or place "
                        "../shared/data/raw beside the project)")
        from send_analysis.data.fetch import fetch_all

        fetch_all(mirror=mirror, download=False)
    if not _processed_current():
        from send_analysis.data.build import build_tables

        build_tables()


@pytest.fixture(autouse=True)
def _real_data_for_marked(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("realdata") is not None:
        request.getfixturevalue("real_data")

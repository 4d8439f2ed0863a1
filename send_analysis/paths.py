"""Where the project's data and outputs live.

Every location can be moved with an environment variable so that tests, CI and batch runs
can point the package elsewhere without editing code:

- ``SEND_PROJECT_ROOT``: the project folder (default: the folder holding ``pyproject.toml``
  above this package, else the current directory);
- ``SEND_DATA_RAW``: staged official files (default ``<root>/data/raw``);
- ``SEND_DATA_PROCESSED``: derived Parquet tables (default ``<root>/data/processed``);
- ``SEND_REPORTS``: rendered evidence packs (default ``<root>/reports``);
- ``SEND_DATA_MIRROR``: a local mirror of the official files, laid out like ``data/raw``.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The project folder: ``SEND_PROJECT_ROOT``, else the source checkout, else the cwd."""
    env = os.environ.get("SEND_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    candidate = PACKAGE_DIR.parent
    if (candidate / "pyproject.toml").exists():
        return candidate
    return Path.cwd()


def raw_dir() -> Path:
    """Folder of staged (fetched, checksum-verified) official files."""
    return Path(os.environ.get("SEND_DATA_RAW", project_root() / "data" / "raw"))


def processed_dir() -> Path:
    """Folder of derived Parquet tables written by ``send-analysis data build``."""
    return Path(os.environ.get("SEND_DATA_PROCESSED", project_root() / "data" / "processed"))


def reports_dir() -> Path:
    """Folder of rendered evidence packs."""
    return Path(os.environ.get("SEND_REPORTS", project_root() / "reports"))


def default_mirror() -> Path | None:
    """The mirror folder: ``SEND_DATA_MIRROR``, else ``../shared/data/raw`` beside the project."""
    env = os.environ.get("SEND_DATA_MIRROR")
    if env:
        return Path(env)
    sibling = project_root().parent / "shared" / "data" / "raw"
    return sibling if sibling.is_dir() else None


def raw_path(source_id: str) -> Path:
    """Path of a staged source file, e.g. ``raw_path("ehcp/education-health-and-care-plans_2025.zip")``.

    Raises :class:`FileNotFoundError` naming the fetch command when the file is not staged.
    """
    path = raw_dir() / source_id
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is not staged; run `send-analysis data fetch` (with --mirror DIR or "
            "SEND_DATA_MIRROR set to a mirror of the official files)"
        )
    return path

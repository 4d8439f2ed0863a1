"""Where the project's data and outputs live.

Every location can be moved with an environment variable so that tests, CI and batch runs
can point the package elsewhere without editing code:

- ``SEND_PROJECT_ROOT``: the project folder (default: the folder holding ``pyproject.toml``
  above this package, else the current directory);
- ``SEND_DATA_RAW``: staged official files (default ``<root>/data/raw``);
- ``SEND_DATA_PROCESSED``: derived Parquet tables (default ``<root>/data/processed``): the
  user's override of the default folder; no code sets it (a page passes its own folder through a
  :class:`~send_analysis.data.tables.Tables`, decision 0085);
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

    Raises :class:`FileNotFoundError` naming the fetch command when the file is not staged, and
    :class:`~send_analysis.errors.ChecksumError` when a file of the source registry
    (``sources.yaml``) no longer has its registered sha256 (e.g. a workbook edited and saved):
    no reader uses a file the registry does not vouch for.
    """
    path = raw_dir() / source_id
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is not staged; run `send-analysis data fetch` (with --mirror DIR or "
            "SEND_DATA_MIRROR set to a mirror of the official files)"
        )
    _verify_registered(path, source_id)
    return path


_VERIFIED: dict[tuple[str, int, int], str] = {}
#: Tests that write hand-made files under registered names switch the check off (monkeypatch).
VERIFY_REGISTERED: bool = True


def _verify_registered(path: Path, source_id: str) -> None:
    """Check a registered source's sha256 once per file version (path, size, mtime)."""
    from send_analysis.data.sources import load_registry, sha256_file
    from send_analysis.errors import ChecksumError

    source = load_registry().get(source_id)
    if not VERIFY_REGISTERED or source is None or not path.is_file():
        return
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _VERIFIED:
        _VERIFIED[key] = sha256_file(path)
    if _VERIFIED[key] != source.sha256:
        raise ChecksumError("staged file does not match the source registry (sources.yaml); "
                            "stage it again with `send-analysis data fetch`", file=str(path),
                            expected=f"sha256 {source.sha256}, found {_VERIFIED[key]}")

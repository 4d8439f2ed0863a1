"""Stage official files into ``data/raw`` from a mirror folder or by download.

Every file is written to a temporary name beside its destination, its sha256 checked against
the registry, and only then renamed into place, so ``data/raw`` never holds a partial or
unverified file. A file already staged with the right checksum is left alone.
"""

from __future__ import annotations

import shutil
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from send_analysis.atomic import atomic_path
from send_analysis.data.sources import Source, load_registry, sha256_file
from send_analysis.errors import ChecksumError
from send_analysis.paths import default_mirror, raw_dir


@dataclass(frozen=True)
class FetchResult:
    source_id: str
    path: Path
    how: str  # "present", "mirror" or "download"


def _verify(tmp: Path, source: Source, origin: str) -> None:
    actual = sha256_file(tmp)
    if actual != source.sha256:
        raise ChecksumError(
            f"checksum mismatch for {source.id} fetched from {origin}: got sha256 {actual}",
            file=str(origin),
            expected=f"sha256 {source.sha256} as in the source registry",
        )


def fetch_one(
    source: Source,
    dest_dir: Path | None = None,
    mirror: Path | None = None,
    download: bool = True,
    timeout: float = 60.0,
) -> FetchResult:
    """Stage one source: keep a verified copy, else copy from ``mirror``, else download."""
    dest_dir = Path(dest_dir) if dest_dir is not None else raw_dir()
    dest = dest_dir / source.id
    if dest.exists() and sha256_file(dest) == source.sha256:
        return FetchResult(source.id, dest, "present")
    in_mirror = Path(mirror) / (source.mirror_path or source.id) if mirror is not None else None
    if in_mirror is not None and in_mirror.exists():
        origin = in_mirror
        with atomic_path(dest) as tmp:
            shutil.copyfile(origin, tmp)
            _verify(tmp, source, str(origin))
        return FetchResult(source.id, dest, "mirror")
    if not download:
        raise FileNotFoundError(
            f"{source.id} is not in the mirror {mirror} and downloads are off"
        )
    with atomic_path(dest) as tmp:
        with urllib.request.urlopen(source.url, timeout=timeout) as resp, open(tmp, "wb") as out:
            shutil.copyfileobj(resp, out)
        _verify(tmp, source, source.url)
    return FetchResult(source.id, dest, "download")


def fetch_all(
    dest_dir: Path | None = None,
    mirror: Path | None = None,
    download: bool = True,
    only: Iterable[str] | None = None,
    progress: bool = False,
) -> list[FetchResult]:
    """Stage every registered source (or those whose id starts with one of ``only``)."""
    if mirror is None:
        mirror = default_mirror()
    sources = list(load_registry().values())
    if only:
        prefixes = tuple(only)
        sources = [s for s in sources if s.id.startswith(prefixes)]
    iterator = sources
    if progress:
        from tqdm import tqdm

        iterator = tqdm(sources, desc="fetch", unit="file")
    return [fetch_one(s, dest_dir, mirror, download) for s in iterator]

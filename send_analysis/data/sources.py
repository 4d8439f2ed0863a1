"""The registry of official source files (``sources.yaml``) and checksum helpers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

#: Beside this module (``send_analysis/data/sources.yaml``). Not taken from ``paths``, which
#: imports this module to check staged files: the layers stay one-way.
REGISTRY_PATH = Path(__file__).resolve().parent / "sources.yaml"


@dataclass(frozen=True)
class Source:
    """One official file: where it is published, where to download it and its checksum."""

    id: str
    dataset: str
    publisher: str
    page: str
    url: str
    sha256: str
    #: Where the file sits relative to the mirror's root when not at ``id`` (a reference extract
    #: kept beside the mirror, e.g. ``../../reference/dsg-balances-2023-24.csv``); None: at ``id``.
    mirror_path: str | None = None
    #: What the registered file is when it is not the published file itself (a third party's
    #: extract of an official figure): named on every page that uses it.
    extract_of: str | None = None

    @property
    def filename(self) -> str:
        return self.id.split("/", 1)[1]


@lru_cache(maxsize=4)
def load_registry(path: Path = REGISTRY_PATH) -> dict[str, Source]:
    """Read the registry into ``{id: Source}``."""
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    return {s["id"]: Source(**s) for s in doc["sources"]}


def get_source(source_id: str) -> Source:
    """The registry entry for ``source_id``; a clear KeyError names the known ids otherwise."""
    registry = load_registry()
    try:
        return registry[source_id]
    except KeyError:
        raise KeyError(
            f"unknown source {source_id!r}; known sources: {', '.join(sorted(registry))}"
        ) from None


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()

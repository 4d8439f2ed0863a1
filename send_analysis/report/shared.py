"""National results shared by every LA's pack: computed once, kept on disk, read by every page.

Some page computations do not depend on the LA: the rolling-origin backtest over every LA (its
calibration errors give every forecast its intervals), and each benchmark indicator for every
area. Without sharing, every page of every LA recomputed them (about 3 CPU-seconds of the
demand page, most of the benchmarking page). A function marked :func:`national` is computed
once and its result pickled under ``<processed>/shared/``, named by a sha256 of

- the function's name and the package version,
- a digest of the package's source files (a code change never reads a stale result),
- the sha256 of every official file in the processed data's ``manifest.json``,
- the call's arguments (pickled), as chosen by the function's key rule.

Sharing is off unless :func:`enable` was called: the pack's set-up helper
(:func:`send_analysis.report.notebook_setup`) and the warm worker's kernel do; library users and
unit tests get plain calls. Pages running side by side (two workers) wait on a file lock, so
the first computes and the others read: once per batch and machine. Every read unpickles a fresh
object, so a caller that modifies its result cannot affect the next caller. Delete the folder to
clear it (it is disposable, like the parse caches).

:func:`per_la` is the same idea for a result of one LA that several pages use (the synthetic
casework behind the cohort and statutory pages): kept in memory only, for the last few LAs, so a
warm worker running an LA's pages one after another builds it once.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import pickle
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from send_analysis import __version__
from send_analysis.atomic import atomic_path
from send_analysis.paths import PACKAGE_DIR, processed_dir

F = TypeVar("F", bound=Callable[..., Any])

_enabled = False
_folder: Path | None = None  # the processed tables' folder the pages read (None: the default)
_memory: dict[str, bytes] = {}
_per_la: OrderedDict[str, bytes] = OrderedDict()
PER_LA_KEEP = 6  # per-LA results kept in memory (three names, two LAs)
_MEMORY_LIMIT = 64 * 2**20  # bytes of pickles also kept in memory per process


def enable(on: bool = True, folder: Path | str | None = None) -> None:
    """Turn sharing on (or off) for this process; ``folder``: the processed tables' folder whose
    manifest keys the results and beside which they are kept (default
    :func:`send_analysis.paths.processed_dir`)."""
    global _enabled, _folder
    _enabled = on
    _folder = Path(folder) if folder else None


def folder() -> Path:
    """The processed tables' folder sharing is keyed on (see :func:`enable`)."""
    return _folder if _folder is not None else processed_dir()


def enabled() -> bool:
    return _enabled


@functools.lru_cache(maxsize=1)
def source_digest() -> str:
    """sha256 over the package's Python sources (path and content), computed once a process."""
    h = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        h.update(str(path.relative_to(PACKAGE_DIR)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def data_digest(processed: Path | None = None) -> str:
    """sha256 over the official files' sha256 listed in the processed data's manifest."""
    path = (processed or folder()) / "manifest.json"
    return _data_digest(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _data_digest(path: str, mtime_ns: int) -> str:
    manifest = json.loads(Path(path).read_text())
    h = hashlib.sha256()
    for s in sorted(manifest.get("sources", []), key=lambda s: s["id"]):
        h.update(f"{s['id']}={s['sha256']}\n".encode())
    return h.hexdigest()


def cache_file(name: str, key: Any, processed: Path | None = None) -> Path:
    """Where the shared result of ``name`` for ``key`` (any picklable value) is kept."""
    processed = processed or folder()
    h = hashlib.sha256(f"{name}\n{source_digest()}\n{data_digest(processed)}\n".encode())
    h.update(pickle.dumps(key, protocol=5))
    return processed / "shared" / f"{name}_{h.hexdigest()[:24]}.pkl"


def shared_call(name: str, key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``'s result, shared through the cache file for (``name``, ``key``)."""
    try:
        path = cache_file(name, key)
    except FileNotFoundError:  # no manifest (tables not built here): nothing to key on
        return compute()
    blob = _memory.get(str(path))
    if blob is None:
        blob = _read_or_build(path, compute)
        if blob is None:  # the folder is read-only: compute, unshared
            return compute()
        if sum(map(len, _memory.values())) + len(blob) <= _MEMORY_LIMIT:
            _memory[str(path)] = blob
    return pickle.loads(blob)


def _read_or_build(path: Path, compute: Callable[[], Any]) -> bytes | None:
    if path.exists():
        return path.read_bytes()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path.with_suffix(".lock"), "a")  # noqa: SIM115 - held for the block below
    except OSError:
        return None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be computing it: wait, then read
        if path.exists():
            return path.read_bytes()
        blob = pickle.dumps(compute(), protocol=5)
        try:
            with atomic_path(path) as tmp:
                tmp.write_bytes(blob)
        except OSError:
            pass
        return blob


def national(name: str, key: Callable[..., Any] | None = None) -> Callable[[F], F]:
    """Mark a function whose result is the same for every LA (see the module docstring).

    ``key(*args, **kwargs)`` gives the picklable value that identifies a call (default: the
    arguments themselves), or ``None`` when this call must not be shared (for example, it was
    given frames of its own)."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            if not _enabled:
                return fn(*args, **kwargs)
            k = key(*args, **kwargs) if key is not None else (args, sorted(kwargs.items()))
            if k is None:
                return fn(*args, **kwargs)
            return shared_call(name, k, lambda: fn(*args, **kwargs))

        inner.__wrapped_national__ = fn  # type: ignore[attr-defined]
        return inner  # type: ignore[return-value]

    return wrap


def per_la(name: str, key: Callable[..., Any]) -> Callable[[F], F]:
    """Mark a function whose result, for one LA, several pages use (see the module docstring).

    ``key(*args, **kwargs)`` identifies the call (it must include the LA), or is ``None`` for a
    call that must not be reused (for example, one reading a casework extract that may change).
    Kept in memory as pickles for the last :data:`PER_LA_KEEP` keys; every call gets a fresh copy.
    """

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            k = key(*args, **kwargs) if _enabled else None
            if k is None:
                return fn(*args, **kwargs)
            try:
                h = hashlib.sha256(f"{name}\n{data_digest()}\n".encode())
            except FileNotFoundError:  # no manifest: nothing to key on
                return fn(*args, **kwargs)
            h.update(pickle.dumps(k, protocol=5))
            digest = h.hexdigest()
            blob = _per_la.get(digest)
            if blob is None:
                blob = pickle.dumps(fn(*args, **kwargs), protocol=5)
                _per_la[digest] = blob
                while len(_per_la) > PER_LA_KEEP:
                    _per_la.popitem(last=False)
            else:
                _per_la.move_to_end(digest)
            return pickle.loads(blob)

        inner.__wrapped_per_la__ = fn  # type: ignore[attr-defined]
        return inner  # type: ignore[return-value]

    return wrap

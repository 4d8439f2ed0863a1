"""Kernel-side half of a warm worker: import once, then give every page a clean start.

A warm worker (:mod:`send_analysis.report.batch`) keeps one Jupyter kernel and runs many pages
and many LAs in it. This module runs *inside* that kernel:

- :func:`prime` imports the heavy libraries and the package once (the ~4 CPU-seconds a fresh
  kernel pays per page) and records the process state a fresh kernel would have
  (:func:`capture`);
- :func:`clean` runs before every page: it empties the user namespace (IPython's reset, with the
  execution counter back at 1), closes figures and puts back matplotlib's rcParams, pandas'
  options, environment variables, the working folder, ``sys.path`` and warning filters as
  captured, so a page cannot see what an earlier page (or LA) left behind.

Garbage collection: a warm kernel holds every imported module and the memoised inputs, well
over a million objects that Python's cyclic collector would scan at every full collection
(IPython's reset runs one per page: about 0.2 CPU-seconds each, and more inside the pages).
:func:`prime` and :func:`clean` therefore *freeze* what is alive once a page's namespace is gone
(:func:`gc.freeze`: those objects are skipped by later collections, never freed early); every
:data:`THAW_EVERY` cleans they are thawed and collected once, so cyclic garbage left by an
evicted cache is still reclaimed within a few LAs.

What deliberately survives is the package's memoised *inputs* (``functools.lru_cache`` on table
and workbook readers keyed by their arguments): they are the same for every LA, and reusing them
is the point of a warm worker. Their results must not be mutated by callers; the batch test
(``tests/test_batch.py``) runs LA A then LA B in one kernel and checks B's pages are identical to
B run alone.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from typing import Any

#: Modules every page imports; importing them once per worker is what makes it warm.
PRIME_MODULES = (
    "pandas", "numpy", "scipy.stats", "statsmodels.api", "matplotlib.pyplot", "seaborn",
    "IPython.display", "send_analysis.report", "send_analysis.plots", "send_analysis.overview",
    "send_analysis.data.tables", "send_analysis.data.quality", "send_analysis.demand",
    "send_analysis.demand.backtest", "send_analysis.demand.report", "send_analysis.finance.model",
    "send_analysis.finance.scenarios", "send_analysis.finance.sensitivity",
    "send_analysis.finance.invest_to_save", "send_analysis.benchmark.compare",
    "send_analysis.benchmark.claims", "send_analysis.cohort.pipeline",
    "send_analysis.casework.performance",
)

_captured: dict[str, Any] | None = None

#: Cleans between full collections of the frozen objects (about ten pages make one LA's pack).
THAW_EVERY = 30
_cleans = 0


def prime(modules: tuple[str, ...] = PRIME_MODULES) -> list[str]:
    """Import ``modules`` (skipping any that a trimmed install lacks) and capture the state.

    Returns the modules that could not be imported, for the worker's log."""
    from send_analysis.report import shared

    shared.enable()  # national results computed once per batch (pages that skip notebook_setup too)
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    _activate_matplotlib()
    capture()
    _freeze(thaw=True)
    return missing


def _freeze(thaw: bool) -> None:
    """Collect (after thawing the frozen objects when ``thaw``), then freeze what is alive."""
    import gc

    if thaw:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


def _activate_matplotlib() -> None:
    """Load the inline backend now, as a fresh kernel does at a page's first figure: matplotlib
    resolves its backend lazily, and the backend's set-up (IPython's interactive mode, which
    makes a figure left open at the end of a cell show) must be part of the captured state."""
    import matplotlib.pyplot as plt

    plt.figure()
    plt.close("all")


def capture() -> None:
    """Record the process state that :func:`clean` restores before every page."""
    global _captured
    import matplotlib as mpl

    _captured = {
        "rc": dict(mpl.rcParams),
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
        "path": list(sys.path),
        "filters": list(warnings.filters),
    }


def clean() -> None:
    """Make the kernel look freshly started to the next page (see the module docstring)."""
    if _captured is None:
        raise RuntimeError("kernel_state.clean() before prime(): the worker did not prime its kernel")
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    import pandas as pd

    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mpl.rcParams.clear()
        mpl.rcParams.update(_captured["rc"])
        pd.reset_option("all")
    os.environ.clear()
    os.environ.update(_captured["environ"])
    os.chdir(_captured["cwd"])
    sys.path[:] = _captured["path"]
    warnings.resetwarnings()  # also invalidates the per-module "already warned" registries
    warnings.filters[:] = _captured["filters"]
    global _cleans
    shell = _shell()
    if shell is not None:
        shell.reset(new_session=True)  # user namespace, In/Out history, execution count 1
    _cleans += 1
    _freeze(thaw=_cleans % THAW_EVERY == 0)


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - the kernel always has IPython
        return None
    return get_ipython()

"""Evidence packs for many LAs on Dask, with warm workers.

Why: a page run by papermill starts its own kernel and pays ~4 CPU-seconds importing pandas,
statsmodels, matplotlib, seaborn and the package before it computes anything; ten pages times
153 LAs made that most of a 98-minute batch. Here

- every Dask worker keeps **one Jupyter kernel** (:class:`WarmKernel`) that imports once
  (:func:`send_analysis.report.kernel_state.prime`) and then runs page after page, LA after LA;
  before each page the kernel is **cleaned** (:func:`~send_analysis.report.kernel_state.clean`:
  empty namespace, execution count 1, rcParams / pandas options / environment put back), so a
  page sees what it would see in a fresh kernel;
- the engine is **Dask distributed**: ``workers=N`` starts a ``LocalCluster`` of N single-thread
  worker processes, ``scheduler="tcp://host:8786"`` uses an existing cluster (see README);
- a task is one LA (or, when there are fewer LAs than workers, a slice of one LA's pages): the
  worker executes and renders the pages and **returns the HTML**; only this process, which owns
  the output folder, writes files, each atomically (:func:`send_analysis.atomic.write_text`), and
  a page that failed never replaces the last good one;
- a failing page, LA or worker is caught and reported in the LA's result; the others finish.

Notebooks are sent to the workers as content (read here, once), so a worker needs the package
and the data but not this checkout's ``notebooks/`` folder.
"""

from __future__ import annotations

import atexit
import copy
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from send_analysis.atomic import write_text
from send_analysis.errors import ConfigError
from send_analysis.paths import processed_dir, project_root, reports_dir
from send_analysis.report import render
from send_analysis.report.pack import (
    KERNEL,
    PackResult,
    PageError,
    check_config,
    index_html,
    national_index_html,
    pack_notebooks,
    page_params,
)

#: Seconds a single cell may run before the page is failed (as the papermill path).
CELL_TIMEOUT = 600

_PRIME = "from send_analysis.report import kernel_state as _ks\n_ks.prime()"
_CLEAN = "from send_analysis.report import kernel_state as _ks\n_ks.clean()"


# ---- the warm kernel (lives in a worker process) ---------------------------------------------


class WarmKernel:
    """One Jupyter kernel that runs many notebooks, each from a clean namespace.

    All kernel traffic goes through one private thread, so the asyncio loop nbclient binds the
    kernel client to is always the same, whichever thread calls :meth:`run_page`.
    """

    def __init__(self, cwd: Path | None = None, kernel_name: str = KERNEL,
                 timeout: int = CELL_TIMEOUT) -> None:
        self.cwd = str(cwd or project_root())
        self.kernel_name = kernel_name
        self.timeout = timeout
        self.km: Any = None
        self.kc: Any = None
        self.pages_run = 0
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warm-kernel")

    # public ------------------------------------------------------------------------------------

    def run_page(self, nb: nbformat.NotebookNode, name: str, params: dict) -> nbformat.NotebookNode:
        """Execute notebook ``nb`` (named ``name``) with papermill-style injected ``params``.

        Raises :class:`PageError` naming the notebook and cell (cell numbers count the injected
        parameters cell, as papermill's do). A kernel that died or timed out is replaced."""
        return self._thread.submit(self._run_page, nb, name, params).result()

    def headline_record(self, *args: Any) -> dict:
        """:func:`send_analysis.report.headline.headline_record` run in this kernel (after an
        LA's pages, so it reuses what they computed), arguments and result passed as JSON.
        Raises :class:`PageError` if it fails."""
        source = ("import json as _json\nfrom send_analysis.report.headline import headline_record\n"
                  f"print(_json.dumps(headline_record(*_json.loads({json.dumps(json.dumps(args))}))))")
        return self._thread.submit(self._call_json, "headline_record", source).result()

    def pid(self) -> int | None:
        """The kernel process id (for CPU and memory accounting), or None before it started."""
        proc = getattr(getattr(self.km, "provisioner", None), "process", None)
        return getattr(proc, "pid", None)

    def shutdown(self) -> None:
        """Stop the kernel and its thread (idempotent)."""
        if self.km is not None:
            self._thread.submit(self._shutdown).result()
        self._thread.shutdown(wait=True)

    # kernel thread -------------------------------------------------------------------------------

    def _client(self, nb: nbformat.NotebookNode):
        from nbclient import NotebookClient

        client = NotebookClient(nb, km=self.km, kernel_name=self.kernel_name, timeout=self.timeout,
                                resources={"metadata": {"path": self.cwd}},
                                extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
        client.kc = self.kc
        return client

    def _start(self) -> None:
        from jupyter_client.manager import AsyncKernelManager

        # local sockets in a folder of this kernel's own (two workers' kernels never collide,
        # and nothing listens on the network)
        self._sockets = tempfile.mkdtemp(prefix="send-analysis-kernel-")
        self.km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc",
                                     ip=os.path.join(self._sockets, "kernel"))
        self.kc = None
        self._run_cell(_PRIME)

    def _call_json(self, function: str, source: str) -> Any:
        from nbclient.exceptions import CellExecutionError

        if self.km is None:
            self._start()
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source)]
        client = self._client(nb)
        try:
            with client.setup_kernel(cwd=self.cwd):
                self.kc = client.kc
                client.execute_cell(nb.cells[0], 0, store_history=False)
        except CellExecutionError as exc:
            raise PageError(function, 0, exc.ename, exc.evalue) from None
        text = "".join(o.get("text", "") for o in nb.cells[0].outputs
                       if o.get("output_type") == "stream" and o.get("name") == "stdout")
        return json.loads(text.strip().splitlines()[-1])

    def _run_cell(self, source: str) -> None:
        """Run one bookkeeping cell without storing it in the history (execution count unmoved)."""
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source)]
        client = self._client(nb)
        with client.setup_kernel(cwd=self.cwd):
            self.kc = client.kc
            client.execute_cell(nb.cells[0], 0, store_history=False)

    def _run_page(self, nb: nbformat.NotebookNode, name: str, params: dict) -> nbformat.NotebookNode:
        from nbclient.exceptions import CellExecutionError
        from papermill.parameterize import parameterize_notebook

        if self.km is None:
            self._start()
        nb = parameterize_notebook(copy.deepcopy(nb), params, kernel_name=self.kernel_name,
                                   language="python")
        try:
            self._run_cell(_CLEAN)
            self._client(nb).execute()
        except CellExecutionError as exc:
            raise PageError(name, _error_cell(nb), exc.ename, exc.evalue) from None
        except Exception as exc:  # timeout, dead kernel: start afresh for the next page
            self._shutdown()
            raise PageError(name, _error_cell(nb), type(exc).__name__, str(exc)) from None
        finally:
            self.pages_run += 1
        return nb

    def _shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        km, kc, self.km, self.kc = self.km, self.kc, None, None
        try:
            if kc is not None:
                kc.stop_channels()
            if km is not None and km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - a kernel that is already gone is fine
            pass
        shutil.rmtree(getattr(self, "_sockets", ""), ignore_errors=True)


_VOLATILE = [
    (re.compile(r"<b>Run</b>: [^<]*"), "<b>Run</b>: (run time)"),  # the footer's run timestamp
    (re.compile(r'id="cell-id=[0-9a-f-]+"'), 'id="cell-id"'),  # papermill's random injected-cell id
    (re.compile(r"T_[0-9a-f]{5}(?=[_\"])"), "T_uuid"),  # pandas Styler's random table id
]


def comparable(page_html: str) -> str:
    """A rendered page with the parts that differ between any two runs masked: the run
    timestamp, the injected parameters cell's random id and pandas' random table ids. Two runs
    of the same page on the same data compare equal after this, and only then."""
    for pattern, repl in _VOLATILE:
        page_html = pattern.sub(repl, page_html)
    return page_html


def _error_cell(nb: nbformat.NotebookNode) -> int | None:
    for i, cell in enumerate(nb.cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return i
    return None


_KERNEL: WarmKernel | None = None
_KERNEL_LOCK = threading.Lock()


def worker_kernel() -> WarmKernel:
    """This process's warm kernel, started on first use and kept until :func:`close_worker_kernel`."""
    global _KERNEL
    with _KERNEL_LOCK:
        if _KERNEL is None:
            _KERNEL = WarmKernel()
            atexit.register(close_worker_kernel)  # a worker that exits takes its kernel along
        return _KERNEL


def close_worker_kernel() -> None:
    """Shut this process's warm kernel down (a worker plugin calls it when the worker closes)."""
    global _KERNEL
    with _KERNEL_LOCK:
        kernel, _KERNEL = _KERNEL, None
    if kernel is not None:
        kernel.shutdown()


# ---- one task: an LA's pages ------------------------------------------------------------------


@dataclass
class PageSpec:
    """A page to run: notebook file name, its content, the HTML file name and title."""

    name: str
    nb: dict
    fname: str
    title: str


@dataclass
class TaskResult:
    """What a worker sends back: rendered pages (HTML), failures, headline and accounting."""

    la_code: str
    la_name: str = ""
    pages: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    latest_year: int | None = None
    latest_plans: int | None = None
    headline: dict = field(default_factory=dict)
    headline_notes: dict = field(default_factory=dict)
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    kernel_rss_mb: float = 0.0
    worker_rss_mb: float = 0.0
    host: str = ""


def _cpu(pids: Iterable[int | None]) -> tuple[float, float]:
    """(CPU seconds, resident MiB) summed over the processes ``pids`` (gone ones count 0)."""
    import psutil

    cpu = rss = 0.0
    for pid in pids:
        if pid is None:
            continue
        try:
            p = psutil.Process(pid)
            t = p.cpu_times()  # children: reaped helpers, e.g. a backtest's process pool
            cpu += t.user + t.system + t.children_user + t.children_system
            rss += p.memory_info().rss / 2**20
        except psutil.Error:
            continue
    return cpu, rss


def run_la(la_code: str, specs: Sequence[PageSpec], params: dict, manifest: dict,
           nav: list[tuple[str, str]], headline_year: int | None,
           kernel: WarmKernel | None = None) -> TaskResult:
    """Run ``specs`` for one LA in the warm kernel and render them (runs on a worker).

    ``nav`` is the whole pack's page list (a task may run only some pages); ``headline_year``
    set means also compute the index page's headline (one task per LA does). Never raises: an
    unknown LA, a failed page or a broken kernel is reported in the result.
    """
    import socket

    from send_analysis.data import cache
    from send_analysis.data.tables import Tables
    from send_analysis.overview import area
    from send_analysis.report import shared

    shared.enable(folder=params.get("processed_dir"))  # as the pages, for the headline below
    cache.use_folder(params.get("processed_dir"))  # and the parse caches
    started = time.perf_counter()
    kernel = kernel or worker_kernel()
    own0, _ = _cpu([os.getpid()])
    pid0 = kernel.pid()
    kern0, _ = _cpu([pid0])
    out = TaskResult(la_code, host=socket.gethostname())
    try:
        tables = Tables.at(params.get("processed_dir"))
        out.la_name = area(la_code, tables).la_name  # fails early, clearly, for an unknown LA
        for spec in specs:
            try:
                executed = kernel.run_page(nbformat.from_dict(spec.nb), spec.name, params)
            except PageError as exc:
                out.failures.append(str(exc))
                continue
            out.pages[spec.fname] = render.render_html(
                executed, nav, spec.fname, render.footer_html(manifest, params, page=spec.fname))
        if headline_year is not None:
            rec = kernel.headline_record(la_code, headline_year, params.get("processed_dir"),
                                         params.get("inputs_file"),
                                         sorted(fname for fname, _ in nav))
            out.latest_year, out.latest_plans = rec["latest_year"], rec["latest_plans"]
            out.headline, out.headline_notes = rec["headline"], rec["headline_notes"]
    except Exception as exc:  # isolate one LA's failure; reported at the end
        out.failures.append(f"{type(exc).__name__}: {exc}")
    own1, out.worker_rss_mb = _cpu([os.getpid()])
    kern1, out.kernel_rss_mb = _cpu([kernel.pid()])
    if kernel.pid() != pid0:  # the kernel was started (or replaced) during this task
        kern0 = 0.0
    out.cpu_seconds = round(own1 - own0 + kern1 - kern0, 2)
    out.wall_seconds = round(time.perf_counter() - started, 2)
    return out


# ---- the batch (runs in the process that owns the output folder) ---------------------------


@dataclass
class LAOutcome:
    """One LA's pack result with the batch's accounting (CPU and wall seconds, memory)."""

    pack: PackResult
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    kernel_rss_mb: float = 0.0
    worker_rss_mb: float = 0.0
    hosts: list[str] = field(default_factory=list)


def plan_tasks(la_codes: Sequence[str], n_pages: int, workers: int) -> list[tuple[str, list[int]]]:
    """(LA, page indices) per task: one task per LA, except that when there are fewer LAs than
    workers each LA's pages are dealt round-robin into slices so every worker has work."""
    if n_pages == 0:
        return [(code, []) for code in la_codes]
    slices = 1
    if 0 < len(la_codes) < workers:
        slices = min(n_pages, -(-workers // len(la_codes)))
    return [(code, list(range(n_pages))[k::slices]) for code in la_codes for k in range(slices)]


def read_pages(notebooks: Sequence[Path]) -> list[PageSpec]:
    """The pages' content and titles, read once here and sent to the workers (read as papermill
    reads them, so the executed notebooks match papermill's cell for cell)."""
    from papermill.iorw import load_notebook_node

    return [PageSpec(nb.name, load_notebook_node(str(nb)), f"{nb.stem}.html",
                     render.notebook_title(nb)) for nb in notebooks]


def _plugin():
    from distributed.diagnostics.plugin import WorkerPlugin

    class WarmKernelPlugin(WorkerPlugin):
        """Shuts the worker's warm kernel down with the worker."""

        name = "send-analysis-warm-kernel"

        def teardown(self, worker) -> None:  # noqa: D401
            close_worker_kernel()

    return WarmKernelPlugin()


@contextmanager
def _ctrl_c_for_this_process_only():
    """Start a local cluster's processes with Ctrl-C (SIGINT) blocked, so that a Ctrl-C at the
    terminal, which reaches every process of the foreground group, stops this process alone
    (one line, ``send_analysis.cli``) instead of printing a traceback from each worker still
    importing; the workers exit with this process (they watch their parent). A Ctrl-C while the
    cluster starts is held and acted on as soon as it has started. The warning of
    multiprocessing's resource tracker about the semaphores this process leaves at such an exit
    is silenced (the tracker removes them)."""
    quiet = "ignore:resource_tracker:UserWarning"
    if quiet not in os.environ.get("PYTHONWARNINGS", ""):
        os.environ["PYTHONWARNINGS"] = ",".join(
            w for w in (os.environ.get("PYTHONWARNINGS"), quiet) if w)
    from send_analysis.interrupt import hold_ctrl_c, release_ctrl_c

    held = hold_ctrl_c()
    try:
        yield
    finally:
        if held:  # else the caller (the command line) holds it for the whole batch
            release_ctrl_c()


def open_client(workers: int = 2, scheduler: str | None = None):
    """A Dask client: on the cluster at ``scheduler``, else on a new ``LocalCluster`` of
    ``workers`` single-thread worker processes (closed with the client)."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise ConfigError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})") from None
    else:
        if workers < 1:
            raise ConfigError(f"--workers must be at least 1 (got {workers})")
        with _ctrl_c_for_this_process_only():
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, memory_limit=0,
                                   silence_logs=logging.ERROR)
            client = Client(cluster)
        client._send_analysis_cluster = cluster  # closed by close_client
    client.register_plugin(_plugin())
    return client


def close_client(client) -> None:
    """Close a client from :func:`open_client`; a local cluster's kernels and workers stop with
    it (an existing cluster's workers keep their warm kernels for the next batch)."""
    cluster = getattr(client, "_send_analysis_cluster", None)
    if cluster is not None:
        try:
            client.run(close_worker_kernel)
        except Exception:  # noqa: BLE001 - a worker that is already gone has no kernel to stop
            pass
    client.close()
    if cluster is not None:
        cluster.close()


def _finish_la(code: str, parts: list[TaskResult], specs: Sequence[PageSpec],
               notebooks: Sequence[Path], out_root: Path, manifest: dict, params: dict) -> LAOutcome:
    """Write one LA's pages (atomically, in page order), its index and ``pack.json``."""
    named = next((p.la_name for p in parts if p.la_name), "")
    failures = [f for p in parts for f in p.failures]
    outcome = LAOutcome(PackResult(code, named or code, ""),
                        cpu_seconds=round(sum(p.cpu_seconds for p in parts), 2),
                        wall_seconds=round(sum(p.wall_seconds for p in parts), 2),
                        kernel_rss_mb=max((p.kernel_rss_mb for p in parts), default=0.0),
                        worker_rss_mb=max((p.worker_rss_mb for p in parts), default=0.0),
                        hosts=sorted({p.host for p in parts if p.host}))
    result = outcome.pack
    result.failures = [f for s in specs for f in failures if f.startswith(f"notebook {s.name} ")]
    result.failures += [f for f in failures if f not in result.failures]
    if not named:  # the LA itself failed (unknown code, worker lost): nothing is written
        return outcome
    out_dir = out_root / code
    result.out_dir = str(out_dir)
    html_pages = {k: v for p in parts for k, v in p.pages.items()}
    for spec in specs:
        if spec.fname in html_pages:
            write_text(html_pages[spec.fname], out_dir / spec.fname)
            result.pages.append(spec.fname)
    head = next((p for p in parts if p.latest_year is not None), None)
    if head is not None:
        result.latest_year, result.latest_plans = head.latest_year, head.latest_plans
        result.headline, result.headline_notes = head.headline, head.headline_notes
    listed = pack_notebooks(list(notebooks), out_dir)  # pages already in the pack stay linked
    page_list = [(f"{nb.stem}.html", render.notebook_title(nb)) for nb in listed]
    write_text(index_html(result, listed, page_list, manifest, params), out_dir / "index.html")
    result.seconds = outcome.wall_seconds
    write_text(json.dumps(asdict(result), indent=2), out_dir / "pack.json")
    return outcome


def run_batch(la_codes: Sequence[str], out_root: Path | None = None, workers: int = 2,
              scheduler: str | None = None, progress: bool = True, as_of_year: int = 2025,
              inputs_file: str | None = None, casework_dir: str | None = None,
              notebooks: Sequence[Path] | None = None, processed: str | None = None,
              national_index: bool = True, client=None,
              casework_dayfirst: bool = False) -> list[LAOutcome]:
    """Evidence packs for ``la_codes`` on Dask with warm workers (see the module docstring).

    Returns one :class:`LAOutcome` per LA in code order; a failing LA is reported in its
    ``pack.failures`` and the others finish. ``client`` reuses an open Dask client (tests and
    benchmarks); otherwise one is opened for ``workers`` / ``scheduler`` and closed at the end.
    """
    from distributed import as_completed

    from send_analysis.data import cache
    from send_analysis.data.tables import Tables
    from send_analysis.report.pack import discover_notebooks

    if not la_codes:
        raise ConfigError("no LA codes to run")
    out_root = Path(out_root) if out_root is not None else reports_dir()
    processed = processed or str(processed_dir())
    data = Tables.at(processed)
    manifest = data.manifest()
    notebooks = list(notebooks) if notebooks is not None else discover_notebooks()
    specs = read_pages(notebooks)
    with cache.folder_for(data.folder):  # parse caches beside the tables, as on the pages
        for code in la_codes:  # a bad inputs or scenario file stops the run before any page
            check_config(code, inputs_file, data)

    def nav_for(code: str) -> list[tuple[str, str]]:
        """The LA's whole pack: the pages run now and those already in its folder."""
        return [(f"{nb.stem}.html", render.notebook_title(nb))
                for nb in pack_notebooks(notebooks, out_root / code)]
    own_client = client is None
    if own_client:
        client = open_client(workers, scheduler)
    n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
    tasks = plan_tasks(list(la_codes), len(specs), n_workers)
    per_la = {code: sum(1 for c, _ in tasks if c == code) for code in la_codes}
    parts: dict[str, list[TaskResult]] = {code: [] for code in la_codes}
    outcomes: dict[str, LAOutcome] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(la_codes), desc="evidence packs", unit="LA")
    try:
        futures = {}
        for code, idx in tasks:
            params = page_params(code, as_of_year, processed, inputs_file, casework_dir,
                                 casework_dayfirst)
            fut = client.submit(run_la, code, [specs[i] for i in idx], params, manifest, nav_for(code),
                                as_of_year if (not idx or 0 in idx) else None,
                                pure=False)
            futures[fut] = code
        for fut in as_completed(list(futures)):
            code = futures.pop(fut)
            try:
                part = fut.result()
            except Exception as exc:  # the worker died or the task could not run
                part = TaskResult(code, failures=[f"{type(exc).__name__}: {exc}"])
            fut.release()  # the worker drops its copy of the pages now, not at the batch's end
            del fut
            parts[code].append(part)
            if bar is not None:
                bar.update(1 / per_la[code])
            if len(parts[code]) == per_la[code]:
                outcomes[code] = _finish_la(code, parts.pop(code), specs, notebooks, out_root,
                                            manifest, page_params(code, as_of_year, processed,
                                                                  inputs_file, casework_dir,
                                                                  casework_dayfirst))
    except KeyboardInterrupt:  # Ctrl-C: the command line exits at once (its workers with it)
        own_client = False
        raise
    finally:
        if bar is not None:
            bar.close()
        if own_client:
            close_client(client)
    ordered = [outcomes[code] for code in sorted(outcomes)]
    if national_index:
        write_text(national_index_html([o.pack for o in ordered], data), out_root / "index.html")
    return ordered


def build_all(la_codes: list[str], out_root: Path | None = None, workers: int = 2,
              progress: bool = True, scheduler: str | None = None, **kwargs) -> list[PackResult]:
    """Packs for many LAs on Dask with warm workers (:func:`run_batch`); a failing LA is
    reported, the others finish; writes the national ``index.html``. (It lived in
    :mod:`send_analysis.report.pack`, which imported this module back; decision 0085.)"""
    kwargs.pop("page_workers", None)
    outcomes = run_batch(la_codes, out_root=out_root, workers=workers, scheduler=scheduler,
                         progress=progress, **kwargs)
    return [o.pack for o in outcomes]

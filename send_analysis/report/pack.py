"""Run the parameterised notebooks with papermill and assemble the HTML evidence pack.

A page is executed into a temporary folder and rendered to HTML there; only a page that ran
without error replaces the published one (atomic rename), so a failed run never overwrites the
last good page. Failures name the notebook and the cell.
"""

from __future__ import annotations

import html
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from send_analysis.atomic import write_text
from send_analysis.data import cache
from send_analysis.data.tables import Tables
from send_analysis.errors import SendAnalysisError
from send_analysis.paths import processed_dir, project_root, reports_dir
from send_analysis.report import render, summary
from send_analysis.report.headline import compute_headline

KERNEL = "python3"
#: Arguments for each page's kernel. Its own log lines are noise to an officer running the pack:
#: a TCP-transport warning at start and "KeyboardInterrupt caught in kernel" at every shutdown
#: (jupyter_client interrupts a kernel before asking it to stop). A failing cell still fails the
#: page through papermill, which does not rely on the kernel's log.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]


class PageError(SendAnalysisError):
    """A notebook failed; names the notebook, the cell and the error."""

    def __init__(self, notebook: str, cell: int | None, ename: str, evalue: str) -> None:
        where = f"cell {cell}" if cell is not None else "before any cell ran"
        super().__init__(f"notebook {notebook} failed at {where}: {ename}: {evalue}")
        self.notebook, self.cell, self.ename, self.evalue = notebook, cell, ename, evalue


@dataclass
class PackResult:
    la_code: str
    la_name: str
    out_dir: str
    pages: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    latest_year: int | None = None
    latest_plans: int | None = None
    seconds: float = 0.0
    #: The summary's figures (see :mod:`send_analysis.report.headline`) and why any is missing.
    headline: dict = field(default_factory=dict)
    headline_notes: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


def discover_notebooks(folder: Path | None = None) -> list[Path]:
    """Pack pages: ``notebooks/NN_name.ipynb`` in order."""
    folder = folder or project_root() / "notebooks"
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def page_params(la_code: str, as_of_year: int, processed: str | None, inputs_file: str | None,
                casework_dir: str | None, casework_dayfirst: bool = False) -> dict:
    """A page's parameters. The processed tables travel as their folder (``processed_dir``, a
    string: parameters are plain values); the page makes its :class:`~send_analysis.data.tables.Tables`
    from it with :func:`send_analysis.report.notebook_setup`. ``casework_dayfirst`` (the casework
    extract's dates are DD/MM/YYYY) is passed only when set, to the pages that read casework."""
    params = {"la_code": la_code, "as_of_year": as_of_year, "processed_dir": processed,
              "inputs_file": inputs_file, "casework_dir": casework_dir}
    if casework_dayfirst:
        params["casework_dayfirst"] = True
    return params


def execute(nb_path: Path, params: dict, workdir: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run one notebook with papermill; raise :class:`PageError` naming the notebook and cell.

    The kernel starts in the project folder (nbclient's ``resources`` path), and the calling
    process's working directory is never changed: papermill's own ``cwd=`` changes it for the
    whole process while the page runs, so pages run side by side (:func:`build_pack`) could
    leave the caller in another folder and a relative ``--inputs`` path read from the wrong one.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    out = workdir / nb_path.name
    try:
        pm.execute_notebook(str(nb_path), str(out), parameters=params, kernel_name=KERNEL,
                            progress_bar=False, log_output=False,
                            resources={"metadata": {"path": str(project_root())}},
                            execution_timeout=timeout, extra_arguments=list(KERNEL_ARGUMENTS))
    except PapermillExecutionError as exc:
        raise PageError(nb_path.name, exc.cell_index, exc.ename, exc.evalue) from None
    return nbformat.read(out, as_version=4)


def build_pack(la_code: str, out_root: Path | None = None, as_of_year: int = 2025,
               inputs_file: str | None = None, casework_dir: str | None = None,
               notebooks: list[Path] | None = None, processed: str | None = None,
               page_workers: int = 2, casework_dayfirst: bool = False) -> PackResult:
    """Run every page for one LA into ``<out_root>/<la_code>/`` with an ``index.html``.

    Pages are independent, so ``page_workers`` of them run at once (each in its own kernel).
    The parse caches this process fills (the headline's) are kept beside the tables, as on the
    pages, for the run only.
    """
    processed = processed or str(processed_dir())
    with cache.folder_for(processed):
        return _build_pack(la_code, out_root, as_of_year, inputs_file, casework_dir, notebooks,
                           processed, page_workers, casework_dayfirst)


def _build_pack(la_code: str, out_root: Path | None, as_of_year: int, inputs_file: str | None,
                casework_dir: str | None, notebooks: list[Path] | None, processed: str,
                page_workers: int, casework_dayfirst: bool) -> PackResult:
    from send_analysis.overview import area, headline

    started = time.perf_counter()
    out_root = Path(out_root) if out_root is not None else reports_dir()
    tables = Tables.at(processed)
    a = area(la_code, tables)  # fails early, clearly, for an unknown LA
    check_config(la_code, inputs_file, tables)  # a bad inputs file stops the run before any page
    manifest = tables.manifest()
    notebooks = notebooks if notebooks is not None else discover_notebooks()
    out_dir = out_root / la_code
    listed = pack_notebooks(notebooks, out_dir)
    nav = [(f"{nb.stem}.html", render.notebook_title(nb)) for nb in listed]
    pages = [(f"{nb.stem}.html", render.notebook_title(nb)) for nb in notebooks]
    params = page_params(la_code, as_of_year, processed, inputs_file, casework_dir,
                         casework_dayfirst)
    result = PackResult(la_code, a.la_name, str(out_dir))
    def run(item: tuple[Path, str]) -> tuple[str, str | None, str | None]:
        nb_path, fname = item
        try:
            executed = execute(nb_path, params, Path(tmp))
        except PageError as exc:
            return fname, None, str(exc)
        return fname, render.render_html(executed, nav, fname,
                                         render.footer_html(manifest, params, page=fname)), None

    with tempfile.TemporaryDirectory(prefix=f"pack-{la_code}-") as tmp:
        items = [(nb, fname) for nb, (fname, _) in zip(notebooks, pages, strict=True)]
        with ThreadPoolExecutor(max_workers=max(1, page_workers)) as pool:
            outcomes = list(pool.map(run, items))
        for fname, page, error in outcomes:
            if error is not None:
                result.failures.append(error)
                continue
            write_text(page, out_dir / fname)
            result.pages.append(fname)
    h = headline(la_code, as_of_year, tables)
    result.latest_year, result.latest_plans = h.latest_year, h.latest_plans
    result.headline, result.headline_notes = compute_headline(
        la_code, as_of_year, tables, inputs_file, pages={fname for fname, _ in nav})
    write_text(index_html(result, listed, nav, manifest, params), out_dir / "index.html")
    result.seconds = round(time.perf_counter() - started, 1)
    write_text(json.dumps(asdict(result), indent=2), out_dir / "pack.json")
    return result


def pack_notebooks(notebooks: list[Path], out_dir: Path) -> list[Path]:
    """The pages an LA's index and navigation list: those run now and every other page of the
    pack already in ``out_dir`` (so ``--pages X`` into an existing pack keeps the rest linked)."""
    run = {nb.name for nb in notebooks}
    others = [nb for nb in discover_notebooks()
              if nb.name not in run and (out_dir / f"{nb.stem}.html").exists()]
    return sorted([*notebooks, *others], key=lambda nb: nb.name)


def check_config(la_code: str, inputs_file: str | None, tables: Tables | None = None) -> None:
    """Validate the LA's finance inputs file and the scenario files it lists before any page runs
    (the public defaults it completes from ``tables``, default :meth:`Tables.default`).

    A configuration error (e.g. a negative unit cost) raises ConfigError here, so a run stops
    with exit code 2 and no page is replaced by a "not available" page.
    """
    if inputs_file is None:
        return
    from send_analysis.finance.resolve import resolve_inputs
    from send_analysis.finance.scenarios import load_scenario
    from send_analysis.finance.scenarios.loading import check_unique

    inputs, _ = resolve_inputs(la_code, inputs_file, tables)
    files = list(inputs.get("mitigations") or [])
    check_unique(files, origins=["the inputs' mitigations"] * len(files))
    scenarios = [load_scenario(f, first_fy=inputs["first_forecast_year"]) for f in files]
    check_unique(files, scenarios, ["the inputs' mitigations"] * len(files))


def index_html(result: PackResult, notebooks: list[Path], pages: list[tuple[str, str]],
               manifest: dict, params: dict) -> str:
    """The LA's pack index: the one-page summary (headline of every page, each linking to its
    page) and a link to each page (and failures, if any)."""
    out_dir = Path(result.out_dir)
    rows = []
    for nb, (fname, title) in zip(notebooks, pages, strict=True):
        exists = (out_dir / fname).exists()
        failed = [f for f in result.failures if f.startswith(f"notebook {nb.name} ")]
        status = ""
        if failed:
            status = (' <span style="color:#b00">— this run failed; the page shown is the last good '
                      'one</span>' if exists else ' <span style="color:#b00">— failed</span>')
        link = f'<a href="{fname}">{html.escape(title)}</a>' if exists else html.escape(title)
        rows.append(f"<li>{link}{status}<br><small>{html.escape(render.notebook_summary(nb))}"
                    "</small></li>")
    return render.keep_signs(summary.index_html(
        result.la_code, result.la_name, result.headline, "".join(rows), render.nav_html(pages, None),
        render.footer_html(manifest, params, page="index"), render.PACK_CSS + render.PRINT_CSS, out_dir,
        dict(pages), result.headline_notes))


# ---- all LAs (run by :func:`send_analysis.report.batch.build_all`) ---------------------------


def national_index_html(results: list[PackResult], tables: Tables | None = None) -> str:
    """``reports/index.html``: every LA's headline in a sortable table, linking to its pack
    (names and regions from ``tables``, default :meth:`Tables.default`)."""
    lk = (tables if tables is not None else Tables.default()).get("la_lookup").set_index("la_code")
    names = {code: (str(r["la_name"]), str(r["region_name"])) for code, r in lk.iterrows()}
    return summary.national_index_html(results, names, datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))

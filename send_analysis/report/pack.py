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
from send_analysis.errors import SendAnalysisError
from send_analysis.paths import processed_dir, project_root, reports_dir
from send_analysis.report import render

KERNEL = "python3"


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

    @property
    def ok(self) -> bool:
        return not self.failures


def discover_notebooks(folder: Path | None = None) -> list[Path]:
    """Pack pages: ``notebooks/NN_name.ipynb`` in order."""
    folder = folder or project_root() / "notebooks"
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def page_params(la_code: str, as_of_year: int, processed: str | None, inputs_file: str | None,
                casework_dir: str | None) -> dict:
    return {"la_code": la_code, "as_of_year": as_of_year, "processed_dir": processed,
            "inputs_file": inputs_file, "casework_dir": casework_dir}


def execute(nb_path: Path, params: dict, workdir: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run one notebook with papermill; raise :class:`PageError` naming the notebook and cell."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    out = workdir / nb_path.name
    try:
        pm.execute_notebook(str(nb_path), str(out), parameters=params, kernel_name=KERNEL,
                            progress_bar=False, cwd=str(project_root()), log_output=False,
                            execution_timeout=timeout)
    except PapermillExecutionError as exc:
        raise PageError(nb_path.name, exc.cell_index, exc.ename, exc.evalue) from None
    return nbformat.read(out, as_version=4)


def build_pack(la_code: str, out_root: Path | None = None, as_of_year: int = 2025,
               inputs_file: str | None = None, casework_dir: str | None = None,
               notebooks: list[Path] | None = None, processed: str | None = None,
               page_workers: int = 2) -> PackResult:
    """Run every page for one LA into ``<out_root>/<la_code>/`` with an ``index.html``.

    Pages are independent, so ``page_workers`` of them run at once (each in its own kernel).
    """
    from send_analysis.data.tables import load_manifest
    from send_analysis.overview import area, headline

    started = time.perf_counter()
    out_root = Path(out_root) if out_root is not None else reports_dir()
    processed = processed or str(processed_dir())
    a = area(la_code)  # fails early, clearly, for an unknown LA
    manifest = load_manifest(processed)
    notebooks = notebooks if notebooks is not None else discover_notebooks()
    pages = [(f"{nb.stem}.html", render.notebook_title(nb)) for nb in notebooks]
    out_dir = out_root / la_code
    params = page_params(la_code, as_of_year, processed, inputs_file, casework_dir)
    result = PackResult(la_code, a.la_name, str(out_dir))
    def run(item: tuple[Path, str]) -> tuple[str, str | None, str | None]:
        nb_path, fname = item
        try:
            executed = execute(nb_path, params, Path(tmp))
        except PageError as exc:
            return fname, None, str(exc)
        return fname, render.render_html(executed, pages, fname,
                                         render.footer_html(manifest, params)), None

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
    h = headline(la_code, as_of_year)
    result.latest_year, result.latest_plans = h.latest_year, h.latest_plans
    write_text(index_html(result, notebooks, pages, manifest, params), out_dir / "index.html")
    result.seconds = round(time.perf_counter() - started, 1)
    write_text(json.dumps(asdict(result), indent=2), out_dir / "pack.json")
    return result


def index_html(result: PackResult, notebooks: list[Path], pages: list[tuple[str, str]],
               manifest: dict, params: dict) -> str:
    """The LA's pack index: headline figure and a link to each page (and failures, if any)."""
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
    plans = f"{result.latest_plans:,}" if result.latest_plans is not None else "not published"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>SEND evidence pack: {html.escape(result.la_name)} ({result.la_code})</title>
{render.PACK_CSS}
<style>body {{ font: 16px/1.5 system-ui, sans-serif; padding: 0 16px; }}
.sa-key {{ font-size: 20px; margin: 16px 0; padding: 12px; background: #eef5fb; }}</style>
</head><body>
{render.nav_html(pages, None)}
<h1>SEND High Needs evidence pack: {html.escape(result.la_name)} ({result.la_code})</h1>
<p class="sa-key">EHC plans maintained in January {result.latest_year}: <b id="latest-total">{plans}</b></p>
<p>Each page below answers one question of the recovery plan's evidence base. Figures are computed
from official DfE data by the send-analysis package; the footer of every page gives the data
release, its checksum, the software version and the parameters of the run.</p>
<ol>{''.join(rows)}</ol>
<p><a href="../index.html">All local authorities</a></p>
{render.footer_html(manifest, params)}
</body></html>
"""


# ---- all LAs -------------------------------------------------------------------------------


def build_all(la_codes: list[str], out_root: Path | None = None, workers: int = 2,
              progress: bool = True, scheduler: str | None = None, **kwargs) -> list[PackResult]:
    """Packs for many LAs on Dask with warm workers (:func:`send_analysis.report.batch.run_batch`);
    a failing LA is reported, the others finish; writes the national ``index.html``."""
    from send_analysis.report.batch import run_batch

    kwargs.pop("page_workers", None)
    outcomes = run_batch(la_codes, out_root=out_root, workers=workers, scheduler=scheduler,
                         progress=progress, **kwargs)
    return [o.pack for o in outcomes]


def national_index_html(results: list[PackResult]) -> str:
    """``reports/index.html``: every LA with its latest total and a link to its pack."""
    from send_analysis.data.tables import load_table

    lk = load_table("la_lookup").set_index("la_code")
    rows = []
    for r in results:
        region = lk.loc[r.la_code, "region_name"] if r.la_code in lk.index else ""
        name = lk.loc[r.la_code, "la_name"] if r.la_code in lk.index else r.la_name
        plans = f"{r.latest_plans:,}" if r.latest_plans is not None else ""
        status = "ok" if r.ok else "failed: " + html.escape("; ".join(r.failures))[:300]
        link = (f'<a href="{r.la_code}/index.html">{html.escape(str(name))}</a>'
                if r.pages else html.escape(str(name)))
        rows.append(f"<tr><td>{r.la_code}</td><td>{link}</td><td>{html.escape(str(region))}</td>"
                    f"<td style='text-align:right'>{plans}</td><td>{status}</td></tr>")
    failed = sum(not r.ok for r in results)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>SEND evidence packs: all local authorities</title>
<style>body {{ font: 15px/1.5 system-ui, sans-serif; max-width: 1100px; margin: 0 auto; padding: 16px; }}
table {{ border-collapse: collapse; width: 100%; }} td, th {{ border-bottom: 1px solid #ddd; padding: 4px 8px; }}</style>
</head><body><h1>SEND evidence packs: all local authorities</h1>
<p>{len(results)} LAs, {failed} with a failed page. Built {stamp}.</p>
<table><thead><tr><th>Code</th><th>LA</th><th>Region</th><th>Plans (latest January)</th><th>Status</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table></body></html>
"""

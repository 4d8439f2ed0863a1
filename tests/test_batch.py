"""Warm workers and the Dask batch: a page run after others equals the page run alone."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from send_analysis.report import render
from send_analysis.report.batch import (
    WarmKernel,
    comparable,
    plan_tasks,
    read_pages,
    run_la,
)
from send_analysis.report.pack import execute, page_params

ROOT = Path(__file__).resolve().parents[1]


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('la_code = "334"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"), params,
                *(nbformat.v4.new_code_cell(s) for s in sources)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _stdout(nb: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "stream")


def _images(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
               for o in c.get("outputs", []))


def test_plan_tasks_one_task_per_la_or_pages_dealt_to_idle_workers():
    assert plan_tasks(["334", "886", "330"], 10, 2) == [(c, list(range(10))) for c in ("334", "886", "330")]
    assert plan_tasks(["334"], 10, 2) == [("334", [0, 2, 4, 6, 8]), ("334", [1, 3, 5, 7, 9])]
    assert plan_tasks(["334"], 1, 4) == [("334", [0])]


def test_warm_kernel_gives_every_page_a_fresh_start(tmp_path):
    """A page that changes the namespace, options, rcParams, environment and cwd leaves nothing
    for the next: the probe prints the same after it as in the fresh kernel."""
    dirty = _notebook(tmp_path / "dirty.ipynb",
                      "import os, warnings\nimport matplotlib as mpl\nimport pandas as pd\n"
                      "leaked = 1\npd.set_option('display.precision', 2)\n"
                      "mpl.rcParams['lines.linewidth'] = 9\nos.environ['SEND_TEST_LEAK'] = '1'\n"
                      "os.chdir('/')\nwarnings.simplefilter('error')")
    probe = _notebook(tmp_path / "probe.ipynb",
                      "import os, warnings\nimport matplotlib as mpl\nimport pandas as pd\n"
                      "print('leaked' in dir(), pd.get_option('display.precision'),\n"
                      "      mpl.rcParams['lines.linewidth'], os.environ.get('SEND_TEST_LEAK'),\n"
                      "      os.getcwd(), warnings.filters[:1], get_ipython().execution_count)",
                      "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()  # shown at the cell's end")
    probe_nb = read_pages([probe])[0].nb
    kernel = WarmKernel(cwd=tmp_path)
    try:
        fresh_nb = kernel.run_page(probe_nb, "probe.ipynb", {"la_code": "334"})
        kernel.run_page(read_pages([dirty])[0].nb, "dirty.ipynb", {"la_code": "334"})
        after_nb = kernel.run_page(probe_nb, "probe.ipynb", {"la_code": "886"})
    finally:
        kernel.shutdown()
    fresh, after = _stdout(fresh_nb), _stdout(after_nb)
    assert _images(fresh_nb) == _images(after_nb) == 1  # an open figure shows, every time
    assert fresh.startswith("False 6 ") and str(tmp_path) in fresh
    assert after == fresh


def test_a_page_that_kills_its_kernel_fails_alone_and_the_next_page_runs(tmp_path):
    from send_analysis.report.pack import PageError

    crash = _notebook(tmp_path / "crash.ipynb", "import os\nos._exit(1)")
    probe = _notebook(tmp_path / "probe.ipynb", "print('ran', get_ipython().execution_count)")
    kernel = WarmKernel(cwd=tmp_path, timeout=60)
    try:
        with pytest.raises(PageError, match=r"notebook crash.ipynb failed at .*DeadKernelError"):
            kernel.run_page(read_pages([crash])[0].nb, "crash.ipynb", {"la_code": "334"})
        assert _stdout(kernel.run_page(read_pages([probe])[0].nb, "probe.ipynb",
                                       {"la_code": "334"})) == "ran 4\n"  # as in papermill
    finally:
        kernel.shutdown()


@pytest.mark.realdata
def test_la_b_after_la_a_in_one_warm_kernel_equals_b_run_alone(real_data, tmp_path):
    """The issue's proof: LA A then LA B in one worker; B's pages equal B run alone by the
    one-by-one path (papermill, a fresh kernel per page) apart from the run timestamp.
    02 follows 01 on purpose: 01 calls notebook_setup (pandas float format, chart style),
    02 does not, so anything 01 left behind would show in 02's tables and charts."""
    from send_analysis.data.tables import load_manifest

    notebooks = [ROOT / "notebooks" / "01_overview.ipynb",
                 ROOT / "notebooks" / "02_demand_forecast.ipynb"]
    specs = read_pages(notebooks)
    nav = [(s.fname, s.title) for s in specs]
    manifest = load_manifest(None)
    kernel = WarmKernel()
    try:
        a = run_la("334", specs, page_params("334", 2025, None, None, None), manifest, nav, 2025,
                   kernel=kernel)
        b = run_la("886", specs, page_params("886", 2025, None, None, None), manifest, nav, 2025,
                   kernel=kernel)
    finally:
        kernel.shutdown()
    assert a.failures == [] and b.failures == [], (a.failures, b.failures)
    assert b.latest_plans == 20635 and b.la_name == "Kent"
    # the summary's figures, asked of the warm kernel, equal those computed here
    from send_analysis.report.headline import headline_record

    alone_head = headline_record("886", 2025, None, None, [f for f, _ in nav])
    assert b.headline == alone_head["headline"] and b.headline["plans_forecast_5y"]["value"] > 0
    assert b.headline_notes == alone_head["headline_notes"]
    params = page_params("886", 2025, None, None, None)
    for nb_path, spec in zip(notebooks, specs, strict=True):
        alone = render.render_html(execute(nb_path, params, tmp_path), nav, spec.fname,
                                   render.footer_html(manifest, params, page=spec.fname))
        assert comparable(b.pages[spec.fname]) == comparable(alone), spec.fname
        assert comparable(a.pages[spec.fname]) != comparable(b.pages[spec.fname])


@pytest.mark.realdata
def test_dask_batch_isolates_failures_and_writes_only_whole_pages(real_data, tmp_path):
    """On a one-worker local cluster: a failing page keeps the last good one, an unknown LA is
    reported, the others finish, and every file written is complete (no .part left behind)."""
    from send_analysis.report.batch import run_batch

    broken = _notebook(tmp_path / "99_broken.ipynb", "x = 1", "raise ValueError('deliberate failure')")
    out = tmp_path / "reports"
    (out / "334").mkdir(parents=True)
    (out / "334" / "99_broken.html").write_text("LAST GOOD PAGE")
    outcomes = run_batch(["334", "999"], out_root=out, workers=1, progress=False,
                         notebooks=[ROOT / "notebooks" / "00_data_quality.ipynb", broken])
    by = {o.pack.la_code: o.pack for o in outcomes}
    assert by["334"].pages == ["00_data_quality.html"]
    assert by["334"].failures == ["notebook 99_broken.ipynb failed at cell 4: ValueError: deliberate failure"]
    assert (out / "334" / "99_broken.html").read_text() == "LAST GOOD PAGE"
    assert "Solihull" in (out / "334" / "00_data_quality.html").read_text()
    assert json.loads((out / "334" / "pack.json").read_text())["latest_plans"] == 2503
    assert "last good" in (out / "334" / "index.html").read_text()
    assert not by["999"].pages and "unknown LA code '999'" in by["999"].failures[0]
    assert not (out / "999").exists()
    assert "2 LAs, 2 with a failed page" in (out / "index.html").read_text()
    assert not list(out.rglob("*.part"))
    assert outcomes[0].cpu_seconds > 0 and outcomes[0].kernel_rss_mb > 0


def test_clean_freezes_what_survives_a_page_and_thaws_it_every_few_pages(monkeypatch):
    """The warm kernel's collector skips what outlives a page (gc.freeze) but still reclaims
    cyclic garbage among those objects within ``THAW_EVERY`` pages."""
    import gc
    import weakref

    from send_analysis.report import kernel_state as ks

    class Node:
        pass

    monkeypatch.setattr(ks, "_cleans", 0)
    ks.capture()
    try:
        node = Node()
        node.me = node  # a cycle: only the cyclic collector frees it
        ref = weakref.ref(node)
        ks.clean()
        assert gc.get_freeze_count() > 0
        del node
        gc.collect()
        assert ref() is not None  # frozen: skipped by ordinary collections
        for _ in range(ks.THAW_EVERY):
            ks.clean()
        assert ref() is None  # thawed and collected
    finally:
        gc.unfreeze()


@pytest.mark.realdata
def test_batch_on_an_existing_dask_scheduler(real_data, tmp_path):
    """``--scheduler ADDRESS`` (a cluster started elsewhere): the batch runs its LAs on that
    cluster's workers, with their warm kernels, and leaves the cluster running."""
    import logging

    from distributed import LocalCluster

    from send_analysis.report.batch import run_batch

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                      memory_limit=0, silence_logs=logging.ERROR) as cluster:
        out = tmp_path / "reports"
        outcomes = run_batch(["334"], out_root=out, scheduler=cluster.scheduler_address,
                             progress=False,
                             notebooks=[ROOT / "notebooks" / "00_data_quality.ipynb"])
        assert [o.pack.pages for o in outcomes] == [["00_data_quality.html"]]
        assert not outcomes[0].pack.failures and outcomes[0].cpu_seconds > 0
        assert "Solihull" in (out / "334" / "00_data_quality.html").read_text()
        assert cluster.status.name == "running" and len(cluster.workers) == 1

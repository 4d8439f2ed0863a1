"""Benchmark: evidence packs for many LAs on the warm-worker Dask batch (issue 13).

Prints, beside the machine's load and core count: per LA the CPU seconds (worker process and
its kernel, helpers included) and the wall seconds of its task, the kernel's and worker's memory;
then the batch's wall time, the mean CPU per LA and what that means for every LA on these
workers. ``--one-la`` also times one LA's pack alone (its pages dealt to the workers);
``--check N`` compares the first N LAs' pages with one-by-one papermill runs (identical apart
from the run time, :func:`send_analysis.report.batch.comparable`).

Targets: every LA's 10-page pack under 10 minutes on 2 cores (about 8 CPU-seconds an LA), one
LA's pack under 20 s, under 2 GiB a worker, output identical to one-by-one runs.

Run: ``.venv/bin/python benchmarks/bench_batch.py [--las 12] [--workers 2] [--all]
[--one-la 334] [--check 1] [--pages 00_data_quality ...] [--cold] [--scheduler tcp://...]``.
Run it on a quiet machine: the load printed beside the figures says how quiet it was. Do not
commit during a ``--check`` run: page footers name the git commit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def _sample(codes: list[str], n: int) -> list[str]:
    """``n`` LAs spread over the code list (deterministic), or all of them."""
    if n >= len(codes):
        return codes
    step = len(codes) / n
    return [codes[int(i * step)] for i in range(n)]


def _check(outcomes, notebooks, out_root: Path, n: int) -> list[str]:
    from send_analysis.data.tables import load_manifest
    from send_analysis.report import render
    from send_analysis.report.batch import comparable
    from send_analysis.report.pack import execute, page_params

    manifest = load_manifest(None)
    nav = [(f"{nb.stem}.html", render.notebook_title(nb)) for nb in notebooks]
    differ = []
    for o in outcomes[:n]:
        params = page_params(o.pack.la_code, 2025, _processed(), None, None)
        with tempfile.TemporaryDirectory() as tmp:
            for nb in notebooks:
                fname = f"{nb.stem}.html"
                alone = render.render_html(execute(nb, params, Path(tmp)), nav, fname,
                                           render.footer_html(manifest, params))
                batch = (out_root / o.pack.la_code / fname).read_text()
                a, b = comparable(alone), comparable(batch)
                if a != b:
                    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                              min(len(a), len(b)))
                    differ.append(f"{o.pack.la_code}/{fname} (first difference: "
                                  f"{a[max(0, at - 60):at + 60]!r} vs {b[max(0, at - 60):at + 60]!r})")
    return differ


def _processed() -> str:
    from send_analysis.paths import processed_dir

    return str(processed_dir())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--las", type=int, default=12, help="LAs in the batch (spread over the codes)")
    ap.add_argument("--la", default=None, help="these LAs instead (comma-separated)")
    ap.add_argument("--all", action="store_true", help="every live LA")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scheduler", default=None)
    ap.add_argument("--pages", nargs="*", default=None, help="only these pages (development)")
    ap.add_argument("--one-la", default=None, help="also time this LA's pack on its own")
    ap.add_argument("--check", type=int, default=0, help="compare N LAs with one-by-one runs")
    ap.add_argument("--cold", action="store_true",
                    help="delete the shared national cache first (its one-off cost is then in)")
    ap.add_argument("--out", type=Path, default=None, help="reports folder (default: temporary)")
    args = ap.parse_args()

    from send_analysis.report.batch import run_batch
    from send_analysis.report.grid import la_codes
    from send_analysis.report.pack import discover_notebooks

    notebooks = discover_notebooks()
    if args.pages:
        notebooks = [nb for nb in notebooks if nb.stem in args.pages or nb.name in args.pages]
    everyone = la_codes("all")
    codes = everyone if args.all else la_codes(args.la) if args.la else _sample(everyone, args.las)
    shared_dir = Path(_processed()) / "shared"
    if args.cold:
        shutil.rmtree(shared_dir, ignore_errors=True)
    warm_cache = shared_dir.exists() and any(shared_dir.glob("*.pkl"))
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    print(f"before: {_load()}")
    print(f"{len(codes)} LAs x {len(notebooks)} pages on {args.scheduler or f'{args.workers} local workers'}"
          f"; shared national cache {'already filled' if warm_cache else 'empty (computed in this run)'}")
    t0 = time.perf_counter()
    outcomes = run_batch(codes, out_root=out, workers=args.workers, scheduler=args.scheduler,
                         progress=True, notebooks=notebooks)
    wall = time.perf_counter() - t0
    print(f"after:  {_load()}")
    print(f"{'LA':<5}{'pages':>6}{'failed':>7}{'CPU s':>8}{'task wall s':>12}{'kernel MiB':>11}"
          f"{'worker MiB':>11}")
    for o in outcomes:
        print(f"{o.pack.la_code:<5}{len(o.pack.pages):>6}{len(o.pack.failures):>7}{o.cpu_seconds:>8.1f}"
              f"{o.wall_seconds:>12.1f}{o.kernel_rss_mb:>11.0f}{o.worker_rss_mb:>11.0f}")
    cpu = [o.cpu_seconds for o in outcomes]
    mem = max(o.kernel_rss_mb + o.worker_rss_mb for o in outcomes)
    n_all = len(everyone)
    print(f"batch wall (cluster start to last file): {wall:.1f} s for {len(codes)} LAs")
    print(f"CPU per LA: mean {statistics.mean(cpu):.1f} s, median {statistics.median(cpu):.1f} s, "
          f"max {max(cpu):.1f} s (target about 8)")
    print(f"every LA ({n_all}) at that mean on {args.workers} workers: about "
          f"{n_all * statistics.mean(cpu) / args.workers / 60:.1f} min of CPU-bound wall (target < 10)")
    print(f"memory per worker (kernel + worker process, max): {mem:.0f} MiB (target < 2048)")
    failed = [o.pack for o in outcomes if not o.pack.ok]
    for r in failed:
        print(f"  failed {r.la_code}: {'; '.join(r.failures)[:300]}")
    if args.one_la:
        t1 = time.perf_counter()
        [one] = run_batch([args.one_la], out_root=out / "one", workers=args.workers,
                          scheduler=args.scheduler, progress=False, notebooks=notebooks,
                          national_index=False)
        print(f"one LA ({args.one_la}) alone, cluster start included: {time.perf_counter() - t1:.1f} s "
              f"wall, {one.cpu_seconds:.1f} CPU s (target < 20 s); {_load()}")
    if args.check:
        differ = _check(outcomes, notebooks, out, args.check)
        print(f"identical to one-by-one runs for {min(args.check, len(outcomes))} LAs: "
              f"{'yes' if not differ else 'NO: ' + ', '.join(differ)}")
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()

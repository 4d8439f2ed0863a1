"""Benchmark: CPU seconds of each pack page for a few LAs, in one warm kernel (issue 13).

Runs the pages as a batch worker does (one :class:`~send_analysis.report.batch.WarmKernel`,
cleaned before each page, the shared national cache on) and prints a table of the kernel's CPU
seconds per page and LA. The first ``--warm-la`` is run once before, untimed, so that the
national cache and the kernel's imports are paid before the figures (they are per batch, not per
LA). ``--save DIR`` writes each page's rendered HTML without its footer (which names the git
commit and run time) so two versions of the code can be compared page by page with
``--compare DIR``: identical apart from pandas' random table ids.

Run: ``.venv/bin/python benchmarks/bench_pages.py --la 334,886 [--pages 08_cohort_model ...]
[--save DIR] [--compare DIR]``. Run it on a quiet machine (the load is printed beside it).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--la", default="334,886", help="LAs to time (comma-separated)")
    ap.add_argument("--warm-la", default="202", help="LA run first, untimed ('' for none)")
    ap.add_argument("--pages", nargs="*", default=None, help="only these pages")
    ap.add_argument("--save", type=Path, default=None, help="write rendered pages here")
    ap.add_argument("--compare", type=Path, default=None, help="compare with pages saved here")
    args = ap.parse_args()

    import nbformat

    from send_analysis.paths import processed_dir
    from send_analysis.report import render
    from send_analysis.report.batch import WarmKernel, _cpu, comparable, read_pages
    from send_analysis.report.pack import discover_notebooks, page_params

    notebooks = discover_notebooks()
    if args.pages:
        notebooks = [nb for nb in notebooks if nb.stem in args.pages or nb.name in args.pages]
    specs = read_pages(notebooks)
    nav = [(s.fname, s.title) for s in specs]
    codes = [c for c in args.la.split(",") if c]
    kernel = WarmKernel()
    print(f"before: {_load()}")
    table: dict[str, dict[str, float]] = {}
    differ: list[str] = []
    try:
        runs = ([(args.warm_la, False)] if args.warm_la else []) + [(c, True) for c in codes]
        for code, timed in runs:
            params = page_params(code, 2025, str(processed_dir()), None, None)
            row = table.setdefault(code, {}) if timed else {}
            for spec in specs:
                pid0 = kernel.pid()
                c0, _ = _cpu([pid0])
                executed = kernel.run_page(nbformat.from_dict(spec.nb), spec.name, params)
                c1, _ = _cpu([kernel.pid()])
                if not timed:
                    continue
                row[spec.name] = c1 - c0 if pid0 == kernel.pid() else float("nan")
                page = comparable(render.render_html(executed, nav, spec.fname, ""))
                name = f"{code}_{spec.fname}"
                if args.save:
                    args.save.mkdir(parents=True, exist_ok=True)
                    (args.save / name).write_text(page)
                if args.compare and (args.compare / name).read_text() != page:
                    differ.append(name)
    finally:
        kernel.shutdown()
    print(f"after:  {_load()}")
    names = [s.name for s in specs]
    print(f"{'page':<34}" + "".join(f"{c:>9}" for c in codes))
    for n in names:
        print(f"{n:<34}" + "".join(f"{table[c].get(n, float('nan')):>9.1f}" for c in codes))
    print(f"{'total (CPU s)':<34}" + "".join(f"{sum(v for v in table[c].values() if v == v):>9.1f}" for c in codes))
    if args.compare:
        print("pages identical to --compare" if not differ else f"pages that differ: {differ}")


if __name__ == "__main__":
    main()

"""Benchmark: time to build the processed tables from the raw zips, and to run the one-LA pack.

Targets (issue 2): build under 30 s, one-LA pack (every notebook) under 60 s, on 2 cores.
Run: ``.venv/bin/python benchmarks/bench_foundation.py [--la 334] [--repeat 3]``. Prints a table.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from send_analysis.data.build import build_tables
from send_analysis.report.pack import build_pack, discover_notebooks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--la", default="334")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        builds = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            build_tables(out_dir=Path(tmp) / "processed")
            builds.append(time.perf_counter() - t0)
        packs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            r = build_pack(args.la, out_root=Path(tmp) / "reports")
            packs.append(time.perf_counter() - t0)
            if not r.ok:
                raise SystemExit(f"pack failed: {r.failures}")
    n = len(discover_notebooks())
    print(f"{'step':<40}{'median s':>10}{'min s':>10}{'target s':>10}")
    print(f"{'build processed tables (9 tables)':<40}{statistics.median(builds):>10.1f}"
          f"{min(builds):>10.1f}{30:>10}")
    print(f"{f'one-LA pack ({args.la}, {n} pages)':<40}{statistics.median(packs):>10.1f}"
          f"{min(packs):>10.1f}{60:>10}")


if __name__ == "__main__":
    main()

"""``send-analysis evidence``: the HTML evidence pack for one LA, a list, or all LAs."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evidence", help="run the notebooks and render the HTML evidence pack")
    p.add_argument("--la", required=True,
                   help="3-digit LA code (e.g. 334), a comma-separated list, or 'all'")
    p.add_argument("--as-of", type=int, default=2025, help="latest January census year to use")
    p.add_argument("--out", type=Path, default=None, help="reports folder (default reports/)")
    p.add_argument("--inputs", default=None, help="LA finance inputs YAML (finance pages)")
    p.add_argument("--casework", default=None, help="folder of a real casework extract")
    p.add_argument("--dayfirst", action="store_true",
                   help="the casework extract's dates are day-first (DD/MM/YYYY; ISO dates are "
                        "always read)")
    p.add_argument("--pages", nargs="*", default=None,
                   help="only these notebooks (e.g. 00_data_quality 01_overview)")
    p.add_argument("--workers", type=int, default=2,
                   help="Dask worker processes of a local cluster, each with one warm kernel "
                        "(default 2)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (README)")
    p.set_defaults(func=_evidence)


def check_out(out: Path | None) -> None:
    """``--out`` must be a folder (or not exist yet), checked before any page runs."""
    from send_analysis.errors import ConfigError

    if out is None:
        return
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                what = "is a file" if p == out else f"is inside {p}, which is a file"
                raise ConfigError(f"--out {out}: {what} (expected a folder for the reports)")
            break


def _evidence(args: argparse.Namespace) -> int:
    from send_analysis.report.batch import build_all, run_batch
    from send_analysis.report.grid import is_grid, la_codes
    from send_analysis.report.pack import discover_notebooks

    check_out(args.out)
    if args.casework is not None:  # a bad extract is one line before any page runs, not ten
        from send_analysis.casework.io import read_casework

        read_casework(args.casework)
    notebooks = discover_notebooks()
    if args.pages:
        wanted = set(args.pages)
        notebooks = [nb for nb in notebooks if nb.stem in wanted or nb.name in wanted]
        missing = wanted - {nb.stem for nb in notebooks} - {nb.name for nb in notebooks}
        if missing:
            print(f"send-analysis evidence: error: unknown page(s) {sorted(missing)}", file=sys.stderr)
            return 2
    if args.dayfirst and not args.casework:
        from send_analysis.errors import ConfigError

        raise ConfigError("--dayfirst is about the dates of a casework extract: give --casework DIR")
    kwargs = {"as_of_year": args.as_of, "inputs_file": args.inputs,
              "casework_dir": args.casework, "notebooks": notebooks}
    if args.dayfirst:
        kwargs["casework_dayfirst"] = True
    if is_grid(args.la):
        codes = la_codes(args.la)
        results = build_all(codes, out_root=args.out, workers=args.workers,
                            scheduler=args.scheduler, **kwargs)
        failed = [r for r in results if not r.ok]
        print(f"{len(results) - len(failed)} of {len(results)} LAs complete")
        for r in failed:
            print(f"  {r.la_code}: " + "; ".join(r.failures), file=sys.stderr)
        return 1 if failed else 0
    from send_analysis.data.geography import la_record

    la_record(args.la)  # an unknown or former LA is a usage error (exit 2), before any cluster starts
    # one LA: its pages are dealt to the workers; no national index
    started = time.perf_counter()
    [outcome] = run_batch([args.la], out_root=args.out, workers=args.workers,
                          scheduler=args.scheduler, progress=False, national_index=False, **kwargs)
    r = outcome.pack
    print(f"{r.la_name} ({r.la_code}): {len(r.pages)} pages in {r.out_dir or 'nowhere'} "
          f"({time.perf_counter() - started:.1f}s)")
    for f in r.failures:
        print(f"  failed: {f}", file=sys.stderr)
    return 1 if r.failures else 0

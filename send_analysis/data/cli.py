"""``send-analysis data fetch | build | summary``."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from send_analysis.paths import default_mirror, processed_dir, raw_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="stage official files, build tidy tables, summaries")
    dsub = p.add_subparsers(dest="data_command", required=True)

    f = dsub.add_parser("fetch", help="stage every registered source into data/raw")
    f.add_argument("--mirror", type=Path, default=None,
                   help="mirror folder laid out like data/raw (default: SEND_DATA_MIRROR, else "
                        "../shared/data/raw when it exists)")
    f.add_argument("--no-download", action="store_true",
                   help="fail rather than download a file the mirror lacks")
    f.add_argument("--only", nargs="*", default=None, help="source id prefixes, e.g. ehcp/")
    f.add_argument("--dest", type=Path, default=None, help="destination (default data/raw)")
    f.set_defaults(func=_fetch)

    b = dsub.add_parser("build", help="build the tidy Parquet tables in data/processed")
    b.add_argument("--raw", type=Path, default=None)
    b.add_argument("--out", type=Path, default=None)
    b.set_defaults(func=_build)

    s = dsub.add_parser("summary", help="an LA's total plans by year")
    s.add_argument("--la", required=True, help="3-digit LA code, or E92000001 for England")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_summary)


def _fetch(args: argparse.Namespace) -> int:
    from send_analysis.data.fetch import fetch_all

    mirror = args.mirror or default_mirror()
    results = fetch_all(dest_dir=args.dest, mirror=mirror, download=not args.no_download,
                        only=args.only, progress=True)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.how] = counts.get(r.how, 0) + 1
    print(f"staged {len(results)} files in {args.dest or raw_dir()}: "
          + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    return 0


def _build(args: argparse.Namespace) -> int:
    from send_analysis.data.build import build_tables

    t0 = time.perf_counter()
    manifest = build_tables(raw=args.raw, out_dir=args.out, progress=True)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    print(f"built {len(manifest['tables'])} tables ({rows:,} rows) in "
          f"{args.out or processed_dir()} in {time.perf_counter() - t0:.1f}s")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from send_analysis.data.geography import la_record
    from send_analysis.data.tables import Tables, total_plans

    tables = Tables.default()
    if str(args.la).strip().isdigit():  # an LA (a former one too: its history is published)
        args.la = la_record(args.la, tables, former=True).la_code
    s = total_plans(args.la, tables)
    names = tables.get("plans_by_setting")
    name = names.loc[names["area_code"] == args.la, "area_name"].iloc[-1]
    doc = {"la_code": args.la, "la_name": name, "measure": "EHC plans at January (statements "
           "included to 2018)", "plans": {str(int(y)): (None if v != v else int(v))
                                         for y, v in s.items()}}
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        print(f"{name} ({args.la}): EHC plans at January")
        for y, v in doc["plans"].items():
            print(f"  {y}: {v if v is not None else 'not published'}")
    return 0

"""``send-analysis benchmark`` and ``send-analysis claims``.

Examples::

    send-analysis benchmark --la 334 --year 2021 --json
    send-analysis benchmark --la 334 --year 2021 --group f40=334,330,332
    send-analysis claims --claims claims/solihull_2021.yaml --json
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from send_analysis.errors import ConfigError


def _clean(value: Any) -> Any:
    """JSON-safe: NaN -> None, numpy scalars -> Python, floats rounded to 4 dp."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    return value


def parse_groups(items: list[str] | None) -> dict[str, list[str]]:
    """``["f40=334,330", ...]`` -> ``{"f40": ["334", "330"]}``; ConfigError if malformed.

    >>> parse_groups(["f40=334, 330"])
    {'f40': ['334', '330']}
    """
    out: dict[str, list[str]] = {}
    for item in items or []:
        name, sep, codes = item.partition("=")
        members = [c.strip() for c in codes.split(",") if c.strip()]
        if not sep or not name.strip() or not members:
            raise ConfigError(f"--group {item!r}: expected NAME=CODE,CODE,...")
        out[name.strip()] = members
    return out


def _known(option: str, codes: list[str], tables) -> list[str]:
    """Every code of a list through ``la_record`` (a former LA allowed, for a past year): an
    unknown one is a ConfigError naming the option and the code (exit 2, nothing computed)."""
    from send_analysis.data.geography import la_record
    from send_analysis.errors import UnknownLAError

    out = []
    for code in codes:
        try:
            out.append(la_record(code, tables, former=True).la_code)
        except UnknownLAError as exc:
            raise ConfigError(f"{option}: {exc}") from None
    return out


def _benchmark(args: argparse.Namespace) -> int:
    from send_analysis.benchmark.compare import benchmark, default_neighbours
    from send_analysis.data.geography import la_record
    from send_analysis.data.tables import Tables

    tables = Tables.at(args.processed)
    args.la = la_record(args.la, tables, former=True).la_code  # a former LA for a past year
    groups = {name: _known(f"--group {name}", codes, tables)
              for name, codes in parse_groups(args.group).items()}
    neighbours = (_known("--neighbours", [c.strip() for c in args.neighbours.split(",") if c.strip()],
                         tables) if args.neighbours else None)
    description = "user list"
    if args.similar:
        from send_analysis.benchmark.similar import similar_las

        neighbours = similar_las(args.la, args.year, args.similar)
        description = f"the {args.similar} LAs most similar on FSM, EAL and child population"
    if neighbours is None:
        neighbours, description = default_neighbours(args.la, args.year)
    df = benchmark(args.la, args.year, comparators=groups, neighbours=neighbours, tables=tables)
    if args.json:
        doc = {
            "la_code": args.la, "year": args.year,
            "neighbours": {"source": description, "codes": list(neighbours)},
            "groups": groups,
            "metrics": [{k: _clean(v) for k, v in row.items()} for row in df.to_dict("records")],
        }
        print(json.dumps(doc, indent=None))
    else:
        cols = ["label", "la", "england", "region", "neighbours", *groups, "rank", "n",
                "quartile"]
        print(df[cols].round(1).to_string(index=False))
    return 0


def _claims(args: argparse.Namespace) -> int:
    from send_analysis.benchmark.claims import results_frame, run_claims_file
    from send_analysis.data.tables import Tables

    results = run_claims_file(args.claims, Tables.at(args.processed))
    if args.json:
        for r in results:
            print(json.dumps(r.to_dict()))
    else:
        df = results_frame(results)
        print(df[["claim", "claimed", "computed", "verdict", "definition"]].to_string(index=False))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``benchmark`` and ``claims`` commands."""
    b = subparsers.add_parser("benchmark", help="compare an LA with England, region, neighbours")
    b.add_argument("--la", required=True, help="3-digit DfE LA code, e.g. 334")
    b.add_argument("--year", type=int, required=True,
                   help="benchmark year: January census year (events from the calendar year before)")
    b.add_argument("--group", action="append", metavar="NAME=CODES",
                   help="named comparator group, e.g. f40=334,330,332 (repeatable)")
    b.add_argument("--neighbours", help="comma-separated LA codes instead of DfE's neighbours")
    b.add_argument("--similar", type=int, metavar="K",
                   help="use the K most similar LAs on public context indicators as neighbours")
    b.add_argument("--processed", help="folder of processed tables (default data/processed)")
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.set_defaults(func=_benchmark)

    c = subparsers.add_parser("claims", help="recompute a report's claims from official data")
    c.add_argument("--claims", required=True, help="claims YAML file")
    c.add_argument("--processed", help="folder of processed tables (default data/processed)")
    c.add_argument("--json", action="store_true", help="print one JSON object per claim")
    c.set_defaults(func=_claims)

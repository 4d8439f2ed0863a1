"""``send-analysis casework``: synthetic casework calibrated to a real LA."""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

import pandas as pd

from send_analysis.casework.io import read_casework, write_casework
from send_analysis.casework.performance import DEFAULT_THRESHOLD, check_threshold, statutory_summary
from send_analysis.casework.synth import synth, targets_from_tables
from send_analysis.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``casework`` sub-command with its ``synth`` action."""
    p = subparsers.add_parser("casework", help="synthetic casework and statutory performance")
    sub = p.add_subparsers(dest="casework_command", required=True)
    s = sub.add_parser(
        "synth", help="write synthetic casework calibrated to an LA's published figures",
        description="Generate person-level synthetic casework whose totals, setting mix, new "
                    "plans and 20-week timeliness match the LA's figures in the tidy tables "
                    "(run `send-analysis data build` first).")
    s.add_argument("--like", required=True, help="3-digit DfE LA code to calibrate to")
    s.add_argument("--out", required=True, type=Path, help="output folder (one CSV per table)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--year", type=int, default=None,
                   help="latest January census year to use (default: the latest published)")
    s.add_argument("--history", type=int, default=6, help="census years to generate")
    s.set_defaults(func=run_synth)
    q = sub.add_parser(
        "performance", help="statutory performance measures from a casework folder",
        description="20-week timeliness, assessments open beyond 20 weeks, overdue annual "
                    "reviews, phase transfers named by the deadline and the request funnel, with "
                    "counts below --threshold suppressed (shown as c).")
    q.add_argument("--casework", required=True, type=Path, help="casework folder (one CSV per table)")
    q.add_argument("--at", default=None, help="date of the measures (YYYY-MM-DD; default: the "
                                              "casework's last date)")
    q.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD,
                   help=f"suppress counts from 1 to this - 1 (default {DEFAULT_THRESHOLD}; a lower "
                        "value needs --allow-low-threshold)")
    q.add_argument("--allow-low-threshold", action="store_true",
                   help="allow a --threshold below the default (small counts may identify children)")
    q.add_argument("--dayfirst", action="store_true",
                   help="also read day-first dates (DD/MM/YYYY); ISO dates (YYYY-MM-DD) are always "
                        "read, and no other form is guessed")
    q.add_argument("--json", action="store_true", help="print JSON instead of text")
    q.set_defaults(func=run_performance)


def run_synth(args: argparse.Namespace) -> int:
    from send_analysis.data.geography import la_record

    year = args.year if args.year is not None else 9999
    like = la_record(args.like, former=True).la_code  # a former LA's past years may be mimicked
    targets = targets_from_tables(like, year, history=args.history)
    casework = synth(targets, seed=args.seed)
    paths = write_casework(casework, args.out)
    print(f"wrote {len(paths)} tables for a synthetic LA like {targets.la_code} "
          f"({targets.la_name}), census years {targets.census_years[0]}-"
          f"{targets.census_years[-1]}, to {args.out}")
    return 0


def run_performance(args: argparse.Namespace) -> int:
    check_threshold(args.threshold, args.allow_low_threshold)
    at = None
    if args.at is not None:
        try:
            at = pd.Timestamp(datetime.date.fromisoformat(args.at))
        except ValueError:
            raise ConfigError(f"--at {args.at!r} is not a date (expected YYYY-MM-DD)") from None
    summary = statutory_summary(read_casework(args.casework, dayfirst=args.dayfirst), at,
                                args.threshold, allow_low_threshold=args.allow_low_threshold)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for key, value in summary.items():
            print(f"{key.replace('_', ' ')}: {value}")
    return 0

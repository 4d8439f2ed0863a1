"""Benchmark: CPU seconds of an LA's synthetic casework and its transitions table (issue 13).

For each LA, times :func:`~send_analysis.casework.pipeline.casework_for_la` (the uncached
function, so every run synthesises) and
:func:`~send_analysis.cohort.transitions.transitions_from_casework` on its result, and prints the
least CPU time of ``--runs`` runs of each. ``--save FILE`` pickles every output table (the six
casework tables and the transitions table, per LA and seed); ``--compare FILE`` checks the
outputs against such a file, frame for frame (values, dtypes, order) and CSV byte for byte, so
two versions of the code can be shown to give identical casework: save on one, compare on the other.

Run: ``.venv/bin/python benchmarks/bench_casework.py [--la 334,886,330] [--seeds 0]
[--runs 3] [--save FILE] [--compare FILE]``. Run it on a quiet machine (the load is printed).
"""

from __future__ import annotations

import argparse
import os
import pickle
import time
from pathlib import Path


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def _differences(got: dict, want: dict) -> list[str]:
    """Names of the tables in ``got`` that are not identical to those in ``want``."""
    import pandas as pd

    bad = []
    for name, df in want.items():
        other = got.get(name)
        try:
            assert other is not None
            pd.testing.assert_frame_equal(other, df, check_exact=True)
            assert other.to_csv(index=False) == df.to_csv(index=False)
        except AssertionError:
            bad.append(name)
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--la", default="334,886,330", help="LAs to time (comma-separated)")
    ap.add_argument("--seeds", default="0", help="seeds (comma-separated); each is timed")
    ap.add_argument("--year", type=int, default=2025, help="latest census year (as_of_year)")
    ap.add_argument("--runs", type=int, default=3, help="runs per LA; the least time is shown")
    ap.add_argument("--save", type=Path, default=None, help="pickle the outputs to this file")
    ap.add_argument("--compare", type=Path, default=None, help="compare with outputs saved here")
    args = ap.parse_args()

    from send_analysis.casework.pipeline import casework_for_la
    from send_analysis.cohort.transitions import transitions_from_casework

    synthesise = casework_for_la.__wrapped_per_la__  # the per-LA memo would time a cache hit
    want = pickle.loads(args.compare.read_bytes()) if args.compare else None
    saved: dict = {}
    synthesise("202", args.year)  # imports and first-call caches, untimed
    print(_load())
    print(f"{'LA':>4} {'seed':>4} {'plans':>7} {'casework_for_la':>16} {'transitions':>12} "
          f"{'total':>7}  output")
    identical = True
    for la in args.la.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            t_cw, t_tr = [], []
            for _ in range(args.runs):
                t0 = time.process_time()
                cw = synthesise(la, args.year, seed=seed)
                t1 = time.process_time()
                tr = transitions_from_casework(cw.casework)
                t2 = time.process_time()
                t_cw.append(t1 - t0)
                t_tr.append(t2 - t1)
            out = {**cw.casework.tables(), "transitions": tr}
            saved[(la, seed)] = out
            note = ""
            if want is not None:
                if (la, seed) not in want:
                    note = "not in the saved file"
                else:
                    bad = _differences(out, want[(la, seed)])
                    identical &= not bad
                    note = "identical" if not bad else "DIFFERENT: " + ", ".join(bad)
            print(f"{la:>4} {seed:>4} {len(cw.casework.plans):>7} {min(t_cw):>15.2f}s "
                  f"{min(t_tr):>11.2f}s {min(t_cw) + min(t_tr):>6.2f}s  {note}")
    if args.save:
        args.save.write_bytes(pickle.dumps(saved, protocol=5))
        print(f"saved the outputs to {args.save}")
    if want is not None:
        print("every output identical to the saved file" if identical
              else "some outputs DIFFER from the saved file")
        raise SystemExit(0 if identical else 1)


if __name__ == "__main__":
    main()

"""Scenario grids: every LA (or a list) x the scenario files, on the evidence batch's Dask engine.

``send-analysis scenario --la all --scenario S.yaml [--scenario ...] --json`` prints one JSON
record per line and per LA: the same record ``send-analysis scenario --la <code> --json`` prints
for that LA on the public defaults (unmitigated positions, each scenario, their combination), or
``{"la_code": ..., "error": ...}`` for an LA whose model could not run. Workers are plain Dask
worker processes (no kernel): each imports the finance model once and keeps the public
workbook parses in memory (and on disk, :mod:`send_analysis.finance.public`) for every LA it
runs, so the national inputs are parsed once per worker, not once per LA.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from send_analysis.errors import ConfigError
from send_analysis.report import finite_json

#: The projection options a grid passes through to every LA's run (``scenario``'s flags).
OPTIONS = ("scenario", "horizon", "draws", "seed", "as_of", "discount_rate")


def la_codes(spec: str) -> list[str]:
    """``all`` (every live LA in the lookup) or a comma-separated list, in order, once each.

    Every code of a list goes through :func:`~send_analysis.data.geography.la_record` before any
    LA runs: ``334,abc`` raises its :class:`~send_analysis.errors.UnknownLAError` naming ``abc``
    (exit 2, nothing run)."""
    from send_analysis.data.tables import Tables

    if spec == "all":
        lk = Tables.default().get("la_lookup")
        return sorted(lk.loc[lk["status"] == "live", "la_code"])
    from send_analysis.data.geography import la_record

    return list(dict.fromkeys(la_record(c.strip()).la_code for c in spec.split(",") if c.strip()))


def is_grid(spec: str | None) -> bool:
    """Whether an ``--la`` value names several LAs."""
    return spec is not None and (str(spec) == "all" or "," in str(spec))


def scenario_record(la_code: str, options: dict) -> dict:
    """One LA's scenario results on its public defaults (runs on a worker; never raises)."""
    from send_analysis.finance.run import positions, run

    args = argparse.Namespace(la=la_code, inputs=None, **options)
    try:
        inputs, where, unmitigated, results = run(args)
        return finite_json({"la_code": str(inputs["la_code"]), "inputs": where,
                        "unmitigated": positions(unmitigated),
                        "scenarios": [r.to_dict() for r in results]})
    except Exception as exc:  # one LA's failure is its record, the grid goes on
        return {"la_code": la_code, "error": f"{type(exc).__name__}: {exc}"}


def run_grid(codes: Sequence[str], options: dict, workers: int = 2, scheduler: str | None = None,
             progress: bool = True, client=None) -> list[dict]:
    """Every LA's :func:`scenario_record`, on Dask, in LA-code order."""
    from distributed import as_completed

    from send_analysis.report.batch import close_client, open_client

    if not codes:
        raise ConfigError("no LA codes to run")
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise ConfigError(f"unknown scenario grid option(s) {sorted(unknown)}")
    # paths as given (records name them as the one-LA command does): workers run in this folder,
    # or, on a cluster, in a copy of the project at the same place
    missing = [s for s in options.get("scenario") or [] if not Path(s).is_file()]
    if missing:
        raise ConfigError(f"scenario file {missing[0]}: not found")
    own_client = client is None
    if own_client:
        client = open_client(workers, scheduler)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(codes), desc="scenario grid", unit="LA")
    records: dict[str, dict] = {}
    try:
        futures = {client.submit(scenario_record, code, options, pure=False): code for code in codes}
        for fut in as_completed(list(futures)):
            code = futures[fut]
            try:
                records[code] = fut.result()
            except Exception as exc:  # the worker died
                records[code] = {"la_code": code, "error": f"{type(exc).__name__}: {exc}"}
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        if own_client:
            close_client(client)
    return [records[c] for c in sorted(records)]


def grid_text(records: Sequence[dict]) -> str:
    """A table for people: per LA and scenario, the NPV and payback; failures at the end."""
    lines = [f"{'LA':4s} {'scenario':40s} {'NPV (£)':>16s}  payback"]
    for r in records:
        for s in r.get("scenarios", []):
            npv = s.get("npv")
            npv_text = f"{npv:,.0f}" if isinstance(npv, int | float) else "-"
            lines.append(f"{r['la_code']:4s} {str(s.get('name'))[:40]:40s} {npv_text:>16s}  "
                         f"{s.get('payback')}")
    failed = [r for r in records if "error" in r]
    lines.append(f"{len(records) - len(failed)} of {len(records)} LAs complete")
    lines += [f"  {r['la_code']}: {r['error']}" for r in failed]
    return "\n".join(lines)

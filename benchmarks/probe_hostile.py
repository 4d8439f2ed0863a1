"""Issue 19's hostile inputs, each run through the command line: one clear line and exit 2 for
bad input, a warning (or the right answer) where a documented rule applies, never a traceback.

    PYTHONPATH=$PWD python benchmarks/probe_hostile.py [--only NAME ...]

Prints one line per probe (handled / FAILED and why) and the count tried / handled. Every file it
writes is in a temporary folder; the processed tables are damaged only in a copy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIG = "9" * 401


@dataclass
class Probe:
    name: str
    argv: list[str]
    #: "error": exit 2, one line on stderr naming ``mention``; "warn": exit 0 and a warning line
    #: naming ``mention``; "ok": exit 0 and ``mention`` in stdout.
    expect: str = "error"
    mention: str = ""
    env: dict[str, str] = field(default_factory=dict)
    timeout: int = 600
    #: an extra check of (returncode, stdout, stderr) -> failure reason or None
    check: Callable[[int, str, str], str | None] | None = None


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "send_analysis.cli", *args]


def solihull_inputs() -> dict:
    return yaml.safe_load((ROOT / "examples" / "solihull_2021.yaml").read_text())


def write_yaml(path: Path, doc: dict) -> str:
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)


def text_replace(src: Path, dest: Path, old: str, new: str) -> str:
    text = src.read_text()
    assert old in text, (src, old)
    dest.write_text(text.replace(old, new, 1))
    return str(dest)


def casework_folder(tmp: Path, name: str, edit: Callable[[Path], None] | None = None) -> str:
    """A copy of a small synthetic casework (made once), optionally edited."""
    base = tmp / "casework_base"
    if not base.exists():
        subprocess.run(cli("casework", "synth", "--like", "334", "--out", str(base), "--history", "3"),
                       check=True, capture_output=True, timeout=600)
    out = tmp / name
    shutil.copytree(base, out)
    if edit:
        edit(out)
    return str(out)


def header_only(folder: Path) -> None:
    for f in folder.glob("*.csv"):
        f.write_text(f.read_text().splitlines()[0] + "\n")


def duplicate_rows(folder: Path) -> None:
    f = folder / "reviews.csv"
    lines = f.read_text().splitlines()
    f.write_text("\n".join([lines[0], *lines[1:], *lines[1:]]) + "\n")


def future_row(folder: Path) -> None:
    f = folder / "requests.csv"
    lines = f.read_text().splitlines()
    head = lines[0].split(",")
    row = lines[1].split(",")
    row[head.index("request_id")] = "R-FUTURE"
    for i, col in enumerate(("request_date", "decision_date", "plan_issue_date")):
        row[head.index(col)] = f"2099-01-0{i + 1}"
    f.write_text("\n".join([*lines, ",".join(row)]) + "\n")


def processed_copy(tmp: Path, name: str, damage: Callable[[Path], None]) -> str:
    from send_analysis.paths import processed_dir

    out = tmp / name
    out.mkdir()
    for f in processed_dir().iterdir():
        target = f.resolve()
        if target.is_dir():
            shutil.copytree(target, out / f.name)
        else:
            shutil.copy2(target, out / f.name)
    damage(out)
    return str(out)


def truncate(name: str) -> Callable[[Path], None]:
    def cut(folder: Path) -> None:
        f = folder / name
        data = f.read_bytes()
        f.write_bytes(data[: len(data) // 2])
    return cut


def no_growth_before_its_base(code: int, stdout: str, stderr: str) -> str | None:
    """``benchmark --year 2010``: growth "since January 2014" is missing, never negative."""
    import json

    doc = json.loads(stdout)
    found = [m for m in doc.get("metrics", doc.get("benchmark", [])) if isinstance(m, dict)
             and m.get("metric") == "growth_since_2014"]
    if not found:
        return "no growth_since_2014 row in the JSON"
    if found[0].get("la") is not None:
        return f"growth since January 2014 reported for January 2010: {found[0].get('la')}"
    return None


def probes(tmp: Path) -> list[Probe]:
    out: list[Probe] = []
    inputs = solihull_inputs()
    scen = ROOT / "scenarios" / "early_help.yaml"

    # ---- tracebacks that must become one line, exit 2 --------------------------------------
    out.append(Probe("backtest horizon beyond the data",
                     cli("backtest", "--origin", "2023", "--horizon", "5", "--fast"),
                     mention="--horizon"))
    bad = text_replace(ROOT / "examples" / "solihull_2021.yaml", tmp / "fy.yaml",
                       'financial_year: "2020-21"', "financial_year: 2024-25-01")
    out.append(Probe("financial_year 2024-25-01",
                     cli("dsg-plan", "--la", "334", "--inputs", bad, "--json", "--draws", "50"),
                     mention="2024-25-01"))
    big_in = solihull_inputs()
    big_in["opening_balance"]["cumulative"] = int(BIG)
    out.append(Probe("401-digit integer in inputs",
                     cli("dsg-plan", "--la", "334", "--inputs", write_yaml(tmp / "big.yaml", big_in),
                         "--json", "--draws", "50"), mention="401 digits"))
    big_s = text_replace(scen, tmp / "big_scenario.yaml", "ramp_years: 2", f"ramp_years: {BIG}")
    out.append(Probe("401-digit integer in a scenario",
                     cli("scenario", "--la", "334", "--scenario", big_s, "--json", "--draws", "50"),
                     mention="401 digits"))
    big_c = text_replace(ROOT / "claims" / "solihull_2021.yaml", tmp / "big_claims.yaml",
                         "claimed: 68", f"claimed: {BIG}")
    out.append(Probe("401-digit integer in claims", cli("claims", "--claims", big_c, "--json"),
                     mention="401 digits"))
    out.append(Probe("header-only casework CSVs",
                     cli("casework", "performance", "--casework",
                         casework_folder(tmp, "cw_header_only", header_only)), mention="casework"))
    cohort = ROOT / "examples" / "cohort"
    pop = tmp / "population_zero.csv"
    lines = (cohort / "population.csv").read_text().splitlines()
    head = lines[0].split(",")
    col = head.index("population")
    pop.write_text("\n".join([lines[0], *(",".join(v if i != col else "0" for i, v in
                                                enumerate(line.split(","))) for line in lines[1:])]) + "\n")
    cohort_args = ["--transitions", str(cohort / "transitions.csv"), "--costs", str(cohort / "costs.csv"),
                   "--valid-states", str(cohort / "valid_states.csv"), "--simulations", "20",
                   "--years", "2"]
    out.append(Probe("all-zero cohort population",
                     cli("cohort", "--population", str(pop), *cohort_args, "--out", str(tmp / "coh0")),
                     mention="population"))
    a_file = tmp / "a_file.txt"
    a_file.write_text("not a folder\n")
    a_folder = tmp / "a_folder"
    a_folder.mkdir()
    out.append(Probe("cohort --out is a file",
                     cli("cohort", "--population", str(cohort / "population.csv"), *cohort_args,
                         "--out", str(a_file)), mention="--out"))
    out.append(Probe("casework synth --out is a file",
                     cli("casework", "synth", "--like", "334", "--out", str(a_file)), mention="--out"))
    out.append(Probe("data build --out is a file", cli("data", "build", "--out", str(a_file)),
                     mention="--out"))
    out.append(Probe("data fetch --dest is a file",
                     cli("data", "fetch", "--no-download", "--only", "la_codes/", "--dest", str(a_file)),
                     mention="--dest"))
    out.append(Probe("dsg-plan --xlsx is a folder",
                     cli("dsg-plan", "--la", "334", "--xlsx", str(a_folder), "--draws", "50"),
                     mention="--xlsx"))
    out.append(Probe("truncated parquet in data/processed",
                     cli("data", "summary", "--la", "334"), mention="data build",
                     env={"SEND_DATA_PROCESSED": processed_copy(tmp, "proc_parquet",
                                                                truncate("plans_by_setting.parquet"))}))
    out.append(Probe("truncated manifest in data/processed",
                     cli("data", "summary", "--la", "334"), mention="data build",
                     env={"SEND_DATA_PROCESSED": processed_copy(tmp, "proc_manifest",
                                                                truncate("manifest.json"))}))
    out.append(Probe("--scheduler 'not a url'",
                     cli("evidence", "--la", "334,335", "--scheduler", "not a url",
                         "--out", str(tmp / "rep_sched")), mention="--scheduler", timeout=120))
    out.append(Probe("evidence --casework missing, checked before any page",
                     cli("evidence", "--la", "334", "--casework", str(tmp / "no_such_casework"),
                         "--out", str(tmp / "rep_cw")), mention="--casework", timeout=60))

    # ---- silently wrong: a clear error, or a documented rule with a warning -----------------
    early = {**inputs, "first_forecast_year": "2012-13",
             "opening_balance": {**inputs["opening_balance"], "financial_year": "2011-12"}}
    out.append(Probe("first_forecast_year before the first allocation",
                     cli("dsg-plan", "--la", "334", "--inputs", write_yaml(tmp / "early.yaml", early),
                         "--json", "--draws", "50"), mention="hnb_allocation"))
    late = {**inputs, "income": {**inputs["income"], "hnb_allocation": {"2024-25": 40_000_000}}}
    out.append(Probe("a single late hnb_allocation year",
                     cli("dsg-plan", "--la", "334", "--inputs", write_yaml(tmp / "late.yaml", late),
                         "--json", "--draws", "50"), mention="hnb_allocation"))
    tail = {**inputs, "high_cost_tail": {"threshold": 200_000, "placements": 2_000_000,
                                         "average_cost": 224_000}}
    out.append(Probe("high_cost_tail without a ceiling",
                     cli("dsg-plan", "--la", "334", "--inputs", write_yaml(tmp / "tail.yaml", tail),
                         "--json", "--draws", "50"), mention="high_cost_tail"))
    old = {**inputs, "unit_costs": {**inputs["unit_costs"], "price_year": "1999-00"}}
    out.append(Probe("unit_costs.price_year 1999-00",
                     cli("dsg-plan", "--la", "334", "--inputs", write_yaml(tmp / "old.yaml", old),
                         "--json", "--draws", "50"), mention="price_year"))
    out.append(Probe("the same scenario twice (--scenario x2)",
                     cli("scenario", "--la", "334", "--scenario", str(scen), "--scenario", str(scen),
                         "--json", "--draws", "50"), mention="twice"))
    twice = {**inputs, "mitigations": [str(scen)]}
    out.append(Probe("the same scenario twice (--scenario and mitigations)",
                     cli("scenario", "--la", "334", "--inputs", write_yaml(tmp / "twice.yaml", twice),
                         "--scenario", str(scen), "--json", "--draws", "50"), mention="twice"))
    out.append(Probe("duplicate casework rows",
                     cli("casework", "performance", "--casework",
                         casework_folder(tmp, "cw_dupes", duplicate_rows)), mention="duplicate"))
    out.append(Probe("one future-dated casework row",
                     cli("casework", "performance", "--casework",
                         casework_folder(tmp, "cw_future", future_row)), mention="2099"))
    out.append(Probe("benchmark --year 2010", cli("benchmark", "--la", "334", "--year", "2010", "--json"),
                     expect="ok", check=no_growth_before_its_base))
    return out


def run(p: Probe) -> str | None:
    """Why the probe failed, or None when it was handled."""
    env = {**os.environ, **p.env}
    try:
        r = subprocess.run(p.argv, capture_output=True, text=True, timeout=p.timeout, env=env,
                           cwd=ROOT)
    except subprocess.TimeoutExpired:
        return f"no answer in {p.timeout}s"
    err = r.stderr.strip()
    lines = [line for line in err.splitlines() if line.strip()]
    if "Traceback" in err:
        return f"traceback: {lines[-1][:160] if lines else ''}"
    if p.expect == "error":
        if r.returncode != 2:
            return f"exit {r.returncode}, expected 2 ({(lines[-1] if lines else r.stdout[-160:])[:160]})"
        if len(lines) != 1:
            return f"{len(lines)} lines on stderr, expected 1"
        if p.mention and p.mention not in err:
            return f"the error does not name {p.mention!r}: {err[:160]}"
    elif p.expect == "ok" and r.returncode != 0:
        return f"exit {r.returncode}: {(lines[-1] if lines else '')[:160]}"
    elif p.expect == "warn":
        if r.returncode != 0:
            return f"exit {r.returncode}: {(lines[-1] if lines else '')[:160]}"
        if p.mention not in err:
            return f"no warning naming {p.mention!r}"
    if p.check:
        return p.check(r.returncode, r.stdout, r.stderr)
    return None


def ctrl_c_probe(tmp: Path, delay: float = 25.0) -> str | None:
    """A batch of LAs stopped with Ctrl-C (SIGINT to the whole process group, as a terminal
    sends it) ends within 2 s with one line, no traceback, and leaves no process behind."""
    import psutil

    err_file = tmp / "ctrl_c_stderr.txt"
    with open(err_file, "w") as err:
        proc = subprocess.Popen(cli("evidence", "--la", "334,335,336", "--workers", "1",
                                    "--out", str(tmp / "rep_ctrlc")), stdout=subprocess.DEVNULL,
                                stderr=err, cwd=ROOT, start_new_session=True)
        time.sleep(delay)
        children = psutil.Process(proc.pid).children(recursive=True)
        start = time.perf_counter()
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            tail = err_file.read_text().strip().splitlines()[-3:]
            return f"still running 30 s after Ctrl-C ({len(children)} children then; {tail})"
        took = time.perf_counter() - start
    time.sleep(8)
    left = [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    text = err_file.read_text()
    noise = ("evidence packs:", "UserWarning: Port", "Perhaps you already", "Hosting the HTTP",
             "warnings.warn(")  # the progress bar; distributed's note about a busy port
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith(noise)
             and not any(n in line for n in noise)]
    if "Traceback" in text:
        return f"traceback after Ctrl-C ({took:.1f}s)"
    if took > 2.0:
        return f"took {took:.1f}s to stop"
    if left:
        return f"{len(left)} processes still running 8 s after Ctrl-C"
    if len(lines) != 1:
        return f"{len(lines)} lines on stderr after Ctrl-C: {lines[:3]}"
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=None, help="probes whose name contains any of these")
    ap.add_argument("--no-ctrl-c", action="store_true", help="skip the Ctrl-C batch probe")
    args = ap.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory(prefix="probe-hostile-") as t:
        tmp = Path(t)
        todo = probes(tmp)
        if args.only:
            todo = [p for p in todo if any(w in p.name for w in args.only)]
        tried = 0
        for p in todo:
            started = time.perf_counter()
            why = run(p)
            tried += 1
            failed += why is not None
            print(f"{'handled' if why is None else 'FAILED '}  {p.name} "
                  f"({time.perf_counter() - started:.1f}s){'' if why is None else ': ' + why}",
                  flush=True)
        if not args.no_ctrl_c and (not args.only or any("ctrl" in w.lower() for w in args.only)):
            why = ctrl_c_probe(tmp)
            tried += 1
            failed += why is not None
            print(f"{'handled' if why is None else 'FAILED '}  Ctrl-C stops a batch"
                  f"{'' if why is None else ': ' + why}", flush=True)
    print(f"{tried} tried, {tried - failed} handled, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

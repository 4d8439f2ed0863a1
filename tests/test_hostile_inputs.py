"""Issue 19: hostile inputs that gave a traceback or a silently wrong figure. Each is now one
line and exit 2 (or a documented rule); ``benchmarks/probe_hostile.py`` runs them all through the
command line."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_casework_performance import hand_made

from send_analysis.casework.io import read_casework, write_casework
from send_analysis.cli import main
from send_analysis.errors import ConfigError, DataError
from send_analysis.finance.inputs import read_yaml, validate_inputs
from send_analysis.userfiles import read_user_yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "solihull_2021.yaml"
COHORT = ROOT / "examples" / "cohort"


def one_line_exit_2(capsys, argv: list[str], pattern: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert re.search(pattern, err), err
    return err


# ---- YAML: a date that is not one, a 401-digit number -----------------------------------------

@pytest.mark.parametrize("text, pattern", [
    ("opening_balance:\n  financial_year: 2024-25-01\n",
     r"line 2, column 19: '2024-25-01' is not a date .*\"2024-25\", in quotes"),
    ("opening_balance:\n  cumulative: " + "9" * 401 + "\n", r"line 2, .*a number of 401 digits"),
    ("claims:\n  - claimed: -" + "9" * 401 + "\n", r"line 2, .*a number of 401 digits"),
])
def test_yaml_values_that_cannot_be_read_are_one_clear_error(tmp_path, text, pattern):
    f = tmp_path / "x.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=pattern):
        read_user_yaml(f, "a YAML file")
    f.write_text("a: 12_000\nb: 2024-01-02\n")  # ordinary numbers and dates still read
    assert read_user_yaml(f, "x")["a"] == 12000


def test_a_401_digit_claim_is_exit_2(tmp_path, capsys):
    text = (ROOT / "claims" / "solihull_2021.yaml").read_text().replace("claimed: 68", "claimed: " + "9" * 401, 1)
    f = tmp_path / "claims.yaml"
    f.write_text(text)
    one_line_exit_2(capsys, ["claims", "--claims", str(f), "--json"], "401 digits")


# ---- folders and files of the wrong kind, a scheduler that is not an address -----------------

@pytest.fixture
def a_file(tmp_path) -> Path:
    f = tmp_path / "a_file.txt"
    f.write_text("x\n")
    return f


def test_output_options_of_the_wrong_kind_exit_2(tmp_path, a_file, capsys):
    cohort = ["cohort", "--transitions", str(COHORT / "transitions.csv"), "--population",
              str(COHORT / "population.csv"), "--costs", str(COHORT / "costs.csv"),
              "--valid-states", str(COHORT / "valid_states.csv")]
    for argv, pattern in [
        (cohort + ["--out", str(a_file)], r"--out .*a_file.txt: is a file \(expected a folder\)"),
        (cohort + ["--out", str(a_file / "sub")], r"--out .*: is inside .*a_file.txt, which is a file"),
        (["casework", "synth", "--like", "334", "--out", str(a_file)], "--out .*: is a file"),
        (["data", "build", "--out", str(a_file)], "--out .*: is a file"),
        (["data", "fetch", "--dest", str(a_file)], "--dest .*: is a file"),
        (["dsg-plan", "--la", "334", "--xlsx", str(tmp_path)], r"--xlsx .*: is a folder"),
        (["dsg-plan", "--la", "334", "--xlsx", str(a_file / "plan.xlsx")], "--xlsx .*: is inside"),
        (["casework", "performance", "--casework", str(tmp_path / "nope")], "--casework .*: does not exist"),
        (["evidence", "--la", "334", "--casework", str(tmp_path / "nope")], "--casework .*: does not exist"),
        (["evidence", "--la", "334,335", "--scheduler", "not a url"],
         r"--scheduler 'not a url': expected a Dask scheduler address"),
    ]:
        one_line_exit_2(capsys, argv, pattern)


def test_evidence_reads_the_casework_before_any_page(tmp_path, capsys):
    folder = tmp_path / "cw"
    write_casework(hand_made(), folder)
    for f in folder.glob("*.csv"):  # header-only files
        f.write_text(f.read_text().splitlines()[0] + "\n")
    one_line_exit_2(capsys, ["evidence", "--la", "334", "--casework", str(folder),
                             "--out", str(tmp_path / "reports")], r"people.csv: has a header but no rows")
    assert not (tmp_path / "reports").exists()


# ---- casework: header only, duplicated rows, a date in the future ------------------------------

@pytest.fixture
def folder(tmp_path) -> Path:
    write_casework(hand_made(), tmp_path / "cw")
    return tmp_path / "cw"


def test_header_only_casework_is_one_error(folder):
    for f in folder.glob("*.csv"):
        f.write_text(f.read_text().splitlines()[0] + "\n")
    with pytest.raises(DataError, match=r"people.csv: has a header but no rows"):
        read_casework(folder)


def test_a_row_given_twice_is_refused_not_counted_twice(folder):
    f = folder / "reviews.csv"
    lines = f.read_text().splitlines()
    f.write_text("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(DataError, match=rf"reviews.csv: rows 2 and {len(lines) + 1} are the same record"):
        read_casework(folder)


def test_a_future_event_date_is_refused_not_taken_as_the_measurement_date(folder):
    cw = read_casework(folder)
    assert cw.end_date.year < 2030
    f = folder / "plans.csv"
    df = pd.read_csv(f, dtype=str)
    df.loc[0, "start_date"] = "2099-01-01"
    df.to_csv(f, index=False)
    with pytest.raises(DataError, match=r"plans.csv, column 'start_date', row 2: 2099-01-01 is after today"):
        read_casework(folder)


# ---- cohort: a population of zeros -----------------------------------------------------------

def test_an_all_zero_population_is_one_error(tmp_path):
    from send_analysis.cohort.io import read_population

    pop = pd.read_csv(COHORT / "population.csv")
    pop["population"] = 0
    f = tmp_path / "population.csv"
    pop.to_csv(f, index=False)
    with pytest.raises(DataError, match=r"every population count of calendar year \d+ is 0"):
        read_population(f)


# ---- processed tables cut short ---------------------------------------------------------------

@pytest.mark.realdata
@pytest.mark.parametrize("name", ["plans_by_setting.parquet", "manifest.json"])
def test_a_truncated_processed_file_names_itself_and_the_rebuild(tmp_path, name, capsys, monkeypatch):
    from send_analysis.paths import processed_dir

    copy_dir = tmp_path / "processed"
    copy_dir.mkdir()
    for f in processed_dir().iterdir():
        if f.resolve().is_file():
            shutil.copy2(f.resolve(), copy_dir / f.name)
    data = (copy_dir / name).read_bytes()
    (copy_dir / name).write_bytes(data[: len(data) // 2])
    monkeypatch.setenv("SEND_DATA_PROCESSED", str(copy_dir))
    one_line_exit_2(capsys, ["data", "summary", "--la", "334"],
                    rf"file .*{re.escape(name)}: cannot be read: the file is truncated or damaged; "
                    r"rebuild the tables with `send-analysis data build`")


# ---- the demand backtest beyond the data -----------------------------------------------------

@pytest.mark.realdata
def test_backtest_horizon_beyond_the_data_is_one_line(capsys):
    one_line_exit_2(capsys, ["backtest", "--origin", "2023", "--horizon", "5", "--fast"],
                    r"--horizon 5: a forecast made in January 2023 can be scored up to January "
                    r"2025, .*\(--horizon 2 at most\)")


# ---- Ctrl-C ----------------------------------------------------------------------------------

def test_ctrl_c_is_one_line_and_exit_130(tmp_path):
    code = ("import sys\nfrom send_analysis import cli\n"
            "parser = cli.build_parser()\n"
            "def stop(args): raise KeyboardInterrupt\n"
            "cli.build_parser = lambda: parser\n"
            "parser._subparsers._group_actions[0].choices['backtest'].set_defaults(func=stop)\n"
            "sys.exit(cli.main(['backtest']))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 130
    assert r.stderr.strip().splitlines() == [
        "send-analysis backtest: stopped (Ctrl-C); files already written are kept and none is "
        "left half-written"]


# ---- finance inputs: income never invented backwards, a tail with a ceiling, old prices ------

def _inputs(**changes) -> dict:
    d = copy.deepcopy(read_yaml(EXAMPLE))
    for dotted, value in changes.items():
        *parents, leaf = dotted.split(".")
        node = d
        for k in parents:
            node = node[k]
        node[leaf] = value
    return d


def test_the_example_inputs_are_valid():
    validate_inputs(_inputs(), source="x.yaml")


@pytest.mark.parametrize("changes, pattern", [
    ({"first_forecast_year": "2012-13", "opening_balance.financial_year": "2011-12"},
     r"income.hnb_allocation.*no allocation for 2012-13 to 2019-20 \(8 years\), before the last "
     r"year given \(2023-24\)"),
    ({"income.hnb_allocation": {"2024-25": 40_000_000}},
     r"income.hnb_allocation.*no allocation for 2021-22 to 2023-24 \(3 years\)"),
    ({"high_cost_tail": {"threshold": 200_000, "placements": 2_000_000, "average_cost": 224_000}},
     r"high_cost_tail.*2,000,000 placements at £224,000 is £448.0bn a year, more than £5bn"),
    ({"unit_costs.price_year": "1999-00"},
     r"unit_costs.price_year.*1999-00 is before 2013-14, the first year of the High Needs Block"),
])
def test_silently_wrong_finance_inputs_are_refused(changes, pattern):
    with pytest.raises(ConfigError, match=pattern):
        validate_inputs(_inputs(**changes), source="x.yaml")


# ---- the same scenario twice ------------------------------------------------------------------

def test_the_same_scenario_twice_is_refused_on_the_command_line():
    from send_analysis.finance.scenarios import load_scenario
    from send_analysis.finance.scenarios.loading import check_unique

    f = ROOT / "scenarios" / "early_help.yaml"
    with pytest.raises(ConfigError, match=r"given twice \(--scenario\): its savings would be counted twice"):
        check_unique([f, f])
    with pytest.raises(ConfigError, match=r"given twice \(the inputs' mitigations and --scenario\)"):
        check_unique([str(f), f"{ROOT}/scenarios/../scenarios/early_help.yaml"],
                     origins=["the inputs' mitigations", "--scenario"])
    s = load_scenario(f, first_fy="2021-22")
    with pytest.raises(ConfigError, match=r"scenario 'Early help \(10% fewer new plans\)' is given twice"):
        check_unique(["a.yaml", "b.yaml"], [s, s])


def test_pages_count_a_scenario_listed_twice_once(tmp_path):
    from send_analysis.finance.scenarios import load_applicable

    f = ROOT / "scenarios" / "early_help.yaml"
    copy_f = tmp_path / "copy.yaml"
    copy_f.write_text(f.read_text())
    inputs = validate_inputs(_inputs(), source="x.yaml")
    ok, skipped = load_applicable([f, str(f), copy_f], inputs)
    assert len(ok) == 1
    assert [why for _, why in skipped][0].startswith("listed twice")
    assert "already counted" in skipped[1][1]


# ---- benchmark growth before its base year ----------------------------------------------------

@pytest.mark.realdata
def test_growth_since_2014_is_missing_for_2010_not_negative():
    from send_analysis.benchmark.metrics import growth_since
    from send_analysis.data.tables import Tables

    assert growth_since(2014)(Tables.default(), 2010).isna().all()
    assert growth_since(2014)(Tables.default(), 2021).notna().any()


def test_a_held_ctrl_c_stops_at_once_whatever_the_main_thread_does():
    # the main thread busy in a long C call (sleep) and a child process started meanwhile:
    # the watching thread prints one line and ends the process at once
    import time

    code = ("import os, signal, subprocess, sys, time\n"
            "from send_analysis.interrupt import hold_ctrl_c, name_command\n"
            "hold_ctrl_c(); name_command('evidence')\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'],\n"
            "                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
            "print(child.pid, flush=True)\n"
            "os.kill(os.getpid(), signal.SIGINT)\n"
            "time.sleep(30)\n")
    started = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert time.perf_counter() - started < 10
    assert r.returncode == 130
    assert [line for line in r.stderr.splitlines() if line.strip()] == [
        "send-analysis evidence: stopped (Ctrl-C); files already written are kept and none is "
        "left half-written"]
    child = int(r.stdout.split()[0])
    import signal as _signal
    with open(f"/proc/{child}/status") as fh:  # the child inherited the block: never interrupted
        blocked = int(next(line for line in fh if line.startswith("SigBlk:")).split()[1], 16)
    os.kill(child, _signal.SIGKILL)
    assert blocked & (1 << (_signal.SIGINT - 1))

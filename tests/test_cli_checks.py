"""Numeric and date options are range-checked before any work (issue 11 item 6): exit code 2 and
one line naming the option, the value and the accepted range."""

from __future__ import annotations

import re

import pytest

from send_analysis.cli import main
from send_analysis.cli_checks import MAX_DRAWS, MAX_SIMULATIONS

SCEN = ["scenario", "--la", "334", "--scenario", "scenarios/isp_step_down.yaml"]
COHORT = ["cohort", "--transitions", "t.csv", "--population", "p.csv", "--costs", "c.csv",
          "--valid-states", "v.csv", "--out", "out"]


@pytest.mark.parametrize("argv, message", [
    (SCEN + ["--draws", "10000000"], f"--draws 10000000: .* to {MAX_DRAWS:,} \\(the cap is"),
    (SCEN + ["--draws", "0"], "--draws 0: expected"),
    (SCEN + ["--discount-rate", "-0.01"], "--discount-rate -0.01: expected an annual rate"),
    (SCEN + ["--discount-rate", "nan"], "--discount-rate nan: expected"),
    (SCEN + ["--discount-rate", "inf"], "--discount-rate inf: expected"),
    (SCEN + ["--discount-rate", "3.5"], r"--discount-rate 3.5: .*\(0.035 for 3.5%\)"),
    (SCEN + ["--seed", "-1"], "--seed -1: expected a whole-number random seed from 0"),
    (SCEN + ["--horizon", "0"], "--horizon 0: expected a number of years ahead from 1"),
    (["forecast", "--la", "334", "--horizon", "0"], "--horizon 0: expected"),
    (["backtest", "--horizon", "0"], "--horizon 0: expected"),
    (["benchmark", "--la", "334", "--year", "2021", "--similar", "-1"],
     "--similar -1: expected a number of similar LAs from 1"),
    (["benchmark", "--la", "334", "--year", "2021", "--similar", "0"], "--similar 0: expected"),
    (["casework", "synth", "--like", "334", "--out", "x", "--history", "0"],
     "--history 0: expected a number of census years from 1"),
    (["casework", "performance", "--casework", "x", "--at", "notadate"],
     "--at 'notadate': expected a date as YYYY-MM-DD"),
    (COHORT + ["--simulations", "0"], "--simulations 0: expected"),
    (COHORT + ["--simulations", str(MAX_SIMULATIONS + 1)], "the cap is"),
    (COHORT + ["--prior-strength", "-1"], "--prior-strength -1.0: expected"),
    (COHORT + ["--prior-strength", "nan"], "--prior-strength nan: expected"),
    (COHORT + ["--years", "0"], "--years 0: expected"),
    (COHORT + ["--seed", "-1"], "--seed -1: expected"),
    (["evidence", "--la", "334", "--workers", "0"], "--workers 0: expected"),
])
def test_out_of_range_options_exit_2(capsys, argv, message) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert re.search(message, err), err


@pytest.mark.realdata
@pytest.mark.parametrize("argv, message", [
    (["forecast", "--la", "334", "--as-of", "1900"], "--as-of 1900: outside the data"),
    (["backtest", "--origin", "1900"], r"--origin 1900: outside the data \(expected a January "
                                       r"census year from 2012 to 2024\)"),
    (["backtest", "--origin", "2025"], "--origin 2025: outside the data"),
    (SCEN + ["--as-of", "1900"], "--as-of 1900: outside the data"),
    (SCEN + ["--as-of", "2030"], "--as-of 2030: outside the data"),
    (["evidence", "--la", "334", "--as-of", "1900"], "--as-of 1900: outside the data"),
    (["casework", "synth", "--like", "334", "--out", "x", "--year", "1900"],
     "--year 1900: outside the data"),
])
def test_census_years_outside_the_data_exit_2(capsys, argv, message) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and re.search(message, err), err


FORMER = r"LA 928 Northamptonshire no longer exists \(last January census 2021\) \(expected a " \
         r"current LA code: its successors are 940 North Northamptonshire, 941 West Northamptonshire\)"
UNKNOWN = r"unknown LA code '999' \(expected a 3-digit DfE LA code .*; close matches: 929 Northumberland"


@pytest.mark.realdata
@pytest.mark.parametrize("argv, message", [
    (["forecast", "--la", "928"], FORMER),
    (SCEN[:2] + ["928"] + SCEN[3:], FORMER),
    (["dsg-plan", "--la", "928", "--json"], FORMER),
    (["evidence", "--la", "928"], FORMER),
    (["forecast", "--la", "999"], UNKNOWN),
    (["data", "summary", "--la", "999"], UNKNOWN),
    (["benchmark", "--la", "999", "--year", "2021"], UNKNOWN),
    (["casework", "synth", "--like", "999", "--out", "x"], UNKNOWN),
])
def test_every_command_resolves_an_la_one_way(capsys, argv, message) -> None:
    """One function resolves an LA code (``geography.la_record``, issue 14): one error, one line."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and re.search(message, err), err

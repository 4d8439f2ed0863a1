"""Cohort inputs: every kind of bad input is a DataError naming the row; casework -> transitions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from send_analysis.casework.io import Casework, validate
from send_analysis.cohort.io import (
    population_matrix,
    read_costs,
    read_population,
    read_transitions,
    read_valid_states,
)
from send_analysis.cohort.transitions import census_states, transitions_from_casework
from send_analysis.errors import DataError

sys.path.insert(0, str(Path(__file__).parent))
from test_cohort_model import COSTS, TEN, VALID, population  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "cohort"


@pytest.fixture(scope="module")
def valid():
    return read_valid_states(VALID)


def with_row(values):
    df = TEN.copy()
    df.loc[len(df)] = [str(v) for v in values]
    return df


@pytest.mark.parametrize("row, match", [
    ((2023, "MS", "A", 12, "MS", "A", 13), r"row 12: state \(MS, A, academic year 12\) is forbidden"),
    ((2023, "FE", "A", 12, "MS", "A", 13), r"row 12: move FE -> MS is forbidden|forbidden"),
    ((2023, "MS", "Z", 5, "MS", "Z", 6), r"column 'need-1', row 12: unknown need 'Z'"),
    ((2023, "XX", "A", 5, "MS", "A", 6), r"column 'setting-1', row 12: unknown setting 'XX'"),
    ((2023, "MS", "A", 5, "MS", "A", 7), r"row 12: academic-year-2 \(7\) is not academic-year-1"),
    ((2023, "NONSEND", "NONSEND", 40, "MS", "A", 41), r"row 12: academic year 41 is out of range"),
    ((2023, "NONSEND", "NONSEND", 5, "NONSEND", "NONSEND", 6), r"row 12: NONSEND on both sides"),
    ((2023, "NONSEND", "A", 5, "MS", "A", 6), r"row 12: setting-1 'NONSEND' with need-1 'A'"),
    ((2023, "SP", "A", 10, "FE", "A", 11), r"row 12: state \(FE, A, academic year 11\)"),
    (("twenty", "SP", "A", 10, "SP", "A", 11), r"column 'calendar-year', row 12: 'twenty' is not a whole"),
])
def test_bad_transitions(valid, row, match):
    with pytest.raises(DataError, match=match):
        read_transitions(with_row(row), valid)


def test_forbidden_move(valid):
    # IS may move only to SP and FE; IS -> MS breaks setting->setting
    with pytest.raises(DataError, match=r"row 12: move IS -> MS is forbidden"):
        read_transitions(with_row((2023, "IS", "A", 5, "MS", "A", 6)), valid)


def test_negative_counts_and_population(valid):
    df = TEN.assign(count="1")
    df.loc[4, "count"] = "-2"
    with pytest.raises(DataError, match=r"column 'count', row 6: negative count -2"):
        read_transitions(df, valid)
    pop = population([2024])
    pop.loc[3, "population"] = "-10"
    with pytest.raises(DataError, match=r"column 'population', row 5"):
        read_population(pop)


def test_missing_population_year(valid):
    pop = read_population(population([2024, 2025]))
    with pytest.raises(DataError, match="no population for calendar year 2026, academic year 0"):
        population_matrix(pop, [2025, 2026], valid.academic_years)
    from send_analysis.cohort.model import fit
    m = fit(read_transitions(TEN, valid), pop, valid, read_costs(COSTS, valid))
    with pytest.raises(DataError, match="calendar year 2026"):
        m.simulate(3, 10, seed=1)


def test_bad_costs_and_valid_states(valid):
    bad = COSTS.copy()
    bad.loc[2, "cost"] = "-5"
    with pytest.raises(DataError, match=r"column 'cost', row 4"):
        read_costs(bad, valid)
    with pytest.raises(DataError, match=r"row 2: unknown need 'Q'"):
        read_costs(COSTS.assign(need=["Q"] + list(COSTS["need"][1:])), valid)
    from send_analysis.cohort.io import cost_matrix
    with pytest.raises(DataError, match="no cost for need 'B' in setting 'FE'"):
        cost_matrix(COSTS.iloc[:-1].assign(cost=lambda d: d["cost"].astype(float)), valid)
    v = VALID.copy()
    v.loc[1, "setting->setting"] = "MS,NOWHERE"
    with pytest.raises(DataError, match=r"row 3: setting 'SP' may move to unknown"):
        read_valid_states(v)
    with pytest.raises(DataError, match="missing column"):
        read_valid_states(VALID.drop(columns=["needs"]))


def test_valid_states_lists(valid):
    assert valid.needs == ("A", "B")
    assert valid.setting_group["IS"] == "special"
    assert valid.is_valid(12, "A", "FE") and not valid.is_valid(11, "A", "FE")
    assert valid.can_move("IS", "SP") and not valid.can_move("IS", "MS")
    assert valid.mask().sum() == 12 * 2 + 14 * 2 * 2 + 3 * 2


def small_casework() -> Casework:
    people = pd.DataFrame({"person_id": ["A", "B", "C", "D"],
                           "date_of_birth": ["2014-03-01", "2014-10-01", "2010-06-01", "2015-01-01"]})
    plans = pd.DataFrame([
        ("A", "2019-05-01", None, None, "existing"),
        ("B", "2019-05-01", "2021-06-30", "needs_met", "existing"),
        ("C", "2020-03-01", None, None, "new"),
        ("D", "2020-06-01", "2020-12-01", "moved_outside_eng", "new"),
    ], columns=["person_id", "start_date", "end_date", "cease_reason", "origin"])
    placements = pd.DataFrame([
        ("A", "2019-05-01", "2020-08-31", "mainstream", "ASD"),
        ("A", "2020-09-01", None, "special_la_maintained", "ASD"),
        ("B", "2019-05-01", "2021-06-30", "mainstream", "SEMH"),
        ("C", "2020-03-01", None, "special_independent", "SLD"),
        ("D", "2020-06-01", "2020-12-01", "mainstream", "SLCN"),
    ], columns=["person_id", "start_date", "end_date", "setting", "need"])
    empty = {
        "requests": pd.DataFrame(columns=["request_id", "person_id", "request_date", "decision",
                                          "decision_date", "outcome", "plan_issue_date",
                                          "exception"]),
        "reviews": pd.DataFrame(columns=["person_id", "due_date", "held_date"]),
        "phase_transfers": pd.DataFrame(columns=["person_id", "transfer_year", "from_ncy",
                                                 "to_ncy", "deadline", "named_date"]),
    }
    tables = {"people": people, "plans": plans, "placements": placements, **empty}
    return Casework(**{k: validate(k, v) for k, v in tables.items()}, source="test")


def test_census_states_and_transitions_by_hand():
    cw = small_casework()
    s20 = census_states(cw, 2020).set_index("person_id")
    assert sorted(s20.index) == ["A", "B"]           # C starts in March, D in June
    assert s20.loc["A", "academic-year"] == 1        # age 5 on 31 Aug 2019 -> year 1
    assert s20.loc["B", "academic-year"] == 0        # born October 2014 -> reception
    t = transitions_from_casework(cw, years=[2020, 2021, 2022])
    rows = {tuple(r) for r in t.astype(str).itertuples(index=False)}
    assert rows == {
        ("2020", "mainstream", "ASD", "1", "special_la_maintained", "ASD", "2"),   # A moved
        ("2020", "mainstream", "SEMH", "0", "mainstream", "SEMH", "1"),            # B stayed
        ("2020", "NONSEND", "NONSEND", "5", "special_independent", "SLD", "6"),    # C joined
        ("2021", "special_la_maintained", "ASD", "2", "special_la_maintained", "ASD", "3"),
        ("2021", "mainstream", "SEMH", "1", "NONSEND", "NONSEND", "2"),            # B left
        ("2021", "special_independent", "SLD", "6", "special_independent", "SLD", "7"),
    }                                                 # D came and went between censuses
    # joiners + stayers - leavers: 2 in 2020, +1 joiner -> 3 in 2021, -1 leaver -> 2 in 2022
    assert len(census_states(cw, 2022)) == 2


def test_examples_read_cleanly():
    valid = read_valid_states(EXAMPLES / "valid_states.csv")
    t = read_transitions(EXAMPLES / "transitions.csv", valid)
    assert t["calendar-year"].min() == 2020 and len(valid.settings) == 14
    read_costs(EXAMPLES / "costs.csv", valid)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "send_analysis.cli", *args],
                          capture_output=True, text=True, timeout=120)


def test_cli_cohort_json_and_csv(tmp_path):
    r = run_cli("cohort", "--transitions", str(EXAMPLES / "transitions.csv"),
                "--population", str(EXAMPLES / "population.csv"),
                "--costs", str(EXAMPLES / "costs.csv"),
                "--valid-states", str(EXAMPLES / "valid_states.csv"),
                "--simulations", "40", "--years", "3", "--seed", "50", "--out", str(tmp_path),
                "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [row["calendar-year"] for row in doc["count"]] == [2025, 2026, 2027, 2028]
    start = pd.read_csv(EXAMPLES / "transitions.csv").query("`calendar-year` == 2024")
    assert doc["count"][0]["mean"] == (start["setting-2"] != "NONSEND").sum()
    assert doc["cost"][1]["lower95"] <= doc["cost"][1]["mean"] <= doc["cost"][1]["upper95"]
    for name in ("summary", "by_setting", "by_need", "by_academic_year", "by_setting_group"):
        assert (tmp_path / f"{name}.csv").exists()


def test_cli_cohort_bad_input_exit_code(tmp_path):
    bad = pd.read_csv(EXAMPLES / "transitions.csv")
    bad.loc[7, "need-2"] = "DYSLEXIA"
    bad.to_csv(tmp_path / "t.csv", index=False)
    r = run_cli("cohort", "--transitions", str(tmp_path / "t.csv"),
                "--population", str(EXAMPLES / "population.csv"),
                "--costs", str(EXAMPLES / "costs.csv"),
                "--valid-states", str(EXAMPLES / "valid_states.csv"), "--out", str(tmp_path))
    assert r.returncode == 2
    assert "row 9" in r.stderr and "unknown need 'DYSLEXIA'" in r.stderr


def test_costs_missing_pairs_are_filled_by_the_documented_rule(valid):
    from send_analysis.cohort.io import MissingCostWarning, cost_matrix

    # SP lacks need B: median of SP's other needs; IS lacks every need: median of its group
    shipped = COSTS[~((COSTS["setting"] == "SP") & (COSTS["need"] == "B"))
                    & (COSTS["setting"] != "IS")]
    with pytest.warns(MissingCostWarning, match=r"3 need x setting pair.*B in SP: 20,000; "
                                                r"A in IS: 20,000; B in IS: 20,000"):
        costs = read_costs(shipped, valid)
    assert sorted(costs.attrs["filled"]) == [("A", "IS"), ("B", "IS"), ("B", "SP")]
    m = cost_matrix(costs, valid)
    assert m[valid.needs.index("B"), valid.settings.index("SP")] == 20000
    # a setting with no cost in its whole group cannot be costed: an error naming the pair
    with pytest.raises(DataError, match=r"no cost for need 'A' in setting 'FE'.*group 'post16'"):
        read_costs(COSTS[COSTS["setting"] != "FE"], valid)


def test_cohort_cli_accepts_a_costs_file_shaped_like_witan_sends(tmp_path):
    # witan.send's example costs omit need x setting pairs its valid states admit: drop every
    # cost of one setting and a few needs of two others, then run the model end to end
    costs = pd.read_csv(EXAMPLES / "costs.csv")
    keep = ~((costs["setting"] == "neet")
             | ((costs["setting"] == "special_independent") & costs["need"].isin(["HI", "VI", "MSI"]))
             | ((costs["setting"] == "ap_pru") & (costs["need"] == "PMLD")))
    costs[keep].to_csv(tmp_path / "costs.csv", index=False)
    r = subprocess.run([sys.executable, "-m", "send_analysis.cli", "cohort",
                        "--transitions", str(EXAMPLES / "transitions.csv"),
                        "--population", str(EXAMPLES / "population.csv"),
                        "--costs", str(tmp_path / "costs.csv"),
                        "--valid-states", str(EXAMPLES / "valid_states.csv"),
                        "--simulations", "20", "--years", "2", "--out", str(tmp_path / "out"),
                        "--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "warning:" in r.stderr and "HI in special_independent" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1                 # one clean line
    n_missing = int((~keep).sum())
    assert f"{n_missing} need x setting pair(s)" in r.stderr
    assert json.loads(r.stdout)

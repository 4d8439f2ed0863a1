"""Cohort model: reading, fitting (hand-computed rates), simulation invariants, scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from send_analysis.cohort.io import (
    read_costs,
    read_population,
    read_transitions,
    read_valid_states,
)
from send_analysis.cohort.model import fit
from send_analysis.cohort.scenarios import Redirect, Scale, Scenario
from send_analysis.errors import DataError

VALID = pd.DataFrame({
    "setting": ["MS", "SP", "IS", "FE"],
    "setting-group": ["mainstream", "special", "special", "post16"],
    "min-academic-year": ["0", "0", "0", "12"],
    "max-academic-year": ["11", "13", "13", "14"],
    "needs": ["A,B", "A,B", "A,B", "A,B"],
    "setting->setting": ["SP,IS,FE", "MS,IS,FE", "SP,FE", "SP"],
})
COSTS = pd.DataFrame({
    "need": ["A", "B"] * 4,
    "setting": ["MS", "MS", "SP", "SP", "IS", "IS", "FE", "FE"],
    "cost": ["1000", "1000", "20000", "25000", "60000", "60000", "8000", "8000"],
})

# Ten rows, one calendar year (2023 -> 2024); hand-countable.
TEN = pd.DataFrame(
    [
        (2023, "MS", "A", 5, "MS", "A", 6),
        (2023, "MS", "A", 5, "MS", "A", 6),
        (2023, "MS", "A", 5, "SP", "A", 6),
        (2023, "MS", "A", 5, "NONSEND", "NONSEND", 6),
        (2023, "SP", "B", 5, "SP", "B", 6),
        (2023, "SP", "B", 5, "IS", "B", 6),
        (2023, "NONSEND", "NONSEND", 4, "MS", "A", 5),
        (2023, "NONSEND", "NONSEND", 4, "MS", "B", 5),
        (2023, "NONSEND", "NONSEND", 4, "SP", "B", 5),
        (2023, "NONSEND", "NONSEND", 6, "MS", "A", 7),
    ],
    columns=["calendar-year", "setting-1", "need-1", "academic-year-1", "setting-2", "need-2",
             "academic-year-2"],
).astype(str)


def population(years, ays=range(0, 15), value=100):
    return pd.DataFrame([(y, a, value) for y in years for a in ays],
                        columns=["calendar-year", "academic-year", "population"]).astype(str)


@pytest.fixture(scope="module")
def valid():
    return read_valid_states(VALID)


@pytest.fixture(scope="module")
def ten_model(valid):
    t = read_transitions(TEN, valid)
    return fit(t, read_population(population(range(2023, 2035))), valid, read_costs(COSTS, valid),
               prior_strength=1e-9)


def state_index(model, ay, need, setting):
    st = model.states
    hit = st.index[(st["academic-year"] == ay) & (st["need"] == need) & (st["setting"] == setting)]
    return int(hit[0])


def test_hand_computed_rates_on_ten_rows(ten_model):
    m = ten_model
    ms5 = state_index(m, 5, "A", "MS")
    sp5 = state_index(m, 5, "B", "SP")
    # MS/A/5: 4 children, 1 left; of the 3 staying, 1 moved (to SP)
    assert m.leave_probability()[ms5] == pytest.approx(0.25)
    assert m.move_probability()[ms5] == pytest.approx(1 / 3)
    dest = m.dest_alpha[ms5] / m.dest_alpha[ms5].sum()
    assert dest[m.valid.settings.index("SP")] == pytest.approx(1.0, abs=1e-6)
    # SP/B/5: 2 children, none left, 1 of 2 moved to IS
    assert m.leave_probability()[sp5] == pytest.approx(0.0, abs=1e-9)
    assert m.move_probability()[sp5] == pytest.approx(0.5)
    # joiners: 3 at academic year 5, 1 at 7, population 100 each in 2024
    rate = m.joiner_rate()
    assert rate.loc[5] == pytest.approx(0.03)
    assert rate.loc[7] == pytest.approx(0.01)
    assert rate.loc[3] == pytest.approx(0.0, abs=1e-9)
    # joiner mix at academic year 5: MS/A, MS/B, SP/B a third each
    a5 = list(m.valid.academic_years).index(5)
    mix = m.joiner_alpha[a5] / m.joiner_alpha[a5].sum()
    n_s = len(m.valid.settings)
    for need, setting in [("A", "MS"), ("B", "MS"), ("B", "SP")]:
        j = m.valid.needs.index(need) * n_s + m.valid.settings.index(setting)
        assert mix[j] == pytest.approx(1 / 3, abs=1e-6)
    # starting population: state 2 of 2023, i.e. January 2024
    assert m.start_year == 2024
    assert m.initial.sum() == 9
    assert m.initial[state_index(m, 6, "A", "MS")] == 2


def test_smoothing_makes_unseen_valid_moves_possible_and_invalid_impossible(valid):
    t = read_transitions(TEN, valid)
    m = fit(t, read_population(population(range(2023, 2035))), valid, read_costs(COSTS, valid),
            prior_strength=2.0)
    ms5 = state_index(m, 5, "A", "MS")
    dest = m.dest_alpha[ms5] / m.dest_alpha[ms5].sum()
    k_is, k_fe = valid.settings.index("IS"), valid.settings.index("FE")
    assert 0 < dest[k_is] < 0.1          # never seen from MS, allowed: improbable, possible
    assert dest[k_fe] == 0               # FE starts at academic year 12: impossible at 6
    # FE from special at 11 -> 12 is valid; from mainstream at 11 it is too; MS at 12 is not
    ms11 = state_index(m, 11, "A", "MS")
    assert m.stay_next[ms11] == -1       # MS ends at 11: must move or leave
    assert m.move_probability()[ms11] == 1.0
    assert m.leave_probability()[ms11] < 1.0


def run_sim(model, **kw):
    return model.simulate(years=kw.pop("years", 5), simulations=kw.pop("simulations", 200),
                          seed=kw.pop("seed", 7), **kw)


def test_seed_reproducibility(ten_model):
    a, b = run_sim(ten_model), run_sim(ten_model)
    np.testing.assert_array_equal(a.count, b.count)
    np.testing.assert_array_equal(a.cost, b.cost)
    c = run_sim(ten_model, seed=8)
    assert not np.array_equal(a.count, c.count)


def test_conservation_joiners_stayers_leavers(ten_model):
    res = run_sim(ten_model, simulations=300)
    joiners, leavers = res.flows[..., 0], res.flows[..., 1]
    np.testing.assert_array_equal(res.count[:, 1:], res.count[:, :-1] + joiners - leavers)
    # groups add up to the total in every dimension
    for dim in ("academic-year", "need", "setting", "setting-group"):
        np.testing.assert_allclose(res.groups[dim][1].sum(axis=2), res.count)
        np.testing.assert_allclose(res.groups[dim][2].sum(axis=2), res.cost)


def test_invalid_state_never_produced(ten_model):
    res = run_sim(ten_model, years=10, simulations=300, keep_states=True)
    # every count sits on a valid state by construction; check the ages explicitly
    by_setting = res.groups["setting"]
    assert res.state_counts.shape[2] == ten_model.n_states
    st = ten_model.states
    ok = np.array([ten_model.valid.is_valid(a, n, s) for a, n, s in
                   zip(st["academic-year"], st["need"], st["setting"], strict=True)])
    assert ok.all()
    # and nobody is carried beyond the oldest academic year
    assert res.groups["academic-year"][0][-1] <= 14
    assert by_setting[1].min() >= 0


def test_summary_and_by(ten_model):
    res = run_sim(ten_model)
    s = res.summary_frame()
    assert list(s["calendar-year"].unique()) == list(range(2024, 2030))
    first = s[(s["calendar-year"] == 2024) & (s["measure"] == "count")].iloc[0]
    assert first["mean"] == 9 and first["sd"] == 0 and first["lower95"] == 9
    cost0 = s[(s["calendar-year"] == 2024) & (s["measure"] == "cost")].iloc[0]["mean"]
    # 2024: MS/A x2 (1000), SP/A x1 (20000), SP/B x1 (25000), IS/B x1 (60000),
    #       MS/A x2 (joiners at 5 and 7), MS/B x1, SP/B x1
    assert cost0 == pytest.approx(4 * 1000 + 20000 + 25000 + 60000 + 1000 + 25000)
    row = s[(s["calendar-year"] == 2029) & (s["measure"] == "count")].iloc[0]
    assert row["lower95"] <= row["q1"] <= row["median"] <= row["q3"] <= row["upper95"]
    by = res.by("setting-group")
    assert set(by["setting-group"]) == {"mainstream", "special", "post16"}
    with pytest.raises(KeyError):
        res.by("colour")


def test_scenarios_scale_and_redirect(ten_model):
    base = run_sim(ten_model, years=6, simulations=400)
    fewer = run_sim(ten_model, years=6, simulations=400,
                    scenario=Scenario("half joiners", scales=(Scale("joiners", 0.5, 2026),)))
    # before 2026 identical draws; afterwards fewer children on average
    np.testing.assert_array_equal(base.count[:, :2], fewer.count[:, :2])
    assert fewer.count[:, -1].mean() < base.count[:, -1].mean() - 1
    none = run_sim(ten_model, years=6, simulations=400,
                   scenario=Scenario("no joiners", scales=(Scale("joiners", 0.0, 2025),)))
    assert (none.flows[..., 0] == 0).all()
    # redirect every arrival into IS to SP: nobody new in IS after 2025
    red = run_sim(ten_model, years=6, simulations=200, keep_states=True,
                  scenario=Scenario("local", redirects=(Redirect("IS", "SP", 1.0, 2025),)))
    labels, counts, _ = red.groups["setting"]
    is_counts = counts[:, :, labels.index("IS")]
    assert (np.diff(is_counts, axis=1) <= 0).all()
    # a capacity never reached changes nothing; the totals are unchanged by redirecting
    huge = run_sim(ten_model, years=6, simulations=200, keep_states=True,
                   scenario=Scenario("big", redirects=(Redirect("IS", "SP", 1.0, 2025, 10**9),)))
    np.testing.assert_array_equal(huge.state_counts, red.state_counts)
    # redirecting moves children between settings, never in or out of SEND
    np.testing.assert_array_equal(red.count[:, 1:],
                                  red.count[:, :-1] + red.flows[..., 0] - red.flows[..., 1])


def test_capacity_caps_redirected_children():
    from send_analysis.cohort.scenarios import _cap_rows
    moved = np.array([[3, 2, 0], [1, 0, 0], [2, 2, 2]])
    out = _cap_rows(moved, np.array([4, 5, 0]))
    np.testing.assert_array_equal(out, [[3, 1, 0], [1, 0, 0], [0, 0, 0]])


def test_scale_moves_into_one_setting(ten_model):
    more = Scenario("more IS", scales=(Scale("movers", 5.0, 2025, setting_to="IS"),))
    base = run_sim(ten_model, years=6, simulations=400)
    res = run_sim(ten_model, years=6, simulations=400, scenario=more)
    labels = res.groups["setting"][0]
    k = labels.index("IS")
    assert res.groups["setting"][1][:, -1, k].mean() > base.groups["setting"][1][:, -1, k].mean()
    with pytest.raises(Exception, match="unknown setting"):
        run_sim(ten_model, scenario=Scenario("x", scales=(Scale("movers", 2, 2025, "NOPE"),)))


def test_backtest_compares_with_what_happened(valid):
    from send_analysis.cohort.validation import backtest, observed_counts
    rows = []
    rng = np.random.default_rng(3)
    # a real chain: 30 children at each age 1-6 in January 2021; each year a fifth leave, the
    # rest move up a year, and about 40 of the 100 children aged 0 join at age 1
    ages = list(np.repeat(np.arange(1, 7), 30))
    for y in (2021, 2022, 2023):
        nxt = []
        for a in ages:
            leave = rng.random() < 0.2
            rows.append((y, "MS", "A", a, "NONSEND" if leave else "MS",
                         "NONSEND" if leave else "A", a + 1))
            if not leave:
                nxt.append(a + 1)
        for _ in range(rng.binomial(100, 0.4)):
            rows.append((y, "NONSEND", "NONSEND", 0, "MS", "A", 1))
            nxt.append(1)
        ages = nxt
    t = read_transitions(pd.DataFrame(rows, columns=TEN.columns).astype(str), valid)
    pop = read_population(population(range(2021, 2030)))
    obs = observed_counts(t, valid)
    tot = obs[obs["setting-group"] == "total"].set_index("calendar-year")["count"]
    assert tot.index.tolist() == [2022, 2023, 2024]
    b = backtest(t, pop, valid, read_costs(COSTS, valid), origin=2022, simulations=300, seed=4)
    total = b[b["setting-group"] == "total"].set_index("calendar-year")
    assert total.index.tolist() == [2023, 2024]
    assert (total["actual"] == tot.loc[[2023, 2024]].to_numpy()).all()
    assert total["covered"].all()
    assert (total["pct_error"].abs() < 10).all()
    from send_analysis.cohort.validation import default_origin
    assert default_origin(t) == 2022
    assert default_origin(t, holdout=1) == 2023
    assert default_origin(t[t["calendar-year"] == 2023]) is None
    with pytest.raises(DataError, match="origin 2024"):
        backtest(t, pop, valid, read_costs(COSTS, valid), origin=2024)


def test_compare_and_table(ten_model):
    from send_analysis.cohort.results import compare
    base = run_sim(ten_model, years=4, simulations=300)
    none = run_sim(ten_model, years=4, simulations=300,
                   scenario=Scenario("no joiners", scales=(Scale("joiners", 0.0, 2026),)))
    c = compare(base, none, "count").set_index("calendar-year")
    assert c.loc[2024, "difference"] == 0 and c.loc[2025, "difference"] == 0
    assert (c.loc[2026:, "difference"] < 0).all()
    assert c.loc[2027, "difference upper95"] <= 0
    np.testing.assert_allclose(c["no joiners"] - c["baseline"], c["difference"])
    t = base.table()
    assert t.loc[2024, "plans (mean)"] == 9 and t.loc[2024, "plans 95% low"] == 9
    assert t.loc[2024, "cost £m (mean)"] == round(135000 / 1e6, 1)


def test_change_in_words():
    from send_analysis.cohort.pipeline import change_in_words
    assert change_in_words(-450_000) == "falls by £0.45m"
    assert change_in_words(1_234_000, digits=1) == "rises by £1.2m"
    assert change_in_words(1_000) == "does not change"
    assert change_in_words(12, unit="plans", scale=1, digits=0) == "rises by 12 plans"
    from send_analysis.cohort.pipeline import money_m
    assert money_m(-2_064_000, 2) == "\u2212£2.06m" and money_m(1_830_000) == "£1.8m"
    assert money_m(-4_000) == "£0.0m"  # rounds before the sign: no "−£0.0m"


@pytest.mark.realdata
def test_cohort_costs_match_the_finance_pages_unit_costs():
    from send_analysis.cohort.io import read_valid_states
    from send_analysis.cohort.pipeline import costs_for_la
    from send_analysis.cohort.transitions import valid_states_table
    from send_analysis.finance.defaults import default_inputs

    costs, note = costs_for_la("334", read_valid_states(valid_states_table()))
    by_group = default_inputs("334")["unit_costs"]["by_setting_group"]
    got = costs.groupby("setting")["cost"].first()
    assert got["special_independent"] == pytest.approx(by_group["special_indep_nm"])
    assert got["mainstream"] == pytest.approx(by_group["mainstream"])
    assert "finance pages" in note


@pytest.mark.realdata
def test_cohort_costs_fall_back_to_england_medians_outside_the_dsg_files():
    # the DSG allocation files leave out City of London and the Isles of Scilly
    from send_analysis.cohort.io import read_valid_states
    from send_analysis.cohort.pipeline import costs_for_la
    from send_analysis.cohort.transitions import valid_states_table
    from send_analysis.finance.defaults import england_unit_costs, unit_cost_table

    costs, note = costs_for_la("201", read_valid_states(valid_states_table()))
    eng = england_unit_costs()
    got = costs.groupby("setting")["cost"].first()
    assert got["special_independent"] == pytest.approx(eng["special_indep_nm"])
    assert eng["mainstream"] == pytest.approx(unit_cost_table()["mainstream"].dropna().median(),
                                              abs=0.01)
    assert "median unit costs of English LAs" in note and "LA 201" in note

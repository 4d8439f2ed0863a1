"""Mitigation levers, savings, payback and NPV on hand-computed cases; scenario validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_finance_model import hand_inputs, hand_paths

from send_analysis.errors import ConfigError
from send_analysis.finance import scenarios as sc
from send_analysis.finance.model import Assumptions

REPO = Path(__file__).resolve().parents[1]


def scenario(*levers, name="test", **kw) -> sc.Scenario:
    return sc.validate_scenario({"name": name, "levers": list(levers), **kw}, source="test.yaml",
                                first_fy="2021-22")


def test_npv_and_payback_by_hand():
    net = [-100.0, 50.0, 50.0, 50.0]
    assert sc.npv(net, 0.10) == pytest.approx(-100 + 50 / 1.1 + 50 / 1.21 + 50 / 1.331)
    assert sc.npv(net, 0.10) == pytest.approx(24.3426, abs=1e-4)
    fys = ["2021-22", "2022-23", "2023-24", "2024-25"]
    assert sc.payback_year(fys, net) == "2023-24"  # running total -100, -50, 0, 50
    assert sc.payback_year(fys, [-100, 10, 10, 10]) is None
    assert sc.payback_year(fys, [5, 5, 5, 5]) == "2021-22"
    # a dip below zero after breaking even pushes payback later
    assert sc.payback_year(fys, [10, -20, 5, 10]) == "2024-25"


def test_invest_to_save_lever_by_hand():
    """Posts cost £100k (2021-22) and £50k (2022-23) from the DSG and avoid 2 then 4 independent
    placements, the children going to state special schools instead:
    savings 2 x (55,000 - 22,000) = 66,000 and 4 x (60,500 - 24,200) = 145,200;
    net -100,000, 16,000, 145,200 -> payback 2023-24; NPV at 3.5% = 51,004.69."""
    s = scenario({"type": "invest_to_save", "name": "posts",
                  "avoided_placements": {"2022-23": 2, "2023-24": 4},
                  "costs": {"2021-22": 100_000, "2022-23": 50_000}, "funding": "dsg"})
    r = sc.evaluate(hand_inputs(), hand_paths(), [s])
    t = r.summary_frame()
    assert t["savings"].tolist() == pytest.approx([0, 66_000, 145_200])
    assert t["investment"].tolist() == pytest.approx([100_000, 50_000, 0])
    assert t["net_benefit"].tolist() == pytest.approx([-100_000, 16_000, 145_200])
    assert t["dsg_in_year_improvement"].tolist() == pytest.approx([-100_000, 16_000, 145_200])
    assert r.payback_year() == "2023-24"
    assert r.npv() == pytest.approx(51_004.69, abs=0.01)
    assert t["mitigated_cumulative"].iloc[-1] == pytest.approx(-5_430_700 + 61_200)
    assert r.discount_rate == sc.DEFAULT_DISCOUNT_RATE


def test_council_funded_costs_are_investment_but_not_dsg():
    s = scenario({"type": "invest_to_save", "avoided_placements": {"2022-23": 2},
                  "costs": {"2021-22": 100_000}, "funding": "council"}, discount_rate=0.0)
    r = sc.evaluate(hand_inputs(), hand_paths(), [s])
    t = r.summary_frame()
    assert t["investment"].tolist() == pytest.approx([100_000, 0, 0])
    assert t["dsg_in_year_improvement"].tolist() == pytest.approx([0, 66_000, 0])
    assert r.npv() == pytest.approx(-34_000)
    assert r.payback_year() is None and r.payback_text() == "not within the horizon"


def test_new_special_school_fills_by_academic_year():
    """10 places opening September 2022, half full in 2022/23 and full after, all pupils otherwise
    independent, £30,000 a place at 2021-22 prices: FY places 0, 7/12 x 5, 5/12 x 5 + 7/12 x 10."""
    s = scenario({"type": "new_special_school", "name": "school", "places": 10, "opens": 2022,
                  "fill": [0.5, 1.0], "displaces": {"special_indep_nm": 1.0},
                  "cost_per_place": 30_000, "costs": {"2021-22": 1_000_000}, "funding": "capital"})
    r = sc.evaluate(hand_inputs(), hand_paths(), [s])
    filled = np.array([0, 7 / 12 * 5, 5 / 12 * 5 + 7 / 12 * 10])
    assert r.mitigated.placements["provision.school"][0] == pytest.approx(filled)
    assert r.mitigated.placements["special_indep_nm"][0] == pytest.approx(np.array([67, 79, 91]) - filled)
    prices = np.array([1.0, 1.1, 1.21])
    assert r.summary_frame()["savings"].to_numpy() == pytest.approx(filled * (50_000 - 30_000) * prices)
    assert r.summary_frame()["dsg_in_year_improvement"].to_numpy() == pytest.approx(filled * 20_000 * prices)
    assert r.summary_frame()["investment"].tolist() == pytest.approx([1_000_000, 0, 0])


def test_isp_step_down_share_of_growth_capped():
    # independent placements 67, 79, 91; growth since 2021-22: 12, 24; half of it, capped at 10
    s = scenario({"type": "isp_step_down", "share": 0.5, "start": "2022-23", "capacity": 10})
    r = sc.evaluate(hand_inputs(), hand_paths(), [s])
    assert r.effects[0].moved[0] == pytest.approx([0, 6, 10])
    assert r.mitigated.placements["special_state"][0] == pytest.approx([107, 125, 141])
    assert r.payback_year() is None and r.payback_text() == "no investment"  # nothing to pay back
    assert r.to_dict()["payback"] == "no investment"


def test_inclusion_target_reaches_the_mainstream_share():
    # mainstream share 2021-22 = 240 / 414; target 60% by 2023-24, halfway in 2022-23
    s = scenario({"type": "inclusion_target", "target_share": 0.6, "start": "2022-23",
                  "reach_by": "2023-24"})
    r = sc.evaluate(hand_inputs(), hand_paths(), [s])
    m = r.mitigated.placements
    total = sum(m.values())[0]
    share = m["mainstream"][0] / total
    base = 240 / 414
    assert share == pytest.approx([base, base + (0.6 - base) / 2, 0.6])
    assert total == pytest.approx([414, 438, 462])  # nobody leaves the caseload


def test_early_help_builds_up_avoided_plans():
    """10% of new plans (20% of caseload a year) avoided from 2022-23; half end each year:
    avoided 0.02 x 438 = 8.76, then 8.76 x 0.5 + 0.02 x 462 = 13.62."""
    s = scenario({"type": "early_help", "reduction": 0.1, "start": "2022-23",
                  "new_plans_share": 0.2, "exit_rate": 0.5, "mix": {"mainstream": 1.0}})
    r = sc.evaluate(hand_inputs(), hand_paths(), [s])
    assert r.effects[0].moved[0] == pytest.approx([0, 8.76, 13.62])
    assert r.summary_frame()["savings"].tolist() == pytest.approx([0, 8.76 * 5_500, 13.62 * 6_050])


def test_combined_scenarios_add_up_when_independent_and_delivery_scales_effects():
    a = scenario({"type": "early_help", "reduction": 0.1, "start": "2022-23",
                  "new_plans_share": 0.2, "exit_rate": 0.5, "mix": {"mainstream": 1.0}}, name="a")
    b = scenario({"type": "invest_to_save", "avoided_placements": {"2022-23": 2, "2023-24": 4},
                  "costs": {"2021-22": 100_000}}, name="b")
    ra = sc.evaluate(hand_inputs(), hand_paths(), [a])
    rb = sc.evaluate(hand_inputs(), hand_paths(), [b])
    both = sc.evaluate(hand_inputs(), hand_paths(), [a, b])
    assert both.summary_frame()["savings"].to_numpy() == pytest.approx(
        ra.summary_frame()["savings"].to_numpy() + rb.summary_frame()["savings"].to_numpy())
    assert both.name == "a + b"
    half = sc.evaluate(hand_inputs(), hand_paths(), [b], assumptions=Assumptions(delivery=0.5))
    assert half.summary_frame()["savings"].to_numpy() == pytest.approx(rb.summary_frame()["savings"].to_numpy() / 2)
    assert half.summary_frame()["investment"].tolist() == pytest.approx([100_000, 0, 0])


def test_relative_years_resolve_against_the_first_forecast_year():
    s = sc.validate_scenario({"name": "rel", "levers": [
        {"type": "isp_step_down", "share": 0.5, "start": "+1", "costs": {"+0": 10, "+2": 5}}]},
        first_fy="2021-22")
    assert s.levers[0]["start"] == "2022-23"
    assert s.levers[0]["costs"] == {"2021-22": 10, "2023-24": 5}
    unbound = sc.validate_scenario({"name": "rel", "levers": [
        {"type": "new_special_school", "places": 10, "opens": "+1", "fill": [1.0],
         "displaces": {"special_indep_nm": 1.0}}]})
    r = sc.evaluate(hand_inputs(), hand_paths(), [unbound])
    assert r.mitigated.placements["provision.rel #1"][0] == pytest.approx([0, 7 / 12 * 10, 10])


@pytest.mark.parametrize("lever, key, message", [
    ({"type": "isp_step_down", "share": 1.5, "start": "2022-23"}, "levers[0].share", "between 0 and 1"),
    ({"type": "isp_step_down", "share": 0.5, "start": "2020-21"}, "levers[0].start", "before the first forecast year"),
    ({"type": "isp_stepdown", "share": 0.5}, "levers[0].type", "unknown lever type"),
    ({"type": "isp_step_down", "share": 0.5, "start": "2022-23", "speed": 2}, "levers[0].speed", "unknown key"),
    ({"type": "isp_step_down", "share": 0.5, "start": "2022-23", "to_group": "special"},
     "levers[0].to_group", "unknown setting group"),
    ({"type": "new_special_school", "places": 10, "opens": 2022, "fill": [1.0],
      "displaces": {"special_indep_nm": 0.5, "special_state": 0.4}}, "levers[0].displaces", "add up to 1"),
    ({"type": "new_special_school", "places": 10, "opens": 2019, "fill": [1.0],
      "displaces": {"special_indep_nm": 1.0}}, "levers[0].opens", "before the first forecast year"),
    ({"type": "invest_to_save", "avoided_placements": {"2022-23": 1}, "costs": {"2022-23": -5}},
     "levers[0].costs.2022-23", "0 or more"),
    ({"type": "early_help", "reduction": 0.1, "start": "2022-23", "new_plans_share": 0.2},
     "levers[0].exit_rate", "missing"),
])
def test_scenario_validation_names_file_and_key(lever, key, message):
    with pytest.raises(ConfigError) as err:
        sc.validate_scenario({"name": "bad", "levers": [lever]}, source="scenarios/bad.yaml",
                             first_fy="2021-22")
    text = str(err.value)
    assert "scenarios/bad.yaml" in text and repr(key) in text and message in text


def test_unknown_top_level_scenario_key(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("name: x\nlevrs: []\n")
    with pytest.raises(ConfigError, match=r"'levrs'.*unknown key"):
        sc.load_scenario(f)


@pytest.mark.parametrize("path", sorted((REPO / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_are_valid_and_run(path):
    inputs = hand_inputs(invest_to_save={"posts": [
        {"name": "p", "funding": "dsg", "category": "c", "costs": {"2021-22": 67_000, "2022-23": 100_000}}]})
    s = sc.load_scenario(path, first_fy=inputs["first_forecast_year"])
    r = sc.evaluate(inputs, hand_paths(), [s])
    assert r.mitigated.fys == ["2021-22", "2022-23", "2023-24"]
    assert (r.summary_frame()["savings"] >= -1e-6).all()


def test_required_savings_for_balance():
    from send_analysis.finance.model import project_dsg

    p = project_dsg(hand_inputs(), hand_paths())
    req = sc.required_savings(p, unit_saving=30_000)
    assert req["in_year_gap_mean"].tolist() == pytest.approx([690_000, 1_083_000, 2_657_700])
    assert req["placements_to_move"].tolist() == pytest.approx([23.0, 36.1, 88.59])


def test_mitigations_cannot_act_on_years_with_actual_placements():
    """Paths whose January 2022 count is actual (attrs as_of=2022): FY 2021-22 is all actual, so a
    lever starting then is refused, and relative years count from 2022-23."""
    paths = hand_paths()
    paths.attrs["as_of"] = 2022
    early = scenario({"type": "isp_step_down", "share": 0.5, "start": "2021-22"})
    with pytest.raises(ConfigError, match=r"levers\[0\]\.start.*before the first forecast year 2022-23"):
        sc.evaluate(hand_inputs(), paths, [early])
    rel = sc.validate_scenario({"name": "rel", "levers": [{"type": "isp_step_down", "share": 0.5, "start": "+0"}]})
    r = sc.evaluate(hand_inputs(), paths, [rel])
    assert r.scenarios[0].levers[0]["start"] == "2022-23"
    ok, skipped = sc.load_applicable(sorted((REPO / "scenarios").glob("*.yaml")), hand_inputs(), paths)
    assert {s.name for s in ok} >= {"Early help (10% fewer new plans)", "Inclusion in mainstream (+5 points)"}
    assert any("solihull_invest_to_save" in f and "invest_to_save" in why for f, why in skipped)


def test_inclusion_target_moves_nobody_before_its_start():
    """Mainstream grows faster than the rest, so its share before the start is below the start
    level: no child may be moved in those years."""
    census = {**CENSUS_RISING}
    s = scenario({"type": "inclusion_target", "target_increase": 0.2, "start": "2023-24", "reach_by": "2023-24"})
    r = sc.evaluate(hand_inputs(), hand_paths(census=census), [s])
    assert r.effects[0].moved[0][:2] == pytest.approx([0, 0])
    assert r.effects[0].moved[0][2] > 0
    assert r.summary_frame()["savings"].tolist()[:2] == pytest.approx([0, 0])


CENSUS_RISING = {
    "mainstream": {2021: 100, 2022: 200, 2023: 300, 2024: 400},
    "special_state": {2021: 100, 2022: 100, 2023: 100, 2024: 100},
    "special_indep_nm": {2021: 50, 2022: 50, 2023: 50, 2024: 50},
}


def test_rebinding_keeps_relative_years_relative():
    """A file read against the inputs' first forecast year, then evaluated on paths whose first
    forecast placements come a year later: "+1" moves with them."""
    s = sc.validate_scenario({"name": "rel", "levers": [{"type": "isp_step_down", "share": 0.5, "start": "+1"}]},
                             first_fy="2021-22")
    assert s.levers[0]["start"] == "2022-23"
    paths = hand_paths()
    paths.attrs["as_of"] = 2022
    r = sc.evaluate(hand_inputs(), paths, [s])
    assert r.scenarios[0].levers[0]["start"] == "2023-24"

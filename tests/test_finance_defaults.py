"""Public defaults for the finance inputs file, the Solihull example and the report comparison."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from send_analysis.errors import DataError
from send_analysis.finance import defaults
from send_analysis.finance.inputs import load_inputs, validate_inputs
from send_analysis.paths import project_root

EXAMPLE = project_root() / "examples" / "solihull_2021.yaml"


def _row(**values: float) -> pd.Series:
    lines = {ln for spend, place in defaults.UNIT_COST_LINES.values() for ln in spend + place}
    lines |= set(defaults.RP_PLACE_LINES) | {"ehcp_resourced_unit"}
    base = dict.fromkeys(lines, 0.0)
    base.update(values)
    return pd.Series(base)


# ------------------------------------------------------------------ unit tests (no data)


def test_derive_unit_costs_hand_computed_la():
    row = _row(topup_state_primary=300_000, topup_state_secondary=150_000,
               topup_indep_nm_secondary=50_000, ehcp_mainstream=80, ehcp_resourced_unit=20,
               place_funding_primary=120_000,
               place_funding_special=1_000_000, topup_state_special=1_400_000,
               ehcp_special_state=100,
               topup_indep_nm_special=1_100_000, ehcp_special_indep_nm=20,
               topup_state_post_school=200_000, topup_indep_nm_post_school=100_000,
               ehcp_post16=60, topup_state_early_years=30_000, ehcp_other=15)
    u = defaults.derive_unit_costs(row)
    assert u["mainstream"] == 5_000            # (300k + 150k + 50k) / (80 + 20)
    assert u["resourced_unit"] == 11_000       # 5,000 + 120k / 20
    assert u["special_state"] == 24_000        # (1.0m + 1.4m) / 100
    assert u["special_indep_nm"] == 55_000     # 1.1m / 20
    assert u["ap_pru"] == 24_000               # proxy: special_state
    assert u["post16"] == 5_000                # (200k + 100k) / 60
    assert u["other"] == 2_000                 # 30k / 15
    assert list(u) == list(defaults.GROUPS)
    # financial-year placements 25% above the January count lower every rate by 1/1.25
    fy = defaults.derive_unit_costs(row, placement_factor=1.25)
    assert fy["special_indep_nm"] == 44_000 and fy["resourced_unit"] == 8_800
    assert fy["other"] == 1_600


def test_derive_unit_costs_not_derivable_is_nan():
    u = defaults.derive_unit_costs(_row(ehcp_special_indep_nm=10, ehcp_special_state=0,
                                        topup_state_special=5e5, ehcp_other=3))
    assert math.isnan(u["special_indep_nm"])   # zero spend with placements: not reported
    assert math.isnan(u["special_state"])      # no placements
    assert math.isnan(u["ap_pru"])
    assert u["other"] == 0                     # zero is plausible for other settings
    blank = defaults.derive_unit_costs(_row(topup_indep_nm_special=float("nan"),
                                            ehcp_special_indep_nm=10))
    assert math.isnan(blank["special_indep_nm"])


# ------------------------------------------------------------------ real data


@pytest.mark.realdata
def test_solihull_2021_22_derivation_is_pinned():
    """The 2021-22 unit-cost mix and other lines, hand-computed from Outturn data 202122.xlsx."""
    u, _ = defaults._unit_costs_for("334")
    # January 2021 placements turned into 2021-22 financial-year placements with SEN2 totals
    # 1,743 (Jan 2021) and 2,023 (Jan 2022)
    f = 5 / 12 + 7 / 12 * 2_023 / 1_743
    assert defaults.fy_placement_factors().at["334", "factor"] == pytest.approx(f)
    assert u["special_indep_nm"] == round(6_779_471 / (152 * f), 2) == 40_780.33
    assert u["special_state"] == round((6_321_383 + 7_509_499) / (660 * f), 2)
    assert u["mainstream"] == round((3_023_816 + 1_352_178) / ((528 + 93) * f), 2)
    assert u["post16"] == round(2_007_346 / (210 * f), 2)
    assert u["other"] == 0
    oe, _ = defaults._other_expenditure_for("334", 0.05)
    assert oe["sen_support_services"]["amount"] == 4_686_605
    assert oe["alternative_provision_services"]["amount"] == 553_653
    assert oe["ap_pru_places_topups"]["amount"] == pytest.approx(
        658_945 + 2_273_010 - (14 * f) * (6_321_383 + 7_509_499) / (660 * f), abs=0.01)


@pytest.mark.realdata
def test_solihull_defaults_start_from_the_latest_outturn():
    """Decision 0066: the 2024-25 base year reproduces the S251 outturn; the opening balance is
    the published March 2022 balance rolled forward with actual income and spend."""
    from send_analysis.finance import current
    from send_analysis.finance.outturn import hn_spend_wide

    d = defaults.default_inputs("334")
    validate_inputs(d, source="default_inputs('334')")
    assert d["la_name"] == "Solihull"
    assert d["first_forecast_year"] == "2025-26"
    assert d["unit_costs"]["price_year"] == d["opening_balance"]["financial_year"] == "2024-25"
    alloc = d["income"]["hnb_allocation"]
    assert {k: alloc[k] for k in ("2020-21", "2021-22", "2022-23", "2023-24")} == {
        "2020-21": 27_884_050, "2021-22": 31_156_418, "2022-23": 35_175_833,
        "2023-24": 38_482_028}
    rate = current.england_hnb_growth()["rate"]
    assert d["income"]["growth_rate"] == rate
    # 2024-25 is not published here: the announced national settlement (+4.3%), decision 0091
    assert alloc["2024-25"] == pytest.approx(38_482_028 * 1.043, abs=0.01)
    assert d["rules"]["hnb_settlement"] == {"2024-25": 0.043, "2025-26": 0.09, "2026-27": 0.0}
    assert d["sources"]["income.hnb_allocation"].count("ESTIMATE") == 1
    # reconciliation: 2024-25 placements x unit costs + other lines = S251 2024-25 within 1%
    outturn = float(hn_spend_wide().at["334", "2024-25"])
    groups = current.fy_groups("334", "2024-25")
    u = d["unit_costs"]["by_setting_group"]
    other = {k: v for k, v in d["other_expenditure"].items() if k != current.OTHER_DSG_LINE}
    modelled = sum(groups[g] * u[g] for g in u) + sum(v["amount"] for v in other.values())
    assert modelled == pytest.approx(outturn, rel=0.01)
    # the mix is the 2021-22 derivation's, rescaled by one factor
    u21, _ = defaults._unit_costs_for("334")
    assert u["special_indep_nm"] / u["special_state"] == pytest.approx(
        u21["special_indep_nm"] / u21["special_state"], rel=1e-6)
    # opening balance: the published 31 March 2024 balance plus one estimated year (0090); the
    # 2021-22 in-year change still measures the other-DSG line
    ob = d["opening_balance"]
    est = current.estimated_opening("334", "2024-25", {}, {})
    assert est["published"]["cumulative"] == pytest.approx(-0.0574 * 230_036_804, abs=0.01)
    assert est["start"]["financial_year"] == "2023-24"
    assert est["start"]["cumulative"] == -20_739_781
    assert ob["cumulative"] == pytest.approx(-20_739_781 + est["steps"]["in_year"].sum(), abs=0.02)
    assert list(est["steps"]["financial_year"]) == ["2024-25"]
    assert ob["p10"] < ob["cumulative"] < ob["p90"]
    src = d["sources"]["opening_balance.cumulative"]
    assert src.startswith("ESTIMATE") and "31 March 2024" in src and "1 year rolled" in src
    # the band is one year's roll-forward error: narrower than three years' from 31 March 2022
    old = current.estimated_opening("334", "2024-25", {}, {}, start="2021-22")
    assert old["years_rolled"] == 3 and est["years_rolled"] == 1
    assert (ob["p90"] - ob["p10"]) == pytest.approx((old["p90"] - old["p10"]) / 3 ** 0.5, rel=1e-6)
    assert d["income"]["support"] == {}
    for key in ("income.hnb_allocation", "income.growth_rate", "income.support",
                "opening_balance.cumulative", "unit_costs.inflation",
                *(f"unit_costs.by_setting_group.{g}" for g in u),
                *(f"other_expenditure.{k}" for k in d["other_expenditure"])):
        assert key in d["sources"], key


@pytest.mark.realdata
def test_safety_valve_support_follows_the_published_term_and_profile():
    from send_analysis.finance import current

    # Kent: DfE £140m, LA £82m, signed 2022-23; the payments file gives the term 2022-23 to
    # 2027-28 (six years) and no yearly amounts: the DfE's is spread evenly over six years, the
    # LA's (no term published) over five
    d = defaults.default_inputs("886")
    six = round(140_000_000 / 6, 2)
    # the projected years carry their payments; the earlier ones are in the opening balance
    assert d["income"]["support"] == {"2025-26": six, "2026-27": six, "2027-28": six}
    assert sum(d["income"]["la_contributions"].values()) == pytest.approx(2 * 82_000_000 / 5)
    dfe, la, _ = current.support_payments("886")
    steps = current.estimated_opening("886", "2024-25", dfe, la, start="2021-22")["steps"]
    assert steps["support"].sum() == pytest.approx(3 * 140_000_000 / 6 + 3 * 82_000_000 / 5)
    # the roll-forward holds the gap in pounds (decision 0098): the same in every year
    assert not current.ROLL_FORWARD_SCALED_GAP and steps["other_dsg"].nunique() == 1
    steps = current.estimated_opening("886", "2024-25", dfe, la)["steps"]  # from 31 March 2024
    assert steps["support"].sum() == pytest.approx(140_000_000 / 6 + 82_000_000 / 5)
    assert d["sources"]["income.support"].startswith("APPROXIMATE")
    # Dorset: nothing in 2023-24 (suspended), the rest of its £42m evenly
    dfe, _, text = current.support_payments("838")
    assert dfe["2023-24"] == 0 and dfe["2022-23"] == pytest.approx(42_000_000 / 5)
    assert "SUSPENDED" in text and "schoolsweek.co.uk" in text


@pytest.mark.realdata
def test_unit_cost_inflation_rule():
    infl = defaults.unit_cost_inflation()
    per = infl["per_placement"]
    assert infl["rate"] == round((per["2021-22"] / per["2018-19"]) ** (1 / 3) - 1, 4)
    assert 0 < infl["rate"] < 0.15
    assert 15_000 < per["2018-19"] < per["2021-22"] < 25_000


@pytest.mark.realdata
def test_reorganised_las_get_flagged_defaults():
    from send_analysis.finance import current

    cumbria = defaults.default_inputs("942"), defaults.default_inputs("943")
    bal = defaults.public.dsg_cumulative_balance_gbp().set_index(["la_code", "financial_year"])
    starts = [current.estimated_opening(c, "2024-25", {}, {})["published"]["cumulative"]
              for c in ("942", "943")]
    assert sum(starts) == pytest.approx(bal.loc[("909", "2021-22"), "balance_gbp"], abs=0.02)
    for d in cumbria:
        assert "predecessor 909" in d["sources"]["unit_costs.by_setting_group.special_state"]
    north = defaults.default_inputs("940")
    assert north["sources"]["other_expenditure.place_funding_and_other_dsg"].startswith("FALLBACK")
    north = defaults.default_inputs("940")  # no EHCP counts in the outturn extract
    assert all(north["sources"][f"unit_costs.by_setting_group.{g}"].startswith("FALLBACK")
               for g in defaults.GROUPS)
    assert "East Midlands" in north["sources"]["unit_costs.by_setting_group.special_state"]
    with pytest.raises(DataError, match="'909'"):
        defaults.default_inputs("909")  # abolished before 2023-24


@pytest.mark.realdata
def test_every_la_gets_valid_defaults():
    summary = defaults.default_inputs_all()
    assert len(summary) == 151
    assert summary["la_code"].is_unique
    unit_cols = [f"unit_{g}" for g in defaults.GROUPS]
    assert summary[unit_cols].notna().all().all()
    assert (summary[[c for c in unit_cols if c != "unit_other"]] > 0).all().all()
    assert summary["growth_rate"].nunique() == 1  # England's rule for every LA (decision 0065)
    for code in summary["la_code"]:
        validate_inputs(defaults.default_inputs(code), source=code)
    # implausible own ratios fall back to a median, flagged (0042)
    costs = defaults.unit_cost_table()
    assert costs.loc["816", "special_indep_nm"] > 4 * costs["special_indep_nm"].median()
    src = defaults.default_inputs("816")["sources"]["unit_costs.by_setting_group.special_indep_nm"]
    assert src.startswith("FALLBACK") and "outside 0.25-4.0 x the England median" in src
    swindon = defaults.default_inputs("866")  # negative AP services outturn (net income)
    assert swindon["other_expenditure"]["alternative_provision_services"]["amount"] == 0
    assert swindon["sources"]["other_expenditure.alternative_provision_services"].startswith(
        "ADJUSTED")
    with pytest.raises(DataError, match="'201'"):
        defaults.default_inputs("201")  # City of London: not in the DSG workbooks
    # the independent special rate is above the state special rate for most LAs
    assert (summary["unit_special_indep_nm"] > summary["unit_special_state"]).mean() > 0.9


@pytest.mark.realdata
def test_solihull_example_file():
    d = load_inputs(EXAMPLE)
    assert d["opening_balance"] == {"financial_year": "2020-21", "cumulative": -9_600_000,
                                    "in_year": -3_100_000}
    assert d["first_forecast_year"] == "2021-22"
    posts = pd.DataFrame([{"funding": p["funding"], **p["costs"]}
                          for p in d["invest_to_save"]["posts"]])
    by_funding = posts.groupby("funding").sum()
    assert by_funding.loc["dsg"].tolist() == [67_000, 100_000, 100_000, 100_000]
    assert by_funding.loc["council"].tolist() == [219_000, 398_000, 559_000, 528_000]
    assert by_funding.loc["council", ["2021-22", "2022-23", "2023-24"]].sum() == \
        d["invest_to_save"]["reserve_request"] == 1_176_000
    assert d["invest_to_save"]["ongoing_from_2024_25"] == 528_000
    # figures labelled "public default" equal the 2021-22 public derivation (to rounding): the
    # example is the 2021 vintage (the defaults now start from 2024-25, decision 0066)
    pub_alloc = defaults.public.read_hnb_allocations().query("la_code == '334'")
    assert d["income"]["hnb_allocation"] == dict(zip(pub_alloc["financial_year"],
                                                     pub_alloc["hnb_after_deductions"], strict=True))
    assert d["income"]["growth_rate"] == round(defaults.hnb_growth_rates().at["334", "growth_rate"], 4)
    infl = defaults.unit_cost_inflation()["rate"]
    assert d["unit_costs"]["inflation"] == infl
    costs, _ = defaults._unit_costs_for("334")
    for g, cost in costs.items():
        assert d["unit_costs"]["by_setting_group"][g] == pytest.approx(cost, abs=0.5), g
    lines, _ = defaults._other_expenditure_for("334", infl)
    for k, line in lines.items():
        assert d["other_expenditure"][k]["amount"] == pytest.approx(line["amount"], abs=0.5), k
        assert d["other_expenditure"][k]["growth"] == line["growth"]


@pytest.mark.realdata
def test_an_las_default_inputs_are_built_once_for_its_pages(monkeypatch):
    """Pages 03, 04, 05, the summary and the cohort costs each ask for an LA's default inputs:
    with sharing on they are built once per LA and tables' folder, and every caller gets its
    own copy; given frames are never kept."""
    from send_analysis.data.tables import Tables
    from send_analysis.finance import defaults
    from send_analysis.report import shared

    calls = []
    real = defaults.current.reconcile
    monkeypatch.setattr(defaults.current, "reconcile",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    shared.enable()
    try:
        first = defaults.default_inputs("334", Tables())
        first["la_name"] = "changed by a page"
        again = defaults.default_inputs("334", Tables())
    finally:
        shared.enable(False)
    assert again["la_name"] != "changed by a page" and len(calls) == 1
    assert defaults._inputs_key("334", Tables({"plans_by_setting": None})) is None

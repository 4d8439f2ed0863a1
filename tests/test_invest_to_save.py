"""Solihull's Appendix 1 (Cabinet, 17 June 2021) reproduced from its posts, and the break-even count."""

from __future__ import annotations

import math

import pytest

from send_analysis.errors import ConfigError
from send_analysis.finance import invest_to_save as its

Y = ["2021-22", "2022-23", "2023-24", "2024-25"]


def _costs(*values: int) -> dict[str, int]:
    return dict(zip(Y, values, strict=True))


#: Appendix 1, post by post (£, from the £k printed).
APPENDIX_1 = {
    "posts": [
        {"name": "Complex Case Senior EHCP Co-ordinator", "funding": "dsg", "category": "Cost avoidance",
         "costs": _costs(37_000, 55_000, 55_000, 55_000)},
        {"name": "Independent School EHCP Co-ordinator", "funding": "dsg", "category": "Cost avoidance",
         "costs": _costs(30_000, 45_000, 45_000, 45_000)},
        {"name": "SEND Deputy Service Manager", "funding": "council", "category": "SEND Improvement capacity",
         "costs": _costs(45_000, 67_000, 67_000, 67_000)},
        {"name": "Statutory Quality Assurance and Improvement Officer", "funding": "council",
         "category": "SEND Improvement capacity", "costs": _costs(23_000, 34_000, 34_000, 34_000)},
        {"name": "Finance/data Officer", "funding": "council", "category": "SEND Improvement capacity",
         "costs": _costs(31_000, 47_000, 16_000, 0)},
        {"name": "Disagreement Resolution Officer", "funding": "council",
         "category": "SEND Improvement capacity", "costs": _costs(30_000, 45_000, 15_000, 0)},
        {"name": "EHCP Co-ordinators x3", "funding": "council", "category": "Demand Pressure",
         "costs": _costs(90_000, 135_000, 135_000, 135_000)},
        {"name": "Educational Psychologist", "funding": "council", "category": "Demand Pressure",
         "costs": _costs(0, 70_000, 70_000, 70_000)},
        {"name": "Specialist legal support", "funding": "council", "category": "Previous resource allocation",
         "costs": _costs(0, 0, 71_000, 71_000)},
        {"name": "Head of Operations", "funding": "council", "category": "Previous resource allocation",
         "costs": _costs(0, 0, 102_000, 102_000)},
        {"name": "Commissioning Officer", "funding": "council", "category": "Previous resource allocation",
         "costs": _costs(0, 0, 49_000, 49_000)},
    ],
    "reserve_request": 1_176_000,
    "ongoing_from_2024_25": 528_000,
}

UNIT_COSTS = {"price_year": "2021-22", "inflation": 0.0,
              "by_setting_group": {"special_indep_nm": 55_000, "special_state": 24_000}}


def test_appendix_totals_exact():
    t = its.funding_totals(APPENDIX_1)
    assert t.loc["dsg"].tolist() == [67_000, 100_000, 100_000, 100_000]
    assert t.loc["council"].tolist() == [219_000, 398_000, 559_000, 528_000]


def test_reserve_request_is_219_plus_398_plus_559():
    r = its.reserve_check(APPENDIX_1)
    assert r["reserve_years"] == ["2021-22", "2022-23", "2023-24"]
    assert r["reserve_computed"] == 1_176_000 == 219_000 + 398_000 + 559_000
    assert r["reserve_matches"] is True
    assert r["ongoing_year"] == "2024-25" and r["ongoing_computed"] == 528_000
    assert r["ongoing_matches"] is True


def test_a_wrong_reserve_is_reported():
    r = its.reserve_check({**APPENDIX_1, "reserve_request": 1_200_000})
    assert r["reserve_matches"] is False


def test_printed_labels_sit_on_each_others_rows():
    rows = {r["printed_label"]: r for r in its.printed_label_check(APPENDIX_1, its.SOLIHULL_2021_PRINTED_ROWS)}
    assert rows["TOTALS"]["matches_funding"] == "dsg"  # the row printed TOTALS is the DSG sum
    assert rows["DSG Funding"]["matches_funding"] == "council"  # printed "DSG Funding" is council
    assert rows["DSG Funding"]["label_agrees"] is False
    assert rows["Council Funding"]["matches_funding"] is None  # printed with no figures


def test_break_even_independent_placements():
    """£100k of DSG-funded posts; an independent place £55k, a state special place £24k:
    net saving £31k a place -> 3.23 placements (4 whole); gross 1.82 (2 whole).
    2021-22: £67k -> 2.16 (3) net, 1.22 (2) gross."""
    be = its.break_even(APPENDIX_1, UNIT_COSTS)
    assert be.loc["2022-23", "break_even_net"] == pytest.approx(100_000 / 31_000)
    assert be.loc["2022-23", "break_even_net_whole"] == 4
    assert be.loc["2022-23", "break_even_gross"] == pytest.approx(100_000 / 55_000)
    assert be.loc["2022-23", "break_even_gross_whole"] == 2
    assert be.loc["2021-22", "break_even_net"] == pytest.approx(67_000 / 31_000)
    assert be.loc["2021-22", "break_even_net_whole"] == 3


def test_break_even_inflates_unit_costs_and_rounds_exact_counts_down():
    uc = {**UNIT_COSTS, "inflation": 0.10, "by_setting_group": {"special_indep_nm": 50_000, "special_state": 0}}
    be = its.break_even({"posts": [{"name": "p", "funding": "dsg", "costs": {"2021-22": 100_000, "2022-23": 110_000}}]}, uc)
    assert be["break_even_net"].tolist() == pytest.approx([2.0, 2.0])
    assert be["break_even_net_whole"].tolist() == [2, 2]  # exactly 2 needs 2, not 3
    assert be.loc["2022-23", "independent_unit_cost"] == pytest.approx(55_000)


def test_summary_for_solihull_includes_the_label_check():
    out = its.summary({"la_code": "334", "invest_to_save": APPENDIX_1, "unit_costs": UNIT_COSTS})
    assert out["totals"]["dsg"] == dict(zip(Y, [67_000, 100_000, 100_000, 100_000], strict=True))
    assert [r["matches_funding"] for r in out["printed_rows"]] == ["dsg", "council", None]
    assert out["break_even"]["2024-25"]["break_even_net_whole"] == 4
    assert math.isclose(out["break_even"]["2024-25"]["break_even_gross"], 1.82)


def test_block_validation_names_the_key():
    bad = {"posts": [{"name": "x", "funding": "schools", "costs": {"2021-22": 1}}]}
    with pytest.raises(ConfigError, match=r"invest_to_save\.posts\[0\]\.funding"):
        its.check_block(bad, source="x.yaml")


def test_break_even_sentence_and_a_step_down_that_saves_nothing():
    be = its.break_even(APPENDIX_1, UNIT_COSTS)
    text = its.describe_break_even(be)
    assert text.startswith("In 2024-25, £100,000 of DSG-funded posts") and "**3.23**" in text and "(4 whole" in text
    dear_state = {**UNIT_COSTS, "by_setting_group": {"special_indep_nm": 40_000, "special_state": 45_000}}
    be = its.break_even(APPENDIX_1, dear_state)
    assert math.isinf(be.loc["2024-25", "break_even_net"]) and be.loc["2024-25", "break_even_net_whole"] is None
    assert "saves nothing" in its.describe_break_even(be) and "**2.50**" in its.describe_break_even(be)

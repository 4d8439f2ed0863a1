"""The finance inputs file: every error names the file and the dotted key; merging rules."""

from __future__ import annotations

import pytest
import yaml
from test_finance_model import hand_inputs

from send_analysis.errors import ConfigError
from send_analysis.finance import resolve
from send_analysis.finance.inputs import load_inputs, merge_inputs, validate_inputs
from send_analysis.finance.resolve import resolve_inputs


def _write(tmp_path, d, name="la.yaml"):
    f = tmp_path / name
    f.write_text(yaml.safe_dump(d, sort_keys=False))
    return f


def _error(d, partial=False) -> str:
    with pytest.raises(ConfigError) as err:
        validate_inputs(d, source="inputs/la.yaml", partial=partial)
    return str(err.value)


def test_complete_inputs_load_from_file(tmp_path):
    f = _write(tmp_path, hand_inputs())
    d = load_inputs(f)
    assert d["unit_costs"]["by_setting_group"]["special_indep_nm"] == 50_000
    assert d["la_code"] == "999"


@pytest.mark.parametrize("change, key, message", [
    (lambda d: d["unit_costs"]["by_setting_group"].update(specal_state=1), "unit_costs.by_setting_group.specal_state",
     "unknown setting group"),
    (lambda d: d["unit_costs"]["by_setting_group"].update(mainstream=-5), "unit_costs.by_setting_group.mainstream",
     "0 or more"),
    (lambda d: d["unit_costs"]["by_setting_group"].pop("post16"), "unit_costs.by_setting_group.post16", "missing"),
    (lambda d: d["unit_costs"].update(inflation=3), "unit_costs.inflation", "0.03 for 3%"),
    (lambda d: d["income"]["hnb_allocation"].update({"2018-19": 6_000_000}), "income.hnb_allocation",
     "missing financial year(s) 2019-20"),
    (lambda d: d["income"]["hnb_allocation"].update({"2021/22": 1}), "income.hnb_allocation.2021/22",
     "financial year like '2021-22'"),
    (lambda d: d["opening_balance"].update(financial_year="2019-20"), "opening_balance.financial_year",
     "year before first_forecast_year"),
    (lambda d: d["other_expenditure"].update(hospital={"amount": -1}), "other_expenditure.hospital.amount",
     "0 or more"),
    (lambda d: d.update(unit_cost={}), "unit_cost", "unknown key"),
    (lambda d: d.update(high_cost_tail={"threshold": 1, "placements": 2}), "high_cost_tail.average_cost", "missing"),
])
def test_bad_inputs_name_file_and_key(change, key, message):
    d = hand_inputs()
    change(d)
    text = _error(d)
    assert "inputs/la.yaml" in text and repr(key) in text and message in text


def test_all_problems_reported_together():
    d = hand_inputs()
    d["unit_costs"]["by_setting_group"]["mainstream"] = -1
    d["income"]["growth_rate"] = 5
    text = _error(d)
    assert "2 problems" in text and "income.growth_rate" in text and "mainstream" in text


def test_year_given_twice_in_the_file_is_refused(tmp_path):
    f = tmp_path / "dup.yaml"
    f.write_text('income:\n  hnb_allocation:\n    "2021-22": 1\n    "2021-22": 2\n')
    with pytest.raises(ConfigError) as err:
        load_inputs(f, partial=True)
    assert str(f) in str(err.value) and "'2021-22' appears twice" in str(err.value)


def test_partial_file_checks_only_what_it_gives():
    assert validate_inputs({"unit_costs": {"inflation": 0.02}}, partial=True)["unit_costs"]["inflation"] == 0.02
    assert "unit_costs.inflation" in _error({"unit_costs": {"inflation": -0.9}}, partial=True)
    assert "'first_forecast_year': missing" in _error({"la_code": "334"})


def test_merge_overrides_any_key_and_replaces_tables_whole():
    default = hand_inputs()
    user = {"unit_costs": {"by_setting_group": {"special_indep_nm": 60_000}},
            "income": {"hnb_allocation": {"2020-21": 1, "2021-22": 2}},
            "other_expenditure": {"my_line": {"amount": 5}},
            "opening_balance": {"cumulative": -2},
            "high_cost_tail": None}
    merged = merge_inputs(default | {"high_cost_tail": {"threshold": 1, "placements": 1, "average_cost": 1}}, user)
    assert merged["unit_costs"]["by_setting_group"]["special_indep_nm"] == 60_000
    assert merged["unit_costs"]["by_setting_group"]["special_state"] == 20_000  # kept
    assert merged["income"]["hnb_allocation"] == {"2020-21": 1, "2021-22": 2}  # replaced whole
    assert merged["income"]["growth_rate"] == 0.10  # kept
    assert merged["other_expenditure"] == {"my_line": {"amount": 5}}  # replaced whole
    assert merged["opening_balance"] == {"financial_year": "2020-21", "cumulative": -2, "in_year": -400_000}
    assert "high_cost_tail" not in merged  # null removes
    assert default["unit_costs"]["by_setting_group"]["special_indep_nm"] == 50_000  # pure
    validate_inputs(merged)


@pytest.fixture
def fake_defaults(monkeypatch):
    fake = lambda la, tables=None: hand_inputs(la_code=la)  # noqa: E731
    monkeypatch.setattr(resolve, "default_inputs", fake)
    return fake


def test_resolve_inputs_merges_the_file_over_the_defaults(tmp_path, fake_defaults):
    f = _write(tmp_path, {"la_code": "999", "income": {"growth_rate": 0.02}})
    inputs, where = resolve_inputs("999", f)
    assert inputs["income"]["growth_rate"] == 0.02
    assert inputs["unit_costs"]["by_setting_group"]["special_state"] == 20_000
    assert "merged over public defaults" in where
    inputs, where = resolve_inputs("999")
    assert inputs["income"]["growth_rate"] == 0.10 and where == "public defaults for LA 999"


def test_resolve_inputs_refuses_a_file_for_another_la(tmp_path, fake_defaults):
    f = _write(tmp_path, {"la_code": "334"})
    with pytest.raises(ConfigError, match="not LA 999"):
        resolve_inputs("999", f)


def test_resolve_inputs_validates_the_merged_result(tmp_path, fake_defaults):
    f = _write(tmp_path, {"unit_costs": {"by_setting_group": {"mainstrem": 1}}})
    with pytest.raises(ConfigError, match=r"mainstrem"):
        resolve_inputs("999", f)


def test_inputs_table_shows_money_and_rates_as_a_reviewer_reads_them():
    from send_analysis.finance.inputs import display_value, inputs_table

    assert display_value("income.growth_rate", 0.1106) == "11.1%"
    assert display_value("opening_balance.cumulative", -13204112.55) == "-£13,204,113"
    assert display_value("high_cost_tail.placements", 4) == "4"
    assert display_value("first_forecast_year", "2022-23") == "2022-23"
    t = inputs_table({"unit_costs": {"inflation": 0.064, "by_setting_group": {"mainstream": 6442.93}},
                      "sources": {"unit_costs": "S251"}}).set_index("key")
    assert t.loc["unit_costs.inflation", "value"] == "6.4%"
    assert t.loc["unit_costs.by_setting_group.mainstream", "value"] == "£6,443"
    assert t.loc["unit_costs.by_setting_group.mainstream", "source"] == "S251"

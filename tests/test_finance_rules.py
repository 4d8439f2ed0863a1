"""The rules as they stand (decision 0091) and the opening balance from the latest published
31 March (decision 0090)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from send_analysis.errors import ConfigError
from send_analysis.finance import rules
from send_analysis.finance.inputs import validate_inputs

# ------------------------------------------------------------------ income: settlement, then rule


def test_hnb_path_follows_the_settlement_then_the_growth_rule():
    alloc = {"2023-24": 100.0, "2024-25": 104.3}
    fys = ["2025-26", "2026-27", "2027-28", "2028-29"]
    path, ahead = rules.hnb_path(alloc, fys, {"2025-26": 0.09, "2026-27": 0.0},
                                 np.full((2, 1), 0.126))
    assert path[0] == pytest.approx([104.3 * 1.09, 104.3 * 1.09, 104.3 * 1.09 * 1.126,
                                     104.3 * 1.09 * 1.126 ** 2])
    assert list(ahead) == [0, 0, 1, 2]  # the income spread starts after the settled years


def test_the_las_own_allocation_comes_first_and_the_rule_only_after_it():
    """Issue 20 item 4: an allocation the LA gives replaces the settlement for that year."""
    alloc = {"2024-25": 100.0, "2025-26": 110.0, "2026-27": 115.0}
    path, ahead = rules.hnb_path(alloc, ["2025-26", "2026-27", "2027-28"],
                                 {"2025-26": 0.09, "2026-27": 0.0}, np.full((1, 1), 0.05))
    assert path[0] == pytest.approx([110.0, 115.0, 115.0 * 1.05])
    assert list(ahead) == [0, 0, 1]


def test_no_settlement_is_the_growth_rule_from_the_last_allocation():
    path, ahead = rules.hnb_path({"2024-25": 100.0}, ["2025-26", "2026-27"], {},
                                 np.array([[0.1], [0.0]]))
    assert path == pytest.approx(np.array([[110.0, 121.0], [100.0, 100.0]]))
    assert list(ahead) == [1, 2]


def test_the_model_does_not_grow_2026_27():
    from send_analysis.finance.model import income_lines

    inputs = {"income": {"hnb_allocation": {"2024-25": 100.0}, "growth_rate": 0.126},
              "rules": {"hnb_settlement": {"2025-26": 0.09, "2026-27": 0.0}}}
    hnb = income_lines(inputs, ["2025-26", "2026-27", "2027-28"], 3)["hnb_allocation"]
    assert hnb[0] == pytest.approx([109.0, 109.0, 109.0 * 1.126])
    # without a rules section the defaults apply
    del inputs["rules"]
    hnb = income_lines(inputs, ["2025-26", "2026-27"], 1)["hnb_allocation"]
    assert hnb[0] == pytest.approx([109.0, 109.0])


# ------------------------------------------------------------------ the write-off


def _projection(cumulative: np.ndarray, fys: list[str], opening: float = -10.0,
                opening_draws=None):
    return SimpleNamespace(draws=np.arange(cumulative.shape[0]), fys=fys, cumulative=cumulative,
                           opening_fy="2024-25", opening_cumulative=opening,
                           opening_draws=opening_draws)


def test_writeoff_is_ninety_percent_of_the_deficit_at_the_base_year():
    fys = ["2025-26", "2026-27", "2027-28"]
    cum = np.array([[-100.0, -130.0, -170.0], [20.0, 10.0, -5.0]])  # second draw: a surplus
    p = _projection(cum, fys)
    r = rules.default_rules()
    assert rules.writeoff_grant(p, r) == pytest.approx([90.0, 0.0])
    view = rules.writeoff_view(p, r)
    assert list(view.index) == fys
    assert view.loc["2025-26", "grant_mean"] == 0  # paid in 2026-27
    assert view.loc["2027-28", "grant_mean"] == 45.0
    assert view.loc["2027-28", "with_writeoff_mean"] == pytest.approx(((-170 + 90) + -5) / 2)
    assert view.loc["2027-28", "without_writeoff_mean"] == pytest.approx((-170 - 5) / 2)
    # accrued from 1 April 2026: the in-year balances after the base year
    assert np.isnan(view.loc["2025-26", "accrued_since_base_mean"])
    assert view.loc["2027-28", "accrued_since_base_mean"] == pytest.approx((-70 + -25) / 2)


def test_the_las_own_base_and_a_known_opening_balance():
    fys = ["2026-27", "2027-28"]
    p = _projection(np.array([[-60.0, -80.0]]), fys, opening=-50.0)
    p.opening_fy = "2025-26"  # the LA's own balance at 31 March 2026: the base, no band
    r = rules.default_rules()
    assert rules.writeoff_grant(p, r) == pytest.approx([45.0])
    r["writeoff"]["base_deficit"] = 40.0  # the lowest of the LA's reported high-needs figures
    assert rules.writeoff_grant(p, r) == pytest.approx([36.0])
    r["writeoff"]["share"] = 0.0
    assert rules.writeoff_grant(p, r) == pytest.approx([0.0])
    # a base year before the opening, with no figure of the LA's: not known
    p.opening_fy = "2026-27"
    assert rules.writeoff_grant(p, rules.default_rules()) is None
    assert rules.writeoff_view(p, rules.default_rules()).empty


def test_rules_of_merges_over_the_defaults():
    r = rules.rules_of({"rules": {"writeoff": {"base_deficit": 5e6}}})
    assert r["writeoff"] == {"share": 0.9, "base_year": "2025-26", "paid_in": "2026-27",
                             "base_deficit": 5e6}
    assert r["statutory_override_end"] == "2027-28"
    assert rules.rules_of({}) == rules.DEFAULT_RULES


@pytest.mark.parametrize(("block", "key"), [
    ({"statutory_override_end": "2028"}, "rules.statutory_override_end"),
    ({"writeoff": {"share": 90}}, "rules.writeoff.share"),
    ({"writeoff": {"base_year": "2025-26", "paid_in": "2025-26"}}, "rules.writeoff.paid_in"),
    ({"writeoff": {"base_deficit": -3}}, "rules.writeoff.base_deficit"),
    ({"hnb_settlement": {"2026-27": 5}}, "rules.hnb_settlement.2026-27"),
    ({"override": "2027-28"}, "rules.override"),
])
def test_bad_rules_are_refused_naming_the_key(block, key):
    with pytest.raises(ConfigError, match=f"key '{key}'"):
        validate_inputs({"rules": block}, source="f.yaml", partial=True)


# ------------------------------------------------------------------ real data


@pytest.mark.realdata
def test_opening_balance_starts_from_the_latest_published_31_march():
    from send_analysis.finance import current

    for code in ("330", "886", "839"):
        est = current.estimated_opening(code, "2024-25", *current.support_payments(code)[:2])
        assert est["start"]["financial_year"] == "2023-24" and est["years_rolled"] == 1
        assert "31 March 2024" in est["start"]["text"]
    # not in the 2023-24 extract: from 31 March 2022, as before
    for code in ("825", "942", "943"):
        est = current.estimated_opening(code, "2024-25", {}, {})
        assert est["start"]["financial_year"] == "2021-22" and est["years_rolled"] == 3
        assert "31 March 2022" in est["start"]["text"]


# ------------------------------------------------------------------ headline and summary


def _five_years():
    fys = ["2025-26", "2026-27", "2027-28", "2028-29", "2029-30"]
    cum = np.array([[-40.0, -60.0, -85.0, -110.0, -140.0], [-50.0, -75.0, -105.0, -140.0, -180.0]]) * 1e6
    return _projection(cum, fys)


def test_rule_balances_and_their_headline_figures():
    from send_analysis.report import figures

    rb = rules.rule_balances(_five_years(), {"rules": {}})
    base, end = rb["writeoff_base"], rb["override_end"]
    assert (base["financial_year"], base["date"], base["value"]) == ("2025-26", "31 March 2026", -45e6)
    assert base["lower80"] == pytest.approx(-49e6) and base["upper80"] == pytest.approx(-41e6)
    assert base["writeoff"]["value"] == pytest.approx(0.9 * 45e6)
    assert base["writeoff"]["base"] == "the projected whole-DSG deficit"
    assert (end["financial_year"], end["date"], end["value"]) == ("2027-28", "31 March 2028", -95e6)
    assert end["with_writeoff"]["value"] == pytest.approx(-95e6 + 0.9 * 45e6)
    assert end["accrued_since_base"]["value"] == pytest.approx(-50e6)
    assert end["accrued_since_base"]["from"] == "1 April 2026"
    figs = figures.rule_figures("public defaults for LA 334", rb, rb, "All scenarios combined")
    assert list(figs) == ["dsg_balance_writeoff_base", "dsg_balance_override_end"]
    for fig in figs.values():  # the shape of the other balance keys
        assert {"value", "lower80", "upper80", "financial_year", "date", "source"} <= set(fig)
        assert fig["source"] == "public defaults"
        assert fig["mitigated"]["scenario"] == "All scenarios combined"
    assert set(figs) <= set(figures.HEADLINE_KEYS) and set(figs) <= set(figures.PAGE_OF)
    # a projection that ends before the override's end leaves that key out
    short = _projection(np.array([[-1.0, -2.0]]), ["2025-26", "2026-27"])
    assert list(figures.rule_figures("x", rules.rule_balances(short, {}))) == [
        "dsg_balance_writeoff_base"]


def test_the_summary_states_the_rules_balances():
    from send_analysis.report import figures, summary

    rb = rules.rule_balances(_five_years(), {})
    h = figures.rule_figures("public defaults for LA 334", rb)
    text = " ".join(summary.sentences("Solihull", h))
    assert "At 31 March 2026, the base of the write-off, the balance is −£45.0m" in text
    assert "90% of the deficit, £40.5m, is to be written off in 2026-27" in text
    assert "When the statutory override ends at 31 March 2028 it is −£95.0m" in text
    assert "of which −£50.0m accrued from 1 April 2026" in text
    ctx = summary.context("dsg_balance_writeoff_base", h["dsg_balance_writeoff_base"])
    assert "not the high-needs overspend alone" in ctx
    ctx = summary.context("dsg_balance_override_end", h["dsg_balance_override_end"])
    assert "with the write-off −£54.5m" in ctx and "accrued from 1 April 2026" in ctx


def test_costs_page_table_has_unmitigated_and_mitigated_columns():
    rb = rules.rule_balances(_five_years(), {})
    t = rules.rule_balances_table(rb, rb, {"value": -160e6, "lower80": -177e6, "upper80": -143e6,
                                           "date": "31 March 2030"})
    assert list(t.columns) == ["Unmitigated, £m (80% band)", "Mitigated, £m (80% band)"]
    assert t.loc["31 March 2026: the write-off's base"].iloc[0] == "−45.0 (−49.0 to −41.0)"
    assert "31 March 2028, with the write-off" in t.index
    assert t.loc["31 March 2030: the projection's last year, without the write-off"].iloc[0] == \
        "−160.0 (−177.0 to −143.0)"


def test_rules_read_as_words_and_rates_in_the_appendix():
    from send_analysis.finance.inputs import display_value
    from send_analysis.report.labels import input_label

    assert display_value("rules.hnb_settlement.2024-25", 0.043) == "4.3%"
    assert display_value("rules.writeoff.share", 0.9) == "90.0%"
    assert display_value("rules.writeoff.base_deficit", 41e6) == "£41,000,000"
    assert input_label("rules.hnb_settlement.2026-27") == \
        "National rules: announced High Needs Block change, 2026-27"


@pytest.mark.realdata
def test_finance_inputs_file_carries_the_rules_and_reads_back():
    from send_analysis.finance.defaults import default_inputs
    from send_analysis.finance.inputs import load_inputs
    from send_analysis.finance.inputs_yaml import commented_yaml

    d = default_inputs("334")
    text = commented_yaml(d)
    assert "rules:" in text and "add base_deficit" in text and "source: RULE" in text
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "x.yaml"
        f.write_text(text, encoding="utf-8")
        back = load_inputs(f)
    assert back["rules"] == d["rules"]


def test_writeoff_record_is_plain_json():
    import json

    rec = rules.writeoff_record(_five_years(), {})
    json.dumps(rec)  # plain values only
    assert rec["rules"]["writeoff"]["share"] == 0.9
    y = {r["financial_year"]: r for r in rec["years"]}
    assert y["2025-26"]["accrued_since_base"] is None and y["2025-26"]["grant"] == 0
    assert y["2027-28"]["grant"] == round(0.9 * 45e6)
    assert y["2027-28"]["with_writeoff"]["mean"] == round(-95e6 + 0.9 * 45e6)
    assert rec["balances"]["override_end"]["date"] == "31 March 2028"

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

"""Deficit support as paid (decision 0099) and the setting-mix share rules (decision 0100)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from send_analysis.finance import mix
from send_analysis.finance.support import Payment, dfe_profile, even_profile, term_years


def _p(year: str, amount: float | None, status: str) -> Payment:
    return Payment("X", year, None if amount is None else amount * 1e6, status, "https://s", "q")


def test_a_published_payment_is_kept_and_the_rest_spread_over_the_published_term():
    rows = [_p("2021-22", 40.5, "planned"), _p("total (to 2026-27)", None, "planned")]
    prof = {p.financial_year: p for p in dfe_profile(100e6, "2021-22", rows)}
    assert list(prof) == ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26", "2026-27"]
    assert prof["2021-22"].amount == 40.5e6 and prof["2021-22"].how == "published"
    assert prof["2022-23"].amount == pytest.approx(59.5e6 / 5)
    assert prof["2022-23"].how.startswith("APPROXIMATE")
    assert sum(p.amount for p in prof.values()) == pytest.approx(100e6)


def test_a_suspended_year_is_not_income_and_its_share_is_withheld():
    prof = {p.financial_year: p for p in dfe_profile(42e6, "2021-22",
                                                     [_p("2023-24", 0, "suspended")])}
    assert prof["2023-24"].amount == 0 and prof["2023-24"].how == "suspended"
    assert prof["2022-23"].amount == pytest.approx(42e6 / 5)
    assert sum(p.amount for p in prof.values()) == pytest.approx(42e6 * 4 / 5)


def test_remaining_payments_suspended_from_a_year_and_the_paid_rest():
    rows = [_p("remaining from 2023-24 (not paid)", 27.5, "suspended")]
    prof = {p.financial_year: p.amount for p in dfe_profile(49e6, "2022-23", rows)}
    assert prof["2022-23"] == pytest.approx(21.5e6)
    assert all(prof[fy] == 0 for fy in ("2023-24", "2024-25", "2025-26", "2026-27"))


def test_spans_first_instalments_and_terms_in_words():
    rows = [_p("2020-21", 6, "paid"), _p("2021-22", 4, "planned"),
            _p("2022-23 to 2025-26 (combined)", 10, "planned"), _p("total", None, "planned")]
    prof = {p.financial_year: p.amount for p in dfe_profile(20e6, "2020-21", rows)}
    assert prof["2020-21"] == 6e6 and prof["2023-24"] == pytest.approx(2.5e6)
    assert "2025-26" in prof  # the span reaches beyond the default five years
    # a first instalment is the year's minimum: the even share applies when larger
    rows = [_p("2021-22", 11.6, "paid"), _p("2022-23 (first instalment, July 2022)", 0.875, "paid")]
    prof = {p.financial_year: p.amount for p in dfe_profile(28e6, "2021-22", rows)}
    assert prof["2022-23"] == pytest.approx((28 - 11.6) * 1e6 / 4)
    assert len(term_years("2023-24", [_p("total (six years)", None, "planned")])) == 6
    assert [p.amount for p in even_profile(10e6, "2021-22")] == [2e6] * 5


@pytest.mark.realdata
def test_payments_file_is_registered_and_read():
    from send_analysis.data.sources import get_source
    from send_analysis.finance import support

    src = get_source(support.PAYMENTS_FILE)
    assert src.mirror_path == "../../reference/safety-valve-payments.csv" and src.extract_of
    rows = support.read_payments()
    assert len(rows) == 45 and all(r.source_url.startswith("http") for r in rows)
    t = support.support_table()
    t = t[t["la"] == 0].set_index(["la_code", "financial_year"])  # the DfE's rows
    assert t.loc[("936", "2021-22"), "dfe"] == 40.5e6  # Surrey's initial payment
    assert t.loc[("838", "2023-24"), "how"] == "suspended"  # Dorset received nothing


# ------------------------------------------------------------------ setting mix


def _table(rows: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"level": "la", "la_code": la, "year": y, "setting": s, "value": v}
                         for la, y, s, v in rows])


def test_counts_by_group_and_an_unusable_split():
    t = _table([("001", 2020, "mainstream", 60), ("001", 2020, "special_independent", 30),
                ("001", 2020, "special_non_maintained", 10), ("001", 2020, "total", 100),
                ("001", 2021, "mainstream", 10), ("001", 2021, "not_recorded", 90)])
    c = mix.counts_from_table(t)
    assert c.at[("001", 2020), "special_indep_nm"] == 40 and c.at[("001", 2020), "mainstream"] == 60
    assert c.loc[("001", 2021)].isna().all()  # 90% not recorded: no usable split


def _counts() -> pd.DataFrame:
    # two LAs; England's special_state share falls by 3 points a year, LA 001's by 6
    idx, rows = [], []
    for la, step in (("001", 0.06), ("002", 0.0)):
        for y in range(2016, 2021):
            s = 0.5 - step * (y - 2016) if la == "001" else 0.5
            idx.append((la, y))
            rows.append([1 - s, 0, s, 0, 0, 0, 0])
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(idx, names=["la_code", "year"]),
                        columns=list(mix.GROUPS)) * 100


def test_share_rules_move_with_the_la_and_england():
    c = _counts()
    e_now, e_before = mix.england_shares(c, 2020), mix.england_shares(c, 2017)
    assert e_now["special_state"] == pytest.approx((0.26 + 0.5) / 2)
    hold = mix.forecast_shares(c, 2020, 2, "hold_shares")
    own = mix.forecast_shares(c, 2020, 2, "own_trend")
    eng = mix.forecast_shares(c, 2020, 2, "england_trend")
    assert hold.at["001", "special_state"] == pytest.approx(0.26)
    assert own.at["001", "special_state"] == pytest.approx(0.26 - 2 * 0.06)
    step = (e_now["special_state"] - e_before["special_state"]) / 3
    assert eng.at["002", "special_state"] == pytest.approx(0.5 + 2 * step)
    assert np.allclose(own.sum(axis=1), 1) and (own >= 0).all().all()
    combined = mix.combined_shares(c, 2020, 2, {"special_state": "own_trend"})
    assert combined.at["001", "special_state"] == pytest.approx(0.14 / (0.74 + 0.14))


def test_share_backtest_judges_the_split_of_the_actual_total():
    c = _counts()
    bt = mix.share_backtest(c, origins=(2019,), horizons=(1,))
    own = bt[(bt["rule"] == "own_trend") & (bt["la_code"] == "001")].set_index("group")
    assert own.at["special_state", "forecast"] == pytest.approx(own.at["special_state", "actual"])
    m = mix.share_metrics(bt)
    assert m.loc[("special_state", "own_trend", 1), "mape"] == pytest.approx(0)
    assert m.loc[("special_state", "hold_shares", 1), "mape"] > 0
    w = {g: 1.0 for g in mix.GROUPS}
    assert mix.choose_share_rule(bt, w) == "own_trend"
    assert mix.choose_rules_by_group(m)["special_state"] == "own_trend"
    # cost index: shares x weights
    w["special_state"] = 3.0
    assert mix.unit_cost_index(c, 2020, 0, w)["001"] == pytest.approx(0.74 + 3 * 0.26)


def test_a_bad_payments_row_names_the_file_row_and_column(tmp_path, monkeypatch):
    from send_analysis.errors import DataError
    from send_analysis.finance import support

    bad = tmp_path / "p.csv"
    bad.write_text("la_name,agreement_signed,financial_year,dfe_payment_gbp_m,status,source_url,"
                   "quote\nX,2021-22,2021-22,1,paid,https://s,q\nY,2021-22,2022-23,2,late,"
                   "https://s,q\n", encoding="utf-8")
    monkeypatch.setattr(support, "raw_path", lambda _: bad)
    support.read_payments.cache_clear()
    try:
        with pytest.raises(DataError, match="unknown status 'late'") as exc:
            support.read_payments()
        assert "row 3" in str(exc.value) or exc.value.row == 3
    finally:
        support.read_payments.cache_clear()

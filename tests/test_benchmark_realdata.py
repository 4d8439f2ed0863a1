"""Benchmark indicators on the real tidy tables: Solihull (334) and England, pinned figures."""

from __future__ import annotations

import pytest

from send_analysis.benchmark import compare
from send_analysis.benchmark.metrics import Tables, compute_metric
from send_analysis.benchmark.similar import context_indicators, similar_las
from send_analysis.errors import DataError

pytestmark = pytest.mark.realdata
ENG = "E92000001"


@pytest.fixture(scope="module")
def tables() -> Tables:
    return Tables()


def test_solihull_growth_pinned(tables: Tables) -> None:
    g = compute_metric("growth_since_2014", 2021, tables)
    assert g["334"] == pytest.approx(100 * (1743 / 1300 - 1))  # 34.08%
    assert g[ENG] == pytest.approx(100 * (430_697 / 237_111 - 1))  # 81.64%
    g19 = compute_metric("growth_since_2019", 2021, tables)
    assert g19["334"] == pytest.approx(100 * (1743 / 1461 - 1))


def test_successor_las_get_an_apportioned_base(tables: Tables) -> None:
    g = compute_metric("growth_since_2014", 2022, tables)
    for code in ("838", "839", "940", "941"):
        assert g[code] == g[code]  # not NaN: base apportioned from the predecessors
    # apportioning by first-year shares gives both successors the predecessor group's growth
    # to that first year: Northamptonshire 3,792 (2014) -> 940 + 941 = 5,689 (2022)
    assert g["940"] == pytest.approx(100 * (5689 / 3792 - 1))
    assert g["941"] == pytest.approx(g["940"])


def test_solihull_rates_pinned(tables: Tables) -> None:
    per10k = compute_metric("plans_per_10k", 2021, tables)
    from send_analysis.data.population import population_0_25

    p = population_0_25().set_index(["area_code", "year"])["value"]
    assert per10k["334"] == pytest.approx(1743 / p[("334", 2020)] * 10_000)
    assert per10k["334"] == pytest.approx(272.49, abs=0.01)
    assert compute_metric("share_special_indep_nm", 2021, tables)["334"] == pytest.approx(
        100 * 115 / 1743)
    assert compute_metric("new_plans", 2021, tables)["334"] == 273  # issued in calendar 2020
    assert compute_metric("pct_20wk_excl", 2021, tables)["334"] == 54.2


def test_solihull_benchmark_2021(tables: Tables) -> None:
    b = compare.benchmark("334", 2021, tables=tables).set_index("metric")
    assert b.loc["plans", "la"] == 1743 and b.loc["plans", "england"] == 430_697
    assert b.loc["plans", "region"] == 46_127  # West Midlands
    assert b.loc["growth_since_2014", "n"] == 151
    assert b.loc["growth_since_2014", "rank"] == 145  # among the slowest growers
    assert b.loc["growth_since_2014", "quartile"] == "D"
    neighbours = ["356", "877", "896", "937", "358", "895", "351", "881", "823", "811"]
    g = compute_metric("growth_since_2014", 2021, tables)
    assert b.loc["growth_since_2014", "neighbours"] == pytest.approx(g[neighbours].mean())


def test_national_table_one_row_per_la(tables: Tables) -> None:
    nat = compare.national_table(2021, tables=tables)
    assert len(nat) == 151 and nat["la_code"].is_unique
    assert nat.set_index("la_code").loc["334", "plans"] == 1743


def test_unknown_codes_named(tables: Tables) -> None:
    with pytest.raises(DataError, match="'f40'.*'123'"):
        compare.benchmark("334", 2021, comparators={"f40": ["334", "123"]}, tables=tables)


def test_similar_las_on_context_indicators() -> None:
    ind = context_indicators(2021)
    assert set(ind.columns) == {"fsm_primary", "fsm_secondary", "eal_primary", "eal_secondary",
                                "log_children"}
    near = similar_las("334", 2021, k=10)
    assert len(near) == 10 and "334" not in near


def test_tribunal_rates_agree_with_moj_table(tables: Tables) -> None:
    """The MoJ 2022 edition and the DfE supporting file (keyed by name) agree for 2014-2022."""
    import numpy as np

    from send_analysis.data.tribunal_moj import read_send_appeal_rates

    moj = read_send_appeal_rates()
    eng = moj[(moj["area_code"] == ENG) & (moj["year"] == 2022)].set_index("measure")["value"]
    assert eng["appeals"] == 12_796 and eng["appealable_decisions"] == 549_887
    assert eng["appeal_rate_pct"] == pytest.approx(2.327, abs=0.001)
    assert moj["area_code"].notna().all()
    for year in range(2015, 2024):  # benchmark year Y uses calendar Y-1 = 2014..2022
        ours = compute_metric("tribunal_appeal_rate", year, tables)
        m = moj[(moj["year"] == year - 1) & (moj["measure"] == "appeal_rate_pct")]
        m = m.dropna(subset=["value"]).set_index("area_code")["value"]
        both = m.index.intersection(ours.dropna().index)
        assert len(both) > 140
        # the DfE file rounds the rate to 0.1 points
        assert np.allclose(ours[both], m[both], atol=0.051), year
    sol = compute_metric("tribunal_appeal_rate", 2021, tables)
    assert sol["334"] == 2.5 and sol["873"] == 1.5  # Cambridgeshire 81 / 5,461 in calendar 2020

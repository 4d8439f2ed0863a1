"""Unit tests of the benchmark indicators, ranks and comparisons on small frames made here."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from send_analysis.benchmark import compare
from send_analysis.benchmark.cli import parse_groups
from send_analysis.benchmark.metrics import METRICS, MIX_GROUPS, Tables, compute_metric
from send_analysis.benchmark.ranking import quartile_band, rank_one, rank_values
from send_analysis.benchmark.similar import nearest
from send_analysis.data.taxonomy import SETTINGS
from send_analysis.errors import ConfigError, DataError

ENG, REG = "E92000001", "E12000005"
NAMES = {"100": "Ayton", "200": "Beeton", "300": "Ceeton", "400": "Deeton"}


def tidy(rows: list[tuple], dim: str) -> pd.DataFrame:
    """(area_code, year, member, value) -> a tidy table in the docs/tables.md shape."""
    out = []
    for area, year, member, value in rows:
        level = "national" if area == ENG else "regional" if area.startswith("E12") else "la"
        out.append({"level": level, "area_code": area, "la_code": area if level == "la" else None,
                    "area_name": NAMES.get(area, area), "region_code": REG if level != "national" else None,
                    "year": year, dim: member, "value": float(value), "flag": None})
    return pd.DataFrame(out)


def plans_frame(totals: dict[str, dict[int, float]], mix: dict[str, dict[str, float]] | None = None
                ) -> pd.DataFrame:
    rows = []
    for area, by_year in totals.items():
        for year, total in by_year.items():
            rows.append((area, year, "total", total))
            shares = (mix or {}).get(area, {"mainstream": 1.0})
            for setting in SETTINGS:
                rows.append((area, year, setting, total * shares.get(setting, 0.0)))
    return tidy(rows, "setting")


LOOKUP = pd.DataFrame({"la_code": list(NAMES), "la_name": list(NAMES.values()),
                       "region_code": [REG] * 4, "region_name": ["West Midlands"] * 4})


def small_tables() -> Tables:
    totals = {
        "100": {2014: 100, 2019: 150, 2020: 160, 2021: 200},
        "200": {2014: 200, 2019: 220, 2020: 230, 2021: 240},
        "300": {2014: 50, 2019: 90, 2020: 95, 2021: 100},
        "400": {2014: 80, 2019: 80, 2020: 85, 2021: 80},
        REG: {2014: 430, 2019: 540, 2020: 570, 2021: 620},
        ENG: {2014: 1000, 2019: 1500, 2020: 1600, 2021: 1800},
    }
    mix = {"100": {"mainstream": 0.5, "special_independent": 0.1, "special_non_maintained": 0.05,
                   "special_la_maintained": 0.35}}
    pop = pd.DataFrame([{"area_code": a, "year": 2020, "value": v} for a, v in
                        {"100": 10_000, "200": 8_000, "300": 5_000, "400": 4_000,
                         REG: 27_000, ENG: 60_000}.items()])
    timeliness = tidy([("100", 2020, "pct_20wk_excl_exc", 40), ("200", 2020, "pct_20wk_excl_exc", 90),
                       ("300", 2020, "pct_20wk_excl_exc", 60), ("400", 2020, "pct_20wk_excl_exc", 70),
                       (ENG, 2020, "pct_20wk_excl_exc", 58)], "measure")
    tribunal = tidy([("100", 2020, "appeals", 2), ("100", 2020, "appealable_decisions", 100),
                     ("100", 2020, "appeal_rate_pct", 2.0),
                     ("200", 2020, "appeals", 6), ("200", 2020, "appealable_decisions", 100),
                     ("200", 2020, "appeal_rate_pct", 6.0), (ENG, 2020, "appeal_rate_pct", 3.0)],
                    "measure")
    return Tables({"plans_by_setting": plans_frame(totals, mix), "population_0_25": pop,
                   "timeliness": timeliness, "tribunal_appeals": tribunal, "la_lookup": LOOKUP})


# ---- ranking -----------------------------------------------------------------------------------


def test_rank_polarity_and_ties() -> None:
    s = pd.Series({"a": 10.0, "b": 30.0, "c": 30.0, "d": 20.0, "e": math.nan})
    high = rank_values(s, "high")
    assert high.loc[["b", "c", "d", "a"], "rank"].tolist() == [1, 1, 3, 4]
    low = rank_values(s, "low")
    assert low.loc[["a", "d", "b", "c"], "rank"].tolist() == [1, 2, 3, 3]
    assert pd.isna(high.loc["e", "rank"]) and high.loc["e", "quartile"] is None
    assert high["n"].iloc[0] == 4
    # percentile is polarity-free: share of LAs at or below the value
    assert high.loc["a", "percentile"] == 25.0 and low.loc["a", "percentile"] == 25.0
    assert high.loc["b", "percentile"] == 100.0


def test_neutral_ranks_highest_first() -> None:
    r = rank_one(pd.Series({"x": 1.0, "y": 5.0, "z": 3.0}), "y", "neutral")
    assert (r.rank, r.n, r.quartile) == (1, 3, "A")


def test_quartile_bands_cover_all_ranks() -> None:
    bands = [quartile_band(r, 151) for r in range(1, 152)]
    assert bands[0] == "A" and bands[-1] == "D"
    assert [bands.count(b) for b in "ABCD"] == [38, 38, 38, 37]
    with pytest.raises(ValueError):
        quartile_band(0, 10)


def test_rank_one_missing_la() -> None:
    r = rank_one(pd.Series({"x": 1.0}), "q", "high")
    assert r.rank is None and math.isnan(r.value)


# ---- indicators ----------------------------------------------------------------------------------


def test_growth_and_rates() -> None:
    t = small_tables()
    g = compute_metric("growth_since_2014", 2021, t)
    assert g["100"] == pytest.approx(100.0)
    assert g["400"] == pytest.approx(0.0)
    assert g[ENG] == pytest.approx(80.0)
    g19 = compute_metric("growth_since_2019", 2021, t)
    assert g19["300"] == pytest.approx(100 * (100 / 90 - 1))
    per10k = compute_metric("plans_per_10k", 2021, t)  # January 2021 / mid-2020 population
    assert per10k["100"] == pytest.approx(200.0)
    assert per10k[ENG] == pytest.approx(300.0)


def test_mix_shares_sum_to_100() -> None:
    t = small_tables()
    shares = {g: compute_metric(f"share_{g}", 2021, t)["100"] for g in MIX_GROUPS}
    assert shares["mainstream"] == pytest.approx(50.0)
    assert shares["special_indep_nm"] == pytest.approx(15.0)
    assert sum(shares.values()) == pytest.approx(100.0)


def test_event_indicators_use_previous_calendar_year() -> None:
    t = small_tables()
    assert compute_metric("pct_20wk_excl", 2021, t)["200"] == 90.0
    assert compute_metric("pct_20wk_excl", 2020, t).empty


def test_tribunal_region_is_pooled_when_unpublished() -> None:
    rate = compute_metric("tribunal_appeal_rate", 2021, small_tables())
    assert rate[REG] == pytest.approx(100 * 8 / 200)
    assert rate[ENG] == 3.0


def test_unknown_metric_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no_such_metric"):
        compute_metric("no_such_metric", 2021, small_tables())


def test_every_metric_has_a_definition_and_polarity() -> None:
    for m in METRICS.values():
        assert m.definition and m.polarity in {"high", "low", "neutral"}


# ---- comparisons ---------------------------------------------------------------------------------


def test_benchmark_against_groups() -> None:
    t = small_tables()
    b = compare.benchmark("100", 2021, comparators={"f40": ["300", "400"]},
                          neighbours=["200", "300"], metrics=["growth_since_2014", "pct_20wk_excl"],
                          tables=t).set_index("metric")
    g = b.loc["growth_since_2014"]
    assert g["la"] == pytest.approx(100.0)
    assert g["england"] == pytest.approx(80.0)
    assert g["region"] == pytest.approx(100 * (620 / 430 - 1))
    assert g["neighbours"] == pytest.approx((20.0 + 100.0) / 2)
    assert g["f40"] == pytest.approx((100.0 + 0.0) / 2)
    assert (g["rank"], g["n"]) == (1, 4)  # joint highest with 300, neutral polarity
    tl = b.loc["pct_20wk_excl"]
    assert (tl["rank"], tl["quartile"]) == (4, "D")  # 40% is the worst of 40/60/70/90


def test_unknown_year_is_named() -> None:
    with pytest.raises(DataError, match="no January 2030 census"):
        compare.benchmark("100", 2030, neighbours=["200"], tables=small_tables())


def test_group_mean_ignores_missing() -> None:
    s = pd.Series({"1": 2.0, "2": math.nan, "3": 4.0})
    assert compare.group_mean(s, ["1", "2", "3"]) == 3.0
    assert math.isnan(compare.group_mean(s, ["2"]))


def test_unknown_comparator_code_is_named() -> None:
    with pytest.raises(DataError, match=r"comparator group 'f40'.*'999'"):
        compare.benchmark("100", 2021, comparators={"f40": ["300", "999"]},
                          neighbours=["200"], tables=small_tables())
    with pytest.raises(DataError, match="'555'"):
        compare.benchmark("555", 2021, neighbours=["200"], tables=small_tables())


def test_trend_and_national_table() -> None:
    t = small_tables()
    tr = compare.trend("plans", "100", [2020, 2021], neighbours=["200", "300"], tables=t)
    piv = tr.pivot(index="year", columns="series", values="value")
    assert piv.loc[2021, "Ayton"] == 200 and piv.loc[2020, "England"] == 1600
    assert piv.loc[2021, "Statistical neighbours (average)"] == 170
    nat = compare.national_table(2021, metrics=["plans", "growth_since_2014"], tables=t)
    assert nat["la_code"].tolist() == ["100", "200", "300", "400"]
    assert nat.set_index("la_code").loc["300", "growth_since_2014_rank"] == 1


def test_parse_groups() -> None:
    assert parse_groups(["f40=334,330", "mine=201"]) == {"f40": ["334", "330"], "mine": ["201"]}
    with pytest.raises(ConfigError, match="NAME=CODE"):
        parse_groups(["f40"])


def test_nearest_neighbours_standardised() -> None:
    df = pd.DataFrame({"x": [0.0, 1.0, 5.0, 1.2], "y": [10.0, 10.0, 10.0, math.nan]},
                      index=["a", "b", "c", "d"])
    d = nearest(df, "b", 3)
    assert d.index.tolist() == ["d", "a", "c"]
    with pytest.raises(DataError, match="'zz'"):
        nearest(df, "zz")


def test_strip_panel_highlights_the_la() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt

    from send_analysis.benchmark import charts as bcharts
    from send_analysis.plots import COLOURS

    t = small_tables()
    nat = compare.national_table(2021, metrics=["plans", "growth_since_2014"], tables=t)
    fig = bcharts.strip_panel(nat, ["growth_since_2014"], "300", neighbours=["100"],
                             england={"growth_since_2014": 80.0})
    ax = fig.axes[0]
    colours = [mcolors.to_hex(c.get_facecolor()[0]) for c in ax.collections if c.get_offsets().size]
    sizes = [len(c.get_offsets()) for c in ax.collections if c.get_offsets().size]
    assert dict(zip(colours, sizes, strict=True)) == {COLOURS["other"].lower(): 2,
                                         COLOURS["neighbours"].lower(): 1,
                                         COLOURS["la"].lower(): 1}
    la_dot = [c for c in ax.collections if mcolors.to_hex(c.get_facecolor()[0]) ==
              COLOURS["la"].lower()][0]
    assert la_dot.get_offsets()[0][0] == pytest.approx(100.0)  # 300: 50 -> 100 plans
    assert [t.get_text() for t in ax.texts] == ["100.0%"]
    assert ax.get_ylabel() == METRICS["growth_since_2014"].label
    plt.close(fig)


def test_percentile_counts_every_value_at_or_below_with_ties_and_gaps():
    """The share of LAs at or below each value (ties count in full; missing values are left out),
    the same as counting them one by one."""
    import numpy as np

    from send_analysis.benchmark.ranking import rank_values

    rng = np.random.default_rng(4)
    values = pd.Series(rng.integers(0, 20, 153).astype(float), index=[str(i) for i in range(153)])
    values.iloc[::17] = np.nan
    got = rank_values(values, "high")["percentile"]
    ok = values.dropna()
    expected = values.map(lambda x: np.nan if x != x else 100.0 * (ok <= x).sum() / len(ok))
    pd.testing.assert_series_equal(got, expected, check_names=False)

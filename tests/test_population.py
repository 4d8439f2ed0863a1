"""ONS population readers and the 0-25 estimate (real files through raw_path)."""

from __future__ import annotations

import pytest

from send_analysis.data import population as pop

pytestmark = pytest.mark.realdata
ENG = "E92000001"


def test_interpolation_and_pairing() -> None:
    assert pop.interpolate_ratio(1.4, 1.51, 2011) == 1.4
    assert pop.interpolate_ratio(1.4, 1.51, 2022) == 1.51
    assert pop.interpolate_ratio(1.4, 1.51, 2016) == pytest.approx(1.45)
    with pytest.raises(ValueError):
        pop.interpolate_ratio(1.4, 1.5, 2023)
    assert pop.population_for_census_year(2021) == 2020


def test_single_year_totals_match_published_england() -> None:
    p = pop.population_0_25().set_index(["area_code", "year"])
    assert p.loc[(ENG, 2022), "value"] == 17_372_467
    assert p.loc[(ENG, 2011), "value"] == 17_037_078
    assert p.loc[(ENG, 2023), "value"] == 17_544_580
    assert p.loc[(ENG, 2022), "method"] == "single_year"
    ages = pop.read_single_year_ages(2022)
    las = ages[(ages["level"] == "la") & (ages["age"] <= 25)]
    assert las["area_code"].nunique() == 153
    assert las["population"].sum() == 17_372_467  # 153 UTLAs sum to England


def test_0_17_csv_and_markers() -> None:
    p17 = pop.read_population_0_17()
    sol = p17[(p17["area_code"] == "334")].set_index("year")["value"]
    assert sol[2021] == 46_924 and sol[2012] == 45_068
    bournemouth = p17[(p17["la_code"] == "837") & (p17["year"] == 2015)].iloc[0]
    assert bournemouth["flag"] == "x" and bournemouth["value"] != bournemouth["value"]


def test_scaled_years_use_interpolated_ratio() -> None:
    p = pop.population_0_25().set_index(["area_code", "year"])
    r11 = pop.ratio_0_25_to_0_17(2011)["334"]
    r22 = pop.ratio_0_25_to_0_17(2022)["334"]
    assert r11 == pytest.approx(1.41226, abs=1e-5) and r22 == pytest.approx(1.35560, abs=1e-5)
    expected = 45_896 * (r11 + 5 / 11 * (r22 - r11))  # mid-2016 0-17 x interpolated ratio
    assert p.loc[("334", 2016), "value"] == pytest.approx(expected)
    assert round(p.loc[("334", 2016), "value"]) == 63_635
    assert p.loc[("334", 2016), "method"] == "scaled_0_17_interpolated"
    assert p.loc[("334", 2024), "method"] == "scaled_0_17_held"


def test_predecessor_las_are_summed_from_successors() -> None:
    t = pop.age_band_totals(2022, 0, 25)
    assert t["909"] == t["942"] + t["943"]
    assert t["928"] == t["940"] + t["941"]


def test_method_note_names_the_method() -> None:
    assert "interpolated" in pop.method_note(2017)
    assert "single year of age" in pop.method_note(2024)

"""Cohort scenario files (scenarios/cohort/*.yaml): the shipped new-school file builds the
scenario notebook 08 used to build by hand, and bad files name the file and the key."""

from __future__ import annotations

import pandas as pd
import pytest

from send_analysis.cohort.scenarios import (
    NEW_PLACES_SETTINGS,
    NewPlacesScenario,
    Redirect,
    Scenario,
    cohort_scenario_file,
    load_scenario,
)
from send_analysis.errors import ConfigError

GOOD = """name: new special school
description: a new school
settings:
  setting_from: special_independent
  setting_to: special_academy_free
  share: 0.5
  from_year: "+1"
  new_places: 40
"""


class _Baseline:
    """The one method of CohortResults that NewPlacesScenario.base_places reads."""

    def by(self, dimension: str) -> pd.DataFrame:
        assert dimension == "setting"
        return pd.DataFrame({
            "calendar-year": [2025, 2025, 2026, 2025],
            "setting": ["special_academy_free", "mainstream", "special_academy_free",
                        "special_academy_free"],
            "measure": ["count", "count", "count", "cost"],
            "mean": [720.6, 5000.0, 800.0, 1e7]})


def test_the_shipped_file_builds_the_scenario_notebook_08_built_by_hand():
    spec = load_scenario(cohort_scenario_file("new_special_school"))
    base = spec.base_places(_Baseline())
    assert base == 720  # the first January's mean count, truncated as the page did
    # notebook 08 before issue 14: NEW_SCHOOL dict, 40 new places on top of the base
    by_hand = Scenario("new special school", redirects=(Redirect(
        setting_from="special_independent", setting_to="special_academy_free", share=0.5,
        from_year=2025 + 1, capacity=base + 40),))
    assert spec.scenario(2025, base) == by_hand
    assert spec.assumptions(2025) == {"setting_from": "special_independent",
                                      "setting_to": "special_academy_free", "share": 0.5,
                                      "from_year": 2026}
    assert spec.new_places == 40


def test_the_cohort_file_is_not_among_the_finance_pages_scenarios():
    from send_analysis.finance.scenarios import default_scenario_files

    assert cohort_scenario_file("new_special_school").exists()
    assert all("cohort" not in p.parts for p in default_scenario_files())


@pytest.mark.parametrize("old,new,message", [
    ("  share: 0.5\n", "  share: 1.5\n", "settings.share 1.5"),
    ("  share: 0.5\n", "  share: yes\n", "settings.share True"),
    ('  from_year: "+1"\n', "  from_year: 2026\n", "settings.from_year: 2026"),
    ('  from_year: "+1"\n', '  from_year: "+0"\n', "settings.from_year: '\\+0'"),
    ("  new_places: 40\n", "  new_places: -3\n", "settings.new_places -3"),
    ("  new_places: 40\n", "  new_places: 4.5\n", "settings.new_places 4.5"),
    ("  new_places: 40\n", "", "settings.new_places missing"),
    ("  new_places: 40\n", "  new_places: 40\n  places: 3\n", "settings.places unknown key"),
    ("  setting_to: special_academy_free\n", "  setting_to: ''\n", "settings.setting_to ''"),
    ("description: a new school\n", "", "description missing"),
    ("name: new special school\n", "name: x\nlevers: []\n", "unknown key 'levers'"),
])
def test_a_bad_file_names_the_file_and_the_key(tmp_path, old, new, message):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(ConfigError, match=f"bad.yaml.*{message}"):
        load_scenario(path)


def test_a_setting_the_model_lacks_is_named_when_the_baseline_is_read(tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text(GOOD.replace("special_academy_free", "hospital_school"))
    spec = load_scenario(path)
    assert isinstance(spec, NewPlacesScenario) and set(NEW_PLACES_SETTINGS) >= {"share"}
    with pytest.raises(ConfigError, match="odd.yaml: settings.setting_to 'hospital_school'"):
        spec.base_places(_Baseline())

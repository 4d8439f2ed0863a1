"""The national shapes copied into send_analysis.casework.national agree with the DfE release."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import pandas as pd
import pytest

from send_analysis.casework import national as nat
from send_analysis.paths import raw_path

RELEASE = "ehcp/education-health-and-care-plans_2025.zip"


def read(member: str) -> pd.DataFrame:
    with zipfile.ZipFile(raw_path(RELEASE)) as z:
        df = pd.read_csv(io.BytesIO(z.read(member)), encoding="utf-8-sig", low_memory=False)
    return df[df["geographic_level"] == "National"]


@pytest.mark.realdata
def test_age_setting_and_need_tables_match_release():
    c = read("data/caseload.csv")
    c = c[(c["time_period"] == 202425) & (c["breakdown_topic"] == "Child or young persons age")]
    age10 = c[c["breakdown"] == "age 10"].iloc[0]
    assert nat.PLANS_BY_AGE_SETTING_2025["special_independent"][10] == int(age10["special_independent"])
    assert nat.PLANS_BY_AGE_SETTING_2025["mainstream"][10] == sum(
        int(age10[k]) for k in ("mainstream_la_maintained", "mainstream_academy",
                                "mainstream_free_school", "mainstream_independent"))
    total = sum(sum(v.values()) for v in nat.PLANS_BY_AGE_SETTING_2025.values())
    allp = read("data/caseload.csv")
    allp = allp[(allp["time_period"] == 202425) & (allp["breakdown"] == "All EHC plans")]
    # every plan at January 2025 except 'await provision'/'excluded' (x in 2025) is placed
    assert total == int(allp["ehcplans"].iloc[0])
    n = read("data/sen_needs_all_plans.csv")
    n = n[(n["time_period"] == 202425) & (n["breakdown"] == "age 15")].iloc[0]
    assert nat.PLANS_BY_NEED_AGE_2025["SEMH"][15] == int(n["number_semh"])
    t = read("data/timeliness_20_week.csv")
    t = t[(t["time_period"] == 2024) & (t["breakdown"] == "All EHC plans issued")].iloc[0]
    assert nat.TIMELINESS_2024["within_20wk_incl_exc"] == int(t["plans_issued_within_20_weeks"])
    assert nat.FUNNEL_2024["issued_excl_exc"] == int(t["plans_issued_den_ex"])


@pytest.mark.realdata
def test_cli_synth_like_solihull(tmp_path):
    r = subprocess.run([sys.executable, "-m", "send_analysis.cli", "casework", "synth", "--like",
                        "334", "--out", str(tmp_path), "--seed", "5"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Solihull" in r.stdout
    from send_analysis.casework.io import read_casework
    from send_analysis.casework.synth import targets_from_tables
    from send_analysis.cohort.transitions import census_states
    cw = read_casework(tmp_path)
    t = targets_from_tables("334", 9999)
    last = t.census_years[-1]
    st = census_states(cw, last)
    assert len(st) == t.total_plans[last]
    share = st["setting"].value_counts(normalize=True)
    for setting, target in t.setting_shares[last].items():
        assert abs(share.get(setting, 0.0) - target) < 0.02, setting
    from send_analysis.casework.performance import timeliness
    tl = timeliness(cw).set_index("year")
    for year in (last - 2, last - 1):     # ~300 plans a year: binomial sd about 3 points
        assert abs(tl.loc[year, "pct_20wk_incl_exc"] - t.pct_20wk[year]) < 10

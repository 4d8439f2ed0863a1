"""The Solihull 2021 claims file checked against the real data: a verdict for every claim."""

from __future__ import annotations

import json

import pytest

from send_analysis.benchmark import claims as cl
from send_analysis.benchmark.metrics import Tables
from send_analysis.cli import main
from send_analysis.paths import project_root

pytestmark = pytest.mark.realdata
CLAIMS = project_root() / "claims" / "solihull_2021.yaml"
SEN2_METRICS = {"plans_growth", "placement_share", "plans_over_20_weeks_outstanding",
                "phase_transfer_by_15_feb", "dsg_cumulative_deficit", "dsg_in_year_deficit",
                "not_public"}


@pytest.fixture(scope="module")
def results() -> dict[str, cl.ClaimResult]:
    header, claims = cl.load_claims(CLAIMS)
    claims = [c for c in claims if c.metric in SEN2_METRICS]
    return {r.id: r for r in cl.check_claims(claims, header["as_of"], Tables())}


def test_growth_claims(results) -> None:
    eng, sol = results["growth_england"], results["growth_solihull"]
    assert eng.primary_value == pytest.approx(81.6436, abs=1e-4)  # Jan 2014 -> Jan 2021
    assert eng.verdict == "reproduced" and eng.computed == pytest.approx(67.8934, abs=1e-4)
    assert "January 2016 to January 2021" in eng.definition
    assert sol.primary_value == pytest.approx(34.0769, abs=1e-4)
    assert sol.verdict == "not reproduced"
    assert sol.computed == pytest.approx(41.5922, abs=1e-4)  # nearest: Jan 2015 -> Jan 2021


def test_placement_claims(results) -> None:
    for cid, value in (("isp_share_solihull", 10.7286), ("isp_share_england", 5.7154)):
        r = results[cid]
        assert r.verdict == "reproduced" and r.computed == pytest.approx(value, abs=1e-4)
        assert "independent special schools and specialist post-16" in r.definition
    assert results["mainstream_share_england"].verdict == "not reproduced"
    assert results["mainstream_share_england"].computed == pytest.approx(46.03, abs=0.01)


def test_not_checkable_claims_give_reasons(results) -> None:
    for cid in ("over_20_weeks_start_2021", "over_20_weeks_to_date",
                "secondary_transfer_placed", "secondary_transfer_finalised",
                "f40_survey_deficit_expected"):
        assert results[cid].verdict == "not checkable"
        assert results[cid].definition.startswith("not checkable: ")
    assert results["over_20_weeks_start_2021"].alternatives[0]["value"] == 131  # 273 - 142


def test_dsg_claims(results) -> None:
    cum = results["dsg_cumulative_deficit_2020_21"]
    assert cum.verdict == "not reproduced"
    assert cum.computed == pytest.approx(0.0430 * 212_336_354 / 1e6)  # £9.13m, whole DSG
    inyear = results["dsg_in_year_deficit_2020_21"]
    assert inyear.computed == pytest.approx(0.0430 * 212_336_354 / 1e6
                                            - 0.0296 * 200_533_300 / 1e6, abs=0.001)


@pytest.mark.slow
def test_cli_gives_a_verdict_for_every_claim(capsys) -> None:
    assert main(["claims", "--claims", str(CLAIMS), "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == 16
    for d in lines:
        assert d["verdict"] in cl.VERDICTS
        assert {"claimed", "computed", "verdict", "definition"} <= set(d)
        assert d["definition"]
    by_id = {d["id"]: d for d in lines}
    assert by_id["specialist_cost_2019_20"]["verdict"] == "not reproduced"

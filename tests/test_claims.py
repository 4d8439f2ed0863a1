"""Unit tests of the claims engine on small frames made here."""

from __future__ import annotations

import pandas as pd
import pytest
from test_benchmark import ENG, LOOKUP, plans_frame, tidy

from send_analysis.benchmark import claims as cl
from send_analysis.benchmark.metrics import Tables
from send_analysis.errors import ConfigError, DataError


def tables() -> Tables:
    totals = {"100": {2014: 100, 2015: 110, 2016: 120, 2020: 140, 2021: 150},
              ENG: {2014: 1000, 2015: 1100, 2016: 1200, 2020: 1600, 2021: 1680}}
    mix = {"100": {"mainstream": 0.4, "mainstream_rp_unit": 0.1, "special_independent": 0.08,
                   "specialist_post16": 0.04, "fe_sixth_form": 0.38},
           ENG: {"mainstream": 0.5, "special_independent": 0.05, "specialist_post16": 0.01,
                 "fe_sixth_form": 0.44}}
    ages = tidy([(a, y, band, v * share) for a, by in totals.items() for y, v in by.items()
                 for band, share in [("total", 1.0), ("under_5", 0.1), ("5_10", 0.3),
                                     ("11_15", 0.4), ("16_19", 0.15), ("20_25", 0.05)]],
                "age_band")
    timeliness = tidy([("100", 2020, "issued_incl_exc", 50), ("100", 2020, "within_20wk_incl_exc", 30)],
                      "measure")
    return Tables({"plans_by_setting": plans_frame(totals, mix), "plans_by_age": ages,
                   "timeliness": timeliness, "la_lookup": LOOKUP})


def claim(**kw) -> dict:
    base = {"id": "c1", "text": "t", "metric": "plans_growth", "area": "100",
            "years": [2014, 2021], "claimed": 50, "unit": "percent", "tolerance": 0.5}
    base.update(kw)
    return base


def run(*raw: dict, as_of: int | None = 2021) -> list[cl.ClaimResult]:
    _, claims = cl.parse_claims({"as_of": as_of, "claims": list(raw)}, "test.yaml",
                                known_las={"100", "200", "300", "400"})
    return cl.check_claims(claims, as_of, tables())


def test_primary_definition_reproduces() -> None:
    (r,) = run(claim(claimed=50))
    assert r.verdict == "reproduced"
    assert r.computed == pytest.approx(50.0)
    assert "January 2014 to January 2021, all ages" in r.definition
    assert r.note == ""


def test_alternative_definition_reproduces_and_says_so() -> None:
    (r,) = run(claim(claimed=40.0))  # January 2014 -> January 2020: 140 / 100
    assert r.verdict == "reproduced"
    assert "January 2014 to January 2020, all ages" in r.definition
    (r16,) = run(claim(claimed=25.0))  # 2016 base is tried only when the file asks for it
    assert r16.verdict == "not reproduced"
    (r16b,) = run(claim(claimed=25.0, params={"base_alternatives": [2016]}))
    assert r16b.verdict == "reproduced" and "January 2016 to January 2021" in r16b.definition
    assert r.primary_value == pytest.approx(50.0)
    assert "alternative" in r.note


def test_not_reproduced_gives_nearest() -> None:
    (r,) = run(claim(claimed=60.0))
    assert r.verdict == "not reproduced"
    assert r.computed == pytest.approx(50.0)  # nearest of all definitions tried
    assert r.definition.startswith("statements + EHC plans, January 2014 to January 2021")
    assert "+" not in r.note and "-10.00" in r.note


def test_group_shares_one_definition() -> None:
    # 100: indep special + SPI = 12%; England: 6%. Indep special alone: 8% and 5%.
    la = claim(id="la", metric="placement_share", years=[2021], claimed=12,
               params={"setting": "independent_nm_special"}, group="isp")
    en = claim(id="en", metric="placement_share", area="england", years=[2021], claimed=6,
               params={"setting": "independent_nm_special"}, group="isp")
    r_la, r_en = run(la, en)
    assert (r_la.verdict, r_en.verdict) == ("reproduced", "reproduced")
    assert r_la.computed == pytest.approx(12.0) and r_en.computed == pytest.approx(6.0)
    assert "specialist post-16" in r_la.definition and "specialist post-16" in r_en.definition
    assert "shared" in r_la.note


def test_share_denominator_without_post16() -> None:
    (r,) = run(claim(metric="placement_share", years=[2021], claimed=47.6,
                     params={"setting": "mainstream"}, tolerance=0.05))
    # mainstream 40% of all; 40 / (40 + 10 + 8 + 0) of plans in schools = 69.0%; incl units 50%
    assert r.verdict == "not reproduced"
    (r2,) = run(claim(metric="placement_share", years=[2021], claimed=69.0,
                      params={"setting": "mainstream"}, tolerance=0.05))
    assert r2.verdict == "reproduced" and "plans in schools" in r2.definition


def test_not_checkable_with_context() -> None:
    (r,) = run(claim(metric="plans_over_20_weeks_outstanding", years=[2021], claimed=51,
                     unit="count", tolerance=0))
    assert r.verdict == "not checkable" and r.computed is None
    assert "20 weeks" in r.definition
    assert r.alternatives[0]["value"] == 20.0  # 50 issued, 30 within 20 weeks in 2020
    (r2,) = run(claim(metric="not_public", claimed=89, params={"reason": "a private survey"}))
    assert r2.verdict == "not checkable" and "a private survey" in r2.definition


def test_bad_claims_name_the_claim() -> None:
    with pytest.raises(ConfigError, match=r"'bad'.*unknown metric 'growthh'"):
        run(claim(id="bad", metric="growthh"))
    with pytest.raises(DataError, match=r"'c9'.*unknown LA code '999'"):
        run(claim(id="c9", area="999"))
    with pytest.raises(DataError, match=r"'old'.*no January plans.*2009"):
        run(claim(id="old", years=[2009, 2021]))
    with pytest.raises(ConfigError, match=r"'late'.*after the claims file's data cut-off"):
        run(claim(id="late", years=[2014, 2022]))
    with pytest.raises(ConfigError, match="appears twice"):
        run(claim(), claim())
    with pytest.raises(ConfigError, match=r"'c1' lacks 'claimed'"):
        run({k: v for k, v in claim().items() if k != "claimed"})
    with pytest.raises(ConfigError, match=r"'np'.*params.reason"):
        run(claim(id="np", metric="not_public"))


def test_within_tolerance_edges() -> None:
    c = cl.Claim("x", "t", "plans_count", "100", (2021,), 10.0, 0.5, "count")
    assert cl.within(10.5, c) and cl.within(9.5, c) and not cl.within(10.51, c)


def test_results_frame_and_json(tmp_path) -> None:
    res = run(claim())
    df = cl.results_frame(res)
    assert df.loc[0, "verdict"] == "reproduced" and df.loc[0, "computed"] == 50.0
    d = res[0].to_dict()
    assert {"claimed", "computed", "verdict", "definition"} <= set(d)


def test_load_claims_file_errors(tmp_path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        cl.load_claims(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("claims: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        cl.load_claims(bad)
    ok = tmp_path / "ok.yaml"
    ok.write_text("la_code: '100'\nclaims:\n  - {id: a, text: t, metric: plans_count, "
                  "years: [2021], claimed: 150, unit: count}\n", encoding="utf-8")
    header, claims = cl.load_claims(ok)
    assert claims[0].area == "100" and header["la_code"] == "100"
    assert cl.default_claims_file("100", tmp_path) == ok
    assert cl.default_claims_file("200", tmp_path) is None
    pd.testing.assert_series_equal(
        cl.results_frame(cl.check_claims(claims, None, tables()))["computed"],
        pd.Series([150.0], name="computed"))


def test_rounding_uncertainty_widens_tolerance() -> None:
    c = cl.Claim("d", "t", "dsg_cumulative_deficit", "100", (2021,), 9.6, 0.05, "gbp_m")
    near = cl.Candidate("fy=2020-21", "whole DSG", 9.53, primary=True, uncertainty=0.011)
    assert cl.judge(c, [near]).verdict == "not reproduced"
    closer = cl.Candidate("fy=2020-21", "whole DSG", 9.545, primary=True, uncertainty=0.011)
    r = cl.judge(c, [closer])
    assert r.verdict == "reproduced" and r.computed == 9.545


def test_claims_file_keys_and_values_are_validated(tmp_path) -> None:
    """Issue 11 item 4: a typo, an unknown params key or a bad value is an error naming the key."""
    with pytest.raises(ConfigError, match=r"claim 'c1': unknown key\(s\) tolerence"):
        run({**claim(), "tolerence": 0.5})
    with pytest.raises(ConfigError, match=r"'c1': key 'params.base_alternative': unknown for "
                                          r"metric 'plans_growth'"):
        run(claim(params={"base_alternative": [2016]}))
    with pytest.raises(ConfigError, match=r"'params.base_alternatives': expected a list of years"):
        run(claim(params={"base_alternatives": [2016, "2017x"]}))
    with pytest.raises(ConfigError, match=r"'params.age_scopes'"):
        run(claim(params={"age_scopes": ["under_21"]}))
    with pytest.raises(ConfigError, match=r"'params.sector': 'privat' is not one of"):
        run(claim(metric="specialist_topup_spend", params={"sector": "privat"}))
    with pytest.raises(ConfigError, match=r"key 'tolerance': expected a number, got '0.5%'"):
        run(claim(tolerance="0.5%"))
    with pytest.raises(ConfigError, match=r"key 'claimed': expected a number, got nan"):
        run(claim(claimed=float("nan")))
    with pytest.raises(ConfigError, match=r"key 'claimed': expected a number, got True"):
        run(claim(claimed=True))
    with pytest.raises(ConfigError, match=r"key 'text': expected text"):
        run(claim(text=["a", "b"]))
    with pytest.raises(ConfigError, match=r"unknown top-level key\(s\) as_off"):
        cl.parse_claims({"as_off": 2021, "claims": [claim()]}, "test.yaml")
    dup = tmp_path / "dup.yaml"
    dup.write_text("claims:\n  - id: a\n    id: b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"dup.yaml: not valid YAML.*'id' appears twice"):
        cl.load_claims(dup)


def test_default_claims_file_skips_unreadable_files(tmp_path) -> None:
    (tmp_path / "a_excel.yaml").write_bytes("la_code: '100'\nreport: \u00a3\n".encode("cp1252"))
    ok = tmp_path / "b_ok.yaml"
    ok.write_text("la_code: '100'\nclaims: []\n", encoding="utf-8")
    assert cl.default_claims_file("100", tmp_path) == ok


"""Readers: markers, encodings, bad input, and the tidy tables' published figures."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

from send_analysis.data import readers as rd
from send_analysis.data import taxonomy as tx
from send_analysis.data.build import add_not_recorded_residual, check_agreement, combine
from send_analysis.data.tables import load_table, total_plans
from send_analysis.errors import DataError

GEO = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
       "region_name,new_la_code,old_la_code,la_name,breakdown_topic,breakdown")
COLS25 = ["ehcplans"] + list(tx.COLUMNS_2025)


def _caseload_2025(rows: list[dict], encoding: str = "utf-8-sig") -> bytes:
    header = GEO + "," + ",".join(COLS25)
    lines = [header]
    for r in rows:
        geo = [r.get("tp", "202425"), "Academic year", r.get("level", "Local authority"),
               "E92000001", "England", "E12000005", "West Midlands", "E08000029",
               r.get("code", "334"), "Solihull", "All EHC plans", "All EHC plans"]
        vals = [r.get(c, "0") for c in COLS25]
        lines.append(",".join(geo + vals))
    return ("\n".join(lines) + "\n").encode(encoding)


def _zip(tmp_path, member: str, payload: bytes):
    path = tmp_path / "release.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(member, payload)
    return path


def test_parse_values_markers_become_missing_with_flag_never_zero():
    cells = pd.Series(["12", "x", "z", "c", "low", "u", "", "1,234", "7.5%"])
    values, flags = rd.parse_values(cells, "f.csv", "col")
    assert values.iloc[0] == 12 and values.iloc[7] == 1234 and values.iloc[8] == 7.5
    assert values.iloc[1:7].isna().all()
    assert list(flags.iloc[1:7]) == ["x", "z", "c", "low", "u", "blank"]
    assert flags.iloc[0] is None or pd.isna(flags.iloc[0])


def test_non_numeric_cell_names_file_column_and_line():
    with pytest.raises(DataError, match=r"file f\.csv, column 'ehcplans', row 3: non-numeric value 'twelve'"):
        rd.parse_values(pd.Series(["1", "twelve"]), "f.csv", "ehcplans")


def test_negative_count_is_refused():
    with pytest.raises(DataError, match=r"row 2: negative count '-4'"):
        rd.parse_values(pd.Series(["-4"]), "f.csv", "ehcplans")


def test_2025_reader_maps_wide_columns_to_settings(tmp_path):
    row = {"ehcplans": "100", "mainstream_academy": "30", "mainstream_la_maintained": "10",
           "mainstream_academy_senunit": "5", "special_independent": "x",
           "special_non_maintained": "2", "general_fe_tertiary_colleges": "20",
           "specialist_post_16_institutions": "3", "neet": "4", "neet_other_csa": "1"}
    z = _zip(tmp_path, "data/caseload.csv", _caseload_2025([row]))
    out = rd.read_2025_by_setting(z, "data/caseload.csv", "All EHC plans", "ehcplans", True)
    got = out.set_index("setting")["value"]
    assert out["year"].unique().tolist() == [2025]  # 202425 is January 2025
    assert got["total"] == 100 and got["mainstream"] == 40 and got["mainstream_rp_unit"] == 5
    assert got["fe_sixth_form"] == 20 and got["specialist_post16"] == 3 and got["neet"] == 5
    assert np.isnan(got["special_independent"])  # suppressed, not zero
    assert out.set_index("setting").loc["special_independent", "flag"] == "x"


def test_wrong_encoding_is_named(tmp_path):
    payload = _caseload_2025([{"ehcplans": "1"}]).replace(b"Solihull", "Sölihull".encode("latin-1"))
    z = _zip(tmp_path, "data/caseload.csv", payload)
    with pytest.raises(DataError, match="text is not UTF-8.*expected UTF-8 with BOM"):
        rd.read_2025_by_setting(z, "data/caseload.csv", "All EHC plans", "ehcplans", True)


def test_utf8_file_where_latin1_expected_is_refused():
    with pytest.raises(DataError, match="UTF-8 byte-order mark"):
        rd.decode("\ufeffa,b\n".encode("utf-8"), "latin-1", "f.csv")
    with pytest.raises(DataError, match="mojibake"):
        rd.decode("Saint Hélène\n".encode(), "latin-1", "f.csv")


def test_missing_column_is_named(tmp_path):
    payload = _caseload_2025([{"ehcplans": "1"}]).replace(b",special_independent", b",special_indep")
    z = _zip(tmp_path, "data/caseload.csv", payload)
    with pytest.raises(DataError, match="column 'special_independent': missing column"):
        rd.read_2025_by_setting(z, "data/caseload.csv", "All EHC plans", "ehcplans", True)


def test_bad_la_code_is_named(tmp_path):
    z = _zip(tmp_path, "data/caseload.csv", _caseload_2025([{"ehcplans": "1", "code": "33X"}]))
    with pytest.raises(DataError, match="LA code '33X' is not a 3-digit DfE code"):
        rd.read_2025_by_setting(z, "data/caseload.csv", "All EHC plans", "ehcplans", True)


def test_corrupt_and_truncated_zip(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"this is not a zip at all")
    with pytest.raises(DataError, match="corrupt or truncated"):
        rd.read_zip_csv(bad, "data/caseload.csv", "utf-8-sig")
    good = _zip(tmp_path, "data/caseload.csv", _caseload_2025([{"ehcplans": "1"}] * 50))
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[:-60])
    with pytest.raises(DataError, match="corrupt or truncated"):
        rd.read_zip_csv(cut, "data/caseload.csv", "utf-8-sig")
    with pytest.raises(DataError, match="member not found"):
        rd.read_zip_csv(good, "data/other.csv", "utf-8-sig")


def test_sum_leaves_rules():
    base = {c: None for c in rd.AREA_COLUMNS}
    base.update(level="la", area_code="334", la_code="334", area_name="S")
    rows = [
        {**base, "year": 2020, "setting": "a", "value": 3.0, "flag": None, "release": "r"},
        {**base, "year": 2020, "setting": "a", "value": np.nan, "flag": "z", "release": "r"},
        {**base, "year": 2020, "setting": "b", "value": 1.0, "flag": None, "release": "r"},
        {**base, "year": 2020, "setting": "b", "value": np.nan, "flag": "x", "release": "r"},
        {**base, "year": 2020, "setting": "c", "value": np.nan, "flag": "z", "release": "r"},
    ]
    out = rd.sum_leaves(pd.DataFrame(rows), "setting").set_index("setting")
    assert out.loc["a", "value"] == 3 and not out.loc["a", "complete"]  # z skipped
    assert np.isnan(out.loc["b", "value"]) and out.loc["b", "flag"] == "x"  # unknown leaf
    assert np.isnan(out.loc["c", "value"]) and out.loc["c", "flag"] == "z"


def _frame(release: str, values: dict[tuple[int, str], float]) -> pd.DataFrame:
    rows = []
    for (year, setting), v in values.items():
        rows.append({"level": "la", "area_code": "334", "la_code": "334", "new_la_code": "E",
                     "area_name": "S", "region_code": "R", "region_name": "R", "year": year,
                     "setting": setting, "value": v, "flag": None if v == v else "x",
                     "release": release})
    return pd.DataFrame(rows)


def test_release_disagreement_fails_with_clear_message():
    old = _frame("2022", {(2021, "total"): 10.0, (2022, "total"): 12.0})
    new = _frame("2025", {(2021, "total"): 10.0, (2022, "total"): 13.0, (2023, "total"): 15.0})
    with pytest.raises(DataError, match=r"disagree on 1 of 2 .*334 2022 total: 2022 release 12, 2025 release 13"):
        check_agreement(old, new, "plans_by_setting", "setting")


def test_combine_prefers_2025_and_fills_its_suppressed_cells():
    old = _frame("2022", {(2020, "total"): 9.0, (2021, "total"): 10.0})
    new = _frame("2025", {(2021, "total"): np.nan, (2022, "total"): 12.0})
    out = combine(old, new, "setting").set_index("year")
    assert out.loc[2020, "value"] == 9 and out.loc[2021, "value"] == 10
    assert out.loc[2021, "release"] == "2022" and out.loc[2022, "release"] == "2025"


def test_not_recorded_takes_the_residual_so_settings_sum_to_total():
    df = _frame("2022", {(2015, "total"): 100.0, (2015, "mainstream"): 60.0,
                         (2015, "special_la_maintained"): 30.0})
    out = add_not_recorded_residual(df).set_index("setting")
    assert out.loc["not_recorded", "value"] == 10
    assert out.drop(index="total")["value"].sum() == 100


# ---- real data: the published figures (regression test) -----------------------------------


@pytest.mark.realdata
def test_published_totals_solihull_and_england():
    sol = total_plans("334")
    eng = total_plans("E92000001")
    assert sol[2021] == 1743 and sol[2025] == 2503
    assert eng[2021] == 430697 and eng[2025] == 638745
    assert eng[2014] == 237111 and sol[2010] == 1122
    assert list(sol.index) == list(range(2010, 2026))


@pytest.mark.realdata
def test_settings_sum_to_total_for_every_area_and_year():
    df = load_table("plans_by_setting")
    p = df.pivot_table(index=["area_code", "year"], columns="setting", values="value",
                       aggfunc="sum")
    diff = p.drop(columns="total").sum(axis=1) - p["total"]
    assert (diff.abs() < 1e-9).all()


@pytest.mark.realdata
def test_solihull_setting_mix_january_2021():
    df = load_table("plans_by_setting")
    s = df[(df["area_code"] == "334") & (df["year"] == 2021)].set_index("setting")["value"]
    assert s["special_independent"] == 115 and s["mainstream"] == 565
    assert s["mainstream_rp_unit"] == 93 and s["special_la_maintained"] == 577
    assert s["specialist_post16"] == 72


@pytest.mark.realdata
def test_other_tables_hold_published_values():
    t = load_table("timeliness")
    eng = t[(t["area_code"] == "E92000001") & (t["year"] == 2024)].set_index("measure")["value"]
    assert eng["pct_20wk_excl_exc"] == pytest.approx(46.4)
    ta = load_table("tribunal_appeals")
    e = ta[(ta["area_code"] == "E92000001") & (ta["year"] == 2022)].set_index("measure")["value"]
    assert e["appeals"] == 12796 and e["appealable_decisions"] == 549887
    nw = load_table("new_plans")
    assert nw[(nw["area_code"] == "E92000001") & (nw["year"] == 2024) &
              (nw["setting"] == "total")]["value"].item() == 97747
    age = load_table("plans_by_age")
    sol = age[(age["area_code"] == "334") & (age["year"] == 2025)].set_index("age_band")["value"]
    assert sol.drop(index="total").sum() <= sol["total"]
    assert set(age["year"]) == set(range(2010, 2023)) | {2024, 2025}


@pytest.mark.realdata
def test_data_summary_cli_json(capsys):
    import json

    from send_analysis.cli import main

    assert main(["data", "summary", "--la", "334", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["plans"]["2021"] == 1743 and doc["plans"]["2025"] == 2503


@pytest.mark.realdata
def test_tribunal_codes_follow_names_not_the_misprinted_codes():
    ta = load_table("tribunal_appeals")
    la = ta[(ta["level"] == "la")].drop_duplicates("la_code").set_index("la_code")["area_name"]
    assert la["873"] == "Cambridgeshire" and la["823"] == "Central Bedfordshire"
    assert la["892"] == "Nottingham" and la["891"] == "Nottinghamshire"
    assert la["928"] == "Northamptonshire"


def test_regional_copies_are_rejected_not_used():
    from send_analysis.data.build import reject_regional_copies

    rows = []
    for code, level, v in [("E12000003", "regional", 60.0), ("370", "la", 60.0),
                           ("371", "la", 60.0), ("372", "la", 7.0)]:
        rows.append({"level": level, "area_code": code, "region_code": "E12000003", "year": 2022,
                     "setting": "total", "value": v, "flag": None})
    out = reject_regional_copies(pd.DataFrame(rows), "setting").set_index("area_code")
    assert out.loc["370", "flag"] == "rejected" and np.isnan(out.loc["371", "value"])
    assert out.loc["372", "value"] == 7 and out.loc["E12000003", "value"] == 60


@pytest.mark.realdata
def test_yorkshire_new_plans_2022_publication_error_is_flagged():
    nw = load_table("new_plans")
    sheffield = nw[(nw["la_code"] == "373") & (nw["year"] == 2022)].set_index("setting")
    assert np.isnan(sheffield.loc["total", "value"]) and sheffield.loc["total", "flag"] == "rejected"
    assert sheffield.loc["mainstream", "value"] == 672
    assert (nw["flag"] == "rejected").sum() == 15 + 15  # the total and its not_recorded residual

"""Public High Needs finance readers: published values pinned, cross-checks between sources,
and errors that name the file, sheet and cell."""

from __future__ import annotations

import pandas as pd
import pytest

from send_analysis.errors import DataError
from send_analysis.finance import public

# England "Total high needs block before deductions" (dsg_allocations/PROVENANCE.md)
ENGLAND_HNB = {
    "2020-21": 7_063_230_381,
    "2021-22": 7_906_348_577,
    "2022-23": 8_988_258_915,
    "2023-24": 9_952_172_126,
}

# Solihull (334), read off the ESFA workbooks: before deductions, deductions, after deductions
SOLIHULL_HNB = {
    "2020-21": (30_248_885, 2_364_835, 27_884_050),
    "2021-22": (33_473_420, 2_317_002, 31_156_418),
    "2022-23": (37_760_337, 2_584_504, 35_175_833),
    "2023-24": (41_437_695, 2_955_667, 38_482_028),
}


# ------------------------------------------------------------------ unit tests (no data)


@pytest.mark.parametrize("cell, code", [(334, "334"), (334.0, "334"), (" 334 ", "334"),
                                        ("ENGLAND", None), (None, None), (float("nan"), None),
                                        (3340, None), ("E92000001", None)])
def test_la_code_of(cell, code):
    assert public.la_code_of(cell) == code


def test_fy_from_period():
    assert public.fy_from_period(202021) == "2020-21"
    assert public.fy_from_period("201920") == "2019-20"
    with pytest.raises(DataError, match="202023"):
        public.fy_from_period(202023)


def test_money_error_names_file_sheet_row_and_column():
    with pytest.raises(DataError) as err:
        public._money("x", "dsg_allocations/f.ods", "High_needs_block", 41, "7")
    text = str(err.value)
    assert "dsg_allocations/f.ods" in text and "High_needs_block" in text
    assert "row 42" in text and "'x'" in text


def test_find_column_error_names_sheet_and_pattern():
    sheet = pd.DataFrame([["a", "Total high needs block before deductions (£s)"],
                          ["b", "[F]"]])
    assert public._find_column(sheet, "Total high needs block before", "f.ods", "S") == 1
    with pytest.raises(DataError, match="sheet 'S': 0 columns match"):
        public._find_column(sheet, "High needs block allocation", "f.ods", "S")


def test_hn_header_check_names_the_column():
    raw = pd.DataFrame([[""] * 119 for _ in range(7)], dtype=object)
    with pytest.raises(DataError) as err:
        public._hn_columns(raw)
    assert "Outturn data 202122.xlsx" in str(err.value) and "column 'E'" in str(err.value)


def test_excel_col():
    assert [public._excel_col(i) for i in (0, 25, 26, 60, 79)] == ["A", "Z", "AA", "BI", "CB"]


def test_drop_no_return_rules():
    rows = []
    for code, fy, total in [("334", "2019-20", 10.0), ("839", "2019-20", 0.0),
                            ("838", "2018-19", 5.0), ("838", "2019-20", float("nan")),
                            ("837", "2018-19", 7.0)]:
        for sector in ("state", "indep_nm", "total"):
            rows.append({"la_code": code, "financial_year": fy, "sector": sector,
                         "spend": total})
    kept = public._drop_no_return(pd.DataFrame(rows))
    assert sorted(set(zip(kept["la_code"], kept["financial_year"], strict=True))) == [
        ("334", "2019-20"), ("837", "2018-19")]


# ------------------------------------------------------------------ real data


@pytest.mark.realdata
def test_england_hnb_totals_match_provenance_and_la_rows():
    hnb = public.read_hnb_allocations()
    la_sum = hnb.groupby("financial_year")["hnb_before_deductions"].sum()
    england = public.hnb_england_totals()
    for fy, total in ENGLAND_HNB.items():
        assert england[fy] == total
        assert la_sum[fy] == pytest.approx(total, abs=10)


@pytest.mark.realdata
def test_solihull_hnb_allocations():
    hnb = public.read_hnb_allocations()
    sol = hnb[hnb["la_code"] == "334"].set_index("financial_year")
    assert list(sol.index) == list(SOLIHULL_HNB)
    for fy, (before, ded, after) in SOLIHULL_HNB.items():
        assert sol.loc[fy, "hnb_before_deductions"] == before
        assert sol.loc[fy, "hnb_deductions"] == ded
        assert sol.loc[fy, "hnb_after_deductions"] == after
    assert (sol["la_name"] == "Solihull").all()


@pytest.mark.realdata
def test_hnb_reorganisations_and_row_counts():
    hnb = public.read_hnb_allocations()
    counts = hnb.groupby("financial_year")["la_code"].nunique().to_dict()
    assert counts == {"2020-21": 149, "2021-22": 150, "2022-23": 150, "2023-24": 151}
    codes = hnb.groupby("financial_year")["la_code"].apply(set)
    assert "928" in codes["2020-21"] and "940" not in codes["2020-21"]
    assert {"940", "941"} <= codes["2021-22"]
    assert "909" in codes["2022-23"] and {"942", "943"} <= codes["2023-24"]
    assert "909" not in codes["2023-24"]
    diff = hnb["hnb_before_deductions"] - hnb["hnb_deductions"] - hnb["hnb_after_deductions"]
    assert diff.abs().max() <= 1


@pytest.mark.realdata
def test_dsg_totals():
    t = public.read_dsg_totals().set_index(["la_code", "financial_year"])
    assert t.loc[("334", "2020-21"), "dsg_total"] == 212_336_354
    assert t.loc[("334", "2021-22"), "dsg_total"] == 230_036_804
    # PROVENANCE: Camden 2021-22 is 184,990_718 here (March publication)
    assert t.loc[("202", "2021-22"), "dsg_total"] == 184_990_718
    assert t.loc[("334", "2021-22"), "published"] == "2022-03-17"
    assert set(t.index.get_level_values("financial_year")) == {
        "2019-20", "2020-21", "2021-22", "2022-23", "2023-24"}


@pytest.mark.realdata
def test_dsg_balances_pinned_and_signed():
    b = public.read_dsg_balances()
    pct = b.set_index(["la_code", "financial_year"])["deficit_pct"]
    years = ["2019-20", "2020-21", "2021-22"]
    assert [pct[("334", y)] for y in years] == [2.96, 4.30, 5.74]   # Solihull
    assert [pct[("886", y)] for y in years] == [1.76, 3.90, 6.83]   # Kent
    assert [pct[("919", y)] for y in years] == [-1.54, -2.00, -1.53]  # Hertfordshire
    assert (b["balance_pct"] == -b["deficit_pct"]).all()
    assert b.groupby("financial_year").size().to_dict() == {
        "2019-20": 149, "2020-21": 149, "2021-22": 150}
    deficits = b[b["deficit_pct"] > 0].groupby("financial_year").size().to_dict()
    assert deficits == {"2019-20": 94, "2020-21": 100, "2021-22": 103}


@pytest.mark.realdata
def test_dsg_cumulative_balance_gbp_solihull():
    g = public.dsg_cumulative_balance_gbp().set_index(["la_code", "financial_year"])
    row = g.loc[("334", "2020-21")]
    assert row["balance_gbp"] == pytest.approx(-0.0430 * 212_336_354)
    assert row["balance_gbp"] == pytest.approx(-9_130_463, abs=1)
    assert row["rounding_gbp"] == pytest.approx(10_616.82, abs=0.01)
    assert bool(row["approximate"])
    assert g.loc[("334", "2021-22"), "balance_gbp"] == pytest.approx(-13_204_112.55, abs=0.01)


@pytest.mark.realdata
def test_hn_outturn_column_sums_and_solihull():
    df = public.read_hn_outturn_2021_22()
    assert df["la_code"].nunique() == 154
    out = public.hn_lines_wide("s251_outturn")
    bud = public.hn_lines_wide("s251_budget")
    # PROVENANCE column sums over LA rows
    assert out["topup_indep_nm"].sum() == pytest.approx(1.766e9, rel=1e-3)
    assert out["topup_state"].sum() == pytest.approx(3.780e9, rel=1e-3)
    assert out["place_funding"].sum() == pytest.approx(1.009e9, rel=1e-3)
    assert bud["place_funding"].sum() == pytest.approx(1.638e9, rel=1e-3)
    sol = out.loc["334"]
    assert sol["topup_indep_nm_special"] == 6_779_471
    assert sol["topup_state_special"] == 7_509_499
    assert sol["place_funding_special"] == 6_321_383
    assert sol["sen_support_services"] == 4_686_605
    # totals are the phase lines less income
    phases = ["early_years", "primary", "secondary", "special", "ap_pru", "post_school"]
    for block in ("topup_state", "topup_indep_nm"):
        total = sum(out[f"{block}_{p}"] for p in phases) - out[f"{block}_income"]
        assert (total - out[block]).abs().max() < 1
    plc = public.hn_lines_wide("sen2_placements").loc["334"]
    assert plc["ehcp_total"] == 1743 and plc["ehcp_special_indep_nm"] == 152
    parts = [c for c in plc.index if c.startswith("ehcp_") and c != "ehcp_total"]
    assert sum(plc[c] for c in parts) == plc["ehcp_total"]
    # blank rows of the pre-2019 Dorset authorities carry a flag, not a zero
    old = df[df["la_code"].isin(["835", "836", "837"]) & (df["measure"] == "s251_outturn")]
    assert old["amount"].isna().all() and (old["flag"] == "blank").all()


@pytest.mark.realdata
def test_specialist_topups_pinned_and_consistent_with_outturn():
    s = public.read_specialist_topups()
    sol = s[s["la_code"] == "334"].set_index(["financial_year", "sector"])["spend"]
    assert sol[("2019-20", "indep_nm")] == 7_044_937
    assert sol[("2018-19", "indep_nm")] == 6_333_612
    assert sol[("2019-20", "total")] == 14_623_575
    eng = s.groupby(["financial_year", "sector"])["spend"].sum()
    assert eng[("2021-22", "indep_nm")] == pytest.approx(1.400354e9, rel=1e-6)
    assert eng[("2021-22", "state")] == pytest.approx(2.083898e9, rel=1e-6)
    # 2021-22 comes from the outturn extract: special + AP top-ups, every LA
    out = public.hn_lines_wide("s251_outturn")
    ind = s[(s["financial_year"] == "2021-22") & (s["sector"] == "indep_nm")].set_index("la_code")
    expect = (out["topup_indep_nm_special"] + out["topup_indep_nm_ap_pru"]).reindex(ind.index)
    assert (ind["spend"] - expect).abs().max() < 1
    assert not s.duplicated(["la_code", "financial_year", "sector"]).any()


@pytest.mark.realdata
def test_lait_sen_unit_costs():
    lait = public.read_lait_sen_unit_costs().set_index(["la_code", "financial_year"])
    assert lait.loc[("334", "2021-22"), "weekly_cost"] == 135
    assert lait.loc[("334", "2016-17"), "weekly_cost"] == 115
    assert "970" not in lait.index.get_level_values("la_code")  # England row excluded


# ------------------------------------------------------------------ bad input (small files)


@pytest.fixture()
def tiny_raw(tmp_path, monkeypatch):
    """An empty raw-data folder (and processed folder, for the Parquet caches); the readers'
    session caches are cleared before and after."""
    caches = [public._read_ods, public._dsg_totals_cached, public._dsg_balances_cached]
    for c in caches:
        c.cache_clear()
    monkeypatch.setenv("SEND_DATA_RAW", str(tmp_path))
    monkeypatch.setenv("SEND_DATA_PROCESSED", str(tmp_path / "processed"))
    monkeypatch.setattr("send_analysis.paths.VERIFY_REGISTERED", False)  # hand-made files
    yield tmp_path
    for c in caches:
        c.cache_clear()


def _write_ods(path, sheets: dict[str, list[list[object]]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="odf") as xw:
        for name, rows in sheets.items():
            pd.DataFrame(rows).to_excel(xw, sheet_name=name, header=False, index=False)


def test_hnb_inconsistent_deductions_name_sheet_and_row(tiny_raw):
    _write_ods(tiny_raw / "dsg_allocations" / "tiny.ods", {
        "Allocations_summary": [["", "", "High needs block (£s)", "High needs block allocation (£s)"],
                                ["334", "Solihull", 100, 90]],
        "High_needs_block": [["", "", "Total high needs block before deductions (£s)"],
                             ["334", "Solihull", 100]],
        "High_needs_deductions": [["", "", "Total deduction to high needs block (£s)"],
                                  ["334", "Solihull", 5]],
    })
    with pytest.raises(DataError) as err:
        public._hnb_one_year("2020-21", "dsg_allocations/tiny.ods")
    text = str(err.value)
    assert "dsg_allocations/tiny.ods" in text and "Allocations_summary" in text
    assert "row 2" in text and "LA 334" in text


def test_hnb_missing_sheet_is_named(tiny_raw):
    _write_ods(tiny_raw / "dsg_allocations" / "tiny.ods", {"Information": [["x"]]})
    with pytest.raises(DataError, match="no sheet 'Allocations_summary'"):
        public._hnb_one_year("2020-21", "dsg_allocations/tiny.ods")


def test_balances_unknown_name_names_file_and_row(tiny_raw):
    (tiny_raw / "dsg_allocations").mkdir()
    (tiny_raw / "dsg_balances").mkdir()
    with pd.ExcelWriter(tiny_raw / public.DSG_TOTALS_FILE) as xw:
        pd.DataFrame([["la_code", "la_name", "Total DSG allocation (£s)", "time_period"],
                      ["334", "Solihull", 230036804, "202122"]]).to_excel(
            xw, sheet_name="dsg_budget_2022_03_17", header=False, index=False)
    pd.DataFrame({
        "time_period": [202122, 202122], "geographic_level": ["Local authority"] * 2,
        "region_name": ["West Midlands"] * 2, "la_name": ["Solihull", "Atlantis"],
        "deficit": [5.74, 1.0], "DSG cumulative balance as a % of the total income": [-5.74, -1.0],
        "financial_year": ["2021-22"] * 2,
    }).to_excel(tiny_raw / public.DSG_BALANCES_FILE, sheet_name="Sheet 1", index=False)
    with pytest.raises(DataError) as err:
        public.read_dsg_balances()
    text = str(err.value)
    assert public.DSG_BALANCES_FILE in text and "row 3" in text and "Atlantis" in text


def test_disk_cache_reuses_a_parse_until_the_source_changes(tiny_raw):
    src = tiny_raw / "dsg_allocations" / "tiny.csv"
    src.parent.mkdir()
    src.write_text("a\n1\n")
    calls = []

    def build():
        calls.append(1)
        return pd.read_csv(src).assign(la_code="334")

    first = public._disk_cached("tiny", ["dsg_allocations/tiny.csv"], build)
    again = public._disk_cached("tiny", ["dsg_allocations/tiny.csv"], build)
    assert len(calls) == 1  # the second read came from the Parquet cache
    pd.testing.assert_frame_equal(first, again)
    cached = list((tiny_raw / "processed" / "finance").glob("tiny_*.parquet"))
    assert len(cached) == 1 and not list(cached[0].parent.glob("*.part"))
    src.write_text("a\n2\n")  # a new release of the file: new sha256, new parse
    changed = public._disk_cached("tiny", ["dsg_allocations/tiny.csv"], build)
    assert len(calls) == 2 and changed["a"].tolist() == [2]

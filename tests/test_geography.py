"""Geography: names to codes, the LA lookup, and consistent series across boundary changes."""

from __future__ import annotations

import pandas as pd
import pytest

from send_analysis.data.geography import (
    BoundaryChange,
    LARecord,
    code_for_name,
    consistent_series,
    la_lookup,
    la_record,
    normalise_name,
)
from send_analysis.data.tables import Tables, load_table
from send_analysis.errors import DataError, UnknownLAError

CHANGE = [BoundaryChange(2021, ("900",), ("901", "902"), "900", "Old shire")]


def _rows(code, values, dims=None):
    out = []
    for year, v in values.items():
        out.append({"level": "la", "area_code": code, "la_code": code, "area_name": f"LA {code}",
                    "year": year, "value": v, "flag": None, **(dims or {})})
    return out


def test_current_geography_apportions_history_by_first_year_shares():
    df = pd.DataFrame(
        _rows("900", {2019: 100.0, 2020: 120.0}) + _rows("901", {2021: 30.0, 2022: 40.0})
        + _rows("902", {2021: 90.0, 2022: 100.0}) + _rows("334", {2019: 5.0})
    )
    out = consistent_series(df, "current", CHANGE)
    s901 = out[out["la_code"] == "901"].set_index("year")["value"]
    s902 = out[out["la_code"] == "902"].set_index("year")["value"]
    assert s901[2019] == pytest.approx(25.0) and s902[2019] == pytest.approx(75.0)  # 30/120
    assert s901[2020] == pytest.approx(30.0) and s902[2022] == 100
    assert "900" not in set(out["la_code"])
    assert out[out["la_code"] == "334"]["value"].item() == 5
    assert out[(out["la_code"] == "901") & (out["year"] == 2019)]["apportioned"].item()


def test_predecessor_geography_sums_successors():
    df = pd.DataFrame(_rows("900", {2020: 120.0}) + _rows("901", {2021: 30.0})
                      + _rows("902", {2021: 90.0}))
    out = consistent_series(df, "predecessor", CHANGE).set_index("year")
    assert out.loc[2021, "value"] == 120 and out.loc[2021, "la_code"] == "900"
    assert set(out["la_code"]) == {"900"}


def test_apportioning_uses_each_dimension_share():
    df = pd.DataFrame(
        _rows("900", {2020: 10.0}, {"setting": "a"}) + _rows("900", {2020: 10.0}, {"setting": "b"})
        + _rows("901", {2021: 1.0}, {"setting": "a"}) + _rows("902", {2021: 3.0}, {"setting": "a"})
        + _rows("901", {2021: 2.0}, {"setting": "b"}) + _rows("902", {2021: 2.0}, {"setting": "b"})
    )
    out = consistent_series(df, "current", CHANGE)
    got = out[(out["year"] == 2020)].set_index(["la_code", "setting"])["value"]
    assert got[("901", "a")] == pytest.approx(2.5) and got[("902", "a")] == pytest.approx(7.5)
    assert got[("901", "b")] == pytest.approx(5.0)


def test_normalise_name_handles_publisher_spellings():
    assert normalise_name("Northamptonshire7") == "northamptonshire"
    assert normalise_name("Bristol, City of") == "bristol"
    assert normalise_name("Durham") == "county durham"


@pytest.mark.realdata
def test_code_for_name_real_lookup():
    assert code_for_name("Solihull") == "334"
    assert code_for_name("Kingston Upon Hull, City of") == "810"
    assert code_for_name("Bournemouth, Christchurch & Poole") == "839"
    assert code_for_name("Durham") == "840"
    with pytest.raises(DataError, match="unknown LA name 'Atlantis'"):
        code_for_name("Atlantis")


@pytest.mark.realdata
def test_lookup_and_real_boundary_changes():
    lk = la_lookup().set_index("la_code")
    assert lk.loc["334", "la_name"] == "Solihull" and lk.loc["334", "region_name"] == "West Midlands"
    assert lk.loc["928", "status"] == "terminated" and lk.loc["928", "last_year"] == 2021
    assert lk.loc["940", "first_year"] == 2022
    df = load_table("plans_by_setting")
    la = df[(df["level"] == "la") & (df["setting"] == "total")]
    cur = consistent_series(la, "current")
    north = cur[cur["la_code"] == "940"].set_index("year")["value"]
    west = cur[cur["la_code"] == "941"].set_index("year")["value"]
    assert list(north.index) == list(range(2010, 2026))
    # history apportioned: the two successors sum to Northamptonshire's published figure
    assert north[2021] + west[2021] == pytest.approx(4847)
    pre = consistent_series(la, "predecessor")
    assert pre[(pre["la_code"] == "928") & (pre["year"] == 2025)]["value"].item() == 4551 + 4153


@pytest.mark.realdata
def test_unknown_la_code_in_a_table_is_named():
    from send_analysis.data.geography import validate_la_codes

    df = pd.DataFrame({"la_code": ["334", "999"], "value": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"file new_plans, column 'la_code', row 1: unknown LA code '999'"):
        validate_la_codes(df, "new_plans")
    validate_la_codes(df.iloc[:1], "new_plans")  # a known code passes


def test_rekey_by_name_fixes_misprinted_codes():
    from send_analysis.data.geography import rekey_by_name

    lookup = pd.DataFrame({"la_code": ["100", "200"], "la_name": ["Aton", "Beeton"]})
    df = pd.DataFrame({"level": ["la", "la", "national"], "area_code": ["200", "100", "E92000001"],
                       "la_code": ["200", "100", None], "area_name": ["Aton", "Beeton4", "England"],
                       "value": [2.0, 6.0, 8.0]})
    out = rekey_by_name(df, lookup)
    assert list(out["la_code"][:2]) == ["100", "200"] and list(out["area_code"]) == ["100", "200", "E92000001"]
    assert list(out["area_name"]) == ["Aton", "Beeton", "England"]
    bad = df.assign(area_name=["Aton", "Nowhere", "England"])
    with pytest.raises(DataError, match="unknown LA name 'Nowhere'"):
        rekey_by_name(bad, lookup)


# ---- one place to resolve an LA code (issue 14) ------------------------------------------------


def _lookup() -> Tables:
    rows = [("334", "Solihull", "live", 2010, 2025), ("335", "Walsall", "live", 2010, 2025),
            ("928", "Northamptonshire", "terminated", 2010, 2021),
            ("940", "North Northamptonshire", "live", 2022, 2025),
            ("941", "West Northamptonshire", "live", 2022, 2025)]
    lk = pd.DataFrame(rows, columns=["la_code", "la_name", "status", "first_year", "last_year"])
    lk["region_code"], lk["region_name"] = "E12000005", "West Midlands"
    return Tables({"la_lookup": lk})


def test_la_record_resolves_a_current_la():
    r = la_record(334, _lookup())
    assert r == LARecord("334", "Solihull", "E12000005", "West Midlands", "live", 2010, 2025)
    assert r.is_current and r.successors == () and r.predecessors == ()
    assert la_record(" 940", _lookup()).predecessors == ("928",)
    plain = _lookup().get("la_lookup")[["la_code", "la_name", "region_code", "region_name"]]
    assert la_record("334", Tables({"la_lookup": plain})) == LARecord(
        "334", "Solihull", "E12000005", "West Midlands", "live", None, None)  # a minimal lookup


def test_a_former_la_names_its_successors():
    with pytest.raises(UnknownLAError, match=r"LA 928 Northamptonshire no longer exists \(last "
                       r"January census 2021\).*successors are 940 North Northamptonshire, "
                       r"941 West Northamptonshire"):
        la_record("928", _lookup())
    r = la_record("928", _lookup(), former=True)
    assert not r.is_current and r.successors == ("940", "941")


def test_an_unknown_code_or_name_suggests_close_matches():
    with pytest.raises(UnknownLAError, match=r"unknown LA code '336'.*close matches: "
                                             r"335 Walsall, 334 Solihull"):
        la_record("336", _lookup())
    with pytest.raises(UnknownLAError, match="close matches: 334 Solihull"):
        la_record("Solihul", _lookup())
    with pytest.raises(DataError, match="unknown LA code '777'") as exc:  # still a DataError
        la_record("777", _lookup())
    assert "close matches" not in str(exc.value)

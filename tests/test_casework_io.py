"""Reading casework from CSV: explicit booleans and dates, an allow-list of columns, a hashed
person key, and errors that name the file, column and row but never a value (issue 11)."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pandera.errors as pae
import pytest
from test_casework_performance import hand_made

from send_analysis.casework import io as cio
from send_analysis.casework.io import read_casework, write_casework
from send_analysis.casework.performance import timeliness
from send_analysis.errors import DataError


@pytest.fixture()
def folder(tmp_path):
    write_casework(hand_made(), tmp_path / "cw")
    return tmp_path / "cw"


def _edit(folder, table, fn):
    path = folder / f"{table}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = fn(df)
    df.to_csv(path, index=False)


def test_exception_flags_keep_their_meaning_after_csv(folder):
    cw = hand_made()
    back = read_casework(folder)
    assert back.requests["exception"].tolist() == cw.requests["exception"].tolist()
    t = timeliness(back).set_index("year").loc[2020]
    assert (t["issued_excl_exc"], t["pct_20wk_excl_exc"]) == (2, 50.0)


@pytest.mark.parametrize("true, false", [("True", "False"), ("Y", "N"), ("yes", "no"),
                                         ("1", "0"), ("TRUE", "false")])
def test_booleans_in_every_spelling(folder, true, false):
    _edit(folder, "requests", lambda d: d.assign(
        exception=d["exception"].map({"True": true, "False": false})))
    back = read_casework(folder)
    assert back.requests["exception"].tolist() == hand_made().requests["exception"].tolist()


@pytest.mark.parametrize("value", ["maybe", "", "2", "Falsee"])
def test_other_boolean_text_is_an_error_naming_file_column_row(folder, value):
    def bad(d):
        d.loc[4, "exception"] = value
        return d
    _edit(folder, "requests", bad)
    with pytest.raises(DataError, match=r"requests.csv, column 'exception', row 6") as e:
        read_casework(folder)
    if value:
        assert repr(value) not in str(e.value)


def test_day_first_dates_only_with_the_option(folder):
    def uk(d):
        d["request_date"] = pd.to_datetime(d["request_date"]).dt.strftime("%d/%m/%Y")
        return d
    _edit(folder, "requests", uk)
    with pytest.raises(DataError, match=r"column 'request_date', row 2.*--dayfirst"):
        read_casework(folder)
    back = read_casework(folder, dayfirst=True)
    pd.testing.assert_series_equal(back.requests["request_date"],
                                   hand_made().requests["request_date"], check_dtype=False)


@pytest.mark.parametrize("value", ["01/16/2025", "16-01-2025", "2025-02-30", "16 Jan 2025",
                                   "2025/01/16"])
def test_ambiguous_or_impossible_dates_are_errors(folder, value):
    def bad(d):
        d.loc[0, "date_of_birth"] = value
        return d
    _edit(folder, "people", bad)
    for dayfirst in (False, True):
        with pytest.raises(DataError, match=r"people.csv, column 'date_of_birth', row 2") as e:
            read_casework(folder, dayfirst=dayfirst)
        assert value not in str(e.value)


def test_only_schema_columns_are_kept_and_the_person_key_hashed(folder):
    def extra(d):
        return d.assign(**{"Pupil Name": "Ann Smith", "Home Address": "1 High St",
                           "Parent Name": "Bob Smith", "Notes": "free text"})
    for table in ("people", "requests", "plans"):
        _edit(folder, table, extra)
    back = read_casework(folder, salt="s")
    assert list(back.people.columns) == ["person_id", "date_of_birth"]
    assert list(back.plans.columns) == ["person_id", "start_date", "end_date", "cease_reason",
                                        "origin"]
    assert not back.people["person_id"].isin(hand_made().people["person_id"]).any()
    # the same child gets the same key in every table of one read
    assert set(back.plans["person_id"]) <= set(back.people["person_id"])
    out = folder.parent / "out"
    write_casework(back, out)
    text = "".join(p.read_text() for p in out.glob("*.csv"))
    for secret in ("Ann Smith", "1 High St", "Bob Smith", "free text", "P10"):
        assert secret not in text


def test_errors_never_echo_person_level_values(folder):
    def bad(d):
        d.loc[2, "decision"] = "Ann Smith 2012-03-04"
        return d
    _edit(folder, "requests", bad)
    with pytest.raises(DataError, match=r"requests.csv, column 'decision', row 4") as e:
        read_casework(folder)
    assert "Ann" not in str(e.value) and "2012" not in str(e.value)


def test_a_lazy_schema_errors_becomes_one_clean_error(monkeypatch):
    plans = hand_made().plans.astype(object)
    plans.loc[1, "origin"] = "Ann Smith"
    plans.loc[3, "cease_reason"] = "Bob Jones"
    schema = cio.SCHEMAS["plans"]

    class Lazy:
        columns = schema.columns

        def validate(self, df, lazy=False):
            return schema.validate(df, lazy=True)

    monkeypatch.setitem(cio.SCHEMAS, "plans", Lazy())
    with pytest.raises(pae.SchemaErrors):
        schema.validate(plans, lazy=True)
    with pytest.raises(DataError, match=r"file plans.csv, column '(cease_reason|origin)', row \d") as e:
        cio.validate("plans", plans, file="plans.csv")
    assert "Ann" not in str(e.value) and "Bob" not in str(e.value)


def test_cli_reports_the_excl_exceptions_share_and_refuses_bad_flags(folder):
    cmd = [sys.executable, "-m", "send_analysis.cli", "casework", "performance", "--casework",
           str(folder), "--at", "2021-03-01", "--threshold", "1", "--allow-low-threshold", "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["pct_within_20_weeks_excl_exceptions"] == 50.0
    _edit(folder, "requests", lambda d: d.assign(exception="Sometimes"))
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "requests.csv" in r.stderr and "'exception'" in r.stderr and "row 2" in r.stderr
    assert "Sometimes" not in r.stderr and "Traceback" not in r.stderr


@pytest.mark.realdata
def test_synth_like_solihull_matches_the_published_share_excluding_exceptions(tmp_path):
    from send_analysis.casework.synth import calibration_tolerance
    from send_analysis.data.tables import series

    r = subprocess.run([sys.executable, "-m", "send_analysis.cli", "casework", "synth", "--like",
                        "334", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "send_analysis.cli", "casework", "performance",
                        "--casework", str(tmp_path), "--json"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["timeliness_year"] == 2024
    published = series("timeliness", "334", "pct_20wk_excl_exc").loc[2024]
    assert published == pytest.approx(80.4)
    got = doc["pct_within_20_weeks_excl_exceptions"]
    assert abs(got - published) <= calibration_tolerance(published, doc["plans_issued_excl_exceptions"])


@pytest.mark.parametrize("content, match", [
    (b"person_id,date_of_birth\nP1,2012-01-01\nZo\xeb,2013-01-01\n", "not UTF-8"),
    (b"", "empty"),
    (b'person_id,date_of_birth\nP1,2012-01-01,"Ann Smith",x\n', "well-formed"),
    (b'person_id,date_of_birth\nP1,2012-01-01\nP2,2012-01-01,"Ann Smith",x\n', "well-formed"),
])
def test_unreadable_files_name_the_file_not_the_content(folder, content, match):
    (folder / "people.csv").write_bytes(content)
    with pytest.raises(DataError, match=match) as e:
        read_casework(folder)
    assert "people.csv" in str(e.value) and "Ann" not in str(e.value)


def test_a_blank_person_key_is_an_error_naming_the_row(folder):
    def bad(d):
        d.loc[1, "person_id"] = ""
        return d
    _edit(folder, "plans", bad)
    with pytest.raises(DataError, match=r"plans.csv, column 'person_id', row 3: a value is missing"):
        read_casework(folder)


def test_excel_csv_utf8_with_a_byte_order_mark_reads(folder):
    path = folder / "people.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert list(read_casework(folder).people.columns) == ["person_id", "date_of_birth"]


def test_a_missing_column_is_named(folder):
    _edit(folder, "requests", lambda d: d.drop(columns="exception"))
    with pytest.raises(DataError, match=r"requests.csv: missing column\(s\) \['exception'\]"):
        read_casework(folder)

"""The one tables object (issue 14, decision 0085): a folder's processed tables, each read once."""

from __future__ import annotations

import pandas as pd
import pytest

from send_analysis.data.tables import Tables, load_table


def _folder(tmp_path):
    """A processed folder with one table (no build id, no manifest: both absent pass)."""
    pd.DataFrame({"la_code": ["334", "928"], "la_name": ["Solihull", "Northamptonshire"]}
                 ).to_parquet(tmp_path / "la_lookup.parquet")
    return tmp_path


def test_a_table_is_read_once_and_shared(tmp_path):
    t = Tables.at(_folder(tmp_path))
    first = t.get("la_lookup")
    assert t.get("la_lookup") is first  # memoised on the object
    assert Tables.at(tmp_path).get("la_lookup") is first  # and between objects of the folder
    assert t.folder == tmp_path and t.has("la_lookup")


def test_load_table_still_gives_a_copy(tmp_path):
    t = Tables.at(_folder(tmp_path))
    mine = load_table("la_lookup", tmp_path)
    mine.loc[0, "la_name"] = "changed"
    assert t.get("la_lookup").loc[0, "la_name"] == "Solihull"


def test_default_is_the_processed_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SEND_DATA_PROCESSED", str(_folder(tmp_path)))
    assert Tables.default().folder == tmp_path and Tables.at(None).folder == tmp_path
    assert Tables().get("la_lookup")["la_code"].tolist() == ["334", "928"]


def test_missing_and_unknown_tables_are_named(tmp_path):
    t = Tables.at(tmp_path)
    with pytest.raises(FileNotFoundError, match="plans_by_setting.parquet not found; run `send-analysis data build`"):
        t.get("plans_by_setting")
    with pytest.raises(KeyError, match="unknown table 'plans'"):
        t.get("plans")
    assert t.find("plans_by_setting") is None and not t.has("plans_by_setting")


def test_given_frames_stand_alone_for_find_and_are_not_shared(tmp_path):
    own = pd.DataFrame({"a": [1]})
    t = Tables({"plans_by_setting": own}, folder=_folder(tmp_path))
    assert t.get("plans_by_setting") is own and t.given_frames
    assert t.find("la_lookup") is None  # a hand-made set stands alone
    assert t.get("la_lookup")["la_code"].tolist() == ["334", "928"]  # get still reads the folder
    assert not Tables.at(tmp_path).given_frames


def test_derived_tables_are_computed_once():
    calls = []

    def compute() -> pd.DataFrame:
        calls.append(1)
        return pd.DataFrame({"v": [1.0]})

    t = Tables({"x": pd.DataFrame()})
    assert t.derived("population_0_25", compute) is t.derived("population_0_25", compute)
    assert calls == [1]
    given = pd.DataFrame({"v": [2.0]})
    assert Tables({"population_0_25": given}).derived("population_0_25", compute) is given


def test_one_class_for_every_caller():
    from send_analysis.benchmark import metrics

    assert metrics.Tables is Tables

"""DfE statistical neighbours reader (real files through raw_path)."""

from __future__ import annotations

import pytest

from send_analysis.data import neighbours as nb
from send_analysis.errors import DataError

pytestmark = pytest.mark.realdata


def test_solihull_neighbours_both_vintages() -> None:
    assert nb.statistical_neighbours("334", "2021") == [
        "356", "877", "896", "937", "358", "895", "351", "881", "823", "811"]
    assert nb.statistical_neighbours("334", "2025") == [
        "356", "896", "937", "877", "886", "916", "802", "895", "881", "919"]


def test_file_shape_and_labels() -> None:
    df = nb.read_statistical_neighbours("2021")
    assert df["la_code"].nunique() == 158
    assert set(df["closeness"].dropna()) == {
        "Extremely close", "Very close", "Close", "Somewhat close", "Not close"}
    # every neighbour code is also an LA row
    assert set(df["neighbour_code"].dropna()) <= set(df["la_code"])


def test_missing_neighbours_and_unknown_codes() -> None:
    with pytest.raises(DataError, match="942 has no neighbours"):
        nb.statistical_neighbours("942", "2021")
    assert len(nb.statistical_neighbours("942", "2025")) == 10
    with pytest.raises(DataError, match="'999'"):
        nb.statistical_neighbours("999", "2021")
    with pytest.raises(DataError, match="vintage"):
        nb.read_statistical_neighbours("2019")


def test_vintage_for_year() -> None:
    assert nb.vintage_for_year(2021) == "2021"
    assert nb.vintage_for_year(2025) == "2021"
    assert nb.vintage_for_year(2026) == "2025"

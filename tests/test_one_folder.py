"""A page reads one processed folder throughout: the one its Tables name (decision 0085).

``report.notebook_setup`` no longer sets ``SEND_DATA_PROCESSED``: every national computation of a
page (the finance backtest's bands, England's growth rates, the demand panel behind them, the
cohort page's calibration, the parse caches) takes the page's tables. The check points the
environment variable at a folder that does not exist: a computation that read the default folder
would fail there, and a parse cache written there would create it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from send_analysis.data import cache
from send_analysis.paths import processed_dir
from send_analysis.report import notebook_setup, shared


@pytest.fixture
def setup_restored():
    """notebook_setup changes process state (sharing, the parse caches' folder): put it back."""
    yield
    shared.enable(False)
    cache.use_folder(None)


def test_notebook_setup_leaves_the_environment_unchanged(tmp_path, monkeypatch, setup_restored):
    monkeypatch.delenv("SEND_DATA_PROCESSED", raising=False)
    notebook_setup(str(tmp_path / "first"))  # its first call imports libraries that set their own
    assert "SEND_DATA_PROCESSED" not in os.environ
    before = dict(os.environ)
    tables = notebook_setup(str(tmp_path))
    assert dict(os.environ) == before
    assert tables.folder == tmp_path
    assert cache.cache_root() == tmp_path  # the parse caches are kept beside the page's tables


def test_parse_cache_goes_to_the_folder_given(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "sha256_file", lambda p: "x")
    monkeypatch.setattr(cache, "raw_path", lambda s: Path(s))
    monkeypatch.setenv("SEND_DATA_PROCESSED", str(tmp_path / "default"))
    assert cache.cache_path("f", "n", ["a"], processed=tmp_path / "mine").parent == tmp_path / "mine" / "f"
    assert cache.cache_path("f", "n", ["a"]).parent == tmp_path / "default" / "f"
    cache.use_folder(tmp_path / "page")
    try:
        assert cache.cache_path("f", "n", ["a"]).parent == tmp_path / "page" / "f"
        with cache.folder_for(tmp_path / "run"):  # a pack run in the caller's process
            assert cache.cache_root() == tmp_path / "run"
        assert cache.cache_root() == tmp_path / "page"  # as before the run
    finally:
        cache.use_folder(None)


@pytest.mark.realdata
def test_a_pages_national_computations_read_only_its_tables_folder(tmp_path, monkeypatch,
                                                                   setup_restored):
    from send_analysis.cohort import calibrate, pipeline
    from send_analysis.demand.placement_tables import placement_tables
    from send_analysis.finance import current, defaults
    from send_analysis.report.headline import compute_headline

    copy = tmp_path / "processed"
    shutil.copytree(processed_dir(), copy, symlinks=False,
                    ignore=shutil.ignore_patterns("shared", "population"))
    absent = tmp_path / "absent"
    monkeypatch.setenv("SEND_DATA_PROCESSED", str(absent))  # the default folder: nothing there
    tables = notebook_setup(str(copy))

    figures, notes = compute_headline("334", 2025, tables)
    assert figures["plans_forecast_5y"] is not None, notes
    assert figures["dsg_balance_end_unmitigated"] is not None, notes
    d = defaults.default_inputs("334", tables)  # the backtest's bands, England's cost growth
    assert d["uncertainty"]["spend_log_error"]
    assert current.national_cost_growth(None, tables)["n_las"] > 100
    assert placement_tables("334", [2026], tables=tables).projected_years == [2026]
    inputs = pipeline.inputs_for_la("334", 2025, None, tables, horizon=2)
    cp = calibrate.consistent_projection("334", inputs.transitions, inputs.population,
                                         inputs.valid, inputs.costs, 2, 20, 1, origins=[],
                                         tables=tables)
    assert cp.results.years[0] == 2025
    assert not absent.exists()

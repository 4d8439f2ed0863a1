"""National results shared between pages and LAs through the on-disk cache."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from send_analysis.report import shared

CALLS: list[tuple] = []


@shared.national("test_total")
def _total(values: tuple[int, ...], scale: int = 1) -> pd.Series:
    CALLS.append((values, scale))
    return pd.Series(values) * scale


def _unshared_key(values, scale=1):
    return None if scale < 0 else (values, scale)


@shared.national("test_keyed", _unshared_key)
def _keyed(values: tuple[int, ...], scale: int = 1) -> int:
    CALLS.append((values, scale))
    return sum(values) * scale


@pytest.fixture
def processed(tmp_path, monkeypatch):
    monkeypatch.setenv("SEND_DATA_PROCESSED", str(tmp_path))
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"sources": [{"id": "ehcp/a.zip", "sha256": "aa" * 32}]}))
    CALLS.clear()
    shared._memory.clear()
    shared._per_la.clear()
    shared.enable()
    yield tmp_path
    shared.enable(False)
    shared._memory.clear()
    shared._per_la.clear()


def test_computed_once_then_read_by_every_caller(processed):
    first = _total((1, 2, 3), scale=2)
    shared._memory.clear()  # as another process (a second worker) would: read from disk
    second = _total((1, 2, 3), scale=2)
    assert CALLS == [((1, 2, 3), 2)]
    assert second.tolist() == [2, 4, 6] and first.equals(second)
    assert len(list((processed / "shared").glob("test_total_*.pkl"))) == 1
    _total((1, 2, 3), scale=3)  # other arguments: computed
    assert len(CALLS) == 2


def test_a_caller_that_modifies_its_result_cannot_change_the_next(processed):
    mine = _total((1, 2))
    mine.iloc[0] = 99
    assert _total((1, 2)).tolist() == [1, 2]


def test_new_data_or_unshareable_calls_are_computed(processed):
    _keyed((1, 2))
    (processed / "manifest.json").write_text(json.dumps(
        {"sources": [{"id": "ehcp/a.zip", "sha256": "bb" * 32}]}))
    _keyed((1, 2))  # a new release of a source file: a new cache entry
    _keyed((1, 2), scale=-1)
    _keyed((1, 2), scale=-1)  # the key rule says "do not share"
    assert len(CALLS) == 4
    assert len(list((processed / "shared").glob("test_keyed_*.pkl"))) == 2


def test_without_a_manifest_calls_are_computed_not_failed(processed):
    (processed / "manifest.json").unlink()
    assert _total((1,)).tolist() == [1] and _casework("334")["la"] == "334"
    assert len(CALLS) == 2


def test_off_unless_enabled(processed):
    shared.enable(False)
    _total((5,))
    _total((5,))
    assert len(CALLS) == 2 and not (processed / "shared").exists()


def test_the_national_functions_are_marked():
    from send_analysis.benchmark.metrics import compute_metric
    from send_analysis.demand.backtest import run_backtest

    assert hasattr(run_backtest, "__wrapped_national__")
    assert hasattr(compute_metric, "__wrapped_national__")
    from send_analysis.cohort.pipeline import casework_for_la

    assert hasattr(casework_for_la, "__wrapped_per_la__")


@pytest.mark.realdata
def test_shared_benchmark_metric_equals_computed(real_data):
    from send_analysis.benchmark.metrics import Tables, _shared_key, compute_metric

    plain = compute_metric("plans_per_10k", 2025, Tables())
    shared.enable()
    try:
        first = compute_metric("plans_per_10k", 2025, Tables())
        shared._memory.clear()
        again = compute_metric("plans_per_10k", 2025, Tables())
    finally:
        shared.enable(False)
    pd.testing.assert_series_equal(plain, first)
    pd.testing.assert_series_equal(plain, again)
    assert _shared_key("plans_per_10k", 2025, Tables({"plans_by_setting": pd.DataFrame()})) is None


def _la_key(la_code, extract=None):
    return None if extract is not None else (la_code,)


@shared.per_la("test_casework", _la_key)
def _casework(la_code: str, extract: str | None = None) -> dict:
    CALLS.append((la_code, extract))
    return {"la": la_code, "rows": [1, 2, 3]}


def test_per_la_results_are_built_once_for_the_pages_of_an_la(processed):
    first = _casework("334")
    first["rows"].append(99)  # a page changing its copy
    assert _casework("334") == {"la": "334", "rows": [1, 2, 3]}
    assert CALLS == [("334", None)]
    others = [str(900 + i) for i in range(shared.PER_LA_KEEP)]
    for code in others:  # only the last PER_LA_KEEP results are kept
        _casework(code)
    _casework("334")
    _casework("334", extract="x")  # a real extract: read every time
    _casework("334", extract="x")
    assert [c[0] for c in CALLS] == ["334", *others, "334", "334", "334"]
    assert not (processed / "shared").exists()  # memory only
    shared.enable(False)
    _casework("334")
    assert len(CALLS) == shared.PER_LA_KEEP + 5

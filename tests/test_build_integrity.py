"""The processed folder as a whole (issue 11 item 8): tables from one build only, stale
temporaries cleaned, every staged file checked against sources.yaml."""

from __future__ import annotations

import json
import os
import time

import pandas as pd
import pytest

from send_analysis.data import build as bd
from send_analysis.data import tables as tb
from send_analysis.data.sources import load_registry
from send_analysis.errors import ChecksumError, DataError
from send_analysis.paths import raw_path

FRAME = pd.DataFrame({"level": ["la"], "year": [2025], "value": [1.0]})


def _folder(tmp_path, table_id, manifest_id, with_manifest=True):
    tb.load_table.cache_clear()
    bd._atomic_parquet(FRAME, tmp_path / "plans_by_setting.parquet", table_id)
    if with_manifest:
        doc = {"tables": {}} | ({"build_id": manifest_id} if manifest_id else {})
        (tmp_path / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    return tmp_path


def test_tables_from_an_interrupted_build_are_refused(tmp_path) -> None:
    # a build killed between renames: a new table beside the old manifest
    _folder(tmp_path, "new", "old")
    with pytest.raises(DataError, match=r"build new but manifest.json records build old: the "
                                        r"last `send-analysis data build` did not finish"):
        tb.load_table("plans_by_setting", tmp_path)
    _folder(tmp_path, "new", None, with_manifest=False)
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(DataError, match="records build none"):
        tb.load_table("plans_by_setting", tmp_path)
    _folder(tmp_path, None, "old")  # an old table beside a new manifest
    with pytest.raises(DataError, match="build unknown"):
        tb.load_table("plans_by_setting", tmp_path)


def test_tables_of_one_build_and_legacy_folders_load(tmp_path) -> None:
    _folder(tmp_path, "b1", "b1")
    pd.testing.assert_frame_equal(tb.load_table("plans_by_setting", tmp_path), FRAME)
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    FRAME.to_parquet(legacy / "plans_by_setting.parquet", index=False)
    (legacy / "manifest.json").write_text("{}", encoding="utf-8")
    tb.load_table.cache_clear()
    assert len(tb.load_table("plans_by_setting", legacy)) == 1


def test_stale_temporaries_are_removed_fresh_ones_kept(tmp_path) -> None:
    stale = tmp_path / ".plans_by_setting.parquet.ab12.part"
    cached = tmp_path / "finance_cache" / ".x_0123.parquet.cd34.part"
    fresh = tmp_path / ".timeliness.parquet.ef56.part"
    for p in (stale, cached, fresh):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"partial")
    old = time.time() - 3600
    for p in (stale, cached):
        os.utime(p, (old, old))
    removed = bd.remove_stale_temporaries(tmp_path)
    assert sorted(removed) == sorted([stale, cached])
    assert fresh.exists() and not stale.exists() and not cached.exists()


def test_every_staged_file_is_checked_against_the_registry(tmp_path, monkeypatch) -> None:
    sid = next(s for s in sorted(load_registry()) if s.startswith("stat_neighbours/"))
    edited = tmp_path / sid
    edited.parent.mkdir(parents=True)
    edited.write_bytes(b"an edited neighbours workbook")
    with pytest.raises(ChecksumError, match=r"does not match the source registry"):
        bd.verify_staged(tmp_path)
    monkeypatch.setenv("SEND_DATA_RAW", str(tmp_path))
    with pytest.raises(ChecksumError, match=sid.split("/")[-1]):
        raw_path(sid)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "own.csv").write_text("a,b\n", encoding="utf-8")
    assert raw_path("mine/own.csv").exists()  # files outside the registry are not checked

"""Build the harmonised tidy tables from the staged zips, check them, and write them as Parquet.

The only module that writes ``data/processed``; the command line (``send-analysis data build``)
and the tests import it, and nothing else does: every other module reads the tables through
:mod:`send_analysis.data.tables`.

``build_tables()`` reads both SEN2 releases, checks that they agree wherever they overlap
(January 2019-2022 and calendar 2019-2021), combines them, validates every table with its
pandera schema and only then writes ``data/processed/*.parquet`` and ``manifest.json``, each file
through a temporary name and an atomic rename, so a failed build never leaves a mixed folder.

A build interrupted *during* its write phase (killed between two renames) could still leave new
tables beside old ones. So every table carries the build's id in its Parquet metadata, the
manifest (written last) records it, and :func:`~send_analysis.data.tables.load_table` refuses a
table whose id is not the manifest's. Temporary files a killed build left behind are removed by
the next build. Before building, every staged file is checked against ``sources.yaml``
(:func:`verify_staged`).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from send_analysis import __version__
from send_analysis.atomic import atomic_path, write_text
from send_analysis.data import readers as rd
from send_analysis.data.geography import derive_la_lookup, rekey_by_name, validate_la_codes
from send_analysis.data.schemas import SCHEMAS
from send_analysis.data.sources import get_source, load_registry, sha256_file
from send_analysis.data.tables import BUILD_ID_KEY, DIMENSION, load_table
from send_analysis.errors import ChecksumError, DataError
from send_analysis.paths import processed_dir, raw_dir

#: Measures that mean the same in both releases, and so must agree where they overlap.
COMPARABLE = {
    "plans_by_setting": None,  # all settings
    "new_plans": None,
    "requests_assessments": ["requests", "requests_refused", "assessed_plan_issued", "assessed_no_plan"],
    "timeliness": None,
}




# --------------------------------------------------------------------------------------------
# Combining releases


def check_agreement(old: pd.DataFrame, new: pd.DataFrame, table: str, dim: str,
                    measures: list[str] | None = None) -> pd.DataFrame:
    """Compare the two releases on overlapping area, year and dimension; raise if any differ.

    Only cells published (non-missing) in both are compared. Returns the compared frame (for the
    data-quality page). Raises :class:`DataError` listing up to five disagreements.
    """
    keys = ["area_code", "year", dim]
    years = sorted(set(old["year"]) & set(new["year"]))
    a = old[old["year"].isin(years)]
    b = new[new["year"].isin(years)]
    if measures is not None:
        a, b = a[a[dim].isin(measures)], b[b[dim].isin(measures)]
    if "complete" in a.columns:
        a = a[a["complete"].fillna(True).astype(bool)]
    if "complete" in b.columns:
        b = b[b["complete"].fillna(True).astype(bool)]
    m = a[keys + ["value"]].merge(b[keys + ["value"]], on=keys, suffixes=("_2022", "_2025"))
    both = m.dropna(subset=["value_2022", "value_2025"])
    diff = both[~np.isclose(both["value_2022"], both["value_2025"], rtol=0, atol=0.051)]
    if len(diff):
        sample = "; ".join(
            f"{r.area_code} {r.year} {getattr(r, dim)}: 2022 release {r.value_2022:g}, "
            f"2025 release {r.value_2025:g}" for r in diff.head(5).itertuples()
        )
        raise DataError(
            f"the 2022 and 2025 releases disagree on {len(diff)} of {len(both)} overlapping "
            f"{table} figures ({sample}); a new release may have revised the series — review "
            "before use",
            file=f"{rd.RELEASE_2022} vs {rd.RELEASE_2025}",
            expected="identical counts for every LA in the overlapping years",
        )
    return both


def combine(old: pd.DataFrame, new: pd.DataFrame, dim: str) -> pd.DataFrame:
    """One series: the 2025 release where it has the year, the 2022 release before that.

    In overlapping years a cell the 2025 release suppressed, or summed from fewer categories (one
    not collected that year), is taken from the 2022 release where that one is complete (the two
    agree everywhere both publish the same categories).
    """
    keys = ["area_code", "year", dim]
    for df in (old, new):
        if "complete" not in df.columns:
            df["complete"] = True
    overlap = sorted(set(old["year"]) & set(new["year"]))
    fill = old[old["year"].isin(overlap)].set_index(keys)
    new = new.set_index(keys).copy()
    gaps = (new["value"].isna() | ~new["complete"].astype(bool)) & new.index.isin(fill.index)
    if gaps.any():
        idx = new.index[gaps]
        src = fill.loc[fill.index.intersection(idx)]
        src = src[src["value"].notna() & src["complete"].astype(bool)]
        new.loc[src.index, "value"] = src["value"]
        new.loc[src.index, "flag"] = None
        new.loc[src.index, "release"] = "2022"
    new = new.reset_index()
    out = pd.concat([old[~old["year"].isin(set(new["year"]))], new], ignore_index=True)
    return out


def reject_regional_copies(df: pd.DataFrame, dim: str) -> pd.DataFrame:
    """Blank LA figures that are copies of their region's figure (a publication error).

    The 2025 release's ``newplans.csv`` gives the Yorkshire and the Humber total for 2022 (6,078)
    as each of its 15 LAs' new plans, while their settings are their own. Rule: where two or more
    LAs of a region carry exactly the region's (positive) figure for the same year and dimension
    value, those LA figures are set missing with flag ``rejected`` (decision 0003).
    """
    keys = ["region_code", "year", dim]
    reg = df[df["level"] == "regional"][keys + ["value"]].rename(columns={"value": "_region"})
    la = df[df["level"] == "la"].reset_index().merge(reg, on=keys, how="inner")
    same = la[(la["value"] == la["_region"]) & (la["value"] > 0)]
    copies = same.groupby(keys)["index"].transform("size") >= 2
    idx = same.loc[copies, "index"]
    out = df.copy()
    out.loc[idx, "value"] = np.nan
    out.loc[idx, "flag"] = "rejected"
    return out


def add_not_recorded_residual(df: pd.DataFrame) -> pd.DataFrame:
    """Make settings sum to the total: plans the breakdown does not place go to ``not_recorded``.

    Before 2019 some settings were not collected, and some LA cells are suppressed, so the
    published settings can sum to less than the published total. The difference is added to
    ``not_recorded`` (documented in docs/decisions/0001-setting-taxonomy.md).
    """
    key = ["area_code", "year"]
    known = df[df["setting"] != "total"].groupby(key)["value"].sum(min_count=1)
    totals = df[df["setting"] == "total"].drop_duplicates(key).set_index(key)
    residual = (totals["value"] - known.reindex(totals.index).fillna(0)).clip(lower=0)
    published = (df[df["setting"] == "not_recorded"].drop_duplicates(key).set_index(key)["value"]
                 .reindex(totals.index))
    rows = totals.copy()
    rows["setting"] = "not_recorded"
    rows["value"] = published.fillna(0) + residual
    rows["flag"] = np.where(rows["value"].isna(), rows["flag"].fillna("x"), None)
    rows = rows.reset_index()[df.columns]
    rest = df[df["setting"] != "not_recorded"]
    return pd.concat([rest, rows], ignore_index=True)


# --------------------------------------------------------------------------------------------
# The tables


def _finish(df: pd.DataFrame, name: str) -> pd.DataFrame:
    dim = DIMENSION[name]
    cols = rd.AREA_COLUMNS + ["year", dim, "value", "flag", "release"]
    for c in cols:
        if c not in df.columns:
            df[c] = None
    df = df[cols].copy()
    df["year"] = df["year"].astype(int)
    df["value"] = df["value"].astype(float)
    df.loc[df["value"].isna() & df["flag"].isna(), "flag"] = "blank"
    df = df.sort_values(["level", "area_code", "year", dim], kind="stable").reset_index(drop=True)
    return validate(df, name)


def validate(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Validate a table with its pandera schema, re-raising failures as :class:`DataError`."""
    import pandera.errors as pe

    try:
        return SCHEMAS[name].validate(df)
    except pe.SchemaError as exc:
        row = None
        if exc.failure_cases is not None and len(exc.failure_cases):
            row = exc.failure_cases.iloc[0].to_dict()
        msg = str(exc.args[0])
        msg = msg if len(msg) < 300 else msg[:300] + " ..."
        raise DataError(f"schema check failed: {msg}", file=f"table {name}",
                        column=getattr(exc.schema, "name", None), row=row) from exc


def build_frames(raw: Path | None = None, progress: bool = False,
                 checks: dict | None = None) -> dict[str, pd.DataFrame]:
    """Read both releases and return every tidy table (nothing is written).

    ``checks``, when given, receives the compared overlap frame of each table.
    """
    raw = Path(raw) if raw is not None else raw_dir()
    z22, z25 = raw / rd.RELEASE_2022, raw / rd.RELEASE_2025
    for z in (z22, z25):
        if not z.exists():
            raise FileNotFoundError(f"{z} is not staged; run `send-analysis data fetch`")

    def by_setting():
        old = rd.read_2022_by_setting(z22, "data/sen2_estab_caseload.csv", "Total_all")
        new = rd.read_2025_by_setting(z25, "data/caseload.csv", "All EHC plans", "ehcplans", True)
        return old, new

    def new_plans():
        old = rd.read_2022_by_setting(z22, "data/sen2_estab_new_plans.csv", "Total_new_all")
        new = rd.read_2025_by_setting(z25, "data/newplans.csv", "New EHC plans", "new_ehc_plans",
                                      False)
        return old, new

    def requests():
        old = rd.read_2022_mi(z22, rd.MI_REQUESTS_2022, "measure")
        new = pd.concat([
            rd.read_2025_measures(z25, "data/requests.csv",
                                  "All requests for EHC needs assessments", rd.REQUESTS_2025, "measure"),
            rd.read_2025_measures(z25, "data/assessments.csv", "All EHC needs assessments",
                                  rd.ASSESSMENTS_2025, "measure"),
        ], ignore_index=True)
        return old, new

    def timeliness():
        old = rd.read_2022_mi(z22, rd.MI_TIMELINESS_2022, "measure")
        new = rd.read_2025_measures(z25, "data/timeliness_20_week.csv", "All EHC plans issued",
                                    rd.TIMELINESS_2025, "measure")
        return old, new

    def ceased():
        old = rd.read_2022_mi(z22, rd.MI_CEASED_2022, "reason")
        total = old.groupby(rd.AREA_COLUMNS + ["year", "release"], dropna=False)["value"].sum(
            min_count=len(rd.MI_CEASED_2022)).reset_index()
        total["reason"] = "total"
        total["flag"] = np.where(total["value"].isna(), "x", None)
        old = pd.concat([old, total], ignore_index=True)
        new = rd.read_2025_measures(z25, "data/ceased_plans.csv", "All ceased EHC plans",
                                    rd.CEASED_2025, "reason")
        return old, new

    def age():
        return rd.read_2022_by_age(z22), rd.read_2025_by_age(z25)

    pairs = {
        "plans_by_setting": by_setting, "plans_by_age": age, "new_plans": new_plans,
        "requests_assessments": requests, "timeliness": timeliness, "ceased_plans": ceased,
    }
    out: dict[str, pd.DataFrame] = {}
    items = list(pairs.items())
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc="build", unit="table")
    for name, fn in items:
        old, new = fn()
        dim = DIMENSION[name]
        if name in COMPARABLE:
            both = check_agreement(old, new, name, dim, COMPARABLE[name])
            if checks is not None:
                checks[name] = both
        df = reject_regional_copies(combine(old, new, dim), dim)
        if dim == "setting":
            df = add_not_recorded_residual(df)
        out[name] = _finish(df, name)
    out["annual_reviews"] = _finish(
        rd.read_2025_measures(z25, "data/annual_reviews.csv", "All annual reviews",
                              {c: c for c in rd.REVIEWS_2025}, "measure"), "annual_reviews")
    lookup = derive_la_lookup(out["plans_by_setting"])
    out["tribunal_appeals"] = _finish(rekey_by_name(rd.read_2025_tribunals(z25), lookup),
                                      "tribunal_appeals")
    for name, df in out.items():
        validate_la_codes(df, name, lookup)
    out["la_lookup"] = lookup
    return out


def build_tables(raw: Path | None = None, out_dir: Path | None = None,
                 progress: bool = False) -> dict:
    """Build every table and write Parquet plus ``manifest.json`` to ``out_dir``; return the manifest."""
    started = time.perf_counter()
    raw = Path(raw) if raw is not None else raw_dir()
    out_dir = Path(out_dir) if out_dir is not None else processed_dir()
    verify_staged(raw)
    checks: dict[str, pd.DataFrame] = {}
    frames = build_frames(raw, progress=progress, checks=checks)
    sources = []
    for sid in (rd.RELEASE_2022, rd.RELEASE_2025):
        path = raw / sid
        actual = sha256_file(path)
        if actual != get_source(sid).sha256:
            raise DataError("staged file does not match the source registry", file=str(path),
                            expected=f"sha256 {get_source(sid).sha256}")
        sources.append({"id": sid, "sha256": actual, "page": get_source(sid).page})
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    build_id = uuid.uuid4().hex
    manifest = {
        "build_id": build_id,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "package_version": __version__,
        "sources": sources,
        "tables": {},
        "agreement": {
            name: {"compared": int(len(both)), "differing": 0,
                   "years": sorted(int(y) for y in set(both["year"]))}
            for name, both in checks.items()
        },
    }
    for name, df in frames.items():
        _atomic_parquet(df, out_dir / f"{name}.parquet", build_id)
        manifest["tables"][name] = {
            "file": f"{name}.parquet", "rows": int(len(df)),
            "years": [int(df["year"].min()), int(df["year"].max())] if "year" in df else None,
            "source": [s["id"] for s in sources] if name != "tribunal_appeals" else [rd.RELEASE_2025],
        }
    manifest["build_seconds"] = round(time.perf_counter() - started, 2)
    write_text(json.dumps(manifest, indent=2), out_dir / "manifest.json")
    load_table.cache_clear()
    return manifest


#: A temporary file older than this (seconds) at the start of a build was left by a killed one.
STALE_SECONDS = 60.0


def _atomic_parquet(df: pd.DataFrame, dest: Path, build_id: str | None = None) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    if build_id is not None:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               BUILD_ID_KEY: build_id.encode()})
    with atomic_path(dest) as tmp:
        pq.write_table(table, tmp)


def verify_staged(raw: Path | None = None) -> list[str]:
    """Check every staged file of ``sources.yaml`` against its sha256; return the ids checked.

    Raises :class:`ChecksumError` naming the first file that differs (an edited neighbours
    workbook, a re-saved spreadsheet): the build never uses a file the registry does not vouch for.
    Files not staged are left to ``send-analysis data fetch`` to report.
    """
    raw = Path(raw) if raw is not None else raw_dir()
    checked = []
    for sid, src in sorted(load_registry().items()):
        path = raw / sid
        if not path.is_file():
            continue
        actual = sha256_file(path)
        if actual != src.sha256:
            raise ChecksumError("staged file does not match the source registry (sources.yaml); "
                                "stage it again with `send-analysis data fetch`", file=str(path),
                                expected=f"sha256 {src.sha256}, found {actual}")
        checked.append(sid)
    return checked


def remove_stale_temporaries(folder: Path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Delete ``.*.part`` files (atomic writes' temporary names) a killed run left in ``folder``
    and its sub-folders (the parse caches); a file younger than ``older_than`` seconds may
    belong to a run in progress and is kept. Returns the files removed."""
    removed = []
    now = time.time()
    for path in Path(folder).rglob(".*.part"):
        try:
            if path.is_file() and now - path.stat().st_mtime > older_than:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed

"""Data-quality summaries for the evidence pack's first page.

Coverage of each table, suppressed cells, the check that the two SEN2 releases agree where they
overlap (recorded by the build in ``manifest.json``), the known series breaks and the boundary
changes, each as a small frame.
"""

from __future__ import annotations

import pandas as pd

from send_analysis.data.geography import BOUNDARY_CHANGES
from send_analysis.data.tables import DIMENSION, load_manifest, load_table

#: Breaks in the published series a reader must know before comparing years.
SERIES_BREAKS: list[dict[str, object]] = [
    {"year": 2014, "tables": "all", "what": "Children and Families Act 2014: EHC plans replace "
     "statements from September 2014, for ages 0-25; counts to January 2018 include statements."},
    {"year": 2019, "tables": "all", "what": "Start of the 2025 release; January 2019-2022 "
     "are in both releases and are checked to agree."},
    {"year": 2023, "tables": "plans_by_setting, new_plans", "what": "SEN2 becomes a person-level "
     "return: new settings (UKRLP providers, online providers, Welsh settings, 'not in education' "
     "sub-groups, placement unknown); 'awaiting provision' and 'permanently excluded' are no "
     "longer separate."},
    {"year": 2023, "tables": "plans_by_age", "what": "Plans by age are not published for January "
     "2023; single years of age from January 2024."},
    {"year": 2022, "tables": "ceased_plans", "what": "Reasons for ceasing change: 2014-2021 four "
     "reasons (transfer, needs met, left education, other); from 2022 ten reasons."},
    {"year": 2020, "tables": "all", "what": "COVID-19: assessments and timeliness were affected "
     "from March 2020 (temporary easements of the 20-week duty, May-September 2020)."},
]


def coverage(processed: str | None = None) -> pd.DataFrame:
    """Per table: years covered, number of LAs in the latest year, rows, missing cells."""
    rows = []
    for name, dim in DIMENSION.items():
        df = load_table(name, processed)
        la = df[df["level"] == "la"]
        latest = int(df["year"].max())
        rows.append({
            "table": name, "dimension": dim, "first_year": int(df["year"].min()),
            "last_year": latest, "years": df["year"].nunique(),
            "LAs_latest_year": la[la["year"] == latest]["la_code"].nunique(),
            "rows": len(df), "missing_%": round(100 * df["value"].isna().mean(), 1),
        })
    return pd.DataFrame(rows).set_index("table")


def suppression(la_code: str, processed: str | None = None) -> pd.DataFrame:
    """Missing cells for one LA by table and marker (x unavailable, z not applicable, c, low, u)."""
    rows = []
    for name in DIMENSION:
        df = load_table(name, processed)
        sub = df[df["area_code"] == la_code]
        counts = sub["flag"].value_counts()
        rows.append({"table": name, "cells": len(sub), "published": int(sub["value"].notna().sum()),
                     **{f"marker {k}": int(v) for k, v in counts.items()}})
    return pd.DataFrame(rows).set_index("table").fillna(0).astype(int)


def agreement(processed: str | None = None) -> pd.DataFrame:
    """The overlap check between the 2022 and 2025 releases, as recorded by the last build."""
    doc = load_manifest(processed).get("agreement", {})
    rows = [{"table": t, "overlapping years": ", ".join(map(str, v["years"])),
             "figures compared": v["compared"], "figures differing": v["differing"]}
            for t, v in doc.items()]
    return pd.DataFrame(rows).set_index("table")


def boundary_changes(processed: str | None = None) -> pd.DataFrame:
    """The LA reorganisations, with the last predecessor and first successor January in the data."""
    lk = load_table("la_lookup", processed).set_index("la_code")
    rows = []
    for ch in BOUNDARY_CHANGES:
        pre = [c for c in ch.predecessors if c in lk.index]
        suc = [c for c in ch.successors if c in lk.index]
        rows.append({
            "change (1 April)": ch.year,
            "from": ", ".join(f"{lk.loc[c, 'la_name']} ({c})" for c in pre),
            "to": ", ".join(f"{lk.loc[c, 'la_name']} ({c})" for c in suc),
            "last January of old LAs": int(max(lk.loc[c, "last_year"] for c in pre)) if pre else None,
            "first January of new LAs": int(min(lk.loc[c, "first_year"] for c in suc)) if suc else None,
        })
    return pd.DataFrame(rows)


def series_breaks() -> pd.DataFrame:
    """Known breaks in the published series."""
    return pd.DataFrame(SERIES_BREAKS).sort_values("year").reset_index(drop=True)


def sources_text(manifest: dict) -> str:
    """The data-quality page's opening: the published files (with a short checksum), the build
    date and the software version (markdown)."""
    src = "; ".join(f"`{s['id'].split('/')[-1]}` (sha256 `{s['sha256'][:12]}…`)"
                    for s in manifest["sources"])
    return (f"Figures come from the DfE statistics *Education, health and care plans* (SEN2), read "
            f"straight from the published zips: {src}. The tables were built on "
            f"{manifest['built_at'][:10]} by send-analysis {manifest['package_version']}.")


def agreement_text(agree: pd.DataFrame) -> str:
    """One bold line: how many overlapping figures the two releases share and how many differ."""
    n, d = int(agree["figures compared"].sum()), int(agree["figures differing"].sum())
    return f"**{n:,} overlapping figures compared; {d} differ.**"

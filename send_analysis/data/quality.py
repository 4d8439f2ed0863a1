"""Data-quality summaries for the evidence pack's first page.

Coverage of each table, suppressed cells, the check that the two SEN2 releases agree where they
overlap (recorded by the build in ``manifest.json``), the known series breaks and the boundary
changes, each as a small frame; and the published totals that break implausibly from one year
to the next (:func:`implausible_totals`, ``docs/decisions/0075-implausible-totals.md``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from send_analysis.data.geography import BOUNDARY_CHANGES
from send_analysis.data.tables import DIMENSION, Tables

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


def coverage(tables: Tables | None = None) -> pd.DataFrame:
    """Per table: years covered, number of LAs in the latest year, rows, missing cells."""
    tables = tables or Tables.default()
    rows = []
    for name, dim in DIMENSION.items():
        df = tables.get(name)
        la = df[df["level"] == "la"]
        latest = int(df["year"].max())
        rows.append({
            "table": name, "dimension": dim, "first_year": int(df["year"].min()),
            "last_year": latest, "years": df["year"].nunique(),
            "LAs_latest_year": la[la["year"] == latest]["la_code"].nunique(),
            "rows": len(df), "missing_%": round(100 * df["value"].isna().mean(), 1),
        })
    return pd.DataFrame(rows).set_index("table")


def suppression(la_code: str, tables: Tables | None = None) -> pd.DataFrame:
    """Missing cells for one LA by table and marker (x unavailable, z not applicable, c, low, u)."""
    tables = tables or Tables.default()
    rows = []
    for name in DIMENSION:
        df = tables.get(name)
        sub = df[df["area_code"] == la_code]
        counts = sub["flag"].value_counts()
        rows.append({"table": name, "cells": len(sub), "published": int(sub["value"].notna().sum()),
                     **{f"marker {k}": int(v) for k, v in counts.items()}})
    return pd.DataFrame(rows).set_index("table").fillna(0).astype(int)


def agreement(tables: Tables | None = None) -> pd.DataFrame:
    """The overlap check between the 2022 and 2025 releases, as recorded by the last build."""
    doc = (tables or Tables.default()).manifest().get("agreement", {})
    rows = [{"table": t, "overlapping years": ", ".join(map(str, v["years"])),
             "figures compared": v["compared"], "figures differing": v["differing"]}
            for t, v in doc.items()]
    return pd.DataFrame(rows).set_index("table")


def boundary_changes(tables: Tables | None = None) -> pd.DataFrame:
    """The LA reorganisations, with the last predecessor and first successor January in the data."""
    lk = (tables or Tables.default()).get("la_lookup").set_index("la_code")
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


#: A published January total that falls by more than this share of the last credible total is
#: flagged as implausible (decision 0075: the largest other fall in 2010-2025 is 30%, an LA of 10
#: plans; among large LAs 26%).
MAX_FALL: float = 0.4
#: ... or rises by more than this share (the largest rise in 2010-2025 is 67%, an LA of 6 plans;
#: among large LAs 54%).
MAX_RISE: float = 0.8


def boundary_changed_codes() -> frozenset[str]:
    """LA codes in a reorganisation (:data:`BOUNDARY_CHANGES`): their published series break."""
    return frozenset(c for ch in BOUNDARY_CHANGES for c in (*ch.predecessors, *ch.successors))


def implausible_totals(totals: pd.DataFrame, exempt: Iterable[str] = (),
                       max_fall: float = MAX_FALL, max_rise: float = MAX_RISE) -> pd.DataFrame:
    """Published totals that break implausibly from the LA's last credible total.

    ``totals`` is LA code (rows) x January census year (int columns) of published totals.
    Walking each LA's years in order, a total is flagged when it is below ``1 - max_fall`` or
    above ``1 + max_rise`` times the last total that was not flagged (so a one-year dip is
    flagged once, not again when the series returns), unless the next year's total confirms the
    new level (near it and not near the old one: a step, which is left in the series). The
    latest year cannot be confirmed, so a break there is flagged. LAs in ``exempt`` (boundary
    changes) are not checked. Returns columns ``la_code, year, value, reference_year, reference, change_pct``
    (one row per flagged total); the data themselves are not changed.
    """
    exempt = set(map(str, exempt))

    def near(value: float, ref: float) -> bool:
        return (1 - max_fall) * ref <= value <= (1 + max_rise) * ref

    rows = []
    years = sorted(int(c) for c in totals.columns)
    for la, series in totals.iterrows():
        if str(la) in exempt:
            continue
        values = [(y, float(series.get(y, np.nan))) for y in years]
        values = [(y, v) for y, v in values if not np.isnan(v)]
        ref_year, ref = None, np.nan
        for i, (year, value) in enumerate(values):
            if ref_year is not None and ref > 0 and not near(value, ref):
                nxt = values[i + 1][1] if i + 1 < len(values) else None
                if nxt is None or not (near(nxt, value) and not near(nxt, ref)):
                    rows.append({"la_code": str(la), "year": year, "value": value,
                                 "reference_year": ref_year, "reference": float(ref),
                                 "change_pct": round(100.0 * (value / ref - 1.0), 1)})
                    continue
                # the next year confirms the new level: a step in the series, not a one-off
            ref_year, ref = year, value
    cols = ["la_code", "year", "value", "reference_year", "reference", "change_pct"]
    return pd.DataFrame(rows, columns=cols).astype({"year": int})


def flagged_totals(tables: Tables | None = None) -> pd.DataFrame:
    """:func:`implausible_totals` on the published LA totals of ``plans_by_setting``, with the
    LA's name: the totals the demand models leave out (decision 0075)."""
    df = (tables or Tables.default()).get("plans_by_setting")
    tot = df[(df["level"] == "la") & (df["setting"] == "total")]
    wide = tot.pivot_table(index="la_code", columns="year", values="value", aggfunc="sum",
                           min_count=1)
    wide.columns = wide.columns.astype(int)
    out = implausible_totals(wide, exempt=boundary_changed_codes())
    names = tot.drop_duplicates("la_code", keep="last").set_index("la_code")["area_name"]
    out.insert(1, "la_name", out["la_code"].map(names))
    return out


def implausible_note(la_code: str, tables: Tables | None = None) -> str | None:
    """A warning (Markdown) for an LA with a flagged total (:func:`flagged_totals`), else None."""
    sub = flagged_totals(tables)
    sub = sub[sub["la_code"] == str(la_code)]
    if sub.empty:
        return None
    items = "; ".join(
        f"January {r.year}: {r.value:,.0f}, {abs(r.change_pct):.1f}% "
        f"{'below' if r.change_pct < 0 else 'above'} January {r.reference_year} "
        f"({r.reference:,.0f})" for r in sub.itertuples())
    return (f"**Implausible published total for {sub['la_name'].iloc[0]}.** {items}, with no "
            f"boundary change: a change of this size in one year is almost certainly a reporting "
            f"error. The figure is shown as published in the tables and charts, but the demand "
            f"models are neither trained, calibrated nor scored on it, and the forecast starts "
            f"from the last credible January (rule: a fall of more than {MAX_FALL:.0%} or a rise "
            f"of more than {MAX_RISE:.0%} from the last credible total; "
            f"docs/decisions/0075-implausible-totals.md).")

"""LA lookup, names to codes, and consistent series across the boundary changes in the SEN2 series.

Boundary changes inside 2010-2025. The councils changed on 1 April; the January SEN2 census
reports the old LAs once more and the successors from the next January:

- April 2019: Bournemouth (837), Poole (836) and Dorset county (835) became Bournemouth,
  Christchurch and Poole (839) and Dorset (838); Christchurch moved from the county to BCP, so the
  change is many-to-many and is handled as one group. Successors from January 2020.
- April 2021: Northamptonshire (928) became North (940) and West (941) Northamptonshire.
  Successors from January 2022.
- April 2023: Cumbria (909) became Cumberland (942) and Westmorland and Furness (943).
  Successors from January 2024.

The split year used is always the successors' first year *in the data at hand*, so calendar-year
event tables (new plans, requests) are handled by the same code.

``consistent_series(df, "current")`` apportions each predecessor group's history to its
successors by the successors' shares in their first year of data (``docs/decisions/0002``);
``consistent_series(df, "predecessor")`` sums successors back into the predecessor group.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from send_analysis.data.tables import Tables
from send_analysis.errors import DataError, UnknownLAError
from send_analysis.paths import raw_path

#: England's area code (ONS GSS code) in every table: the one definition in the package.
ENGLAND = "E92000001"


@dataclass(frozen=True)
class BoundaryChange:
    year: int  # the April the councils changed (the data decide the first successor year)
    predecessors: tuple[str, ...]
    successors: tuple[str, ...]
    group_code: str  # code used for the combined predecessor geography
    group_name: str


BOUNDARY_CHANGES: list[BoundaryChange] = [
    BoundaryChange(2019, ("835", "836", "837"), ("838", "839"), "835",
                   "Bournemouth, Poole and Dorset (pre-2019)"),
    BoundaryChange(2021, ("928",), ("940", "941"), "928", "Northamptonshire"),
    BoundaryChange(2023, ("909",), ("942", "943"), "909", "Cumbria"),
]

#: Other spellings publishers use for an LA name -> the DfE name.
NAME_ALIASES: dict[str, str] = {
    "durham": "county durham",
    "bristol city of": "bristol",
    "city of bristol": "bristol",
    "herefordshire county of": "herefordshire",
    "kingston upon hull city of": "kingston upon hull",
    "hull": "kingston upon hull",
    "bournemouth christchurch & poole": "bournemouth christchurch and poole",
    "dorset new la code 838": "dorset",
    "st helens": "st. helens",
    "kingston upon thames": "kingston upon thames",
}


def normalise_name(name: str) -> str:
    """Lower-case, drop footnote digits, punctuation and 'City of'-style suffix commas."""
    s = str(name).strip().lower()
    s = re.sub(r"\d+$", "", s).strip()
    s = s.replace("&", "and") if "christchurch" in s and "&" in s else s
    s = re.sub(r"[(),]", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = s.replace("st. ", "st ").replace("st ", "st. ", 1) if s.startswith("st ") or s.startswith("st. ") else s
    return NAME_ALIASES.get(s, s)


def derive_la_lookup(plans_by_setting: pd.DataFrame) -> pd.DataFrame:
    """One row per LA code seen in the caseload data: latest name, codes, region, years, status."""
    la = plans_by_setting[(plans_by_setting["level"] == "la") &
                          (plans_by_setting["setting"] == "total")]
    latest_year = int(plans_by_setting["year"].max())
    la = la.sort_values("year")
    g = la.groupby("la_code")
    out = g.agg(new_la_code=("new_la_code", "last"), la_name=("area_name", "last"),
                region_code=("region_code", "last"), region_name=("region_name", "last"),
                first_year=("year", "min"), last_year=("year", "max")).reset_index()
    out["status"] = np.where(out["last_year"] == latest_year, "live", "terminated")
    return out


def official_la_codes() -> set[str]:
    """Every 3-digit LA code in DfE's geography list (``la_codes/las.csv``), live or terminated."""
    path = raw_path("la_codes/las.csv")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "old_la_code" not in df.columns:
        raise DataError("missing column", file=str(path), column="old_la_code")
    return {c for c in df["old_la_code"] if re.fullmatch(r"\d{3}", c)}


def validate_la_codes(df: pd.DataFrame, table: str, lookup: pd.DataFrame | None = None) -> None:
    """Raise :class:`DataError` naming the first LA code not in DfE's official list."""
    if "la_code" not in df.columns:
        return
    known = official_la_codes()
    codes = set(df["la_code"].dropna())
    unknown = sorted(codes - known)
    if unknown:
        row = df.index[df["la_code"] == unknown[0]][0]
        raise DataError(f"unknown LA code {unknown[0]!r}", file=table, column="la_code", row=row,
                        expected="a 3-digit code in DfE's LA list (la_codes/las.csv)")


def la_lookup(tables: Tables | None = None) -> pd.DataFrame:
    """The LA lookup from the processed tables (``send-analysis data build``); a copy."""
    return (tables or Tables.default()).get("la_lookup").copy()


@dataclass(frozen=True)
class LARecord:
    """An LA as the pages and commands know it: from the LA lookup and the boundary changes.

    ``successors``: for a former LA (``status`` not ``"live"``), the LAs that replaced it;
    ``predecessors``: for a successor of a boundary change, the LAs it came from (its years
    before ``first_year`` are their apportioned figures, decision 0002).
    """

    la_code: str
    la_name: str
    region_code: str
    region_name: str
    status: str = "live"
    first_year: int | None = None
    last_year: int | None = None
    successors: tuple[str, ...] = ()
    predecessors: tuple[str, ...] = ()

    @property
    def is_current(self) -> bool:
        """Whether the LA exists now (it is in the latest January census)."""
        return self.status == "live"


def _close_matches(text: str, lk: pd.DataFrame) -> list[str]:
    """Up to three known LAs (``"334 Solihull"``) whose code or name is close to ``text``."""
    names = dict(zip(lk["la_code"].astype(str), lk["la_name"].astype(str), strict=True))
    if re.fullmatch(r"\d+", text):
        ratio = {c: difflib.SequenceMatcher(None, text, c).ratio() for c in names}
        codes = sorted((c for c in names if ratio[c] >= 0.6), key=lambda c: (
            -ratio[c], abs(int(c) - int(text)) if c.isdigit() else 0, c))[:3]
    else:
        by_name = {normalise_name(n): c for c, n in names.items()}
        key = normalise_name(text)
        codes = [by_name[key]] if key in by_name else [
            by_name[n] for n in difflib.get_close_matches(key, list(by_name), n=3, cutoff=0.6)]
    return [f"{c} {names[c]}" for c in codes]


def la_record(la_code: object, tables: Tables | None = None, former: bool = False) -> LARecord:
    """The LA of ``la_code`` (a 3-digit DfE code; an int or a shorter string is zero-padded).

    The one place a page or command resolves an LA code (issue 14). Raises
    :class:`~send_analysis.errors.UnknownLAError`, naming the code: for a former LA (unless
    ``former``) with its successors, for an unknown code with the closest known codes or names.
    """
    text = str(la_code).strip()
    code = text.zfill(3) if text.isdigit() else text
    lk = (tables or Tables.default()).get("la_lookup")
    rows = lk[lk["la_code"] == code]
    if rows.empty:
        close = _close_matches(text, lk)
        raise UnknownLAError(
            f"unknown LA code {text!r}", file="la_lookup",
            expected="a 3-digit DfE LA code present in the SEN2 data, e.g. '334' (Solihull)"
                     + (f"; close matches: {', '.join(close)}" if close else ""))
    row = rows.iloc[-1]
    names = dict(zip(lk["la_code"], lk["la_name"], strict=True))
    successors = tuple(c for ch in BOUNDARY_CHANGES if code in ch.predecessors
                       for c in ch.successors)
    predecessors = tuple(c for ch in BOUNDARY_CHANGES if code in ch.successors
                         for c in ch.predecessors)
    status = str(row.get("status", "live"))
    if status != "live" and not former:
        listed = ", ".join(f"{c} {names[c]}" for c in successors if c in names)
        raise UnknownLAError(
            f"LA {code} {row['la_name']} no longer exists (last January census "
            f"{row.get('last_year')})", file="la_lookup",
            expected=f"a current LA code{': its successors are ' + listed if listed else ''}")
    years = [int(row[k]) if pd.notna(row.get(k)) else None for k in ("first_year", "last_year")]
    return LARecord(code, str(row["la_name"]), str(row["region_code"]), str(row["region_name"]),
                    status, *years, successors, predecessors)


def la_name(la_code: str, tables: Tables | None = None) -> str:
    """The latest published name of an LA (current or former); raises
    :class:`~send_analysis.errors.UnknownLAError` for an unknown code."""
    return la_record(la_code, tables, former=True).la_name


def code_for_name(name: str, lookup: pd.DataFrame | None = None) -> str:
    """The 3-digit code for an LA name in any publisher's spelling; :class:`DataError` if unknown."""
    lk = lookup if lookup is not None else la_lookup()
    index = {normalise_name(n): c for n, c in zip(lk["la_name"], lk["la_code"], strict=True)}
    key = normalise_name(name)
    if key in index:
        return index[key]
    raise DataError(f"unknown LA name {name!r} (normalised {key!r})", file="la_lookup",
                    expected="an English LA name as DfE publishes it")


def rekey_by_name(df: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """Give LA rows the code their *name* has in the lookup, where the printed code disagrees.

    The tribunal supporting file of the 2025 release prints Cambridgeshire and Central
    Bedfordshire with their codes swapped (823/873) and Nottingham, Nottinghamshire and
    Northamptonshire rotated (891/892/928); names and values are right. Names are matched with
    :func:`code_for_name`; an unknown name raises :class:`DataError`.
    """
    out = df.copy()
    la = out["level"] == "la"
    codes = out.loc[la, "area_name"].map(lambda n: code_for_name(n, lookup))
    out.loc[la, "la_code"] = codes
    out.loc[la, "area_code"] = codes
    names = lookup.set_index("la_code")["la_name"]
    out.loc[la, "area_name"] = codes.map(names)
    return out


def consistent_series(df: pd.DataFrame, geography: str = "current",
                      changes: list[BoundaryChange] | None = None) -> pd.DataFrame:
    """Re-express LA rows of a tidy table on one consistent set of LAs across boundary changes.

    ``df`` needs ``la_code``, ``year``, ``value`` and any dimension columns; non-LA rows pass
    through unchanged. ``geography="current"``: predecessor years are apportioned to successors
    by each successor's share of the successors' sum in their first year (per dimension value
    where available, else over all rows). ``geography="predecessor"``: successors are summed into
    the predecessor group's code. Apportioned rows get ``apportioned=True``.
    """
    if geography not in {"current", "predecessor"}:
        raise ValueError("geography must be 'current' or 'predecessor'")
    changes = changes if changes is not None else BOUNDARY_CHANGES
    out = df.copy()
    out["apportioned"] = False
    dims = [c for c in out.columns if c not in {
        "level", "area_code", "la_code", "new_la_code", "area_name", "region_code",
        "region_name", "year", "value", "flag", "release", "apportioned"}]
    for ch in changes:
        pre = out[out["la_code"].isin(ch.predecessors)]
        suc = out[out["la_code"].isin(ch.successors)]
        rest = out[~out["la_code"].isin(ch.predecessors + ch.successors)]
        if pre.empty and suc.empty:
            continue
        if geography == "predecessor":
            pieces = [pre, suc]
            both = pd.concat(pieces, ignore_index=True)
            template = (pre if not pre.empty else suc).iloc[0]
            agg = both.groupby(["year"] + dims, dropna=False).agg(
                value=("value", lambda v: v.sum(min_count=1))).reset_index()
            for col in ("level", "region_code", "region_name"):
                agg[col] = template.get(col)
            agg["la_code"] = ch.group_code
            agg["area_code"] = ch.group_code
            agg["area_name"] = ch.group_name
            agg["flag"] = np.where(agg["value"].isna(), "x", None)
            agg["apportioned"] = False
            out = pd.concat([rest, agg], ignore_index=True)
            continue
        if suc.empty:
            continue
        first = int(suc["year"].min())
        base = suc[suc["year"] == first]
        pre_hist = pre[pre["year"] < first]
        pre_sum = pre_hist.groupby(["year"] + dims, dropna=False)["value"].sum(min_count=1)
        overall = base.groupby("la_code")["value"].sum()
        overall_share = overall / overall.sum() if overall.sum() > 0 else None
        new_rows = []
        for s in ch.successors:
            meta = suc[suc["la_code"] == s].sort_values("year").iloc[-1]
            if dims:
                bs = base.set_index(dims)
                own = bs[bs["la_code"] == s]["value"]
                tot = bs.groupby(level=list(range(len(dims))))["value"].sum()
                share = (own / tot.reindex(own.index)).where(tot.reindex(own.index) > 0)
            else:
                share = None
            part = pre_sum.reset_index()
            if share is not None and len(share):
                key = part[dims].apply(tuple, axis=1) if len(dims) > 1 else part[dims[0]]
                mapping = {(k if len(dims) > 1 else k): v for k, v in share.items()}
                sh = key.map(mapping)
            else:
                sh = pd.Series(np.nan, index=part.index)
            fallback = overall_share.get(s, np.nan) if overall_share is not None else np.nan
            sh = sh.fillna(fallback)
            part["value"] = part["value"] * sh.values
            for col in ("level", "new_la_code", "region_code", "region_name", "release"):
                if col in meta.index:
                    part[col] = meta[col]
            part["la_code"] = s
            part["area_code"] = s
            part["area_name"] = meta["area_name"]
            part["flag"] = np.where(part["value"].isna(), "x", None)
            part["apportioned"] = True
            new_rows.append(part)
        out = pd.concat([rest, suc] + new_rows, ignore_index=True)
    return out.sort_values([c for c in ["area_code", "year"] + dims if c in out.columns],
                           kind="stable").reset_index(drop=True)

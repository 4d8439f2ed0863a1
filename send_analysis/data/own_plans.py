"""The LA's own January census figures laid over the published tables (issue 18, decision 0087).

An inputs file may give an LA's own January totals (``plans: {2026: 2806}``), optionally split by
setting group (``plans_by_setting_group``) and age band (``plans_by_age_band``), for years after
the published ones or in place of one. :func:`with_own_plans` returns the processed tables with
those figures written into ``plans_by_setting`` and ``plans_by_age`` for that LA (an overlay: every
other table and LA is the folder's), so that every consumer of the tables (the demand panel and
forecast, the placement paths, the financial-year placements, the cohort page) starts from the
latest January given without a change of its own. The rows carry ``flag = "own"`` and
``release = "LA's own"``, so a page can say which Januarys are the LA's.

A setting group is written on one setting of the group (:data:`CARRIER`); a year given by total
only has no setting rows (the finance model splits it by the nearest year's mix; the demand
forecast's shares start from the last year with a split).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import pandas as pd

from send_analysis.data.tables import Tables
from send_analysis.data.taxonomy import AGE_BANDS, SETTING_GROUPS

#: The setting each setting group's own count is written on (one of the group's members).
CARRIER: dict[str, str] = {
    "mainstream": "mainstream", "resourced_unit": "mainstream_rp_unit",
    "special_state": "special_la_maintained", "special_indep_nm": "special_independent",
    "ap_pru": "ap_pru", "post16": "fe_sixth_form", "other": "other",
}
OWN_FLAG = "own"
OWN_RELEASE = "LA's own"
KEYS = ("plans", "plans_by_setting_group", "plans_by_age_band")


def own_years(inputs: Mapping) -> list[int]:
    """The January census years an inputs mapping gives the LA's own figures for."""
    years: set[int] = set()
    for key in KEYS:
        years |= {int(y) for y in (inputs.get(key) or {})}
    return sorted(years)


def own_totals(inputs: Mapping) -> dict[int, float]:
    """The LA's own January totals: ``plans``, else the sum of a year's setting groups or age
    bands (validation makes them agree when both are given)."""
    out: dict[int, float] = {}
    for key in ("plans_by_age_band", "plans_by_setting_group"):
        for y, parts in (inputs.get(key) or {}).items():
            out[int(y)] = float(sum(float(v) for v in parts.values()))
    for y, n in (inputs.get("plans") or {}).items():
        out[int(y)] = float(n)
    return dict(sorted(out.items()))


def replaced_published(tables: Tables | None, inputs: Mapping) -> dict[int, float]:
    """The published January totals that the LA's own figures of ``inputs`` replace (year ->
    published total), for the page to name: ``tables`` are the published tables (not an
    overlay)."""
    tables = tables if tables is not None else Tables.default()
    table = tables.get("plans_by_setting")
    la = str(inputs["la_code"])
    rows = table[(table["la_code"] == la) & (table["level"] == "la") & (table["setting"] == "total")
                 & table["year"].isin(own_years(inputs))]
    return {int(r.year): float(r.value) for r in rows.itertuples() if r.value == r.value}


def _key(la_code: str, inputs: Mapping) -> str:
    body = {k: {str(y): v for y, v in (inputs.get(k) or {}).items()} for k in KEYS}
    text = json.dumps([la_code, body], sort_keys=True, default=str)
    return "own:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _rows(template: pd.Series, year: int, dim: str, values: Mapping[str, float]) -> pd.DataFrame:
    rows = []
    for name, value in values.items():
        row = template.to_dict()
        row.update({"year": int(year), dim: name, "value": float(value), "flag": OWN_FLAG,
                    "release": OWN_RELEASE})
        rows.append(row)
    return pd.DataFrame(rows)


def _overlaid(table: pd.DataFrame, la_code: str, dim: str,
              by_year: Mapping[int, Mapping[str, float]]) -> pd.DataFrame:
    mine = table[(table["la_code"] == la_code) & (table["level"] == "la")]
    if mine.empty:
        from send_analysis.errors import DataError

        raise DataError(f"LA {la_code} has no rows in the published census tables",
                        expected="a current 3-digit DfE LA code")
    template = mine.sort_values("year").iloc[-1]
    replaced = (table["la_code"] == la_code) & table["year"].isin(list(by_year))
    new = [_rows(template, y, dim, parts) for y, parts in by_year.items()]
    out = pd.concat([table[~replaced], *new], ignore_index=True)
    return out.astype({c: table[c].dtype for c in ("year", "value") if c in table})


def with_own_plans(tables: Tables | None, inputs: Mapping) -> Tables:
    """``tables`` (default :meth:`Tables.default`) with the LA's own January figures of
    ``inputs`` (keys :data:`KEYS`, validated) written in; ``tables`` itself when there are none.
    The same figures give an overlay with the same :attr:`Tables.overlay_key`, so the demand
    panel built from it is built once."""
    tables = tables if tables is not None else Tables.default()
    years = own_years(inputs)
    if not years:
        return tables
    la = str(inputs["la_code"])
    totals = own_totals(inputs)
    groups = inputs.get("plans_by_setting_group") or {}
    setting: dict[int, dict[str, float]] = {}
    for y in years:
        parts = {"total": totals[y]}
        if y in {int(k) for k in groups}:
            g = next(v for k, v in groups.items() if int(k) == y)
            parts.update({CARRIER[name]: float(g[name]) for name in SETTING_GROUPS})
        setting[y] = parts
    frames = {"plans_by_setting": _overlaid(tables.get("plans_by_setting"), la, "setting", setting)}
    ages = {int(k): v for k, v in (inputs.get("plans_by_age_band") or {}).items()}
    if tables.find("plans_by_age") is not None:
        age_rows = {y: {"total": totals[y], **({a: float(ages[y][a]) for a in AGE_BANDS}
                                                if y in ages else {})} for y in years}
        frames["plans_by_age"] = _overlaid(tables.get("plans_by_age"), la, "age_band", age_rows)
    return tables.overlay(frames, _key(la, inputs))

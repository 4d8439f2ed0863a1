"""The LA against England, its region, its statistical neighbours and named comparator groups.

:func:`benchmark` gives one row per indicator of :data:`metrics.METRICS` with the LA's value,
England, region, the statistical-neighbour average, each comparator group's average, the LA's
rank, percentile and quartile band among all LAs (polarity-aware) and its change from the year
before. :func:`trend` gives the same comparison year by year; :func:`national_table` every LA's
headline indicators for one year.

Averages of a group of LAs are the **simple mean of the LAs' values, ignoring LAs without a
value** (LAIT's statistical-neighbour average), not a pooled rate
(``docs/decisions/0056-comparator-averages.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from send_analysis.benchmark.metrics import METRICS, Tables, compute_metric
from send_analysis.benchmark.ranking import rank_one, rank_values
from send_analysis.data.geography import ENGLAND
from send_analysis.errors import ConfigError, DataError

#: Indicators of the national table and the strip charts, in page order.
HEADLINE_METRICS: list[str] = [
    "plans", "growth_since_2014", "growth_since_2019", "plans_per_10k", "new_plans_per_10k",
    "share_mainstream", "share_special_state", "share_special_indep_nm", "pct_requests_assessed",
    "pct_assessed_plan_issued", "pct_20wk_excl", "tribunal_appeal_rate", "ceased_pct",
]


def la_values(series: pd.Series) -> pd.Series:
    """Only the LA rows (3-digit codes) of an indicator computed for all areas."""
    return series[[bool(str(c).isdigit()) for c in series.index]]


def la_info(tables: Tables) -> pd.DataFrame:
    """``la_code -> la_name, region_code, region_name`` from the LA lookup."""
    lk = tables.get("la_lookup")
    return lk.set_index("la_code")[["la_name", "region_code", "region_name"]]


def check_codes(codes: Iterable[str], tables: Tables, what: str) -> list[str]:
    """Normalise 3-digit codes and raise :class:`DataError` naming any unknown code."""
    known = set(la_info(tables).index)
    out = []
    for c in codes:
        code = str(c).strip().zfill(3)
        if code not in known:
            raise DataError(f"{what}: unknown LA code {str(c)!r}", file="la_lookup",
                            expected="3-digit DfE LA codes, e.g. '334' (Solihull)")
        out.append(code)
    return out


def check_year(year: int, tables: Tables) -> int:
    """The benchmark year if January caseload is published for it, else :class:`DataError`."""
    years = sorted(int(y) for y in tables.get("plans_by_setting")["year"].unique())
    if int(year) not in years:
        raise DataError(f"no January {year} census in plans_by_setting", file="plans_by_setting",
                        expected=f"a benchmark year {years[0]}-{years[-1]}")
    return int(year)


def years_published(la_code: str, tables: Tables) -> list[int]:
    """January census years with a published plans total for the LA."""
    df = tables.get("plans_by_setting")
    sub = df[(df["area_code"] == la_code) & (df["setting"] == "total") & df["value"].notna()]
    return sorted(int(y) for y in sub["year"].unique())


def group_mean(series: pd.Series, codes: Sequence[str]) -> float:
    """Simple mean of the LAs' values, ignoring missing (LAIT convention); NaN if none.

    >>> group_mean(pd.Series({"1": 2.0, "2": np.nan, "3": 4.0}), ["1", "2", "3", "9"])
    3.0
    """
    v = series.reindex(list(codes)).dropna()
    return float(v.mean()) if len(v) else float("nan")


def default_neighbours(la_code: str, year: int) -> tuple[list[str], str]:
    """DfE statistical neighbours current at ``year``; falls back to the other vintage.

    Returns (codes, description). Cumberland and Westmorland and Furness have no neighbours in
    the 2021 model, so they take the 2025 model's list; an LA in neither model takes the 10 most
    similar LAs on public context indicators (``similar.similar_las``).
    """
    from send_analysis.data.neighbours import FILES, statistical_neighbours, vintage_for_year

    first = vintage_for_year(year)
    order = [first] + [v for v in FILES if v != first]
    last_error: DataError | None = None
    for v in order:
        try:
            codes = statistical_neighbours(la_code, v)
            model = "April 2021" if v == "2021" else "May 2025"
            return codes, f"DfE statistical neighbours ({model} model)"
        except DataError as exc:
            last_error = exc
    from send_analysis.benchmark.similar import similar_las

    try:
        return similar_las(la_code, year, 10), ("the 10 LAs most similar on FSM, EAL and child "
                                                "population (no DfE neighbours for this LA)")
    except DataError:
        assert last_error is not None
        raise last_error from None


def benchmark(la_code: str, year: int, comparators: Mapping[str, Sequence[str]] | None = None,
              neighbours: Sequence[str] | None = None, metrics: Sequence[str] | None = None,
              tables: Tables | None = None) -> pd.DataFrame:
    """One row per indicator: the LA against England, region, neighbours and named groups.

    Columns: ``metric, label, unit, polarity, basis, la, england, region, neighbours,
    <group>..., rank, n, percentile, quartile, la_previous, change``. ``neighbours`` defaults
    to the DfE statistical neighbours (:func:`default_neighbours`); ``comparators`` maps a group
    name to LA codes (e.g. f40 members supplied by the user). Unknown codes raise
    :class:`DataError` naming the code and the group.
    """
    tables = tables or Tables.default()
    la_code = check_codes([la_code], tables, "LA")[0]
    check_year(year, tables)
    info = la_info(tables)
    region = info.loc[la_code, "region_code"]
    if neighbours is None:
        neighbours, _ = default_neighbours(la_code, year)
    neighbours = check_codes(neighbours, tables, "statistical neighbours")
    groups = {name: check_codes(codes, tables, f"comparator group {name!r}")
              for name, codes in (comparators or {}).items()}
    for name in groups:
        if name in {"la", "england", "region", "neighbours"}:
            raise ConfigError(f"comparator group name {name!r} is reserved")
    rows = []
    for name in metrics or list(METRICS):
        m = METRICS[name]
        s = compute_metric(name, year, tables)
        prev = compute_metric(name, year - 1, tables)
        la_s = la_values(s)
        r = rank_one(la_s, la_code, m.polarity)
        row = {
            "metric": name, "label": m.label, "unit": m.unit, "polarity": m.polarity,
            "basis": m.basis, "la": s.get(la_code, np.nan), "england": s.get(ENGLAND, np.nan),
            "region": s.get(region, np.nan), "neighbours": group_mean(la_s, neighbours),
        }
        for gname, codes in groups.items():
            row[gname] = group_mean(la_s, codes)
        row.update({"rank": r.rank, "n": r.n, "percentile": r.percentile,
                    "quartile": r.quartile, "la_previous": prev.get(la_code, np.nan)})
        row["change"] = row["la"] - row["la_previous"]
        rows.append(row)
    return pd.DataFrame(rows)


def trend(metric: str, la_code: str, years: Iterable[int],
          neighbours: Sequence[str] | None = None,
          comparators: Mapping[str, Sequence[str]] | None = None,
          tables: Tables | None = None) -> pd.DataFrame:
    """Long table ``year, series, value`` of one indicator for the LA, England, its region, its
    neighbours' average and each comparator group's average."""
    tables = tables or Tables.default()
    la_code = check_codes([la_code], tables, "LA")[0]
    info = la_info(tables)
    region = info.loc[la_code, "region_code"]
    years = list(years)
    if neighbours is None:
        neighbours, _ = default_neighbours(la_code, max(years))
    neighbours = check_codes(neighbours, tables, "statistical neighbours")
    groups = {n: check_codes(c, tables, f"comparator group {n!r}")
              for n, c in (comparators or {}).items()}
    rows = []
    for y in years:
        s = compute_metric(metric, y, tables)
        la_s = la_values(s)
        rows += [
            {"year": y, "series": str(info.loc[la_code, "la_name"]), "value": s.get(la_code)},
            {"year": y, "series": "England", "value": s.get(ENGLAND)},
            {"year": y, "series": str(info.loc[la_code, "region_name"]), "value": s.get(region)},
            {"year": y, "series": "Statistical neighbours (average)",
             "value": group_mean(la_s, neighbours)},
        ]
        rows += [{"year": y, "series": f"{g} (average)", "value": group_mean(la_s, c)}
                 for g, c in groups.items()]
    out = pd.DataFrame(rows)
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    return out


def national_table(year: int, metrics: Sequence[str] | None = None,
                   tables: Tables | None = None) -> pd.DataFrame:
    """Every LA's headline indicators in benchmark year ``year``: one row per LA with
    ``la_code, la_name, region_name`` and one column per indicator (plus ``<metric>_rank``).

    LAs with no plans figure that year (abolished or not yet created) are left out.
    """
    tables = tables or Tables.default()
    metrics = list(metrics or HEADLINE_METRICS)
    info = la_info(tables)
    cols = {}
    for name in metrics:
        s = la_values(compute_metric(name, year, tables))
        cols[name] = s
        cols[f"{name}_rank"] = rank_values(s, METRICS[name].polarity)["rank"]
    df = pd.DataFrame(cols)
    df = df[df[metrics[0]].notna()] if metrics[0] == "plans" else df.dropna(how="all")
    df.index.name = "la_code"
    df = info.join(df, how="inner").reset_index().rename(columns={"index": "la_code"})
    return df.sort_values("la_code").reset_index(drop=True)

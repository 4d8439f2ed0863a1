"""Claims check: recompute every figure a report quotes from official data and give a verdict.

A claims file (YAML, see ``claims/solihull_2021.yaml``) lists claims::

    report: Solihull Cabinet, 17 June 2021
    as_of: 2021            # data cut-off: January 2021 census, calendar 2020 events
    claims:
      - id: growth_england
        text: "... a 68% increase nationally ..."
        metric: plans_growth
        area: england      # "england", a 3-digit LA code or a region code (E12...)
        years: [2014, 2021]
        claimed: 68
        unit: percent      # percent | count | gbp_m
        tolerance: 0.5     # |computed - claimed| <= tolerance reproduces (the claim's rounding)
        group: growth      # optional: claims compared with each other should share a definition

Each metric (:data:`CLAIM_METRICS`) computes a **primary definition** (the plain reading of the
claim) and **alternatives** a careful analyst would try (another base year, with or without
post-16, another grouping of settings...). The verdict is:

- ``reproduced``: the primary definition, or a named alternative, is within tolerance; the
  definition that reproduces it is reported. Claims in one ``group`` are first tried on one
  shared definition, so that "11% here against 6% nationally" compares like with like;
- ``not reproduced``: no definition is within tolerance; the nearest definition and its value
  are reported;
- ``not checkable``: public data do not hold the figure; the reason is given, with the nearest
  public context figure where one exists.

``docs/decisions/0055-claims-check.md`` records the rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from send_analysis.benchmark.metrics import MIX_GROUPS, Tables
from send_analysis.data.geography import ENGLAND
from send_analysis.errors import ConfigError, DataError
from send_analysis.report.labels import UNIT_WORDS

VERDICTS = ("reproduced", "not reproduced", "not checkable")
UNITS = ("percent", "count", "gbp_m")


@dataclass(frozen=True)
class Claim:
    """One quantitative statement of a report."""

    id: str
    text: str
    metric: str
    area: str
    years: tuple[int, ...]
    claimed: float
    tolerance: float
    unit: str
    params: Mapping[str, Any] = field(default_factory=dict)
    group: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A value computed under one definition. ``key`` identifies the definition across claims."""

    key: str
    definition: str
    value: float
    primary: bool = False
    uncertainty: float = 0.0  # +/- from rounding in the published inputs, added to the tolerance


class NotCheckable(Exception):
    """Raised by a claim metric when public data cannot hold the figure."""

    def __init__(self, reason: str, context: list[Candidate] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.context = context or []


@dataclass
class ClaimResult:
    """The outcome for one claim, as printed by ``send-analysis claims --json``."""

    id: str
    text: str
    metric: str
    area: str
    years: list[int]
    unit: str
    claimed: float
    tolerance: float
    verdict: str
    computed: float | None
    definition: str
    primary_definition: str | None
    primary_value: float | None
    alternatives: list[dict[str, Any]]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("computed", "primary_value"):
            if d[k] is not None:
                d[k] = round(float(d[k]), 4)
        for a in d["alternatives"]:
            a["value"] = None if a["value"] is None else round(float(a["value"]), 4)
        return d


# -------------------------------------------------------------------------------------------------
# Loading and validating a claims file


def _area_code(area: object, claim_id: str, known_las: set[str] | None) -> str:
    text = str(area).strip()
    if text.lower() == "england":
        return ENGLAND
    if text.startswith("E12") and len(text) == 9:
        return text
    if text.isdigit():
        code = text.zfill(3)
        if known_las is not None and code not in known_las:
            raise DataError(f"claim {claim_id!r}: unknown LA code {code!r}",
                            file="la_lookup", expected="a 3-digit DfE LA code, e.g. '334'")
        return code
    raise ConfigError(f"claim {claim_id!r}: area {area!r} is not 'england', a region code "
                      "(E12...) or a 3-digit LA code")


#: Keys of a claims file's top level, and of one claim.
HEADER_KEYS: frozenset[str] = frozenset({"report", "la_code", "as_of", "claims"})
CLAIM_KEYS: frozenset[str] = frozenset({"id", "source", "text", "metric", "area", "years",
                                        "claimed", "unit", "tolerance", "group", "params"})


def _is_year(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 2000 <= value <= 2100


def _years_list(value: object) -> str | None:
    if isinstance(value, list) and all(_is_year(v) for v in value):
        return None
    return f"expected a list of years like [2015, 2016], got {value!r}"


def _one_of(options: Any) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if isinstance(value, str) and value in options:
            return None
        return f"{value!r} is not one of {', '.join(options)}"
    return check


def _age_scopes(value: object) -> str | None:
    if isinstance(value, list) and value and all(isinstance(v, str) and v in AGE_SCOPES
                                                 for v in value):
        return None
    return f"expected a list of age scopes from {', '.join(AGE_SCOPES)}, got {value!r}"


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip() and len(value) <= MAX_TEXT:
        return None
    return f"expected text of 1 to {MAX_TEXT} characters, got {type(value).__name__}"


def _param_checks() -> dict[str, dict[str, Callable[[object], str | None]]]:
    """The ``params`` each metric reads, with a check of each value (None = valid)."""
    sector = _one_of(SECTORS)
    return {
        "plans_growth": {"base_alternatives": _years_list, "end_alternatives": _years_list,
                         "age_scopes": _age_scopes},
        "placement_share": {"setting": _one_of(SHARE_DEFINITIONS),
                            "year_alternatives": _years_list},
        "specialist_topup_spend": {"sector": sector},
        "specialist_topup_change": {"sector": sector, "measure": _one_of(("gbp_m", "percent"))},
        "not_public": {"reason": _text, "context": _one_of(CONTEXTS)},
    }


#: Longest free text accepted in a claims file (a claim's quoted text, a reason).
MAX_TEXT = 2000


def _check_claim_keys(raw: Mapping[str, Any], cid: str, source: str) -> None:
    """Unknown keys, unknown ``params`` keys and bad ``params`` values name the claim and key."""
    unknown = sorted(str(k) for k in raw if k not in CLAIM_KEYS)
    if unknown:
        raise ConfigError(f"{source}: claim {cid!r}: unknown key(s) {', '.join(unknown)} "
                          f"(expected one of {', '.join(sorted(CLAIM_KEYS))})")
    for key in ("id", "text", "source", "group"):
        if key in raw and raw[key] is not None and (problem := _text(raw[key])):
            raise ConfigError(f"{source}: claim {cid!r}: key {key!r}: {problem}")
    params = raw.get("params")
    if params is None:
        return
    if not isinstance(params, Mapping):
        raise ConfigError(f"{source}: claim {cid!r}: key 'params': expected a mapping, got "
                          f"{params!r}")
    allowed = _param_checks().get(str(raw.get("metric")), {})
    for key, value in params.items():
        if key not in allowed:
            raise ConfigError(f"{source}: claim {cid!r}: key 'params.{key}': unknown for metric "
                              f"{raw.get('metric')!r} (expected "
                              f"{', '.join(allowed) if allowed else 'no params'})")
        if (problem := allowed[key](value)) is not None:
            raise ConfigError(f"{source}: claim {cid!r}: key 'params.{key}': {problem}")


def _finite(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def parse_claims(doc: Mapping[str, Any], source: str = "<claims>",
                 known_las: set[str] | None = None) -> tuple[dict[str, Any], list[Claim]]:
    """Validate a claims document; returns (header, claims). Errors name the claim and key.

    Unknown keys (a typo such as ``tolerence``), unknown ``params`` keys for the claim's
    metric and values of the wrong kind are errors, never silently dropped.
    """
    if not isinstance(doc, Mapping) or "claims" not in doc:
        raise ConfigError(f"{source}: expected a mapping with a 'claims' list")
    unknown = sorted(str(k) for k in doc if k not in HEADER_KEYS)
    if unknown:
        raise ConfigError(f"{source}: unknown top-level key(s) {', '.join(unknown)} "
                          f"(expected one of {', '.join(sorted(HEADER_KEYS))})")
    header = {k: v for k, v in doc.items() if k != "claims"}
    if "as_of" in header and not _is_year(header["as_of"]):
        raise ConfigError(f"{source}: 'as_of' must be a January census year like 2021")
    if "report" in header and (problem := _text(header["report"])):
        raise ConfigError(f"{source}: key 'report': {problem}")
    if "la_code" in header and not isinstance(header["la_code"], str | int):
        raise ConfigError(f"{source}: key 'la_code': expected a 3-digit DfE LA code like '334'")
    if not isinstance(doc["claims"], list | None):
        raise ConfigError(f"{source}: key 'claims': expected a list of claims")
    default_area = header.get("la_code")
    claims: list[Claim] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["claims"] or []):
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{source}: claim #{i + 1} is not a mapping")
        cid = str(raw.get("id", f"#{i + 1}"))[:100]
        _check_claim_keys(raw, cid, source)
        if cid in seen:
            raise ConfigError(f"{source}: claim id {cid!r} appears twice")
        seen.add(cid)
        for key in ("text", "metric", "years", "claimed", "unit"):
            if key not in raw:
                raise ConfigError(f"{source}: claim {cid!r} lacks {key!r}")
        metric = str(raw["metric"])
        if metric not in CLAIM_METRICS:
            raise ConfigError(f"{source}: claim {cid!r}: unknown metric {metric!r}; "
                              f"known: {', '.join(sorted(CLAIM_METRICS))}")
        unit = str(raw["unit"])
        if unit not in UNITS:
            raise ConfigError(f"{source}: claim {cid!r}: unit {unit!r} not one of {UNITS}")
        years = raw["years"] if isinstance(raw["years"], list) else [raw["years"]]
        if not years or not all(_is_year(y) for y in years):
            raise ConfigError(f"{source}: claim {cid!r}: years {raw['years']!r} must be a "
                              "list of years like [2014, 2021]")
        for key in ("claimed", "tolerance"):
            if key in raw and not _finite(raw[key]):
                raise ConfigError(f"{source}: claim {cid!r}: key {key!r}: expected a number, "
                                  f"got {raw[key]!r}")
        claimed = float(raw["claimed"])
        tolerance = float(raw.get("tolerance", 0.0))
        if tolerance < 0:
            raise ConfigError(f"{source}: claim {cid!r}: tolerance must be >= 0")
        area = _area_code(raw.get("area", default_area), cid, known_las)
        params = dict(raw.get("params") or {})
        claims.append(Claim(cid, str(raw["text"]).strip(), metric, area, tuple(years), claimed,
                            tolerance, unit, params, raw.get("group"), raw.get("source")))
    if not claims:
        raise ConfigError(f"{source}: no claims")
    return header, claims


def load_claims(path: str | Path, known_las: set[str] | None = None
                ) -> tuple[dict[str, Any], list[Claim]]:
    """Read and validate a claims YAML file."""
    from send_analysis.userfiles import read_user_yaml

    path = Path(path)
    doc = read_user_yaml(path, "a claims YAML file (see claims/solihull_2021.yaml)")
    return parse_claims(doc, str(path), known_las)


# -------------------------------------------------------------------------------------------------
# Claim metrics: (claim, tables, as_of) -> candidates, primary first


def _series(tables: Tables, table: str, dim: str, members: list[str], area: str) -> pd.Series:
    df = tables.get(table)
    sub = df[(df["area_code"] == area) & df[dim].isin(members)]
    return sub.groupby("year")["value"].sum(min_count=1)


def _check_as_of(claim: Claim, as_of: int | None) -> None:
    """A SEN2 claim may not use a January census after the report's data cut-off."""
    if as_of is not None and max(claim.years) > as_of:
        raise ConfigError(f"claim {claim.id!r}: year {max(claim.years)} is after the claims "
                          f"file's data cut-off as_of: {as_of}")


def _need_year(s: pd.Series, year: int, claim: Claim, what: str) -> float:
    if year not in s.index or pd.isna(s.get(year)):
        raise DataError(f"claim {claim.id!r}: no {what} for area {claim.area} in {year}",
                        expected=f"a year with data ({int(min(s.index)) if len(s) else '-'}"
                                 f"-{int(max(s.index)) if len(s) else '-'})")
    return float(s[year])


AGE_SCOPES: dict[str, tuple[str, list[str]]] = {
    "all": ("all ages 0-25", ["total"]),
    "under_20": ("ages 0-19 (without 20-25, counted only from 2015)",
                 ["under_5", "5_10", "11_15", "16_19"]),
    "under_16": ("ages 0-15 (without post-16)", ["under_5", "5_10", "11_15"]),
}


def plans_growth(claim: Claim, tables: Tables, as_of: int | None) -> list[Candidate]:
    """% change in EHC plans (with statements) between two January censuses.

    ``years: [base, end]``. Alternatives: ``params.base_alternatives`` (default: base + 1, the
    first January with EHC plans when base is 2014), ``params.end_alternatives`` (default:
    end - 1) and age scopes :data:`AGE_SCOPES` (``params.age_scopes``).
    """
    if len(claim.years) != 2:
        raise ConfigError(f"claim {claim.id!r}: plans_growth needs years [base, end]")
    _check_as_of(claim, as_of)
    base, end = claim.years
    bases = [base, *claim.params.get("base_alternatives", [base + 1])]
    ends = [end, *claim.params.get("end_alternatives", [end - 1])]
    scopes = claim.params.get("age_scopes", list(AGE_SCOPES))
    if as_of is not None:
        ends = [e for e in ends if e <= as_of] or [end]
    totals = _series(tables, "plans_by_setting", "setting", ["total"], claim.area)
    _need_year(totals, base, claim, "January plans")
    _need_year(totals, end, claim, "January plans")
    out = []
    for scope in scopes:
        if scope not in AGE_SCOPES:
            raise ConfigError(f"claim {claim.id!r}: unknown age scope {scope!r}; "
                              f"known: {', '.join(AGE_SCOPES)}")
        label, bands = AGE_SCOPES[scope]
        s = totals if scope == "all" else _series(tables, "plans_by_age", "age_band", bands,
                                                   claim.area)
        for b in dict.fromkeys(bases):
            for e in dict.fromkeys(ends):
                if b in s.index and e in s.index and s[b] > 0:
                    out.append(Candidate(
                        f"base={b};end={e};ages={scope}",
                        f"statements + EHC plans, January {b} to January {e}, {label}: "
                        f"{s[b]:,.0f} -> {s[e]:,.0f}",
                        100.0 * (s[e] / s[b] - 1.0),
                        primary=(b == base and e == end and scope == "all")))
    return out


#: Named setting definitions for placement shares, with the family each belongs to.
SHARE_DEFINITIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "mainstream": ("mainstream", "mainstream schools", MIX_GROUPS["mainstream"]),
    "mainstream_incl_units": ("mainstream", "mainstream schools incl. resourced provision / "
                              "SEN units", ("mainstream", "mainstream_rp_unit")),
    "independent_special": ("independent", "independent special schools",
                            ("special_independent",)),
    "independent_nm_special": ("independent", "independent and non-maintained special schools",
                               MIX_GROUPS["special_indep_nm"]),
    "independent_special_and_spi": ("independent", "independent special schools and "
                                    "specialist post-16 institutions",
                                    ("special_independent", "specialist_post16")),
    "independent_nm_special_and_spi": ("independent", "independent and non-maintained special "
                                       "schools and specialist post-16 institutions",
                                       ("special_independent", "special_non_maintained",
                                        "specialist_post16")),
    "special_state": ("special", "maintained and academy special schools",
                      MIX_GROUPS["special_state"]),
}
#: Denominators for placement shares.
SHARE_DENOMINATORS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "all": ("all plans", None),
    "schools": ("plans in schools (mainstream, units, special, AP; without FE, post-16, "
                "early years, NEET and elsewhere)",
                ("mainstream", "mainstream_rp_unit", "special_la_maintained",
                 "special_academy_free", "special_independent", "special_non_maintained",
                 "ap_pru")),
}


def placement_share(claim: Claim, tables: Tables, as_of: int | None) -> list[Candidate]:
    """% of plans at January in a group of settings.

    ``years: [Y]``; ``params.setting`` names the primary definition in
    :data:`SHARE_DEFINITIONS`; alternatives are the other definitions of the same family, the
    denominators of :data:`SHARE_DENOMINATORS` and January Y-1 (``params.year_alternatives``).
    """
    setting = claim.params.get("setting")
    if setting not in SHARE_DEFINITIONS:
        raise ConfigError(f"claim {claim.id!r}: params.setting {setting!r} not one of "
                          f"{', '.join(SHARE_DEFINITIONS)}")
    _check_as_of(claim, as_of)
    family = SHARE_DEFINITIONS[setting][0]
    defs = [setting] + [k for k, v in SHARE_DEFINITIONS.items() if v[0] == family and k != setting]
    year = claim.years[0]
    years = [year, *claim.params.get("year_alternatives", [year - 1])]
    if as_of is not None:
        years = [y for y in years if y <= as_of] or [year]
    df = tables.get("plans_by_setting")
    sub = df[df["area_code"] == claim.area]
    _need_year(sub[sub["setting"] == "total"].groupby("year")["value"].sum(min_count=1),
               year, claim, "January plans")
    out = []
    for y in dict.fromkeys(years):
        by = sub[sub["year"] == y].groupby("setting")["value"].sum(min_count=1)
        if by.empty or pd.isna(by.get("total")):
            continue
        for den_key, (den_label, den_members) in SHARE_DENOMINATORS.items():
            den = by["total"] if den_members is None else by.reindex(list(den_members)).sum()
            for d in defs:
                _, label, members = SHARE_DEFINITIONS[d]
                num = by.reindex(list(members)).sum()
                out.append(Candidate(
                    f"setting={d};den={den_key};year={y}",
                    f"{label} as % of {den_label}, January {y}: {num:,.0f} / {den:,.0f}",
                    100.0 * num / den if den else math.nan,
                    primary=(d == setting and den_key == "all" and y == year)))
    return out


def plans_count(claim: Claim, tables: Tables, as_of: int | None) -> list[Candidate]:
    """Number of plans at January ``years[0]``; alternative: January Y-1."""
    _check_as_of(claim, as_of)
    s = _series(tables, "plans_by_setting", "setting", ["total"], claim.area)
    y = claim.years[0]
    _need_year(s, y, claim, "January plans")
    return [Candidate(f"year={yy}", f"statements + EHC plans at January {yy}", float(s[yy]),
                      primary=yy == y) for yy in (y, y - 1) if yy in s.index]


def _fy(end_year: int) -> str:
    return f"{end_year - 1}-{str(end_year)[-2:]}"


def _dsg_balance() -> pd.DataFrame:
    try:
        from send_analysis.finance.public import dsg_cumulative_balance_gbp
    except ImportError as exc:  # pragma: no cover - the finance readers are part of the package
        raise NotCheckable(f"DSG balance readers unavailable ({exc})") from None
    return dsg_cumulative_balance_gbp()


def dsg_cumulative_deficit(claim: Claim, tables: Tables, as_of: int | None) -> list[Candidate]:
    """Cumulative DSG deficit at 31 March of the financial year ending ``years[0]``, £m.

    Public data: S251 line 1.9.3 (DSG carried forward) as % of total DSG, 2 dp, x total DSG
    (``finance.public.dsg_cumulative_balance_gbp``). This is the **whole DSG** balance (all four
    blocks), not the High Needs Block alone. Deficit is reported positive.
    """
    if claim.area == ENGLAND or not claim.area.isdigit():
        raise NotCheckable("the DSG balance readers hold LA rows only")
    bal = _dsg_balance()
    rows = bal[bal["la_code"] == claim.area].set_index("financial_year")
    out = []
    fy = _fy(claim.years[0])
    if fy not in rows.index:
        raise NotCheckable(f"no published DSG balance for LA {claim.area} in {fy} "
                           f"(public series: {', '.join(rows.index) or 'none'})")
    r = rows.loc[fy]
    out.append(Candidate(f"fy={fy}", f"cumulative DSG deficit at 31 March {claim.years[0]}: "
                         f"{-r['balance_pct']:.2f}% of total DSG £{r['dsg_total'] / 1e6:,.3f}m "
                         f"(whole DSG, S251 line 1.9.3; the 2-dp % leaves +/- "
                         f"£{r['rounding_gbp'] / 1e6:.3f}m)",
                         -r["balance_gbp"] / 1e6, primary=True,
                         uncertainty=r["rounding_gbp"] / 1e6))
    return out


def dsg_in_year_deficit(claim: Claim, tables: Tables, as_of: int | None) -> list[Candidate]:
    """In-year DSG deficit in the financial year ending ``years[0]``, £m: the change in the
    cumulative deficit from the year before (whole DSG; see :func:`dsg_cumulative_deficit`)."""
    if claim.area == ENGLAND or not claim.area.isdigit():
        raise NotCheckable("the DSG balance readers hold LA rows only")
    bal = _dsg_balance()
    rows = bal[bal["la_code"] == claim.area].set_index("financial_year")
    fy, prev = _fy(claim.years[0]), _fy(claim.years[0] - 1)
    if fy not in rows.index or prev not in rows.index:
        raise NotCheckable(f"needs the DSG balance at March of both {prev} and {fy}; public "
                           f"series: {', '.join(rows.index) or 'none'}")
    now, before = rows.loc[fy], rows.loc[prev]
    value = (before["balance_gbp"] - now["balance_gbp"]) / 1e6
    rounding = (now["rounding_gbp"] + before["rounding_gbp"]) / 1e6
    return [Candidate(f"fy={fy}", f"cumulative DSG deficit March {claim.years[0]} "
                      f"(£{-now['balance_gbp'] / 1e6:,.3f}m) minus March {claim.years[0] - 1} "
                      f"(£{-before['balance_gbp'] / 1e6:,.3f}m); whole DSG, S251 line 1.9.3 % "
                      f"x total DSG; the 2-dp %s leave +/- £{rounding:.3f}m",
                      value, primary=True, uncertainty=rounding)]


SECTORS = {"indep_nm": "independent and non-maintained", "state": "state-funded",
           "total": "all (state + independent/non-maintained)"}


def _topups(area: str) -> pd.DataFrame:
    try:
        from send_analysis.finance.public import read_specialist_topups
    except ImportError as exc:  # pragma: no cover
        raise NotCheckable(f"specialist top-up reader unavailable ({exc})") from None
    t = read_specialist_topups()
    return t[t["la_code"] == area]


def specialist_topup_spend(claim: Claim, tables: Tables, as_of: int | None) -> list[Candidate]:
    """S251 outturn top-up spend on special schools and AP, financial year ending ``years[0]``, £m.

    Primary sector ``params.sector`` (default ``total``); alternatives: the other sectors. This
    is the nearest public line to a council's "cost of specialist placements"; it excludes place
    funding, post-16 and mainstream top-ups and transport.
    """
    t = _topups(claim.area)
    fy = _fy(claim.years[0])
    sector = claim.params.get("sector", "total")
    rows = t[t["financial_year"] == fy].set_index("sector")["spend"]
    if rows.empty:
        raise NotCheckable(f"no public specialist top-up outturn for {claim.area} in {fy}")
    order = [sector] + [s for s in SECTORS if s != sector]
    return [Candidate(f"sector={s}", f"S251 outturn top-ups to {SECTORS[s]} special schools "
                      f"and AP, {fy}", float(rows[s]) / 1e6, primary=s == sector)
            for s in order if s in rows.index]


def specialist_topup_change(claim: Claim, tables: Tables, as_of: int | None) -> list[Candidate]:
    """Change in S251 top-up spend (see :func:`specialist_topup_spend`) from the year before
    the financial year ending ``years[0]``; ``params.measure``: ``gbp_m`` or ``percent``."""
    t = _topups(claim.area)
    fy, prev = _fy(claim.years[0]), _fy(claim.years[0] - 1)
    measure = claim.params.get("measure", "gbp_m")
    sector = claim.params.get("sector", "total")
    piv = t.pivot_table(index="sector", columns="financial_year", values="spend")
    if fy not in piv.columns or prev not in piv.columns:
        raise NotCheckable(f"needs top-up outturn for both {prev} and {fy}")
    out = []
    for s in [sector] + [x for x in SECTORS if x != sector]:
        if s not in piv.index:
            continue
        a, b = float(piv.loc[s, prev]), float(piv.loc[s, fy])
        value = (b - a) / 1e6 if measure == "gbp_m" else 100.0 * (b / a - 1.0)
        out.append(Candidate(f"sector={s}", f"S251 top-ups to {SECTORS[s]} special schools and "
                             f"AP, {prev} £{a / 1e6:,.3f}m -> {fy} £{b / 1e6:,.3f}m",
                             value, primary=s == sector))
    return out


def plans_over_20_weeks_outstanding(claim: Claim, tables: Tables, as_of: int | None
                                    ) -> list[Candidate]:
    """Not checkable: SEN2 counts plans *issued* within/after 20 weeks in a calendar year; it
    does not publish assessments *open* beyond 20 weeks on a date. Context: plans issued in
    calendar ``years[0] - 1`` outside 20 weeks (including exceptions)."""
    tl = tables.get("timeliness")
    sub = tl[(tl["area_code"] == claim.area) & (tl["year"] == claim.years[0] - 1)]
    by = sub.set_index("measure")["value"]
    context = []
    if {"issued_incl_exc", "within_20wk_incl_exc"} <= set(by.index):
        over = by["issued_incl_exc"] - by["within_20wk_incl_exc"]
        context.append(Candidate("context", f"new plans issued in {claim.years[0] - 1} after 20 "
                                 f"weeks (incl. exceptions): {by['issued_incl_exc']:,.0f} issued, "
                                 f"{by['within_20wk_incl_exc']:,.0f} within 20 weeks", float(over)))
    raise NotCheckable("SEN2 publishes plans issued within or after 20 weeks in a calendar "
                       "year, not the number of assessments open beyond 20 weeks on a date, "
                       "and no later count of the same cases", context)


def phase_transfer_by_15_feb(claim: Claim, tables: Tables, as_of: int | None
                             ) -> list[Candidate]:
    """Not checkable: no public collection records when phase-transfer placements are named."""
    raise NotCheckable("no public data set records whether phase-transfer placements were "
                       "named or plans amended by 15 February (not collected in SEN2); only "
                       "the LA's casework system holds it")


def _share_las_dsg_deficit(claim: Claim) -> Candidate:
    """% of LAs with a cumulative DSG deficit at 31 March of the year ending ``years[0]``."""
    bal = _dsg_balance()
    fy = _fy(claim.years[0])
    sub = bal[bal["financial_year"] == fy]
    if sub.empty:
        raise NotCheckable(f"no public DSG balances for {fy}")
    n_def = int((sub["balance_gbp"] < 0).sum())
    return Candidate("context", f"LAs with a cumulative DSG deficit at 31 March "
                     f"{claim.years[0]} (S251 1.9.3): {n_def} of {len(sub)}",
                     100.0 * n_def / len(sub))


#: Context figures a ``not_public`` claim may ask for (``params.context``).
CONTEXTS: dict[str, Callable[[Claim], Candidate]] = {
    "share_las_dsg_deficit": _share_las_dsg_deficit,
}


def not_public(claim: Claim, tables: Tables, as_of: int | None) -> list[Candidate]:
    """Not checkable for the reason in ``params.reason`` (required); optional public context
    figure named by ``params.context`` (one of :data:`CONTEXTS`)."""
    reason = claim.params.get("reason")
    if not reason:
        raise ConfigError(f"claim {claim.id!r}: metric not_public needs params.reason")
    ctx_name = claim.params.get("context")
    context = []
    if ctx_name is not None:
        if ctx_name not in CONTEXTS:
            raise ConfigError(f"claim {claim.id!r}: unknown context {ctx_name!r}; known: "
                              f"{', '.join(CONTEXTS)}")
        context.append(CONTEXTS[ctx_name](claim))
    raise NotCheckable(str(reason), context)


ClaimMetric = Callable[[Claim, Tables, int | None], list[Candidate]]

CLAIM_METRICS: dict[str, ClaimMetric] = {
    "plans_growth": plans_growth,
    "placement_share": placement_share,
    "plans_count": plans_count,
    "dsg_cumulative_deficit": dsg_cumulative_deficit,
    "dsg_in_year_deficit": dsg_in_year_deficit,
    "specialist_topup_spend": specialist_topup_spend,
    "specialist_topup_change": specialist_topup_change,
    "plans_over_20_weeks_outstanding": plans_over_20_weeks_outstanding,
    "phase_transfer_by_15_feb": phase_transfer_by_15_feb,
    "not_public": not_public,
}


# -------------------------------------------------------------------------------------------------
# Verdicts


def within(value: float, claim: Claim, uncertainty: float = 0.0) -> bool:
    """True when a computed value reproduces the claim within its tolerance (plus any rounding
    uncertainty of the published inputs).

    >>> c = Claim("x", "t", "plans_count", "334", (2021,), 68.0, 0.5, "percent")
    >>> within(67.5, c), within(68.6, c), within(68.6, c, 0.1), within(float("nan"), c)
    (True, False, True, False)
    """
    if value is None or not math.isfinite(value):
        return False
    return abs(value - claim.claimed) <= claim.tolerance + uncertainty + 1e-9


def _alternatives(cands: list[Candidate]) -> list[dict[str, Any]]:
    return [{"definition": c.definition, "value": c.value, "primary": c.primary}
            for c in cands]


def _result(claim: Claim, verdict: str, chosen: Candidate | None, cands: list[Candidate],
            note: str = "", definition: str | None = None) -> ClaimResult:
    primary = next((c for c in cands if c.primary), None)
    return ClaimResult(
        id=claim.id, text=claim.text, metric=claim.metric, area=claim.area,
        years=list(claim.years), unit=claim.unit, claimed=claim.claimed,
        tolerance=claim.tolerance, verdict=verdict,
        computed=None if chosen is None else chosen.value,
        definition=definition if definition is not None else (chosen.definition if chosen else ""),
        primary_definition=primary.definition if primary else None,
        primary_value=primary.value if primary else None,
        alternatives=_alternatives(cands), note=note)


def judge(claim: Claim, cands: list[Candidate], shared_key: str | None = None) -> ClaimResult:
    """Verdict for one claim from its candidates (primary first).

    ``shared_key``: a definition that reproduces every claim of the claim's group; preferred.
    """
    cands = [c for c in cands if c.value is not None and math.isfinite(c.value)]
    if not cands:
        return _result(claim, "not checkable", None, [], definition="no published value "
                       "for this area and year under any definition")
    if shared_key is not None:
        hit = next(c for c in cands if c.key == shared_key)
        note = "" if hit.primary else "reproduced under an alternative definition, shared " \
                                      f"with the other claims of group {claim.group!r}"
        return _result(claim, "reproduced", hit, cands, note)
    hits = [c for c in cands if within(c.value, claim, c.uncertainty)]
    if hits:
        hit = next((c for c in hits if c.primary), hits[0])
        note = "" if hit.primary else "reproduced under an alternative definition, not the " \
                                      "primary one"
        if claim.group and not hit.primary:
            note += f"; no single definition reproduces every claim of group {claim.group!r}"
        return _result(claim, "reproduced", hit, cands, note)
    nearest = min(cands, key=lambda c: (abs(c.value - claim.claimed), not c.primary))
    return _result(claim, "not reproduced", nearest, cands,
                   note=f"nearest definition is {nearest.value - claim.claimed:+.2f} "
                        f"{UNIT_WORDS.get(claim.unit, claim.unit)} from the claim")


def _shared_key(group: list[Claim], cands: Mapping[str, list[Candidate]]) -> str | None:
    """The first definition key (primary first) that reproduces every claim of a group."""
    first = cands.get(group[0].id, [])
    for c in first:
        if all(any(o.key == c.key and within(o.value, g, o.uncertainty)
                   for o in cands.get(g.id, []))
               for g in group):
            return c.key
    return None


def check_claims(claims: list[Claim], as_of: int | None = None,
                 tables: Tables | None = None) -> list[ClaimResult]:
    """Recompute every claim and return one :class:`ClaimResult` each, in file order."""
    tables = tables or Tables.default()
    cands: dict[str, list[Candidate]] = {}
    not_checkable: dict[str, NotCheckable] = {}
    for claim in claims:
        try:
            cands[claim.id] = CLAIM_METRICS[claim.metric](claim, tables, as_of)
        except NotCheckable as nc:
            not_checkable[claim.id] = nc
    groups: dict[str, list[Claim]] = {}
    for claim in claims:
        if claim.group and claim.id in cands:
            groups.setdefault(claim.group, []).append(claim)
    shared = {g: _shared_key(members, cands) for g, members in groups.items()
              if len(members) > 1}
    results = []
    for claim in claims:
        if claim.id in not_checkable:
            nc = not_checkable[claim.id]
            ctx = nc.context[0] if nc.context else None
            results.append(ClaimResult(
                id=claim.id, text=claim.text, metric=claim.metric, area=claim.area,
                years=list(claim.years), unit=claim.unit, claimed=claim.claimed,
                tolerance=claim.tolerance, verdict="not checkable", computed=None,
                definition=f"not checkable: {nc.reason}", primary_definition=None,
                primary_value=None, alternatives=_alternatives(nc.context),
                note=(f"context: {ctx.definition} = {ctx.value:,.1f}" if ctx else "")))
            continue
        results.append(judge(claim, cands[claim.id], shared.get(claim.group or "")))
    return results


def results_frame(results: list[ClaimResult]) -> pd.DataFrame:
    """A one-row-per-claim table for pages: id, claimed, computed, verdict, definition, note."""
    return pd.DataFrame([{
        "claim": r.id, "text": r.text, "area": r.area, "unit": UNIT_WORDS.get(r.unit, r.unit),
        "claimed": r.claimed,
        "computed": None if r.computed is None else round(r.computed, 2),
        "verdict": r.verdict, "definition": r.definition,
        "primary value": None if r.primary_value is None else round(r.primary_value, 2),
        "note": r.note} for r in results])


def run_claims_file(path: str | Path, tables: Tables | None = None) -> list[ClaimResult]:
    """Load a claims file, check LA codes against the LA lookup, and check every claim."""
    tables = tables or Tables.default()
    known = None
    if tables.has("la_lookup"):
        known = set(tables.get("la_lookup")["la_code"])
    header, claims = load_claims(path, known)
    return check_claims(claims, header.get("as_of"), tables)


def default_claims_file(la_code: str, folder: str | Path) -> Path | None:
    """The first claims file in ``folder`` whose ``la_code`` is ``la_code`` (sorted by name)."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    from send_analysis.userfiles import read_user_yaml

    for path in sorted(folder.glob("*.yaml")):
        try:  # a file that cannot be read as YAML (binary, Windows-1252, broken) is not a match
            doc = read_user_yaml(path, "a claims YAML file")
        except ConfigError:
            continue
        if isinstance(doc, Mapping) and str(doc.get("la_code", "")) == str(la_code):
            return path
    return None

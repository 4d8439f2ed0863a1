"""Sentences and tables for the benchmarking and claims pages, built from computed results."""

from __future__ import annotations

import math

import pandas as pd

from send_analysis.benchmark.metrics import METRICS
from send_analysis.data.geography import ENGLAND
from send_analysis.report.figures import benchmark_figure, claims_figure, mark
from send_analysis.report.labels import UNIT_WORDS
from send_analysis.report.safe import inert


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 11th, 22nd ...

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th']
    """
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fmt_value(value: float, unit: str) -> str:
    """A value in its unit: 12.3%, 272.5 per 10,000, 1,743.

    >>> fmt_value(12.345, "percent"), fmt_value(272.49, "per_10k"), fmt_value(1743, "count")
    ('12.3%', '272.5 per 10,000', '1,743')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not published"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "per_10k":
        return f"{value:,.1f} per 10,000"
    return f"{value:,.0f}"


def position_sentence(row: pd.Series, la_name: str) -> str:
    """One sentence placing the LA on one indicator (a row of :func:`compare.benchmark`).

    >>> r = pd.Series({"metric": "plans_per_10k", "label": "Plans per 10,000 aged 0-25",
    ...                "unit": "per_10k", "polarity": "neutral", "la": 272.49, "england": 248.74,
    ...                "neighbours": 274.9, "rank": 52, "n": 151, "quartile": "B"})
    >>> position_sentence(r, "Solihull")
    'Plans per 10,000 aged 0-25: Solihull 272.5 per 10,000 against England 248.7 per 10,000 and its statistical neighbours 274.9 per 10,000; 52nd highest of 151 LAs (band B).'
    """
    unit = row["unit"]
    if pd.isna(row["la"]):
        return f"{row['label']}: not published for {la_name} this year."
    order = {"high": "best (higher is better)", "low": "best (lower is better)",
             "neutral": "highest"}[row["polarity"]]
    rank = f"{ordinal(int(row['rank']))} {order} of {int(row['n'])} LAs (band {row['quartile']})"
    return (f"{row['label']}: {la_name} {fmt_value(row['la'], unit)} against England "
            f"{fmt_value(row['england'], unit)} and its statistical neighbours "
            f"{fmt_value(row['neighbours'], unit)}; {rank}.")


def display_table(bench: pd.DataFrame, groups: list[str] | None = None) -> pd.DataFrame:
    """The benchmark table with readable headings, for the page."""
    groups = groups or []
    cols = ["label", "basis", "la", "england", "region", "neighbours", *groups, "rank", "n",
            "quartile", "percentile", "change"]
    out = bench[cols].copy()
    out["polarity"] = bench["metric"].map(lambda m: {"high": "higher is better",
                                                     "low": "lower is better",
                                                     "neutral": "no polarity"}[
        METRICS[m].polarity])
    return out.rename(columns={
        "label": "Indicator", "basis": "Period", "la": "LA", "england": "England",
        "region": "Region", "neighbours": "Stat. neighbours", "rank": "Rank", "n": "of",
        "quartile": "Band", "percentile": "Percentile", "change": "Change on year",
        "polarity": "Polarity"}).set_index("Indicator")


def verdict_counts(results: pd.DataFrame) -> dict[str, int]:
    """Number of claims per verdict, in the order reproduced / not reproduced / not checkable."""
    counts = results["verdict"].value_counts()
    return {v: int(counts.get(v, 0)) for v in ("reproduced", "not reproduced", "not checkable")}


def national_display(national: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Every LA's indicators with headings in words (indicator labels), indexed by LA name."""
    cols = {"la_code": "LA code", "la_name": "Local authority", "region_name": "Region",
            **{m: METRICS[m].label for m in metrics}}
    out = national[list(cols)].rename(columns=cols).set_index("Local authority")
    out.index.name = None
    return out


def claims_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The claims verdicts with headings in words; the claim's id in the claims file is a
    column (an officer finds the claim by it), not a heading."""
    cols = {"text": "Claim", "area": "Area", "unit": "Unit",
            "claimed": "Claimed", "computed": "Computed", "verdict": "Verdict",
            "primary value": "Value on the plain reading", "definition": "Definition used",
            "note": "Note", "claim": "Id in the claims file"}
    return frame[[c for c in cols if c in frame.columns]].rename(columns=cols)


def claims_styler(frame: pd.DataFrame, tables=None):
    """:func:`claims_display` for the page: areas by name (given the :class:`Tables`), text
    left-aligned, numbers to two decimals, '–' where none, no index."""
    out = claims_display(frame)
    if tables is not None:
        lk = tables.get("la_lookup")
        names = {ENGLAND: "England", **dict(zip(lk["la_code"].astype(str), lk["la_name"], strict=True))}
        out["Area"] = out["Area"].astype(str).map(lambda c: names.get(c, c))
    text = [c for c in ("Claim", "Area", "Unit", "Verdict", "Definition used", "Note",
                        "Id in the claims file") if c in out.columns]
    return (out.style.hide(axis="index").format(precision=2, na_rep="–", escape="html")
            .set_properties(subset=text, **{"text-align": "left"})
            .set_properties(subset=["Id in the claims file"],
                            **{"font-size": "75%", "color": "#666", "font-family": "monospace"}))


def display_styler(bench: pd.DataFrame, groups: list[str] | None = None):
    """:func:`display_table` styled: counts whole, other indicators to one decimal, '–' where
    not published."""
    table = display_table(bench, groups)
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    counts = [METRICS[m].label for m in bench["metric"] if METRICS[m].unit == "count"]
    whole = ["Rank", "of"]
    styler = table.style.format(precision=1, na_rep="–", thousands=",", subset=numeric)
    rows = [r for r in counts if r in table.index]
    if rows:
        styler = styler.format(precision=0, na_rep="–", thousands=",",
                               subset=pd.IndexSlice[rows, numeric])
    return styler.format(precision=0, na_rep="–", subset=[c for c in whole if c in table.columns])


def benchmark_intro(la_name: str, region_name: str, year: int, neighbours: list[str],
                    nb_source: str, groups: list[str], bench: pd.DataFrame, note: str) -> str:
    """The benchmarking page's opening: the years of each kind of figure, the comparators, how
    ranks read, the population note, and the plans-per-10,000 figure the pack summary quotes."""
    row = bench.set_index("metric")
    text = (
        f"Caseload figures are at the January {year} census; flows (new plans, requests, "
        f"assessments, 20-week timeliness, tribunal appeals, ceased plans) are for calendar year "
        f"{year - 1}, as in the DfE release of {year}. Comparators: England, the {region_name} "
        f"region, {nb_source} ({', '.join(neighbours)})"
        + (f", and {', '.join(groups)}" if groups else "") + ". "
        f"Ranks and bands (A = top quarter) are among all {int(row.loc['plans', 'n'])} LAs with a "
        "figure; for indicators with a polarity rank 1 is the best, otherwise rank 1 is the "
        f"highest. {note}")
    fig = benchmark_figure(bench, nb_source, year)
    return (text + f"\n\nEHC plans per 10,000 children and young people aged 0 to 25 in January "
            f"{year}: {mark('plans_per_10k_0_25', fig)} (England {fig['england']:,.1f}, "
            f"statistical neighbours {fig['neighbours']:,.1f}).")


def claims_intro(header: dict, file_name: str, results: list, frame: pd.DataFrame) -> str:
    """The claims page's opening: the report, the file, the counts of each verdict (reproduced
    marked as the pack summary's figure) and what 'reproduced' means."""
    counts = verdict_counts(frame)
    report = header.get("report", file_name)
    return (
        f"## {inert(report)}\n\n"
        f"Claims file {inert(file_name)}: {len(results)} claims, checked against data as it stood at the "
        f"report's cut-off (January {header.get('as_of')} census). "
        f"{mark('claims_reproduced', claims_figure(counts, str(report)))} claims reproduced; "
        f"**{counts['not reproduced']} not reproduced, {counts['not checkable']} not checkable "
        "from public data.** A claim is reproduced when a definition's value is within the claim's "
        "tolerance (half a unit of its last quoted digit); the definition used is shown, and "
        "whether it is the plain reading of the claim (the primary definition) or an alternative.")


def _short(text: str, words: int = 12) -> str:
    """The first ``words`` words of a claim's text, for a heading ("…" when cut)."""
    parts = " ".join(str(text).split()).split(" ")
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def claim_detail(r) -> str:
    """One claim's section: verdict, the quoted text, the claimed and computed values, the note,
    and every definition tried (markdown)."""
    lines = [f"### {inert(_short(r.text))}: {inert(r.verdict)}", "", f"> {inert(r.text)}", "",
             f"Id in the claims file: {inert(r.id)}.", "",
             f"Claimed **{r.claimed:g}** ({UNIT_WORDS.get(r.unit, inert(r.unit))}, "
             f"tolerance {r.tolerance:g}). "
             + (f"Computed **{r.computed:,.2f}**: {inert(r.definition)}." if r.computed is not None
                else inert(r.definition) + ".")]  # a definition may quote the file (params.reason)
    if r.note:
        lines.append(f"\n_{inert(r.note)}_")
    if r.alternatives:
        lines.append("\n| Definition | Value |\n| --- | --- |")
        lines += [f"| {'**primary** ' if a['primary'] else ''}{inert(a['definition'])} | {a['value']:,.2f} |"
                  for a in r.alternatives]
    return "\n".join(lines)

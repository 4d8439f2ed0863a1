"""The pack's front page (``<la>/index.html``): a one-page summary built from the headline alone,
and the national ``reports/index.html``: a sortable table of every LA's headline.

Every number on these pages comes from the headline dict that ``pack.json`` carries
(:mod:`send_analysis.report.figures`), written by :func:`figures.figure_text`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from send_analysis.report import fmt_pct, money_m
from send_analysis.report.figures import HEADLINE_KEYS, PAGE_OF, figure_text

#: Summary row labels: (key, question in words). ``{year}``-style fields come from the figure.
ROWS: tuple[tuple[str, str], ...] = (
    ("plans_latest", "EHC plans maintained, January {year}"),
    ("plans_forecast_5y", "EHC plans forecast for January {year}"),
    ("new_plans_last_year", "New EHC plans issued in {year}"),
    ("pct_within_20_weeks", "New plans issued within 20 weeks, {year}"),
    ("dsg_balance_latest", "DSG High Needs balance at {date}"),
    ("dsg_balance_end_unmitigated", "DSG High Needs balance at {date}, without mitigation"),
    ("dsg_balance_end_mitigated", "DSG High Needs balance at {date}, with the LA's scenarios"),
    ("plans_per_10k_0_25", "EHC plans per 10,000 aged 0 to 25, January {year}"),
    ("claims_reproduced", "Figures in the LA's report reproduced from public data"),
)

SHORT: dict[str, str] = {
    "plans_latest": "Plans now", "plans_forecast_5y": "Plans in 5 years",
    "new_plans_last_year": "New plans last year", "dsg_balance_latest": "DSG balance, latest",
    "dsg_balance_end_unmitigated": "DSG balance at horizon, unmitigated",
    "dsg_balance_end_mitigated": "DSG balance at horizon, mitigated",
    "plans_per_10k_0_25": "Plans per 10,000 aged 0-25", "claims_reproduced": "Claims reproduced",
    "pct_within_20_weeks": "Within 20 weeks",
}


def _fill(template: str, fig: Mapping | None) -> str:
    """The row's question with the figure's year or date; without them, the question alone."""
    fields = {k: v for k, v in (fig or {}).items() if v is not None}
    try:
        return template.format(**fields)
    except KeyError:  # no year or date known: the question without it
        return re.sub(r",? (?:January |at |in )?\{\w+\}", "", template)


def context(key: str, fig: Mapping) -> str:
    """The words beside a figure: its comparison, band meaning or basis."""
    if key == "plans_latest" and fig.get("growth_last_year_pct") is not None:
        return (f"{fmt_pct(fig['growth_last_year_pct'], 1, signed=True)} on a year "
                f"(England {fmt_pct(fig['england_growth_last_year_pct'], 1, signed=True)})")
    if key == "plans_forecast_5y" and fig.get("origin_plans"):
        change = 100 * (fig["value"] / fig["origin_plans"] - 1)
        return (f"{fmt_pct(change, 0, signed=True)} on January {fig['origin']}; "
                "the band holds 8 in 10 outcomes of past forecasts")
    if key == "pct_within_20_weeks" and fig.get("england") is not None:
        return f"England {fmt_pct(fig['england'])}; cases with an allowed exception left out"
    if key == "dsg_balance_latest":
        est = "an estimate rolled forward from the last published balance; " if fig.get("estimate") else ""
        return f"end of {fig['financial_year']}; {est}negative = deficit"
    if key == "dsg_balance_end_unmitigated":
        g = fig.get("biggest_cost_growth")
        if g:
            return (f"biggest cost driver: {g['line'].replace('Placements: ', '').lower()} "
                    f"(up {money_m(g['increase'])} a year from {g['from_year']} to {g['to_year']})")
    if key == "dsg_balance_end_mitigated":
        return f"{fig.get('scenario', 'scenarios')} (the scenario files in this pack)"
    if key == "plans_per_10k_0_25" and fig.get("england") is not None:
        rank = f"; {fig['rank']} of {fig['of']} LAs, highest first" if fig.get("rank") else ""
        return (f"England {fig['england']:,.1f}, statistical neighbours {fig['neighbours']:,.1f}"
                f"{rank}")
    if key == "new_plans_last_year":
        return "issued in the calendar year"
    if key == "claims_reproduced":
        return (f"{fig['not_reproduced']} not reproduced, {fig['not_checkable']} not checkable "
                "from public data")
    return ""


def basis(fig: Mapping) -> str:
    """Whose figure it is: public data, public defaults, or the LA's own inputs."""
    src = fig.get("source", "")
    return {"public data": "Public data (DfE)", "public defaults": "Public defaults",
            "the LA's own inputs": "LA's own inputs"}.get(src, src)


def sentences(la_name: str, h: Mapping[str, Mapping | None]) -> list[str]:
    """A few short paragraphs: where the LA stands, where it is heading and what the plan does."""
    out = []
    p, f = h.get("plans_latest"), h.get("plans_forecast_5y")
    if p:
        s = f"{la_name} maintained {figure_text('plans_latest', p)} EHC plans in January {p['year']}"
        if f:
            s += (f"; on the trend of the last years the demand forecast puts January {f['year']} at "
                  f"{figure_text('plans_forecast_5y', f)}")
        out.append(s + ".")
    lat, un, mi = (h.get(k) for k in ("dsg_balance_latest", "dsg_balance_end_unmitigated",
                                      "dsg_balance_end_mitigated"))
    if lat and un:
        est = "an estimated " if lat.get("estimate") else ""
        s = (f"The DSG High Needs balance stood at {est}{figure_text('dsg_balance_latest', lat)} at "
             f"{lat['date']} (negative = deficit); without mitigation it reaches "
             f"{money_m(un['value'])} by {un['date']}")
        if mi:
            s += (f", and {money_m(mi['value'])} with the scenarios in this pack "
                  f"({mi.get('scenario', '').lower()})")
        out.append(s + ".")
        own = list(un.get("own_keys") or [])
        if not own:
            out[-1] += (" The finance figures rest on public defaults (DfE published balances, "
                        "allocations and outturn); the LA's own inputs file would replace them.")
        else:
            named = ", ".join(own)
            out[-1] += (f" The finance figures rest on the LA's own inputs for {named}, and on "
                        "public defaults for the rest.")
    b = h.get("plans_per_10k_0_25")
    if b and b.get("england") is not None:
        word = "more" if b["value"] > b["england"] else "fewer"
        out.append(f"It has {word} plans per head of its 0 to 25 population than England "
                   f"({figure_text('plans_per_10k_0_25', b)} against {b['england']:,.1f}).")
    return out


def summary_rows(h: Mapping[str, Mapping | None], out_dir: Path | None,
                 titles: Mapping[str, str]) -> str:
    """``<tr>`` rows of the summary table, each figure linking to its page."""
    rows = []
    for key, template in ROWS:
        if key not in h:
            continue
        fig = h[key]
        page = PAGE_OF[key]
        exists = out_dir is None or (out_dir / page).exists()
        title = titles.get(page, page)
        link = f'<a href="{page}">{html.escape(title)}</a>' if exists else html.escape(title)
        value = html.escape(figure_text(key, fig))
        cell = (f'<a href="{page}" data-headline="{key}">{value}</a>' if exists and fig
                else f'<span data-headline="{key}">{value}</span>')
        rows.append(
            f'<tr><th scope="row">{html.escape(_fill(template, fig))}</th><td class="num">{cell}</td>'
            f"<td>{html.escape(context(key, fig)) if fig else ''}</td>"
            f"<td>{html.escape(basis(fig)) if fig else ''}</td><td>{link}</td></tr>")
    return "".join(rows)


SUMMARY_CSS = """
<style>
  body { font: 16px/1.5 system-ui, sans-serif; padding: 0 16px; }
  .sa-lede { font-size: 18px; max-width: 60em; }
  table.sa-summary { border-collapse: collapse; margin: 16px 0; width: 100%; font-size: 15px; }
  table.sa-summary th, table.sa-summary td { border-bottom: 1px solid #ddd; padding: 6px 8px;
                                             text-align: left; vertical-align: top; }
  table.sa-summary thead th { border-bottom: 2px solid #0072B2; }
  table.sa-summary td.num { text-align: right; font-weight: bold; min-width: 8em; }
  table.sa-summary th[scope="row"] { min-width: 12em; }
  @media print {
    table.sa-summary { break-inside: auto; page-break-inside: auto; font-size: 10pt; }
    .sa-lede { font-size: 12pt; }
  }
  table.sa-summary td.num a { color: #0b4f8a; }
  table.sortable th[data-sort] { cursor: pointer; }
  table.sortable th[data-sort]::after { content: " \\2195"; color: #999; }
</style>
"""


def index_html(la_code: str, la_name: str, h: Mapping[str, Mapping | None], page_list: str,
               nav: str, footer: str, head: str, out_dir: Path | None,
               titles: Mapping[str, str], notes: Mapping[str, str] | None = None) -> str:
    """The LA's summary page: sentences, the headline table (each figure linking to its page),
    then every page of the pack (``page_list``: ``<li>`` items)."""
    lede = "".join(f'<p class="sa-lede">{html.escape(s)}</p>' for s in sentences(la_name, h))
    missing = "".join(f"<li>{html.escape(SHORT[k])}: {html.escape(v)}</li>"
                      for k, v in (notes or {}).items())
    missing = f"<p>Figures not available:</p><ul>{missing}</ul>" if missing else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>SEND evidence pack summary: {html.escape(la_name)} ({la_code})</title>
{head}{SUMMARY_CSS}
</head><body class="sa-summary-page">
{nav}
<h1>SEND High Needs evidence pack: {html.escape(la_name)} ({la_code})</h1>
{lede}
<h2>The headline of every page</h2>
<table class="sa-summary"><thead><tr><th>Question</th><th>Figure</th><th>In context</th>
<th>Based on</th><th>Page</th></tr></thead><tbody>{summary_rows(h, out_dir, titles)}</tbody></table>
{missing}
<p>Public data are the DfE's published statistics; public defaults are finance inputs built from
DfE publications where the LA has not given its own; the LA's own inputs come from its inputs file.
Bands hold 80% of outcomes (past forecast errors for plans, simulated paths for the DSG).</p>
<h2>All pages</h2>
<ol class="sa-pages">{page_list}</ol>
<p class="sa-noprint"><a href="../index.html">All local authorities</a></p>
{footer}
</body></html>
"""


def _sort_value(key: str, fig: Mapping | None) -> str:
    if not fig or fig.get("value") is None:
        return ""
    return repr(float(fig["value"]))


SORT_JS = """
<script>
document.querySelectorAll("table.sortable").forEach(table => {
  table.querySelectorAll("th[data-sort]").forEach((th, col) => {
    th.addEventListener("click", () => {
      const body = table.tBodies[0];
      const idx = Array.from(th.parentNode.children).indexOf(th);
      const numeric = th.dataset.sort === "num";
      const dir = th.dataset.dir === "asc" ? -1 : 1;
      th.dataset.dir = dir === 1 ? "asc" : "desc";
      const key = tr => tr.children[idx].dataset.v ?? tr.children[idx].textContent.trim();
      const rows = Array.from(body.rows).sort((a, b) => {
        const x = key(a), y = key(b);
        if (numeric) {
          if (x === "" || y === "") return x === "" ? 1 : -1;
          return dir * (parseFloat(x) - parseFloat(y));
        }
        return dir * x.localeCompare(y);
      });
      rows.forEach(r => body.appendChild(r));
    });
  });
});
</script>
"""


def national_index_html(results: Sequence, names: Mapping[str, tuple[str, str]], stamp: str) -> str:
    """``reports/index.html``: one row per LA with its headline figures, sortable by any column
    (click a heading). ``names``: LA code -> (name, region)."""
    keys = [k for k in HEADLINE_KEYS if any(k in (r.headline or {}) for r in results)]
    head = "".join(f'<th data-sort="num">{html.escape(SHORT[k])}</th>' for k in keys)
    rows = []
    for r in results:
        name, region = names.get(r.la_code, (r.la_name, ""))
        link = (f'<a href="{r.la_code}/index.html">{html.escape(str(name))}</a>'
                if r.pages else html.escape(str(name)))
        h = r.headline or {}
        cells = "".join(
            f'<td class="num" data-v="{_sort_value(k, h.get(k))}" '
            f'title="{html.escape(figure_text(k, h.get(k)))}">'  # the band on hover
            f"{html.escape(figure_text(k, {**h[k], 'lower80': None})) if h.get(k) else ''}</td>"
            for k in keys)
        status = "ok" if r.ok else "failed: " + html.escape("; ".join(r.failures))[:300]
        rows.append(f"<tr><td>{r.la_code}</td><td>{link}</td><td>{html.escape(str(region))}</td>"
                    f"{cells}<td>{status}</td></tr>")
    failed = sum(not r.ok for r in results)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>SEND evidence packs: all local authorities</title>
<style>body {{ font: 15px/1.5 system-ui, sans-serif; max-width: 1400px; margin: 0 auto; padding: 16px; }}
table {{ border-collapse: collapse; width: 100%; }} td, th {{ border-bottom: 1px solid #ddd; padding: 4px 8px; }}
td.num {{ text-align: right; white-space: nowrap; }}
th[data-sort] {{ cursor: pointer; }} th[data-sort]::after {{ content: " \\2195"; color: #999; }}</style>
</head><body><h1>SEND evidence packs: all local authorities</h1>
<p>{len(results)} LAs, {failed} with a failed page. Built {stamp}. Click a column heading to sort.
Each LA's figures are the headline of its pack (its summary page); point at a figure for its
80% band.</p>
<table class="sortable" id="national"><thead><tr><th data-sort="text">Code</th><th data-sort="text">LA</th>
<th data-sort="text">Region</th>{head}<th data-sort="text">Status</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>{SORT_JS}</body></html>
"""

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
    ("dsg_balance_latest", "DSG balance (all blocks) at {date}"),
    ("dsg_balance_writeoff_base", "DSG balance (all blocks) at {date}, the write-off's base"),
    ("dsg_balance_override_end", "DSG balance (all blocks) at {date}, when the statutory "
                                 "override ends"),
    ("dsg_balance_end_unmitigated", "DSG balance (all blocks) at {date}, without mitigation"),
    ("dsg_balance_end_mitigated", "DSG balance (all blocks) at {date}, with {with}"),
    ("plans_per_10k_0_25", "EHC plans per 10,000 aged 0 to 25, January {year}"),
    ("claims_reproduced", "Figures in the LA's report reproduced from public data"),
)

SHORT: dict[str, str] = {
    "plans_latest": "Plans now", "plans_forecast_5y": "Plans in 5 years",
    "new_plans_last_year": "New plans last year", "dsg_balance_latest": "DSG balance, latest",
    "dsg_balance_writeoff_base": "DSG balance, write-off base",
    "dsg_balance_override_end": "DSG balance, override end",
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
        if fig.get("england_all") is None:
            return f"England {fmt_pct(fig['england'])}; cases with an allowed exception left out"
        return (f"England {fmt_pct(fig['england'])} with exceptions left out, "
                f"{fmt_pct(fig['england_all'])} of all plans; both as the DfE publishes them")
    if key == "dsg_balance_latest":
        est = "an estimate rolled forward from the last published balance; " if fig.get("estimate") else ""
        return (f"end of {fig['financial_year']}; {est}the whole DSG, not the High Needs Block "
                "alone; negative = deficit")
    if key == "dsg_balance_writeoff_base":
        return "; ".join(x for x in (
            "without mitigation", _mitigated(fig), _writeoff(fig.get("writeoff")),
            "negative = deficit") if x)
    if key == "dsg_balance_override_end":
        parts = ["without mitigation or write-off"]
        if fig.get("with_writeoff"):
            parts.append(f"with the write-off {_money_band(fig['with_writeoff'])}")
        if fig.get("accrued_since_base"):
            acc = fig["accrued_since_base"]
            parts.append(f"accrued from {acc['from']}: {_money_band(acc)}")
        return "; ".join(x for x in (*parts, _mitigated(fig)) if x)
    if key == "dsg_balance_end_unmitigated":
        g = fig.get("biggest_cost_growth")
        if g:
            return (f"biggest cost driver: {g['line'].replace('Placements: ', '').lower()} "
                    f"(up {money_m(g['increase'])} a year from {g['from_year']} to {g['to_year']})")
    if key == "dsg_balance_end_mitigated":
        return scenarios_context(fig)
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


def _money_band(f: Mapping) -> str:
    return figure_text("dsg_balance", f)


def _mitigated(fig: Mapping) -> str:
    m = fig.get("mitigated")
    if not m or m.get("value") is None:
        return ""
    return f"with the scenarios {_money_band(m)}"


def _writeoff(g: Mapping | None) -> str:
    if not g or g.get("value") is None:
        return ""
    whose = ("" if g.get("base") == "the LA's own figure" else
             "; public data give the whole DSG balance, not the high-needs overspend alone")
    return (f"{g['share']:.0%} of the deficit to be written off, {_money_band(g)}, paid in "
            f"{g['paid_in']} if the DfE approves the LA's SEND reform plan{whose}")


def scenarios_context(fig: Mapping) -> str:
    """What the mitigated figure combines: the toolkit's example scenarios (named as examples,
    with the investment they cost) and the LA's own scenario files."""
    if "examples" not in fig:
        return f"{fig.get('scenario', 'scenarios')} (the scenario files in this pack)"
    parts = []
    if fig["examples"]:
        parts.append(f"{len(fig['examples'])} example scenario{'s' if len(fig['examples']) > 1 else ''}"
                     f" of the toolkit, not the LA's plan ({'; '.join(fig['examples'])})")
    if fig["own"]:
        parts.append(f"the LA's own: {'; '.join(fig['own'])}")
    cost = fig.get("investment") or 0
    spend = ("no investment costed (the running costs of new places are in spend)" if cost <= 0
             else f"{money_m(cost)} of investment costed")
    return f"{' and '.join(parts)}; {spend}"


def dsg_note(la_name: str, h: Mapping[str, Mapping | None]) -> str:
    """A paragraph on what the DSG balance is: the whole DSG (all four blocks and place funding),
    why an LA is in surplus when it is, and the high-needs part where the data give it (the
    first forecast year's in-year balance; no published cumulative balance of the High Needs
    Block alone exists for each LA). Empty without the DSG figures."""
    lat, un = h.get("dsg_balance_latest"), h.get("dsg_balance_end_unmitigated")
    if not lat or not un or lat.get("value") is None:
        return ""
    hn = un.get("high_needs_in_year")
    out = []
    if lat["value"] >= 0:
        est = "an estimated " if lat.get("estimate") else ""
        s = (f"{la_name} is in surplus: its DSG balance was {est}{money_m(lat['value'])} in credit "
             f"at {lat['date']}")
        if lat.get("in_year") is not None:
            s += f", after an in-year balance of {money_m(lat['in_year'])} in {lat['financial_year']}"
        s += "."
        if hn and hn["value"] < 0 <= hn["other_blocks"]:
            s += (f" The surplus is on the other blocks: in {hn['financial_year']} the High Needs "
                  f"Block alone is forecast at {money_m(hn['value'])} in the year and place "
                  f"funding and the other blocks at {money_m(hn['other_blocks'])}, so the whole "
                  "DSG hides a high-needs deficit.")
        elif hn and hn["value"] >= 0:
            s += (f" Its high-needs income still exceeds its high-needs spend: in "
                  f"{hn['financial_year']} the High Needs Block alone is forecast at "
                  f"{money_m(hn['value'])} in the year (place funding and the other blocks "
                  f"{money_m(hn['other_blocks'])}).")
        if un.get("first_deficit"):
            s += (f" Without mitigation spend outgrows income and the balance turns to a deficit "
                  f"in {un['first_deficit']}.")
        out.append(s)
    elif hn:
        out.append(f"In {hn['financial_year']} the High Needs Block alone is forecast at "
                   f"{money_m(hn['value'])} in the year (its income less high-needs spend), and "
                   f"place funding and the other blocks at {money_m(hn['other_blocks'])}.")
    out.append("The balance is the whole DSG (schools, central, early years and high needs "
               "blocks), as the DfE publishes it: no balance of the High Needs Block alone is "
               "published for each LA, so only the in-year part above can be given for it.")
    return " ".join(out)


def basis(fig: Mapping) -> str:
    """Whose figure it is: public data, public defaults, or the LA's own inputs."""
    src = fig.get("source", "")
    return {"public data": "Public data (DfE)", "public defaults": "Public defaults",
            "the LA's own inputs": "LA's own inputs"}.get(src, src)


def starts_from(h: Mapping[str, Mapping | None]) -> str:
    """The summary's first paragraph: the January census, the outturn year and the 31 March
    balance the pack starts from, and whose each is (issue 18)."""
    p, lat = h.get("plans_latest"), h.get("dsg_balance_latest")
    parts = []
    if p:
        whose = ("published SEN2, DfE" if p.get("source") == "public data"
                 else "the LA's own count")
        parts.append(f"the January {p['year']} census ({whose})")
    if lat and lat.get("outturn_year"):
        parts.append(f"the {lat['outturn_year']} high-needs outturn ({lat['outturn_whose']})")
    if lat:
        parts.append(f"the DSG balance at {lat['date']} ({lat.get('balance_whose') or lat.get('source', 'source not given')})")
    if not parts:
        return ""
    return "This pack starts from " + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") \
        + parts[-1] + "."


def sentences(la_name: str, h: Mapping[str, Mapping | None]) -> list[str]:
    """A few short paragraphs: where the LA stands, where it is heading and what the plan does."""
    out = []
    start = starts_from(h)
    if start:
        out.append(start)
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
        s = (f"The DSG balance (all blocks) stood at {est}{figure_text('dsg_balance_latest', lat)} at "
             f"{lat['date']} (negative = deficit); without mitigation it reaches "
             f"{money_m(un['value'])} by {un['date']}")
        if mi:
            s += (f", and {money_m(mi['value'])} with {mi.get('with', 'the scenarios in this pack')} "
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
    wb, oe = h.get("dsg_balance_writeoff_base"), h.get("dsg_balance_override_end")
    if wb and oe:
        s = (f"At {wb['date']}, the base of the write-off, the balance is "
             f"{figure_text('dsg_balance_writeoff_base', wb)}")
        g = wb.get("writeoff")
        if g and g.get("value") is not None:
            s += (f"; {g['share']:.0%} of the deficit, {money_m(g['value'])}, is to be written off "
                  f"in {g['paid_in']} if the DfE approves the LA's SEND reform plan")
        s += (f". When the statutory override ends at {oe['date']} it is "
              f"{figure_text('dsg_balance_override_end', oe)} without the write-off")
        if oe.get("with_writeoff"):
            s += f" and {money_m(oe['with_writeoff']['value'])} with it"
        if oe.get("accrued_since_base"):
            acc = oe["accrued_since_base"]
            s += f", of which {money_m(acc['value'])} accrued from {acc['from']}"
        if oe.get("mitigated"):
            s += f" ({money_m(oe['mitigated']['value'])} with the scenarios, before the write-off)"
        out.append(s + ".")
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
    note = dsg_note(la_name, h)
    lede += f'<p class="sa-dsg-note">{html.escape(note)}</p>' if note else ""
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

"""Render an executed notebook to reviewer HTML: no code, a contents list, navigation, a footer."""

from __future__ import annotations

import html
import re
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from jinja2 import pass_context
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

from send_analysis import __version__
from send_analysis.paths import project_root

PACK_CSS = """
<style>
  body { max-width: 1100px; margin: 0 auto; }
  .sa-nav { font: 14px/1.4 system-ui, sans-serif; padding: 12px 16px; background: #f3f6f9;
            border-bottom: 3px solid #0072B2; display: flex; flex-wrap: wrap; gap: 14px; }
  .sa-nav a { color: #0b4f8a; text-decoration: none; }
  .sa-nav a.current { font-weight: bold; color: #000; }
  .sa-toc { font: 14px/1.5 system-ui, sans-serif; margin: 16px; padding: 8px 16px;
            border-left: 3px solid #E69F00; background: #fffaf0; }
  .sa-toc h2 { font-size: 15px; margin: 4px 0; }
  .sa-footer { font: 12px/1.5 system-ui, sans-serif; color: #444; margin: 32px 16px 16px;
               padding-top: 10px; border-top: 1px solid #ccc; }
  .sa-footer code { font-size: 11px; }
  .jp-OutputArea-output { overflow-x: auto; }
  details.sa-appendix { margin: 12px 0; padding: 6px 12px; border: 1px solid #ccc; background: #fafafa; }
  details.sa-appendix > summary { cursor: pointer; font-weight: bold; }
  .sa-key-note { color: #666; font-size: 85%; }
  .sa-nw { white-space: nowrap; }
</style>
"""

#: How a page prints (or saves to PDF from the browser): navigation and contents hidden, each
#: section on a new page, charts and tables kept whole, appendices opened.
PRINT_CSS = """
<style media="print" id="sa-print">
  @page { size: A4; margin: 15mm; }
  .sa-nav, .sa-toc, .sa-noprint { display: none !important; }
  body { max-width: none; font-size: 11pt; }
  h2 { break-before: page; page-break-before: always; }
  .sa-summary-page h2 { break-before: auto; page-break-before: auto; }
  img, svg, table, figure, .jp-OutputArea-output, .sa-figure { break-inside: avoid; page-break-inside: avoid; }
  tr, th, td { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
</style>
<script>window.addEventListener("beforeprint", () =>
  document.querySelectorAll("details.sa-appendix").forEach(d => { d.open = true; }));</script>
"""


#: Markup and code whose text is left alone by :func:`keep_signs`.
_SKIP = re.compile(r"(<script\b.*?</script>|<style\b.*?</style>|<pre\b.*?</pre>|<code\b.*?</code>"
                   r"|<textarea\b.*?</textarea>|<[^>]*>)", flags=re.S | re.I)
#: A negative number in text: a minus (U+2212) or hyphen-minus not preceded by a letter, digit or
#: sign, then an optional currency sign and the number with its unit.
_SIGNED = re.compile(r"(?<![\w.,\-−/])[−-]([£$€]?\d[\d,]*(?:\.\d+)?(?:bn|[%mk])?)")


def keep_signs(page: str) -> str:
    """``page`` with every negative number in its text kept on one line with its minus sign:
    the sign becomes U+2212 and the number sits in ``<span class="sa-nw">`` (``white-space:
    nowrap``), so a line never breaks between the sign and the number. Tags, scripts, styles
    and code are left alone; ranges such as 2024-25 are not numbers with a sign.

    >>> keep_signs('<td>-£1,234</td><td>2024-25</td><p>off by −4.4%</p>')
    '<td><span class="sa-nw">−£1,234</span></td><td>2024-25</td><p>off by <span class="sa-nw">−4.4%</span></p>'
    """
    parts = _SKIP.split(page)
    for i in range(0, len(parts), 2):  # the text between tags (split keeps tags at odd places)
        parts[i] = _SIGNED.sub(lambda m: f'<span class="sa-nw">−{m.group(1)}</span>', parts[i])
    return "".join(parts)


#: The kinds of output a page may show; any other (script, LaTeX, widgets) is dropped.
SHOWN_MIME_TYPES = frozenset({"text/plain", "text/html", "text/markdown", "image/png",
                              "image/jpeg", "image/svg+xml"})
_LIVE_SVG = re.compile(r"<script|<foreignobject|\son\w+\s*=|javascript:|<iframe|<use\s",
                       flags=re.I)


class InertOutputs(Preprocessor):
    """Every output of a page made inert before it is rendered, whatever the page displayed:
    HTML outputs cleaned by :func:`send_analysis.report.safe.clean_html` (Markdown outputs are
    cleaned after rendering, by :class:`PackExporter`), output kinds outside
    :data:`SHOWN_MIME_TYPES` dropped, and an SVG figure holding script dropped. The pages
    escape user text themselves; this makes a page that forgot harmless, by construction."""

    def preprocess_cell(self, cell, resources, index):  # noqa: D401
        from send_analysis.report.safe import clean_html

        if cell.get("cell_type") != "code":
            return cell, resources
        for out in cell.get("outputs", []):
            data = out.get("data")
            if not data:
                continue
            for mime in [m for m in data if m not in SHOWN_MIME_TYPES]:
                del data[mime]
            if "image/svg+xml" in data and _LIVE_SVG.search(_text(data["image/svg+xml"])):
                del data["image/svg+xml"]
            if "text/html" in data:
                data["text/html"] = clean_html(_text(data["text/html"]))
            if not data:
                data["text/plain"] = ""
        return cell, resources


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


class PackExporter(HTMLExporter):
    """nbconvert's HTML exporter with every Markdown (a page's Markdown output or cell) cleaned
    after rendering: raw HTML or a ``javascript:`` link in it is shown as text, never live."""

    @pass_context
    def markdown2html(self, context, source):
        from send_analysis.report.safe import clean_html

        return clean_html(super().markdown2html(context, source))


class DropStderr(Preprocessor):
    """Remove stderr streams (warnings, progress bars) from outputs: reviewers see results only."""

    def preprocess_cell(self, cell, resources, index):  # noqa: D401
        if cell.get("cell_type") == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        return cell, resources


def git_commit(root: Path | None = None) -> str:
    """Short commit of the project checkout, or 'unknown' outside git."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root or project_root(),
                             capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


#: The pages' parameters in words, for the footer.
PARAM_LABELS: dict[str, str] = {
    "la_code": "LA code", "as_of_year": "latest January census", "processed_dir": "tables",
    "inputs_file": "finance inputs", "casework_dir": "casework", "n_draws": "simulated paths",
    "casework_dayfirst": "casework dates day-first (DD/MM/YYYY)",
}
#: What an unset parameter means.
PARAM_DEFAULTS: dict[str, str] = {
    "inputs_file": "public defaults", "casework_dir": "synthetic, made by the project's generator",
}


#: The registered datasets behind the finance model (beside the SEN2 tables): S251 high-needs
#: spend, the 2021-22 high-needs outturn (unit costs), the DSG allocations, the published
#: DSG balances, the specialist top-ups of the SEND and AP dashboard and the safety valve payments.
FINANCE_DATASETS: dict[str, str] = {
    "s251_highneeds_derived": "S251 high-needs outturn by year",
    "hn_benchmarking_tool": "S251 2021-22 high-needs outturn by line (unit costs)",
    "dsg_allocations": "DSG and High Needs Block allocations",
    "dsg_balances": "published DSG balances at 31 March",
    "send_ap_dashboard": "SEND and AP dashboard: specialist top-ups",
    "safety_valve": "safety valve payments by year",
}
#: Pages (file stems) that use the finance model, and the summary (``index``), whose footers name
#: the finance sources.
FINANCE_PAGES: frozenset[str] = frozenset({
    "index", "03_costs_and_dsg", "04_scenarios", "05_invest_to_save", "08_cohort_model"})
#: Pages that read the inputs file (the LA's own figures), whose footers name it and its sha256.
INPUTS_PAGES: frozenset[str] = frozenset({
    "index", "02_demand_forecast", "03_costs_and_dsg", "04_scenarios", "05_invest_to_save",
    "08_cohort_model"})
#: What each page reads besides the SEN2 tables (and, on :data:`FINANCE_PAGES`, the finance
#: model's files): groups of :func:`source_group`, from a trace of every registered file each page
#: read (Solihull, every national result computed afresh; ``raw_path`` recorded in the kernel).
#: ``"if needed: ..."`` groups are read only for an LA the first choice does not cover.
PAGE_READS: dict[str, tuple[str, ...]] = {
    "00_data_quality": (),
    "01_overview": (),
    "02_demand_forecast": ("population_0_17",),
    "03_costs_and_dsg": ("population_0_17",),
    "04_scenarios": ("population_0_17",),
    "05_invest_to_save": ("population_0_17",),
    "06_benchmarking": ("neighbours_2021", "population_single_year", "population_0_17",
                        "if needed: neighbours_2025", "if needed: lait"),
    "07_claims_check": ("claims_finance",),
    "08_cohort_model": ("population_2023", "population_0_17"),
    "09_statutory_performance": (),
}
PAGE_READS["index"] = tuple(dict.fromkeys(g for reads in PAGE_READS.values() for g in reads))


def finance_files() -> list[str]:
    """The registered files the finance model reads (the readers' own constants): the HNB
    allocations by year and the DSG totals, the published balances (2019-20 to 2021-22 and
    31 March 2024), the 2021-22 high-needs outturn by line, and S251 high-needs spend by year."""
    from send_analysis.finance import outturn, public, published_balances, support

    return [*public.HNB_FILES.values(), public.DSG_TOTALS_FILE, public.DSG_BALANCES_FILE,
            published_balances.BALANCES_2324_FILE, public.HN_OUTTURN_FILE,
            *(outturn.S251_FILE.format(year=y) for y in outturn.S251_YEARS),
            public.SEND_AP_RDATA, support.PAYMENTS_FILE]


def finance_sources() -> list[dict]:
    """The registry entries of :func:`finance_files` (``id``, ``sha256``, ``what``, and
    ``extract_of`` for a third party's extract)."""
    from send_analysis.data.sources import get_source

    out = []
    for sid in finance_files():
        s = get_source(sid)
        out.append({"id": s.id, "sha256": s.sha256, "what": FINANCE_DATASETS[s.dataset],
                    "extract_of": s.extract_of})
    return out


def source_group(name: str) -> list[str]:
    """The registered files (ids) of a group of :data:`PAGE_READS` (the readers' own constants)."""
    from send_analysis.benchmark.similar import LAIT_FILE
    from send_analysis.data import neighbours, population
    from send_analysis.finance import public

    groups = {
        "population_0_17": [population.CSV_0_17],
        "population_single_year": [population.MYE22, population.MYE23],
        "population_2023": [population.MYE23],
        "neighbours_2021": [neighbours.FILES["2021"]],
        "neighbours_2025": [neighbours.FILES["2025"]],
        "lait": [LAIT_FILE],
        "claims_finance": [public.DSG_BALANCES_FILE, public.DSG_TOTALS_FILE, public.SEND_AP_RDATA],
    }
    return groups[name.removeprefix("if needed: ")]


def page_sources(page: str | None) -> list[dict]:
    """The registered files a page reads besides the SEN2 tables and the finance model's files
    (:data:`PAGE_READS`): ``id``, ``sha256``, ``what`` (the publisher), ``extract_of`` and
    ``if_needed`` (read only for an LA the first choice does not cover)."""
    from send_analysis.data.sources import get_source

    stem = None if page is None else Path(page).stem
    shown = set(finance_files()) if stem in FINANCE_PAGES else set()
    out = []
    for group in PAGE_READS.get(stem or "", ()):
        for sid in source_group(group):
            if sid in shown:
                continue
            shown.add(sid)
            s = get_source(sid)
            out.append({"id": s.id, "sha256": s.sha256, "what": s.publisher,
                        "extract_of": s.extract_of, "if_needed": group.startswith("if needed")})
    return out


def inputs_file_line(inputs_file: str | None) -> str:
    """The finance inputs in words for the footer: the file and its sha256, or the public
    defaults."""
    if inputs_file is None:
        return "finance inputs: public defaults (no inputs file)"
    from send_analysis.data.sources import sha256_file

    path = Path(inputs_file)
    if not path.is_absolute():
        path = project_root() / path
    digest = sha256_file(path) if path.is_file() else "file not found"
    return f"finance inputs file {inputs_file} — sha256 {digest}"


def footer_html(manifest: dict, params: dict, run_at: datetime | None = None,
                page: str | None = None) -> str:
    """Provenance footer: every data file the page used with its sha256 (the SEN2 releases of
    the tables; the other files the page reads, :func:`page_sources`; on a finance page, ``page``
    in :data:`FINANCE_PAGES`, the finance sources; on a page that reads the inputs file,
    :data:`INPUTS_PAGES`, the file and its sha256), package version, git commit, parameters,
    date."""
    run_at = run_at or datetime.now(UTC)
    sources = "".join(
        f"<li>{html.escape(s['id'])} — sha256 <code>{s['sha256']}</code></li>"
        for s in manifest.get("sources", []))
    stem = None if page is None else Path(page).stem
    finance = ""
    if stem in FINANCE_PAGES:
        items = "".join(
            f"<li>{html.escape(s['id'])} ({html.escape(s['what'])}"
            + (f"; {html.escape(s['extract_of'])}" if s["extract_of"] else "")
            + f") — sha256 <code>{s['sha256']}</code></li>" for s in finance_sources())
        finance = f"<div><b>Finance data</b>:<ul>{items}</ul></div>"
    others = "".join(
        f"<li>{html.escape(s['id'])} ({html.escape(s['what'])}"
        + (f"; {html.escape(s['extract_of'])}" if s["extract_of"] else "")
        + ("; read only for an LA the files above do not cover" if s["if_needed"] else "")
        + f") — sha256 <code>{s['sha256']}</code></li>" for s in page_sources(page))
    if others:
        finance = f"<div><b>Other data</b>:<ul>{others}</ul></div>" + finance
    if stem in INPUTS_PAGES:
        finance += (f"<div><b>Inputs</b>: {html.escape(inputs_file_line(params.get('inputs_file')))}"
                    "</div>")
    shown = "; ".join(f"{PARAM_LABELS.get(k, k)}: {v}"
                      for k, v in {**PARAM_DEFAULTS, **{k: v for k, v in params.items()
                                                          if v is not None}}.items()
                      if k in params)
    return (
        '<footer class="sa-footer">'
        f"<div><b>Data</b>: DfE Education, health and care plans (SEN2), tables built "
        f"{html.escape(str(manifest.get('built_at', 'unknown')))}<ul>{sources}</ul></div>"
        f"{finance}"
        f"<div><b>Software</b>: send-analysis {__version__}, git commit "
        f"<code>{html.escape(git_commit())}</code></div>"
        f"<div><b>Parameters</b>: {html.escape(shown, quote=False)}</div>"
        f"<div><b>Run</b>: {run_at.strftime('%Y-%m-%d %H:%M UTC')}</div>"
        "</footer>"
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def add_contents(body: str) -> tuple[str, list[tuple[str, str]]]:
    """Give every h2 an id and return (html, [(id, heading text)]) for the contents list."""
    entries: list[tuple[str, str]] = []
    seen: set[str] = set()

    def repl(m: re.Match) -> str:
        attrs, inner = m.group(1), m.group(2)
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).replace("¶", "").strip()
        found = re.search(r'id="([^"]+)"', attrs)
        hid = found.group(1) if found else _slug(text)
        while hid in seen:
            hid += "-x"
        seen.add(hid)
        entries.append((hid, text))
        if found:
            return m.group(0)
        return f'<h2{attrs} id="{hid}">{inner}</h2>'

    out = re.sub(r"<h2([^>]*)>(.*?)</h2>", repl, body, flags=re.S)
    return out, entries


def nav_html(pages: list[tuple[str, str]], current: str | None, index_href: str = "index.html") -> str:
    """Navigation bar: the pack index and every page (file name, title)."""
    links = [f'<a href="{index_href}">Evidence pack index</a>']
    for fname, title in pages:
        cls = ' class="current"' if fname == current else ""
        links.append(f'<a href="{fname}"{cls}>{html.escape(title)}</a>')
    return '<nav class="sa-nav">' + "".join(links) + "</nav>"


def set_title(page: str, title: str) -> str:
    """Give an HTML page its own ``<title>`` (nbconvert writes "Notebook" on every page)."""
    tag = f"<title>{html.escape(title)}</title>"
    if re.search(r"<title>.*?</title>", page, flags=re.S):
        return re.sub(r"<title>.*?</title>", lambda _: tag, page, count=1, flags=re.S)
    return page.replace("</head>", tag + "</head>", 1)


def appendix(title: str, content) -> object:
    """A collapsed appendix section for a page's end: ``content`` (a DataFrame, Styler or HTML
    string) inside ``<details>``, opened when printed. Returns an IPython HTML object."""
    from IPython.display import HTML

    inner = content if isinstance(content, str) else content.to_html()
    return HTML(f'<details class="sa-appendix"><summary>{html.escape(title)}</summary>{inner}</details>')


_local = threading.local()


def _exporter() -> HTMLExporter:
    """The pack's nbconvert exporter (lab template, inputs and prompts hidden, stderr dropped),
    made once per thread: building one compiles its Jinja templates, about 0.1 CPU-second, which
    every page of a batch would otherwise pay again."""
    exporter = getattr(_local, "exporter", None)
    if exporter is None:
        exporter = PackExporter(template_name="lab")
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        exporter.register_preprocessor(DropStderr, enabled=True)
        exporter.register_preprocessor(InertOutputs, enabled=True)
        _local.exporter = exporter
    return exporter


def render_html(nb: nbformat.NotebookNode, pages: list[tuple[str, str]], current: str,
                footer: str, title: str | None = None) -> str:
    """Executed notebook -> reviewer HTML (its own title, inputs hidden, contents list, nav,
    print stylesheet, footer). ``title`` defaults to the page's title in ``pages``."""
    body, _ = _exporter().from_notebook_node(nb)
    body, entries = add_contents(body)
    toc = ""
    if entries:
        items = "".join(f'<li><a href="#{hid}">{html.escape(t)}</a></li>' for hid, t in entries)
        toc = f'<div class="sa-toc"><h2>Contents</h2><ol>{items}</ol></div>'
    body = set_title(body, title or dict(pages).get(current, current))
    first = (f'<style media="print">h2#{entries[0][0]} {{ break-before: auto; '
             'page-break-before: auto; }</style>') if entries else ""  # no blank first page
    body = body.replace("</head>", PACK_CSS + PRINT_CSS + first + "</head>", 1)
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav_html(pages, current) + toc, body,
                  count=1)
    return keep_signs(body.replace("</body>", footer + "</body>", 1))


def notebook_title(path: Path) -> str:
    """The first markdown heading of a notebook (its page title)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, flags=re.M)
            if m:
                return m.group(1).strip()
    return path.stem


def notebook_summary(path: Path) -> str:
    """The first paragraph after the title of a notebook (for the index page)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            paras = [p.strip() for p in cell.source.split("\n\n") if p.strip()]
            if len(paras) > 1:
                return paras[1]
            return ""
    return ""

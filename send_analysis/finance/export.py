"""The DSG management plan workbook (Excel, openpyxl), written atomically.

Laid out like the financial tabs of the DfE DSG management plan template (the exact line names
of the template are not public in a readable form; see
``docs/decisions/0049-sensitivity-and-export.md``):

- ``Summary``: end-of-year positions by financial year (income, expenditure, in-year and
  cumulative balance), unmitigated and mitigated, with the 10th-90th percentile of the
  cumulative balance;
- ``Financial plan``: the High Needs Block income and expenditure lines by financial year,
  unmitigated then mitigated, each row with the source of its figure;
- ``Mitigations``: the workstream log: each scenario's savings, investment, net benefit,
  payback year and NPV;
- ``Placements``: mean placements by setting group and financial year;
- ``Assumptions``: every input (dotted key, value, source) and every scenario lever.

The workbook is saved to a temporary file beside the target and renamed over it only when
complete, so a failed run never leaves a half-written file or replaces a good one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from send_analysis.atomic import atomic_path
from send_analysis.finance.inputs import flatten
from send_analysis.finance.model import DSGProjection
from send_analysis.finance.scenarios import ScenarioResult

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


def line_source(line: str, inputs: Mapping, inputs_file: str) -> str:
    """Where a financial-plan line's figures come from."""
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


def _opening(inputs: Mapping) -> dict:
    ob = inputs["opening_balance"]
    alloc = inputs["income"]["hnb_allocation"].get(ob["financial_year"])
    return {"fy": ob["financial_year"], "cumulative": float(ob["cumulative"]),
            "in_year": ob.get("in_year"), "income": alloc}


def _plan_block(ws, row: int, title: str, p: DSGProjection, inputs: Mapping, inputs_file: str) -> int:
    ws.cell(row=row, column=1, value=title).font = Font(bold=True, size=12)
    row = _header(ws, row + 1, "High Needs Block (£)", p.fys)
    for name, arr in p.income.items():
        row = _write_row(ws, row, p.label_of(name), arr.mean(axis=0), line_source(name, inputs, inputs_file))
    row = _write_row(ws, row, "Total income", p.income_total.mean(axis=0), "sum of the lines above", bold=True)
    for name, arr in p.expenditure.items():
        row = _write_row(ws, row, p.label_of(name), arr.mean(axis=0), line_source(name, inputs, inputs_file))
    row = _write_row(ws, row, "Total expenditure", p.expenditure_total.mean(axis=0),
                     "sum of the lines above", bold=True)
    row = _write_row(ws, row, "In-year balance (income - expenditure)", p.in_year.mean(axis=0),
                     "mean of the draws", bold=True)
    row = _write_row(ws, row, "Cumulative balance at 31 March", p.cumulative.mean(axis=0),
                     f"opening balance {p.opening_fy} ({source_of('opening_balance.cumulative', inputs.get('sources') or {}, inputs_file)}) + in-year balances",
                     bold=True)
    row = _write_row(ws, row, "  cumulative, 10th percentile", np.quantile(p.cumulative, 0.1, axis=0),
                     "demand uncertainty across draws")
    row = _write_row(ws, row, "  cumulative, 90th percentile", np.quantile(p.cumulative, 0.9, axis=0),
                     "demand uncertainty across draws")
    return row + 1


def _summary_sheet(ws, inputs: Mapping, unmitigated: DSGProjection, result: ScenarioResult | None,
                   inputs_file: str) -> None:
    o = _opening(inputs)
    ws.cell(row=1, column=1, value=f"DSG management plan: {inputs.get('la_name', '')} ({inputs.get('la_code', '')})").font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value="Summary of end of year positions, High Needs Block, £ (negative = deficit). "
                                   f"{o['fy']} is the last actual year; later years are forecast (mean of draws).")
    fys = [o["fy"], *unmitigated.fys]
    row = _header(ws, 4, "", fys, last=None)
    blocks: list[tuple[str, DSGProjection]] = [("Unmitigated", unmitigated)]
    if result is not None:
        blocks.append((f"Mitigated ({result.name})", result.mitigated))
    for title, p in blocks:
        ws.cell(row=row, column=1, value=title).font = BOLD
        row += 1
        row = _write_row(ws, row, "Income", [o["income"], *p.income_total.mean(axis=0)])
        row = _write_row(ws, row, "Expenditure", [None, *p.expenditure_total.mean(axis=0)])
        row = _write_row(ws, row, "In-year balance", [o["in_year"], *p.in_year.mean(axis=0)], bold=True)
        row = _write_row(ws, row, "Cumulative balance", [o["cumulative"], *p.cumulative.mean(axis=0)], bold=True)
        row = _write_row(ws, row, "  10th percentile", [None, *np.quantile(p.cumulative, 0.1, axis=0)])
        row = _write_row(ws, row, "  90th percentile", [None, *np.quantile(p.cumulative, 0.9, axis=0)])
        row += 1
    ws.cell(row=row, column=1, value=f"Inputs: {inputs_file}. Draws: {len(unmitigated.draws)}.")


def _mitigation_sheet(ws, results: Sequence[ScenarioResult]) -> None:
    row = 1
    ws.cell(row=row, column=1, value="Mitigation workstreams (mean of draws, £)").font = Font(bold=True, size=12)
    row += 2
    for r in results:
        ws.cell(row=row, column=1, value=r.name).font = BOLD
        ws.cell(row=row, column=3, value=f"payback: {r.payback_text()}; "
                                         f"NPV at {r.discount_rate:.1%}: £{r.npv():,.0f}")
        row = _header(ws, row + 1, "", r.fys, last=None)
        t = r.table()
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


def _assumptions_sheet(ws, inputs: Mapping, inputs_file: str, results: Sequence[ScenarioResult]) -> None:
    for j, text in enumerate(["Key", "Value", "Source"]):
        c = ws.cell(row=1, column=1 + j, value=text)
        c.font = BOLD
        c.fill = HEADER_FILL
    row = 2
    sources = inputs.get("sources") or {}
    for key, value in flatten({k: v for k, v in inputs.items() if k != "sources"}).items():
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=value if isinstance(value, int | float | str) else repr(value))
        ws.cell(row=row, column=3, value=source_of(key, sources, inputs_file))
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
                    ws.cell(row=row, column=2, value=value if isinstance(value, int | float | str) else repr(value))
                    ws.cell(row=row, column=3, value=lever.get("source") or s.source or s.file)
                    row += 1
    ws.cell(row=row + 1, column=1, value="Financial years run April-March; placements by January census "
                                          "year become financial years as 5/12 x January Y + 7/12 x January Y+1 "
                                          "(docs/decisions/0045).")


def build_workbook(inputs: Mapping, unmitigated: DSGProjection, results: Sequence[ScenarioResult] = (),
                   inputs_file: str = "inputs") -> Workbook:
    """The workbook in memory. ``results[-1]`` (if any) is the mitigated line shown in the plan:
    pass the combination of all scenarios last."""
    combined = results[-1] if results else None
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    _summary_sheet(ws, inputs, unmitigated, combined, inputs_file)
    plan = wb.create_sheet("Financial plan")
    row = _plan_block(plan, 1, "Unmitigated", unmitigated, inputs, inputs_file)
    if combined is not None:
        _plan_block(plan, row + 1, f"Mitigated ({combined.name})", combined.mitigated, inputs, inputs_file)
    if results:
        _mitigation_sheet(wb.create_sheet("Mitigations"), results)
    _placements_sheet(wb.create_sheet("Placements"), unmitigated, combined)
    _assumptions_sheet(wb.create_sheet("Assumptions"), inputs, inputs_file, results)
    for sheet in wb.worksheets:
        sheet.column_dimensions["A"].width = 48
        for j in range(2, 12):
            sheet.column_dimensions[get_column_letter(j)].width = 14
    return text_not_formulas(wb)


def write_atomic(wb: Workbook, path: str | Path) -> Path:
    """Save ``wb`` to ``path`` through a temporary file in the same folder, then rename."""
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def write_dsg_plan(path: str | Path, inputs: Mapping, unmitigated: DSGProjection,
                   results: Sequence[ScenarioResult] = (), inputs_file: str = "inputs") -> Path:
    """Build the DSG management plan workbook and write it atomically to ``path``."""
    return write_atomic(build_workbook(inputs, unmitigated, results, inputs_file), path)

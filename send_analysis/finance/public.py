"""Readers for the public High Needs finance data: allocations, DSG totals and balances, outturn.

Every reader returns a tidy DataFrame keyed by ``la_code`` (3-digit DfE code, ``str``) and
``financial_year`` (April-March, ``"2021-22"``), with money in **pounds** (the files in £ million
are converted), validated with pandera. A problem in a file raises
:class:`~send_analysis.errors.DataError` naming the file, the sheet and the row or column.

Files are read through :func:`send_analysis.paths.raw_path` (staged by ``send-analysis data
fetch``); see each dataset's ``PROVENANCE.md`` for what the figures are. Slow reads are cached
in memory (``functools.lru_cache``) and as Parquet under ``data/processed/finance/`` keyed by
the source files' sha256 (the R workspace and every spreadsheet: each evidence-pack page runs in
its own kernel).

| reader | source file(s) | years |
| --- | --- | --- |
| :func:`read_hnb_allocations` | ``dsg_allocations/dedicated-schools-grant_20*.ods`` | 2020-21 to 2023-24 |
| :func:`read_dsg_totals` | ``dsg_allocations/DSG_by_year_dr.xlsx`` | 2019-20 to 2023-24 |
| :func:`read_dsg_balances` | ``dsg_balances/dsg_deficit_derived.xlsx`` | 2019-20 to 2021-22 |
| :func:`dsg_cumulative_balance_gbp` | the two above | 2019-20 to 2021-22 |
| :func:`read_hn_outturn_2021_22` | ``hn_benchmarking_tool/Outturn data 202122.xlsx`` | 2021-22 |
| :func:`read_specialist_topups` | ``send_ap_dashboard/prepared_data.Rdata`` | 2018-19 to 2021-22 |
| :func:`read_lait_sen_unit_costs` | ``lait/bds_long_0.parquet`` (``SENFinance``) | 2016-17 to 2024-25 |
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from functools import lru_cache

import pandas as pd
import pandera.pandas as pa

from send_analysis.data.cache import parquet_cached
from send_analysis.errors import DataError
from send_analysis.paths import raw_path

#: The ESFA DSG allocation workbooks, one per financial year (``dsg_allocations/PROVENANCE.md``).
HNB_FILES: dict[str, str] = {
    "2020-21": "dsg_allocations/dedicated-schools-grant_2021_11_18.ods",
    "2021-22": "dsg_allocations/dedicated-schools-grant_2022_07_18.ods",
    "2022-23": "dsg_allocations/dedicated-schools-grant_2023_07_20.ods",
    "2023-24": "dsg_allocations/dedicated-schools-grant_2024_07_20.ods",
}
DSG_TOTALS_FILE = "dsg_allocations/DSG_by_year_dr.xlsx"
DSG_BALANCES_FILE = "dsg_balances/dsg_deficit_derived.xlsx"
HN_OUTTURN_FILE = "hn_benchmarking_tool/Outturn data 202122.xlsx"
SEND_AP_RDATA = "send_ap_dashboard/prepared_data.Rdata"
LAIT_FILE = "lait/bds_long_0.parquet"

#: Bumped when a cached reader's output changes, so that old Parquet caches are not reused.
CACHE_VERSION = "1"

_LA_CODE = r"^\d{3}$"
_FY = r"^\d{4}-\d{2}$"


# --------------------------------------------------------------------------------------------
# helpers


def fy_from_period(period: object) -> str:
    """``202021`` (DfE ``time_period``) -> ``"2020-21"``; DataError for anything else."""
    text = str(period).strip()
    if not re.fullmatch(r"\d{6}", text) or (int(text[:4]) + 1) % 100 != int(text[4:]):
        raise DataError(f"time period {period!r} is not like 202021", expected="YYYYYY")
    return f"{text[:4]}-{text[4:]}"


def la_code_of(cell: object) -> str | None:
    """The 3-digit LA code held in a cell (``334``, ``334.0``, ``' 334'``), else None."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    return text if re.fullmatch(r"\d{3}", text) else None


def _validate(df: pd.DataFrame, schema: pa.DataFrameSchema, file: str) -> pd.DataFrame:
    """Validate with pandera; re-raise the first failure as a DataError naming the file."""
    try:
        return schema.validate(df, lazy=False)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors) as exc:
        raise DataError(f"failed schema {schema.name!r}: {exc}", file=file) from exc


def _schema(name: str, value_cols: dict[str, pa.Column], keys: tuple[str, ...]) -> pa.DataFrameSchema:
    cols = {
        "la_code": pa.Column(str, pa.Check.str_matches(_LA_CODE)),
        "financial_year": pa.Column(str, pa.Check.str_matches(_FY)),
        **value_cols,
    }
    return pa.DataFrameSchema(cols, name=name, unique=list(keys), strict=False, coerce=False)


def _header_text(sheet: pd.DataFrame, col: int, rows: int) -> str:
    """The header cells of one column (first ``rows`` rows) joined, whitespace collapsed."""
    parts = [str(v) for v in sheet.iloc[:rows, col].tolist() if pd.notna(v) and str(v).strip()]
    return re.sub(r"\s+", " ", " | ".join(parts))


def _find_column(sheet: pd.DataFrame, pattern: str, file: str, sheet_name: str,
                 rows: int = 6) -> int:
    """Index of the one column whose header matches ``pattern`` (regex, case-insensitive)."""
    hits = [c for c in range(sheet.shape[1])
            if re.search(pattern, _header_text(sheet, c, rows), flags=re.I)]
    if len(hits) != 1:
        raise DataError(f"sheet {sheet_name!r}: {len(hits)} columns match {pattern!r}",
                        file=file, expected="exactly one such column in the header rows")
    return hits[0]


def _money(value: object, file: str, sheet: str, row: int, column: str) -> float:
    """A cell as float pounds; DataError naming the cell for text or blanks."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise DataError(f"sheet {sheet!r}: {value!r} is not a number", file=file,
                        row=row + 1, column=column) from None
    if pd.isna(out):
        raise DataError(f"sheet {sheet!r}: blank amount", file=file, row=row + 1, column=column)
    return out


def _disk_cached(name: str, sources: list[str], build: Callable[[], pd.DataFrame]
                 ) -> pd.DataFrame:
    """``build()``'s frame via the Parquet cache under ``data/processed/finance/``
    (:func:`send_analysis.data.cache.parquet_cached`, versioned by :data:`CACHE_VERSION`)."""
    return parquet_cached("finance", name, sources, build, CACHE_VERSION)


# --------------------------------------------------------------------------------------------
# High Needs Block allocations (ESFA ODS workbooks)


@lru_cache(maxsize=8)
def _read_ods(source_id: str) -> dict[str, pd.DataFrame]:
    """All sheets of an ESFA workbook, raw (``header=None``); one read per session."""
    path = raw_path(source_id)
    try:
        return pd.read_excel(path, sheet_name=None, engine="odf", header=None, dtype=object)
    except Exception as exc:  # odfpy raises a variety of parse errors
        raise DataError(f"cannot read workbook: {exc}", file=source_id) from exc


def _sheet(book: dict[str, pd.DataFrame], name: str, file: str) -> pd.DataFrame:
    if name not in book:
        raise DataError(f"no sheet {name!r} (sheets: {', '.join(book)})", file=file)
    return book[name]


def _hnb_one_year(fy: str, source_id: str) -> pd.DataFrame:
    """One workbook: HNB before deductions, ESFA deductions and after deductions by LA."""
    book = _read_ods(source_id)
    summ = _sheet(book, "Allocations_summary", source_id)
    c_before = _find_column(summ, r"(?:^|\| )High needs block \(£s\)", source_id, "Allocations_summary")
    c_after = _find_column(summ, r"High needs block allocation \(£s\)", source_id,
                           "Allocations_summary")
    hnb = _sheet(book, "High_needs_block", source_id)
    c_total = _find_column(hnb, r"Total high needs block before deductions", source_id,
                           "High_needs_block")
    ded = _sheet(book, "High_needs_deductions", source_id)
    c_ded = _find_column(ded, r"Total deduction to high needs block", source_id,
                         "High_needs_deductions")

    def by_code(sheet: pd.DataFrame, col: int, name: str) -> dict[str, tuple[int, float, str]]:
        out: dict[str, tuple[int, float, str]] = {}
        for i in range(sheet.shape[0]):
            code = la_code_of(sheet.iat[i, 0])
            if code is None:
                continue
            if code in out:
                raise DataError(f"sheet {name!r}: LA code {code} appears twice", file=source_id,
                                row=i + 1)
            out[code] = (i, _money(sheet.iat[i, col], source_id, name, i, str(col)),
                         str(sheet.iat[i, 1]).strip())
        return out

    before = by_code(summ, c_before, "Allocations_summary")
    after = by_code(summ, c_after, "Allocations_summary")
    total = by_code(hnb, c_total, "High_needs_block")
    deduct = by_code(ded, c_ded, "High_needs_deductions")
    rows = []
    for code, (i, amount, name) in before.items():
        for other, sheet_name in ((total, "High_needs_block"), (deduct, "High_needs_deductions")):
            if code not in other:
                raise DataError(f"LA {code} is in Allocations_summary but not in {sheet_name}",
                                file=source_id)
        if abs(total[code][1] - amount) > 1:
            raise DataError(f"sheet 'High_needs_block': LA {code} total {total[code][1]:,.0f} "
                            f"differs from Allocations_summary {amount:,.0f}", file=source_id,
                            row=total[code][0] + 1)
        if abs(amount - deduct[code][1] - after[code][1]) > 1:
            raise DataError(f"sheet 'Allocations_summary': LA {code} HNB after deductions "
                            f"{after[code][1]:,.0f} is not before ({amount:,.0f}) minus "
                            f"deductions ({deduct[code][1]:,.0f})", file=source_id, row=i + 1)
        rows.append({"la_code": code, "la_name": name, "financial_year": fy,
                     "hnb_before_deductions": amount, "hnb_deductions": deduct[code][1],
                     "hnb_after_deductions": after[code][1], "source": source_id})
    return pd.DataFrame(rows)


HNB_SCHEMA = _schema(
    "hnb_allocations",
    {
        "hnb_before_deductions": pa.Column(float, pa.Check.gt(0)),
        "hnb_deductions": pa.Column(float, pa.Check.ge(0)),
        "hnb_after_deductions": pa.Column(float, pa.Check.gt(0)),
    },
    ("la_code", "financial_year"),
)


@lru_cache(maxsize=1)
def _hnb_cached() -> pd.DataFrame:
    def build() -> pd.DataFrame:
        frames = [_hnb_one_year(fy, sid) for fy, sid in HNB_FILES.items()]
        df = pd.concat(frames, ignore_index=True)
        return _validate(df, HNB_SCHEMA, "dsg_allocations/dedicated-schools-grant_*.ods")

    return _disk_cached("hnb_allocations", list(HNB_FILES.values()), build)


def read_hnb_allocations() -> pd.DataFrame:
    """High Needs Block allocations by LA, 2020-21 to 2023-24, in £.

    Columns: ``la_code, la_name, financial_year, hnb_before_deductions`` (the ESFA "Total high
    needs block before deductions", equal to the summary sheet's column [C]),
    ``hnb_deductions`` (places ESFA funds directly: academy/free-school SEN, AP and FE places,
    hospital academies), ``hnb_after_deductions`` (summary column [H]: what the LA receives and
    accounts for in its S251 return), ``source``. Each year's file is checked: the summary and
    the derivation sheet agree, and after = before - deductions (to £1).
    """
    return _hnb_cached().copy()


def hnb_england_totals() -> pd.Series:
    """The ENGLAND row of each workbook's ``High_needs_block`` sheet (before deductions), £."""
    out = {}
    for fy, sid in HNB_FILES.items():
        sheet = _sheet(_read_ods(sid), "High_needs_block", sid)
        col = _find_column(sheet, r"Total high needs block before deductions", sid,
                           "High_needs_block")
        rows = [i for i in range(sheet.shape[0]) if str(sheet.iat[i, 0]).strip() == "ENGLAND"]
        if len(rows) != 1:
            raise DataError("sheet 'High_needs_block': expected one ENGLAND row", file=sid)
        out[fy] = _money(sheet.iat[rows[0], col], sid, "High_needs_block", rows[0], str(col))
    return pd.Series(out, name="hnb_before_deductions")


# --------------------------------------------------------------------------------------------
# total DSG allocations and the DSG balance


DSG_TOTALS_SCHEMA = _schema(
    "dsg_totals",
    {"dsg_total": pa.Column(float, pa.Check.gt(0)), "la_name": pa.Column(str)},
    ("la_code", "financial_year"),
)


@lru_cache(maxsize=1)
def _dsg_totals_cached() -> pd.DataFrame:
    return _disk_cached("dsg_totals", [DSG_TOTALS_FILE], _build_dsg_totals)


def _build_dsg_totals() -> pd.DataFrame:
    path = raw_path(DSG_TOTALS_FILE)
    book = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
    rows = []
    for sheet_name, sheet in book.items():
        m = re.fullmatch(r"dsg_budget_(\d{2}|\d{4})(?:_(\d{2})_(\d{2}))?", sheet_name)
        if not m:
            raise DataError(f"unexpected sheet {sheet_name!r}", file=DSG_TOTALS_FILE,
                            expected="dsg_budget_<year>_<MM>_<DD>")
        header = [str(v).strip() for v in sheet.iloc[0]]
        if header[:4] != ["la_code", "la_name", "Total DSG allocation (£s)", "time_period"]:
            raise DataError(f"sheet {sheet_name!r}: header {header[:4]}", file=DSG_TOTALS_FILE,
                            row=1, expected="la_code, la_name, Total DSG allocation (£s), "
                                            "time_period")
        published = f"20{m.group(1)[-2:]}-{m.group(2)}-{m.group(3)}" if m.group(2) else None
        for i in range(1, sheet.shape[0]):
            code = la_code_of(sheet.iat[i, 0])
            if code is None:
                continue
            rows.append({
                "la_code": code,
                "la_name": str(sheet.iat[i, 1]).strip(),
                "financial_year": fy_from_period(sheet.iat[i, 3]),
                "dsg_total": _money(sheet.iat[i, 2], DSG_TOTALS_FILE, sheet_name, i, "C"),
                "published": published,
            })
    return _validate(pd.DataFrame(rows), DSG_TOTALS_SCHEMA, DSG_TOTALS_FILE)


def read_dsg_totals() -> pd.DataFrame:
    """Total DSG allocation (all four blocks, before recoupment) by LA, 2019-20 to 2023-24, £.

    Columns ``la_code, la_name, financial_year, dsg_total, published`` (the March publication
    date the DfE dashboard took, e.g. ``2021-03-16``; None for 2019-20). This is the
    denominator DfE used for the DSG balance percentages of :func:`read_dsg_balances`.
    """
    return _dsg_totals_cached().copy()


def _name_lookup() -> pd.DataFrame:
    """``la_code, la_name`` pairs in every spelling the DSG totals workbook uses."""
    return read_dsg_totals()[["la_code", "la_name"]].drop_duplicates().reset_index(drop=True)


def code_for_la_name(name: str) -> str:
    """3-digit code for an LA name (project-wide spelling rules of ``data.geography``).

    The lookup is the DSG totals workbook, which carries both the code and the DfE name, so
    the finance readers do not depend on the processed tidy tables.
    """
    from send_analysis.data.geography import code_for_name

    return code_for_name(name, lookup=_name_lookup())


BALANCE_SCHEMA = _schema(
    "dsg_balances",
    {
        "deficit_pct": pa.Column(float, pa.Check.in_range(-100, 100)),
        "balance_pct": pa.Column(float, pa.Check.in_range(-100, 100)),
    },
    ("la_code", "financial_year"),
)


@lru_cache(maxsize=1)
def _dsg_balances_cached() -> pd.DataFrame:
    return _disk_cached("dsg_balances", [DSG_BALANCES_FILE], _build_dsg_balances)


def _build_dsg_balances() -> pd.DataFrame:
    path = raw_path(DSG_BALANCES_FILE)
    raw = pd.read_excel(path, sheet_name="Sheet 1")
    need = ["time_period", "geographic_level", "la_name", "deficit",
            "DSG cumulative balance as a % of the total income", "financial_year"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(f"sheet 'Sheet 1': missing columns {missing}", file=DSG_BALANCES_FILE)
    la = raw[raw["geographic_level"] == "Local authority"]
    rows = []
    for i, r in la.iterrows():
        try:
            code = code_for_la_name(r["la_name"])
        except DataError as exc:
            raise DataError(f"sheet 'Sheet 1': {exc}", file=DSG_BALANCES_FILE,
                            row=int(i) + 2) from None
        fy = fy_from_period(r["time_period"])
        if fy != r["financial_year"]:
            raise DataError(f"time_period {r['time_period']} disagrees with financial_year "
                            f"{r['financial_year']}", file=DSG_BALANCES_FILE, row=int(i) + 2)
        deficit = float(r["deficit"])
        if abs(deficit + float(r["DSG cumulative balance as a % of the total income"])) > 1e-9:
            raise DataError("deficit is not minus the balance %", file=DSG_BALANCES_FILE,
                            row=int(i) + 2)
        rows.append({"la_code": code, "la_name": str(r["la_name"]), "financial_year": fy,
                     "deficit_pct": deficit, "balance_pct": -deficit})
    return _validate(pd.DataFrame(rows), BALANCE_SCHEMA, DSG_BALANCES_FILE)


def read_dsg_balances() -> pd.DataFrame:
    """Cumulative DSG balance at 31 March as % of total DSG, by LA, 2019-20 to 2021-22.

    Columns ``la_code, la_name, financial_year, deficit_pct`` (the file's ``deficit``:
    **> 0 is a deficit**; S251 line 1.9.3 / total DSG x 100, rounded to 2 dp) and
    ``balance_pct = -deficit_pct`` (the sign convention of ``docs/finance_inputs.md``:
    negative = deficit). The file has names only; codes come from :func:`code_for_la_name`.
    """
    return _dsg_balances_cached().copy()


def dsg_cumulative_balance_gbp() -> pd.DataFrame:
    """Approximate cumulative DSG balance in £: ``balance_pct / 100 x dsg_total``.

    Columns ``la_code, la_name, financial_year, balance_pct, dsg_total, balance_gbp``
    (negative = deficit), ``rounding_gbp`` (the most the 2-dp rounding of the percentage can
    move ``balance_gbp``: 0.005% of the DSG) and ``approximate`` (always True: the % was
    rounded and the DSG total is the March publication DfE used, not the final allocation).
    """
    bal = read_dsg_balances()
    tot = read_dsg_totals()[["la_code", "financial_year", "dsg_total"]]
    df = bal.merge(tot, on=["la_code", "financial_year"], how="left", validate="1:1")
    lost = df[df["dsg_total"].isna()]
    if not lost.empty:
        r = lost.iloc[0]
        raise DataError(f"no total DSG for LA {r['la_code']} in {r['financial_year']}",
                        file=DSG_TOTALS_FILE)
    df["balance_gbp"] = df["balance_pct"] / 100 * df["dsg_total"]
    df["rounding_gbp"] = 0.005 / 100 * df["dsg_total"]
    df["approximate"] = True
    return df[["la_code", "la_name", "financial_year", "balance_pct", "dsg_total", "balance_gbp",
               "rounding_gbp", "approximate"]]


# --------------------------------------------------------------------------------------------
# 2021-22 high needs outturn, budget and placements (High Needs Benchmarking Tool extract)

#: Column index -> (measure, line) for ``Outturn data 202122.xlsx`` (its PROVENANCE layout),
#: with a fragment of the header each column must carry (checked on read).
_PLACEMENTS = {
    6: ("ehcp_total", "with SEN statement or EHCP"),
    7: ("ehcp_mainstream", "Mainstream schools or academies"),
    8: ("ehcp_resourced_unit", "Resourced provision or SEN units"),
    9: ("ehcp_special_state", "Maintained special schools or special academies"),
    10: ("ehcp_special_indep_nm", "NMSS or independent schools"),
    11: ("ehcp_hospital_ap", "Hospital schools or alternative provision"),
    12: ("ehcp_post16", "Post 16"),
    13: ("ehcp_other", "Other"),
}
_S251_LINES = [
    ("place_funding", "Place funding"),
    ("place_funding_early_years", "Early Years"),
    ("place_funding_primary", "Primary"),
    ("place_funding_secondary", "Secondary"),
    ("place_funding_special", "Special schools and academies"),
    ("place_funding_ap_pru", "PRUs and AP academies"),
    ("place_funding_post_school", "Post School"),
    ("topup_state", "Top up funding"),
    ("topup_state_early_years", "Early Years"),
    ("topup_state_primary", "Primary"),
    ("topup_state_secondary", "Secondary"),
    ("topup_state_special", "Special schools and academies"),
    ("topup_state_ap_pru", "PRUs and AP academies"),
    ("topup_state_post_school", "Post School"),
    ("topup_state_income", "Income"),
    ("topup_indep_nm", "Top up funding"),
    ("topup_indep_nm_early_years", "Early Years"),
    ("topup_indep_nm_primary", "Primary"),
    ("topup_indep_nm_secondary", "Secondary"),
    ("topup_indep_nm_special", "Special schools and academies"),
    ("topup_indep_nm_ap_pru", "PRUs and AP academies"),
    ("topup_indep_nm_post_school", "Post School"),
    ("topup_indep_nm_income", "Income"),
    ("sen_support_services", "SEN support"),
    ("alternative_provision_services", "Alternative"),
    ("hospital_education", "Hospital"),
    ("therapies", "Therapies"),
]
_BUDGET_START = 15   # column P
_OUTTURN_START = 60  # column BI
_HN_FIRST_DATA_ROW = 7

#: Outturn/budget line -> S251 line label (for ``sources``).
S251_LINE_LABELS: dict[str, str] = {
    "place_funding": "1.2.1 place funding",
    "topup_state": "1.2.2-1.2.3 top-up funding, maintained schools, academies, free schools, colleges",
    "topup_indep_nm": "1.2.4 top-up funding, non-maintained and independent providers",
    "sen_support_services": "1.2.5 SEN support and inclusion services",
    "hospital_education": "1.2.6 hospital education services",
    "alternative_provision_services": "1.2.7 alternative provision services",
    "therapies": "1.2.9 therapies and other health related services",
}


def _excel_col(i: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 60 -> BI)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _hn_layout() -> dict[int, tuple[str, str, str]]:
    """``{column index: (measure, line, header fragment)}`` of the outturn workbook."""
    cols: dict[int, tuple[str, str, str]] = {4: ("population", "population_2_18",
                                                 "2-18 Population")}
    for c, (line, frag) in _PLACEMENTS.items():
        cols[c] = ("sen2_placements", line, frag)
    for start, measure in ((_BUDGET_START, "s251_budget"), (_OUTTURN_START, "s251_outturn")):
        for k, (line, frag) in enumerate(_S251_LINES):
            cols[start + k] = (measure, line, frag)
    return cols


def hn_column_letter(measure: str, line: str) -> str:
    """Excel column of a measure's line in ``Outturn data 202122.xlsx`` (for ``sources``)."""
    for c, (m, ln, _) in _hn_layout().items():
        if m == measure and ln == line:
            return _excel_col(c)
    raise KeyError(f"{measure}/{line}")


def _hn_columns(raw: pd.DataFrame) -> dict[int, tuple[str, str]]:
    """Check the header of every column used and return ``{col: (measure, line)}``."""
    layout = _hn_layout()
    for c, (_, _, frag) in layout.items():
        text = _header_text(raw, c, _HN_FIRST_DATA_ROW)
        if frag.lower() not in text.lower():
            raise DataError(f"sheet 'Sheet1': header {text!r}", file=HN_OUTTURN_FILE,
                            column=_excel_col(c), expected=f"a heading containing {frag!r}")
    for c, label in ((_BUDGET_START, "Section 251 budget"),
                     (_OUTTURN_START, "Section 251 outturn")):
        if label not in _header_text(raw, c, _HN_FIRST_DATA_ROW):
            raise DataError("sheet 'Sheet1': block heading not found", file=HN_OUTTURN_FILE,
                            column=_excel_col(c), expected=label)
    return {c: (m, ln) for c, (m, ln, _) in layout.items()}


HN_SCHEMA = pa.DataFrameSchema(
    {
        "la_code": pa.Column(str, pa.Check.str_matches(_LA_CODE)),
        "financial_year": pa.Column(str, pa.Check.eq("2021-22")),
        "measure": pa.Column(str, pa.Check.isin(
            ["s251_outturn", "s251_budget", "sen2_placements", "population"])),
        "line": pa.Column(str),
        "amount": pa.Column(float, nullable=True),
        "flag": pa.Column(str, nullable=True),
    },
    name="hn_outturn_2021_22",
    unique=["la_code", "measure", "line"],
    checks=[pa.Check(lambda d: d["amount"].notna() | d["flag"].notna(),
                     error="a blank amount must carry a flag")],
)


@lru_cache(maxsize=1)
def _hn_cached() -> pd.DataFrame:
    return _disk_cached("hn_outturn", [HN_OUTTURN_FILE], _build_hn)


def _build_hn() -> pd.DataFrame:
    raw = pd.read_excel(raw_path(HN_OUTTURN_FILE), sheet_name="Sheet1", header=None,
                        dtype=object)
    cols = _hn_columns(raw)
    rows = []
    for i in range(_HN_FIRST_DATA_ROW, raw.shape[0]):
        code = la_code_of(raw.iat[i, 2])
        if code is None:
            continue
        for c, (measure, line) in cols.items():
            cell = raw.iat[i, c]
            flag = None
            if isinstance(cell, str):
                if cell.strip().lower() != "not applicable":
                    raise DataError(f"sheet 'Sheet1': unexpected text {cell!r}",
                                    file=HN_OUTTURN_FILE, row=i + 1, column=_excel_col(c),
                                    expected="a number, blank or 'not applicable'")
                amount, flag = float("nan"), "z"
            elif cell is None or pd.isna(cell):
                amount, flag = float("nan"), "blank"
            else:
                amount = float(cell)
            rows.append({"la_code": code, "la_name": str(raw.iat[i, 3]).strip(),
                         "region": str(raw.iat[i, 1]).strip().title(),
                         "financial_year": "2021-22", "measure": measure, "line": line,
                         "amount": amount, "flag": flag})
    df = pd.DataFrame(rows)
    return _validate(df, HN_SCHEMA, HN_OUTTURN_FILE)


def read_hn_outturn_2021_22() -> pd.DataFrame:
    """S251 high-needs outturn and budget lines, 2021-22, and EHCP placements, long format.

    Columns ``la_code, la_name, region, financial_year ("2021-22"), measure, line, amount,
    flag``. ``measure`` is ``s251_outturn`` or ``s251_budget`` (``amount`` in £: the file's
    raw totals, not per head; ``topup_*`` totals are the phase lines minus ``*_income``),
    ``sen2_placements`` (EHC plans at the **January 2021** census, by placement: ``ehcp_total``,
    ``ehcp_mainstream``, ``ehcp_resourced_unit``, ``ehcp_special_state``,
    ``ehcp_special_indep_nm``, ``ehcp_hospital_ap``, ``ehcp_post16``, ``ehcp_other``) or
    ``population`` (ONS 2-18 population, mid-2021). ``amount`` is NaN where the cell is blank
    (``flag`` ``blank``) or says "not applicable" (``flag`` ``z``): these are not zeros.
    """
    return _hn_cached().copy()


def hn_lines_wide(measure: str = "s251_outturn") -> pd.DataFrame:
    """One measure of :func:`read_hn_outturn_2021_22` as a table: one row per LA, one column
    per line, plus ``la_name`` and ``region``."""
    df = read_hn_outturn_2021_22()
    df = df[df["measure"] == measure]
    if df.empty:
        raise DataError(f"no rows for measure {measure!r}", file=HN_OUTTURN_FILE)
    wide = df.pivot(index="la_code", columns="line", values="amount")
    names = df.drop_duplicates("la_code").set_index("la_code")[["la_name", "region"]]
    return names.join(wide)


# --------------------------------------------------------------------------------------------
# specialist top-ups 2018-19 to 2021-22 (SEND-AP dashboard R workspace)

SECTORS = {"State": "state", "Independent or non-maintained": "indep_nm", "Total": "total"}

TOPUP_SCHEMA = _schema(
    "specialist_topups",
    {
        "sector": pa.Column(str, pa.Check.isin(list(SECTORS.values()))),
        "spend": pa.Column(float, pa.Check.ge(0)),
        "population_2_18": pa.Column(float, pa.Check.gt(0), nullable=True),
    },
    ("la_code", "financial_year", "sector"),
)


def _read_rdata_object(source_id: str, name: str) -> pd.DataFrame:
    """One data.frame from an R workspace.

    The workspace is parsed whole (slow: about 40 s for the dashboard's 2 MB file), but only
    the named object is converted to pandas.
    """
    import rdata
    from rdata.parser import RObjectType

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tibble classes are converted as data.frames
        try:
            parsed = rdata.parser.parse_file(raw_path(source_id))
        except Exception as exc:
            raise DataError(f"cannot read R workspace: {exc}", file=source_id) from exc
        node, target = parsed.object, None
        while node is not None and node.info.type == RObjectType.LIST:
            if node.tag is not None and node.tag.value.value == name.encode():
                target = node.value[0]
                break
            node = node.value[1] if len(node.value) > 1 else None
        if target is None:
            raise DataError(f"no object {name!r} in the workspace", file=source_id)
        return pd.DataFrame(rdata.conversion.SimpleConverter().convert(target))


#: Authorities abolished before 2019-20, so absent from the DSG totals workbook's names.
PREDECESSOR_NAMES: dict[str, str] = {"Bournemouth": "837", "Poole": "836"}

#: Authorities created by reorganisation -> first financial year they existed.
CREATED: dict[str, str] = {"838": "2019-20", "839": "2019-20", "940": "2021-22",
                           "941": "2021-22", "942": "2023-24", "943": "2023-24"}


def _topup_code(name: str) -> str:
    return PREDECESSOR_NAMES.get(name) or code_for_la_name(name)


@lru_cache(maxsize=1)
def _topups_cached() -> pd.DataFrame:
    return _disk_cached("specialist_topups", [SEND_AP_RDATA, DSG_TOTALS_FILE], _build_topups)


def _build_topups() -> pd.DataFrame:
    raw = _read_rdata_object(SEND_AP_RDATA, "specialist_spend")
    need = ["la_name", "category", "year", "pop_est", "total_spend"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(f"object 'specialist_spend': missing columns {missing}",
                        file=SEND_AP_RDATA)
    raw = raw.reset_index(drop=True)
    unknown = sorted(set(raw["category"]) - set(SECTORS))
    if unknown:
        raise DataError(f"object 'specialist_spend': unknown category {unknown[0]!r}",
                        file=SEND_AP_RDATA, column="category", expected=", ".join(SECTORS))
    codes = {n: _topup_code(n) for n in raw["la_name"].unique()}
    df = pd.DataFrame({
        "la_code": raw["la_name"].map(codes).astype(str),
        "la_name": raw["la_name"].astype(str),
        "financial_year": raw["year"].astype(str),
        "sector": raw["category"].map(SECTORS).astype(str),
        "spend": raw["total_spend"].astype(float),
        "population_2_18": raw["pop_est"].astype(float),
    })
    df = _drop_no_return(df)
    return _validate(df.reset_index(drop=True), TOPUP_SCHEMA, SEND_AP_RDATA)


def _drop_no_return(df: pd.DataFrame) -> pd.DataFrame:
    """Drop LA-years that carry no return in DfE's table (``docs/assumptions/finance_data.md``).

    - NA spend (Northamptonshire's successors before 2021-22, Dorset from 2019-20);
    - a **zero total** (Bournemouth and Poole after abolition; BCP before 2020-21): no LA
      spends nothing on special school and AP top-ups, so a zero total is a missing return;
    - years before an authority existed (``CREATED``: the "Dorset" 2018-19 row, £0.47m, cannot
      be the new Dorset council's spend).
    """
    total = df[df["sector"] == "total"].set_index(["la_code", "financial_year"])["spend"]
    bad = set(total[total.isna() | (total == 0)].index)
    keep = ~pd.Series([(c, y) in bad for c, y in zip(df["la_code"], df["financial_year"],
                                                      strict=True)], index=df.index)
    keep &= df["spend"].notna()
    created = df["la_code"].map(CREATED)
    keep &= created.isna() | (df["financial_year"] >= created.fillna(""))
    return df[keep]


def read_specialist_topups() -> pd.DataFrame:
    """S251 outturn top-up spend on special schools and AP/PRUs by sector, 2018-19 to 2021-22.

    Columns ``la_code, la_name, financial_year, sector`` (``state``: maintained schools,
    academies, free schools and colleges; ``indep_nm``: independent and non-maintained
    providers; ``total``), ``spend`` (£, the "special schools and academies" plus "PRUs and AP
    academies" top-up lines; post-school and mainstream top-ups are **not** included) and
    ``population_2_18``. LA-years with no figure in the source are absent. Derived by DfE from
    the High Needs Benchmarking Tool (see ``send_ap_dashboard/PROVENANCE.md``).
    """
    return _topups_cached().copy()


# --------------------------------------------------------------------------------------------
# LAIT SEN weekly unit costs (context only)

LAIT_SCHEMA = _schema(
    "lait_sen_unit_costs",
    {"weekly_cost": pa.Column(float, pa.Check.ge(0), nullable=True)},
    ("la_code", "financial_year"),
)


@lru_cache(maxsize=1)
def _lait_cached() -> pd.DataFrame:
    raw = pd.read_parquet(raw_path(LAIT_FILE))
    need = ["Short Desc", "Years", "LA and Regions", "Values", "LA Number", "Region"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(f"missing columns {missing}", file=LAIT_FILE)
    s = raw[raw["Short Desc"] == "SENFinance"]
    # LA rows have a region; England (970) and the regions have "NA" or blank there
    s = s[s["Region"].notna() & (s["Region"].astype(str) != "NA")]
    years = s["Years"].astype(str).str.extract(r"^(\d{4}-\d{2})")[0]
    if years.isna().any():
        bad = s["Years"][years.isna()].iloc[0]
        raise DataError(f"measure SENFinance: year {bad!r}", file=LAIT_FILE, column="Years",
                        expected="like '2021-22 (OT)'")
    df = pd.DataFrame({
        "la_code": s["LA Number"].map(lambda v: f"{int(v):03d}").astype(str),
        "la_name": s["LA and Regions"].astype(str),
        "financial_year": years.astype(str),
        "weekly_cost": pd.to_numeric(s["Values"], errors="coerce").astype(float),
    }).reset_index(drop=True)
    return _validate(df, LAIT_SCHEMA, LAIT_FILE)


def read_lait_sen_unit_costs() -> pd.DataFrame:
    """LAIT ``SENFinance``: S251 SEN *services* spend per child with an EHCP, £ a week.

    Columns ``la_code, la_name, financial_year, weekly_cost`` (NaN where LAIT shows ``-``).
    The numerator is SEN support services, SEN transport, direct payments and SEN
    administration; the denominator is EHC plans at January. It is **not** a placement unit
    cost and is used only as context (``docs/assumptions/finance_data.md``).
    """
    return _lait_cached().copy()

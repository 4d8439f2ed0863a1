"""Where the DSG management plan workbook's contents go in the DfE template: one place to adjust.

The template itself (a macro-enabled workbook) is not in the data mirror; its layout is known
from ``shared/reference/dsg-management-plan-template.md``. What that digest evidences is written
here exactly (tab names, section headings, children and young people row labels, s251 line
names). What it marks as unknown (the financial grid's exact rows, cell addresses, the workstream
log's columns) is written here as our best layout and flagged ``UNKNOWN``: an LA holding the real
workbook changes the constants below, and the export follows (``send_analysis.finance.export``).
"""

from __future__ import annotations

#: Template version whose layout this follows (MastodonC's labels are from v5; DfE's v10 is the
#: current one).
TEMPLATE_VERSION = "v10 layout as far as public sources show (CYP labels from v5)"

#: Tabs in the template's order (guidance v2 contents, sections 4-10).
TAB_COVER = "Cover"
TAB_INTRODUCTION = "Management plan introduction"
TAB_NARRATIVE = "Summary narrative"  # template: "Summary: financial/children and young people narrative"
TAB_FINANCIAL = "Financial summary"
TAB_CYP = "Children and young people"  # template: "Children and young people summary"
TAB_GOVERNANCE = "Governance and management"
TAB_STAKEHOLDERS = "Stakeholder engagement"  # template: "Stakeholder engagement, co-production and consultation"
#: Excel sheet names are at most 31 characters and may not contain ":", so the narrative, CYP and
#: stakeholder tabs carry their full template heading in cell A1 instead. UNKNOWN: the real
#: workbook's sheet names.
TAB_HEADINGS: dict[str, str] = {
    TAB_COVER: "Cover",
    TAB_INTRODUCTION: "Management plan introduction",
    TAB_NARRATIVE: "Summary: financial/children and young people narrative",
    TAB_FINANCIAL: "Financial summary",
    TAB_CYP: "Children and young people summary",
    TAB_GOVERNANCE: "Governance and management",
    TAB_STAKEHOLDERS: "Stakeholder engagement, co-production and consultation",
}
TEMPLATE_TABS: list[str] = list(TAB_HEADINGS)

#: Sub-sections (guidance headings).
NARRATIVE_SECTIONS = ["Financial plan narrative", "High needs trends", "Outcomes"]
FINANCIAL_SECTIONS = ["Summary of end of year positions", "Financial plan per funding block"]
CYP_SECTIONS = ["Data tables", "Graphs"]
GOVERNANCE_SECTIONS = ["Sign off and review of the management plan", "Workstream log"]
STAKEHOLDER_GROUPS = ["Schools forum", "Education institutions", "Parents and carers",
                      "Children and young people", "Elected members (councillors, mayors)",
                      "Health partners"]

#: The four notional DSG blocks; the model covers the High needs block only.
BLOCKS = ["Schools block", "Central school services block", "High needs block",
          "Early years block"]
MODELLED_BLOCK = "High needs block"

# ------------------------------------------------------------------ children and young people

#: The seven placement sections, in order: setting group -> the section heading in the workbook.
#: (Our setting groups are the template's sections; Mainstream - independent stays with
#: mainstream, as in ``send_analysis.data.taxonomy``, where FBIT counts it as independent.)
PLACEMENT_SECTIONS: dict[str, str] = {
    "mainstream": "Mainstream schools or academies placements",
    "resourced_unit": "Resourced provision or SEN Units placements",
    "special_state": "Maintained special schools or special academies placements",
    "special_indep_nm": "Non-maintained special schools or independent (NMSS or independent) placements",
    "ap_pru": "Hospital schools or alternative provision (AP) placements",
    "post16": "Post 16 and further education (FE) placements",
    "other": "Other placements or direct payments",
}
AGE_TABLE_TITLE = "Number of EHCPs by age group"
NEED_TABLE_TITLE = "Number of EHCPs by primary need"
AGE_TOTAL_LABEL = "Total number by Age Group"
NEED_TOTAL_LABEL = "Total number of EHCPs by primary need"
#: Age band -> row label.
AGE_ROWS: dict[str, str] = {
    "under_5": "Under 5",
    "5_10": "Age 5 to 10",
    "11_15": "Age 11 to 15",
    "16_19": "Age 16 to 19",
    "20_25": "Age 20 to 25",
}
#: Sections whose age table has fewer rows (the template's Post 16 and FE section: 16-19, 20-25).
SECTION_AGE_BANDS: dict[str, list[str]] = {"post16": ["16_19", "20_25"]}
#: Where plans in a section at an age the section has no row for are counted instead (a few
#: under-16s are in FE colleges). UNKNOWN: the template's own rule.
UNLISTED_AGE_SECTION = "other"
#: Primary need code -> row label, in the template's order (labels exact, including "Multi-
#: Sensory" with its space).
NEED_ROWS: dict[str, str] = {
    "ASD": "Autistic Spectrum Disorder",
    "HI": "Hearing Impairment",
    "MLD": "Moderate Learning Difficulty",
    "MSI": "Multi- Sensory Impairment",
    "PD": "Physical Disability",
    "PMLD": "Profound & Multiple Learning Difficulty",
    "SEMH": "Social, Emotional and Mental Health",
    "SLCN": "Speech, Language and Communications needs",
    "SLD": "Severe Learning Difficulty",
    "SPLD": "Specific Learning Difficulty",
    "VI": "Visual Impairment",
    "OTH": "Other Difficulty/Disability",
    "NSA": "SEN support but no specialist assessment of type of need",
}
#: Years of history the template shows: a rolling window of outturn years ending with the base
#: year, and the Januaries that pair with them (v10, March 2025: s251 2021-22 to 2023-24, SEN2
#: January 2022 to 2024; the digest's "three years is likely"). UNKNOWN: the window's length.
HISTORY_YEARS = 3

# ------------------------------------------------------------------------------- financial

#: s251 high-needs lines (2023-24 labels, as DfE's FBIT uses them).
S251_LINES: dict[str, str] = {
    "1.0.2": "High needs place funding within Individual Schools Budget",
    "1.2.1": "Top-up funding – maintained schools",
    "1.2.2": "Top-up funding – academies, free schools and colleges",
    "1.2.3": "Top-up and other funding – non-maintained and independent providers",
    "1.2.4": "Additional high needs targeted funding for mainstream schools and academies",
    "1.2.5": "SEN support service",
    "1.2.6": "Hospital education services",
    "1.2.7": "Other alternative provision services",
    "1.2.8": "Support for inclusion",
    "1.2.9": "Special schools and PRUs in financial difficulty",
    "1.2.10": "PFI/ BSF costs at special schools, AP/ PRUs and Post 16 institutions only",
    "1.2.11": "Direct payments (SEN and disability)",
    "1.2.13": "Therapies and other health related services",
}
#: Projection expenditure line -> s251 line(s) it corresponds to (shown beside the line). The
#: model costs placements by setting group (place + top-up together), so a group line spans
#: several s251 lines. UNKNOWN: the template's own expenditure rows; a line not listed here is
#: shown under the projection's own label.
S251_OF_LINE: dict[str, list[str]] = {
    "placements.mainstream": ["1.0.2", "1.2.1", "1.2.2", "1.2.4"],
    "placements.resourced_unit": ["1.0.2", "1.2.1", "1.2.2"],
    "placements.special_state": ["1.0.2", "1.2.1", "1.2.2"],
    "placements.special_indep_nm": ["1.2.3"],
    "placements.ap_pru": ["1.0.2", "1.2.1", "1.2.2"],
    "placements.post16": ["1.0.2", "1.2.2", "1.2.3"],
    "placements.other": ["1.2.3", "1.2.11"],
    "other.sen_support_services": ["1.2.5"],
    "other.hospital_education": ["1.2.6"],
    "other.alternative_provision_services": ["1.2.7"],
    "other.therapies": ["1.2.13"],
    "other.ap_pru_places_topups": ["1.0.2", "1.2.1", "1.2.2"],
}
#: Income lines that are block movements (transfers between DSG blocks), shown in their own
#: group of rows. UNKNOWN: the template's rows for them.
BLOCK_MOVEMENT_LINES: set[str] = {"block_transfers"}
#: Rows of the per-block plan (UNKNOWN: the real grid). Each scenario (unmitigated, mitigated)
#: gets this block of rows under its own heading.
ROW_INCOME_TOTAL = "Total income"
ROW_MOVEMENTS_TOTAL = "Total block movements"
ROW_EXPENDITURE_TOTAL = "Total expenditure"
ROW_IN_YEAR = "In-year surplus/(deficit)"
ROW_BROUGHT_FORWARD = "Cumulative balance brought forward"
ROW_CARRIED_FORWARD = "Cumulative balance carried forward"
SCENARIO_UNMITIGATED = "Unmitigated"
SCENARIO_MITIGATED = "Mitigated"

# ------------------------------------------------------------------------------- governance

#: Workstream log columns. UNKNOWN: the template's headers (the digest's provisional schema).
WORKSTREAM_COLUMNS = ["Workstream ID", "Title", "Description", "Lead/owner", "Start", "End",
                      "Status", "Block or budget line affected",
                      "Estimated saving by financial year (£, mean)", "Progress notes",
                      "Source"]
SIGN_OFF_FIELDS = ["Body", "Date", "Notes"]

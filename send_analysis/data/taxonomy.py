"""One setting taxonomy for both SEN2 releases, and the setting groups used for forecasts and costs.

The 2022 release (aggregate SEN2, January 2010-2022) is long by ``establishment_type``; the 2025
release (person-level SEN2, January 2019-2025) is wide by setting column. Both map onto the
fourteen settings below; ``docs/tables.md`` shows the mapping as a table and
``docs/decisions/0001-setting-taxonomy.md`` records why.
"""

from __future__ import annotations

#: The fourteen settings, in display order.
SETTINGS: list[str] = [
    "mainstream",
    "mainstream_rp_unit",
    "special_la_maintained",
    "special_academy_free",
    "special_independent",
    "special_non_maintained",
    "ap_pru",
    "fe_sixth_form",
    "specialist_post16",
    "early_years",
    "educated_elsewhere",
    "neet",
    "other",
    "not_recorded",
]

SETTING_LABELS: dict[str, str] = {
    "mainstream": "Mainstream school",
    "mainstream_rp_unit": "Mainstream resourced provision / SEN unit",
    "special_la_maintained": "LA-maintained special",
    "special_academy_free": "Academy / free special",
    "special_independent": "Independent special",
    "special_non_maintained": "Non-maintained special",
    "ap_pru": "Alternative provision / PRU",
    "fe_sixth_form": "FE and sixth form",
    "specialist_post16": "Specialist post-16 institution",
    "early_years": "Early years (non-maintained)",
    "educated_elsewhere": "Home education, other arrangements, awaiting provision",
    "neet": "NEET",
    "other": "Other (hospital, work-based, other)",
    "not_recorded": "Not recorded",
    "total": "All settings",
}

#: 2022 release: (establishment_group, establishment_type) leaf -> setting. Group "Total" rows and
#: the "Awaiting provision - total" row are aggregates and are not mapped (they would double count).
ESTAB_2022: dict[tuple[str, str], str] = {
    ("Mainstream school", "Mainstream - LA maintained"): "mainstream",
    ("Mainstream school", "Mainstream - Academy"): "mainstream",
    ("Mainstream school", "Mainstream - Free school"): "mainstream",
    ("Mainstream school", "Mainstream - Independent"): "mainstream",
    ("Mainstream school", "Mainstream - LA maintained - Resourced provision"): "mainstream_rp_unit",
    ("Mainstream school", "Mainstream - LA maintained - SEN unit"): "mainstream_rp_unit",
    ("Mainstream school", "Mainstream - Academy - Resourced Provision"): "mainstream_rp_unit",
    ("Mainstream school", "Mainstream - Academy - SEN unit"): "mainstream_rp_unit",
    ("Mainstream school", "Mainstream - Free school - Resourced provision"): "mainstream_rp_unit",
    ("Mainstream school", "Mainstream - Free school - SEN unit"): "mainstream_rp_unit",
    ("Special school", "Special - LA maintained"): "special_la_maintained",
    ("Special school", "Special - Academy"): "special_academy_free",
    ("Special school", "Special - Free school"): "special_academy_free",
    ("Special school", "Special - Academy/free"): "special_academy_free",
    ("Special school", "Special - Independent"): "special_independent",
    ("Special school", "Special - Non-maintained"): "special_non_maintained",
    ("Special school", "Hospital School"): "special_la_maintained",
    ("Alternative provision/Pupil referral unit", "AP/PRU - Academy"): "ap_pru",
    ("Alternative provision/Pupil referral unit", "AP/PRU - Free school"): "ap_pru",
    ("Alternative provision/Pupil referral unit", "AP/PRU - LA maintained"): "ap_pru",
    ("Further education", "General FE and tertiary colleges/HE"): "fe_sixth_form",
    ("Further education", "Sixth form college"): "fe_sixth_form",
    ("Further education", "Other FE"): "fe_sixth_form",
    ("Further education", "Specialist post-16 institutions"): "specialist_post16",
    ("Further education", "Independent specialist providers"): "specialist_post16",
    ("Non-maintained early years", "Non-maintained early years"): "early_years",
    ("Educated elsewhere", "Elective home education"): "educated_elsewhere",
    ("Educated elsewhere", "Other arrangements by local authority"): "educated_elsewhere",
    ("Educated elsewhere", "Other arrangements by parents"): "educated_elsewhere",
    ("Educated elsewhere", "Permanently excluded"): "educated_elsewhere",
    ("Educated elsewhere", "Awaiting provision - above compulsory school age and in education"): "educated_elsewhere",
    ("Educated elsewhere", "Awaiting provision - above compulsory school age and not in education"): "educated_elsewhere",
    ("Educated elsewhere", "Awaiting provision - below compulsory school age and in education"): "educated_elsewhere",
    ("Educated elsewhere", "Awaiting provision - below compulsory school age and not in education"): "educated_elsewhere",
    ("Educated elsewhere", "Awaiting provision - compulsory school age and in education"): "educated_elsewhere",
    ("Educated elsewhere", "Awaiting provision - compulsory school age and not in education"): "educated_elsewhere",
    ("NEET", "NEET"): "neet",
    ("Other", "Other"): "other",
    ("Unknown", "Apprenticeship"): "other",
    ("Unknown", "Traineeship"): "other",
    ("Unknown", "Supported Internship"): "other",
    ("Unknown", "Work-based learning"): "other",
}

#: 2022 release rows that are aggregates of leaves (skipped when mapping).
ESTAB_2022_AGGREGATES: set[tuple[str, str]] = {
    ("Educated elsewhere", "Awaiting provision - total"),
}

#: 2025 release wide columns -> setting. Totals and percentage columns are not mapped.
COLUMNS_2025: dict[str, str] = {
    "mainstream_la_maintained": "mainstream",
    "mainstream_academy": "mainstream",
    "mainstream_free_school": "mainstream",
    "mainstream_independent": "mainstream",
    "mainstream_la_maintained_resourced_provision": "mainstream_rp_unit",
    "mainstream_la_maintained_senunit": "mainstream_rp_unit",
    "mainstream_academy_resourced_provision": "mainstream_rp_unit",
    "mainstream_academy_senunit": "mainstream_rp_unit",
    "mainstream_free_school_resourced_provision": "mainstream_rp_unit",
    "mainstream_free_school_senunit": "mainstream_rp_unit",
    "special_la_maintained": "special_la_maintained",
    "special_academy_free": "special_academy_free",
    "special_independent": "special_independent",
    "special_non_maintained": "special_non_maintained",
    "ap_pru_academy": "ap_pru",
    "ap_pru_free_school": "ap_pru",
    "ap_pru_la_maintained": "ap_pru",
    "general_fe_tertiary_colleges": "fe_sixth_form",
    "ukrlp_provider": "fe_sixth_form",
    "specialist_post_16_institutions": "specialist_post16",
    "nm_early_years": "early_years",
    "elective_home_education": "educated_elsewhere",
    "other_arrangements_la": "educated_elsewhere",
    "other_arrangements_parents": "educated_elsewhere",
    "online_provider": "educated_elsewhere",
    "await_prov_2022": "educated_elsewhere",
    "perm_ex_2022": "educated_elsewhere",
    "neet": "neet",
    "neet_ntci": "neet",
    "neet_other": "neet",
    "neet_other_csa": "neet",
    "other_schools": "other",
    "other_placement_settings": "other",
    "w_settings": "other",
    "placement_unknown": "not_recorded",
}

#: Setting groups (the DSG plan's placement categories); they partition SETTINGS.
SETTING_GROUPS: dict[str, list[str]] = {
    "mainstream": ["mainstream"],
    "resourced_unit": ["mainstream_rp_unit"],
    "special_state": ["special_la_maintained", "special_academy_free"],
    "special_indep_nm": ["special_independent", "special_non_maintained"],
    "ap_pru": ["ap_pru"],
    "post16": ["fe_sixth_form", "specialist_post16"],
    "other": ["early_years", "educated_elsewhere", "neet", "other", "not_recorded"],
}

GROUP_LABELS: dict[str, str] = {
    "mainstream": "Mainstream",
    "resourced_unit": "Resourced provision / SEN unit",
    "special_state": "Maintained and academy special",
    "special_indep_nm": "Independent and non-maintained special",
    "ap_pru": "Alternative provision / PRU",
    "post16": "FE and specialist post-16",
    "other": "Other, elsewhere, NEET, early years",
}

#: setting -> group.
GROUP_OF: dict[str, str] = {s: g for g, members in SETTING_GROUPS.items() for s in members}

#: Age bands of the caseload tables, with the single ages (at 31 August) each covers.
AGE_BANDS: dict[str, tuple[int, int]] = {
    "under_5": (0, 4),
    "5_10": (5, 10),
    "11_15": (11, 15),
    "16_19": (16, 19),
    "20_25": (20, 25),
}

#: Age bands in words, for reviewers.
AGE_BAND_LABELS: dict[str, str] = {
    "under_5": "Under 5",
    "5_10": "Age 5 to 10",
    "11_15": "Age 11 to 15",
    "16_19": "Age 16 to 19",
    "20_25": "Age 20 to 25",
    "total": "All ages",
}

AGE_2022: dict[str, str] = {
    "Total": "total",
    "Under 5": "under_5",
    "Age 5 to 10": "5_10",
    "Age 11 to 15": "11_15",
    "Age 16 to 19": "16_19",
    "Age 20 to 25": "20_25",
}


def age_band_of(age: int) -> str:
    """The band holding a single year of age (0-25)."""
    for band, (lo, hi) in AGE_BANDS.items():
        if lo <= age <= hi:
            return band
    raise ValueError(f"age {age} is outside 0-25")


def map_settings_to_groups(settings: list[str] | set[str]) -> dict[str, str]:
    """Map settings to groups, raising a ValueError naming any unknown setting."""
    unknown = sorted(set(settings) - set(GROUP_OF))
    if unknown:
        raise ValueError(f"unknown setting(s) {unknown}; known: {SETTINGS}")
    return {s: GROUP_OF[s] for s in settings}

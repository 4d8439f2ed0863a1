"""National shapes used to give synthetic casework a realistic structure.

Counts for England from the DfE release "Education, health and care plans" (reporting year 2025,
`education-health-and-care-plans_2025.zip`, Open Government Licence v3.0), copied here once so the
generator needs no data files. ``tests/test_casework_national.py`` re-derives every table from the
mirror (marked ``realdata``) so a transcription error fails a test.

Ages are as published (age at 31 August before the January census; ``2`` holds "under 3" /
"2 and under", ``20`` in the flow tables holds "20 and over"). Settings follow the taxonomy in
``docs/tables.md``, except that ``neet`` here also holds the release's other "not in education or
training" columns (``neet_ntci``, ``neet_other``, ``neet_other_csa``).
"""

from __future__ import annotations

#: National EHC plans at January 2025 by age (rows) and setting, from caseload.csv
PLANS_BY_AGE_SETTING_2025: dict[str, dict[int, int]] = {
    'mainstream': {2: 86, 3: 1168, 4: 14414, 5: 19914, 6: 19729, 7: 19938, 8: 20974, 9: 22239, 10: 24714, 11: 22110, 12: 21447, 13: 20412, 14: 19454, 15: 18407, 16: 4400, 17: 2704, 18: 970, 19: 327, 20: 151, 21: 78, 22: 50, 23: 18, 24: 6, 25: 2},
    'mainstream_rp_unit': {2: 2, 3: 36, 4: 1322, 5: 2025, 6: 2106, 7: 2389, 8: 2407, 9: 2375, 10: 2179, 11: 1823, 12: 1951, 13: 1864, 14: 1846, 15: 1655, 16: 280, 17: 179, 18: 65, 19: 11, 20: 5, 21: 2, 22: 2, 23: 0, 24: 0, 25: 0},
    'special_la_maintained': {2: 29, 3: 174, 4: 2801, 5: 4336, 6: 4672, 7: 5451, 8: 5662, 9: 5853, 10: 5835, 11: 8179, 12: 8213, 13: 8191, 14: 8051, 15: 7413, 16: 4308, 17: 3607, 18: 2487, 19: 344, 20: 136, 21: 72, 22: 56, 23: 29, 24: 18, 25: 3},
    'special_academy_free': {2: 13, 3: 100, 4: 1587, 5: 2674, 6: 3207, 7: 3770, 8: 4260, 9: 4361, 10: 4575, 11: 7864, 12: 8249, 13: 8258, 14: 7912, 15: 7234, 16: 3957, 17: 3231, 18: 2100, 19: 370, 20: 108, 21: 60, 22: 30, 23: 3, 24: 8, 25: 1},
    'special_independent': {2: 10, 3: 16, 4: 135, 5: 384, 6: 552, 7: 850, 8: 1151, 9: 1360, 10: 1650, 11: 3195, 12: 3628, 13: 4248, 14: 4519, 15: 4086, 16: 1731, 17: 1089, 18: 582, 19: 229, 20: 100, 21: 66, 22: 27, 23: 20, 24: 17, 25: 2},
    'special_non_maintained': {2: 0, 3: 8, 4: 45, 5: 103, 6: 130, 7: 146, 8: 160, 9: 202, 10: 230, 11: 412, 12: 433, 13: 456, 14: 458, 15: 465, 16: 343, 17: 302, 18: 259, 19: 102, 20: 54, 21: 34, 22: 25, 23: 10, 24: 4, 25: 0},
    'ap_pru': {2: 4, 3: 19, 4: 8, 5: 43, 6: 101, 7: 162, 8: 196, 9: 240, 10: 282, 11: 250, 12: 375, 13: 563, 14: 932, 15: 1165, 16: 261, 17: 131, 18: 71, 19: 27, 20: 13, 21: 9, 22: 1, 23: 5, 24: 0, 25: 0},
    'fe_sixth_form': {2: 0, 3: 4, 4: 6, 5: 4, 6: 4, 7: 6, 8: 10, 9: 11, 10: 17, 11: 17, 12: 24, 13: 39, 14: 102, 15: 164, 16: 17708, 17: 16535, 18: 13364, 19: 10949, 20: 7847, 21: 5113, 22: 3267, 23: 2029, 24: 1089, 25: 174},
    'specialist_post16': {2: 0, 3: 0, 4: 0, 5: 1, 6: 3, 7: 3, 8: 3, 9: 1, 10: 2, 11: 5, 12: 5, 13: 7, 14: 9, 15: 16, 16: 1032, 17: 1161, 18: 1231, 19: 2007, 20: 1571, 21: 1289, 22: 683, 23: 405, 24: 217, 25: 24},
    'early_years': {2: 289, 3: 2464, 4: 1331, 5: 210, 6: 71, 7: 22, 8: 22, 9: 35, 10: 25, 11: 10, 12: 6, 13: 4, 14: 8, 15: 7, 16: 5, 17: 3, 18: 4, 19: 4, 20: 4, 21: 0, 22: 0, 23: 0, 24: 0, 25: 0},
    'educated_elsewhere': {2: 19, 3: 67, 4: 151, 5: 320, 6: 404, 7: 449, 8: 565, 9: 662, 10: 792, 11: 1164, 12: 1378, 13: 1663, 14: 1990, 15: 2415, 16: 2090, 17: 1845, 18: 1242, 19: 863, 20: 620, 21: 429, 22: 302, 23: 236, 24: 134, 25: 14},
    'neet': {2: 35, 3: 105, 4: 182, 5: 152, 6: 137, 7: 135, 8: 143, 9: 162, 10: 163, 11: 259, 12: 281, 13: 349, 14: 452, 15: 481, 16: 2703, 17: 3703, 18: 4208, 19: 3881, 20: 2814, 21: 1971, 22: 1377, 23: 961, 24: 562, 25: 98},
    'other': {2: 32, 3: 52, 4: 64, 5: 53, 6: 47, 7: 47, 8: 52, 9: 67, 10: 78, 11: 121, 12: 130, 13: 175, 14: 226, 15: 248, 16: 653, 17: 638, 18: 573, 19: 493, 20: 339, 21: 213, 22: 139, 23: 119, 24: 52, 25: 11},
    'not_recorded': {2: 14, 3: 89, 4: 471, 5: 628, 6: 704, 7: 714, 8: 807, 9: 813, 10: 863, 11: 1366, 12: 1052, 13: 1130, 14: 1166, 15: 1130, 16: 2534, 17: 1356, 18: 1442, 19: 1208, 20: 733, 21: 469, 22: 299, 23: 195, 24: 114, 25: 42},
}
#: National EHC plans at January 2025 by primary need and age, from sen_needs_all_plans.csv
PLANS_BY_NEED_AGE_2025: dict[str, dict[int, int]] = {
    'ASD': {2: 31, 3: 911, 4: 6857, 5: 10320, 6: 10571, 7: 10864, 8: 12094, 9: 12735, 10: 13579, 11: 15122, 12: 15003, 13: 14737, 14: 14590, 15: 13677, 16: 12767, 17: 11037, 18: 8692, 19: 6273, 20: 4437, 21: 2982, 22: 1882, 23: 1219, 24: 700, 25: 103},
    'SEMH': {2: 4, 3: 48, 4: 581, 5: 1532, 6: 3016, 7: 4679, 8: 5757, 9: 6799, 10: 8179, 11: 10159, 12: 10725, 13: 12367, 14: 13303, 15: 13251, 16: 12432, 17: 10509, 18: 7585, 19: 4856, 20: 2932, 21: 1768, 22: 913, 23: 518, 24: 260, 25: 44},
    'SLCN': {2: 152, 3: 2013, 4: 11163, 5: 14271, 6: 12895, 7: 11968, 8: 10631, 9: 9543, 10: 8745, 11: 8596, 12: 7729, 13: 6966, 14: 6180, 15: 5507, 16: 4912, 17: 4118, 18: 3244, 19: 2500, 20: 1764, 21: 1232, 22: 844, 23: 554, 24: 258, 25: 51},
    'MLD': {2: 26, 3: 202, 4: 884, 5: 1148, 6: 1471, 7: 2027, 8: 2825, 9: 3661, 10: 4569, 11: 5585, 12: 6085, 13: 5899, 14: 5701, 15: 5343, 16: 4937, 17: 4422, 18: 3741, 19: 3068, 20: 2299, 21: 1567, 22: 1140, 23: 719, 24: 467, 25: 75},
    'SLD': {2: 11, 3: 145, 4: 525, 5: 680, 6: 815, 7: 965, 8: 1148, 9: 1327, 10: 1477, 11: 1649, 12: 1791, 13: 1792, 14: 1931, 15: 1889, 16: 1877, 17: 1709, 18: 1596, 19: 1321, 20: 1045, 21: 827, 22: 545, 23: 370, 24: 216, 25: 30},
    'PMLD': {2: 73, 3: 200, 4: 414, 5: 439, 6: 458, 7: 518, 8: 470, 9: 486, 10: 528, 11: 510, 12: 583, 13: 559, 14: 517, 15: 487, 16: 489, 17: 491, 18: 433, 19: 282, 20: 240, 21: 186, 22: 91, 23: 68, 24: 45, 25: 10},
    'SPLD': {2: 5, 3: 47, 4: 134, 5: 165, 6: 213, 7: 334, 8: 477, 9: 682, 10: 1116, 11: 1497, 12: 1515, 13: 1484, 14: 1383, 15: 1175, 16: 1047, 17: 946, 18: 720, 19: 506, 20: 343, 21: 240, 22: 168, 23: 116, 24: 49, 25: 12},
    'HI': {2: 22, 3: 95, 4: 281, 5: 372, 6: 354, 7: 456, 8: 477, 9: 524, 10: 517, 11: 595, 12: 669, 13: 594, 14: 571, 15: 606, 16: 609, 17: 554, 18: 437, 19: 350, 20: 260, 21: 182, 22: 111, 23: 83, 24: 34, 25: 12},
    'VI': {2: 23, 3: 67, 4: 141, 5: 152, 6: 209, 7: 242, 8: 290, 9: 284, 10: 335, 11: 381, 12: 366, 13: 358, 14: 382, 15: 366, 16: 387, 17: 354, 18: 324, 19: 221, 20: 129, 21: 119, 22: 66, 23: 45, 24: 31, 25: 8},
    'MSI': {2: 8, 3: 34, 4: 70, 5: 94, 6: 107, 7: 107, 8: 130, 9: 109, 10: 109, 11: 122, 12: 106, 13: 115, 14: 100, 15: 103, 16: 80, 17: 83, 18: 70, 19: 53, 20: 24, 21: 24, 22: 19, 23: 12, 24: 13, 25: 0},
    'PD': {2: 147, 3: 372, 4: 853, 5: 1047, 6: 1169, 7: 1275, 8: 1427, 9: 1412, 10: 1443, 11: 1609, 12: 1672, 13: 1573, 14: 1619, 15: 1667, 16: 1675, 17: 1623, 18: 1271, 19: 1036, 20: 775, 21: 515, 22: 352, 23: 234, 24: 107, 25: 24},
    'OTH': {2: 20, 3: 81, 4: 220, 5: 323, 6: 320, 7: 384, 8: 412, 9: 525, 10: 517, 11: 601, 12: 605, 13: 576, 14: 552, 15: 525, 16: 507, 17: 383, 18: 316, 19: 216, 20: 165, 21: 98, 22: 71, 23: 66, 24: 28, 25: 1},
}
#: National EHC plans at January 2025 by setting and primary need, from sen_needs_all_plans.csv
PLANS_BY_SETTING_NEED_2025: dict[str, dict[str, int]] = {
    'mainstream': {'ASD': 71463, 'SEMH': 51331, 'SLCN': 72923, 'MLD': 25418, 'SLD': 3178, 'PMLD': 670, 'SPLD': 7187, 'HI': 3328, 'VI': 2500, 'MSI': 595, 'PD': 9458, 'OTH': 3277},
    'mainstream_rp_unit': {'ASD': 9879, 'SEMH': 2213, 'SLCN': 7343, 'MLD': 1666, 'SLD': 414, 'PMLD': 84, 'SPLD': 406, 'HI': 1223, 'VI': 244, 'MSI': 67, 'PD': 704, 'OTH': 153},
    'special_la_maintained': {'ASD': 31081, 'SEMH': 7734, 'SLCN': 16144, 'MLD': 9662, 'SLD': 9436, 'PMLD': 3593, 'SPLD': 883, 'HI': 1013, 'VI': 543, 'MSI': 371, 'PD': 4126, 'OTH': 1038},
    'special_academy_free': {'ASD': 26918, 'SEMH': 11775, 'SLCN': 13325, 'MLD': 7838, 'SLD': 5207, 'PMLD': 2321, 'SPLD': 1011, 'HI': 463, 'VI': 411, 'MSI': 265, 'PD': 3045, 'OTH': 934},
    'special_independent': {'ASD': 11254, 'SEMH': 10927, 'SLCN': 3409, 'MLD': 1713, 'SLD': 623, 'PMLD': 133, 'SPLD': 744, 'HI': 81, 'VI': 49, 'MSI': 36, 'PD': 288, 'OTH': 247},
    'special_non_maintained': {'ASD': 1494, 'SEMH': 515, 'SLCN': 660, 'MLD': 273, 'SLD': 231, 'PMLD': 208, 'SPLD': 42, 'HI': 361, 'VI': 102, 'MSI': 32, 'PD': 395, 'OTH': 56},
    'ap_pru': {'ASD': 896, 'SEMH': 3059, 'SLCN': 432, 'MLD': 184, 'SLD': 37, 'PMLD': 19, 'SPLD': 62, 'HI': 26, 'VI': 5, 'MSI': 5, 'PD': 40, 'OTH': 42},
    'fe_sixth_form': {'ASD': 23218, 'SEMH': 19372, 'SLCN': 10556, 'MLD': 12367, 'SLD': 3185, 'PMLD': 430, 'SPLD': 2317, 'HI': 1390, 'VI': 698, 'MSI': 144, 'PD': 3474, 'OTH': 841},
    'specialist_post16': {'ASD': 3438, 'SEMH': 1363, 'SLCN': 971, 'MLD': 1229, 'SLD': 1098, 'PMLD': 333, 'SPLD': 166, 'HI': 102, 'VI': 191, 'MSI': 34, 'PD': 598, 'OTH': 122},
    'early_years': {'ASD': 1175, 'SEMH': 87, 'SLCN': 2105, 'MLD': 225, 'SLD': 127, 'PMLD': 131, 'SPLD': 44, 'HI': 66, 'VI': 50, 'MSI': 26, 'PD': 332, 'OTH': 78},
    'educated_elsewhere': {'ASD': 6994, 'SEMH': 6680, 'SLCN': 2371, 'MLD': 1449, 'SLD': 426, 'PMLD': 240, 'SPLD': 336, 'HI': 110, 'VI': 87, 'MSI': 43, 'PD': 666, 'OTH': 261},
    'neet': {'ASD': 6190, 'SEMH': 10225, 'SLCN': 2588, 'MLD': 2675, 'SLD': 812, 'PMLD': 183, 'SPLD': 613, 'HI': 319, 'VI': 201, 'MSI': 40, 'PD': 775, 'OTH': 286},
    'other': {'ASD': 1202, 'SEMH': 1803, 'SLCN': 498, 'MLD': 412, 'SLD': 132, 'PMLD': 51, 'SPLD': 104, 'HI': 54, 'VI': 24, 'MSI': 10, 'PD': 141, 'OTH': 72},
    'not_recorded': {'ASD': 5981, 'SEMH': 5133, 'SLCN': 2511, 'MLD': 2750, 'SLD': 775, 'PMLD': 181, 'SPLD': 459, 'HI': 229, 'VI': 175, 'MSI': 24, 'PD': 855, 'OTH': 105},
}
#: National new EHC plans issued in calendar 2024 by age when the plan started (2 = 2 and under, 20 = 20 and over), newplans.csv
NEW_PLANS_BY_AGE_2024: dict[int, int] = {2: 203, 3: 2134, 4: 13245, 5: 13207, 6: 7686, 7: 6865, 8: 6431, 9: 6434, 10: 7594, 11: 8126, 12: 5259, 13: 4663, 14: 5071, 15: 4474, 16: 3468, 17: 1656, 18: 664, 19: 291, 20: 276}
#: National EHC plans ceased in calendar 2024 by age (2 = 2 and under, 20 = 20 and over) and reason, ceased_plans.csv
CEASED_BY_AGE_REASON_2024: dict[int, dict[str, int]] = {
    2: {'max_age': 0, 'needs_met': 1, 'he': 0, 'employ': 0, 'transfer': 3, 'no_engage': 0, 'moved_outside_eng': 0, 'deceased': 4, 'other': 0},
    3: {'max_age': 0, 'needs_met': 1, 'he': 0, 'employ': 0, 'transfer': 60, 'no_engage': 0, 'moved_outside_eng': 5, 'deceased': 5, 'other': 1},
    4: {'max_age': 0, 'needs_met': 1, 'he': 1, 'employ': 0, 'transfer': 376, 'no_engage': 0, 'moved_outside_eng': 37, 'deceased': 12, 'other': 1},
    5: {'max_age': 0, 'needs_met': 10, 'he': 0, 'employ': 0, 'transfer': 601, 'no_engage': 0, 'moved_outside_eng': 84, 'deceased': 23, 'other': 3},
    6: {'max_age': 0, 'needs_met': 22, 'he': 0, 'employ': 0, 'transfer': 687, 'no_engage': 0, 'moved_outside_eng': 79, 'deceased': 25, 'other': 4},
    7: {'max_age': 1, 'needs_met': 24, 'he': 0, 'employ': 1, 'transfer': 692, 'no_engage': 0, 'moved_outside_eng': 79, 'deceased': 31, 'other': 11},
    8: {'max_age': 0, 'needs_met': 41, 'he': 1, 'employ': 0, 'transfer': 721, 'no_engage': 0, 'moved_outside_eng': 90, 'deceased': 26, 'other': 9},
    9: {'max_age': 0, 'needs_met': 45, 'he': 0, 'employ': 0, 'transfer': 721, 'no_engage': 4, 'moved_outside_eng': 64, 'deceased': 18, 'other': 6},
    10: {'max_age': 0, 'needs_met': 56, 'he': 0, 'employ': 1, 'transfer': 893, 'no_engage': 1, 'moved_outside_eng': 80, 'deceased': 22, 'other': 7},
    11: {'max_age': 1, 'needs_met': 42, 'he': 1, 'employ': 1, 'transfer': 872, 'no_engage': 0, 'moved_outside_eng': 61, 'deceased': 22, 'other': 11},
    12: {'max_age': 0, 'needs_met': 33, 'he': 0, 'employ': 1, 'transfer': 843, 'no_engage': 1, 'moved_outside_eng': 66, 'deceased': 26, 'other': 6},
    13: {'max_age': 0, 'needs_met': 44, 'he': 1, 'employ': 0, 'transfer': 980, 'no_engage': 2, 'moved_outside_eng': 48, 'deceased': 27, 'other': 14},
    14: {'max_age': 1, 'needs_met': 54, 'he': 1, 'employ': 1, 'transfer': 1048, 'no_engage': 5, 'moved_outside_eng': 47, 'deceased': 25, 'other': 17},
    15: {'max_age': 0, 'needs_met': 73, 'he': 2, 'employ': 2, 'transfer': 1185, 'no_engage': 5, 'moved_outside_eng': 41, 'deceased': 36, 'other': 12},
    16: {'max_age': 7, 'needs_met': 195, 'he': 13, 'employ': 94, 'transfer': 1248, 'no_engage': 60, 'moved_outside_eng': 51, 'deceased': 31, 'other': 15},
    17: {'max_age': 13, 'needs_met': 226, 'he': 18, 'employ': 295, 'transfer': 994, 'no_engage': 422, 'moved_outside_eng': 28, 'deceased': 47, 'other': 30},
    18: {'max_age': 54, 'needs_met': 435, 'he': 773, 'employ': 627, 'transfer': 842, 'no_engage': 2262, 'moved_outside_eng': 25, 'deceased': 35, 'other': 60},
    19: {'max_age': 101, 'needs_met': 660, 'he': 660, 'employ': 763, 'transfer': 505, 'no_engage': 3147, 'moved_outside_eng': 14, 'deceased': 22, 'other': 132},
    20: {'max_age': 1782, 'needs_met': 1991, 'he': 1108, 'employ': 2266, 'transfer': 682, 'no_engage': 10182, 'moved_outside_eng': 29, 'deceased': 38, 'other': 498},
}

#: England, calendar 2024 (requests.csv, assessments.csv, timeliness_20_week.csv): the funnel.
FUNNEL_2024: dict[str, int] = {
    "requests": 154489,
    "decided_to_assess": 101045,
    "decided_not_to_assess": 38889,
    "decision_not_made": 12038,
    "withdrawn": 2517,
    "assessed_plan_issued": 98547,
    "assessed_no_plan": 6404,
    "issued_incl_exc": 90392,
    "issued_excl_exc": 84866,
    "over_1_year_incl_exc": 6478,
}

#: England, annual reviews in calendar 2024 (annual_reviews.csv): expected and meetings held.
ANNUAL_REVIEWS_2024: dict[str, int] = {
    "review_expected": 524654,
    "total_review_meeting": 453761,
}

#: England, calendar 2024 (timeliness_20_week.csv): plans issued within 20 weeks with and without
#: the cases where an exception applied; used for the share of exceptions on and off time.
TIMELINESS_2024: dict[str, int] = {
    "issued_incl_exc": 90392,
    "within_20wk_incl_exc": 41448,
    "issued_excl_exc": 84866,
    "within_20wk_excl_exc": 39407,
}

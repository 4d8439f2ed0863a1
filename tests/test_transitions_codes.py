"""Transitions matched on integer codes (issue 13) are the table the merge of census states gives.

``transitions_from_casework`` matches people by integer codes that sort as the ids do. The
reference below is the definition it replaces: the census states of two consecutive Januaries
outer-merged on ``person_id`` (the merge sorts the ids), joiners and leavers filled in, then
sorted. Ids are renamed so that their order of appearance, their numeric order and their text
order all differ, as a real extract's may.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from send_analysis.casework.io import Casework
from send_analysis.casework.synth import CalibrationTargets, synth
from send_analysis.cohort.io import NONSEND, TRANSITION_COLUMNS
from send_analysis.cohort.transitions import census_states, transitions_from_casework

SHARES = {"mainstream": 0.5, "special_la_maintained": 0.3, "fe_sixth_form": 0.2}
SMALL = CalibrationTargets(
    la_code="996", la_name="Codeshire", total_plans={2021: 120, 2022: 140, 2023: 130},
    setting_shares={y: SHARES for y in (2021, 2022, 2023)},
    new_plans={2021: 30, 2022: 25, 2023: 20}, pct_20wk={2021: 50.0, 2022: 50.0, 2023: 50.0})


def reference(cw: Casework, years: list[int]) -> pd.DataFrame:
    frames = []
    for y in years[:-1]:
        m = census_states(cw, y).merge(census_states(cw, y + 1), on="person_id", how="outer",
                                       suffixes=("-1", "-2"))
        join, leave = m["setting-1"].isna(), m["setting-2"].isna()
        m.loc[join, ["setting-1", "need-1"]] = NONSEND
        m.loc[leave, ["setting-2", "need-2"]] = NONSEND
        m.loc[join, "academic-year-1"] = m.loc[join, "academic-year-2"] - 1
        m.loc[leave, "academic-year-2"] = m.loc[leave, "academic-year-1"] + 1
        m["calendar-year"] = y
        frames.append(m)
    out = pd.concat(frames, ignore_index=True)
    for c in ("academic-year-1", "academic-year-2"):
        out[c] = out[c].astype(int)
    return out[TRANSITION_COLUMNS].sort_values(TRANSITION_COLUMNS[:4]).reset_index(drop=True)


def renamed(cw: Casework, seed: int) -> Casework:
    """``cw`` with every person id replaced by an awkward one (digits of varying length, case,
    accents), in an order unrelated to the original ids."""
    ids = cw.people["person_id"].tolist()
    rng = np.random.default_rng(seed)
    pool = [str(i) for i in range(len(ids))]
    pool = [p + ("é" if i % 3 == 0 else "B" if i % 3 == 1 else "b") for i, p in enumerate(pool)]
    new = dict(zip(ids, rng.permutation(pool).tolist(), strict=True))
    tables = {name: (df.assign(person_id=df["person_id"].map(new).astype(df["person_id"].dtype))
                     if "person_id" in df else df) for name, df in cw.tables().items()}
    return Casework(**tables, source=cw.source)


def test_transitions_equal_the_merge_of_census_states():
    for seed in (0, 1):
        cw = renamed(synth(SMALL, seed=seed), seed)
        got = transitions_from_casework(cw, years=[2021, 2022, 2023])
        pd.testing.assert_frame_equal(got, reference(cw, [2021, 2022, 2023]), check_exact=True)

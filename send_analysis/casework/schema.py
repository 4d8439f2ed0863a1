"""The casework schema: person-level SEND casework as six tables (pandera schemas).

A casework folder holds one CSV per table. Synthetic casework (:mod:`.synth`) and a real LA
extract use the same files and columns, and both are read by :func:`send_analysis.casework.io.read_casework`.

| table | one row per | columns |
| --- | --- | --- |
| ``people`` | child or young person | ``person_id``, ``date_of_birth`` |
| ``requests`` | request for an EHC needs assessment | ``request_id``, ``person_id``, ``request_date``, ``decision`` (``assess``/``refuse``/``withdrawn``/blank while pending), ``decision_date``, ``outcome`` (``plan``/``no_plan``/blank while open), ``plan_issue_date``, ``exception`` (a 20-week exception applied) |
| ``plans`` | EHC plan | ``person_id``, ``start_date`` (issue or transfer-in date), ``end_date`` (blank while open), ``cease_reason``, ``origin`` (``new``/``transfer_in``/``existing``) |
| ``placements`` | spell in one setting with one primary need | ``person_id``, ``start_date``, ``end_date``, ``setting`` (taxonomy in docs/tables.md), ``need`` |
| ``reviews`` | annual review due | ``person_id``, ``due_date``, ``held_date`` (blank if not held) |
| ``phase_transfers`` | phase transfer of a child with a plan | ``person_id``, ``transfer_year`` (September of the move), ``from_ncy``, ``to_ncy``, ``deadline``, ``named_date`` (blank if not named) |

Dates are ISO ``YYYY-MM-DD`` (day-first ``DD/MM/YYYY`` only when asked for); ``exception`` is
True/False, Y/N, Yes/No or 1/0. ``person_id`` is pseudonymous and is hashed again on ingest; names,
UPNs, addresses, postcodes and any other column outside the schema are dropped on ingest (the
schema's columns are an allow-list; see :func:`send_analysis.casework.io.strip_identifiers`).
"""

from __future__ import annotations

import pandera.pandas as pa

from send_analysis.data import taxonomy as tx

NEEDS: tuple[str, ...] = ("ASD", "SEMH", "SLCN", "MLD", "SLD", "PMLD", "SpLD", "HI", "VI", "MSI",
                          "PD", "OTH")

#: Setting taxonomy and groups of docs/tables.md, from the one definition in the data layer.
SETTINGS: tuple[str, ...] = tuple(tx.SETTINGS)
GROUP_OF: dict[str, str] = dict(tx.GROUP_OF)

CEASE_REASONS: tuple[str, ...] = ("max_age", "needs_met", "he", "employ", "transfer", "no_engage",
                                  "moved_outside_eng", "deceased", "other", "not_recorded")

#: Column names (lower case, spaces and hyphens as underscores) treated as direct identifiers:
#: dropped on ingest, or hashed into ``person_id`` when no ``person_id`` is given.
IDENTIFIER_COLUMNS: frozenset[str] = frozenset({
    "name", "first_name", "forename", "forenames", "given_name", "surname", "last_name",
    "family_name", "full_name", "child_name", "upn", "unique_pupil_number", "former_upn", "uln",
    "nhs_number", "address", "address_line_1", "address_line_2", "address_line_3", "street",
    "town", "postcode", "post_code", "email", "phone", "telephone",
})

_DATE = pa.Column("datetime64[ns]", nullable=True, coerce=True)
_ID = pa.Column(str, nullable=False, coerce=True, checks=pa.Check.str_length(min_value=1))


def _date(nullable: bool = True) -> pa.Column:
    return pa.Column("datetime64[ns]", nullable=nullable, coerce=True)


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "people": pa.DataFrameSchema(
        {"person_id": pa.Column(str, unique=True, coerce=True), "date_of_birth": _date(False)},
        strict=False,
    ),
    "requests": pa.DataFrameSchema(
        {
            "request_id": pa.Column(str, unique=True, coerce=True),
            "person_id": _ID,
            "request_date": _date(False),
            "decision": pa.Column(str, nullable=True, coerce=True,
                                  checks=pa.Check.isin(["assess", "refuse", "withdrawn"])),
            "decision_date": _date(),
            "outcome": pa.Column(str, nullable=True, coerce=True,
                                 checks=pa.Check.isin(["plan", "no_plan"])),
            "plan_issue_date": _date(),
            "exception": pa.Column(bool, coerce=True),
        },
        checks=[pa.Check(lambda d: (d["plan_issue_date"].isna()
                                    | (d["plan_issue_date"] >= d["request_date"])),
                         element_wise=False, error="plan_issue_date before request_date")],
        strict=False,
    ),
    "plans": pa.DataFrameSchema(
        {
            "person_id": _ID,
            "start_date": _date(False),
            "end_date": _date(),
            "cease_reason": pa.Column(str, nullable=True, coerce=True,
                                      checks=pa.Check.isin(list(CEASE_REASONS))),
            "origin": pa.Column(str, coerce=True,
                                checks=pa.Check.isin(["new", "transfer_in", "existing"])),
        },
        checks=[pa.Check(lambda d: d["end_date"].isna() | (d["end_date"] >= d["start_date"]),
                         element_wise=False, error="end_date before start_date")],
        strict=False,
    ),
    "placements": pa.DataFrameSchema(
        {
            "person_id": _ID,
            "start_date": _date(False),
            "end_date": _date(),
            "setting": pa.Column(str, coerce=True, checks=pa.Check.isin(list(SETTINGS))),
            "need": pa.Column(str, coerce=True, checks=pa.Check.isin(list(NEEDS))),
        },
        checks=[pa.Check(lambda d: d["end_date"].isna() | (d["end_date"] >= d["start_date"]),
                         element_wise=False, error="end_date before start_date")],
        strict=False,
    ),
    "reviews": pa.DataFrameSchema(
        {"person_id": _ID, "due_date": _date(False), "held_date": _date()}, strict=False,
    ),
    "phase_transfers": pa.DataFrameSchema(
        {
            "person_id": _ID,
            "transfer_year": pa.Column(int, coerce=True),
            "from_ncy": pa.Column(int, coerce=True, checks=pa.Check.in_range(-5, 20)),
            "to_ncy": pa.Column(int, coerce=True, checks=pa.Check.in_range(-5, 20)),
            "deadline": _date(False),
            "named_date": _date(),
        },
        strict=False,
    ),
}

TABLES: tuple[str, ...] = tuple(SCHEMAS)

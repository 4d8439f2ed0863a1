"""pandera schemas for every tidy table (``docs/tables.md``)."""

from __future__ import annotations

import pandera.pandas as pa

from send_analysis.data import taxonomy as tx

LEVELS = ["national", "regional", "la"]
FLAGS = ["x", "z", "c", "low", "u", "..", ":", "blank", "rejected"]


def _common(dim: str | None, allowed: list[str] | None, year_range: tuple[int, int]) -> dict:
    cols = {
        "level": pa.Column(None, pa.Check.isin(LEVELS)),
        "area_code": pa.Column(None, pa.Check.str_matches(r"^(\d{3}|E\d{8})$")),
        "la_code": pa.Column(None, nullable=True),
        "area_name": pa.Column(None),
        "year": pa.Column("int64", pa.Check.in_range(*year_range)),
        "value": pa.Column("float64", pa.Check.ge(0), nullable=True),
        "flag": pa.Column(None, pa.Check.isin(FLAGS), nullable=True),
        "release": pa.Column(None, pa.Check.isin(["2022", "2025"])),
    }
    if dim:
        cols[dim] = pa.Column(None, pa.Check.isin(allowed) if allowed else None)
    return cols


def _la_code_matches_level(df):
    la = df["level"] == "la"
    return (la & df["la_code"].astype(str).str.fullmatch(r"\d{3}")) | (~la & df["la_code"].isna())


def _value_or_flag(df):
    return df["value"].notna() | df["flag"].notna()


def table_schema(name: str, dim: str | None, allowed: list[str] | None,
                 year_range: tuple[int, int] = (2009, 2030)) -> pa.DataFrameSchema:
    """Schema of a tidy table: area columns, ``year``, one dimension, ``value`` and ``flag``."""
    return pa.DataFrameSchema(
        _common(dim, allowed, year_range),
        checks=[
            pa.Check(_la_code_matches_level, error="la_code must be 3 digits on LA rows only"),
            pa.Check(_value_or_flag, error="a missing value must carry its marker in flag"),
        ],
        name=name,
        strict=False,
        coerce=False,
    )


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "plans_by_setting": table_schema("plans_by_setting", "setting", tx.SETTINGS + ["total"]),
    "plans_by_age": table_schema("plans_by_age", "age_band", list(tx.AGE_BANDS) + ["total"]),
    "new_plans": table_schema("new_plans", "setting", tx.SETTINGS + ["total"]),
    "requests_assessments": table_schema(
        "requests_assessments", "measure",
        ["requests", "requests_refused", "assessments_agreed", "assessed_plan_issued",
         "assessed_no_plan"]),
    "timeliness": table_schema(
        "timeliness", "measure",
        ["issued_incl_exc", "within_20wk_incl_exc", "pct_20wk_incl_exc", "issued_excl_exc",
         "within_20wk_excl_exc", "pct_20wk_excl_exc"]),
    "ceased_plans": table_schema(
        "ceased_plans", "reason",
        ["total", "needs_met", "transfer", "max_age", "he", "employ", "no_engage",
         "moved_outside_eng", "deceased", "other", "left_education"]),
    "annual_reviews": table_schema("annual_reviews", "measure", None),
    "tribunal_appeals": table_schema(
        "tribunal_appeals", "measure", ["appeals", "appealable_decisions", "appeal_rate_pct"]),
}

"""DfE children's services statistical neighbours (the 10 nearest LAs, as used by LAIT).

Two vintages are staged (``data/raw/stat_neighbours/PROVENANCE.md``): the April 2021 model
(``sn_april_2021.xlsx``) and the May 2025 model (``sn_may_2025.xlsx``). Both have one row per LA
(3-digit code) with ``SN1..SN10`` neighbour codes and a closeness label after each.

:func:`vintage_for_year` picks the model that was current for a January census year, so that a
2021 report is benchmarked against the neighbours its authors would have used
(``docs/decisions/0052-statistical-neighbours.md``).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from send_analysis.errors import DataError
from send_analysis.paths import raw_path

FILES: dict[str, str] = {
    "2021": "stat_neighbours/sn_april_2021.xlsx",
    "2025": "stat_neighbours/sn_may_2025.xlsx",
}
SHEET = "LA SN Groups"


def vintage_for_year(year: int) -> str:
    """The SN model current at a January census year: April 2021 model up to 2025, then May 2025.

    The May 2025 model was published after the January 2025 census, so census years up to
    2025 use the 2021 model.

    >>> vintage_for_year(2021), vintage_for_year(2026)
    ('2021', '2025')
    """
    return "2021" if int(year) <= 2025 else "2025"


def _code(value: object) -> str | None:
    """3-digit code from a cell that may hold 334, 334.0 or '334'; None for '-' or blank."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if text in {"", "-"}:
        return None
    try:
        return f"{int(float(text)):03d}"
    except ValueError:
        return None


@lru_cache(maxsize=2)
def _read_cached(vintage: str) -> pd.DataFrame:
    if vintage not in FILES:
        raise DataError(f"unknown statistical neighbour vintage {vintage!r}",
                        expected=" or ".join(FILES))
    source = FILES[vintage]
    raw = pd.read_excel(raw_path(source), sheet_name=SHEET, header=None, dtype=object)
    header_rows = raw.index[raw.iloc[:, 0].astype(str).str.strip() == "LA num"]
    if len(header_rows) != 1:
        raise DataError("no header row starting 'LA num'", file=source,
                        expected="a row 'LA num, LA Name, LA number, GOInd, GOReg, SN1, SNP, ...'")
    h = header_rows[0]
    header = [str(c).strip() for c in raw.iloc[h]]
    if header[5] != "SN1" or header[23] != "SN10":
        raise DataError("neighbour columns not where expected", file=source,
                        expected="SN1 in column F and SN10 in column X")
    body = raw.iloc[h + 1:]
    rows = []
    for _, r in body.iterrows():
        la = _code(r.iloc[0])
        if la is None:
            continue
        for k in range(10):
            rows.append({
                "la_code": la,
                "la_name": str(r.iloc[1]).strip(),
                "region": str(r.iloc[4]).strip(),
                "rank": k + 1,
                "neighbour_code": _code(r.iloc[5 + 2 * k]),
                "closeness": (None if _code(r.iloc[5 + 2 * k]) is None
                              else str(r.iloc[6 + 2 * k]).strip().capitalize()),
            })
    out = pd.DataFrame(rows)
    out["vintage"] = vintage
    return out


def read_statistical_neighbours(vintage: str = "2021") -> pd.DataFrame:
    """All LAs' neighbours, long: ``la_code, la_name, region, rank (1-10), neighbour_code,
    closeness, vintage``.

    ``closeness`` is normalised to sentence case ("Very close"); ``neighbour_code`` is None where
    the file has ``-`` (Cumberland and Westmorland and Furness in the 2021 model).
    """
    return _read_cached(str(vintage)).copy()


def statistical_neighbours(la_code: str, vintage: str = "2021") -> list[str]:
    """The LA's 10 statistical neighbours, nearest first.

    Raises :class:`DataError` naming the code when the LA is not in the model or has no
    neighbours in it (942/943 in the 2021 model).
    """
    df = read_statistical_neighbours(vintage)
    rows = df[df["la_code"] == str(la_code)].sort_values("rank")
    if rows.empty:
        raise DataError(f"LA code {la_code!r} is not in the {vintage} statistical neighbour model",
                        file=FILES[str(vintage)], expected="a 3-digit DfE LA code")
    codes = [str(c) for c in rows["neighbour_code"].dropna()]
    if not codes:
        raise DataError(f"LA {la_code} has no neighbours in the {vintage} model ('-' cells)",
                        file=FILES[str(vintage)],
                        expected="use the other vintage or k-nearest neighbours")
    return codes

"""The setting mix: each LA's placements by setting group forecast with share rules, chosen by a
backtest across LAs (decision 0100).

The finance model costs placements by setting group (the costs page's groups,
:data:`send_analysis.data.taxonomy.SETTING_GROUPS`), and a placement in an independent or
non-maintained special school costs several times one in mainstream. The total comes from the
demand model; the groups' *shares* of it are forecast here by national rules, never fitted to an
LA:

- ``hold_shares`` (naive): last January's shares;
- ``own_trend``: each share moves by its own average yearly change over the last
  :data:`TREND_YEARS` years;
- ``england_trend``: each share moves by England's average yearly change in that group's share;
- ``england_ratio``: each share grows in proportion to England's share of the group;
- ``own_england_mean``: the mean of ``own_trend`` and ``england_trend``.

Shares are clipped at zero and renormalised, so the groups sum to the total. The backtest
(:func:`share_backtest`) applies each rule's shares to the *actual* total, so only the split is
judged (as decision 0033 did), at the demand backtest's January origins. The default rule is the
one with the lowest cost-weighted split error (:func:`split_error`: the placements put in the
wrong group, each weighted by England's unit cost of its group), averaged over 1 to 3 years.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from send_analysis.data.tables import Tables
from send_analysis.data.taxonomy import GROUP_OF, SETTING_GROUPS

GROUPS: tuple[str, ...] = tuple(SETTING_GROUPS)
#: Years over which a share's trend is measured.
TREND_YEARS = 3
#: January origins of the share backtest (the demand backtest's) and its horizons.
SHARE_ORIGINS: tuple[int, ...] = tuple(range(2016, 2025))
SHARE_HORIZONS: tuple[int, ...] = (1, 2, 3)
NAIVE_SHARE = "hold_shares"
#: A census year whose ``not_recorded`` settings exceed this share of the total has no usable
#: split (as :data:`send_analysis.finance.model.MAX_NOT_RECORDED_SHARE`).
MAX_NOT_RECORDED = 0.5

Rule = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int], np.ndarray]


def _normalise(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, 0.0, None)
    tot = s.sum(axis=-1, keepdims=True)
    return np.divide(s, tot, out=np.zeros_like(s), where=tot > 0)


def _hold(own, own_before, eng, eng_before, h):
    return own


def _own_trend(own, own_before, eng, eng_before, h):
    return own + h * (own - own_before) / TREND_YEARS


def _england_trend(own, own_before, eng, eng_before, h):
    return own + h * (eng - eng_before) / TREND_YEARS


def _england_ratio(own, own_before, eng, eng_before, h):
    ratio = np.divide(eng, eng_before, out=np.ones_like(eng), where=eng_before > 0)
    return own * ratio ** (h / TREND_YEARS)


def _mean_own_england(own, own_before, eng, eng_before, h):
    return 0.5 * (_own_trend(own, own_before, eng, eng_before, h)
                  + _england_trend(own, own_before, eng, eng_before, h))


#: Share rules: (own shares now, own shares TREND_YEARS before, England's now, England's before,
#: years ahead) -> shares (not yet normalised). Arrays: (LAs, groups); England's: (groups,).
SHARE_RULES: dict[str, Rule] = {
    "hold_shares": _hold,
    "own_trend": _own_trend,
    "england_trend": _england_trend,
    "england_ratio": _england_ratio,
    "own_england_mean": _mean_own_england,
}


def counts_from_table(table: pd.DataFrame) -> pd.DataFrame:
    """January placements by group from a ``plans_by_setting`` table: index (la_code, year),
    one column per group; an LA-year without a usable split (``not_recorded`` above
    :data:`MAX_NOT_RECORDED` of the total, or no total) is all NaN. Pure."""
    t = table[(table["level"] == "la") & (table["setting"] != "total")]
    t = t.assign(group=t["setting"].map(GROUP_OF))
    wide = t.pivot_table(index=["la_code", "year"], columns="group", values="value",
                         aggfunc="sum").reindex(columns=list(GROUPS)).fillna(0.0)
    nr = (t[t["setting"] == "not_recorded"].groupby(["la_code", "year"])["value"].sum()
          .reindex(wide.index).fillna(0.0))
    total = wide.sum(axis=1)
    bad = (total <= 0) | (nr > MAX_NOT_RECORDED * total)
    wide.loc[bad] = np.nan
    wide.index = wide.index.set_levels([wide.index.levels[0].astype(str),
                                        wide.index.levels[1].astype(int)])
    return wide.astype(float)


def group_counts(tables: Tables | None = None) -> pd.DataFrame:
    """:func:`counts_from_table` of ``tables`` (default :meth:`Tables.default`), once a folder."""
    return _group_counts(str((tables if tables is not None else Tables.default()).folder))


@lru_cache(maxsize=2)
def _group_counts(folder: str) -> pd.DataFrame:
    return counts_from_table(Tables.at(folder).get("plans_by_setting"))


def shares_at(counts: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each LA's shares by group at January ``year`` (LAs with a usable split)."""
    c = counts.xs(year, level="year").dropna()
    return c.div(c.sum(axis=1), axis=0)


def england_shares(counts: pd.DataFrame, year: int) -> pd.Series:
    """England's shares by group at January ``year`` (the LAs with a usable split)."""
    c = counts.xs(year, level="year").dropna().sum()
    return c / c.sum()


def forecast_shares(counts: pd.DataFrame, origin: int, h: int, rule: str) -> pd.DataFrame:
    """Shares by group at January ``origin + h`` for every LA with a usable split at ``origin``
    and ``origin - TREND_YEARS``, by ``rule`` (:data:`SHARE_RULES`), from data to ``origin``."""
    now, before = shares_at(counts, origin), shares_at(counts, origin - TREND_YEARS)
    las = now.index.intersection(before.index)
    e_now = england_shares(counts, origin).to_numpy()
    e_before = england_shares(counts, origin - TREND_YEARS).to_numpy()
    out = SHARE_RULES[rule](now.loc[las].to_numpy(), before.loc[las].to_numpy(), e_now, e_before, h)
    return pd.DataFrame(_normalise(out), index=las, columns=list(GROUPS))


def share_backtest(counts: pd.DataFrame, origins: tuple[int, ...] = SHARE_ORIGINS,
                   horizons: tuple[int, ...] = SHARE_HORIZONS,
                   rules: tuple[str, ...] = tuple(SHARE_RULES)) -> pd.DataFrame:
    """Every rule's placements by group at every origin and horizon with a published outcome:
    the forecast shares x the *actual* total (``rule, origin, h, la_code, group, forecast,
    actual``)."""
    return pd.concat([_score_shares(counts, lambda o, h, r=rule: forecast_shares(counts, o, h, r),
                                    rule, origins, horizons) for rule in rules],
                     ignore_index=True)


def _score_shares(counts: pd.DataFrame, shares: Callable[[int, int], pd.DataFrame], name: str,
                  origins: tuple[int, ...], horizons: tuple[int, ...]) -> pd.DataFrame:
    """One share rule's backtest rows (:func:`share_backtest`): ``shares(origin, h)`` (LA x
    group) x each LA's actual total at ``origin + h``, beside the actual placements, at every
    origin and horizon with an outcome and a trend base year."""
    years = set(counts.index.get_level_values("year"))
    parts = []
    for o in origins:
        for h in horizons:
            if o + h not in years or o - TREND_YEARS not in years:
                continue
            actual = counts.xs(o + h, level="year").dropna()
            f = shares(o, h)
            las = f.index.intersection(actual.index)
            fc = f.loc[las].mul(actual.loc[las].sum(axis=1), axis=0)
            long = pd.DataFrame({"forecast": fc.stack(), "actual": actual.loc[las].stack()})
            long.index.names = ["la_code", "group"]
            parts.append(long.reset_index().assign(rule=name, origin=o, h=h))
    return pd.concat(parts, ignore_index=True)


def share_metrics(bt: pd.DataFrame) -> pd.DataFrame:
    """Per group, rule and horizon: n, MAPE and bias (mean % error) of the group's placements,
    over the LA-years where the group has placements."""
    d = bt[bt["actual"] > 0]
    d = d.assign(pe=(d["forecast"] - d["actual"]) / d["actual"] * 100)
    return d.groupby(["group", "rule", "h"])["pe"].agg(
        n="size", mape=lambda s: s.abs().mean(), bias="mean")


def split_error(bt: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Per rule and horizon: the mean over LA-years of the cost-weighted split error, %:
    sum over groups of |forecast - actual| x weight / sum of actual x weight."""
    w = bt["group"].map(weights).astype(float)
    d = bt.assign(abs_w=(bt["forecast"] - bt["actual"]).abs() * w, act_w=bt["actual"] * w)
    g = d.groupby(["rule", "h", "origin", "la_code"])[["abs_w", "act_w"]].sum()
    g = g[g["act_w"] > 0]
    return (g["abs_w"] / g["act_w"] * 100).groupby(level=["rule", "h"]).mean().unstack("h")


def choose_share_rule(bt: pd.DataFrame, weights: Mapping[str, float]) -> str:
    """The rule with the lowest cost-weighted split error averaged over the horizons."""
    return str(split_error(bt, weights).mean(axis=1).idxmin())


def combined_shares(counts: pd.DataFrame, origin: int, h: int,
                    rule_by_group: Mapping[str, str]) -> pd.DataFrame:
    """Shares at ``origin + h``: each group's share by its own rule (``rule_by_group``; a group
    not named is held), then renormalised. ``h = 0``: the shares at the origin."""
    if h == 0:
        return shares_at(counts, origin)
    rules = {rule_by_group.get(g, NAIVE_SHARE) for g in GROUPS}
    by_rule = {r: forecast_shares(counts, origin, h, r) for r in rules}
    las = next(iter(by_rule.values())).index
    out = pd.DataFrame({g: by_rule[rule_by_group.get(g, NAIVE_SHARE)].loc[las, g] for g in GROUPS})
    return pd.DataFrame(_normalise(out.to_numpy()), index=las, columns=list(GROUPS))


def choose_rules_by_group(metrics: pd.DataFrame) -> dict[str, str]:
    """Each group's rule: the lowest MAPE averaged over the horizons (:func:`share_metrics`)."""
    mean = metrics["mape"].groupby(level=["group", "rule"]).mean()
    return {g: str(mean.loc[g].idxmin()) for g in GROUPS if g in mean.index.get_level_values(0)}


def combined_backtest(counts: pd.DataFrame, rule_by_group: Mapping[str, str],
                      origins: tuple[int, ...] = SHARE_ORIGINS,
                      horizons: tuple[int, ...] = SHARE_HORIZONS, name: str = "by_group"
                      ) -> pd.DataFrame:
    """:func:`share_backtest`'s rows for the combined rule (:func:`combined_shares`)."""
    return _score_shares(counts, lambda o, h: combined_shares(counts, o, h, rule_by_group), name,
                         origins, horizons)


def unit_cost_index(counts: pd.DataFrame, origin: int, h: int, weights: Mapping[str, float],
                    rule_by_group: Mapping[str, str] | None = None) -> pd.Series:
    """Each LA's average cost per placement at January ``origin + h`` in ``weights`` (£ per
    placement by group): the sum over groups of share x weight, with the shares forecast from
    ``origin`` (:func:`combined_shares`; None: held) or, for ``h <= 0``, the actual shares of
    that January. An LA-year without a usable split takes the nearest usable January's."""
    w = pd.Series(weights).reindex(list(GROUPS)).astype(float)
    if h <= 0 or rule_by_group is None:
        year = origin + min(h, 0)
        return _nearest_shares(counts, year) @ w
    return combined_shares(counts, origin, h, rule_by_group) @ w


def _nearest_shares(counts: pd.DataFrame, year: int) -> pd.DataFrame:
    usable = counts.dropna()
    shares = usable.div(usable.sum(axis=1), axis=0).reset_index()
    shares["dist"] = (shares["year"] - year).abs() * 2 + (shares["year"] > year)
    best = shares.sort_values(["la_code", "dist"]).groupby("la_code").head(1)
    return best.set_index("la_code")[list(GROUPS)]


def forecast_groups(counts: pd.DataFrame, origin: int, totals: pd.DataFrame, rule: str
                    ) -> dict[int, pd.DataFrame]:
    """January placements by group for ``origin + h``: ``totals`` (LA x h, the demand model's
    forecast total) x the rule's shares. ``{h: LA x group}``."""
    out = {}
    for h in totals.columns:
        s = forecast_shares(counts, origin, int(h), rule)
        las = s.index.intersection(totals.index)
        out[int(h)] = s.loc[las].mul(totals.loc[las, h], axis=0)
    return out

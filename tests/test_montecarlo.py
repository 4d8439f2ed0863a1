"""The Monte Carlo precision rule (decision 0101): errors of means and quantiles, and the
stopping rule in batches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from send_analysis import montecarlo as mc


def test_mcse_mean_is_sd_over_root_n():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert mc.mcse_mean(x) == pytest.approx(np.std(x, ddof=1) / 2)
    assert mc.mcse_mean(np.array([5.0])) == 0.0


def test_mcse_ratio_is_zero_for_draws_proportional_to_their_control():
    d = np.random.default_rng(1).lognormal(size=400)
    assert mc.mcse_ratio(3.0 * d, d) == pytest.approx(0.0, abs=1e-12)
    # a little noise in the ratio: far below the plain error of the mean
    y = d * (3.0 + 0.01 * np.random.default_rng(2).normal(size=400))
    assert 0 < mc.mcse_ratio(y, d) < 0.05 * mc.mcse_mean(y)


def test_mcse_ratio_matches_the_spread_of_repeated_ratio_estimates():
    """The delta-method error is the spread of the ratio estimator over independent runs, with
    the draws scaled so their control's mean is the known mean (as the cohort page scales each
    simulation to a demand path, the paths' mean pinned to the forecast's point)."""
    rng = np.random.default_rng(3)
    mu = np.exp(0.3 ** 2 / 2)
    est, errs = [], []
    for _ in range(400):
        d = rng.lognormal(0, 0.3, size=200)
        y = d * rng.normal(2.0, 0.2, size=200)
        k = mu / d.mean()
        est.append((k * y).mean())
        errs.append(mc.mcse_ratio(k * y, k * d))
    assert np.mean(errs) == pytest.approx(np.std(est), rel=0.15)


def test_mcse_quantile_matches_the_spread_of_repeated_quantiles():
    """The order-statistic error of the 10th and 97.5th percentiles of normal draws is the
    spread of those percentiles over independent runs (and the textbook value)."""
    rng = np.random.default_rng(4)
    for p in (0.1, 0.975):
        qs, errs = [], []
        for _ in range(300):
            x = rng.normal(size=1000)
            qs.append(np.quantile(x, p))
            errs.append(mc.mcse_quantile(x, p))
        from scipy.stats import norm
        textbook = np.sqrt(p * (1 - p) / 1000) / norm.pdf(norm.ppf(p))
        assert np.std(qs) == pytest.approx(textbook, rel=0.15)
        assert np.mean(errs) == pytest.approx(textbook, rel=0.15)


def test_quantile_bracket_stays_inside_the_draws():
    assert mc.quantile_bracket(10, 0.025) == (0, 2)
    j, k = mc.quantile_bracket(1000, 0.5)
    assert (j, k) == (469, 531)  # 1.96 x sqrt(250) = 30.99 each side, rounded outwards


def test_the_rule_needs_about_1500_independent_draws_for_a_mean():
    """1% of an 80% band's width is 0.0256 sd: independent draws reach it near n = 1,522."""
    x = np.random.default_rng(5).normal(size=1000)
    row = mc.assess_figure(mc.Figure("x", x, edges=()))
    assert row["mcse_share"] == pytest.approx(1 / (2 * 1.2816 * np.sqrt(1000)), rel=0.08)
    assert not row["met"]
    big = mc.assess_figure(mc.Figure("x", np.random.default_rng(6).normal(size=4000), edges=()))
    assert big["met"]


def test_a_constant_figure_has_no_error_and_meets_the_rule():
    row = mc.assess_figure(mc.Figure("start", np.full(50, 7.0)))
    assert row["met"] and row["mcse"] == 0 and row["width80"] == 0


def test_precision_rejects_a_bad_rule():
    with pytest.raises(ValueError):
        mc.Precision(mean_tol=0)
    with pytest.raises(ValueError):
        mc.Precision(band=(0.9, 0.1))


def test_batch_sizes():
    assert mc.batch_sizes(1000, 250) == [250, 500, 750, 1000]
    assert mc.batch_sizes(1000, 300) == [300, 600, 900, 1000]
    assert mc.batch_sizes(100, 250) == [100]
    with pytest.raises(ValueError):
        mc.batch_sizes(0, 10)


def _sampler(scale: float):
    """A simulator whose draws ``start..stop-1`` depend only on the seed and their numbers."""
    def run(start: int, stop: int) -> np.ndarray:
        return np.concatenate([np.random.default_rng([7, i]).normal(size=100) * scale
                               for i in range(start // 100, -(-stop // 100))])[: stop - start]
    return run


def _figures(x: np.ndarray) -> list[mc.Figure]:
    return [mc.Figure("x", x, edges=(0.1, 0.9))]


def test_until_precise_stops_when_met_and_is_reproducible():
    loose = mc.Precision(mean_tol=0.05, edge_tol=0.2)
    run = mc.until_precise(_sampler(1.0), np.concatenate, _figures, cap=2000, batch=100,
                           precision=loose)
    assert run.met and run.draws < 2000 and len(run.result) == run.draws
    again = mc.until_precise(_sampler(1.0), np.concatenate, _figures, cap=2000, batch=100,
                             precision=loose)
    assert again.draws == run.draws and np.array_equal(again.result, run.result)
    # the draws are those of one run of that size
    np.testing.assert_array_equal(run.result, _sampler(1.0)(0, run.draws))


def test_until_precise_stops_at_the_cap_and_says_the_rule_is_not_met():
    run = mc.until_precise(_sampler(1.0), np.concatenate, _figures, cap=300, batch=100)
    assert run.draws == 300 and not run.met
    text = mc.error_text(run.assessment, "test", run.cap)
    assert "300 simulations (at most 300)" in text and "not met at the cap for 1 of 1" in text
    assert isinstance(run.assessment, pd.DataFrame) and list(run.assessment["figure"]) == ["x"]


def test_a_figure_most_of_whose_draws_are_equal_is_measured_against_a_wider_scale():
    """95% of the draws 0 (a scenario that changes few simulations): the 80% band has no width,
    so the reported 95% band's (or a normal band's from the sd) is the scale, never zero."""
    x = np.zeros(1000)
    x[:50] = np.random.default_rng(8).uniform(1, 2, size=50)
    row = mc.assess_figure(mc.Figure("saving", x, edges=(0.025, 0.975)))
    assert row["width80"] == pytest.approx(np.quantile(x, 0.975))
    assert np.isfinite(row["mcse_share"]) and row["mcse_share"] > 0
    sd_only = mc.assess_figure(mc.Figure("saving", x, edges=()))
    assert sd_only["width80"] == pytest.approx(2 * 1.2816 * np.std(x, ddof=1), rel=1e-3)

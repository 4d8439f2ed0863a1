"""The synthetic-casework generator's scalar draws are numpy's own, number for number.

``synth`` takes its draws from :class:`send_analysis.casework.synth._Draws`, which rebuilds
``random``, ``integers``, ``uniform`` and ``choice(k, p=p)`` from the PCG64 raw stream so that a
seed gives the same casework as the numpy calls did. Each kind of draw, interleaved as the
generator interleaves them, is compared here with a numpy Generator on the same seed.
"""

from __future__ import annotations

import numpy as np
import pytest

from send_analysis.casework.synth import _choice_cdf, _Draws, _sum_cdf

#: (low, high) pairs: one value (numpy draws nothing), small ranges, the builder's id range, a
#: range where Lemire's rejection is taken about half the time, the 32-bit edge, and 64-bit ranges.
RANGES = [(5, 6), (0, 2), (28, 43), (-4, -1), (1, 366), (10**6, 10**7), (0, 2**31 + 1),
          (0, 2**32 - 1), (0, 2**32), (3, 2**40), (-(2**62), 2**62)]


def _probabilities(rng: np.random.Generator, k: int) -> np.ndarray:
    p = rng.random(k)
    p[rng.random(k) < 0.3] = 0.0
    if p.sum() == 0:
        p[-1] = 1.0
    return p / p.sum()


@pytest.mark.parametrize("seed", [0, 1, 11, 2**40 + 7])
def test_interleaved_draws_match_numpy(seed):
    script = np.random.default_rng(seed + 1)
    ref = np.random.default_rng(seed)
    draws = _Draws(np.random.default_rng(seed))
    probs = [_probabilities(script, k) for k in (1, 3, 12, 14)]
    cdfs = [_choice_cdf(p) for p in probs]
    for step in range(6000):
        kind = int(script.integers(0, 5))
        if kind == 0:
            assert draws.random() == ref.random(), step
        elif kind == 1:
            low, high = RANGES[int(script.integers(0, len(RANGES)))]
            assert draws.integers(low, high) == int(ref.integers(low, high)), (step, low, high)
        elif kind == 2:
            low, high = [(8, 20), (52, 78), (20.2, 52)][int(script.integers(0, 3))]
            assert draws.uniform(low, high) == ref.uniform(low, high), step
        elif kind == 3:
            i = int(script.integers(0, len(probs)))
            assert draws.pick(cdfs[i]) == int(ref.choice(len(probs[i]), p=probs[i])), step
        elif script.random() < 0.02:  # hand the generator over for a numpy call, then go on
            g = draws.generator()
            n = int(script.integers(1, 40))
            assert g.permutation(n).tolist() == ref.permutation(n).tolist()
            assert g.choice(n, size=n // 2, replace=False, p=np.full(n, 1 / n)).tolist() == \
                ref.choice(n, size=n // 2, replace=False, p=np.full(n, 1 / n)).tolist()
            assert g.normal(-7, 21, 5).tolist() == ref.normal(-7, 21, 5).tolist()
            draws.resume()
    # after all that, the generator is exactly where numpy's is (the 32-bit half-word included)
    assert draws.generator().bit_generator.state == ref.bit_generator.state


def test_a_pending_half_word_is_used_first():
    ref = np.random.default_rng(3)
    draws = _Draws(np.random.default_rng(3))
    # one 32-bit draw leaves the word's high half for the next 32-bit draw, not for random()
    assert draws.integers(0, 10) == int(ref.integers(0, 10))
    assert draws.random() == ref.random()
    assert draws.integers(0, 10**6) == int(ref.integers(0, 10**6))
    assert draws.generator().bit_generator.state == ref.bit_generator.state


def test_resume_picks_up_a_generator_used_directly():
    rng = np.random.default_rng(9)
    rng.integers(0, 7)  # leaves a half word pending in the bit generator
    ref = np.random.default_rng(9)
    ref.integers(0, 7)
    draws = _Draws(rng)
    assert [draws.integers(0, 100) for _ in range(5)] == ref.integers(0, 100, 5).tolist()


def test_choice_cdf_checks_p_as_numpy_does():
    with pytest.raises(ValueError, match="(?i)probabilities do not sum to 1"):
        _choice_cdf(np.array([0.5, 0.6]))
    with pytest.raises(ValueError, match="NaN"):
        _choice_cdf(np.array([np.nan, 1.0]))


def test_sum_cdf_is_the_builders_inverse_cdf():
    p = np.array([0.1, 0.0, 0.3, 0.6]) / 1.0000001
    cum, total = _sum_cdf(p)
    assert cum == np.cumsum(p).tolist() and total == p.sum()


def test_other_bit_generators_are_refused():
    with pytest.raises(ValueError, match="PCG64"):
        _Draws(np.random.Generator(np.random.MT19937(1)))

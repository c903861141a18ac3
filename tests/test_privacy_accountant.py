"""The RDP accountant: known closed forms, monotonicity, and agreement with opacus."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedlearn_edu.privacy.accountant import (
    ORDERS,
    epsilon,
    epsilon_from_rdp,
    noise_for_epsilon,
    rdp_subsampled_gaussian,
)

# epsilon from opacus 1.6.0 (opacus/accountants/analysis/rdp.py: compute_rdp + get_privacy_spent) on the
# same ORDERS, computed once in a separate environment: (sigma, q, rounds, delta) -> epsilon.
OPACUS = {
    (1.0, 0.1, 100, 1e-5): 7.899255002434629,
    (0.5, 0.2, 50, 1e-3): 33.127792771128725,
    (2.0, 0.05, 500, 1e-5): 2.768584530797209,
    (1.1, 256 / 60000, 60 * 60000 // 256, 1e-5): 2.5965558689607486,
    (4.0, 1.0, 10, 1e-5): 3.617099772983339,
    (0.8, 0.3, 30, 1e-2): 11.340986189842008,
    (0.3, 0.5, 20, 1e-5): 128.25541081639233,
    (10.0, 0.01, 1000, 1e-6): 0.1277907305462903,
    (1.0, 0.2, 30, 1e-3): 6.34026990442326,
    (3.0, 0.2, 30, 1e-3): 1.193912674560536,
}


@pytest.mark.parametrize(("args", "expected"), list(OPACUS.items()))
def test_agrees_with_opacus(args, expected):
    assert epsilon(*args) == pytest.approx(expected, rel=1e-7)


def test_no_subsampling_is_the_gaussian_mechanism():
    np.testing.assert_allclose(rdp_subsampled_gaussian(1.5, 1.0), ORDERS / (2 * 1.5**2))


def test_integer_orders_match_the_binomial_formula_by_hand():
    q, sigma, alpha = 0.3, 0.9, 3
    a = sum(
        math.comb(alpha, k) * (1 - q) ** (alpha - k) * q**k * math.exp((k * k - k) / (2 * sigma**2))
        for k in range(alpha + 1)
    )
    assert rdp_subsampled_gaussian(sigma, q, orders=[alpha])[0] == pytest.approx(math.log(a) / (alpha - 1))


def test_edges():
    assert epsilon(1.0, 0.0, 100, 1e-5) == 0.0  # nobody is ever sampled
    assert epsilon(1.0, 0.1, 0, 1e-5) == 0.0  # nothing happened
    assert epsilon(0.0, 0.1, 10, 1e-5) == math.inf  # no noise
    assert epsilon_from_rdp(np.full(len(ORDERS), np.inf), 1e-5)[0] == math.inf


@settings(max_examples=12, deadline=None)
@given(st.floats(0.3, 5), st.floats(0.01, 1), st.integers(1, 300))
def test_more_noise_less_epsilon_more_rounds_more_epsilon(sigma, q, rounds):
    e = epsilon(sigma, q, rounds, 1e-5)
    assert epsilon(sigma * 1.5, q, rounds, 1e-5) <= e + 1e-9
    assert epsilon(sigma, q, rounds + 10, 1e-5) >= e - 1e-9
    assert epsilon(sigma, min(1.0, q * 1.5), rounds, 1e-5) >= e - 1e-9
    assert epsilon(sigma, q, rounds, 1e-3) <= e + 1e-9  # a looser delta buys a smaller epsilon


def test_noise_for_epsilon_is_the_smallest_that_fits():
    sigma = noise_for_epsilon(3.0, 0.2, 50, 1e-5)
    assert epsilon(sigma, 0.2, 50, 1e-5) <= 3.0
    assert epsilon(sigma * 0.99, 0.2, 50, 1e-5) > 3.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: epsilon(-1.0, 0.1, 10, 1e-5), "noise_multiplier"),
        (
            lambda: epsilon(1.0, 1.5, 10, 1e-5),
            "sample_rate q (clients per round / all clients) must be a finite number >= 0 and <= 1",
        ),
        (lambda: epsilon(1.0, 0.1, -1, 1e-5), "rounds must be a whole number"),
        (lambda: epsilon(1.0, 0.1, 10, 0.0), "delta must be a finite number > 0 and < 1"),
        (lambda: rdp_subsampled_gaussian(1.0, 0.1, orders=[0.5]), "orders must be numbers in (1, 1024]"),
        (lambda: noise_for_epsilon(0.0, 0.1, 10, 1e-5), "target_epsilon must be a number > 0"),
    ],
)
def test_errors_say_what_is_wrong(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


def test_normal_tail_matches_scipy_far_into_the_tail():
    from scipy.special import log_ndtr

    from fedlearn_edu.privacy.accountant import _log_ndtr

    for x in [*np.linspace(-60, 8, 400), -29.999, -30.0, -30.001, -200.0, -1e4]:
        assert _log_ndtr(float(x)) == pytest.approx(float(log_ndtr(x)), rel=1e-12, abs=1e-300)


def test_accountant_needs_no_scipy():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['scipy'] = None\n"
        "from fedlearn_edu.privacy.accountant import epsilon\n"
        "print(round(epsilon(1.0, 0.1, 100, 1e-5), 4))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "7.8993"


@pytest.mark.timeout(20)
def test_the_accountant_at_its_edges_answers_at_once():
    # Infinite noise reveals nothing; no noise (or so little that sigma**2 underflows) protects nothing.
    assert epsilon(math.inf, 0.1, 10, 1e-5) == 0.0
    assert epsilon(1e-300, 0.1, 10, 1e-5) == math.inf
    assert 1e100 < epsilon(1e-60, 0.1, 10, 1e-5) < math.inf
    # Huge noise: the bound stops improving (what is left is the RDP-to-DP conversion), never overflows.
    assert epsilon(1e300, 0.1, 10, 1e-5) == epsilon(1e50, 0.1, 10, 1e-5) < 0.02
    assert epsilon(1e300, 0.1, 10, 1e-5) <= epsilon(1e3, 0.1, 10, 1e-5)
    # Extreme sampling rates, rounds and delta stay finite and ordered.
    assert 0 < epsilon(1.0, 1e-12, 10, 1e-5) < epsilon(1.0, 0.1, 10, 1e-5) < epsilon(1.0, 1.0, 10, 1e-5)
    assert epsilon(1.0, 1 - 1e-12, 10, 1e-5) == pytest.approx(epsilon(1.0, 1.0, 10, 1e-5), rel=1e-9)
    assert epsilon(1.0, 0.1, 10, 1e-300) > epsilon(1.0, 0.1, 10, 1e-5)
    assert math.isfinite(epsilon(1.0, 0.1, 10**9, 1e-5))
    # The inverse: no limit needs no noise; an unreachable limit says so.
    assert noise_for_epsilon(math.inf, 0.1, 10, 1e-5) == 0.0
    assert noise_for_epsilon(1.0, 0.0, 10, 1e-5) == 0.0 and noise_for_epsilon(1.0, 0.1, 0, 1e-5) == 0.0
    with pytest.raises(ValueError, match="no noise multiplier up to 1e4"):
        noise_for_epsilon(1e-6, 0.1, 10, 1e-5)
    for bad in (math.nan, -1.0):
        with pytest.raises(ValueError, match="noise_multiplier"):
            epsilon(bad, 0.1, 10, 1e-5)

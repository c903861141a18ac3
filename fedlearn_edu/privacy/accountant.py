"""How much privacy a DP-FedAvg run spends: (epsilon, delta) by Renyi differential privacy.

Each round of DP-FedAvg is a *subsampled Gaussian mechanism*: every client takes part with
probability ``q`` (Poisson sampling), each update is clipped to norm C, and Gaussian noise of
standard deviation ``sigma * C`` is added to their sum. Its Renyi-DP at an integer order alpha
is exactly (Mironov, Talwar & Zhang 2019, section 3.3)::

    eps(alpha) = log( sum_k binom(alpha, k) (1-q)^(alpha-k) q^k exp((k^2 - k) / (2 sigma^2)) ) / (alpha - 1)

(fractional orders need an infinite series with erfc terms, from the same section). Renyi-DP adds
up over rounds and converts to (epsilon, delta)-DP at the best order (Balle et al. 2020, Th. 21)::

    epsilon = min_alpha  T * eps(alpha) + log((alpha-1)/alpha) - (log(delta) + log(alpha)) / (alpha - 1)

This is the computation inside opacus's RDP accountant, written out here (standard library and
numpy only) instead of adding opacus and what it pulls in to the classroom environment; on the same
orders it gives the same numbers (the tests check this against values computed with opacus 1.6).

>>> round(epsilon(noise_multiplier=1.0, sample_rate=0.1, rounds=100, delta=1e-5), 2)
7.9
"""

from __future__ import annotations

import functools
import math

import numpy as np

from fedlearn_edu._validation import check_count, check_fraction, check_real

__all__ = ["ORDERS", "epsilon", "epsilon_from_rdp", "noise_for_epsilon", "rdp_subsampled_gaussian"]

# opacus's default orders, extended to 256 so that large noise multipliers find their best order.
ORDERS = np.array([1 + x / 10 for x in range(1, 100)] + list(range(12, 257)), dtype=np.float64)
_SIGMA_MIN, _SIGMA_MAX = 1e-100, 1e50  # the range in which the formulas below stay finite
_LOG_FACTORIAL = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, 1025)))])


def _check(noise_multiplier: float, sample_rate: float) -> tuple[float, float]:
    """sigma >= 0 (``inf`` allowed: infinite noise reveals nothing) and q in [0, 1]; never NaN."""
    sigma = check_real(noise_multiplier, "noise_multiplier (sigma)", low=0, finite=False)
    q = check_fraction(sample_rate, "sample_rate q (clients per round / all clients)")
    return sigma, q


def _logsumexp(terms: np.ndarray, signs: np.ndarray | None = None) -> float:
    top = float(np.max(terms))
    if top == -np.inf:
        return -np.inf
    weights = np.exp(terms - top)
    return top + math.log(float(np.sum(weights if signs is None else signs * weights)))


def _log_a_integer(q: float, sigma: float, alpha: int) -> float:
    k = np.arange(alpha + 1)
    log_binom = _LOG_FACTORIAL[alpha] - _LOG_FACTORIAL[k] - _LOG_FACTORIAL[alpha - k]
    return _logsumexp(
        log_binom + k * math.log(q) + (alpha - k) * math.log1p(-q) + (k * k - k) / (2 * sigma**2)
    )


def _log_ndtr(x: float) -> float:
    """log P(Z <= x) for a standard normal Z, accurate far into the lower tail.

    >>> round(_log_ndtr(0.0), 6), round(_log_ndtr(-40.0), 4)
    (-0.693147, -804.6084)
    """
    if x > 0:
        return math.log1p(-0.5 * math.erfc(x / math.sqrt(2)))
    if x > -30:
        return math.log(0.5 * math.erfc(-x / math.sqrt(2)))
    # Mills ratio: P(Z <= x) = phi(x) / |x| * (1 - 1/x^2 + 3/x^4 - 15/x^6 + ...), |x| >= 30
    if x > -1e30:
        series = 1 - 1 / x**2 + 3 / x**4 - 15 / x**6 + 105 / x**8
    else:  # x**8 would overflow; the series is 1 to double precision anyway
        series = 1.0
    return -x * x / 2 - math.log(-x) - 0.5 * math.log(2 * math.pi) + math.log(series)


def _log_a_fractional(q: float, sigma: float, alpha: float) -> float:
    """The same quantity for a fractional order: two series split at z0 (Mironov et al. 2019, 3.3)."""
    z0 = sigma**2 * math.log(1 / q - 1) + 0.5
    terms, signs, coef, i = [], [], 1.0, 0
    while True:
        j = alpha - i
        log_coef = math.log(abs(coef))
        log_s0 = log_coef + i * math.log(q) + j * math.log1p(-q) + (i * i - i) / (2 * sigma**2)
        log_s1 = log_coef + j * math.log(q) + i * math.log1p(-q) + (j * j - j) / (2 * sigma**2)
        log_s0 += _log_ndtr((z0 - i) / sigma)
        log_s1 += _log_ndtr((j - z0) / sigma)
        terms += [log_s0, log_s1]
        signs += [math.copysign(1.0, coef)] * 2
        coef *= (alpha - i) / (i + 1)
        i += 1
        if max(log_s0, log_s1) < -30 or coef == 0:
            return _logsumexp(np.array(terms), np.array(signs))


def rdp_subsampled_gaussian(noise_multiplier: float, sample_rate: float, orders=ORDERS) -> np.ndarray:
    """Renyi-DP of one round, at each order alpha (> 1).

    Without subsampling (q = 1) it is the Gaussian mechanism's alpha / (2 sigma^2):

    >>> rdp_subsampled_gaussian(2.0, 1.0, orders=[1.5, 3]).tolist()
    [0.1875, 0.375]
    """
    sigma, q = _check(noise_multiplier, sample_rate)
    orders = np.asarray(orders, dtype=np.float64).reshape(-1)
    if not (orders > 1).all() or not (orders <= 1024).all():
        raise ValueError(
            f"orders must be numbers in (1, 1024]; got {orders[~((orders > 1) & (orders <= 1024))][:3]}"
        )
    if q == 0 or sigma == np.inf:  # nobody sampled, or infinite noise: nothing is revealed
        return np.zeros(len(orders))
    if sigma < _SIGMA_MIN:  # no noise, or so little that sigma**2 underflows: no privacy
        return np.full(len(orders), np.inf)
    sigma = min(sigma, _SIGMA_MAX)  # beyond 1e50 the bound no longer changes (and sigma**2 would overflow)
    if q == 1:
        return orders / (2 * sigma**2)
    return np.array([_log_a(q, sigma, a) for a in orders.tolist()]) / (orders - 1)


@functools.lru_cache(maxsize=8192)
def _log_a(q: float, sigma: float, alpha: float) -> float:
    """log A_alpha, remembered: a lesson asks for the same (q, sigma) many times (rounds, delta)."""
    return (
        _log_a_integer(q, sigma, int(alpha))
        if float(alpha).is_integer()
        else _log_a_fractional(q, sigma, alpha)
    )


def epsilon_from_rdp(rdp: np.ndarray, delta: float, orders=ORDERS) -> tuple[float, float]:
    """Convert a Renyi-DP curve to (epsilon, delta)-DP; returns epsilon and the best order."""
    try:
        check_real(delta, "delta", low=0, high=1, include_low=False, include_high=False)
    except ValueError as err:
        raise ValueError(f"{err}; delta is usually well below 1 / (number of clients)") from None
    orders, rdp = np.asarray(orders, dtype=np.float64), np.asarray(rdp, dtype=np.float64)
    if (rdp == 0).all():  # nothing was revealed (no rounds, or nobody ever sampled)
        return 0.0, math.nan
    with np.errstate(invalid="ignore"):  # inf - inf when sigma = 0
        eps = rdp + np.log1p(-1 / orders) - (math.log(delta) + np.log(orders)) / (orders - 1)
    if np.isnan(eps).all():
        return math.inf, math.nan
    best = int(np.nanargmin(eps))
    return float(max(eps[best], 0.0)), float(orders[best])


def epsilon(noise_multiplier: float, sample_rate: float, rounds: int, delta: float) -> float:
    """The (epsilon, delta) privacy that ``rounds`` rounds of DP-FedAvg give each client.

    >>> epsilon(0.0, 0.1, 10, 1e-5)  # no noise, no privacy
    inf
    >>> epsilon(float("inf"), 0.1, 10, 1e-5)  # infinite noise: nothing revealed
    0.0
    """
    check_count(rounds, "rounds")
    rdp = rdp_subsampled_gaussian(noise_multiplier, sample_rate)
    return epsilon_from_rdp(rounds * rdp if rounds else np.zeros_like(rdp), delta)[0]


def noise_for_epsilon(target_epsilon: float, sample_rate: float, rounds: int, delta: float) -> float:
    """The smallest noise multiplier sigma whose run stays within ``target_epsilon`` (to 0.1 %).

    >>> sigma = noise_for_epsilon(8.0, sample_rate=0.1, rounds=100, delta=1e-5)
    >>> round(sigma, 2), epsilon(sigma, 0.1, 100, 1e-5) <= 8.0
    (1.0, True)

    With no limit (``target_epsilon=inf``) no noise is needed: the answer is 0.
    """
    target_epsilon = check_real(target_epsilon, "target_epsilon", low=0, include_low=False, finite=False)
    _check(1.0, sample_rate)
    check_count(rounds, "rounds")
    epsilon_from_rdp(np.zeros(1), delta, orders=[2.0])  # checks delta before any work
    if target_epsilon == math.inf or epsilon(0.0, sample_rate, rounds, delta) <= target_epsilon:
        return 0.0
    low, high = 0.0, 1.0
    while epsilon(high, sample_rate, rounds, delta) > target_epsilon:
        low, high = high, 2 * high
        if high > 1e4:
            raise ValueError(f"no noise multiplier up to 1e4 reaches epsilon = {target_epsilon}")
    while high - low > 1e-3 * high:
        mid = (low + high) / 2
        low, high = (mid, high) if epsilon(mid, sample_rate, rounds, delta) > target_epsilon else (low, mid)
    return high

"""Scoring a risk model the way a risk team does: ranking, the rare class, calibration (numpy only).

- :func:`auc` -- area under the ROC curve: the chance that a random positive is scored above a
  random negative (ties count half). 0.5 is guessing, 1 a perfect ranking.
- :func:`average_precision` -- the area under the precision-recall curve as scikit-learn defines it
  (sum over thresholds of precision x recall gained). With 2 % positives, guessing scores 0.02, so
  it shows what AUC hides for a rare class.
- :func:`brier_score` -- the mean squared error of the probabilities.
- :func:`reliability_bins` and :func:`expected_calibration_error` -- calibration: among customers
  given 10 %, do 10 % default? ECE is the size-weighted mean gap over equal-width bins.
- :func:`accuracy` -- the share of correct decisions at a threshold (0.5 by default);
- :func:`per_site_table` -- for each method and site: AUC and accuracy with bootstrap intervals,
  the table a cross-silo comparison reports (lesson 08's hospitals and banks);
- :func:`bootstrap_ci` -- a percentile confidence interval for any of these on one test set,
  resampling positives and negatives separately (so every resample has both classes).

>>> y, p = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
>>> auc(y, p), round(average_precision(y, p), 4), round(brier_score(y, p), 4)
(0.75, 0.8333, 0.1581)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from fedlearn_edu._validation import check_count, check_fraction, rng

__all__ = [
    "accuracy",
    "auc",
    "average_precision",
    "bootstrap_ci",
    "brier_score",
    "expected_calibration_error",
    "per_site_table",
    "reliability_bins",
]


def _check(y_true: object, scores: object, *, probabilities: bool = False) -> tuple[np.ndarray, np.ndarray]:
    try:
        y = np.asarray(y_true, dtype=float)
        s = np.asarray(scores, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"y_true and scores must be arrays of numbers; got {type(y_true).__name__} and {type(scores).__name__}"
        ) from None
    if y.ndim != 1 or s.shape != y.shape:
        raise ValueError(
            f"y_true and scores must be 1-d and of the same length; got shapes {y.shape} and {s.shape}"
        )
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"y_true must hold 0/1 labels; got values {np.unique(y)[:5].tolist()}")
    if not np.isfinite(s).all():
        raise ValueError("scores contains NaN or inf")
    if probabilities and ((s < 0) | (s > 1)).any():
        raise ValueError(f"scores must be probabilities in [0, 1]; got min {s.min()!r}, max {s.max()!r}")
    return y, s


def auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC by ranks (the Mann-Whitney statistic); needs both classes.

    >>> auc([0, 1, 0, 1], [0.2, 0.9, 0.2, 0.2])
    0.75
    """
    y, s = _check(y_true, scores)
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"auc needs both classes in y_true; got {n_pos} positives and {n_neg} negatives")
    _, where, counts = np.unique(s, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)  # tied scores share the average of the ranks they occupy
    ranks = ((ends - counts + 1 + ends) / 2)[where]
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def accuracy(y_true: np.ndarray, probabilities: np.ndarray, *, threshold: float = 0.5) -> float:
    """Share of examples whose decision ``probability >= threshold`` matches the label.

    >>> accuracy([0, 1, 1], [0.2, 0.7, 0.4])
    0.6666666666666666
    """
    y, p = _check(y_true, probabilities, probabilities=True)
    threshold = check_fraction(threshold, "threshold")
    return float(np.mean((p >= threshold) == (y == 1)))


def average_precision(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Average precision: sum over distinct thresholds of (recall gained) x (precision there).

    >>> average_precision([0, 1, 0, 1], [0.1, 0.9, 0.8, 0.3])
    0.8333333333333333
    """
    y, s = _check(y_true, scores)
    n_pos = y.sum()
    if n_pos == 0:
        raise ValueError("average_precision needs at least one positive in y_true")
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last index of each distinct score
    tp = np.cumsum(y)[last]
    precision = tp / (last + 1)
    recall = tp / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def brier_score(y_true: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean squared error of predicted probabilities: 0 is perfect; always predicting the base rate r scores r(1 - r).

    >>> brier_score([0, 1], [0.0, 0.5])
    0.125
    """
    y, p = _check(y_true, probabilities, probabilities=True)
    return float(np.mean((p - y) ** 2))


def reliability_bins(
    y_true: np.ndarray, probabilities: np.ndarray, *, n_bins: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per equal-width bin of [0, 1]: ``(mean predicted, observed rate, count)``; empty bins are NaN, 0.

    >>> pred, seen, count = reliability_bins([0, 0, 1, 1], [0.1, 0.15, 0.8, 0.7], n_bins=2)
    >>> pred.round(3).tolist(), seen.tolist(), count.tolist()
    ([0.125, 0.75], [0.0, 1.0], [2, 2])
    """
    y, p = _check(y_true, probabilities, probabilities=True)
    n_bins = check_count(n_bins, "n_bins", minimum=1)
    which = np.minimum((p * n_bins).astype(int), n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        pred = np.bincount(which, weights=p, minlength=n_bins) / count
        seen = np.bincount(which, weights=y, minlength=n_bins) / count
    return pred, seen, count


def expected_calibration_error(y_true: np.ndarray, probabilities: np.ndarray, *, n_bins: int = 10) -> float:
    """Size-weighted mean of |mean predicted - observed rate| over the bins of :func:`reliability_bins`.

    >>> round(expected_calibration_error([0, 0, 1, 1], [0.1, 0.15, 0.8, 0.7], n_bins=2), 4)
    0.1875
    """
    pred, seen, count = reliability_bins(y_true, probabilities, n_bins=n_bins)
    full = count > 0
    return float(np.sum(count[full] * np.abs(pred[full] - seen[full])) / count.sum())


def bootstrap_ci(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: np.ndarray,
    scores: np.ndarray,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed=0,
) -> tuple[float, float]:
    """Percentile bootstrap interval ``(low, high)`` of ``metric(y_true, scores)``.

    Each resample draws as many positives (with replacement) from the positives, and as many
    negatives from the negatives, as the test set has: a stratified bootstrap, so that a test set
    with 8 defaults never produces a resample without any. With few positives the interval is wide --
    that width is the finding, not noise to hide. For :func:`auc` and :func:`accuracy` (default
    threshold) the resamples are scored from counts, not rebuilt (same draws, same interval, much
    faster).

    >>> g = np.random.default_rng(0); y = (g.random(400) < 0.1).astype(int); s = y + g.normal(0, 1, 400)
    >>> low, high = bootstrap_ci(auc, y, s, n_boot=200, seed=0)
    >>> round(auc(y, s), 3), round(low, 3), round(high, 3)
    (0.767, 0.704, 0.829)
    """
    if not callable(metric):
        raise TypeError(f"metric must be a function metric(y_true, scores); got {type(metric).__name__}")
    y, s = _check(y_true, scores)
    n_boot = check_count(n_boot, "n_boot", minimum=1)
    level = check_fraction(level, "level", closed=False)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if len(pos) == 0 or len(neg) == 0:
        raise ValueError(
            f"bootstrap_ci needs both classes in y_true; got {len(pos)} positives and {len(neg)} negatives"
        )
    g = rng(seed)
    draws_pos = g.integers(0, len(pos), size=(n_boot, len(pos)))  # resample b: positives pos[draws_pos[b]]
    draws_neg = g.integers(0, len(neg), size=(n_boot, len(neg)))
    if metric is auc or metric is accuracy:
        values = _resampled_fast(metric, s[pos], s[neg], draws_pos, draws_neg)
    else:
        values = np.empty(n_boot)
        for b in range(n_boot):
            idx = np.concatenate([pos[draws_pos[b]], neg[draws_neg[b]]])
            values[b] = metric(y[idx], s[idx])
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)


def _resampled_fast(
    metric, s_pos: np.ndarray, s_neg: np.ndarray, draws_pos: np.ndarray, draws_neg: np.ndarray
) -> np.ndarray:
    """:func:`auc` or :func:`accuracy` of every stratified resample, without building them.

    Each resample is kept as counts -- how often each positive and each negative was drawn -- and
    the metric is a weighted sum: AUC = Σ_ij cp_i cn_j [s_i > s_j, or 1/2 if equal] / (n_pos n_neg),
    accuracy = (Σ cp_i right_i + Σ cn_j right_j) / n. Same draws, same values as the general loop of
    :func:`bootstrap_ci`; thousands of resamples in milliseconds.
    """

    def counts(draws: np.ndarray) -> np.ndarray:
        n_boot, n = draws.shape
        flat = (draws + n * np.arange(n_boot)[:, None]).ravel()
        return np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(float)

    n_pos, n_neg = len(s_pos), len(s_neg)
    counts_pos, counts_neg = counts(draws_pos), counts(draws_neg)
    if metric is accuracy:
        right_pos, right_neg = (s_pos >= 0.5).astype(float), (s_neg < 0.5).astype(float)
        return (counts_pos @ right_pos + counts_neg @ right_neg) / (n_pos + n_neg)
    wins = (s_pos[:, None] > s_neg[None, :]) + 0.5 * (s_pos[:, None] == s_neg[None, :])
    return ((counts_pos @ wins) * counts_neg).sum(axis=1) / (n_pos * n_neg)


def per_site_table(
    probabilities: Mapping[str, Sequence[np.ndarray]],
    labels: Sequence[np.ndarray],
    sites: Sequence[str],
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed=0,
) -> list[dict]:
    """One row per (method, site): AUC and accuracy on the site's own test set, each with a
    stratified bootstrap interval (:func:`bootstrap_ci`).

    ``probabilities[method][k]`` are the method's predicted probabilities for site ``k``'s test
    examples, ``labels[k]`` their labels. Every (method, site) cell is resampled with the same
    seed, so two methods are compared on the same resamples; same seed, same table.

    >>> rows = per_site_table({"m": [np.array([0.1, 0.8, 0.6, 0.3])]}, [np.array([0, 1, 1, 0])], ["A"], n_boot=50)
    >>> rows[0]["method"], rows[0]["site"], rows[0]["auc"], rows[0]["accuracy"]
    ('m', 'A', 1.0, 1.0)
    """
    if not isinstance(probabilities, Mapping) or not probabilities:
        raise TypeError(
            f"probabilities must map a method name to one array per site; got {type(probabilities).__name__}"
        )
    if isinstance(sites, str) or not isinstance(sites, Sequence):
        raise TypeError(f"sites must be a list of site names; got {type(sites).__name__}")
    if len(labels) != len(sites):
        raise ValueError(f"labels must have one array per site: {len(sites)} sites, {len(labels)} arrays")
    n_boot = check_count(n_boot, "n_boot", minimum=1)
    rows = []
    for method, per_site in probabilities.items():
        if len(per_site) != len(sites):
            raise ValueError(f"probabilities[{method!r}] has {len(per_site)} arrays for {len(sites)} sites")
        for site, y, p in zip(sites, labels, per_site, strict=True):
            a_low, a_high = bootstrap_ci(auc, y, p, n_boot=n_boot, level=level, seed=seed)
            c_low, c_high = bootstrap_ci(accuracy, y, p, n_boot=n_boot, level=level, seed=seed)
            rows.append({"method": method, "site": site, "n_test": len(y), "auc": auc(y, p),
                         "auc_low": a_low, "auc_high": a_high, "accuracy": accuracy(y, p),
                         "accuracy_low": c_low, "accuracy_high": c_high})  # fmt: skip
    return rows

"""Risk metrics (lesson 08) against scikit-learn's, on random cases with ties."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from fedlearn_edu.applications import evaluate as ev


@pytest.mark.parametrize("seed", range(30))
def test_auc_and_average_precision_match_sklearn(seed):
    g = np.random.default_rng(seed)
    n = int(g.integers(2, 60))
    y = g.integers(0, 2, n)
    y[:2] = [0, 1]
    s = np.round(g.random(n), 1)  # many ties
    assert ev.auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert ev.average_precision(y, s) == pytest.approx(average_precision_score(y, s), abs=1e-12)
    assert ev.brier_score(y, s) == pytest.approx(brier_score_loss(y, s), abs=1e-12)


def test_calibration_perfect_and_off():
    g = np.random.default_rng(0)
    p = g.random(200_000)
    y = (g.random(p.size) < p).astype(int)
    assert ev.expected_calibration_error(y, p) < 0.01
    assert ev.expected_calibration_error(y, p**2) > 0.1  # over-confident in the low bins
    pred, seen, count = ev.reliability_bins(y, p, n_bins=5)
    assert count.sum() == p.size and np.allclose(pred, seen, atol=0.01)


def test_ece_weights_bins_by_their_size():
    # bin [0, 0.5): three customers at 0.2, none default (gap 0.2); bin [0.5, 1]: one at 0.9 who does (gap 0.1)
    assert ev.expected_calibration_error([0, 0, 0, 1], [0.2, 0.2, 0.2, 0.9], n_bins=2) == pytest.approx(0.175)


def test_bootstrap_interval_seeded_contains_the_estimate_and_widens_with_fewer_positives():
    g = np.random.default_rng(1)
    y = (g.random(2000) < 0.2).astype(int)
    s = y + g.normal(0, 1, y.size)
    ci = ev.bootstrap_ci(ev.auc, y, s, n_boot=200, seed=0)
    assert ci == ev.bootstrap_ci(ev.auc, y, s, n_boot=200, seed=0)
    assert ci[0] < ev.auc(y, s) < ci[1]
    few = np.r_[np.flatnonzero(y == 1)[:10], np.flatnonzero(y == 0)]  # 10 positives instead of ~400
    ci_few = ev.bootstrap_ci(ev.auc, y[few], s[few], n_boot=200, seed=0)
    assert ci_few[1] - ci_few[0] > 3 * (ci[1] - ci[0])


def test_bootstrap_keeps_both_classes_in_every_resample():
    y, s = np.r_[1, np.zeros(50, int)], np.linspace(0, 1, 51)
    low, high = ev.bootstrap_ci(ev.auc, y, s, n_boot=100, seed=0)  # one positive: never a one-class resample
    assert low == high == ev.auc(y, s)


def test_bootstrap_95_percent_interval_has_the_normal_width():
    g = np.random.default_rng(2)
    y, s = np.r_[np.ones(5, int), np.zeros(2000, int)], np.r_[np.zeros(5), g.normal(0, 1, 2000)]
    low, high = ev.bootstrap_ci(lambda y, s: s[y == 0].mean(), y, s, n_boot=1000, seed=0)
    assert (high - low) / 2 == pytest.approx(1.96 * s[5:].std() / np.sqrt(2000), rel=0.15)


@pytest.mark.parametrize("seed", range(5))
def test_bootstrap_fast_path_gives_the_general_loops_interval(seed):
    g = np.random.default_rng(seed)
    y = (g.random(150) < 0.1).astype(int)
    y[:2] = [0, 1]
    s = np.round(g.random(150), 2)  # ties
    for metric in (ev.auc, ev.accuracy):
        fast = ev.bootstrap_ci(metric, y, s, n_boot=300, seed=seed)
        loop = ev.bootstrap_ci(lambda a, b, m=metric: m(a, b), y, s, n_boot=300, seed=seed)  # not `is auc`
        assert fast == pytest.approx(loop, abs=1e-12)

"""Answer bank for lesson 08, applications."""

from __future__ import annotations

import numpy as np


def _mean_std_by_stacking(site_sums):
    """Stack the three sums into arrays and reduce: the same maths, written with numpy."""
    n = np.array([s[0] for s in site_sums], dtype=float)
    s1 = np.stack([np.asarray(s[1], dtype=float) for s in site_sums])
    s2 = np.stack([np.asarray(s[2], dtype=float) for s in site_sums])
    mean = s1.sum(0) / n.sum()
    return mean, np.sqrt((s2.sum(0) - n.sum() * mean**2) / n.sum())


def _unweighted_mean(site_sums):
    mean = np.mean([np.asarray(s[1]) / s[0] for s in site_sums], axis=0)
    n = sum(s[0] for s in site_sums)
    full = sum(np.asarray(s[1]) for s in site_sums) / n
    return mean, np.sqrt(sum(np.asarray(s[2]) for s in site_sums) / n - full**2)


def _ddof1(site_sums):
    n = sum(s[0] for s in site_sums)
    mean = sum(np.asarray(s[1]) for s in site_sums) / n
    return mean, np.sqrt((sum(np.asarray(s[2]) for s in site_sums) - n * mean**2) / (n - 1))


def _no_sqrt(site_sums):
    n = sum(s[0] for s in site_sums)
    mean = sum(np.asarray(s[1]) for s in site_sums) / n
    return mean, sum(np.asarray(s[2]) for s in site_sums) / n - mean**2


def _accuracy_loop(probabilities, labels):
    out = []
    for p, y in zip(probabilities, labels, strict=True):
        right = sum(1 for pi, yi in zip(p, y, strict=True) if (pi >= 0.5) == (yi == 1))
        out.append(right / len(y))
    return out


def _pooled(probabilities, labels):
    p, y = np.concatenate(probabilities), np.concatenate(labels)
    return [float(np.mean((p >= 0.5) == (y == 1)))] * len(labels)


BANK = {
    "q1": {
        "wrong": [
            ("the sites' means averaged as equals", _unweighted_mean, "weight each site"),
            ("the sample standard deviation (n - 1)", _ddof1, "n - 1"),
            ("the variance, no square root", _no_sqrt, "square root"),
        ],
        "right": [("stacked arrays, variance as (Σx² - n·mean²)/n", _mean_std_by_stacking)],
    },
    "q2": {
        "wrong": [
            ("one pooled accuracy repeated", _pooled, "each site"),
            ("error rates", lambda p, y: [1 - a for a in _accuracy_loop(p, y)], "error rates"),
            (
                "the average over sites",
                lambda p, y: float(np.mean(_accuracy_loop(p, y))),
                "one accuracy per site",
            ),
            (
                "0.5 counted as benign",
                lambda p, y: [
                    float(np.mean((np.asarray(a) > 0.5) == (np.asarray(b) == 1)))
                    for a, b in zip(p, y, strict=True)
                ],
                ">= 0.5",
            ),
        ],
        "right": [("a plain loop over patients", _accuracy_loop)],
    },
    "q3": {
        "wrong": [
            ("non-IID rules out FedAvg", {"a", "b", "c", "e"}, "FedAvg"),
            ("twelve patients are precise", {"a", "c", "d", "e"}, "intervals"),
            ("forgot the DP point", {"a", "c"}, "missing"),
        ],
        "right": [("a list, upper case, with parentheses", ["(E)", "A", "c"])],
    },
    "q4": {
        "wrong": [
            ("no division by n", lambda X, r: np.asarray(X).T @ np.asarray(r), "divide by n"),
            ("the sign flipped (y - p)", lambda X, r: -(np.asarray(X).T @ np.asarray(r)) / len(r), "sign"),
            ("averages multiplied", lambda X, r: np.asarray(X).mean(0) * np.mean(r), "its own"),
        ],
        "right": [
            (
                "a sum over customers",
                lambda X, r: (
                    sum(ri * np.asarray(xi, dtype=float) for xi, ri in zip(X, r, strict=True)) / len(r)
                ),
            ),
            (
                "np.mean of residual-weighted rows",
                lambda X, r: np.mean(np.asarray(X) * np.asarray(r)[:, None], axis=0),
            ),
        ],
    },
}

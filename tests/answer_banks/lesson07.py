"""Answer bank for lesson 07, attacks on the model."""

from __future__ import annotations

import numpy as np


def _median_by_hand(models):
    out = []
    for column in zip(*models, strict=True):
        s = sorted(column)
        mid = len(s) // 2
        out.append(s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2)
    return out


def _squared(models):
    x = np.asarray(models, dtype=float)
    return ((x[:, None] - x[None]) ** 2).sum(-1)


def _krum(count, *, include_self=False, power=1.0):
    def score(models, f):
        d = _squared(models) ** power
        n = len(d)
        rows = [np.sort(d[i] if include_self else np.delete(d[i], i)) for i in range(n)]
        return [float(row[: count(n, f)].sum()) for row in rows]

    return score


def _krum_partition(models, f):
    """np.partition and skip the zero distance to itself: n - f - 1 smallest, itself included."""
    d = _squared(models)
    k = len(d) - f - 1
    return (np.partition(d, k - 1, axis=1)[:, :k].sum(1)).tolist()


BANK = {
    "q1": {
        "wrong": [
            ("the mean", lambda m: [sum(c) / len(c) for c in zip(*m)], "that is the mean"),
            (
                "the median of each client's vector (wrong axis)",
                lambda m: np.median(np.asarray(m), axis=1).tolist(),
                "inside each client",
            ),
            (
                "the upper middle value at even n",
                lambda m: [sorted(c)[len(c) // 2] for c in zip(*m)],
                "two middle values",
            ),
            (
                "the middle value without sorting",
                lambda m: [c[len(c) // 2] for c in zip(*m)],
                "without sorting",
            ),
            ("the input returned unchanged", lambda m: m, "should return"),
            ("a constant that matches the first case", lambda m: [1.2, 2.0], "five clients"),
        ],
        "right": [
            ("sort and pick by hand", _median_by_hand),
            ("the 50th percentile over clients", lambda m: np.percentile(np.asarray(m), 50, axis=0)),
        ],
    },
    "q2": {
        "wrong": [
            ("plain distances", _krum(lambda n, f: n - f - 2, power=0.5), "squared distances"),
            (
                "counted itself as a neighbour",
                _krum(lambda n, f: n - f - 2, include_self=True),
                "own nearest neighbour",
            ),
            ("n - 2f - 2 neighbours", _krum(lambda n, f: n - 2 * f - 2), "n - 2f - 2"),
            ("n - f - 1 neighbours", _krum(lambda n, f: n - f - 1), "n - f - 1 neighbours"),
            ("ignored n_byzantine", _krum(lambda n, f: n - 2), "ignore n_byzantine"),
            ("all the others", _krum(lambda n, f: n - 1), "all other clients"),
        ],
        "right": [
            ("itself included, one more neighbour", _krum(lambda n, f: n - f - 1, include_self=True)),
            ("np.partition on the distance matrix", _krum_partition),
        ],
    },
    "q3": {
        "wrong": [
            ("the plain mean", 67 / 7, "plain mean"),
            ("the median", 5.0, "median"),
            ("dropped two from each end", 16 / 3, "two values from each end"),
            ("dropped the first and last as listed", 11.6, "sort first"),
            ("the sum of the five kept values, not their mean", 27.0, ""),
        ],
        "right": [("as a fraction in float32", np.float32(27 / 5))],
    },
    "q4": {
        "wrong": [
            ("Krum with f = 4 of 10", {"a", "b", "d"}, "n > 2f + 2"),
            ("clipping stops a same-size backdoor", "c", "size"),
            ("the mean is safe below 10%", {"e"}, "one client is enough"),
            ("only the median", {"a"}, "missing"),
        ],
        "right": [("a list in upper case", ["D", "a"])],
    },
}

UNCHECKABLE = {
    "q5": "a written answer (which robust rule for 12 non-IID hospitals, at what cost); the notebook says it has "
    "no automatic check and shows the model answer after the question.",
}

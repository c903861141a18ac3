"""Answer bank for lesson 02, the averaging formula (format: tests/answer_banks/README.md)."""

import statistics
from fractions import Fraction

import numpy as np
import torch

from fedlearn_edu.aggregate import federated_mean


# --- q1: mean_from_scratch ------------------------------------------------------------------------------
def mean_two_loops(models):  # right: explicit loops, dividing at the end
    total = [0.0] * len(models[0])
    for vector in models:
        for i, value in enumerate(vector):
            total[i] += value
    return [t / len(models) for t in total]


def mean_into_first(models):  # right numbers, but it adds the other clients into models[0]
    first = models[0]
    for vector in models[1:]:
        for i, value in enumerate(vector):
            first[i] += value
    for i in range(len(first)):
        first[i] /= len(models)
    return first


# --- q2: weighted_mean_from_scratch ----------------------------------------------------------------------
def weighted_rounded_weights(decimals):  # weights n_k / n typed or rounded to a few decimals
    def weighted(models, num_samples):
        n = sum(num_samples)
        weights = [round(nk / n, decimals) for nk in num_samples]
        return [sum(p * w for p, w in zip(weights, column)) for column in zip(*models)]

    return weighted


def weighted_divide_at_end(models, num_samples):  # right: sum n_k w_k, then divide once
    n = sum(num_samples)
    return [sum(nk * w for nk, w in zip(num_samples, column)) / n for column in zip(*models)]


# --- q5: average_state_dicts -----------------------------------------------------------------------------
def average_in_place(state_dicts):  # right numbers, but it accumulates into the first client's tensors
    first = state_dicts[0]
    for sd in state_dicts[1:]:
        for name in first:
            first[name] += sd[name]
    return {name: value / len(state_dicts) for name, value in first.items()}


BANK = {
    "q1": {
        "wrong": [
            ("did not divide by N", lambda models: [sum(c) for c in zip(*models)], "did not divide by N"),
            (
                "divided by the length of one vector",
                lambda models: [sum(c) / len(models[0]) for c in zip(*models)],
                "length of one vector",
            ),
            ("averaged inside each client", lambda models: [sum(m) / len(m) for m in models], "inside each"),
            (
                "rounded to one decimal",
                lambda models: [round(sum(c) / len(c), 1) for c in zip(*models)],
                "rounded",
            ),
            (
                "rounded to two decimals",
                lambda models: [round(sum(c) / len(c), 2) for c in zip(*models)],
                "rounded",
            ),
            ("the median", lambda models: [statistics.median(c) for c in zip(*models)], "median"),
            ("a constant that fits the article's case", lambda models: [0.2, 0.3, 0.4], "should return"),
            ("returned the first client", lambda models: models[0], "should return"),
            ("summed into the first client's list", mean_into_first, "changed its input"),
            ("numpy, wrong axis", lambda models: np.mean(models, axis=1).tolist(), ""),
        ],
        "right": [
            ("two explicit loops", mean_two_loops),
            ("numpy over clients", lambda models: np.mean(models, axis=0)),
            ("statistics.fmean per column", lambda models: [statistics.fmean(c) for c in zip(*models)]),
        ],
    },
    "q2": {
        "wrong": [
            (
                "unweighted",
                lambda models, n: [sum(c) / len(models) for c in zip(*models)],
                "ignored num_samples",
            ),
            (
                "did not divide by n",
                lambda models, n: [sum(nk * w for nk, w in zip(n, c)) for c in zip(*models)],
                "did not divide by n",
            ),
            (
                "divided by the number of clients",
                lambda models, n: [sum(nk * w for nk, w in zip(n, c)) / len(models) for c in zip(*models)],
                "number of clients",
            ),
            (
                "weights paired with the wrong clients",
                lambda models, n: [
                    sum(nk * w for nk, w in zip(reversed(n), c)) / sum(n) for c in zip(*models)
                ],
                "wrong clients",
            ),
            ("weights rounded to 2 decimals (0.33)", weighted_rounded_weights(2), "should return"),
            # differs from the answer only in the 5th decimal: the feedback must still print two different lists
            ("weights rounded to 4 decimals (0.3333)", weighted_rounded_weights(4), "should return"),
            (
                "integer division n_k // n",
                lambda models, n: [sum(nk // sum(n) * w for nk, w in zip(n, c)) for c in zip(*models)],
                "should return",
            ),
        ],
        "right": [
            ("sum n_k w_k, divide once", weighted_divide_at_end),
            ("numpy.average with weights", lambda models, n: np.average(models, axis=0, weights=n)),
        ],
    },
    "q3": {
        "wrong": [
            ("the sum", [0.6, 0.9, 1.2], "sum of the three vectors"),
            ("two coordinates", [0.2, 0.3], "three"),
            ("the weighted mean of question 4", [0.225, 0.325, 0.425], "Question 4"),
            ("the first node, unchanged", [0.1, 0.2, 0.3], "first node"),
            ("one number: the mean of everything", 0.3, "shape"),
            ("rounded", [0.2, 0.3, 0.5], "expected"),
        ],
        "right": [
            ("the division written out", [0.6 / 3, 0.9 / 3, 1.2 / 3]),
            ("a tuple", (0.2, 0.3, 0.4)),
            ("a torch tensor", torch.tensor([0.2, 0.3, 0.4], dtype=torch.float64)),
        ],
    },
    "q4": {
        "wrong": [
            ("unweighted", [0.2, 0.3, 0.4], "unweighted"),
            ("did not divide by n", [4.5, 6.5, 8.5], "forgot to divide"),
            ("the 20 samples on the first node", [0.175, 0.275, 0.375], "third node"),
            ("divided by N = 3", [1.5, 6.5 / 3, 8.5 / 3], "divided by N"),
            ("rounded to two decimals", [0.23, 0.33, 0.43], "expected"),
        ],
        "right": [
            (
                "the weights written out",
                [0.25 * 0.1 + 0.25 * 0.2 + 0.5 * 0.3, 0.325, 0.25 * 0.3 + 0.25 * 0.4 + 0.5 * 0.5],
            ),
            ("fractions", [Fraction(9, 40), Fraction(13, 40), Fraction(17, 40)]),
        ],
    },
    "q5": {
        "wrong": [
            ("summed", lambda sds: {k: sum(sd[k] for sd in sds) for k in sds[0]}, "summed"),
            ("first client unchanged", lambda sds: dict(sds[0]), "first client"),
            ("accumulated into the first client's tensors", average_in_place, "changed its input"),
            (
                "numpy arrays instead of tensors",
                lambda sds: {k: (sum(sd[k] for sd in sds) / len(sds)).numpy() for k in sds[0]},
                "torch tensors",
            ),
            (
                "stacked, averaged over the wrong axis",
                lambda sds: {k: torch.stack([sd[k] for sd in sds]).mean(dim=-1) for k in sds[0]},
                "shape",
            ),
            (
                "lost a parameter",
                lambda sds: {"weight": sum(sd["weight"] for sd in sds) / len(sds)},
                "missing",
            ),
        ],
        "right": [
            (
                "stack and mean over clients",
                lambda sds: {k: torch.stack([sd[k] for sd in sds]).mean(0) for k in sds[0]},
            ),
            ("the package's federated_mean", federated_mean),
        ],
    },
    "q6": {
        "wrong": [
            ("only equal counts", {"a"}, "missing"),
            ("only identical models", {"b"}, "missing"),
            ("IID data too", {"a", "b", "d"}, "close"),
            ("two clients", {"c"}, "0.1 and 0.9"),
        ],
        "right": [("a list, upper case, other order", ["B", "A"])],
    },
}

UNCHECKABLE = {
    "q7": "a written answer (a federation where the plain mean goes wrong, and what weighting fixes): "
    "no code can grade an argument; the exercise shows a model answer to compare with.",
}

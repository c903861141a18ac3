"""Exercises for lesson 08, applications: ``from fedlearn_edu.questions.lesson08 import q1, ...``."""

from __future__ import annotations

import numpy as np

from fedlearn_edu.checker import Case, ChoiceProblem, FunctionProblem, Mistake, label_problems

NOTEBOOK = "08_applications"


def _sums(*tables):
    return [(len(t), np.sum(t, axis=0), np.sum(np.square(t), axis=0)) for t in map(np.asarray, tables)]


def _mean_std(site_sums):
    n = sum(s[0] for s in site_sums)
    mean = sum(np.asarray(s[1], dtype=float) for s in site_sums) / n
    var = sum(np.asarray(s[2], dtype=float) for s in site_sums) / n - mean**2
    return mean, np.sqrt(var)


def _mean_of_site_means(site_sums):
    means = [np.asarray(s[1]) / s[0] for s in site_sums]
    mean = sum(means) / len(means)
    return mean, _mean_std(site_sums)[1]


def _sample_std(site_sums):
    n = sum(s[0] for s in site_sums)
    mean, std = _mean_std(site_sums)
    return mean, std * np.sqrt(n / (n - 1))


def _variance(site_sums):
    mean, std = _mean_std(site_sums)
    return mean, std**2


def _mean_of_site_stds(site_sums):
    stds = [np.sqrt(np.asarray(s[2]) / s[0] - (np.asarray(s[1]) / s[0]) ** 2) for s in site_sums]
    return _mean_std(site_sums)[0], sum(stds) / len(stds)


q1 = FunctionProblem(
    "federated_mean_std",
    title="Federated standardisation",
    cases=[
        Case(_sums([[1.0], [3.0]], [[5.0], [7.0], [9.0], [11.0]]), label="two sites of different sizes"),
        Case(
            _sums([[1.0, 10.0], [2.0, 20.0]], [[3.0, 30.0]], [[4.0, 40.0], [6.0, 60.0], [8.0, 80.0]]),
            label="three sites, two columns",
        ),
        Case(_sums([[2.0, -1.0], [4.0, 1.0], [6.0, 0.0]]), label="one site"),
    ],
    reference=_mean_std,
    mistakes=[
        Mistake(
            _mean_of_site_means,
            "you averaged the sites' means as equals; weight each site by its n "
            "(add up all Σx and divide by the total n).",
        ),
        Mistake(
            _sample_std,
            "you divided by n - 1 (the sample standard deviation); the lesson, like np.std, divides by n.",
        ),
        Mistake(_variance, "that is the variance; the standard deviation is its square root."),
        Mistake(
            _mean_of_site_stds,
            "you averaged the sites' standard deviations; the spread of all rows "
            "together also includes how far apart the sites' means are. Use Σx² / n - mean².",
        ),
    ],
    hints=[
        "Add up each of the three things over the sites: the total n, the total Σx and the total Σx².",
        "mean = ΣΣx / Σn; variance = ΣΣx² / Σn - mean²; std = its square root.",
        "n = sum(s[0] for s in site_sums); mean = sum(s[1] for s in site_sums) / n; "
        "std = np.sqrt(sum(s[2] for s in site_sums) / n - mean**2)",
    ],
)


def _per_site_accuracy(probabilities, labels):
    return [
        float(np.mean((np.asarray(p) >= 0.5) == (np.asarray(y) == 1))) for p, y in zip(probabilities, labels)
    ]


def _pooled(probabilities, labels):
    p, y = np.concatenate(probabilities), np.concatenate(labels)
    return [float(np.mean((p >= 0.5) == (y == 1)))] * len(labels)


q2 = FunctionProblem(
    "per_site_accuracy",
    title="A per-site evaluation",
    cases=[
        Case([[0.9, 0.2, 0.6], [0.1, 0.4]], [[1, 0, 0], [0, 0]], label="two sites"),
        Case(
            [[0.7, 0.3, 0.8, 0.1], [0.55, 0.45], [0.2, 0.9, 0.6]],
            [[1, 0, 0, 0], [1, 1], [0, 1, 1]],
            label="three sites",
        ),
        Case([[0.5, 0.49]], [[1, 0]], label="a probability of exactly 0.5 counts as malignant"),
    ],
    reference=_per_site_accuracy,
    mistakes=[
        Mistake(
            _pooled,
            "that is one accuracy over all sites together, repeated; score each site on its own patients.",
        ),
        Mistake(
            lambda p, y: [1 - a for a in _per_site_accuracy(p, y)],
            "those are error rates (or your decisions are the wrong way round); accuracy is the share right.",
        ),
        Mistake(
            lambda p, y: float(np.mean(_per_site_accuracy(p, y))),
            "one number is the average over sites; return a list with one accuracy per site.",
        ),
        Mistake(
            lambda p, y: [
                float(np.mean((np.asarray(a) > 0.5) == (np.asarray(b) == 1))) for a, b in zip(p, y)
            ],
            "a probability of exactly 0.5 should count as malignant: use >= 0.5.",
        ),
    ],
    hints=[
        "Loop over the sites together: `for p, y in zip(probabilities, labels)`.",
        "A site's decision is `np.asarray(p) >= 0.5`; its accuracy is the mean of (decision == (y == 1)).",
        "return [float(np.mean((np.asarray(p) >= 0.5) == (np.asarray(y) == 1))) for p, y in zip(probabilities, labels)]",
    ],
)

q3 = ChoiceProblem(
    "consortium_choice",
    title="Choose for a consortium",
    options={
        "a": "all five hospitals train in every round and keep their own state, so SCAFFOLD's per-client "
        "control variates are usable here (unlike for phones that are rarely seen twice)",
        "b": "the data are non-IID, so plain FedAvg cannot be used at all",
        "c": "the report to each board should give its own hospital's test AUC with an interval, not only "
        "the average over hospitals",
        "d": "the 40-patient clinic's own 12 test patients measure its AUC to within ±0.01",
        "e": "with five hospitals, hospital-level DP noise (divided by the number of participants) weighs far "
        "more on the average than it would with thousands of phones",
    },
    answer={"a", "c", "e"},
    why={
        "a": "(a) SCAFFOLD needs clients that come back every round with their control variate: cross-silo.",
        "b": "the lesson's FedAvg run trains a useful model on exactly these non-IID hospitals.",
        "c": "(c) an average hides the site that loses; each board asks about its own hospital.",
        "d": "the bootstrap intervals for 12 patients are several points wide, not ±0.01.",
        "e": "(e) the noise's standard deviation on the mean is z·C / (expected participants): 5 is a small divisor.",
    },
    hints=[
        "Think of which algorithms need clients that come back every round, and of what a board asks.",
        "Three options are right. Look at the width of the rural clinic's intervals in the lesson's table.",
    ],
)


def _gradient(X_r, residual):
    X_r, r = np.asarray(X_r, dtype=float), np.asarray(residual, dtype=float)
    return X_r.T @ r / len(r)


q4 = FunctionProblem(
    "retailer_gradient",
    title="One vertical-FL step",
    cases=[
        Case([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], [0.5, -0.5, 0.25], label="three customers"),
        Case(
            [[0.3, -1.2], [2.0, 0.4], [-0.7, 0.9], [1.1, 1.1]], [-0.8, 0.1, 0.6, 0.2], label="four customers"
        ),
        Case([[2.0, 1.0], [4.0, 3.0]], [0.1, 0.3], label="two customers"),
    ],
    reference=_gradient,
    mistakes=[
        Mistake(
            lambda X, r: np.asarray(X).T @ np.asarray(r),
            "you forgot to divide by n: the loss is a mean over customers.",
        ),
        Mistake(
            lambda X, r: -_gradient(X, r),
            "the sign is flipped: the residual is p - y, and the gradient is Xᵀ(p - y)/n.",
        ),
        Mistake(
            lambda X, r: np.asarray(X).mean(axis=0) * np.mean(r),
            "you multiplied the averages; each customer's row must be weighted by *its own* residual.",
        ),
    ],
    hints=[
        "The gradient of the mean log loss in the retailer's weights is (1/n) Σ_i residual_i · x_i.",
        "As a matrix product: X_r transposed times the residual vector, divided by n.",
        "return X_r.T @ residual / len(residual)",
    ],
)

label_problems(globals(), notebook=NOTEBOOK)

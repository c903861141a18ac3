"""Exercises for lesson 07, attacks on the model: ``from fedlearn_edu.questions.lesson07 import q1, ...``."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

from fedlearn_edu.aggregate import coordinate_median, krum_scores, trimmed_mean
from fedlearn_edu.checker import (
    Case,
    ChoiceProblem,
    FunctionProblem,
    Incorrect,
    Mistake,
    ValueProblem,
    label_problems,
)
from fedlearn_edu.i18n import N_, t

NOTEBOOK = "07_attacks_on_the_model"


def _columns(models):
    return [sorted(column) for column in zip(*models)]


def _upper_middle(models):
    return [float(c[len(c) // 2]) for c in _columns(models)]


def _lower_middle(models):
    return [float(c[(len(c) - 1) // 2]) for c in _columns(models)]


q1 = FunctionProblem(
    "median_from_scratch",
    title="The coordinate-wise median, from scratch",
    cases=[
        Case([[1.0, 2.0], [1.2, 2.2], [1000.0, -1000.0]], label="one liar out of three"),
        Case([[0.5], [0.1], [0.3], [0.9], [0.7]], label="five clients, unsorted"),
        Case([[1.0, 4.0], [3.0, 2.0]], label="an even number of clients"),
        Case([[2.0, 0.0, 1.0], [4.0, 1.0, 1.0], [3.0, -5.0, 1.0], [1.0, 9.0, 1.0]], label="four clients"),
    ],
    reference=coordinate_median,
    mistakes=[
        Mistake(
            lambda models: [sum(c) / len(c) for c in zip(*models)],
            "that is the mean. The median sorts each coordinate's values and takes the middle one.",
        ),
        Mistake(
            lambda models: [float(np.median(m)) for m in models],
            "you took the median inside each client's vector; take it across clients, coordinate by coordinate.",
        ),
        Mistake(
            _upper_middle,
            "with an even number of clients there are two middle values: the median is their average.",
        ),
        Mistake(
            _lower_middle,
            "with an even number of clients there are two middle values: the median is their average.",
        ),
        Mistake(
            lambda models: [float(c[len(c) // 2]) for c in zip(*models)],
            "you took the middle value without sorting the coordinate's values first.",
        ),
    ],
    hints=[
        "Go coordinate by coordinate: `for column in zip(*models)` gives one coordinate's values, one per client.",
        "Sort the column. With an odd count the median is the middle value; with an even count, the mean of the two middle ones.",
        "return [float(np.median(column)) for column in zip(*models)]  -- or sort and pick the middle by hand.",
    ],
)


def _krum_reference(models, n_byzantine):
    return krum_scores(models, n_byzantine).tolist()


def _distances(models):
    x = np.asarray(models, dtype=float)
    return ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)


def _score_with(models, f, *, squared=True, count=lambda n, f: n - f - 2, include_self=False):
    """Krum's score as a student might write it: ``count(n, f)`` nearest, maybe itself included."""
    d = _distances(models)
    if not squared:
        d = np.sqrt(d)
    n = len(models)
    out = []
    for i in range(n):
        others = np.sort(d[i]) if include_self else np.sort(np.delete(d[i], i))
        out.append(float(others[: max(count(n, f), 0)].sum()))
    return out


class WholeFunctionProblem(FunctionProblem):
    """A FunctionProblem that names a known mistake only when it explains the student's answer on
    *every* case, not just on the one that failed.

    Krum's mistakes coincide on small cases: at n = 5, f = 1, "n - 2f - 2 neighbours" and "itself
    counted as a neighbour" give the same scores, as do "n - f neighbours" and "all the others".
    Only the whole set of cases (several n and f) tells them apart.
    """

    def __init__(self, target: str, *, mistakes: Sequence[Mistake] = (), **kw: Any):
        super().__init__(target, **kw)
        self.known = list(mistakes)

    def judge(self, func: Any) -> str:
        try:
            return super().judge(func)
        except Incorrect as exc:
            raise Incorrect(str(exc) + self._diagnose_all(func)) from None

    def _diagnose_all(self, func: Any) -> str:
        answers = []
        for case in self.cases:
            try:
                answers.append(func(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs)))
            except Exception:
                return ""
        for mistake in self.known:
            if all(
                mistake.matches(got, case, self.rtol, self.atol)
                for got, case in zip(answers, self.cases, strict=True)
            ):
                return "\n" + t("Likely cause: {message}", message=t(mistake.message))
        return ""


q2 = WholeFunctionProblem(
    "krum_score",
    title="Krum's score",
    cases=[
        Case([[0.0], [1.0], [2.0], [3.0], [20.0]], 1, label="a lone outlier"),
        Case([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [5.0, 5.0], [0.0, 0.0]], 1, label="two coordinates"),
        Case(
            [[0.0, 1.0], [1.0, 1.0], [2.0, 2.0], [0.5, 0.0], [9.0, 9.0], [8.0, 9.0]], 1, label="six clients"
        ),
        Case([[1.0], [2.0], [4.0], [8.0], [16.0], [32.0], [64.0]], 2, label="f = 2"),
        Case([[float(v)] for v in (0, 1, 3, 6, 10, 15, 21, 50, 90)], 3, label="n = 9, f = 3"),
    ],
    reference=_krum_reference,
    mistakes=[
        Mistake(
            lambda m, f: _score_with(m, f, squared=False),
            N_("Krum adds up squared distances; you added plain (Euclidean) distances."),
        ),
        Mistake(
            lambda m, f: _score_with(m, f, include_self=True),
            N_(
                "you added up one distance too few (n - f - 3 of the others). Usually that is the client counted "
                "as its own nearest neighbour: its distance 0 takes one of the n - f - 2 places. Leave it out."
            ),
        ),
        Mistake(
            lambda m, f: _score_with(m, f, count=lambda n, f: n - 2 * f - 2),
            N_(
                "you summed n - 2f - 2 neighbours (the number in Krum's condition n > 2f + 2); the score sums "
                "the n - f - 2 nearest."
            ),
        ),
        Mistake(
            lambda m, f: _score_with(m, f, count=lambda n, f: n - f - 1),
            N_("you summed n - f - 1 neighbours; Krum uses the n - f - 2 nearest."),
        ),
        Mistake(
            lambda m, f: _score_with(m, f, count=lambda n, f: n - f),
            N_("you summed n - f neighbours; Krum uses the n - f - 2 nearest."),
        ),
        Mistake(
            lambda m, f: _score_with(m, f, count=lambda n, f: n - 2),
            N_(
                "your scores ignore n_byzantine (you summed n - 2 neighbours at every f): the score sums the "
                "n - f - 2 nearest, so that the f attackers' far-away updates are left out."
            ),
        ),
        Mistake(
            lambda m, f: [float(s) for s in _distances(m).sum(axis=1)],
            N_(
                "you summed the distances to all other clients; Krum keeps only the n - f - 2 nearest, so that the "
                "far-away attackers do not count."
            ),
        ),
    ],
    hints=[
        "For client i: compute the squared distance to every other client j, sum((w_i - w_j)**2) over coordinates.",
        "Sort those n - 1 distances and add up the smallest n - f - 2 of them.",
        "x = np.asarray(models, dtype=float)\n"
        "return [float(np.sort([((x[i] - x[j]) ** 2).sum() for j in range(len(x)) if j != i])[: len(x) - n_byzantine - 2].sum())\n"
        "        for i in range(len(x))]",
    ],
)

TRIMMED_VALUES = [4.0, -50.0, 10.0, 1.0, 90.0, 7.0, 5.0]

q3 = ValueProblem(
    "trimmed",
    title="A trimmed mean, by hand",
    expected=trimmed_mean([[v] for v in TRIMMED_VALUES], n_trim=1)[0],
    mistakes=[
        Mistake(
            sum(TRIMMED_VALUES) / 7, "that is the plain mean of all seven values: the extremes must go first."
        ),
        Mistake(5.0, "that is the median; the trimmed mean averages all the values left after trimming."),
        Mistake(16 / 3, "you dropped two values from each end; n_trim = 1 drops one from each end."),
        Mistake(
            sum(TRIMMED_VALUES[1:-1]) / 5,
            "you dropped the first and the last value as listed; sort first, then drop the smallest and the largest.",
        ),
    ],
    hints=[
        "Sort the seven values, remove the smallest and the largest (n_trim = 1), and average the five left.",
        "Sorted: -50, 1, 4, 5, 7, 10, 90.",
    ],
)

q4 = ChoiceProblem(
    "which_rule",
    title="Which rule for which federation?",
    options={
        "a": "the coordinate median resists up to half of the clients minus one being malicious, whatever they send",
        "b": "Krum with n = 10 clients can be told to expect up to f = 4 attackers",
        "c": "norm clipping stops a backdoor whose updates have the same size as honest updates",
        "d": "on honest but very non-IID clients, Krum can lose a lot of accuracy compared with FedAvg",
        "e": "the plain mean is safe as long as fewer than 10% of the clients are malicious",
    },
    answer={"a", "d"},
    why={
        "a": "(a) Its breakdown point is 50%: a minority cannot drag any coordinate outside the honest range.",
        "b": "Krum needs n > 2f + 2, so 10 clients allow at most f = 3.",
        "c": "clipping only bounds the *size* of an update; a backdoor can be as small as an honest update.",
        "d": "(d) Krum keeps one client's model: with non-IID data that client has seen only a few labels.",
        "e": "one client is enough: it can send an update large enough to move the mean anywhere.",
    },
    hints=[
        "Recall each rule's breakdown point, and Krum's condition n > 2f + 2.",
        "Two options are right. What does a rule that picks one client lose when the clients differ?",
    ],
)

label_problems(globals(), notebook=NOTEBOOK)

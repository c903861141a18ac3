"""Lesson 07's questions: right answers pass in any reasonable form, common mistakes are named."""

import numpy as np
import pytest

from conftest import incorrect_message
from fedlearn_edu.questions import lesson07


def test_q1_median():
    right = [
        lambda models: [float(np.median(c)) for c in zip(*models)],
        lambda models: np.median(np.asarray(models), axis=0),
        lambda models: [(sorted(c)[(len(c) - 1) // 2] + sorted(c)[len(c) // 2]) / 2 for c in zip(*models)],
    ]
    for answer in right:
        assert lesson07.q1.evaluate(answer).status == "correct"
    assert "that is the mean" in incorrect_message(lesson07.q1, lambda m: [sum(c) / len(c) for c in zip(*m)])
    assert "inside each client" in incorrect_message(lesson07.q1, lambda m: [float(np.median(v)) for v in m])
    upper = lambda m: [sorted(c)[len(c) // 2] for c in zip(*m)]  # noqa: E731
    assert "two middle values" in incorrect_message(lesson07.q1, upper)
    unsorted = lambda m: [c[len(c) // 2] for c in zip(*m)]  # noqa: E731
    assert "without sorting" in incorrect_message(lesson07.q1, unsorted)
    assert "one liar out of three" in incorrect_message(lesson07.q1, lambda m: [0.0] * len(m[0]))


def _krum(models, f):
    x = np.asarray(models, dtype=float)
    n = len(x)
    return [
        sum(sorted(float(((x[i] - x[j]) ** 2).sum()) for j in range(n) if j != i)[: n - f - 2])
        for i in range(n)
    ]


def test_q2_krum_score():
    assert lesson07.q2.evaluate(_krum).status == "correct"
    assert lesson07.q2.evaluate(lambda m, f: np.array(_krum(m, f))).status == "correct"

    def euclidean(models, f):
        x = np.asarray(models, dtype=float)
        n = len(x)
        return [
            sum(sorted(float(np.linalg.norm(x[i] - x[j])) for j in range(n) if j != i)[: n - f - 2])
            for i in range(n)
        ]

    def with_self(models, f):
        x = np.asarray(models, dtype=float)
        n = len(x)
        return [
            sum(sorted(float(((x[i] - x[j]) ** 2).sum()) for j in range(n))[: n - f - 2]) for i in range(n)
        ]

    def one_too_many(models, f):
        return _krum(models, f - 1)

    def all_of_them(models, f):
        x = np.asarray(models, dtype=float)
        return [float(((x[i] - x) ** 2).sum()) for i in range(len(x))]

    assert "squared distances" in incorrect_message(lesson07.q2, euclidean)
    assert "own nearest neighbour" in incorrect_message(lesson07.q2, with_self)
    assert "n - f - 1 neighbours" in incorrect_message(lesson07.q2, one_too_many)
    assert "all other clients" in incorrect_message(lesson07.q2, all_of_them)


def test_q3_trimmed():
    assert lesson07.q3.evaluate(5.4).status == "correct"
    assert lesson07.q3.evaluate(27 / 5).status == "correct"
    assert "plain mean" in incorrect_message(lesson07.q3, 67 / 7)
    assert "median" in incorrect_message(lesson07.q3, 5)
    assert "two values from each end" in incorrect_message(lesson07.q3, 16 / 3)
    assert "sort first" in incorrect_message(lesson07.q3, 11.6)


def test_q4_choice():
    assert lesson07.q4.evaluate({"a", "d"}).status == "correct"
    assert "n > 2f + 2" in incorrect_message(lesson07.q4, {"a", "b", "d"})
    assert "size" in incorrect_message(lesson07.q4, "c")
    assert "one client is enough" in incorrect_message(lesson07.q4, {"e"})


@pytest.mark.parametrize("problem", [lesson07.q1, lesson07.q2])
def test_not_attempted(problem):
    def todo(*args):
        raise NotImplementedError

    assert problem.evaluate(todo).status == "not attempted"


def _summing(count, *, include_self=False):
    """Krum's score summing ``count(n, f)`` nearest distances (the client itself included or not)."""

    def score(models, f):
        x = np.asarray(models, dtype=float)
        n = len(x)
        rows = [
            sorted(float(((x[i] - x[j]) ** 2).sum()) for j in range(n) if include_self or j != i)
            for i in range(n)
        ]
        return [sum(row[: count(n, f)]) for row in rows]

    return score


@pytest.mark.parametrize(
    ("answer", "named", "not_named"),
    [
        # at n = 5, f = 1 this equals "itself counted" (1 neighbour): it must not be blamed on that
        (_summing(lambda n, f: n - 2 * f - 2), "n - 2f - 2", "own nearest neighbour"),
        (_summing(lambda n, f: n - f - 2, include_self=True), "own nearest neighbour", "n - 2f - 2"),
        # at f = 1 "n - 2" equals n - f - 1, and "n - f" equals "all other clients"
        (_summing(lambda n, f: n - 2), "ignore n_byzantine", "n - f - 1 neighbours"),
        (_summing(lambda n, f: n - f - 1), "n - f - 1 neighbours", "ignore n_byzantine"),
        (_summing(lambda n, f: n - f), "n - f neighbours", "all other clients"),
        (_summing(lambda n, f: n - 1), "all other clients", "n - f neighbours"),
    ],
)
def test_q2_names_the_mistake_made_not_one_that_coincides(answer, named, not_named):
    cases = {(len(c.args[0]), c.args[1]) for c in lesson07.q2.cases}
    assert {(5, 1), (7, 2), (9, 3)} <= cases  # several n and f, so that coinciding mistakes separate
    message = incorrect_message(lesson07.q2, answer)
    assert named in message and not_named not in message, message

"""Lesson 06's questions: right answers pass in any reasonable form, common mistakes are named."""

import numpy as np
import pytest
import torch

from conftest import incorrect_message
from fedlearn_edu.privacy.leakage import infer_label, leaky_model, shared_gradient
from fedlearn_edu.questions import lesson06


def test_q1_label_from_gradient():
    right = [
        lambda g: int(np.argmin(g.sum(axis=1))),
        lambda g: [row.sum() < 0 for row in g].index(True),
        lambda g: int(np.argmin(g[:, 0])),  # one hidden unit is enough: h_0 > 0
    ]
    for answer in right:
        assert lesson06.q1.evaluate(answer).status == "correct"
    assert "largest sum" in incorrect_message(lesson06.q1, lambda g: int(np.argmax(g.sum(axis=1))))
    assert "flattened" in incorrect_message(lesson06.q1, lambda g: int(np.argmin(g)))
    assert "axis=1" in incorrect_message(lesson06.q1, lambda g: int(np.argmin(g.sum(axis=0))))
    assert "None" in incorrect_message(lesson06.q1, lambda g: None)


def test_q1_matches_a_real_gradient():
    # the exercise's synthetic gradients have the shape of the real thing
    model = leaky_model(seed=0)
    image, label = torch.rand(1, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(0)), [7]
    weight = shared_gradient(model, image, label)["2.weight"].numpy()
    assert infer_label(shared_gradient(model, image, label)) == 7
    assert int(np.argmin(weight.sum(axis=1))) == 7


def test_q2_clip_update():
    def right(update, max_norm):
        norm = np.linalg.norm(update)
        return update if norm <= max_norm else update * (max_norm / norm)

    def also_right(update, max_norm):
        return update * min(1.0, max_norm / max(np.linalg.norm(update), 1e-12))

    assert lesson06.q2.evaluate(right).status == "correct"
    assert lesson06.q2.evaluate(also_right).status == "correct"
    assert "each coordinate separately" in incorrect_message(lesson06.q2, lambda u, c: np.clip(u, -c, c))
    assert "also the short ones" in incorrect_message(lesson06.q2, lambda u, c: u * c / np.linalg.norm(u))
    assert "did not multiply by max_norm" in incorrect_message(
        lesson06.q2, lambda u, c: u / np.linalg.norm(u)
    )

    def in_place(update, max_norm):
        norm = np.linalg.norm(update)
        if norm > max_norm:
            update *= max_norm / norm
        return update

    assert "changed its input" in incorrect_message(lesson06.q2, in_place)


def test_q2_catches_a_squared_norm_comparison():
    def squared(update, max_norm):  # right whenever max_norm >= 1 or the norm is far from it
        return update if (update**2).sum() <= max_norm else update * (max_norm / np.linalg.norm(update))

    assert "squared norm" in incorrect_message(lesson06.q2, squared)


def test_q3_noise_std():
    assert lesson06.q3.evaluate(0.003).status == "correct"
    assert lesson06.q3.evaluate(1.5 * 0.2 / (0.05 * 2000)).status == "correct"
    assert "sigma * C" in incorrect_message(lesson06.q3, 0.3)
    assert "clipping norm C" in incorrect_message(lesson06.q3, 0.015)
    assert "expected number of clients" in incorrect_message(lesson06.q3, 0.00015)


def test_q4_and_q6_choices():
    assert lesson06.q4.evaluate({"a", "c"}).status == "correct"
    assert "epsilon does not depend on it" in incorrect_message(lesson06.q4, {"a", "c", "d"})
    assert "more clients buy accuracy" in incorrect_message(lesson06.q4, {"e"})
    assert "something is missing" in incorrect_message(lesson06.q4, "a")
    assert lesson06.q6.evaluate({"a", "c"}).status == "correct"
    assert "sum minus mine" in incorrect_message(lesson06.q6, {"a", "c", "d"})
    assert "cannot inspect or clip" in incorrect_message(lesson06.q6, "e")


def _total_mask(i, pair_masks):
    total = 0
    for (a, b), mask in pair_masks.items():
        if i == a:
            total = total + mask
        elif i == b:
            total = total - mask
    return total


def test_q5_total_mask():
    assert lesson06.q5.evaluate(_total_mask).status == "correct"
    assert (
        lesson06.q5.evaluate(lambda i, pm: -np.asarray(_total_mask(i, pm))).status == "correct"
    )  # other convention
    plus_only = lambda i, pm: sum(m for (a, b), m in pm.items() if i in (a, b))  # noqa: E731
    assert "do not cancel" in incorrect_message(lesson06.q5, plus_only)
    first_only = lambda i, pm: sum(m for (a, b), m in pm.items() if a == i)  # noqa: E731
    assert "unmasked" in incorrect_message(lesson06.q5, first_only)
    zeros = lambda i, pm: np.zeros(len(next(iter(pm.values()))))  # noqa: E731
    assert "unmasked" in incorrect_message(lesson06.q5, zeros)

    def every_pair(i, pm):  # cancels in the sum, but uses masks of pairs i is not in
        return _total_mask(i, pm) + (1 if i == 0 else -1) * sum(pm.values()) * (len(pm) > 1)

    message = incorrect_message(lesson06.q5, every_pair)
    assert "exactly the masks of the pairs" in message or "do not cancel" in message
    assert "Python raised ZeroDivisionError" in incorrect_message(lesson06.q5, lambda i, pm: 1 / 0)
    assert "None" in incorrect_message(lesson06.q5, lambda i, pm: None)


@pytest.mark.parametrize("problem", [lesson06.q1, lesson06.q2, lesson06.q5])
def test_not_attempted(problem):
    def todo(*args):
        raise NotImplementedError

    assert problem.evaluate(todo).status == "not attempted"

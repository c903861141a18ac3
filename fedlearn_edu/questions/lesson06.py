"""Exercises for lesson 06, privacy is not automatic: ``from fedlearn_edu.questions.lesson06 import q1, ...``."""

from __future__ import annotations

import numpy as np

from fedlearn_edu._compare import brief
from fedlearn_edu.aggregate import clip_to_norm
from fedlearn_edu.checker import (
    Case,
    ChoiceProblem,
    CustomProblem,
    FunctionProblem,
    Incorrect,
    Mistake,
    ValueProblem,
    call_student,
    label_problems,
)
from fedlearn_edu.i18n import t

NOTEBOOK = "06_privacy_is_not_automatic"


def _last_layer_gradient(label: int, hidden: int, seed: int) -> np.ndarray:
    """The gradient of softmax cross-entropy w.r.t. a last layer's weights, (p - onehot(y)) h^T."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=10)
    p = np.exp(scores) / np.exp(scores).sum()
    h = rng.uniform(0.05, 1.0, size=hidden)  # sigmoid activations: all positive
    p[label] -= 1.0
    return np.round(np.outer(p, h), 6)


def _idlg(grad_weight):
    return int(np.argmin(np.asarray(grad_weight).sum(axis=1)))


q1 = FunctionProblem(
    "label_from_gradient",
    title="The iDLG label trick",
    cases=[
        Case(_last_layer_gradient(3, hidden=4, seed=0), label="10 classes, 4 hidden units"),
        Case(_last_layer_gradient(0, hidden=32, seed=1), label="the label is 0"),
        Case(_last_layer_gradient(9, hidden=8, seed=2), label="the label is 9"),
        Case(_last_layer_gradient(6, hidden=1, seed=3), label="a single hidden unit"),
    ],
    reference=_idlg,
    mistakes=[
        Mistake(
            lambda g: int(np.argmax(np.asarray(g).sum(axis=1))),
            "you took the row with the largest sum; the true class's row is the only negative one.",
        ),
        Mistake(
            lambda g: int(np.argmin(np.asarray(g))),
            "np.argmin of the whole matrix gives a position in the flattened array; sum each row first "
            "(axis=1), then take the argmin over the 10 rows.",
        ),
        Mistake(
            lambda g: int(np.argmin(np.asarray(g).sum(axis=0))),
            "you summed the columns (axis=0): that gives one number per hidden unit. Sum each row (axis=1): "
            "one number per class.",
        ),
    ],
    hints=[
        "Row c of the gradient is (p_c - y_c) times the hidden activations h, and every h_j is positive.",
        "p_c - y_c is negative only for the true class (p_c < 1 = y_c). So only one row is negative.",
        "return int(np.argmin(grad_weight.sum(axis=1)))",
    ],
)

q2 = FunctionProblem(
    "clip_update",
    title="Clip an update to a maximum norm",
    cases=[
        Case(np.array([3.0, 4.0]), 2.0, label="norm 5, clipped to 2"),
        Case(np.array([0.3, -0.4]), 1.0, label="already short: leave it alone"),
        Case(np.array([1.0, -2.0, 2.0]), 1.5),
        Case(np.array([0.0, 0.0, 0.0]), 0.5, label="a client whose model did not change"),
        Case(np.array([-6.0, 8.0]), 10.0, label="exactly at the limit"),
        Case(np.array([0.92, -0.1]), 0.9, label="norm 0.925, just above 0.9"),
    ],
    reference=lambda update, max_norm: clip_to_norm(update, max_norm),
    mistakes=[
        Mistake(
            lambda u, c: np.clip(u, -c, c),
            "np.clip limits each coordinate separately, which changes the update's direction. "
            "Scale the whole vector instead, by max_norm / norm.",
        ),
        Mistake(
            lambda u, c: u * c / np.linalg.norm(u),
            "you scaled every update to norm max_norm, also the short ones. Clipping only shrinks updates "
            "that are too long: scale by min(1, max_norm / norm).",
        ),
        Mistake(
            lambda u, c: u / np.linalg.norm(u),
            "you divided by the norm (a unit vector) but did not multiply by max_norm.",
        ),
        Mistake(
            lambda u, c: u if (u**2).sum() <= c else u * (c / np.linalg.norm(u)),
            "you compared the squared norm, sum(update**2), with max_norm: below 1 the square is smaller than "
            "the norm, so some long updates slip through. Compare the norm itself, np.linalg.norm(update).",
        ),
    ],
    hints=[
        "The norm is np.linalg.norm(update). If it is at most max_norm, return the update as it is.",
        "Otherwise multiply the update by max_norm / norm: same direction, length max_norm.",
        "norm = np.linalg.norm(update)\nreturn update if norm <= max_norm else update * (max_norm / norm)",
    ],
)

q3 = ValueProblem(
    "noise_std",
    title="How much noise reaches the global model?",
    expected=0.003,
    mistakes=[
        Mistake(0.3, "that is the noise added to the sum (sigma * C); the server then divides by q N = 100."),
        Mistake(
            0.015, "you forgot the clipping norm C: the noise on the sum has standard deviation sigma * C."
        ),
        Mistake(
            0.00015, "you divided by N = 2000; the server divides by the expected number of clients, q N."
        ),
        Mistake(0.0003, "you divided sigma * C by 1000; the server divides by q N = 0.05 * 2000 = 100."),
    ],
    hints=[
        "The noise added to the sum of the clipped updates has standard deviation sigma * C.",
        "The new global model is w + (sum + noise) / (q N): dividing a Gaussian by a number divides its standard deviation.",
    ],
)

q4 = ChoiceProblem(
    "smaller_epsilon",
    title="What makes a DP-FedAvg run more private?",
    options={
        "a": "a larger noise multiplier sigma",
        "b": "more rounds",
        "c": "a smaller sampling rate q (each client takes part less often)",
        "d": "a smaller clipping norm C",
        "e": "more clients, with sigma, q and the rounds unchanged",
    },
    answer={"a", "c"},
    why={
        "a": "(a) More noise per round, less privacy lost per round.",
        "b": "every round reveals a little more: epsilon grows with the rounds.",
        "c": "(c) Privacy amplification by sampling: a client absent from most rounds is better hidden.",
        "d": "C sets the scale of both the updates and the noise (sigma * C); epsilon does not depend on it. "
        "C is about accuracy.",
        "e": "epsilon depends only on sigma, q, the rounds and delta; more clients buy accuracy, not privacy "
        "(unless you use them to raise sigma).",
    },
    hints=[
        "Look at what the accountant's function takes: epsilon(noise_multiplier, sample_rate, rounds, delta).",
        "Two options are right. The clipping norm is not an argument of the accountant.",
    ],
)

_MASK_CASES = [
    {(0, 1): np.array([5, -3]), (0, 2): np.array([7, 1]), (1, 2): np.array([-2, 4])},
    {(0, 1): np.array([10, 20, 30])},
    {(a, b): np.arange(1, 4) * (10 * a + b + 1) for a in range(4) for b in range(a + 1, 4)},
    {(0, 2): np.array([1, 1]), (1, 2): np.array([3, -5]), (0, 1): np.array([-8, 2])},  # any order of keys
]


def _reference_mask(i: int, pair_masks: dict) -> np.ndarray:
    size = len(next(iter(pair_masks.values())))
    total = np.zeros(size, dtype=np.int64)
    for (a, b), m in pair_masks.items():
        total = total + m if i == a else (total - m if i == b else total)
    return total


def _judge_masks(func) -> str:
    for pair_masks in _MASK_CASES:
        clients = sorted({k for pair in pair_masks for k in pair})
        got = {}
        for i in clients:
            call = f"total_mask({i}, {brief({str(k): v for k, v in pair_masks.items()})})"
            value = call_student(
                func, "total_mask", i, {k: v.copy() for k, v in pair_masks.items()}, call=call
            )
            try:
                got[i] = np.asarray(value, dtype=np.float64).reshape(-1)
            except (TypeError, ValueError):
                raise Incorrect(
                    t("{call} should return an array of numbers, not {value}.", call=call, value=brief(value))
                ) from None
            expected = _reference_mask(i, pair_masks)
            if not np.any(got[i]) and np.any(expected):
                raise Incorrect(
                    t(
                        "{call} returned {value}: client {i} would send its update unmasked. "
                        "Client {i} belongs to every pair that has {i} in it, first or second.",
                        call=call,
                        value=brief(value),
                        i=i,
                    )
                )
            if got[i].shape != expected.shape:
                raise Incorrect(
                    t(
                        "{call} should return {n} numbers (one per coordinate), not {value}.",
                        call=call,
                        n=len(expected),
                        value=brief(value),
                    )
                )
        total = sum(got.values())
        if np.any(total != 0):
            raise Incorrect(
                t(
                    "With the pair masks {masks}, the clients' total masks add up to {total}, not zero, so they "
                    "do not cancel in the server's sum. In each pair, one client must add the mask and the "
                    "other subtract it.",
                    masks=brief({str(k): v for k, v in pair_masks.items()}),
                    total=brief(total),
                )
            )
        sign = 1 if np.array_equal(got[clients[0]], _reference_mask(clients[0], pair_masks)) else -1
        for i in clients:
            if not np.array_equal(got[i], sign * _reference_mask(i, pair_masks)):
                raise Incorrect(
                    t(
                        "total_mask({i}, ...) returned {value}; it should combine exactly the masks of the pairs "
                        "client {i} belongs to: {expected}.",
                        i=i,
                        value=brief(got[i]),
                        expected=brief(_reference_mask(i, pair_masks)),
                    )
                )
    return t("Every client's masks cancel in the sum, and no client sends its update in the clear.")


q5 = CustomProblem(
    "total_mask",
    title="The pairwise masks",
    judge=_judge_masks,
    hints=[
        "Loop over the pairs: `for (a, b), m in pair_masks.items():`. Client i is in the pair if i == a or i == b.",
        "Add m when i is the first of the pair (i == a), subtract it when i is the second (i == b); ignore other pairs.",
        "total = 0\nfor (a, b), m in pair_masks.items():\n    if i == a:\n        total = total + m\n"
        "    elif i == b:\n        total = total - m\nreturn total",
    ],
)

q6 = ChoiceProblem(
    "secagg_true",
    title="What does secure aggregation give you?",
    options={
        "a": "the server learns the sum of the updates exactly",
        "b": "a single masked update tells the server something about its client's update",
        "c": "if a client drops out after the masks are agreed and nothing is done, the server's sum is garbage",
        "d": "with only two clients, neither can learn the other's update",
        "e": "the server can still clip each client's update before summing, as DP-FedAvg and lesson 07's defences need",
    },
    answer={"a", "c"},
    why={
        "a": "(a) The masks cancel exactly in integer arithmetic modulo 2**64.",
        "b": "a masked update is uniformly random: it says nothing by itself.",
        "c": "(c) Its partners' masks no longer cancel; the secret-shared keys are there to remove them.",
        "d": "each of the two knows its own update and sees the new model, that is, the sum: sum minus mine = yours. "
        "Secure aggregation needs many clients per round.",
        "e": "the server sees only masked numbers, so it cannot inspect or clip them (clipping must happen on the "
        "client, or inside the cryptography).",
    },
    hints=["Two options are true. Think about what the server can compute from uniformly random numbers."],
)

label_problems(globals(), notebook=NOTEBOOK)

"""Exercises for lesson 05, when clients differ: ``from fedlearn_edu.questions.lesson05 import q1, ...``.

q1-q3: write the corrections (FedProx's proximal gradient, SCAFFOLD's option-II control variate,
FedAvgM's server momentum), checked on small numpy cases against the package's formulas;
q4: predict, then run the drift lab (where does FedAvg land when E doubles?), checked against the
closed-form fixed point; q5: read a per-client accuracy plot.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fedlearn_edu._compare import brief
from fedlearn_edu.checker import (
    Case,
    ChoiceProblem,
    CustomProblem,
    FunctionProblem,
    Incorrect,
    Mistake,
    label_problems,
)
from fedlearn_edu.i18n import t

NOTEBOOK = "05_when_clients_differ"

# --- q1: the proximal term's gradient ------------------------------------------------------


def proximal_gradient(grad, w, w_global, mu):
    """FedProx: the gradient of ``f_k(w) + (mu / 2) ||w - w_global||^2``."""
    return grad + mu * (w - w_global)


q1 = FunctionProblem(
    "proximal_gradient",
    title="FedProx: the proximal term's gradient",
    cases=[
        Case(np.array([0.5, -1.0]), np.array([2.0, 0.0]), np.array([1.0, 1.0]), 0.1, label="mu = 0.1"),
        Case(
            np.array([0.0, 0.0, 3.0]),
            np.array([1.0, 2.0, 3.0]),
            np.array([0.0, 0.0, 0.0]),
            1.0,
            label="mu = 1",
        ),
        Case(
            np.array([1.0, 2.0]), np.array([4.0, -4.0]), np.array([1.0, 1.0]), 0.0, label="mu = 0 is FedAvg"
        ),
        Case(np.array([0.2]), np.array([3.0]), np.array([3.0]), 5.0, label="at the received model"),
    ],
    reference=proximal_gradient,
    mistakes=[
        Mistake(
            lambda g, w, w0, mu: g + mu * (w0 - w),
            "the sign of the pull is flipped: it must pull w back "
            "towards w_global, so the term is mu * (w - w_global).",
        ),
        Mistake(lambda g, w, w0, mu: g + (w - w0), "you forgot to multiply by mu."),
        Mistake(
            lambda g, w, w0, mu: g + mu / 2 * (w - w0),
            "the derivative of (mu/2)||w - w_global||² is "
            "mu * (w - w_global): the 1/2 cancels against the square.",
        ),
        Mistake(
            lambda g, w, w0, mu: mu * (w - w0),
            "you returned only the proximal term: add it to the loss's own gradient `grad`.",
        ),
        Mistake(
            lambda g, w, w0, mu: g + mu * (w - w0) ** 2,
            "that is the proximal term itself (squared), not "
            "its gradient: the gradient of (mu/2)||w - w_global||² is mu * (w - w_global).",
        ),
    ],
    hints=[
        "FedProx's client minimises f_k(w) + (mu/2) ||w - w_global||². The gradient of a sum is the sum of the gradients.",
        "The gradient of (mu/2) ||w - w_global||² with respect to w is mu * (w - w_global).",
        "return grad + mu * (w - w_global)",
    ],
)


# --- q2: SCAFFOLD's control variate (option II) -------------------------------------------


def scaffold_control_update(c_i, c, w_received, w_local, steps, lr):
    """SCAFFOLD option II: ``c_i+ = c_i - c + (w_received - w_local) / (steps * lr)``."""
    return c_i - c + (w_received - w_local) / (steps * lr)


q2 = FunctionProblem(
    "scaffold_control_update",
    title="SCAFFOLD: the client's new control variate (option II)",
    cases=[
        Case(np.zeros(2), np.zeros(2), np.array([1.0, 1.0]), np.array([0.5, 2.0]), 5, 0.1, label="round 1"),
        Case(
            np.array([0.3, -0.2]),
            np.array([0.1, 0.1]),
            np.array([2.0, 0.0]),
            np.array([1.0, 0.5]),
            10,
            0.05,
            label="later round",
        ),
        Case(np.array([1.0]), np.array([-1.0]), np.array([0.0]), np.array([0.0]), 3, 0.1, label="no move"),
    ],
    reference=scaffold_control_update,
    mistakes=[
        Mistake(
            lambda ci, c, x, y, k, lr: ci - c + (y - x) / (k * lr),
            "the model moved by w_local - w_received "
            "= -lr * (sum of steps); the average gradient is (w_received - w_local) / (steps * lr).",
        ),
        Mistake(
            lambda ci, c, x, y, k, lr: (x - y) / (k * lr),
            "that is option II's average gradient alone; "
            "the corrected steps used g - c_i + c, so add c_i - c to it.",
        ),
        Mistake(
            lambda ci, c, x, y, k, lr: ci + c + (x - y) / (k * lr),
            "c enters with a minus sign: c_i+ = c_i - c + ...",
        ),
        Mistake(
            lambda ci, c, x, y, k, lr: ci - c + (x - y) / lr,
            "divide by steps * lr: the model moved "
            "`steps` times, so the average step is (w_received - w_local) / steps.",
        ),
        Mistake(
            lambda ci, c, x, y, k, lr: -c + (x - y) / (k * lr),
            "you returned the change c_i+ - c_i; return the new control variate c_i+ itself.",
        ),
    ],
    hints=[
        "During the round each local step was w <- w - lr * (g - c_i + c). Over `steps` steps the model "
        "moved w_local - w_received = -lr * sum(g - c_i + c).",
        "So (w_received - w_local) / (steps * lr) is the average of (g - c_i + c). Remove the correction "
        "(- c_i + c) to get the average of g.",
        "return c_i - c + (w_received - w_local) / (steps * lr)",
    ],
)


# --- q3: server momentum (FedAvgM) ---------------------------------------------------------


def server_momentum(w, v, average, momentum, server_lr):
    """FedAvgM: ``delta = average - w``, ``v = momentum v + delta``, ``w = w + server_lr v``."""
    v = momentum * v + (average - w)
    return w + server_lr * v, v


def _pair(result: Any) -> str | None:
    if not isinstance(result, tuple) or len(result) != 2:
        return t("return a pair (new_w, new_v), not {value}.", value=brief(result))
    return None


q3 = FunctionProblem(
    "server_momentum",
    title="FedAvgM: one server step with momentum",
    cases=[
        Case(np.array([1.0, 1.0]), np.zeros(2), np.array([2.0, 0.0]), 0.9, 1.0, label="first round: v = 0"),
        Case(
            np.array([0.0, 1.0]), np.array([0.5, -0.5]), np.array([0.5, 1.0]), 0.9, 1.0, label="with momentum"
        ),
        Case(np.array([2.0]), np.array([1.0]), np.array([1.0]), 0.5, 0.1, label="server_lr = 0.1"),
        Case(
            np.array([1.0, 2.0]),
            np.array([3.0, 3.0]),
            np.array([0.0, 0.0]),
            0.0,
            1.0,
            label="momentum 0 is FedAvg",
        ),
    ],
    reference=server_momentum,
    validate=_pair,
    mistakes=[
        Mistake(
            lambda w, v, a, m, lr: (w + lr * (m * v + (w - a)), m * v + (w - a)),
            "the pseudo-gradient points from w to the average: delta = average - w.",
        ),
        Mistake(
            lambda w, v, a, m, lr: (w + lr * (m * v + (1 - m) * (a - w)), m * v + (1 - m) * (a - w)),
            "that is an exponential moving average (Adam's style); FedAvgM (Hsu et al. 2019) uses "
            "v = momentum * v + delta, without the (1 - momentum).",
        ),
        Mistake(
            lambda w, v, a, m, lr: (w + lr * (a - w), m * v + (a - w)),
            "you updated v but stepped with delta alone: the step is server_lr * v (the new v).",
        ),
        Mistake(
            lambda w, v, a, m, lr: (w + lr * (m * v + (a - w)), v),
            "you returned the old v: return the updated momentum so the next round can use it.",
        ),
        Mistake(
            lambda w, v, a, m, lr: (a + lr * m * v, m * v + (a - w)),
            "the step starts from the current global model w, not from the average.",
        ),
    ],
    hints=[
        "The server treats delta = average - w as a gradient step it would like to take.",
        "Momentum keeps a running sum: v = momentum * v + delta; then the server moves w by server_lr * v.",
        "v = momentum * v + (average - w); return w + server_lr * v, v",
    ],
)


# --- q4: predict, then run: where does FedAvg land when E doubles? ------------------------


def _judge_landing(value: Any) -> str:
    from fedlearn_edu import drift

    lab = drift.drift_lab()
    try:
        point = np.asarray(value, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise Incorrect(
            t("`landing` should be a point (w1, w2), e.g. a numpy array; got {value}.", value=brief(value))
        ) from None
    if point.shape != (2,):
        raise Incorrect(
            t(
                "`landing` should be one point with two weights (w1, w2), not an array of shape {shape}. "
                "drift.run returns the whole path: take its last row, path[-1].",
                shape=np.asarray(value).shape,
            )
        )
    want = drift.fedavg_fixed_point(lab, 16, 0.1)
    known = {
        "w*": drift.global_optimum(lab),
        "E = 8": drift.fedavg_fixed_point(lab, 8, 0.1),
    }
    if np.linalg.norm(point - want) < 1e-4:
        gap8 = np.linalg.norm(known["E = 8"] - known["w*"])
        gap16 = np.linalg.norm(want - known["w*"])
        return t(
            "FedAvg with E = 16 settles at ({w1:.3f}, {w2:.3f}), {gap16:.3f} from w*; with E = 8 it "
            "was {gap8:.3f} away. Doubling the local work moved the destination further from the optimum.",
            w1=want[0],
            w2=want[1],
            gap16=gap16,
            gap8=gap8,
        )
    if np.linalg.norm(point - known["w*"]) < 1e-3:
        raise Incorrect(
            t(
                "that is the pooled optimum w*, where SCAFFOLD (or FedAvg with E = 1) ends. Run FedAvg itself: "
                "drift.run(lab, 'fedavg', E=16, rounds=2000)[-1]."
            )
        )
    if np.linalg.norm(point - known["E = 8"]) < 1e-3:
        raise Incorrect(t("that is where FedAvg lands with E = 8; the question doubles E to 16."))
    raise Incorrect(
        t(
            "`landing` = {point} is not where FedAvg with E = 16 settles. Use drift.run(lab, 'fedavg', "
            "E=16, rounds=2000) (learning rate 0.1, the default) and take the last point; after too few "
            "rounds it has not settled yet.",
            point=np.round(point, 4),
        )
    )


q4 = CustomProblem(
    "landing",
    title="Predict, then run: where does FedAvg land when E doubles?",
    judge=_judge_landing,
    hints=[
        "path = drift.run(lab, 'fedavg', E=16, rounds=2000) gives the global model after every round.",
        "landing = drift.run(lab, 'fedavg', E=16, rounds=2000)[-1]",
    ],
)


# --- q5: reading a per-client accuracy plot ------------------------------------------------

q5 = ChoiceProblem(
    "suffers",
    title="Read the per-client plot: which clients does the global model serve worst?",
    options={
        "a": "the largest clients",
        "b": "the smallest clients",
        "c": "all clients about equally: the histogram is narrow",
        "d": "nobody: the global test accuracy is over 60 %",
    },
    answer="b",
    why={
        "a": "the largest clients (blue) sit mostly at high accuracy, and their mean line is to the right of the "
        "smallest clients' mean: the weighted average and the test set are dominated by their data.",
        "b": "Right: the clients with the fewest examples have the lowest accuracy on their own data; the "
        "sample-weighted average gives them the smallest say.",
        "c": "the histogram runs from 0 % to 100 %: it is anything but narrow.",
        "d": "a global accuracy averages over examples, not clients; the histogram shows clients near 0 %.",
    },
    hints=[
        "Compare the two solid lines (each group's mean) and the two dotted ones (each group's worst 10 %)."
    ],
)

label_problems(globals(), notebook=NOTEBOOK)

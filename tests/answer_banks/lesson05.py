"""Answer bank for lesson 05: FedProx's proximal gradient, SCAFFOLD's control variate, FedAvgM, the drift lab."""

import numpy as np

from fedlearn_edu import drift


def _fedavg_landing(E, rounds=2000):
    return drift.run(drift.drift_lab(), "fedavg", E=E, rounds=rounds)[-1]


def _momentum_in_place(w, v, average, momentum, server_lr):
    v = v.copy()
    v *= momentum
    v += average - w
    return w + server_lr * v, v


BANK = {
    "q1": {
        "wrong": [
            ("pull with the wrong sign", lambda g, w, w0, mu: g + mu * (w0 - w), "sign"),
            ("forgot mu", lambda g, w, w0, mu: g + (w - w0), "mu"),
            ("kept the 1/2 of the loss", lambda g, w, w0, mu: g + mu / 2 * (w - w0), "1/2"),
            ("returned only the proximal term", lambda g, w, w0, mu: mu * (w - w0), "grad"),
            ("the term itself, not its gradient", lambda g, w, w0, mu: g + mu * (w - w0) ** 2, "gradient"),
            ("forgot return", lambda g, w, w0, mu: None, "return"),
        ],
        "right": [
            ("written with np.add and a difference", lambda g, w, w0, mu: np.add(g, mu * w - mu * w0)),
            ("through the proximal objective's gradient", lambda g, w, w0, mu: g - mu * (w0 - w)),
        ],
    },
    "q2": {
        "wrong": [
            (
                "model change with the wrong sign",
                lambda ci, c, x, y, k, lr: ci - c + (y - x) / (k * lr),
                "w_received - w_local",
            ),
            ("forgot c_i - c", lambda ci, c, x, y, k, lr: (x - y) / (k * lr), "c_i - c"),
            (
                "added c instead of subtracting",
                lambda ci, c, x, y, k, lr: ci + c + (x - y) / (k * lr),
                "minus",
            ),
            ("divided by lr only", lambda ci, c, x, y, k, lr: ci - c + (x - y) / lr, "steps"),
            ("returned the change of c_i", lambda ci, c, x, y, k, lr: -c + (x - y) / (k * lr), "c_i+"),
        ],
        "right": [
            (
                "average gradient first, then the correction",
                lambda ci, c, x, y, k, lr: (x - y) / lr / k + (ci - c),
            ),
        ],
    },
    "q3": {
        "wrong": [
            (
                "pseudo-gradient with the wrong sign",
                lambda w, v, a, m, lr: (w + lr * (m * v + (w - a)), m * v + (w - a)),
                "average - w",
            ),
            (
                "an exponential moving average",
                lambda w, v, a, m, lr: (w + lr * (m * v + (1 - m) * (a - w)), m * v + (1 - m) * (a - w)),
                "moving average",
            ),
            (
                "stepped with delta, not v",
                lambda w, v, a, m, lr: (w + lr * (a - w), m * v + (a - w)),
                "server_lr * v",
            ),
            ("returned the old v", lambda w, v, a, m, lr: (w + lr * (m * v + (a - w)), v), "old v"),
            ("only the new model", lambda w, v, a, m, lr: w + lr * (m * v + (a - w)), "shape"),
        ],
        "right": [("updates a copy of v in place", _momentum_in_place)],
    },
    "q4": {
        "wrong": [
            (
                "the pooled optimum (what SCAFFOLD reaches)",
                drift.global_optimum(drift.drift_lab()),
                "optimum",
            ),
            ("the E = 8 point from the lesson", np.array([-0.5109, 0.2014]), "E = 8"),
            (
                "not settled: 5 rounds only",
                drift.run(drift.drift_lab(), "fedavg", E=16, rounds=5)[-1],
                "settled",
            ),
            ("the whole path", drift.run(drift.drift_lab(), "fedavg", E=16, rounds=50), "path[-1]"),
            ("a string", "(-0.38, 0.17)", "point"),
        ],
        "right": [
            ("as a list, from the closed form", list(drift.fedavg_fixed_point(drift.drift_lab(), 16, 0.1))),
            ("after 3000 rounds", _fedavg_landing(16, rounds=3000)),
        ],
    },
    "q5": {
        "wrong": [
            ("the largest clients", "a", "largest"),
            ("everyone equally", "c", "0 %"),
            ("nobody", "d", "averages"),
            ("small and large", {"a", "b"}, ""),
        ],
        "right": [("upper case in parentheses", "(B)")],
    },
}

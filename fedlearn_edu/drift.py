"""The drift lab: three least-squares clients in two dimensions, small enough to draw (lesson 05).

Client ``k`` holds a few examples ``(X_k, y_k)`` and the article's sum-of-squares loss
``f_k(w) = ||X_k w - y_k||^2`` (a linear model without bias, two weights), so its gradient is
``2 X_k^T (X_k w - y_k) = A_k (w - c_k)`` with ``A_k = 2 X_k^T X_k`` and ``c_k`` the client's own
optimum. The clients' optima conflict, and each client's loss bowl is stretched in its own direction.

The federation's objective is the sample-weighted sum ``F(w) = sum_k (n_k / n) f_k(w)``; its minimum
is known in closed form: ``w* = (sum p_k A_k)^-1 sum p_k A_k c_k`` (:func:`global_optimum`).

Three algorithms, every client taking ``E`` full-batch gradient steps of size ``lr`` per round, all
clients in every round:

- **FedAvg**: the server averages the clients' end points. Its fixed point is *not* ``w*`` once
  ``E > 1`` (objective inconsistency, Wang et al., NeurIPS 2020) and moves as ``E`` grows; it is known
  in closed form too (:func:`fedavg_fixed_point`);
- **FedProx** (Li et al., MLSys 2020): each local gradient gets ``mu (w - w_received)``; its fixed
  point (:func:`fedavg_fixed_point` with ``mu``) is nearer ``w*`` than FedAvg's when E is large --
  on this lab not when E is small (E = 2: 0.030 against 0.028 for mu = 1);
- **SCAFFOLD** (Karimireddy et al., ICML 2020, option II): each local gradient gets ``c - c_k``
  (server minus client control variate); it converges to ``w*`` for every ``E``.

Why numpy and not :mod:`fedlearn_edu.algorithms`: the picture needs thousands of tiny rounds and
exact arithmetic (float64) to show a fixed point to 1e-6; the few lines below *are* the three
algorithms, and a test checks that one FedAvg round here equals
:func:`fedlearn_edu.training.local_train` on a ``Linear(2, 1, bias=False)`` model, client by client.

>>> lab = drift_lab()
>>> np.round(global_optimum(lab), 3)
array([-0.665,  0.278])
>>> np.round(run(lab, "fedavg", E=1, rounds=400)[-1], 3)
array([-0.665,  0.278])
>>> np.round(run(lab, "fedavg", E=8, rounds=400)[-1], 3)  # E > 1: somewhere else
array([-0.511,  0.201])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fedlearn_edu._validation import check_count, check_real

__all__ = [
    "ALGORITHMS",
    "DriftLab",
    "drift_lab",
    "fedavg_fixed_point",
    "global_optimum",
    "local_steps",
    "run",
]

ALGORITHMS = ("fedavg", "fedprox", "scaffold")


@dataclass(frozen=True)
class DriftLab:
    """Each client's examples ``xs[k]`` (rows of 2 features) and targets ``ys[k]``."""

    xs: tuple[np.ndarray, ...]
    ys: tuple[np.ndarray, ...]
    names: tuple[str, ...]

    @property
    def weights(self) -> np.ndarray:
        """The clients' shares ``p_k = n_k / n``."""
        n = np.array([len(y) for y in self.ys], dtype=float)
        return n / n.sum()

    def hessian(self, k: int) -> np.ndarray:
        """``A_k = 2 X_k^T X_k``: the curvature of client ``k``'s loss bowl."""
        return 2.0 * self.xs[k].T @ self.xs[k]

    def optimum(self, k: int) -> np.ndarray:
        """Client ``k``'s own best model ``c_k`` (least squares on its data alone)."""
        return np.linalg.solve(self.xs[k].T @ self.xs[k], self.xs[k].T @ self.ys[k])

    def gradient(self, k: int, w: np.ndarray) -> np.ndarray:
        """The gradient of ``||X_k w - y_k||^2`` at ``w``."""
        return 2.0 * self.xs[k].T @ (self.xs[k] @ w - self.ys[k])

    def loss(self, w: np.ndarray) -> float:
        """The federation's objective ``F(w) = sum_k p_k ||X_k w - y_k||^2``."""
        p = self.weights
        return float(sum(p[k] * np.sum((self.xs[k] @ w - self.ys[k]) ** 2) for k in range(len(p))))


def drift_lab() -> DriftLab:
    """The lesson's three clients: each has two examples; their own optima sit far apart and their
    loss bowls are stretched in different directions (so local steps bend towards their own optimum)."""
    xs = (
        np.array([[1.0, 0.0], [0.0, 0.3]]),  # client A: steep along w1, flat along w2
        np.array([[0.3, 0.0], [0.0, 1.0]]),  # client B: flat along w1, steep along w2
        np.array([[0.7, 0.7], [0.5, -0.5]]),  # client C: stretched along the diagonal
    )
    optima = (np.array([-1.0, 1.0]), np.array([1.0, 1.0]), np.array([0.0, -1.0]))
    ys = tuple(x @ c for x, c in zip(xs, optima, strict=True))
    return DriftLab(xs, ys, ("client A", "client B", "client C"))


def global_optimum(lab: DriftLab) -> np.ndarray:
    """``w* = (sum_k p_k A_k)^-1 sum_k p_k A_k c_k``: the minimum of the federation's objective."""
    p = lab.weights
    a = sum(p[k] * lab.hessian(k) for k in range(len(p)))
    b = sum(p[k] * lab.hessian(k) @ lab.optimum(k) for k in range(len(p)))
    return np.linalg.solve(a, b)


def fedavg_fixed_point(lab: DriftLab, E: int, lr: float, mu: float = 0.0) -> np.ndarray:
    """Where FedAvg (or FedProx with ``mu``) settles with ``E`` local steps of size ``lr``.

    ``E`` local steps map ``w`` to ``s_k + M_k (w - s_k)`` with ``M_k = (I - lr (A_k + mu I))^E``
    (``s_k`` is the local step's own fixed point: ``c_k`` for FedAvg); the average of these maps has
    the fixed point ``(I - sum p_k M_k)^-1 sum p_k (I - M_k) s_k``. For ``E = 1`` and ``mu = 0`` this is
    ``w*``; otherwise, in general, it is not.
    """
    E = check_count(E, "E (local steps)", minimum=1)
    lr = check_real(lr, "lr", low=0, include_low=False)
    mu = check_real(mu, "mu", low=0)
    p, eye = lab.weights, np.eye(2)
    left, right = np.zeros((2, 2)), np.zeros(2)
    for k in range(len(p)):
        a = lab.hessian(k)
        m = np.linalg.matrix_power(eye - lr * (a + mu * eye), E)
        # with the proximal pull towards the received w, a step is w <- w - lr (A (w - c) + mu (w - w0)):
        # E steps give M (w0 - s) + s with s solving A (s - c) + mu (s - w0) = 0, i.e. an affine map of w0
        inv = np.linalg.inv(a + mu * eye)
        # s = inv (A c + mu w0) = g + H w0 with g = inv A c, H = mu inv
        g, h = inv @ a @ lab.optimum(k), mu * inv
        # end(w0) = M (w0 - g - H w0) + g + H w0 = (M (I - H) + H) w0 + (I - M) g
        left += p[k] * (m @ (eye - h) + h)
        right += p[k] * (eye - m) @ g
    return np.linalg.solve(eye - left, right)


def local_steps(
    lab: DriftLab, k: int, w: np.ndarray, *, E: int, lr: float, mu: float = 0.0, offset=None
) -> np.ndarray:
    """Client ``k``'s ``E`` local gradient steps from the received ``w``:
    ``v <- v - lr (grad f_k(v) + mu (v - w) + offset)``. Returns the end point."""
    v = np.array(w, dtype=float)
    for _ in range(E):
        g = lab.gradient(k, v) + mu * (v - w)
        if offset is not None:
            g = g + offset
        v = v - lr * g
    return v


def run(
    lab: DriftLab,
    algorithm: str,
    *,
    E: int,
    rounds: int,
    lr: float = 0.1,
    mu: float = 0.0,
    start: Sequence[float] = (2.0, -2.0),
    clients: bool = False,
):
    """The global model after every round (an array ``(rounds + 1, 2)``, the start first).

    ``algorithm``: ``"fedavg"``, ``"fedprox"`` (with ``mu``) or ``"scaffold"`` (option II, server
    learning rate 1, control variates starting at zero). With ``clients=True`` also returns each
    round's client end points, an array ``(rounds, K, 2)``.

    >>> path = run(drift_lab(), "scaffold", E=8, rounds=200)
    >>> bool(np.linalg.norm(path[-1] - global_optimum(drift_lab())) < 1e-6)
    True
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}; got {algorithm!r}")
    E = check_count(E, "E (local steps)", minimum=1)
    rounds = check_count(rounds, "rounds")
    lr = check_real(lr, "lr", low=0, include_low=False)
    mu = check_real(mu, "mu", low=0)
    if algorithm != "fedprox":
        mu = 0.0
    p, n_clients = lab.weights, len(lab.xs)
    w = np.array(start, dtype=float)
    c, c_k = np.zeros(2), np.zeros((n_clients, 2))  # SCAFFOLD's server and client control variates
    path, ends = [w.copy()], []
    for _ in range(rounds):
        local = np.empty((n_clients, 2))
        for k in range(n_clients):
            offset = c - c_k[k] if algorithm == "scaffold" else None
            local[k] = local_steps(lab, k, w, E=E, lr=lr, mu=mu, offset=offset)
        if algorithm == "scaffold":  # option II: c_k+ = c_k - c + (w - y_k) / (E lr)
            new_c_k = c_k - c + (w - local) / (E * lr)
            c = c + (new_c_k - c_k).mean(axis=0)  # the paper: c += (1/N) sum of the clients' changes
            c_k = new_c_k
        w = p @ local  # the server's (weighted) average
        path.append(w.copy())
        ends.append(local)
    path = np.array(path)
    return (path, np.array(ends).reshape(rounds, n_clients, 2)) if clients else path

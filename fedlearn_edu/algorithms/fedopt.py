"""Server optimisers: the averaged update as a pseudo-gradient, and an optimiser step on the server.

FedAvg replaces the global weights ``x`` by the clients' (sample-weighted) mean ``x̄``. Write the
round's *pseudo-gradient* as ``Δ = x̄ - x`` (the mean update): FedAvg is ``x <- x + Δ``, one SGD
step of size 1. Any optimiser can take that step instead:

- :class:`FedAvgM` -- server momentum (Hsu, Qi & Brown, "Measuring the Effects of Non-Identical
  Data Distribution for Federated Visual Classification", 2019): ``v <- beta v + Δ`` then
  ``x <- x + server_lr v`` (``v`` starts at 0, so round 1 moves by ``server_lr Δ``);
- :class:`FedAdam`, :class:`FedYogi` -- adaptive server optimisers (Reddi, Charles, Zaheer,
  Garrett, Rush, Konečný, Kumar & McMahan, "Adaptive Federated Optimization", ICLR 2021,
  Algorithm 2): ``m <- beta1 m + (1 - beta1) Δ``; FedAdam ``v <- beta2 v + (1 - beta2) Δ²``,
  FedYogi ``v <- v - (1 - beta2) Δ² sign(v - Δ²)``; then ``x <- x + server_lr m / (sqrt(v) + tau)``.
  ``m`` and ``v`` start at 0.

Conventions, checked against Flower 1.42's ``flwr.serverapp.strategy`` (``FedAvgM``, ``FedAdam``,
``FedYogi``), whose numbers these equal when configured the same way:

- Flower's ``server_momentum``/``server_learning_rate`` are ``momentum``/``server_lr`` here; its
  pseudo-gradient has the opposite sign (``x - x̄``, subtracted), the same step.
- Reddi et al. start ``v`` at ``v_{-1} >= tau²``; Flower and this kit start it at 0 (the first
  FedAdam/FedYogi step is then ``server_lr (1 - beta1) Δ / ((sqrt(1 - beta2)) |Δ| + tau)``).
- Flower's FedAdam multiplies ``eta`` by a bias correction ``sqrt(1 - beta2^(r+1)) / (1 - beta1^(r+1))``
  in round r (note r + 1, not Adam's r); the paper has none. ``FedAdam(bias_correction=True)``
  applies Flower's factor; the default (``False``) is the paper. Flower's FedYogi has none.
- The paper's experiments and Flower use beta1 = 0.9, beta2 = 0.99; tau = 1e-3 is Flower's default.

>>> import torch
>>> from fedlearn_edu.algorithms import Replies, Reply
>>> replies = Replies.from_list([0], [Reply({"w": torch.tensor([1.0])}, 5, 0.0, 1)])
>>> algorithm = FedAvgM(server_lr=1.0, momentum=0.5)
>>> state = algorithm.init({"w": torch.tensor([0.0])}, seed=0, n_clients=1)
>>> w, state = algorithm.aggregate(1, {"w": torch.tensor([0.0])}, state, replies)  # Δ = 1, v = 1
>>> w, state = algorithm.aggregate(2, w, state, replies)  # Δ = 0, v = 0.5
>>> w
{'w': tensor([1.5000])}
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from fedlearn_edu._validation import check_real
from fedlearn_edu.algorithms.base import Algorithm, Replies, Weights
from fedlearn_edu.algorithms.fedavg import FedAvg

if TYPE_CHECKING:  # no torch import here: the tensors' own methods do the work
    import torch

__all__ = ["FedAdam", "FedAvgM", "FedYogi", "ServerOptimizer"]


def _check_beta(value: float, name: str) -> float:
    return check_real(value, name, low=0, high=1, include_high=False)


class ServerOptimizer(Algorithm):
    """FedAvg's clients; the server takes an optimiser step on the pseudo-gradient ``Δ = x̄ - x``.

    Subclasses write ``step(round, weights, delta, server_state) -> new weights`` (the server state
    is a dict they may update in place). A round with no replies leaves everything unchanged.
    """

    def __init__(self, server_lr: float):
        self.server_lr = check_real(server_lr, "server_lr", low=0, include_low=False)
        self._mean = FedAvg()

    def init(self, weights: Weights, *, seed: int, n_clients: int) -> dict:
        return {}

    def aggregate(self, round: int, weights: Weights, server_state: dict, replies: Replies):
        if not replies:
            return weights, server_state
        mean, _ = self._mean.aggregate(round, weights, {}, replies)
        delta = {k: mean[k] - w for k, w in weights.items()}
        return self.step(round, weights, delta, server_state), server_state

    def step(self, round: int, weights: Weights, delta: Weights, server_state: dict) -> Weights:
        raise NotImplementedError


class FedAvgM(ServerOptimizer):
    """FedAvg with server momentum: ``v <- momentum v + Δ``, ``x <- x + server_lr v``;
    ``momentum=0, server_lr=1`` is FedAvg. ``server_state["v"]`` is the momentum buffer."""

    name = "fedavgm"

    def __init__(self, server_lr: float = 1.0, momentum: float = 0.9):
        super().__init__(server_lr)
        self.momentum = _check_beta(momentum, "momentum")

    def init(self, weights: Weights, *, seed: int, n_clients: int) -> dict:
        return {"v": {k: w.new_zeros(w.shape) for k, w in weights.items()}}

    def step(self, round, weights, delta, server_state):
        v = {k: self.momentum * server_state["v"][k] + delta[k] for k in weights}
        server_state["v"] = v
        return {k: w + self.server_lr * v[k] for k, w in weights.items()}

    def __repr__(self) -> str:
        return f"FedAvgM(server_lr={self.server_lr}, momentum={self.momentum})"


class _Adaptive(ServerOptimizer):
    def __init__(self, server_lr: float, beta1: float, beta2: float, tau: float):
        super().__init__(server_lr)
        self.beta1 = _check_beta(beta1, "beta1")
        self.beta2 = _check_beta(beta2, "beta2")
        self.tau = check_real(tau, "tau", low=0, include_low=False)

    def init(self, weights: Weights, *, seed: int, n_clients: int) -> dict:
        return {name: {k: w.new_zeros(w.shape) for k, w in weights.items()} for name in ("m", "v")}

    def second_moment(self, v: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def learning_rate(self, round: int) -> float:
        return self.server_lr

    def step(self, round, weights, delta, server_state):
        m = {k: self.beta1 * server_state["m"][k] + (1 - self.beta1) * delta[k] for k in weights}
        v = {k: self.second_moment(server_state["v"][k], delta[k]) for k in weights}
        server_state["m"], server_state["v"] = m, v
        lr = self.learning_rate(round)
        return {k: w + lr * m[k] / (v[k].sqrt() + self.tau) for k, w in weights.items()}

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(server_lr={self.server_lr}, beta1={self.beta1}, beta2={self.beta2}, "
            f"tau={self.tau})"
        )


class FedAdam(_Adaptive):
    """FedAdam: ``v <- beta2 v + (1 - beta2) Δ²``; ``bias_correction=True`` is Flower's ``eta_norm``."""

    name = "fedadam"

    def __init__(
        self, server_lr: float = 0.1, beta1: float = 0.9, beta2: float = 0.99, tau: float = 1e-3,
        bias_correction: bool = False,
    ):  # fmt: skip
        super().__init__(server_lr, beta1, beta2, tau)
        if not isinstance(bias_correction, bool):
            raise TypeError(f"bias_correction must be True or False; got {bias_correction!r}")
        self.bias_correction = bias_correction

    def second_moment(self, v, delta):
        return self.beta2 * v + (1 - self.beta2) * delta.square()

    def learning_rate(self, round: int) -> float:
        if not self.bias_correction:
            return self.server_lr
        t = round + 1.0  # as Flower writes it
        return self.server_lr * math.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)


class FedYogi(_Adaptive):
    """FedYogi: ``v <- v - (1 - beta2) Δ² sign(v - Δ²)`` (``v`` grows slowly, never explodes)."""

    name = "fedyogi"

    def __init__(self, server_lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.99, tau: float = 1e-3):
        super().__init__(server_lr, beta1, beta2, tau)

    def second_moment(self, v, delta):
        d2 = delta.square()
        return v - (1 - self.beta2) * d2 * (v - d2).sign()

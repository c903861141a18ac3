"""SCAFFOLD (Karimireddy, Kale, Mohri, Reddi, Stich & Suresh, "SCAFFOLD: Stochastic Controlled
Averaging for Federated Learning", ICML 2020), with the paper's option II control variates.

Client drift: each client's local steps follow *its own* gradient, so with many local steps the
clients walk towards their own optima. SCAFFOLD corrects each local step with control variates,
estimates of the gradient: ``c`` (the server's, for the whole federation) and ``c_i`` (client
i's, kept **on the client** between rounds). Per round (Algorithm 1 of the paper):

1. the server sends the global model ``x`` and ``c`` (twice the values FedAvg sends);
2. client i starts from ``y = x`` and takes K local SGD steps ``y <- y - lr (g_i(y) + c - c_i)``
   (the :class:`~.base.TrainPlan`'s ``grad_offset``), then updates its control variate by
   option II: ``c_i+ = c_i - c + (x - y) / (K lr)``, keeps ``c_i+`` and sends back ``y`` and
   ``Δc_i = c_i+ - c_i`` (again twice the values); a client's first ``c_i`` is zero;
3. the server moves ``x <- x + server_lr * Δx`` with ``Δx`` the mean of ``y_i - x`` and
   ``c <- c + (1/N) sum_i Δc_i`` over the |S| clients that replied, N the number of clients.

One convention to know: the paper's ``Δx`` is the plain mean over the sampled clients; here
``weighted=True`` (the default) weighs clients by their number of examples, as :class:`~.FedAvg`
does, so that SCAFFOLD and FedAvg differ only by the control variates (round 1, with all control
variates zero, *is* FedAvg's round 1). ``weighted=False`` is the paper's plain mean. The update of
``c`` is the paper's in both cases. ``K`` is the number of steps the client actually took.

>>> Scaffold(server_lr=1.0)
Scaffold(server_lr=1.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from fedlearn_edu._validation import check_real
from fedlearn_edu.algorithms.base import Algorithm, Message, Replies, Reply, TrainPlan, Weights
from fedlearn_edu.algorithms.fedavg import FedAvg

__all__ = ["Scaffold"]


def _zeros_like(weights: Weights) -> Weights:
    return {k: torch.zeros_like(v) for k, v in weights.items()}


class Scaffold(Algorithm):
    """SCAFFOLD with option II control variates; ``server_state["c"]`` is the server's control
    variate, each client's ``c_i`` stays in its own state (``client_state["c"]``)."""

    name = "scaffold"

    def __init__(self, server_lr: float = 1.0, weighted: bool = True):
        self.server_lr = check_real(server_lr, "server_lr", low=0, include_low=False)
        if not isinstance(weighted, bool):
            raise TypeError(f"weighted must be True or False; got {weighted!r}")
        self.weighted = weighted
        self._mean = FedAvg(weighted=weighted)

    def init(self, weights: Weights, *, seed: int, n_clients: int) -> dict:
        return {"c": _zeros_like(weights), "n_clients": n_clients}

    def configure(
        self, round: int, weights: Weights, server_state: dict, clients: Sequence[int], plan: TrainPlan
    ) -> dict[int, Message]:
        return dict.fromkeys(clients, Message(weights, plan, {"c": server_state["c"]}))

    def local_plan(self, client: int, message: Message, client_state: dict) -> TrainPlan:
        c = message.extras["c"]
        c_i = client_state.get("c")
        offset = dict(c) if c_i is None else {k: c[k] - c_i[k] for k in c}
        return message.plan.with_(grad_offset=offset)

    def client_reply(self, client: int, message: Message, reply: Reply, client_state: dict) -> Reply:
        x, y, c = message.weights, reply.weights, message.extras["c"]
        c_i = client_state.get("c") or _zeros_like(c)
        scale = 1.0 / (reply.steps * message.plan.lr)
        new_c_i = {k: c_i[k] - c[k] + (x[k] - y[k]) * scale for k in c}  # option II
        client_state["c"] = new_c_i
        delta_c = {k: new_c_i[k] - c_i[k] for k in c}
        return Reply(y, reply.num_samples, reply.loss, reply.steps, {"delta_c": delta_c})

    def aggregate(self, round: int, weights: Weights, server_state: dict, replies: Replies):
        if not replies:
            return weights, server_state
        mean, _ = self._mean.aggregate(round, weights, {}, replies)
        if self.server_lr == 1.0:
            new = mean  # x + (mean - x), without the rounding
        else:
            new = {k: w + self.server_lr * (mean[k] - w) for k, w in weights.items()}
        c, n = server_state["c"], server_state["n_clients"]
        total = {k: sum(replies[i].extras["delta_c"][k] for i in replies) for k in c}
        server_state = dict(server_state, c={k: c[k] + total[k] / n for k in c})
        return new, server_state

    def __repr__(self) -> str:
        weighted = "" if self.weighted else ", weighted=False"
        return f"Scaffold(server_lr={self.server_lr}{weighted})"

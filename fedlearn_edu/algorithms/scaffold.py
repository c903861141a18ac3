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
from typing import TYPE_CHECKING

import numpy as np

from fedlearn_edu._validation import check_real
from fedlearn_edu.algorithms.base import Algorithm, Message, Replies, Reply, StackedRow, TrainPlan, Weights
from fedlearn_edu.algorithms.fedavg import FedAvg

__all__ = ["Scaffold"]

if TYPE_CHECKING:  # torch is imported where tensors are made, so importing the algorithms stays light
    import torch


def _zeros_like(weights: Weights) -> Weights:
    return {k: v.new_zeros(v.shape) for k, v in weights.items()}


def _stack(values: list[Weights]) -> tuple[bool, Weights]:
    """``(shared, tensors)``: the one dict if every client got the same, else the clients' tensors
    stacked along a first axis."""
    if all(v is values[0] for v in values):
        return True, values[0]
    import torch

    return False, {name: torch.stack([v[name] for v in values]) for name in values[0]}


def _shapes(weights: Weights, shared: bool) -> dict[str, torch.Size]:
    return {name: v.shape if shared else v.shape[1:] for name, v in weights.items()}


def _flat(weights: Weights, shared: bool) -> torch.Tensor:
    """All parameters in one row (``shared``) or one row per client (stacked)."""
    import torch

    if shared:
        return torch.cat([v.reshape(-1) for v in weights.values()])
    m = len(next(iter(weights.values())))
    return torch.cat([v.reshape(m, -1) for v in weights.values()], dim=1)


def _split(rows: torch.Tensor, shapes: dict[str, torch.Size]) -> Weights:
    """Rows of all parameters back into ``{name: (clients, *shape)}`` views."""
    out, start = {}, 0
    for name, shape in shapes.items():
        size = shape.numel()
        out[name] = rows[:, start : start + size].view(len(rows), *shape)
        start += size
    return out


def _own(own: list[np.ndarray | None], like: torch.Tensor) -> torch.Tensor:
    """The clients' own c_i as rows (a zero row, shaped like the row ``like``, for a client that
    has none yet)."""
    import torch

    zero = np.zeros(like.shape[-1], dtype=like.numpy().dtype)
    return torch.from_numpy(np.stack([zero if c_i is None else c_i for c_i in own]))


class Scaffold(Algorithm):
    """SCAFFOLD with option II control variates. ``server_state["c"]`` is the server's control
    variate ``c`` (a dict like the weights); each client's ``c_i`` stays in its own state,
    ``client_state["c"]``: one numpy vector of all parameters in ``state_dict`` order
    (:meth:`as_weights` shapes it like the weights)."""

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
        """Client i's local steps are corrected by ``c - c_i`` (``c_i = 0`` before its first round)."""
        return self.local_plans([client], {client: message}, {client: client_state})[client]

    def client_reply(self, client: int, message: Message, reply: Reply, client_state: dict) -> Reply:
        """Option II: ``c_i+ = c_i - c + (x - y) / (K lr)``; keep ``c_i+``, send ``y`` and ``Δc_i``."""
        one = Replies.from_list([client], [reply])
        return self.client_replies([client], {client: message}, one, {client: client_state})[client]

    # The same arithmetic for all of a round's clients at once: what the engines call. Row i of
    # each matrix is client i, all its parameters in one row; each client keeps its own c_i.

    def local_plans(self, clients, messages, client_states):
        if not clients:
            return {}
        shared, c = _stack([messages[k].extras["c"] for k in clients])
        own = [client_states[k].get("c") for k in clients]
        if shared and all(c_i is None for c_i in own):  # every c_i is zero: one offset, c, for all
            plan = messages[clients[0]].plan.with_(grad_offset=c)
            return dict.fromkeys(clients, plan)
        shapes = _shapes(c, shared)
        c_flat = _flat(c, shared)
        offset = c_flat - _own(own, c_flat)  # c - c_i
        table = _split(offset, shapes)  # {name: (clients, *shape)}: client i's offset is row i
        plans = {}
        for i, k in enumerate(clients):
            plan = messages[k].plan
            plans[k] = TrainPlan(plan.epochs, plan.batch_size, plan.lr, plan.max_steps, plan.prox_mu,
                                 StackedRow(table, i))  # fmt: skip
        return plans

    def client_replies(self, clients, messages, replies, client_states):
        if not clients:
            return replies
        shared_x, x = _stack([messages[k].weights for k in clients])
        shared_c, c = _stack([messages[k].extras["c"] for k in clients])
        y = replies.stacked()
        import torch

        shapes, c_flat = _shapes(c, shared_c), _flat(c, shared_c)
        c_i = _own([client_states[k].get("c") for k in clients], c_flat)
        lr = torch.tensor([messages[k].plan.lr for k in clients], dtype=torch.float64)
        steps = torch.tensor(replies.steps(), dtype=torch.float64)
        scale = (1.0 / (steps * lr)).to(next(iter(y.values())).dtype)[:, None]
        new_c_i = c_i - c_flat + (_flat(x, shared_x) - _flat(y, False)) * scale  # option II
        rows = new_c_i.numpy()
        for i, k in enumerate(clients):  # each client keeps its own c_i (a copy)
            client_states[k]["c"] = rows[i].copy()
        delta_c = _split(new_c_i - c_i, shapes)
        return Replies(clients, stacked=y, num_samples=replies.num_samples(), losses=replies.losses(),
                       steps=replies.steps(), stacked_extras={"delta_c": delta_c})  # fmt: skip

    @staticmethod
    def as_weights(c_i: np.ndarray, like: Weights) -> Weights:
        """A client's ``client_state["c"]`` (one vector) as tensors shaped like ``like`` (the weights)."""
        import torch

        rows = torch.as_tensor(c_i)[None]
        return {name: block[0] for name, block in _split(rows, _shapes(like, True)).items()}

    def aggregate(self, round: int, weights: Weights, server_state: dict, replies: Replies):
        if not replies:
            return weights, server_state
        mean, _ = self._mean.aggregate(round, weights, {}, replies)
        if self.server_lr == 1.0:
            new = mean  # x + (mean - x), without the rounding
        else:
            new = {k: w + self.server_lr * (mean[k] - w) for k, w in weights.items()}
        c, n = server_state["c"], server_state["n_clients"]
        delta_c = replies.stacked_extra("delta_c")
        server_state = dict(server_state, c={k: c[k] + delta_c[k].sum(0) / n for k in c})
        return new, server_state

    def __repr__(self) -> str:
        weighted = "" if self.weighted else ", weighted=False"
        return f"Scaffold(server_lr={self.server_lr}{weighted})"

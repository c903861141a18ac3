"""FedProx (Li, Sahu, Zaheer, Sanjabi, Talwalkar & Smith, "Federated Optimization in Heterogeneous
Networks", MLSys 2020): FedAvg whose clients add a proximal term, and keep partial work.

Each client k minimises its local loss plus ``(mu / 2) ||w - w_t||^2``, where ``w_t`` is the
global model it received. With SGD this adds ``mu * (w - w_t)`` to every gradient: a pull back
towards the global model that limits how far local training drifts. ``mu = 0`` is FedAvg exactly
(same plans, same messages, same arithmetic). The server step is FedAvg's (sample-weighted) mean.

Stragglers (the paper's *systems heterogeneity*): with ``stragglers=x`` a share x of each round's
selected clients can only do part of their local work -- a step budget drawn as
:mod:`.stragglers` explains (uniform in [1, E s) steps, s the client's steps per epoch). FedProx
keeps their partial updates; ``FedAvg(stragglers=x)`` draws the same stragglers and drops them.
The paper's Synthetic experiments compare exactly these three: FedAvg dropping stragglers,
FedProx ``mu = 0`` and FedProx ``mu > 0`` (both keeping partial work).

>>> import torch
>>> from fedlearn_edu.algorithms import FedProx
>>> from fedlearn_edu.algorithms.base import TrainPlan
>>> algorithm = FedProx(mu=0.1)
>>> messages = algorithm.configure(1, {"w": torch.zeros(2)}, {}, [4, 7], TrainPlan(1, 10, 0.05))
>>> messages[7].plan.prox_mu
0.1
>>> FedProx(mu=0.01, stragglers=0.5)
FedProx(mu=0.01, stragglers=0.5)
"""

from __future__ import annotations

from collections.abc import Sequence

from fedlearn_edu._validation import check_real
from fedlearn_edu.algorithms.base import Message, TrainPlan, Weights
from fedlearn_edu.algorithms.fedavg import FedAvg
from fedlearn_edu.algorithms.stragglers import straggler_steps

__all__ = ["FedProx"]


class FedProx(FedAvg):
    """FedProx with proximal strength ``mu >= 0``; ``stragglers`` in [0, 1] keep partial work.

    ``server_state["stragglers"][r-1]`` lists round ``r``'s stragglers (when ``stragglers > 0``).
    """

    name = "fedprox"

    def __init__(self, mu: float, stragglers: float = 0.0, weighted: bool = True):
        self.mu = check_real(mu, "mu (the proximal strength)", low=0)
        super().__init__(weighted=weighted, stragglers=stragglers)
        self.name = "fedprox"

    def configure(
        self, round: int, weights: Weights, server_state: dict, clients: Sequence[int], plan: TrainPlan
    ) -> dict[int, Message]:
        plan = plan.with_(prox_mu=self.mu)
        late = self.draw_stragglers(server_state, clients)
        everyone = Message(weights, plan)  # one message shared by all who do their full work
        return {k: Message(weights, plan, {"work": late[k]}) if k in late else everyone for k in clients}

    def local_plan(self, client: int, message: Message, client_state: dict) -> TrainPlan:
        """A straggler (``"work"`` in its message) gets its step budget; the others the plan sent."""
        if "work" not in message.extras:
            return message.plan
        plan = message.plan
        budget = straggler_steps(
            message.extras["work"], client_state["num_samples"], plan.epochs, plan.batch_size
        )
        return plan.with_(max_steps=budget)

    def __repr__(self) -> str:
        extra = f", stragglers={self.stragglers}" if self.stragglers else ""
        weighted = "" if self.weighted else ", weighted=False"
        return f"FedProx(mu={self.mu}{extra}{weighted})"

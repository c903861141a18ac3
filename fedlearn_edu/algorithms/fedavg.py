"""FedAvg (McMahan et al. 2017), and any aggregation rule used as FedAvg's server step.

Clients train from the global weights with plain SGD (the base :class:`~.base.Algorithm`'s client
side); the server replaces the global weights with an average of what came back:

- ``FedAvg()`` -- McMahan's sample-weighted mean ``w = sum_k (n_k / n) w_k``;
- ``FedAvg(weighted=False)`` -- the article's plain mean ``w = (1/N) sum_k w_k``;
- ``RuleAlgorithm(rule)`` -- any rule of :mod:`fedlearn_edu.aggregate` instead of the mean (the
  robust rules of :mod:`.robust` are built this way); ``run_fedavg(aggregate=rule)`` uses it.

A round in which no client sent anything (all sampled clients hold no data) leaves the global
weights unchanged.

``FedAvg(stragglers=x)`` is the FedProx paper's baseline under systems heterogeneity: each round a
share x of the selected clients are stragglers (:mod:`.stragglers`) and FedAvg *drops* them -- they
are left out of the round, as if their late work were discarded. ``FedProx(mu, stragglers=x)``
draws the same stragglers and keeps their partial work. ``server_state["stragglers"][r-1]`` lists
round ``r``'s stragglers. A dropped straggler is not trained at all and ``history.sampled`` and the
communication counts leave it out (a real server would have sent it the model for nothing).

>>> import torch
>>> from fedlearn_edu.algorithms import Replies, Reply
>>> replies = Replies.from_list([2, 5], [Reply({"w": torch.tensor([0.0])}, 30, 0.1, 3),
...                                      Reply({"w": torch.tensor([4.0])}, 10, 0.2, 1)])
>>> FedAvg().aggregate(1, {"w": torch.tensor([9.0])}, {}, replies)[0]
{'w': tensor([1.])}
>>> FedAvg(weighted=False).aggregate(1, {"w": torch.tensor([9.0])}, {}, replies)[0]
{'w': tensor([2.])}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fedlearn_edu._validation import check_fraction
from fedlearn_edu.aggregate import fedavg, federated_mean
from fedlearn_edu.algorithms.base import Algorithm, Message, Replies, TrainPlan, Weights
from fedlearn_edu.algorithms.rules import apply_rule, apply_rule_stacked, rule_name
from fedlearn_edu.algorithms.stragglers import draw_stragglers, stragglers_rng

__all__ = ["FedAvg", "RuleAlgorithm"]


class RuleAlgorithm(Algorithm):
    """FedAvg's rounds with ``rule(models[, num_samples][, center])`` as the server step.

    ``rule`` is a function of :mod:`fedlearn_edu.aggregate` (or a ``functools.partial`` of one); it
    gets ``num_samples`` if it takes them and the current global weights as ``center`` if it takes
    one. ``name`` defaults to the rule's name.
    """

    def __init__(self, rule: Callable, name: str | None = None):
        if not callable(rule):
            raise TypeError(f"rule must be an aggregation function such as aggregate.fedavg; got {rule!r}")
        self.rule = rule
        self.name = name or rule_name(rule)

    def aggregate(self, round: int, weights: Weights, server_state: dict, replies: Replies):
        if not replies:
            return weights, server_state
        if self.rule in (fedavg, federated_mean):  # computed on the stacked weights: fast for 1000 clients
            return apply_rule_stacked(self.rule, replies.stacked(), replies.num_samples()), server_state
        return apply_rule(self.rule, replies.models(), replies.num_samples(), center=weights), server_state

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"


class FedAvg(RuleAlgorithm):
    """FedAvg: ``weighted=True`` is McMahan's sample-weighted mean, ``False`` the article's plain mean.

    ``stragglers``: the share of each round's selected clients that are stragglers, dropped.
    """

    def __init__(self, weighted: bool = True, stragglers: float = 0.0):
        if not isinstance(weighted, bool):
            raise TypeError(f"weighted must be True or False; got {weighted!r}")
        self.weighted = weighted
        self.stragglers = check_fraction(stragglers, "stragglers (the share of clients that straggle)")
        super().__init__(fedavg if weighted else federated_mean)

    def init(self, weights: Weights, *, seed: int, n_clients: int) -> dict:
        return {"rng": stragglers_rng(seed), "stragglers": []} if self.stragglers else {}

    def draw_stragglers(self, server_state: dict, clients: Sequence[int]) -> dict[int, float]:
        """This round's stragglers ``{client: u}`` (recorded in ``server_state["stragglers"]``)."""
        if not self.stragglers:
            return {}
        drawn = draw_stragglers(server_state["rng"], clients, self.stragglers)
        server_state["stragglers"].append(sorted(drawn))
        return drawn

    def configure(
        self, round: int, weights: Weights, server_state: dict, clients: Sequence[int], plan: TrainPlan
    ) -> dict[int, Message]:
        late = self.draw_stragglers(server_state, clients)
        return dict.fromkeys([k for k in clients if k not in late], Message(weights, plan))

    def __repr__(self) -> str:
        extra = f", stragglers={self.stragglers}" if self.stragglers else ""
        return f"FedAvg(weighted={self.weighted}{extra})"

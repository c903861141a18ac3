"""FedAvg (McMahan et al. 2017), and any aggregation rule used as FedAvg's server step.

Clients train from the global weights with plain SGD (the base :class:`~.base.Algorithm`'s client
side); the server replaces the global weights with an average of what came back:

- ``FedAvg()`` -- McMahan's sample-weighted mean ``w = sum_k (n_k / n) w_k``;
- ``FedAvg(weighted=False)`` -- the article's plain mean ``w = (1/N) sum_k w_k``;
- ``RuleAlgorithm(rule)`` -- any rule of :mod:`fedlearn_edu.aggregate` instead of the mean (the
  robust rules of :mod:`.robust` are built this way); ``run_fedavg(aggregate=rule)`` uses it.

A round in which no client sent anything (all sampled clients hold no data) leaves the global
weights unchanged.

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

from collections.abc import Callable

from fedlearn_edu.aggregate import fedavg, federated_mean
from fedlearn_edu.algorithms.base import Algorithm, Replies, Weights
from fedlearn_edu.algorithms.rules import apply_rule, apply_rule_stacked, rule_name

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
    """FedAvg: ``weighted=True`` is McMahan's sample-weighted mean, ``False`` the article's plain mean."""

    def __init__(self, weighted: bool = True):
        if not isinstance(weighted, bool):
            raise TypeError(f"weighted must be True or False; got {weighted!r}")
        self.weighted = weighted
        super().__init__(fedavg if weighted else federated_mean)

    def __repr__(self) -> str:
        return f"FedAvg(weighted={self.weighted})"

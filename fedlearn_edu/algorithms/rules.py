"""Calling an aggregation rule from :mod:`fedlearn_edu.aggregate` as the server update of an algorithm.

Rules come in two shapes: ``fedavg(models, num_samples)`` weighs clients by their sample counts,
the others (``federated_mean(models)``, ``coordinate_median(models)``, or
``functools.partial(trimmed_mean, n_trim=2)``) take the models alone. :func:`apply_rule` calls
either kind. :func:`apply_rule_stacked` does the same for client models stacked along a first axis
(the fast engine's layout); for ``fedavg`` and ``federated_mean`` it computes the very same
float64 average without unstacking the clients first (that is much faster for 1000 clients).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from fedlearn_edu.aggregate import fedavg, federated_mean, normalise_weights

__all__ = ["accepts", "apply_rule", "apply_rule_stacked", "rule_name"]


def rule_name(rule: Callable) -> str:
    """A readable name for an aggregation rule (``functools.partial`` included)."""
    inner = getattr(rule, "func", rule)
    return getattr(inner, "__name__", type(inner).__name__)


def accepts(rule: Callable, argument: str) -> bool:
    """Whether ``rule`` takes a keyword ``argument`` (``num_samples``, ``center``)."""
    try:
        return argument in inspect.signature(rule).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


def apply_rule(rule: Callable, models: Sequence[Any], num_samples: Sequence[int], center: Any = None) -> Any:
    """``rule(models, num_samples=...)`` if the rule weighs by sample counts, else ``rule(models)``;
    ``center=`` (the global model) is passed too if the rule takes it (``norm_clipped_mean``).

    >>> apply_rule(fedavg, [[0.0], [4.0]], [3, 1]), apply_rule(federated_mean, [[0.0], [4.0]], [3, 1])
    ([1.0], [2.0])
    """
    kwargs = {}
    if accepts(rule, "num_samples"):
        kwargs["num_samples"] = list(num_samples)
    if center is not None and accepts(rule, "center"):
        kwargs["center"] = center
    return rule(models, **kwargs)


def apply_rule_stacked(
    rule: Callable, stacked: Mapping[str, Any], num_samples: Sequence[int]
) -> dict[str, Any]:
    """The rule applied to client models stacked along the first axis: ``stacked[name][i]`` is
    client ``i``'s parameter ``name``. Returns one ``state_dict``.

    >>> import torch
    >>> stacked = {"w": torch.tensor([[0.0, 1.0], [4.0, 5.0]])}
    >>> apply_rule_stacked(fedavg, stacked, [30, 10])
    {'w': tensor([1., 2.])}
    """
    n_clients = len(next(iter(stacked.values())))
    if rule in (fedavg, federated_mean):
        import torch

        if rule is fedavg:
            counts = np.asarray(num_samples, dtype=np.float64)
            if len(counts) != n_clients or not counts.sum() > 0 or (counts < 0).any():
                normalise_weights(list(num_samples), n_clients)  # raises, saying what is wrong
            weights = torch.from_numpy(counts / float(np.sum(counts)))  # what normalise_weights computes
            out = {k: torch.tensordot(weights, v.double(), dims=1).to(v.dtype) for k, v in stacked.items()}
        else:
            out = {k: (v.double().sum(0) / n_clients).to(v.dtype) for k, v in stacked.items()}
        if all(bool(torch.isfinite(v).all()) for v in out.values()):
            return out  # else some client diverged: the generic path below says which one
    models = [{k: v[i] for k, v in stacked.items()} for i in range(n_clients)]
    return apply_rule(rule, models, num_samples)

"""Averaging client models: step 4 of FedAvg, "the server averages what the clients sent".

Two formulas, both written for a list with one model per client:

- :func:`federated_mean` -- the article's formula, every client counts the same::

      w = (1/N) * sum_k w_k

- :func:`fedavg` -- McMahan et al. (2017), each client counts by its number of samples n_k::

      w = sum_k (n_k / n) * w_k,   n = sum_k n_k

They agree when every client has the same number of samples (or every client sends the same
model). A model can be a number, a nested list, a numpy array, a torch tensor, or a dict of those
such as a PyTorch ``state_dict``; you get back the kind you gave (see :mod:`fedlearn_edu._models`
for the details, including integer tensors). Inputs are never modified. This module needs numpy
only: torch is used only when you pass torch tensors.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from fedlearn_edu._models import stack_models, unstack

__all__ = ["fedavg", "federated_mean", "normalise_weights"]

Model = TypeVar("Model")


def normalise_weights(num_samples: Sequence[float], n_clients: int) -> np.ndarray:
    """Check client sample counts and turn them into weights n_k / n that sum to 1.

    >>> normalise_weights([10, 30], n_clients=2)
    array([0.25, 0.75])
    """
    if isinstance(num_samples, (str, bytes)) or not hasattr(num_samples, "__len__"):
        raise TypeError(
            "num_samples must be a list with one sample count per client, "
            f"e.g. [120, 80, 40]; got {type(num_samples).__name__}"
        )
    if len(num_samples) != n_clients:
        raise ValueError(
            f"num_samples has {len(num_samples)} entries but there are {n_clients} clients: "
            "give exactly one sample count per client, in the same order as the models"
        )
    counts = []
    for k, n in enumerate(num_samples):
        if hasattr(n, "item") and getattr(n, "ndim", 0) == 0:
            n = n.item()  # numpy / torch scalars
        if isinstance(n, bool) or not isinstance(n, numbers.Real):
            raise TypeError(f"num_samples[{k}] (client {k}) is {n!r}: a sample count must be a number")
        if not np.isfinite(n):
            raise ValueError(f"num_samples[{k}] (client {k}) is {n}: a sample count must be finite")
        if n < 0:
            raise ValueError(
                f"num_samples[{k}] (client {k}) is {n}: a client cannot have a negative number of samples"
            )
        if n != int(n):
            raise ValueError(
                f"num_samples[{k}] (client {k}) is {n}: a sample count must be a whole number. "
                "(Weights like 0.25 belong in fedavg's result, not its input: pass the counts n_k.)"
            )
        counts.append(float(n))
    total = float(np.sum(counts))
    if total == 0:
        raise ValueError("num_samples are all zero: with no samples anywhere there is nothing to weight by")
    return np.asarray(counts) / total


def _weighted_average(models: Sequence[Model], num_samples: Sequence[float] | None) -> Model:
    stacked = stack_models(models)
    weights = None if num_samples is None else normalise_weights(num_samples, stacked.n_clients)
    reduced = {}
    for key, array in stacked.arrays.items():
        if weights is None:
            reduced[key] = array.sum(axis=0) / array.shape[0]
        else:
            reduced[key] = np.tensordot(weights, array, axes=1)
    return unstack(stacked, reduced)


def federated_mean(models: Sequence[Model]) -> Model:
    """The article's FedAvg step: the plain mean, w = (1/N) sum_k w_k.

    The article's three nodes:

    >>> federated_mean([[0.1, 0.2, 0.3], [0.2, 0.3, 0.4], [0.3, 0.4, 0.5]])
    [0.2, 0.3, 0.4]

    (Your screen may show 0.20000000000000004: that is floating point, not a bug.)
    """
    return _weighted_average(models, None)


def fedavg(models: Sequence[Model], num_samples: Sequence[float]) -> Model:
    """McMahan et al.'s FedAvg step: the sample-weighted mean, w = sum_k (n_k/n) w_k.

    A client with three times the data counts three times as much:

    >>> fedavg([[0.0, 1.0], [4.0, 5.0]], num_samples=[30, 10])
    [1.0, 2.0]
    """
    return _weighted_average(models, num_samples)

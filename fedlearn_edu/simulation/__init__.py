"""Simulating federated learning on one machine: FedAvg with many clients.

:func:`run_fedavg` runs McMahan et al. (2017)'s FedAvg with its three knobs -- C (the fraction of
clients that train each round), E (local epochs) and B (local batch size; ``None`` is the whole
local data set, written B = ∞ in the paper) -- and returns a :class:`History`.

Two engines compute the same thing:

- ``engine="reference"`` (:mod:`.reference`): a plain loop over clients built from lesson 03's
  pieces (``VirtualWorker``, ``CommunicationLog``); read it to see the algorithm;
- ``engine="fast"`` (:mod:`.fast`): all clients of a round trained together as one batched
  computation over stacked weights; use it to explore.

Same seed, same global weights (to float32 rounding). How the seed is split into the clients'
sampling and minibatch orders is explained in :mod:`.sampling`.

Both engines run on one CPU thread (the setting is restored afterwards): their matrices are so
small that waking a second thread for each product costs more than it saves, and on a busy
two-core laptop it can make a round ten times slower.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from fedlearn_edu.aggregate import fedavg
from fedlearn_edu.data import Dataset, check_partition
from fedlearn_edu.simulation.aggregation import rule_name
from fedlearn_edu.simulation.history import History
from fedlearn_edu.simulation.models import mlp
from fedlearn_edu.simulation.sampling import client_seed, clients_per_round, sample_clients

__all__ = ["History", "client_seed", "clients_per_round", "mlp", "run_fedavg", "sample_clients"]

ENGINES = ("fast", "reference")


def _whole(value: object, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}; got {value!r}")
    return int(value)


def _batch_size(B: object) -> int | None:
    if B is None or (isinstance(B, float) and math.isinf(B) and B > 0):
        return None  # B = ∞: each client's whole data set is one batch
    return _whole(B, "B (the local batch size; None or math.inf for the whole local data)")


def default_model(data: Dataset, seed: int = 0) -> nn.Module:
    """The model used when none is given: an MLP d-32-classes, or a linear model for regression."""
    d = data.x_train.shape[1]
    return mlp((d, 32, data.n_classes), seed=seed) if data.n_classes else mlp((d, 1), seed=seed)[0]


def run_fedavg(
    data: Dataset,
    partitions: Sequence[Sequence[int]],
    model: nn.Module | None = None,
    *,
    rounds: int = 10,
    C: float = 0.1,
    E: int = 1,
    B: int | float | None = 10,
    lr: float = 0.05,
    aggregate: Callable = fedavg,
    loss: str | None = None,
    seed: int = 0,
    engine: str = "fast",
    progress: bool | None = None,
    stop_at: float | None = None,
) -> History:
    """Run FedAvg for ``rounds`` rounds; return the :class:`History`.

    Each round: sample m = max(1, round(C*K)) of the K = ``len(partitions)`` clients; each trains a
    copy of the global model for E epochs of plain SGD (learning rate ``lr``) in minibatches of B;
    the server combines the returned models with ``aggregate`` (default: McMahan's sample-weighted
    :func:`~fedlearn_edu.aggregate.fedavg`). FedSGD is the special case ``E=1, B=None``.

    ``model`` (not modified) is the initial global model; by default :func:`default_model`.
    ``loss`` defaults to ``"cross_entropy"`` for classification data, ``"sum_squares"`` otherwise.
    ``progress``: ``None`` shows a progress bar only for runs longer than a few seconds.
    ``stop_at``: stop after the first round whose test accuracy reaches it (for "rounds to target").

    >>> from fedlearn_edu.data import load_digits, iid_partition
    >>> digits = load_digits(seed=0)
    >>> parts = iid_partition(digits.y_train, n_clients=20, seed=0)
    >>> history = run_fedavg(digits, parts, rounds=10, C=0.5, E=1, B=10, lr=0.1, seed=0)
    >>> history
    <History: fast engine, 10 rounds, final test accuracy 0.882>
    >>> [int(k) for k in history.sampled[0]]
    [0, 2, 3, 4, 8, 11, 14, 15, 18, 19]
    """
    from fedlearn_edu.simulation.fast import run_fast
    from fedlearn_edu.simulation.reference import run_reference

    if engine not in ENGINES:
        raise ValueError(f"engine must be 'fast' or 'reference'; got {engine!r}")
    partitions = [np.asarray(p, dtype=np.int64) for p in partitions]
    if not partitions:
        raise ValueError("partitions is empty: give one array of train-set indices per client")
    check_partition(partitions, len(data.x_train))
    loss = loss or ("cross_entropy" if data.n_classes else "sum_squares")
    if loss not in ("cross_entropy", "sum_squares"):
        raise ValueError(f"loss must be 'cross_entropy' or 'sum_squares'; got {loss!r}")
    if not (isinstance(lr, numbers.Real) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number; got {lr!r}")
    settings = dict(
        rounds=_whole(rounds, "rounds", 0), C=C, E=_whole(E, "E (local epochs)"), B=_batch_size(B),
        lr=float(lr), aggregate=aggregate, loss=loss, seed=seed,
    )  # fmt: skip
    clients_per_round(len(partitions), C)  # checks C
    model = copy.deepcopy(model) if model is not None else default_model(data, seed)
    config = {k: v for k, v in settings.items() if k != "aggregate"}
    config.update(K=len(partitions), aggregate=rule_name(aggregate))
    run = run_fast if engine == "fast" else run_reference
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: handing them to a second thread costs more than it saves
    try:
        return run(data, partitions, model, **settings, progress=progress, stop_at=stop_at, config=config)
    finally:
        torch.set_num_threads(threads)

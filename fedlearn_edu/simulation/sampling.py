"""The randomness of a FedAvg run, all derived from its one ``seed``.

A run draws two kinds of random numbers, from independent streams of
``numpy.random.SeedSequence(seed)``:

- **which clients train** in each round -- stream ``(0,)``: one generator for the whole run,
  ``rng = default_rng(SeedSequence(seed, spawn_key=(0,)))``, passed to :func:`sample_clients`
  round after round;
- **each client's minibatch order** in round ``r`` -- stream ``(1, r)``: its first K 64-bit words,
  ``SeedSequence(seed, spawn_key=(1, r)).generate_state(K, dtype=numpy.uint64)``, are the integer
  seeds of clients 0..K-1 in that round (:func:`client_seeds`); client ``k`` trains with
  ``default_rng(seeds[k])``. A seed depends only on ``(seed, r, k)`` -- not on K, nor on which other
  clients were sampled -- so every engine, in any order, gives each client the same minibatches.

``SeedSequence(seed, spawn_key=(1, r))`` is the sequence that ``SeedSequence(seed).spawn(2)[1]
.spawn(r + 1)[r]`` gives: numpy's recommended way to derive independent streams. (One call per round
makes all K seeds at once: for K = 1000 that is 30 times faster than a sequence per client.)
"""

from __future__ import annotations

import numpy as np

__all__ = ["client_seed", "client_seeds", "clients_per_round", "sample_clients", "sampling_rng"]


def sampling_rng(seed: int) -> np.random.Generator:
    """The generator that picks the clients of every round of a run with this ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))


def client_seeds(seed: int, round: int, n_clients: int) -> np.ndarray:
    """The seeds of clients ``0 .. n_clients-1``'s minibatch orders in round ``round`` of a run.

    >>> seeds = client_seeds(0, round=1, n_clients=100)
    >>> bool(seeds[7] == client_seeds(0, 1, 8)[7]), bool(seeds[7] == client_seeds(0, 2, 8)[7])
    (True, False)
    """
    return np.random.SeedSequence(seed, spawn_key=(1, round)).generate_state(n_clients, dtype=np.uint64)


def client_seed(seed: int, round: int, client: int) -> int:
    """The seed of one client's minibatch order in round ``round`` (see :func:`client_seeds`).

    >>> client_seed(0, 1, 7) == int(client_seeds(0, 1, 100)[7])
    True
    """
    return int(client_seeds(seed, round, client + 1)[client])


def clients_per_round(n_clients: int, fraction: float) -> int:
    """m = max(1, round(C * K)): how many clients train each round.

    >>> clients_per_round(100, 0.1), clients_per_round(100, 0.001), clients_per_round(10, 1.0)
    (10, 1, 10)
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"C (the fraction of clients per round) must be in (0, 1]; got {fraction}")
    return max(1, min(n_clients, round(fraction * n_clients)))


def sample_clients(n_clients: int, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Choose m = max(1, round(C * K)) distinct clients out of K, uniformly; return them sorted.

    >>> sample_clients(10, 0.3, np.random.default_rng(0))
    array([5, 6, 9])
    """
    m = clients_per_round(n_clients, fraction)
    return np.sort(rng.choice(n_clients, size=m, replace=False))

"""Differentially private FedAvg (McMahan, Ramage, Talwar & Zhang 2018), the server's side.

Each round:

1. sample clients: each one takes part with probability ``q`` (Poisson sampling), independently;
2. each sampled client trains and sends its model; its update ``delta_k = w_k - w`` is **clipped**
   to L2 norm ``C``, so no client can move the model by more than ``C``;
3. the server adds **Gaussian noise** of standard deviation ``sigma * C`` to the *sum* of the
   clipped updates and divides by the *expected* number of clients ``q * N`` (a fixed number, so
   the result does not reveal how many clients took part)::

       w_new = w + ( sum_k clip(delta_k, C) + N(0, sigma^2 C^2 I) ) / (q N)

Each client is then protected by noise as large as anything it could contribute; the
:mod:`~fedlearn_edu.privacy.accountant` turns ``sigma``, ``q`` and the number of rounds into
``(epsilon, delta)``. Every client counts the same here (McMahan et al. also allow bounded
weights). Works on every model kind :mod:`fedlearn_edu.aggregate` accepts; numpy only.

Randomness (the package rule): every function here that draws takes ``seed=``. Unlike the rest of
the kit, the default here is ``seed=None`` -- fresh entropy from the operating system -- because
noise that anyone can replay protects nobody; lessons and tests pass a seed to replay a run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from fedlearn_edu._models import stack_models, unstack
from fedlearn_edu._validation import check_count, check_fraction, check_real, check_seed, rng
from fedlearn_edu.aggregate import clip_to_norm, norm_clipped_mean

__all__ = [
    "add_gaussian_noise",
    "clip_to_norm",
    "dp_fedavg_step",
    "poisson_sample",
]

Model = TypeVar("Model")


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return rng(seed)


def poisson_sample(
    n_clients: int, sample_rate: float, seed: int | np.random.Generator | None = None
) -> list[int]:
    """The clients taking part in one round: each with probability ``sample_rate``, independently.

    >>> poisson_sample(10, 0.3, seed=0)
    [1, 2, 3]
    """
    n_clients = check_count(n_clients, "n_clients")
    sample_rate = check_fraction(sample_rate, "sample_rate")
    return np.flatnonzero(_rng(seed).random(n_clients) < sample_rate).tolist()


def add_gaussian_noise(model: Model, std: float, seed: int | np.random.Generator | None = None) -> Model:
    """A copy of ``model`` with independent N(0, std^2) noise added to every parameter.

    >>> add_gaussian_noise([1.0, 2.0], std=0.0)
    [1.0, 2.0]
    """
    std = check_real(std, "std", low=0)
    generator = _rng(seed)
    stacked = stack_models([model])
    return unstack(
        stacked,
        {key: a[0] + std * generator.standard_normal(a.shape[1:]) for key, a in stacked.arrays.items()},
    )


def dp_fedavg_step(
    global_model: Model,
    client_models: Sequence[Model],
    clip_norm: float,
    noise_multiplier: float,
    expected_clients: float,
    seed: int | np.random.Generator | None = None,
) -> Model:
    """One DP-FedAvg server step: clip each update to ``clip_norm``, add noise to the sum, average.

    ``expected_clients`` is q N, the average number of clients per round. With no noise and
    updates shorter than ``clip_norm`` it is the plain mean of the updates when q N clients came:

    >>> dp_fedavg_step([0.0, 0.0], [[0.2, 0.0], [0.0, 0.4]], clip_norm=1.0,
    ...                noise_multiplier=0.0, expected_clients=2)
    [0.1, 0.2]
    """
    expected_clients = check_real(expected_clients, "expected_clients (q N)", low=0, include_low=False)
    noise_multiplier = check_real(noise_multiplier, "noise_multiplier (sigma)", low=0)
    clip_norm = check_real(clip_norm, "clip_norm (C)", low=0, include_low=False)
    check_seed(seed)
    rng = _rng(seed)
    if len(client_models) == 0:  # nobody sampled this round: the noise still goes out
        total = stack_models([global_model])
        sums = {key: np.zeros(a.shape[1:]) for key, a in total.arrays.items()}
    else:
        clipped_mean = norm_clipped_mean(client_models, clip_norm, center=global_model)
        total = stack_models([global_model, clipped_mean])
        sums = {key: len(client_models) * (a[1] - a[0]) for key, a in total.arrays.items()}
    std = noise_multiplier * float(clip_norm)
    reduced = {
        key: a[0] + (sums[key] + std * rng.standard_normal(a.shape[1:])) / expected_clients
        for key, a in total.arrays.items()
    }
    return unstack(total, reduced)

"""DP-FedAvg (McMahan, Ramage, Talwar & Zhang 2018) as an algorithm: sample, clip, sum, add noise.

Per round, of the clients the engine offers (all K with ``C=1``, or a fraction C of them):

1. **configure**: each takes part with probability ``sample_rate`` (Poisson sampling, drawn by
   the server's own generator);
2. clients train as in FedAvg and send their weights;
3. **aggregate**: :func:`fedlearn_edu.privacy.dp.dp_fedavg_step` clips each update ``w_k - w`` to
   ``clip_norm``, adds Gaussian noise of standard deviation ``noise_multiplier * clip_norm`` to the
   sum and divides by the *expected* number of participants ``sample_rate * (clients offered)``.

The maths and the privacy accountant stay in :mod:`fedlearn_edu.privacy`; this file only says when
each step happens. The server's generator is ``numpy.random.default_rng(seed)`` if a ``seed`` is
given, else ``default_rng([run seed, 1])``: a rerun gives the same noise.

>>> DPFedAvg(clip_norm=1.0, noise_multiplier=1.0, sample_rate=0.5)
DPFedAvg(clip_norm=1.0, noise_multiplier=1.0, sample_rate=0.5)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fedlearn_edu._validation import check_fraction, check_real, check_seed
from fedlearn_edu.algorithms.base import Algorithm, Message, Replies, TrainPlan, Weights
from fedlearn_edu.privacy.dp import dp_fedavg_step, poisson_sample

__all__ = ["DPFedAvg"]


class DPFedAvg(Algorithm):
    """DP-FedAvg; ``server_state["participants"][r-1]`` lists who took part in round ``r``."""

    name = "dp_fedavg"

    def __init__(
        self, clip_norm: float, noise_multiplier: float, sample_rate: float, seed: int | None = None
    ):
        self.clip_norm = check_real(clip_norm, "clip_norm", low=0, include_low=False)
        self.noise_multiplier = check_real(noise_multiplier, "noise_multiplier", low=0)
        self.sample_rate = check_fraction(sample_rate, "sample_rate")
        if seed is not None and not isinstance(check_seed(seed), int):
            raise TypeError(
                f"seed must be a whole number >= 0 or None (then the run's seed is used); got {seed!r}"
            )
        self.seed = seed

    def init(self, weights: Weights, *, seed: int, n_clients: int) -> dict:
        rng = np.random.default_rng(self.seed if self.seed is not None else [seed, 1])
        return {"rng": rng, "expected": None, "participants": []}

    def configure(
        self, round: int, weights: Weights, server_state: dict, clients: Sequence[int], plan: TrainPlan
    ) -> dict[int, Message]:
        kept = poisson_sample(len(clients), self.sample_rate, server_state["rng"])
        chosen = [int(clients[i]) for i in kept]
        server_state["expected"] = self.sample_rate * len(clients)
        server_state["participants"].append(chosen)
        return dict.fromkeys(chosen, Message(weights, plan))

    def aggregate(self, round: int, weights: Weights, server_state: dict, replies: Replies):
        new = dp_fedavg_step(
            weights, replies.models(), self.clip_norm, self.noise_multiplier,
            server_state["expected"], server_state["rng"],
        )  # fmt: skip
        return new, server_state

    def __repr__(self) -> str:
        return (
            f"DPFedAvg(clip_norm={self.clip_norm}, noise_multiplier={self.noise_multiplier}, "
            f"sample_rate={self.sample_rate})"
        )

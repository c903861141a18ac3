"""Stragglers: clients that cannot finish their local work in time (FedProx's setting, Li et al. 2020).

The FedProx paper simulates *systems heterogeneity* this way: in every round a fixed share x of the
selected devices are stragglers (0 %, 50 % or 90 %), and each straggler does only part of the
local work asked of it. FedAvg drops them; FedProx keeps their partial work. Here, per round:

1. **who** (:func:`draw_stragglers`): of the m clients the server selected, ``m - round((1 - x) m)``
   are stragglers (the paper's code keeps ``round((1 - x) m)`` clients "active"), chosen uniformly
   without replacement, and each gets a number ``u`` drawn uniformly in [0, 1);
2. **how much** (:func:`straggler_steps`): a straggler with ``n`` examples, asked for E epochs in
   batches of B (``s = ceil(n / B)`` steps per epoch, 1 for B = ∞), takes
   ``1 + floor(u (E s - 1))`` steps: uniform over the whole numbers in [1, E s) -- the paper draws
   *epochs* uniformly in [1, E); we draw *steps*, so a straggler does partial work even when E = 1.
   A client whose whole local work is a single step (E s = 1) cannot do less, and takes that step.

Both draws come from one generator, ``numpy.random.default_rng([run seed, 2])``, used only for
this: ``FedAvg(stragglers=x)`` and ``FedProx(mu, stragglers=x)`` run with the same seed and the same
clients per round pick the *same* stragglers with the same ``u``, so they are comparable.

>>> import numpy as np
>>> draw_stragglers(np.random.default_rng(0), [3, 5, 8, 9], fraction=0.5)
{8: 0.041, 9: 0.017}
>>> [straggler_steps(u, num_samples=95, epochs=2, batch_size=10) for u in (0.0, 0.5, 0.999)]
[1, 10, 19]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["draw_stragglers", "straggler_steps", "stragglers_rng"]


def stragglers_rng(seed: int) -> np.random.Generator:
    """The generator that draws a run's stragglers (independent of the client sampling)."""
    return np.random.default_rng([seed, 2])


def draw_stragglers(rng: np.random.Generator, clients: Sequence[int], fraction: float) -> dict[int, float]:
    """``{client id: u}`` for this round's stragglers among ``clients`` (see the module docstring)."""
    clients = [int(k) for k in clients]
    n = len(clients) - round((1 - fraction) * len(clients))
    if n <= 0:
        return {}
    chosen = rng.choice(len(clients), size=n, replace=False)
    work = rng.random(n)
    return {clients[i]: float(u) for i, u in sorted(zip(chosen.tolist(), work.tolist(), strict=True))}


def straggler_steps(u: float, num_samples: int, epochs: int, batch_size: int | None) -> int:
    """How many local steps a straggler takes: ``1 + floor(u (E s - 1))`` with ``s = ceil(n / B)``."""
    per_epoch = 1 if batch_size is None else math.ceil(num_samples / batch_size)
    total = epochs * per_epoch
    return 1 + math.floor(u * (total - 1)) if total > 1 else 1

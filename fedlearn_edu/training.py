"""Local training: the one SGD loop every client in the kit runs, and the one place minibatch order comes from.

A client receives a model, takes plain SGD steps (``p -= lr * grad``, no momentum, no weight decay)
on its own data and hands the new parameters back. Everything that trains locally calls
:func:`local_train`: lesson 03's :class:`~fedlearn_edu.workers.VirtualWorker` (and through it the
reference engine and the two-worker loop), the gradient-leakage lesson's client and the Flower
benchmark's client. The fast engine (:mod:`fedlearn_edu.simulation.fast`) does the same arithmetic
for many clients at once; a test checks that it ends where :func:`local_train` ends.

- **Minibatch order** (:func:`minibatch_order`): ``rng = numpy.random.default_rng(seed)``; for each
  epoch ``order = rng.permutation(n)`` cut into ``order[i:i+B]`` (the last batch may be smaller).
  ``B=None`` is full batch: the local data as stored, once per epoch.
- **Losses** (:data:`LOSSES`): the article's ``sum_squares`` (``((pred - y)**2).sum()``) and the mean
  ``cross_entropy`` over a batch.
- **A per-step correction** (``correction=``): a function ``(name, parameter) -> tensor or None``
  added to the gradient before each step. FedProx's proximal pull ``mu * (w - w_start)`` and
  SCAFFOLD's control-variate term ``c - c_i`` are both such a term (:func:`proximal_and_offset`).
- **A step budget** (``max_steps=``): stop after that many steps (a straggler's partial work).

>>> model = torch.nn.Linear(2, 1)
>>> x, y = torch.tensor([[1.0, 1.0], [0.0, 1.0]]), torch.tensor([[1.0], [1.0]])
>>> result = local_train(model, x, y, lr=0.1, epochs=10)
>>> result.steps, round(result.loss, 4) > 0
(10, True)
>>> [b.tolist() for b in minibatch_order(5, epochs=1, batch_size=2, seed=0)]
[[2, 4], [3, 0], [1]]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from fedlearn_edu._validation import check_count, check_real

__all__ = ["LOSSES", "TrainResult", "local_train", "minibatch_order", "proximal_and_offset"]


def _sum_squares(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((pred - y) ** 2).sum()


def _cross_entropy(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return nn.functional.cross_entropy(pred, y)


# The losses a client can train with: the article's sum of squares, and mean cross-entropy.
LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "sum_squares": _sum_squares,
    "cross_entropy": _cross_entropy,
}

Correction = Callable[[str, torch.Tensor], "torch.Tensor | None"]


def minibatch_order(n: int, epochs: int, batch_size: int | None, seed: int) -> list[np.ndarray]:
    """Positions (0..n-1) of each local minibatch, epoch after epoch (see the module docstring).

    ``batch_size=None``: one full batch per epoch (none at all if ``n == 0``).

    >>> [b.tolist() for b in minibatch_order(3, epochs=2, batch_size=None, seed=0)]
    [[0, 1, 2], [0, 1, 2]]
    """
    if batch_size is None:
        return [np.arange(n)] * epochs if n else []
    rng = np.random.Generator(np.random.PCG64(seed))  # = default_rng(seed), without its overhead
    out = []
    for _ in range(epochs):
        order = rng.permutation(n)
        out.extend(order[i : i + batch_size] for i in range(0, n, batch_size))
    return out


def proximal_and_offset(
    mu: float = 0.0,
    anchor: Mapping[str, torch.Tensor] | None = None,
    offset: Mapping[str, torch.Tensor] | None = None,
) -> Correction:
    """The correction ``mu * (p - anchor[name]) + offset[name]``: FedProx's pull towards the model the
    client received (``mu``, ``anchor``) plus a constant such as SCAFFOLD's ``c - c_i`` (``offset``).

    >>> term = proximal_and_offset(0.5, {"w": torch.zeros(2)}, {"w": torch.ones(2)})
    >>> term("w", torch.tensor([2.0, 4.0])).tolist()
    [2.0, 3.0]
    """

    def correction(name: str, p: torch.Tensor) -> torch.Tensor | None:
        term = None
        if mu and anchor is not None:
            term = mu * (p - anchor[name])
        if offset is not None and name in offset:
            term = offset[name] if term is None else term + offset[name]
        return term

    return correction


@dataclass
class TrainResult:
    """What one call of :func:`local_train` did: how many steps, and the mean of their losses
    (``nan`` if no step was taken) -- a number a client may report with its update."""

    steps: int
    loss: float


def local_train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    lr: float,
    epochs: int,
    batch_size: int | None = None,
    loss: str = "sum_squares",
    seed: int = 0,
    max_steps: int | None = None,
    correction: Correction | None = None,
    who: str = "client",
) -> TrainResult:
    """Train ``model`` **in place** with plain SGD on ``(x, y)``; return a :class:`TrainResult`.

    ``epochs`` passes over the data in minibatches of ``batch_size`` (``None``: full batch), in the
    order :func:`minibatch_order` gives for ``seed``; at most ``max_steps`` steps if given. Each step:
    ``p -= lr * (grad + correction(name, p))`` (the correction term only where it is not ``None``).
    ``who`` names the client in error messages.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")
    lr = check_real(lr, "lr", low=0)
    epochs = check_count(epochs, "epochs")
    seed = check_count(seed, "seed")
    if batch_size is not None:
        batch_size = check_count(batch_size, "batch_size (or None for full batch)", minimum=1)
    if max_steps is not None:
        max_steps = check_count(max_steps, "max_steps (or None for no limit)")
    if loss == "cross_entropy" and (y.dtype.is_floating_point or y.ndim != 1):
        raise ValueError(
            f"{who}: loss='cross_entropy' needs y to be integer class labels of shape (n,), "
            f"but {who}'s y has dtype {y.dtype} and shape {tuple(y.shape)}"
        )
    batches = minibatch_order(len(x), epochs, batch_size, seed)
    if batch_size is None:
        batches = [None] * epochs  # full batch: the data as stored (also when there is none)
    if max_steps is not None:
        batches = batches[:max_steps]
    loss_fn = LOSSES[loss]
    model.train()
    named = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    params = [p for _, p in named]
    losses = []
    for batch in batches:
        xb, yb = (x, y) if batch is None else (x[torch.from_numpy(batch)], y[torch.from_numpy(batch)])
        pred = model(xb)
        if loss == "sum_squares" and pred.shape != yb.shape:
            raise ValueError(
                f"{who}: the model predicts shape {tuple(pred.shape)} but y has shape "
                f"{tuple(yb.shape)}; (pred - y) would broadcast to the wrong shape. Give y as "
                f"a column, e.g. y.reshape({tuple(pred.shape)})"
            )
        value = loss_fn(pred, yb)
        losses.append(value.item())
        grads = torch.autograd.grad(value, params, allow_unused=True)
        with torch.no_grad():
            for (name, p), g in zip(named, grads, strict=True):
                term = correction(name, p) if correction is not None else None
                if term is not None:
                    g = term if g is None else g + term
                if g is not None:
                    p.add_(g, alpha=-lr)  # exactly what torch.optim.SGD does without momentum
    return TrainResult(len(losses), sum(losses) / len(losses) if losses else math.nan)

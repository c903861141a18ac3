"""The fast engine: all clients of a round trained at once, as one batched computation.

The reference engine trains the sampled clients one after the other. Here each parameter gets a
leading *client* axis -- ``W`` of shape ``(clients, out, in)`` -- and every local SGD step of every
client is one batched matrix product (``torch.bmm``), with the backward pass written by hand.

Clients do not all have the same number of examples, so in a given step some clients have a
smaller last minibatch (its missing rows are *masked*: they count zero), and some have already
finished their local epochs (they are left out of the step: their weights do not move). The
minibatch order is the one :meth:`fedlearn_edu.workers.VirtualWorker.train` uses, drawn from the
same per-client seeds, so the two engines compute the same thing in the same order: they end
at the same weights up to float32 rounding (a test checks 1e-5).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from fedlearn_edu.data import Dataset
from fedlearn_edu.simulation.aggregation import apply_rule_stacked
from fedlearn_edu.simulation.history import History
from fedlearn_edu.simulation.models import evaluate, linear_layers
from fedlearn_edu.simulation.progress import Progress
from fedlearn_edu.simulation.sampling import client_seeds, sample_clients, sampling_rng

__all__ = ["local_batches", "run_fast", "schedule"]


def local_batches(n: int, epochs: int, batch_size: int | None, seed: int) -> list[np.ndarray]:
    """Positions (0..n-1) of each local minibatch, in the order ``VirtualWorker.train`` uses.

    >>> [b.tolist() for b in local_batches(5, epochs=1, batch_size=2, seed=0)]
    [[2, 4], [3, 0], [1]]
    """
    if batch_size is None:  # full batch: the local data as stored, once per epoch (none if no data)
        return [np.arange(n)] * epochs if n else []
    rng = np.random.Generator(np.random.PCG64(seed))  # = default_rng(seed), without its overhead
    out = []
    for _ in range(epochs):
        order = rng.permutation(n)
        out.extend(order[i : i + batch_size] for i in range(0, n, batch_size))
    return out


def schedule(
    parts: Sequence[np.ndarray], seeds: Sequence[int], epochs: int, batch_size: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All local minibatches of a round as arrays ``(steps, clients, width)``: client ``c``'s step
    ``t`` is batch ``t`` of :func:`local_batches` for that client (a test checks exactly this).

    Returns ``index`` (train-set rows; 0 where padded), ``mask`` (1.0 for real rows, 0.0 for padding)
    and ``steps`` (how many steps each client takes). Only the permutations are drawn client by client;
    cutting them into batches is done for all clients at once.
    """
    sizes = np.array([len(p) for p in parts])
    longest = max(int(sizes.max(initial=0)), 1)
    batch = longest if batch_size is None else batch_size
    per_epoch = -(-sizes // batch)  # ceil(n / B) batches per epoch (0 for an empty client)
    orders = np.full((len(parts), epochs, per_epoch.max(initial=0) * batch), -1)
    for c, (n, seed) in enumerate(zip(sizes, seeds, strict=True)):
        if batch_size is None:
            orders[c, :, :n] = np.arange(n)  # full batch: the local data as stored
        else:
            rng = np.random.Generator(np.random.PCG64(seed))  # = default_rng(seed), without its overhead
            for epoch in range(epochs):
                orders[c, epoch, :n] = rng.permutation(n)
    steps = epochs * per_epoch
    width = min(batch, longest)
    t = np.arange(max(steps.max(initial=0), 1))[None, :]  # (1, T)
    pe = np.maximum(per_epoch, 1)[:, None]  # (S, 1)
    rows = orders[
        np.arange(len(parts))[:, None, None],
        np.minimum(t // pe, epochs - 1)[:, :, None],
        ((t % pe) * batch)[:, :, None] + np.arange(width),
    ]  # (S, T, width): positions in each client's data, -1 for padding
    rows[t >= steps[:, None]] = -1  # past a client's last step
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = np.concatenate([np.asarray(p, dtype=np.int64) for p in parts] + [np.zeros(1, np.int64)])
    real = rows >= 0
    index = np.where(real, flat[np.where(real, offsets[:, None, None] + rows, 0)], 0)
    return index.transpose(1, 0, 2).copy(), real.transpose(1, 0, 2).astype(np.float32), steps


def _train_stacked(
    weights: list[torch.Tensor],
    biases: list[torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    mask: torch.Tensor,
    steps: np.ndarray,
    lr: float,
    loss: str,
) -> torch.Tensor:
    """SGD on every client at once, in place; clients must be sorted by ``steps``, most first.

    ``x``: (steps, clients, width, features); returns each client's summed minibatch loss.
    """
    last = len(weights) - 1
    if loss == "cross_entropy":  # each row counts 1/b in its client's mean over a batch of b rows
        scale = mask / mask.sum(2, keepdim=True).clamp(min=1)
        target = y.unsqueeze(-1)
    else:  # the article's sum of squares: each real row counts 1
        scale = mask
    step_loss = torch.zeros(mask.shape[:2])
    views: dict[int, tuple] = {}
    for t in range(x.shape[0]):
        a = int((steps > t).sum())  # clients still training: the first a (views of the first a rows)
        if a not in views:
            W = [w[:a] for w in weights]
            views[a] = (
                W,
                [v[:a] for v in biases],
                [w.transpose(1, 2) for w in W],
                [v[:a].unsqueeze(1) for v in biases],
            )
        W, b, W_t, b_row = views[a]
        s = scale[t, :a].unsqueeze(-1)
        acts = [x[t, :a]]
        for i in range(last + 1):  # forward: a = relu(a @ W.T + b); no relu after the last layer
            z = torch.baddbmm(b_row[i], acts[-1], W_t[i])
            acts.append(z if i == last else z.relu())
        if loss == "cross_entropy":  # grad of the mean cross-entropy: (softmax - onehot) / b
            logp = acts[-1] - acts[-1].logsumexp(-1, keepdim=True)  # = log_softmax, 3x faster here
            step_loss[t, :a] = -(logp.gather(-1, target[t, :a]) * s).sum((1, 2))
            grad = logp.exp_().mul_(s).scatter_add_(-1, target[t, :a], -s)
        else:  # grad of the sum of squares: 2 (pred - y)
            diff = acts[-1] - y[t, :a]
            step_loss[t, :a] = (diff.square() * s).sum((1, 2))
            grad = 2 * diff * s
        for i in range(last, -1, -1):  # backward, then the SGD step p -= lr * grad
            grad_w = torch.bmm(grad.transpose(1, 2), acts[i])
            grad_b = grad.sum(1)
            if i > 0:
                grad = torch.bmm(grad, W[i]).mul_(acts[i] > 0)
            W[i].add_(grad_w, alpha=-lr)
            b[i].add_(grad_b, alpha=-lr)
    return step_loss.double().sum(0)


def run_fast(
    data: Dataset,
    partitions: Sequence[np.ndarray],
    model: nn.Module,
    *,
    rounds: int,
    C: float,
    E: int,
    B: int | None,
    lr: float,
    aggregate: Callable,
    loss: str,
    seed: int,
    progress: bool | None = None,
    stop_at: float | None = None,
    config: dict | None = None,
) -> History:
    """FedAvg with every round's local training batched over clients (see the module docstring)."""
    prefixes = linear_layers(model)
    keys = [(f"{p}.weight" if p else "weight", f"{p}.bias" if p else "bias") for p in prefixes]
    x_train, y_train = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    n_params = sum(v.numel() for v in state.values())
    sizes = np.array([len(p) for p in partitions])
    history = History(dict(config or {}, engine="fast"))
    history.test_accuracy[:], history.test_loss[:] = zip(
        evaluate(model, state, data.x_test, data.y_test, loss, in_place=True), strict=True
    )
    rng, bar = sampling_rng(seed), Progress(rounds, show=progress)
    for r in range(1, rounds + 1):
        start = time.perf_counter()
        chosen = sample_clients(len(partitions), C, rng)  # step 1: the server picks clients
        seeds = client_seeds(seed, r, len(partitions))[chosen].tolist()
        index, mask, steps = schedule([partitions[k] for k in chosen], seeds, E, B)
        order = np.argsort(-steps, kind="stable")  # busiest clients first, so a step uses w[:a]
        index, mask, steps = index[:, order], mask[:, order], steps[order]
        n = len(chosen)  # step 2: send the global model (one copy per client)
        weights = [state[w].expand(n, *state[w].shape).clone() for w, _ in keys]
        biases = [state[b].expand(n, *state[b].shape).clone() for _, b in keys]
        index_t = torch.from_numpy(index)
        summed = _train_stacked(  # step 3: local training, all clients at once
            weights, biases, x_train[index_t], y_train[index_t], torch.from_numpy(mask), steps, lr, loss,
        )  # fmt: skip
        back = np.argsort(order)  # clients back in id order, for averaging and reporting
        same = bool((order == np.arange(n)).all())  # already in id order: no copies needed
        stacked = {}
        for (w, b), W, bias in zip(keys, weights, biases, strict=True):
            stacked[w], stacked[b] = (W, bias) if same else (W[back], bias[back])
        state = apply_rule_stacked(aggregate, stacked, sizes[chosen].tolist())  # step 4: average
        accuracy, test_loss = evaluate(model, state, data.x_test, data.y_test, loss, in_place=True)
        history.test_accuracy.append(accuracy)
        history.test_loss.append(test_loss)
        history.sampled.append(chosen)
        n_steps, summed = steps[back], summed[back].tolist()
        history.client_loss.append(
            {int(k): (v / s if s else math.nan) for k, v, s in zip(chosen, summed, n_steps, strict=True)}
        )
        history.values_down.append(n * n_params)
        history.values_up.append(n * n_params)
        history.seconds.append(time.perf_counter() - start)
        bar.update(r)
        if stop_at is not None and accuracy >= stop_at:
            break
    bar.close()
    history.final_state = state
    return history

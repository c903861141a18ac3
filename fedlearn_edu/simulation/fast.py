"""The fast engine: all clients of a round trained at once, as one batched computation.

The reference engine trains the sampled clients one after the other. Here each parameter gets a
leading *client* axis -- ``W`` of shape ``(clients, out, in)`` -- and every local SGD step of every
client is one batched matrix product (``torch.bmm``), with the backward pass written by hand.

Clients do not all have the same number of examples, so in a given step some clients have a
smaller last minibatch (its missing rows are *masked*: they count zero), and some have already
finished their local epochs (they are left out of the step: their weights do not move). The
minibatch order is :func:`fedlearn_edu.training.minibatch_order`'s, drawn from the same per-client
seeds as the reference engine, so the two engines compute the same thing in the same order: they
end at the same weights up to float32 rounding (a test checks 1e-5). A plan's step budget and its
correction terms (FedProx's ``mu``, a gradient offset) are batched too; the epochs, batch size and
learning rate must be the same for every client of a round.

:meth:`FastEngine.train_many` goes one step further for a sweep (``simulate_many``): the rounds of
several federations -- other seeds, algorithms, data sets -- are stacked along the same client
axis and trained as one batch, when their models have the same layer shapes and they share the
loss and learning rate. Padding (a shorter schedule, a narrower minibatch) is masked, and the
result is the same, bit for bit, as training each federation alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from fedlearn_edu.algorithms.base import Message, Replies, StackedRow, TrainPlan
from fedlearn_edu.data import Dataset
from fedlearn_edu.simulation.models import linear_layers

__all__ = ["FastEngine", "schedule"]


def schedule(
    parts: Sequence[np.ndarray],
    seeds: Sequence[int],
    epochs: int,
    batch_size: int | None,
    max_steps: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All local minibatches of a round as arrays ``(steps, clients, width)``: client ``c``'s step
    ``t`` is batch ``t`` of :func:`fedlearn_edu.training.minibatch_order` for that client (a test
    checks exactly this), cut after ``max_steps[c]`` steps if given.

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
    if max_steps is not None:
        steps = np.minimum(steps, max_steps)
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
    correction: tuple | None = None,
) -> torch.Tensor:
    """SGD on every client at once, in place; clients must be sorted by ``steps``, most first.

    ``x``: (steps, clients, width, features); returns each client's summed minibatch loss.
    ``correction``: ``(mu, anchors_w, anchors_b, offsets_w, offsets_b)`` -- per client ``mu`` (a
    tensor, or None) and the start weights, and per-client gradient offsets (or None): the same term
    :func:`fedlearn_edu.training.proximal_and_offset` adds, batched.
    """
    last = len(weights) - 1
    mask = mask.to(weights[0].dtype)
    if loss == "cross_entropy":  # each row counts 1/b in its client's mean over a batch of b rows
        scale = mask / mask.sum(2, keepdim=True).clamp(min=1)
        target = y.unsqueeze(-1)
    else:  # the article's sum of squares: each real row counts 1
        scale = mask
    step_loss = torch.zeros(mask.shape[:2], dtype=weights[0].dtype)
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
            if correction is not None:
                grad_w, grad_b = _corrected(correction, i, a, W[i], b[i], grad_w, grad_b)
            W[i].add_(grad_w, alpha=-lr)
            b[i].add_(grad_b, alpha=-lr)
    return step_loss.double().sum(0)


def _corrected(correction: tuple, i: int, a: int, W, b, grad_w, grad_b):
    mu, anchor_w, anchor_b, offset_w, offset_b = correction
    # in place: grad_w and grad_b are this step's fresh tensors (same order of operations as before)
    if mu is not None:
        m = mu[:a]
        grad_w.add_((W - anchor_w[i][:a]).mul_(m[:, None, None]))
        grad_b.add_((b - anchor_b[i][:a]).mul_(m[:, None]))
    if offset_w is not None:
        grad_w.add_(offset_w[i][:a])
        grad_b.add_(offset_b[i][:a])
    return grad_w, grad_b


class FastEngine:
    """Trains MLPs (``nn.Sequential`` of Linear and ReLU, or one Linear), all clients of a round at once."""

    name = "fast"

    def __init__(self, data: Dataset, partitions: Sequence[np.ndarray], model: nn.Module, loss: str):
        prefixes = linear_layers(model)
        self.keys = [(f"{p}.weight" if p else "weight", f"{p}.bias" if p else "bias") for p in prefixes]
        self.x_train, self.y_train = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
        self.partitions, self.loss = partitions, loss
        self.sizes = np.array([len(p) for p in partitions])

    def train(
        self, round: int, clients: Sequence[int], messages: Mapping[int, Message],
        plans: Mapping[int, TrainPlan], seeds: Sequence[int],
    ) -> Replies:  # fmt: skip
        """Every client in ``clients`` (sorted ids, all with data) trains, as one batched computation."""
        if not clients:
            return Replies([], [])
        return _train_parts([self._part(clients, messages, plans, seeds)])[0]

    @staticmethod
    def train_many(calls: Sequence) -> list[Replies]:
        """Several federations' rounds at once (``calls``: the round driver's ``TrainCall``s, each
        with a ``FastEngine``): those whose clients can share one batched computation -- the same
        layer shapes, loss and learning rate, and all or none with FedProx's ``mu`` -- train
        together. Each federation gets the replies :meth:`train` would give it."""
        parts = [
            c.engine._part(c.clients, c.messages, c.plans, c.seeds) if c.clients else None for c in calls
        ]
        groups: dict[tuple, list[int]] = {}
        for i, part in enumerate(parts):
            if part is not None:
                groups.setdefault(part.key, []).append(i)
        replies = [Replies([], []) for _ in calls]
        for members in groups.values():
            for i, reply in zip(members, _train_parts([parts[i] for i in members]), strict=True):
                replies[i] = reply
        return replies

    def _part(self, clients, messages, plans, seeds) -> _Part:
        """This federation's round, ready to train: schedule, start weights, correction terms."""
        n = len(clients)
        first = messages[clients[0]]
        plan = plans[clients[0]]
        shared_plan = all(plans[k] is plan for k in clients)
        if not shared_plan:
            for k in clients:
                p = plans[k]
                if (p.epochs, p.batch_size, p.lr) != (plan.epochs, plan.batch_size, plan.lr):
                    raise ValueError(
                        f"the fast engine trains a round's clients together, so they need the same epochs, "
                        f"batch size and lr; client {k} has {(p.epochs, p.batch_size, p.lr)} but client "
                        f"{clients[0]} has {(plan.epochs, plan.batch_size, plan.lr)}. Use engine='reference'"
                    )
        budgets = None
        if not (shared_plan and plan.max_steps is None):
            if any(plans[k].max_steps is not None for k in clients):
                big = np.iinfo(np.int64).max
                budgets = np.array(
                    [big if plans[k].max_steps is None else plans[k].max_steps for k in clients]
                )
        seed_list = np.asarray(seeds)[clients].tolist()
        index, mask, steps = schedule(
            [self.partitions[k] for k in clients], seed_list, plan.epochs, plan.batch_size, budgets
        )
        if all(messages[k].weights is first.weights for k in clients):  # one start for all: n copies
            state = first.weights
            weights = [state[w].expand(n, *state[w].shape).clone() for w, _ in self.keys]
            biases = [state[b].expand(n, *state[b].shape).clone() for _, b in self.keys]
        else:
            weights = [torch.stack([messages[k].weights[w] for k in clients]) for w, _ in self.keys]
            biases = [torch.stack([messages[k].weights[b] for k in clients]) for _, b in self.keys]
        mu, offsets = self._correction(clients, plans, weights, biases)
        key = (self.loss, plan.lr, weights[0].dtype, tuple(w.shape[1:] for w in weights), mu is not None)
        return _Part(self, list(clients), index, mask, steps, weights, biases, mu, offsets, plan.lr, key)

    def _correction(self, clients, plans, weights, biases) -> tuple:
        """Per client: FedProx's ``mu`` (a tensor, or None) and SCAFFOLD-style gradient offsets
        (``(offsets_w, offsets_b)`` per layer, or None)."""
        chosen = [plans[k] for k in clients]
        mu = offsets = None
        if any(p.prox_mu for p in chosen):
            mu = torch.tensor([float(p.prox_mu) for p in chosen], dtype=weights[0].dtype)
        given = [p.grad_offset for p in chosen]
        table = getattr(given[0], "stacked", None)
        if table is not None and all(isinstance(o, StackedRow) and o.stacked is table for o in given):
            rows = torch.tensor([o.row for o in given])  # already stacked: pick the rows
            offsets = (
                [table[w][rows].to(W.dtype) for (w, _), W in zip(self.keys, weights, strict=True)],
                [table[b][rows].to(B.dtype) for (_, b), B in zip(self.keys, biases, strict=True)],
            )
        elif any(o is not None for o in given):

            def stack(name: str, like: torch.Tensor) -> torch.Tensor:
                zero = torch.zeros_like(like[0])
                return torch.stack([zero if o is None else o.get(name, zero) for o in given]).to(like.dtype)

            offsets = (
                [stack(w, W) for (w, _), W in zip(self.keys, weights, strict=True)],
                [stack(b, B) for (_, b), B in zip(self.keys, biases, strict=True)],
            )
        return mu, offsets


@dataclass
class _Part:
    """One federation's clients of one round, scheduled (``index``/``mask``: (steps, clients, width))."""

    engine: FastEngine
    clients: list[int]
    index: np.ndarray
    mask: np.ndarray
    steps: np.ndarray
    weights: list[torch.Tensor]
    biases: list[torch.Tensor]
    mu: torch.Tensor | None
    offsets: tuple | None
    lr: float
    key: tuple  # parts with the same key can train as one batch


def _padded(a: np.ndarray, steps: int, width: int) -> np.ndarray:
    """``a`` (steps, clients, width) padded with zeros to ``steps`` and ``width``."""
    if a.shape[0] == steps and a.shape[2] == width:
        return a
    out = np.zeros((steps, a.shape[1], width), a.dtype)
    out[: a.shape[0], :, : a.shape[2]] = a
    return out


def _train_parts(parts: Sequence[_Part]) -> list[Replies]:
    """Train the parts (same key) as one batch; each part's :class:`Replies`, clients in id order.

    The clients of all parts are stacked along the client axis and sorted by their number of steps,
    most first (what :func:`_train_stacked` needs); padding (a shorter schedule, a narrower batch)
    is masked, so it changes nothing. Parts on different data sets index one joined table."""
    T = max(p.index.shape[0] for p in parts)
    width = max(p.index.shape[2] for p in parts)
    steps = np.concatenate([p.steps for p in parts])
    order = np.argsort(-steps, kind="stable")  # busiest clients first, so a step uses w[:a]
    ordered = not (order == np.arange(len(order))).all()
    tables: dict[tuple, tuple[int, FastEngine]] = {}  # one per data set (engines may share one)
    starts = []
    for p in parts:
        same = tuple((a.data_ptr(), a.shape, a.stride()) for a in (p.engine.x_train, p.engine.y_train))
        table = tables.setdefault(same, (sum(len(e.x_train) for _, e in tables.values()), p.engine))
        starts.append(table[0])
    engines = [e for _, e in tables.values()]
    x_table = engines[0].x_train if len(engines) == 1 else torch.cat([e.x_train for e in engines])
    y_table = engines[0].y_train if len(engines) == 1 else torch.cat([e.y_train for e in engines])
    index = np.concatenate([_padded(p.index + start, T, width) for p, start in zip(parts, starts)], 1)
    mask = np.concatenate([_padded(p.mask, T, width) for p in parts], 1)
    if ordered:
        index, mask = index[:, order], mask[:, order]
    index_t = torch.from_numpy(index)
    x, y = x_table[index_t], y_table[index_t]
    if x.dtype != parts[0].weights[0].dtype:
        x = x.to(parts[0].weights[0].dtype)
    mask = torch.from_numpy(mask)

    def joined(tensors: list[torch.Tensor]) -> torch.Tensor:
        whole = tensors[0] if len(tensors) == 1 else torch.cat(tensors)
        return whole[torch.from_numpy(order)] if ordered else whole

    layers = range(len(parts[0].weights))
    weights = [joined([p.weights[i] for p in parts]) for i in layers]
    biases = [joined([p.biases[i] for p in parts]) for i in layers]
    correction = None
    if parts[0].mu is not None or any(p.offsets is not None for p in parts):
        mu = anchor_w = anchor_b = offset_w = offset_b = None
        if parts[0].mu is not None:  # the key says: all parts have a mu
            mu = joined([p.mu for p in parts])
            anchor_w, anchor_b = [w.clone() for w in weights], [b.clone() for b in biases]
        if any(p.offsets is not None for p in parts):  # a part without offsets adds zeros

            def offset(j: int, i: int) -> list[torch.Tensor]:
                return [torch.zeros_like(p.weights[i] if j == 0 else p.biases[i]) if p.offsets is None
                        else p.offsets[j][i] for p in parts]  # fmt: skip

            offset_w = [joined(offset(0, i)) for i in layers]
            offset_b = [joined(offset(1, i)) for i in layers]
        correction = (mu, anchor_w, anchor_b, offset_w, offset_b)
    summed = _train_stacked(  # local training, all clients at once
        weights, biases, x, y, mask, steps[order], parts[0].lr, parts[0].engine.loss, correction
    )
    back = torch.from_numpy(np.argsort(order)) if ordered else None  # back to the parts' order
    if back is not None:
        weights, biases, summed = [w[back] for w in weights], [b[back] for b in biases], summed[back]
    replies, start = [], 0
    for p in parts:
        end = start + len(p.clients)
        stacked = {}
        for (w, b), W, bias in zip(p.engine.keys, weights, biases, strict=True):
            stacked[w], stacked[b] = W[start:end], bias[start:end]
        n_steps, total = p.steps.tolist(), summed[start:end].tolist()
        losses = [v / s if s else math.nan for v, s in zip(total, n_steps, strict=True)]
        replies.append(Replies(p.clients, stacked=stacked, num_samples=p.engine.sizes[p.clients].tolist(),
                               losses=losses, steps=n_steps))  # fmt: skip
        start = end
    return replies

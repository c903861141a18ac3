"""The round driver: one loop shared by both engines (sampling, seeds, history, progress, ``stop_at``).

Each round ``r``:

1. sample m = max(1, round(C*K)) of the K clients (:mod:`.sampling`);
2. ``algorithm.configure`` says what the server sends each of them (it may leave some out);
3. the clients that hold data train -- the only step the engines do differently: one after the
   other (:mod:`.reference`) or batched (:mod:`.fast`); before and after, the algorithm's optional
   client hooks run with each client's own state, kept here between rounds;
4. ``algorithm.aggregate`` turns the replies, keyed by client id, into the next global weights;
5. the new global model is scored on the test set and the round recorded in the :class:`History`;
   with ``client_test`` it is also scored on each client's own held-out data, every
   ``eval_every`` rounds and after the last round (``eval_every=None``: after the last only).

A sampled client with no data receives nothing and sends nothing (its loss is recorded as NaN).
``values_down``/``values_up`` count every number sent: weights and tensor extras.

:func:`round_loop` is this loop as a generator that hands step 3 out (it yields a :class:`TrainCall`
and gets the :class:`~fedlearn_edu.algorithms.Replies` back), so :func:`drive_together` can run
several federations in lock step and let an engine train all their clients at once
(``train_many``); :func:`drive` runs one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from torch import nn

from fedlearn_edu.algorithms.base import Algorithm, Message, Replies, TrainPlan, count_values
from fedlearn_edu.data import Dataset
from fedlearn_edu.simulation.history import History
from fedlearn_edu.simulation.models import evaluate, evaluate_clients
from fedlearn_edu.simulation.progress import Progress
from fedlearn_edu.simulation.sampling import client_seeds, sample_clients, sampling_rng

__all__ = ["TrainCall", "drive", "drive_together", "round_loop"]


@dataclass(frozen=True)
class TrainCall:
    """Step 3 of a round, handed to the engine: ``engine.train(round, clients, messages, plans, seeds)``."""

    engine: object
    round: int
    clients: list[int]
    messages: Mapping[int, Message]
    plans: Mapping[int, TrainPlan]
    seeds: Sequence[int]


def _overrides(algorithm: Algorithm, method: str) -> bool:
    return getattr(type(algorithm), method) is not getattr(Algorithm, method)


def drive(*args, **kwargs) -> History:
    """Run one federation: :func:`round_loop` with its engine training each round."""
    return drive_together([round_loop(*args, **kwargs)])[0]


def drive_together(runs: Sequence[Generator], progress: Progress | None = None) -> list[History]:
    """Run several :func:`round_loop` generators in lock step, round by round; their Histories, in order.

    Each round the pending :class:`TrainCall` objects are grouped by engine class; a class with a
    ``train_many(calls)`` trains its group at once, any other engine trains call by call.
    ``progress`` is told how many rounds the longest run has done."""
    histories: list[History | None] = [None] * len(runs)
    pending: dict[int, TrainCall] = {}

    def advance(i: int, replies: Replies | None) -> None:
        try:
            pending[i] = runs[i].send(replies)
        except StopIteration as done:
            histories[i] = done.value

    for i in range(len(runs)):
        advance(i, None)
    done = 0
    while pending:
        calls, groups = dict(pending), {}
        pending.clear()
        for i, call in calls.items():
            groups.setdefault(type(call.engine), []).append(i)
        for engine, members in groups.items():
            many = getattr(engine, "train_many", None)
            if many is not None:
                results = many([calls[i] for i in members])
            else:
                results = [calls[i].engine.train(calls[i].round, calls[i].clients, calls[i].messages,
                                                 calls[i].plans, calls[i].seeds) for i in members]  # fmt: skip
            for i, replies in zip(members, results, strict=True):
                advance(i, replies)
        done += 1
        if progress is not None:
            progress.update(done)
    if progress is not None:
        progress.close()
    return histories


def round_loop(
    data: Dataset,
    partitions: Sequence[np.ndarray],
    model: nn.Module,
    algorithm: Algorithm,
    engine,
    *,
    rounds: int,
    C: float,
    plan: TrainPlan,
    loss: str,
    seed: int,
    progress: bool | None,
    stop_at: float | None,
    config: dict,
    client_test: Sequence[np.ndarray] | None = None,
    eval_every: int | None = None,
) -> Generator[TrainCall, Replies, History]:
    """Run ``rounds`` rounds of ``algorithm`` with ``engine`` (arguments checked by the caller),
    yielding each round's training step; returns the History."""
    sizes = np.array([len(p) for p in partitions])
    history = History(dict(config, engine=engine.name))
    weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
    accuracy, test_loss = evaluate(model, weights, data.x_test, data.y_test, loss, in_place=True)
    history.test_accuracy.append(accuracy)
    history.test_loss.append(test_loss)
    server_state = algorithm.init(weights, seed=seed, n_clients=len(partitions))
    client_states: dict[int, dict] = {}  # each client's own state, kept between rounds

    def state(k: int) -> dict:  # a client knows how many examples it holds
        return client_states.setdefault(k, {"num_samples": int(sizes[k])})

    plan_hook = _overrides(algorithm, "local_plan") or _overrides(algorithm, "local_plans")
    reply_hook = _overrides(algorithm, "client_reply") or _overrides(algorithm, "client_replies")
    rng, bar = sampling_rng(seed), Progress(rounds, show=progress)
    n_params = sum(v.numel() for v in weights.values())
    for r in range(1, rounds + 1):
        start = time.perf_counter()
        offered = sample_clients(len(partitions), C, rng).tolist()  # step 1
        messages = algorithm.configure(r, weights, server_state, offered, plan)  # step 2
        ids = sorted(int(k) for k in messages)
        training = [k for k in ids if sizes[k] > 0]
        seeds = client_seeds(seed, r, len(partitions))
        if plan_hook:  # on each client, with its own state
            plans = algorithm.local_plans(training, messages, {k: state(k) for k in training})
        else:
            plans = {k: messages[k].plan for k in training}
        replies = yield TrainCall(engine, r, training, messages, plans, seeds)  # step 3
        if reply_hook:
            replies = algorithm.client_replies(training, messages, replies, {k: state(k) for k in training})
        weights, server_state = algorithm.aggregate(r, weights, server_state, replies)  # step 4
        accuracy, test_loss = evaluate(model, weights, data.x_test, data.y_test, loss, in_place=True)
        history.test_accuracy.append(accuracy)  # step 5
        history.test_loss.append(test_loss)
        history.sampled.append(np.array(ids, dtype=np.int64))
        losses = dict.fromkeys(ids, math.nan)
        losses.update(zip(training, replies.losses(), strict=True))
        history.client_loss.append(losses)
        first = messages[ids[0]] if ids else None
        if first is not None and all(messages[k] is first for k in training):  # one message for all
            history.values_down.append(len(training) * count_values(first.weights, first.extras))
        elif first is not None and all(messages[k].weights is first.weights for k in training):
            history.values_down.append(  # the same weights for all, different extras
                len(training) * count_values(first.weights)
                + sum(count_values({}, messages[k].extras) for k in training)
            )
        else:
            history.values_down.append(
                sum(count_values(messages[k].weights, messages[k].extras) for k in training)
            )
        history.values_up.append(replies.values_sent() if replies.has_extras else len(training) * n_params)
        stop = stop_at is not None and accuracy >= stop_at
        if client_test is not None and (r == rounds or stop or (eval_every and r % eval_every == 0)):
            client_accuracy, client_loss = evaluate_clients(
                model, weights, data.x_train, data.y_train, client_test, loss, in_place=True
            )
            history.client_rounds.append(r)
            history.client_accuracy.append(client_accuracy)
            history.client_test_loss.append(client_loss)
        history.seconds.append(time.perf_counter() - start)
        bar.update(r)
        if stop:
            break
    bar.close()
    history.final_state = weights
    history.server_state = server_state
    return history

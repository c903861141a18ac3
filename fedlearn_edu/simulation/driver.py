"""The round driver: one loop shared by both engines (sampling, seeds, history, progress, ``stop_at``).

Each round ``r``:

1. sample m = max(1, round(C*K)) of the K clients (:mod:`.sampling`);
2. ``algorithm.configure`` says what the server sends each of them (it may leave some out);
3. the clients that hold data train -- the only step the engines do differently: one after the
   other (:mod:`.reference`) or batched (:mod:`.fast`); before and after, the algorithm's optional
   client hooks run with each client's own state, kept here between rounds;
4. ``algorithm.aggregate`` turns the replies, keyed by client id, into the next global weights;
5. the new global model is scored on the test set and the round recorded in the :class:`History`.

A sampled client with no data receives nothing and sends nothing (its loss is recorded as NaN).
``values_down``/``values_up`` count every number sent: weights and tensor extras.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
from torch import nn

from fedlearn_edu.algorithms.base import Algorithm, Replies, TrainPlan, count_values
from fedlearn_edu.data import Dataset
from fedlearn_edu.simulation.history import History
from fedlearn_edu.simulation.models import evaluate
from fedlearn_edu.simulation.progress import Progress
from fedlearn_edu.simulation.sampling import client_seeds, sample_clients, sampling_rng

__all__ = ["drive"]


def _overrides(algorithm: Algorithm, method: str) -> bool:
    return getattr(type(algorithm), method) is not getattr(Algorithm, method)


def drive(
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
) -> History:
    """Run ``rounds`` rounds of ``algorithm`` with ``engine`` (arguments checked by the caller)."""
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

    plan_hook, reply_hook = _overrides(algorithm, "local_plan"), _overrides(algorithm, "client_reply")
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
            plans = {k: algorithm.local_plan(k, messages[k], state(k)) for k in training}
        else:
            plans = {k: messages[k].plan for k in training}
        replies = engine.train(r, training, messages, plans, seeds)  # step 3
        if reply_hook:
            replies = Replies.from_list(
                training,
                [algorithm.client_reply(k, messages[k], replies[k], state(k))
                 for k in training],
            )  # fmt: skip
        weights, server_state = algorithm.aggregate(r, weights, server_state, replies)  # step 4
        accuracy, test_loss = evaluate(model, weights, data.x_test, data.y_test, loss, in_place=True)
        history.test_accuracy.append(accuracy)  # step 5
        history.test_loss.append(test_loss)
        history.sampled.append(np.array(ids, dtype=np.int64))
        losses = dict.fromkeys(ids, math.nan)
        losses.update(zip(training, replies.losses(), strict=True))
        history.client_loss.append(losses)
        first = messages[ids[0]] if ids else None
        if first is not None and not first.extras and all(messages[k] is first for k in training):
            history.values_down.append(len(training) * count_values(first.weights))
        else:
            history.values_down.append(
                sum(count_values(messages[k].weights, messages[k].extras) for k in training)
            )
        if replies.has_extras:
            history.values_up.append(
                sum(count_values(replies[k].weights, replies[k].extras) for k in training)
            )
        else:
            history.values_up.append(len(training) * n_params)
        history.seconds.append(time.perf_counter() - start)
        bar.update(r)
        if stop_at is not None and accuracy >= stop_at:
            break
    bar.close()
    history.final_state = weights
    history.server_state = server_state
    return history

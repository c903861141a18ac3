"""The reference engine: FedAvg written as a plain loop, to be read top to bottom.

It is lesson 03's loop with more clients: every client is a
:class:`~fedlearn_edu.workers.VirtualWorker` holding its share of the training data, every
transfer is written to a :class:`~fedlearn_edu.commlog.CommunicationLog`, and the server averages
with a rule from :mod:`fedlearn_edu.aggregate`. The five steps of the article are marked below.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
from torch import nn

from fedlearn_edu.commlog import CommunicationLog
from fedlearn_edu.data import Dataset
from fedlearn_edu.simulation.aggregation import apply_rule
from fedlearn_edu.simulation.history import History
from fedlearn_edu.simulation.models import evaluate
from fedlearn_edu.simulation.progress import Progress
from fedlearn_edu.simulation.sampling import client_seeds, sample_clients, sampling_rng
from fedlearn_edu.workers import VirtualWorker

__all__ = ["run_reference"]


def run_reference(
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
    """FedAvg, one client after the other (arguments as in :func:`~fedlearn_edu.simulation.run_fedavg`)."""
    log = CommunicationLog()
    workers = [
        VirtualWorker(f"client {k}", data.x_train[part], data.y_train[part], log, model=model)
        for k, part in enumerate(partitions)
    ]
    history = History(dict(config or {}, engine="reference"))
    # Step 1: the server initialises the global model.
    global_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    accuracy, test_loss = evaluate(model, global_state, data.x_test, data.y_test, loss, in_place=True)
    history.test_accuracy.append(accuracy)
    history.test_loss.append(test_loss)
    rng, bar = sampling_rng(seed), Progress(rounds, show=progress)
    for r in range(1, rounds + 1):
        start, logged = time.perf_counter(), len(log)
        chosen = sample_clients(len(workers), C, rng)
        seeds = client_seeds(seed, r, len(workers))  # each client's minibatch order this round
        states, counts, losses = [], [], {}
        for k in chosen:
            worker = workers[k]
            if worker.num_samples == 0:  # nothing to learn from: it has nothing to send back
                losses[int(k)] = math.nan
                continue
            # Steps 2 and 3: send the global model; the client trains E epochs in batches of B.
            new_state = worker.train(
                global_state, lr=lr, epochs=E, batch_size=B, loss=loss,
                seed=int(seeds[k]), round=r,
            )  # fmt: skip
            # Step 3, continued: the client sends its new parameters (and its sample count) back.
            states.append(new_state)
            counts.append(worker.num_samples)
            losses[int(k)] = worker.last_loss  # the mean loss it reports
        # Step 4: the server averages what it received.
        global_state = apply_rule(aggregate, states, counts)
        # Step 5: repeat -- after measuring the new global model on the test set.
        accuracy, test_loss = evaluate(model, global_state, data.x_test, data.y_test, loss, in_place=True)
        history.test_accuracy.append(accuracy)
        history.test_loss.append(test_loss)
        history.sampled.append(chosen)
        history.client_loss.append(losses)
        transfers = log[logged:]
        history.values_down.append(sum(t.n_values for t in transfers if t.sender == "server"))
        history.values_up.append(sum(t.n_values for t in transfers if t.receiver == "server"))
        history.seconds.append(time.perf_counter() - start)
        bar.update(r)
        if stop_at is not None and accuracy >= stop_at:
            break
    bar.close()
    history.final_state = global_state
    return history

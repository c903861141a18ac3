"""The reference engine: the selected clients train one after the other, as a plain loop.

It is lesson 03's loop with more clients: every client is a
:class:`~fedlearn_edu.workers.VirtualWorker` holding its share of the training data; it receives
the weights the algorithm sends it, trains them with :func:`fedlearn_edu.training.local_train`
(through ``VirtualWorker.train``) as its :class:`~fedlearn_edu.algorithms.TrainPlan` says, and
replies. Everything else in a round (sampling, the algorithm's server step, the history) is the
round driver's, shared with the fast engine: see :func:`fedlearn_edu.simulation.simulate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from fedlearn_edu.algorithms.base import Message, Replies, Reply, TrainPlan
from fedlearn_edu.data import Dataset
from fedlearn_edu.training import proximal_and_offset
from fedlearn_edu.workers import VirtualWorker

__all__ = ["ReferenceEngine"]


class ReferenceEngine:
    """Trains any PyTorch model, one client at a time."""

    name = "reference"

    def __init__(self, data: Dataset, partitions: Sequence[np.ndarray], model: nn.Module, loss: str):
        self.loss = loss
        self.workers = [
            VirtualWorker(
                f"client {k}", torch.from_numpy(data.x_train[part]), data.y_train[part], model=model
            )
            for k, part in enumerate(partitions)
        ]

    def train(
        self, round: int, clients: Sequence[int], messages: Mapping[int, Message],
        plans: Mapping[int, TrainPlan], seeds: Sequence[int],
    ) -> Replies:  # fmt: skip
        """Each client in ``clients`` trains from its message's weights with its plan; ``seeds[k]``
        is client k's minibatch seed this round."""
        replies = []
        for k in clients:
            worker, message, plan = self.workers[k], messages[k], plans[k]
            correction = None
            if plan.prox_mu or plan.grad_offset is not None:
                correction = proximal_and_offset(plan.prox_mu, message.weights, plan.grad_offset)
            new_weights = worker.train(
                message.weights, lr=plan.lr, epochs=plan.epochs, batch_size=plan.batch_size, loss=self.loss,
                seed=int(seeds[k]), round=round, max_steps=plan.max_steps, correction=correction,
            )  # fmt: skip
            replies.append(Reply(new_weights, worker.num_samples, worker.last_loss, worker.last_steps))
        return Replies.from_list(clients, replies)

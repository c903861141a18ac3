"""SCAFFOLD (Karimireddy et al. 2020, option II) written on Flower's strategy interface.

Flower 1.42 ships no SCAFFOLD strategy (only a baseline on its legacy API), so the kit writes one,
the way Flower writes its own: a subclass of Flower's ``FedAvg`` (``flwr.serverapp.strategy``) that
overrides ``configure_train`` and ``aggregate_train``. It computes what the kit's
:class:`fedlearn_edu.algorithms.Scaffold` computes (read that file for the algorithm):

- **configure** (:meth:`Scaffold.configure_train`): FedAvg's train messages, plus the server control
  variate ``c`` as a second ``ArrayRecord`` (key :data:`SERVER_C`) beside the weights (``"arrays"``):
  twice the values FedAvg sends;
- **client** (:func:`local_offset`, :func:`client_update`, called by the kit's ClientApp): client i
  keeps its own ``c_i`` in ``context.state`` (a ``RecordDict`` its SuperNode keeps between rounds;
  zero before its first round), adds ``c - c_i`` to every gradient of ``local_train``, then sets
  ``c_i+ = c_i - c + (x - y) / (K lr)`` (option II: ``x`` the weights received, ``y`` the weights after
  its ``K`` steps), keeps ``c_i+`` and replies with ``y`` and ``Δc_i = c_i+ - c_i`` (key :data:`DELTA_C`);
- **server update** (:meth:`Scaffold.aggregate_train`): ``x`` becomes FedAvg's mean of the ``y``
  weighted by ``num-examples`` (as the kit's ``Scaffold(weighted=True)``; with a server learning rate
  ``η``, ``x + η (mean - x)``), and ``c <- c + (1/N) Σ Δc_i`` over the clients that replied, ``N`` the
  number of clients in the federation.

>>> strategy = Scaffold(num_clients=3, min_available_nodes=3)
>>> strategy.num_clients, strategy.server_learning_rate, strategy.c is None
(3, 1.0, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from logging import INFO
from typing import Any

import numpy as np
import torch
from flwr.app import Array, ArrayRecord, ConfigRecord, Message, MetricRecord, RecordDict
from flwr.serverapp import Grid
from flwr.serverapp import strategy as fl
from flwr.supercore import log

from fedlearn_edu._validation import check_count, check_real

__all__ = ["CLIENT_C", "DELTA_C", "SERVER_C", "Scaffold", "client_update", "local_offset"]

SERVER_C = "scaffold-c"  # in a train message: the server's control variate c
DELTA_C = "scaffold-delta-c"  # in a reply: the client's Δc_i
CLIENT_C = "scaffold-c-i"  # in a client's context.state: its own c_i


def _numpy(record: ArrayRecord) -> dict[str, np.ndarray]:
    return {name: array.numpy() for name, array in record.items()}


class Scaffold(fl.FedAvg):
    """SCAFFOLD's server on Flower's ``FedAvg``: sends ``c`` with the weights, updates it from the
    replies' ``Δc_i``. ``num_clients``: N in ``c <- c + (1/N) Σ Δc_i``; other keyword arguments go to
    ``FedAvg`` (``fraction_train``, ``min_available_nodes``, ...)."""

    def __init__(self, num_clients: int, server_learning_rate: float = 1.0, **fedavg: Any) -> None:
        self.num_clients = check_count(num_clients, "num_clients", minimum=1)
        self.server_learning_rate = check_real(
            server_learning_rate, "server_learning_rate", low=0, include_low=False
        )
        super().__init__(**fedavg)
        self.c: dict[str, np.ndarray] | None = None  # the server control variate, created from the weights
        self.current: ArrayRecord | None = None  # the global weights this round started from

    def summary(self) -> None:
        log(INFO, "\t├──> SCAFFOLD settings (the kit's strategy on Flower's FedAvg):")
        log(INFO, "\t│\t├── Clients in the federation (N): %d", self.num_clients)
        log(INFO, "\t│\t└── Server learning rate: %s", self.server_learning_rate)
        super().summary()

    def configure_train(
        self, server_round: int, arrays: ArrayRecord, config: ConfigRecord, grid: Grid
    ) -> Iterable[Message]:
        """FedAvg's train messages, each also carrying ``c`` (an ArrayRecord under :data:`SERVER_C`)."""
        if self.c is None:  # c starts at zero, shaped like the weights
            self.c = {name: np.zeros_like(a) for name, a in _numpy(arrays).items()}
        self.current = arrays
        messages = list(super().configure_train(server_round, arrays, config, grid))
        record = ArrayRecord({name: Array(v) for name, v in self.c.items()})
        for message in messages:
            message.content[SERVER_C] = record
        return messages

    def aggregate_train(
        self, server_round: int, replies: Iterable[Message]
    ) -> tuple[ArrayRecord | None, MetricRecord | None]:
        """The new weights (FedAvg's mean of the replies' weights) and ``c <- c + (1/N) Σ Δc_i``.

        The ``Δc_i`` records are taken out of the replies first: FedAvg's checks expect exactly one
        ArrayRecord (the weights) in each reply.
        """
        replies = list(replies)
        deltas = []
        for reply in replies:
            if reply.has_error():
                continue
            if DELTA_C not in reply.content:
                raise ValueError(
                    f"node {reply.metadata.src_node_id}'s reply has no {DELTA_C!r} ArrayRecord: its "
                    "ClientApp does not run SCAFFOLD's client side (client_update)"
                )
            deltas.append(_numpy(reply.content.pop(DELTA_C)))
        if deltas and self.c is None:
            raise RuntimeError("aggregate_train before configure_train: c does not exist yet")
        arrays, metrics = super().aggregate_train(server_round, replies)
        if arrays is None or not deltas:
            return arrays, metrics
        if self.server_learning_rate != 1.0:  # x + η (mean - x); η = 1 keeps the mean exactly
            x, mean = _numpy(self.current), _numpy(arrays)
            arrays = ArrayRecord({name: Array(np.asarray(x[name] + self.server_learning_rate
                                                         * (mean[name] - x[name]))) for name in x})  # fmt: skip
        total = {name: np.sum([d[name] for d in deltas], axis=0) for name in self.c}
        self.c = {name: self.c[name] + total[name] / self.num_clients for name in self.c}
        return arrays, metrics


def _check_state(c: ArrayRecord, state: RecordDict) -> dict[str, torch.Tensor] | None:
    """The client's own c_i from ``state`` (``None`` before its first round), checked against ``c``."""
    if CLIENT_C not in state:
        return None
    c_i = state[CLIENT_C].to_torch_state_dict()
    if set(c_i) != set(c.keys()):
        raise ValueError(
            f"this client's c_i has parameters {sorted(c_i)} but the server's c has {sorted(c.keys())}"
        )
    return c_i


def local_offset(c: ArrayRecord, state: RecordDict) -> dict[str, torch.Tensor]:
    """``c - c_i``: the term this client adds to each gradient (``c_i`` from ``state``, zero at first).

    >>> c = ArrayRecord({"w": torch.tensor([1.0, 2.0])})
    >>> local_offset(c, RecordDict())["w"]
    tensor([1., 2.])
    """
    server = c.to_torch_state_dict()
    own = _check_state(c, state)
    return server if own is None else {name: v - own[name] for name, v in server.items()}


def client_update(
    received: Mapping[str, torch.Tensor],
    trained: Mapping[str, torch.Tensor],
    c: ArrayRecord,
    state: RecordDict,
    *,
    steps: int,
    lr: float,
) -> ArrayRecord:
    """Option II after ``steps`` local steps of size ``lr`` from ``received`` (x) to ``trained`` (y):
    ``c_i+ = c_i - c + (x - y) / (K lr)``. Keeps ``c_i+`` in ``state``; returns ``Δc_i = c_i+ - c_i``.

    >>> state = RecordDict()
    >>> x, y = {"w": torch.tensor([1.0])}, {"w": torch.tensor([0.5])}
    >>> c = ArrayRecord({"w": torch.tensor([0.0])})
    >>> client_update(x, y, c, state, steps=5, lr=0.1).to_torch_state_dict()["w"]
    tensor([1.])
    >>> state["scaffold-c-i"].to_torch_state_dict()["w"]
    tensor([1.])
    """
    steps = check_count(steps, "steps", minimum=1)
    lr = check_real(lr, "lr", low=0, include_low=False)
    server = c.to_torch_state_dict()
    if set(received) != set(server) or set(trained) != set(server):
        raise ValueError(
            f"received, trained and c must name the same parameters; got {sorted(received)}, "
            f"{sorted(trained)} and {sorted(server)}"
        )
    own = _check_state(c, state)
    if own is None:
        own = {name: torch.zeros_like(v) for name, v in server.items()}
    # As the kit's Scaffold.client_replies: the scale 1/(K lr) in float64, then in the weights' dtype.
    new = {name: own[name] - server[name] + (received[name] - trained[name]) * torch.tensor(
               1.0 / (steps * lr), dtype=torch.float64).to(trained[name].dtype)
           for name in server}  # fmt: skip
    state[CLIENT_C] = ArrayRecord({name: v.detach().clone() for name, v in new.items()})
    return ArrayRecord({name: (new[name] - own[name]).detach() for name in server})

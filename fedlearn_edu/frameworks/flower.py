"""The kit's model, data split and algorithm as a Flower App (Flower 1.42's Message API).

Lesson 09 runs this App on Flower's **deployment engine**: a SuperLink process, one SuperNode per
client, and ``flwr run`` (see :mod:`fedlearn_edu.frameworks.deploy`). The App is the same one a
Flower user would write:

- :data:`client_app` -- a ``ClientApp`` whose ``@client_app.train()`` loads the weights it was sent
  (``msg.content["arrays"].to_torch_state_dict()``), trains them with the kit's one local-training
  routine (:func:`fedlearn_edu.training.local_train`) on its own partition (``partition-id`` from
  the SuperNode's ``--node-config``), and replies with its weights and ``num-examples``;
  ``@client_app.evaluate()`` scores the weights on its own data;
- :data:`server_app` -- a ``ServerApp`` whose ``@server_app.main()`` builds the kit's initial model
  and one of **Flower's own strategies** (:func:`flower_strategy`) and calls its ``start(...)``;
  for SCAFFOLD, which Flower does not ship, the kit's strategy written on Flower's interface
  (:mod:`fedlearn_edu.frameworks.flower_scaffold`), whose control variates ride in the messages.

Every process derives the same data and seeds from the run config: the digits split (seed 0),
``iid_partition(..., seed=seed)``, ``mlp((64, 32, 10), seed=seed)``, and client ``k``'s minibatch
order in round ``r`` from ``client_seeds(seed, r, K)[k]`` -- exactly as the kit's engines. With every
client in every round (``C = 1``) Flower's final weights therefore equal
``simulate(..., kit_algorithm(name), C=1.0)``'s up to float32 rounding (:func:`kit_reference`).

Where Flower's strategy and the kit's algorithm differ, :data:`ALGORITHMS` says so: Flower's
``MultiKrum`` averages the selected models weighted by their examples, the kit's (as Blanchard et
al. 2017) takes the plain mean.

>>> sorted(ALGORITHMS)
['fedadam', 'fedavg', 'fedavgm', 'fedprox', 'krum', 'median', 'multi-krum', 'scaffold', 'trimmed-mean']
>>> type(flower_strategy("median", n_clients=3)).__name__
'FedMedian'
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MessageType, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp import strategy as fl

from fedlearn_edu import algorithms
from fedlearn_edu._validation import check_count, check_real
from fedlearn_edu.data import Dataset, iid_partition, load_digits
from fedlearn_edu.frameworks import flower_scaffold as scaffold
from fedlearn_edu.i18n import N_, t
from fedlearn_edu.simulation import History, simulate
from fedlearn_edu.simulation.models import evaluate, mlp
from fedlearn_edu.simulation.sampling import client_seeds
from fedlearn_edu.training import local_train, proximal_and_offset

__all__ = [
    "ALGORITHMS",
    "DEFAULTS",
    "client_app",
    "flower_aggregate",
    "flower_strategy",
    "kit_algorithm",
    "kit_reference",
    "server_app",
    "settings",
]

SIZES = (64, 32, 10)  # the kit's default MLP on the digits

# The run config every process reads (`flwr run ... --run-config "key=value ..."` overrides these;
# flower_app/pyproject.toml lists the same defaults).
DEFAULTS: dict[str, Any] = {
    "num-clients": 3,
    "num-server-rounds": 3,
    "algorithm": "fedavg",
    "seed": 0,
    "lr": 0.05,
    "local-epochs": 1,
    "batch-size": 10,
    "n-trim": 1,  # trimmed mean: values dropped at each end
    "n-byzantine": 0,  # Krum / Multi-Krum: f
    "n-selected": 2,  # Multi-Krum: m
    "proximal-mu": 0.01,  # FedProx: mu
    "fraction-evaluate": 0.0,  # > 0: clients also evaluate the global model on their own data
    "round-timeout": 60.0,  # seconds the server waits for replies in a round at most ...
    "first-round-timeout": 180.0,  # ... and in round 1, while the machine may still be starting processes
    "round-timeout-factor": 0.0,  # > 0: a later round ends once this times its first reply's time passed
    "out-dir": "",  # where the ServerApp writes progress.jsonl and final.npz ("": nowhere)
}


@dataclass(frozen=True)
class Pair:
    """One algorithm on both sides: Flower's strategy and the kit's algorithm, and how they differ.

    ``about`` is how they differ, in English; ``note`` is the same in the reader's language.
    """

    flower: str
    kit: str
    about: str

    @property
    def note(self) -> str:
        return t(self.about)


ALGORITHMS: dict[str, Pair] = {
    "fedavg": Pair(
        "FedAvg", "FedAvg()", N_("the same: the mean weighted by num-examples (McMahan et al. 2017)")
    ),
    "median": Pair("FedMedian", "Median()", N_("the same: the coordinate-wise median")),
    "trimmed-mean": Pair(
        "FedTrimmedAvg(beta)",
        "TrimmedMean(n_trim)",
        N_("the same: Flower's beta is a fraction, it drops int(beta * K) values at each end"),
    ),
    "krum": Pair(
        "Krum",
        "Krum(f)",
        N_(
            "the same except on ties: with K = 3 the two mutually nearest clients always tie; Flower keeps "
            "the first to reply, the kit the lower client id"
        ),
    ),
    "fedprox": Pair(
        "FedProx(proximal_mu)",
        "FedProx(mu)",
        N_(
            "the same: Flower's server only sends proximal-mu; our ClientApp adds mu * (w - w_received) to each "
            "gradient, as the kit's clients do (Flower's docstring example adds the unsquared norm: not FedProx)"
        ),
    ),
    "fedavgm": Pair(
        "FedAvgM(1.0, 0.9)",
        "FedAvgM(1.0, 0.9)",
        N_("the same: server momentum on the pseudo-gradient (Flower writes it with the opposite sign)"),
    ),
    "fedadam": Pair(
        "FedAdam(eta=0.01)",
        "FedAdam(0.01, bias_correction=True)",
        N_("the same: with the kit's bias_correction=True, Flower's factor (Reddi et al. 2021 have none)"),
    ),
    "scaffold": Pair(
        "FedAvg + SCAFFOLD",
        "Scaffold()",
        N_(
            "the same: Flower has no SCAFFOLD strategy; the kit writes one on Flower's FedAvg "
            "(flower_scaffold.py): c travels beside the weights, each ClientApp keeps c_i in context.state"
        ),
    ),
    "multi-krum": Pair(
        "MultiKrum",
        "MultiKrum(f, m)",
        N_("different: Flower weights the m selected models by num-examples, the kit takes their plain mean"),
    ),
}


def settings(run_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The run config with every missing key taken from :data:`DEFAULTS`, checked.

    >>> settings({"num-clients": 5})["num-clients"], settings()["algorithm"]
    (5, 'fedavg')
    """
    out = dict(DEFAULTS)
    out.update(run_config or {})
    if out["algorithm"] not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {sorted(ALGORITHMS)}; got {out['algorithm']!r}")
    for key in ("num-clients", "num-server-rounds", "local-epochs", "batch-size"):
        out[key] = check_count(out[key], key, minimum=1)
    for key in ("seed", "n-trim", "n-byzantine", "n-selected"):
        out[key] = check_count(out[key], key)
    for key in ("round-timeout", "first-round-timeout"):
        out[key] = check_real(out[key], key, low=0, include_low=False)
    out["round-timeout-factor"] = check_real(out["round-timeout-factor"], "round-timeout-factor", low=0)
    return out


def flower_strategy(algorithm: str, n_clients: int, **options: Any) -> fl.FedAvg:
    """Flower's own strategy for ``algorithm`` (a key of :data:`ALGORITHMS`), every client every round.

    ``options``: ``n_trim``, ``n_byzantine``, ``n_selected`` (as in the kit), ``fraction_evaluate``.
    """
    n = check_count(n_clients, "n_clients", minimum=1)
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {sorted(ALGORITHMS)}; got {algorithm!r}")
    common = dict(fraction_train=1.0, min_train_nodes=n, min_available_nodes=n,
                  fraction_evaluate=float(options.get("fraction_evaluate", 0.0)),
                  min_evaluate_nodes=n)  # fmt: skip
    f = int(options.get("n_byzantine", 0))
    if algorithm == "fedavg":
        return fl.FedAvg(**common)
    if algorithm == "median":
        return fl.FedMedian(**common)
    if algorithm == "trimmed-mean":
        # scipy's trim_mean drops int(beta * K) values at each end: beta = (n_trim + 0.5) / K gives n_trim
        return fl.FedTrimmedAvg(beta=(int(options.get("n_trim", 1)) + 0.5) / n, **common)
    if algorithm == "krum":
        return fl.Krum(num_malicious_nodes=f, **common)
    if algorithm == "fedprox":
        return fl.FedProx(proximal_mu=float(options.get("proximal_mu", 0.01)), **common)
    if algorithm == "fedavgm":
        return fl.FedAvgM(server_learning_rate=1.0, server_momentum=0.9, **common)
    if algorithm == "fedadam":
        return fl.FedAdam(eta=0.01, beta_1=0.9, beta_2=0.99, tau=1e-3, **common)
    if algorithm == "scaffold":
        return scaffold.Scaffold(num_clients=n, server_learning_rate=1.0, **common)
    return fl.MultiKrum(
        num_malicious_nodes=f, num_nodes_to_select=int(options.get("n_selected", 2)), **common
    )


def kit_algorithm(algorithm: str, **options: Any) -> algorithms.Algorithm:
    """The kit's algorithm that :func:`flower_strategy` mirrors.

    >>> kit_algorithm("trimmed-mean", n_trim=1).name
    'trimmed mean'
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {sorted(ALGORITHMS)}; got {algorithm!r}")
    f = int(options.get("n_byzantine", 0))
    return {
        "fedavg": lambda: algorithms.FedAvg(),
        "median": lambda: algorithms.Median(),
        "trimmed-mean": lambda: algorithms.TrimmedMean(int(options.get("n_trim", 1))),
        "krum": lambda: algorithms.Krum(f),
        "multi-krum": lambda: algorithms.MultiKrum(f, int(options.get("n_selected", 2))),
        "fedprox": lambda: algorithms.FedProx(mu=float(options.get("proximal_mu", 0.01))),
        "fedavgm": lambda: algorithms.FedAvgM(server_lr=1.0, momentum=0.9),
        "scaffold": lambda: algorithms.Scaffold(server_lr=1.0),
        "fedadam": lambda: algorithms.FedAdam(
            server_lr=0.01, beta1=0.9, beta2=0.99, tau=1e-3, bias_correction=True
        ),
    }[algorithm]()


def _options(cfg: Mapping[str, Any]) -> dict[str, Any]:
    return dict(n_trim=cfg["n-trim"], n_byzantine=cfg["n-byzantine"], n_selected=cfg["n-selected"],
                proximal_mu=float(cfg["proximal-mu"]), fraction_evaluate=float(cfg["fraction-evaluate"]))  # fmt: skip


@functools.cache
def _data(n_clients: int, seed: int) -> tuple[Dataset, list[np.ndarray]]:
    digits = load_digits(seed=0)
    return digits, iid_partition(digits.y_train, n_clients, seed=seed)


def kit_reference(run_config: Mapping[str, Any] | None = None) -> History:
    """The kit's fast engine on the same data, model, seeds and algorithm as the Flower run (C = 1).

    >>> kit_reference({"num-server-rounds": 2}).test_accuracy[-1] > 0.5
    True
    """
    cfg = settings(run_config)
    digits, parts = _data(cfg["num-clients"], cfg["seed"])
    return simulate(
        digits, parts, kit_algorithm(cfg["algorithm"], **_options(cfg)), mlp(SIZES, seed=cfg["seed"]),
        rounds=cfg["num-server-rounds"], C=1.0, E=cfg["local-epochs"], B=cfg["batch-size"],
        lr=cfg["lr"], seed=cfg["seed"], engine="fast", progress=False,
    )  # fmt: skip


def flower_aggregate(
    strategy: fl.FedAvg, models: list[Mapping[str, torch.Tensor]], num_examples: list[int]
) -> dict[str, torch.Tensor]:
    """What Flower's ``strategy`` makes of these client models, computed in this process: each model
    becomes a reply ``Message`` (``arrays`` + ``num-examples``) and ``strategy.aggregate_train`` runs.

    >>> flower_aggregate(fl.FedAvg(), [{"w": torch.tensor([0.0])}, {"w": torch.tensor([4.0])}], [3, 1])
    {'w': tensor([1.])}
    """
    import logging

    from flwr.supercore.task_identity import TaskIdentity

    if len(models) != len(num_examples) or not models:
        raise ValueError(
            f"give one num_examples per model; got {len(models)} models, {len(num_examples)} counts"
        )
    for key in ("run_id", "node_id", "task_id"):  # Message() needs a task identity; outside a run any will do
        if getattr(TaskIdentity, f"_{key}") is None:
            setattr(TaskIdentity, key, 0)
    from flwr.app import Array

    def record(
        model: Mapping[str, torch.Tensor],
    ) -> ArrayRecord:  # explicit copies: nothing shared with torch
        return ArrayRecord({name: Array(np.array(torch.as_tensor(v).detach().cpu().numpy(), copy=True))
                            for name, v in model.items()})  # fmt: skip

    replies = []
    for k, (model, n) in enumerate(zip(models, num_examples, strict=True)):
        sent = Message(content=RecordDict({"arrays": record(model)}), dst_node_id=k + 1, message_type="train")
        content = RecordDict({"arrays": record(model), "metrics": MetricRecord({"num-examples": int(n)})})
        replies.append(Message(content=content, reply_to=sent))
    logger = logging.getLogger("flwr")
    level = logger.level
    logger.setLevel(logging.WARNING)  # aggregate_train logs every call at INFO
    try:
        arrays, _ = strategy.aggregate_train(1, replies)
    finally:
        logger.setLevel(level)
    return dict(arrays.to_torch_state_dict())


# ---------------------------------------------------------------------------------------- ClientApp
client_app = ClientApp()


def _client_data(context: Context) -> tuple[int, int, torch.Tensor, torch.Tensor]:
    cfg = settings(context.run_config)
    k = int(context.node_config["partition-id"])
    n = int(context.node_config["num-partitions"])
    digits, parts = _data(n, cfg["seed"])
    part = parts[k]
    return k, n, torch.from_numpy(digits.x_train[part]), torch.from_numpy(digits.y_train[part])


def train(msg: Message, context: Context) -> Message:
    """One client's round: load the global weights, train with the kit's SGD, send the weights back
    (SCAFFOLD: correct each step by ``c - c_i`` and send ``Δc_i`` too)."""
    k, n, x, y = _client_data(context)
    config = msg.content["config"]
    model = mlp(SIZES, seed=0)
    model.load_state_dict(msg.content["arrays"].to_torch_state_dict())
    seed = int(client_seeds(int(config["seed"]), int(config["server-round"]), n)[k])
    mu = float(config.get("proximal-mu", 0.0))  # FedProx's strategy sends it: the pull towards w_received
    c = msg.content.get(scaffold.SERVER_C)  # SCAFFOLD's strategy sends its control variate c
    offset = scaffold.local_offset(c, context.state) if c is not None else None  # c - c_i
    received = {name: p.detach().clone() for name, p in model.named_parameters()}
    correction = proximal_and_offset(mu, received, offset) if mu or offset is not None else None
    lr = float(config["lr"])
    result = local_train(model, x, y, lr=lr, epochs=int(config["local-epochs"]),
                         batch_size=int(config["batch-size"]), loss="cross_entropy", seed=seed,
                         correction=correction)  # fmt: skip
    metrics = MetricRecord({"num-examples": len(x), "train-loss": float(result.loss)})
    content = RecordDict({"arrays": ArrayRecord(model.state_dict()), "metrics": metrics})
    if c is not None:  # keep c_i+ in context.state, send Δc_i
        trained = {name: p.detach() for name, p in model.named_parameters()}
        content[scaffold.DELTA_C] = scaffold.client_update(received, trained, c, context.state,
                                                           steps=result.steps, lr=lr)  # fmt: skip
    return Message(content=content, reply_to=msg)


@client_app.train()
def _train_or_fail(msg: Message, context: Context) -> Message:
    """:func:`train`, or with ``FEDLEARN_FLOWER_FAIL=train`` a ClientApp that raises (the tests' failing client)."""
    if os.environ.get("FEDLEARN_FLOWER_FAIL") == "train":
        raise RuntimeError("FEDLEARN_FLOWER_FAIL=train: this ClientApp fails on purpose")
    return train(msg, context)


@client_app.evaluate()
def evaluate_local(msg: Message, context: Context) -> Message:
    """Score the global weights on this client's own data (Flower's federated evaluation)."""
    _, _, x, y = _client_data(context)
    accuracy, loss = evaluate(mlp(SIZES, seed=0), msg.content["arrays"].to_torch_state_dict(),
                              x.numpy(), y.numpy(), "cross_entropy")  # fmt: skip
    metrics = MetricRecord({"num-examples": len(x), "accuracy": accuracy, "loss": loss})
    return Message(content=RecordDict({"metrics": metrics}), reply_to=msg)


# ---------------------------------------------------------------------------------------- ServerApp
server_app = ServerApp()


def _payload_bytes(content: RecordDict) -> int:
    """The bytes of the tensors in a message's ArrayRecords (the weights, and SCAFFOLD's control
    variate), as serialized (``Array.data``)."""
    return sum(len(array.data) for arrays in content.array_records.values() for array in arrays.values())


def _counting(strategy: fl.FedAvg, record) -> fl.FedAvg:
    """Wrap ``strategy.configure_train`` and ``aggregate_train`` to record the tensor bytes sent each
    round (all train messages) and the replies, failures and tensor bytes that came back."""
    configure, aggregate = strategy.configure_train, strategy.aggregate_train

    def configure_train(server_round, arrays, config, grid):
        messages = list(configure(server_round, arrays, config, grid))
        record(server_round, down_payload_bytes=sum(_payload_bytes(m.content) for m in messages))
        return messages

    def aggregate_train(server_round, replies):
        replies = list(replies)
        ok = [m for m in replies if not m.has_error()]
        record(server_round, replies=len(ok), failures=len(replies) - len(ok),
               up_payload_bytes=sum(_payload_bytes(m.content) for m in ok))  # fmt: skip
        return aggregate(server_round, replies)

    strategy.configure_train, strategy.aggregate_train = configure_train, aggregate_train
    return strategy


class _Deadlines:
    """The Grid, with the kit's round deadlines. Flower's ``strategy.start`` gives every exchange one
    ``timeout``. Here the first exchange waits up to ``first`` seconds (a margin for a machine still
    busy starting the deployment: every round, each SuperNode starts a fresh ClientApp process --
    Python, torch, the data -- and in round 1 it also fetches the App). Later ones wait up to
    ``timeout``, and with ``factor > 0`` stop earlier: once ``factor`` times the time the exchange's
    first reply took has passed. The deadline follows this round's fastest client, so a slow machine
    gets the time it needs and a fast one no more, and a client that died costs the round that wait,
    not the whole ``timeout``. ``record(i, deadline=..., first_reply_seconds=..., exchange_seconds=...)``
    is told how the ``i``-th training exchange (round ``i``) went. Replies are asked for every
    :attr:`POLL_S` seconds; Flower's own Grid waits 3 s between asks."""

    POLL_S = 0.5

    def __init__(self, grid: Grid, first: float, factor: float = 0.0, record=None):
        self._grid, self._first, self._factor, self._record = grid, first, factor, record
        self._exchanges = self._rounds = 0

    def send_and_receive(self, messages, *, timeout=None):
        messages = list(messages)
        if not messages:
            return self._grid.send_and_receive(messages, timeout=timeout)
        timeout = timeout or 0.0
        factor = self._factor if self._exchanges else 0.0
        if self._exchanges == 0:
            timeout = max(timeout, self._first)
        self._exchanges += 1
        replies, deadline, first_reply, seconds = self._exchange(messages, timeout, factor)
        if messages[0].metadata.message_type == MessageType.TRAIN:
            self._rounds += 1
            if self._record is not None:
                self._record(self._rounds, deadline=deadline, first_reply_seconds=first_reply,
                             exchange_seconds=seconds)  # fmt: skip
        return replies

    def _exchange(self, messages: list[Message], timeout: float, factor: float):
        """Push ``messages``, then pull their replies every :attr:`POLL_S` seconds until all came or
        the deadline passed: ``timeout``, or with ``factor``, ``factor`` x the first reply's time if
        sooner. Returns the replies, the deadline, the first reply's time and the exchange's time
        (seconds from the push)."""
        waiting = set(self._grid.push_messages(messages))
        start = time.monotonic()
        deadline, first_reply = timeout, None
        replies: list[Message] = []
        while True:
            got = list(self._grid.pull_messages(waiting))
            elapsed = time.monotonic() - start
            if got and first_reply is None:
                first_reply = elapsed
                if factor > 0:
                    deadline = min(deadline, factor * first_reply)
            replies.extend(got)
            waiting.difference_update(m.metadata.reply_to_message_id for m in got)
            if not waiting or elapsed >= deadline:
                return replies, deadline, first_reply, elapsed
            time.sleep(min(self.POLL_S, max(0.0, deadline - elapsed)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._grid, name)


def _save(path: Path, arrays: ArrayRecord) -> None:
    """Write the weights to ``path`` whole or not at all: the launcher may look at any moment."""
    state = arrays.to_torch_state_dict()
    partial = path.with_name(path.stem + ".partial.npz")
    np.savez(partial, **{k: v.numpy() for k, v in state.items()})
    os.replace(partial, path)


@server_app.main()
def main(grid: Grid, context: Context) -> None:
    """Run Flower's strategy from the kit's initial model; write progress and final weights to out-dir."""
    cfg = settings(context.run_config)
    digits, _ = _data(cfg["num-clients"], cfg["seed"])
    model = mlp(SIZES, seed=cfg["seed"])
    out = Path(cfg["out-dir"]) if cfg["out-dir"] else None
    rounds: dict[int, dict] = {}

    def record(server_round: int, **values: Any) -> None:
        rounds.setdefault(server_round, {"round": server_round}).update(values)

    def central_evaluation(server_round: int, arrays: ArrayRecord) -> MetricRecord:
        accuracy, loss = evaluate(model, arrays.to_torch_state_dict(), digits.x_test, digits.y_test,
                                  "cross_entropy")  # fmt: skip
        record(server_round, accuracy=accuracy, loss=loss, time=time.time())
        print("[fedlearn] " + t("round {round}: test accuracy {accuracy:.4f}", round=server_round, accuracy=accuracy),
              flush=True)  # fmt: skip
        if out is not None:
            _save(out / f"round-{server_round}.npz", arrays)
            with open(out / "progress.jsonl", "a") as f:
                f.write(json.dumps(rounds[server_round]) + "\n")
        return MetricRecord({"accuracy": accuracy, "loss": loss})

    strategy = _counting(flower_strategy(cfg["algorithm"], cfg["num-clients"], **_options(cfg)), record)
    train_config = ConfigRecord({key: cfg[key] for key in ("lr", "local-epochs", "batch-size", "seed")})
    grid = _Deadlines(grid, cfg["first-round-timeout"], cfg["round-timeout-factor"], record)
    result = strategy.start(grid=grid, initial_arrays=ArrayRecord(model.state_dict()),
                            num_rounds=cfg["num-server-rounds"], timeout=float(cfg["round-timeout"]),
                            train_config=train_config, evaluate_fn=central_evaluation)  # fmt: skip
    if out is not None:
        _save(out / "final.npz", result.arrays)

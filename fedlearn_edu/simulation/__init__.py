"""Simulating federated learning on one machine: many clients, any algorithm, two engines.

:func:`simulate` runs an :class:`~fedlearn_edu.algorithms.Algorithm` (FedAvg by default) for some
rounds and returns a :class:`History`. :func:`run_fedavg` is the shorthand for McMahan et al.
(2017)'s FedAvg with its three knobs -- C (the fraction of clients that train each round), E (local
epochs) and B (local batch size; ``None`` is the whole local data set, written B = ∞ in the paper).

One round driver (:mod:`.driver`) does the sampling, seeds, history, progress bar and ``stop_at``
for both engines; they differ only in how the selected clients train:

- ``engine="reference"`` (:mod:`.reference`): one client after the other, each a lesson-03
  ``VirtualWorker``; read it to see the algorithm; trains any PyTorch model;
- ``engine="fast"`` (:mod:`.fast`): all clients of a round trained together as one batched
  computation over stacked weights; use it to explore.

Same seed, same global weights (to float32 rounding), for every algorithm. :func:`simulate_many`
runs a sweep (many seeds, algorithms or splits) in lock step, so that the fast engine trains the
clients of all its runs at once; each run ends exactly where :func:`simulate` would end it. How the
seed is split into the clients' sampling and minibatch orders is explained in :mod:`.sampling`.

Both engines run on one CPU thread (the setting is restored afterwards): their matrices are so
small that waking a second thread for each product costs more than it saves, and on a busy
two-core laptop it can make a round ten times slower.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from fedlearn_edu._validation import check_count, check_fraction, check_partition, check_real, check_seed
from fedlearn_edu.aggregate import fedavg, federated_mean
from fedlearn_edu.algorithms import Algorithm, FedAvg, RuleAlgorithm, TrainPlan
from fedlearn_edu.data import Dataset
from fedlearn_edu.i18n import t
from fedlearn_edu.simulation.driver import drive_together, round_loop
from fedlearn_edu.simulation.history import History
from fedlearn_edu.simulation.models import mlp
from fedlearn_edu.simulation.progress import Progress
from fedlearn_edu.simulation.sampling import client_seed, clients_per_round, sample_clients

__all__ = [
    "History",
    "as_algorithm",
    "client_seed",
    "clients_per_round",
    "default_model",
    "mlp",
    "run_dp_fedavg",
    "run_fedavg",
    "sample_clients",
    "simulate",
    "simulate_many",
]

ENGINES = ("fast", "reference")


def _batch_size(B: object) -> int | None:
    if B is None or (isinstance(B, float) and math.isinf(B) and B > 0):
        return None  # B = ∞: each client's whole data set is one batch
    return check_count(B, "B (the local batch size; None or math.inf for the whole local data)", minimum=1)


def _run_seed(seed: object) -> int:
    """The run's seed as a whole number: ``None`` draws one from the operating system's entropy
    (recorded in ``history.config["seed"]``, so the run can be replayed); a Generator draws one."""
    seed = check_seed(seed)
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63 - 1))
    return seed


def _check_model(model: nn.Module, data: Dataset) -> None:
    """One forward pass on one test row: a wrong input or output width is named before round 1."""
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"model must be a torch nn.Module (or None for the default MLP); got {type(model).__name__}"
        )
    width = data.x_train.shape[1]
    x = torch.from_numpy(np.asarray(data.x_test[:1] if len(data.x_test) else data.x_train[:1]))
    training = model.training
    model.eval()  # no BatchNorm statistics are updated by this check
    try:
        with torch.no_grad():
            out = model(x.to(next(model.parameters()).dtype))
    except RuntimeError as exc:
        raise ValueError(
            f"model cannot take the data's inputs ({width} features per example): {exc}"
        ) from None
    finally:
        model.train(training)
    if data.n_classes and (out.ndim != 2 or out.shape[1] < data.n_classes):
        raise ValueError(
            f"model gives {tuple(out.shape[1:])} outputs per example but the data have {data.n_classes} classes"
        )


def default_model(data: Dataset, seed: int = 0) -> nn.Module:
    """The model used when none is given: an MLP d-32-classes, or a linear model for regression."""
    d = data.x_train.shape[1]
    return mlp((d, 32, data.n_classes), seed=seed) if data.n_classes else mlp((d, 1), seed=seed)[0]


def _engine(name: str):
    from fedlearn_edu.simulation.fast import FastEngine
    from fedlearn_edu.simulation.reference import ReferenceEngine

    if name not in ENGINES:
        raise ValueError(f"engine must be 'fast' or 'reference'; got {name!r}")
    return FastEngine if name == "fast" else ReferenceEngine


def simulate(
    data: Dataset,
    partitions: Sequence[Sequence[int]],
    algorithm: Algorithm | None = None,
    model: nn.Module | None = None,
    *,
    rounds: int = 10,
    C: float = 0.1,
    E: int = 1,
    B: int | float | None = 10,
    lr: float = 0.05,
    loss: str | None = None,
    seed: int = 0,
    engine: str = "fast",
    progress: bool | None = None,
    stop_at: float | None = None,
    client_test: Sequence[Sequence[int]] | None = None,
    eval_every: int | None = None,
) -> History:
    """Run ``algorithm`` (default ``FedAvg()``) for ``rounds`` rounds; return the :class:`History`.

    Each round samples m = max(1, round(C*K)) of the K = ``len(partitions)`` clients; E, B and lr
    are the clients' default :class:`~fedlearn_edu.algorithms.TrainPlan` (an algorithm may change
    it). ``model`` (not modified) is the initial global model; by default :func:`default_model`.
    ``loss`` defaults to ``"cross_entropy"`` for classification data, ``"sum_squares"`` otherwise.
    ``progress``: ``None`` shows a progress bar only for runs longer than a few seconds.
    ``stop_at``: stop after the first round whose test accuracy reaches it.

    **Per-client evaluation**: ``client_test`` gives each client's own held-out examples (indices
    into the train set, one array per client, none of them in any client's training partition;
    :func:`fedlearn_edu.data.split_clients` makes both). The global model is scored on them every
    ``eval_every`` rounds and after the last round (``None``: after the last round only, which
    keeps runs fast); see ``History.client_accuracy`` and ``History.client_stats``.

    >>> from fedlearn_edu.algorithms import Median
    >>> from fedlearn_edu.data import load_digits, iid_partition
    >>> digits = load_digits(seed=0)
    >>> parts = iid_partition(digits.y_train, n_clients=20, seed=0)
    >>> simulate(digits, parts, Median(), rounds=5, C=0.5, lr=0.1, seed=0)
    <History: fast engine, 5 rounds, final test accuracy 0.778>
    """
    return _run(data, partitions, algorithm if algorithm is not None else FedAvg(), model,
                rounds=rounds, C=C, E=E, B=B, lr=lr, loss=loss, seed=seed, engine=engine,
                progress=progress, stop_at=stop_at, key="algorithm", client_test=client_test,
                eval_every=eval_every)  # fmt: skip


def simulate_many(runs: Mapping[Hashable, Mapping[str, Any]], *, progress: bool | None = None) -> dict:
    """Run several simulations together, round by round: ``{key: simulate's arguments}`` in,
    ``{key: History}`` out -- a sweep over seeds, algorithms or data splits in one call.

    Each History is the one ``simulate(**arguments)`` returns, with the same weights (a test checks
    this bit for bit). What changes is the speed: the fast engine trains the clients of every run
    whose round can share one batched computation (the same layer shapes, loss and learning rate,
    and all or none with FedProx's ``mu``) together, so a sweep of small runs takes about a third
    of the time (``benchmarks/sweep.py`` measures lesson 05's two sweeps). Runs on the reference
    engine train one by one.
    ``history.seconds`` is each round's wall time for all the runs together. ``progress``: one bar
    for the whole sweep (each run's own ``progress`` argument is not allowed here).

    >>> from fedlearn_edu.data import load_digits, iid_partition
    >>> digits = load_digits(seed=0)
    >>> parts = iid_partition(digits.y_train, n_clients=20, seed=0)
    >>> sweep = simulate_many({seed: dict(data=digits, partitions=parts, rounds=5, C=0.5, lr=0.1, seed=seed)
    ...                        for seed in range(3)})
    >>> sweep[2]
    <History: fast engine, 5 rounds, final test accuracy 0.698>
    >>> sweep[2].final_accuracy == simulate(digits, parts, rounds=5, C=0.5, lr=0.1, seed=2).final_accuracy
    True
    """
    if not isinstance(runs, Mapping):
        raise TypeError(
            f"runs must be a dict {{key: {{argument: value}}}} of simulate's arguments; got {type(runs).__name__}"
        )
    signature = inspect.signature(simulate)
    loops, longest = [], 0
    for key, arguments in runs.items():
        if not isinstance(arguments, Mapping):
            raise TypeError(
                f"runs[{key!r}] must be a dict of simulate's arguments (data=..., partitions=..., ...); "
                f"got {type(arguments).__name__}"
            )
        if "progress" in arguments:
            raise TypeError(f"runs[{key!r}]: progress is simulate_many's own argument, not each run's")
        try:
            bound = signature.bind(**arguments)
        except TypeError as exc:
            raise TypeError(f"runs[{key!r}]: {exc} (the arguments are simulate's)") from None
        bound.apply_defaults()
        given = dict(bound.arguments, progress=False)
        algorithm = given.pop("algorithm")
        try:
            loops.append(_loop(given.pop("data"), given.pop("partitions"),
                               algorithm if algorithm is not None else FedAvg(), given.pop("model"),
                               key="algorithm", **given))  # fmt: skip
        except (TypeError, ValueError) as exc:  # name the run
            raise type(exc)(f"runs[{key!r}]: {exc}") from None
        longest = max(longest, given["rounds"])  # checked by _loop
    bar = Progress(longest, show=progress) if loops else None
    return dict(zip(runs, _drive(loops, bar), strict=True))


def _client_test(client_test, partitions: list[np.ndarray], n_samples: int) -> list[np.ndarray]:
    """``client_test`` checked: one index array per client, disjoint from every training partition."""
    if isinstance(client_test, (str, bytes, dict, set, frozenset)) or not isinstance(
        client_test, (Sequence, np.ndarray)
    ):
        raise TypeError(
            f"client_test must be a list with one array of held-out train-set indices per client "
            f"(see data.split_clients); got {type(client_test).__name__}"
        )
    if len(client_test) != len(partitions):
        raise ValueError(
            f"client_test must have one array per client: {len(partitions)} clients in partitions, "
            f"but client_test has {len(client_test)}"
        )
    from fedlearn_edu.data import _disjoint

    held = _disjoint(client_test, "client_test")
    used = np.zeros(n_samples, dtype=bool)
    for k, part in enumerate(partitions):
        if part.size and part.max() >= n_samples:
            raise ValueError(f"partitions: client {k}: index {part.max()} is outside 0..{n_samples - 1}")
        used[part] = True
    for k, rows in enumerate(held):
        outside = rows[rows >= n_samples]
        if outside.size:
            raise ValueError(f"client_test: client {k}: index {outside[0]} is outside 0..{n_samples - 1}")
        trained = rows[used[rows]]
        if trained.size:
            raise ValueError(
                f"client_test: client {k}'s held-out example {trained[0]} is also in a training partition; "
                "held-out data must not be trained on (data.split_clients splits them apart)"
            )
    return held


def _run(*args, **kwargs) -> History:
    return _drive([_loop(*args, **kwargs)])[0]


def _loop(
    data, partitions, algorithm, model, *, rounds, C, E, B, lr, loss, seed, engine, progress, stop_at, key,
    client_test=None, eval_every=None,
):  # fmt: skip
    """Check a run's arguments (here, before any training) and return its :func:`round_loop`."""
    engine_class = _engine(engine)
    if not isinstance(data, Dataset):
        raise TypeError(
            f"data must be a fedlearn_edu.data.Dataset (e.g. load_digits()); got {type(data).__name__}"
        )
    if not isinstance(algorithm, Algorithm):
        raise TypeError(
            f"algorithm must be a fedlearn_edu.algorithms.Algorithm such as FedAvg(); got {algorithm!r}"
        )
    if isinstance(partitions, (list, tuple)) and not partitions:
        raise ValueError("partitions is empty: give one array of train-set indices per client")
    if client_test is None:
        partitions = check_partition(partitions, len(data.x_train), "partitions")
    else:  # the clients' training and held-out examples together cover the train set
        from fedlearn_edu.data import _disjoint

        partitions = _disjoint(partitions, "partitions")
        client_test = _client_test(client_test, partitions, len(data.x_train))
        check_partition(
            [np.concatenate([p, t]) for p, t in zip(partitions, client_test, strict=True)],
            len(data.x_train), "partitions with client_test",
        )  # fmt: skip
    if eval_every is not None:
        eval_every = check_count(eval_every, "eval_every (rounds between per-client evaluations)", minimum=1)
    loss = loss or ("cross_entropy" if data.n_classes else "sum_squares")
    if loss not in ("cross_entropy", "sum_squares"):
        raise ValueError(f"loss must be 'cross_entropy' or 'sum_squares'; got {loss!r}")
    lr = check_real(lr, "lr", low=0, include_low=False)
    if stop_at is not None:
        stop_at = check_real(stop_at, "stop_at (a test accuracy to stop at, or None)")
    C = check_real(C, "C (the fraction of clients per round)", low=0, high=1, include_low=False)
    seed = _run_seed(seed)
    settings = dict(rounds=check_count(rounds, "rounds"), C=C, E=check_count(E, "E (local epochs)", minimum=1),
                    B=_batch_size(B), lr=lr, loss=loss, seed=seed)  # fmt: skip
    model = copy.deepcopy(model) if model is not None else default_model(data, seed)
    _check_model(model, data)
    dtype = next(model.parameters()).dtype  # the data follow the model: float64 data, float32 model works
    numpy_dtype = torch.empty(0, dtype=dtype).numpy().dtype
    if data.x_train.dtype != numpy_dtype or data.x_test.dtype != numpy_dtype:
        data = dataclasses.replace(
            data, x_train=data.x_train.astype(numpy_dtype), x_test=data.x_test.astype(numpy_dtype)
        )
    config = dict(settings, K=len(partitions))
    if client_test is not None:
        config["eval_every"] = eval_every
    config[key] = algorithm.name
    plan = TrainPlan(epochs=settings["E"], batch_size=settings["B"], lr=settings["lr"])
    return round_loop(
        data, partitions, model, algorithm, engine_class(data, partitions, model, loss),
        rounds=settings["rounds"], C=C, plan=plan, loss=loss, seed=seed, progress=progress,
        stop_at=stop_at, config=config, client_test=client_test, eval_every=eval_every,
    )  # fmt: skip


def _drive(loops: list, progress: Progress | None = None) -> list[History]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: handing them to a second thread costs more than it saves
    try:
        return drive_together(loops, progress)
    finally:
        torch.set_num_threads(threads)


def as_algorithm(aggregate: Callable | Algorithm) -> Algorithm:
    """``run_fedavg``'s ``aggregate=``: a rule of :mod:`fedlearn_edu.aggregate` (or an algorithm).

    >>> from fedlearn_edu.aggregate import fedavg, coordinate_median
    >>> as_algorithm(fedavg), as_algorithm(coordinate_median)
    (FedAvg(weighted=True), RuleAlgorithm(coordinate_median))
    """
    if isinstance(aggregate, Algorithm):
        return aggregate
    if aggregate is fedavg:
        return FedAvg()
    if aggregate is federated_mean:
        return FedAvg(weighted=False)
    return RuleAlgorithm(aggregate)


def run_fedavg(
    data: Dataset,
    partitions: Sequence[Sequence[int]],
    model: nn.Module | None = None,
    *,
    rounds: int = 10,
    C: float = 0.1,
    E: int = 1,
    B: int | float | None = 10,
    lr: float = 0.05,
    aggregate: Callable | Algorithm = fedavg,
    loss: str | None = None,
    seed: int = 0,
    engine: str = "fast",
    progress: bool | None = None,
    stop_at: float | None = None,
) -> History:
    """Run FedAvg for ``rounds`` rounds; return the :class:`History` (the shorthand for :func:`simulate`).

    Each round: sample m = max(1, round(C*K)) of the K = ``len(partitions)`` clients; each trains a
    copy of the global model for E epochs of plain SGD (learning rate ``lr``) in minibatches of B;
    the server combines the returned models with ``aggregate`` (default: McMahan's sample-weighted
    :func:`~fedlearn_edu.aggregate.fedavg`; any rule of :mod:`fedlearn_edu.aggregate`, which gets
    the global model as ``center=`` if it takes one). FedSGD is the special case ``E=1, B=None``.

    Other arguments as in :func:`simulate`.

    >>> from fedlearn_edu.data import load_digits, iid_partition
    >>> digits = load_digits(seed=0)
    >>> parts = iid_partition(digits.y_train, n_clients=20, seed=0)
    >>> history = run_fedavg(digits, parts, rounds=10, C=0.5, E=1, B=10, lr=0.1, seed=0)
    >>> history
    <History: fast engine, 10 rounds, final test accuracy 0.882>
    >>> [int(k) for k in history.sampled[0]]
    [0, 2, 3, 4, 8, 11, 14, 15, 18, 19]
    """
    return _run(data, partitions, as_algorithm(aggregate), model, rounds=rounds, C=C, E=E, B=B, lr=lr,
                loss=loss, seed=seed, engine=engine, progress=progress, stop_at=stop_at, key="aggregate")  # fmt: skip


def run_dp_fedavg(
    data,
    partitions: Sequence[Sequence[int]],
    model,
    *,
    rounds: int,
    sample_rate: float,
    clip_norm: float,
    noise_multiplier: float,
    delta: float,
    E: int = 1,
    B: int | None = 10,
    lr: float = 0.1,
    seed: int = 0,
):
    """DP-FedAvg (:class:`fedlearn_edu.algorithms.DPFedAvg`) with the simulation's fast engine, every
    client offered every round (each takes part with probability ``sample_rate``); the History's
    ``config["epsilon"]`` is the (epsilon, delta) spent (``inf`` without noise).
    ``history.sampled[r]`` are the clients that took part in round r + 1."""
    from fedlearn_edu.algorithms.dp import DPFedAvg
    from fedlearn_edu.privacy.accountant import epsilon

    check_count(rounds, "rounds")
    check_fraction(sample_rate, "sample_rate")
    check_real(clip_norm, "clip_norm (C)", low=0, include_low=False)
    check_real(noise_multiplier, "noise_multiplier (sigma)", low=0)
    check_real(delta, "delta", low=0, high=1, include_low=False, include_high=False)

    algorithm = DPFedAvg(clip_norm, noise_multiplier, sample_rate)
    history = simulate(
        data, partitions, algorithm, model, rounds=rounds, C=1.0, E=E, B=B, lr=lr, seed=seed, progress=False
    )
    eps = epsilon(noise_multiplier, sample_rate, rounds, delta)
    history.config.update(
        epsilon=eps, delta=delta, clip_norm=clip_norm, noise_multiplier=noise_multiplier, sample_rate=sample_rate,
        label=f"σ = {noise_multiplier:g}, ε = {eps:.2f}" if np.isfinite(eps) else t("σ = 0: no privacy"),
    )  # fmt: skip
    return history

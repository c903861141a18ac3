"""Attacks on the model by malicious clients (lesson 07), and the plumbing to simulate them.

A federation trusts its clients to train honestly on honest data. A fraction of malicious
clients can break that trust in two ways:

- **data poisoning** -- train honestly, on poisoned data: :func:`flip_labels` (every digit ``y``
  labelled ``9 - y``), or a **backdoor**: :func:`add_trigger` stamps a small patch of full ink in the
  bottom-right corner of some images and relabels them as the target class; the model learns
  "patch -> target" and keeps its accuracy on clean images, so nobody notices;
- **model poisoning** -- send a forged update: :func:`sign_flip` sends ``-scale`` times the
  honest update, pushing the global model uphill.

:class:`Malicious` plugs attackers into any algorithm of :mod:`fedlearn_edu.algorithms` by client
id, so :func:`fedlearn_edu.simulation.simulate` can simulate model poisoning with any C and any
server rule (the rules get the global model as ``center`` from the algorithm). Numpy only; the
simulation (torch) is imported only when you run an experiment.

>>> flip_labels(np.array([0, 3, 9]), n_classes=10).tolist()
[9, 6, 0]
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from fedlearn_edu._models import stack_models, unstack
from fedlearn_edu._validation import (
    SeedLike,
    check_count,
    check_fraction,
    check_indices,
    check_partition,
    check_real,
    rng,
)
from fedlearn_edu.algorithms.base import Algorithm

__all__ = [
    "ATTACKS",
    "TRIGGER_PIXELS",
    "AttackResult",
    "Malicious",
    "add_trigger",
    "attack_table",
    "backdoor_success",
    "choose_attackers",
    "defences",
    "flip_labels",
    "poison",
    "run_attack",
    "sign_flip",
    "trigger_values",
]

ATTACKS = ("none", "label_flip", "sign_flip", "backdoor")
TRIGGER_PIXELS = (54, 55, 62, 63)  # the bottom-right 2x2 corner of an 8x8 image, rarely inked


def flip_labels(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Label flipping: every label ``y`` becomes ``n_classes - 1 - y`` (a new array).

    >>> flip_labels(np.array([10]), n_classes=10)
    Traceback (most recent call last):
    ...
    ValueError: labels: 10 is outside the classes 0..9 (n_classes=10)
    """
    n_classes = check_count(n_classes, "n_classes", minimum=1)
    array = np.asarray(labels)
    if array.dtype.kind not in "iu":
        raise TypeError(f"labels must be whole-number class labels; got dtype {array.dtype}")
    outside = array[(array < 0) | (array >= n_classes)]
    if outside.size:
        raise ValueError(
            f"labels: {outside.flat[0]} is outside the classes 0..{n_classes - 1} (n_classes={n_classes})"
        )
    return (n_classes - 1 - array).astype(array.dtype)


def trigger_values(x_train: np.ndarray) -> np.ndarray:
    """The trigger's value at each of its pixels: the largest value (the most ink) seen there in training."""
    return np.asarray(x_train)[:, TRIGGER_PIXELS].max(axis=0)


def add_trigger(images: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A copy of ``images`` (one flattened 8x8 image per row) with the trigger patch stamped on.

    >>> add_trigger(np.zeros((1, 64)), np.ones(4)).reshape(8, 8)[6:, 6:].tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    out = np.array(images, copy=True)
    if out.ndim != 2 or out.shape[1] != 64:
        raise ValueError(
            f"images must hold one flattened 8x8 image (64 values) per row; got shape {out.shape}"
        )
    if np.shape(values) != (len(TRIGGER_PIXELS),):
        raise ValueError(
            f"values must give the trigger's {len(TRIGGER_PIXELS)} pixels; got shape {np.shape(values)}"
        )
    out[:, TRIGGER_PIXELS] = np.asarray(values, dtype=out.dtype)
    return out


def choose_attackers(n_clients: int, fraction: float, seed: SeedLike = 0) -> list[int]:
    """``round(fraction * n_clients)`` distinct clients, drawn at random (sorted).

    >>> choose_attackers(10, 0.3, seed=0)
    [5, 6, 9]
    """
    n_clients = check_count(n_clients, "n_clients")
    fraction = check_real(fraction, "fraction (of attackers)", low=0, high=1, include_high=False)
    n_bad = round(fraction * n_clients)
    return sorted(rng(seed).choice(n_clients, size=n_bad, replace=False).tolist())


def poison(
    data: Any,
    partitions: Sequence[Sequence[int]],
    attackers: Iterable[int],
    attack: str,
    *,
    target: int = 0,
    fraction: float = 0.5,
    seed: SeedLike = 0,
) -> Any:
    """A copy of the data set in which the attackers' training examples are poisoned.

    ``"label_flip"`` flips all their labels; ``"backdoor"`` stamps the trigger on ``fraction``
    of their examples and labels those ``target``. Other attacks leave the data alone.
    ``data`` is a :class:`fedlearn_edu.data.Dataset`; the test set is never touched.
    """
    if attack not in ATTACKS:
        raise ValueError(f"attack must be one of {', '.join(ATTACKS)}; got {attack!r}")
    parts = check_partition(partitions, len(data.x_train), "partitions")
    attackers = check_indices(attackers, "attackers (client ids)", n=len(parts), unique=True)
    fraction = check_fraction(fraction, "fraction")
    if attack in ("label_flip", "backdoor") and not data.n_classes:
        raise ValueError(f"attack={attack!r} needs a classification data set (data.n_classes is not set)")
    if attack == "backdoor":
        target = check_count(target, "target (class)", maximum=data.n_classes - 1)
    generator = rng(seed)
    rows = np.concatenate([parts[k] for k in attackers.tolist()] or [np.zeros(0, np.int64)]).astype(np.int64)
    x, y = data.x_train.copy(), data.y_train.copy()
    if attack == "label_flip":
        y[rows] = flip_labels(y[rows], data.n_classes)
    elif attack == "backdoor":
        chosen = rows[generator.random(len(rows)) < fraction]
        x[chosen] = add_trigger(x[chosen], trigger_values(data.x_train))
        y[chosen] = target
    return dataclasses.replace(data, x_train=x, y_train=y)


def sign_flip(update: Any, scale: float = 1.0) -> Any:
    """The sign-flipping attack: send ``-scale`` times the honest update (any model kind).

    >>> sign_flip([0.5, -1.0], scale=4.0)
    [-2.0, 4.0]
    """
    scale = check_real(scale, "scale")
    stacked = stack_models([update])
    return unstack(stacked, {key: -scale * a[0] for key, a in stacked.arrays.items()})


class Malicious(Algorithm):
    """Malicious clients plugged into any algorithm **by client id**: ``Malicious(FedAvg(), {3, 7}, sign_flip)``.

    An algorithm in its own right (it wraps ``inner``): every client trains as ``inner`` says; then
    each client in ``attackers``, on its side, replaces its reply with ``start + forge(w_k - start,
    scale)`` (e.g. :func:`sign_flip`), where ``start`` is the model it was sent. Works with any C
    (a client is an attacker because of its id, not its position in a list) and any server rule.
    Data poisoning needs no wrapper: :func:`poison` the attackers' data instead.
    """

    def __init__(self, inner: Algorithm, attackers: Iterable[int], forge: Callable, scale: float = 1.0):
        if not isinstance(inner, Algorithm):
            raise TypeError(f"inner must be an algorithm such as FedAvg(); got {inner!r}")
        if not callable(forge):
            raise TypeError(
                f"forge must be a function (update, scale) -> update, e.g. sign_flip; got {forge!r}"
            )
        self.inner, self.forge, self.name = inner, forge, inner.name
        self.scale = check_real(scale, "scale")
        self.attackers = set(check_indices(attackers, "attackers (client ids)").tolist())

    def init(self, weights, *, seed, n_clients):
        check_indices(sorted(self.attackers), "attackers (client ids)", n=n_clients)
        return self.inner.init(weights, seed=seed, n_clients=n_clients)

    def configure(self, round, weights, server_state, clients, plan):
        return self.inner.configure(round, weights, server_state, clients, plan)

    def local_plan(self, client, message, client_state):
        return self.inner.local_plan(client, message, client_state)

    def client_reply(self, client, message, reply, client_state):
        reply = self.inner.client_reply(client, message, reply, client_state)
        if client in self.attackers:
            forged = _forged(message.weights, reply.weights, self.forge, self.scale)
            reply = dataclasses.replace(reply, weights=forged)
        return reply

    def aggregate(self, round, weights, server_state, replies):
        return self.inner.aggregate(round, weights, server_state, replies)

    def __repr__(self) -> str:
        return f"Malicious({self.inner!r}, attackers={sorted(self.attackers)})"


def _forged(start: dict, model: dict, forge: Callable, scale: float) -> dict:
    """``start + forge(model - start, scale)``, for a ``state_dict``."""
    both = stack_models([start, model])
    update = unstack(both, {key: a[1] - a[0] for key, a in both.arrays.items()})
    forged = stack_models([start, forge(update, scale)])
    return unstack(forged, {key: a[0] + a[1] for key, a in forged.arrays.items()})


# --- Experiments: one federation, one attack, one aggregation rule ----------------------------------


def defences(n_clients: int, n_byzantine: int, max_norm: float = 0.5) -> dict[str, Callable]:
    """The aggregation rules lesson 07 compares, set up for ``n_byzantine`` attackers out of ``n_clients``.

    The server is told how many attackers to expect (at least one); ``max_norm`` for norm clipping
    is about the typical honest update's norm in the lesson's runs (0.35-0.6).
    """
    from fedlearn_edu import aggregate as agg

    f = max(int(n_byzantine), 1)
    rules = {
        "FedAvg": agg.fedavg,
        "median": agg.coordinate_median,
        "trimmed mean": functools.partial(agg.trimmed_mean, n_trim=f),
        "Krum": functools.partial(agg.krum, n_byzantine=f),
        "multi-Krum": functools.partial(agg.multi_krum, n_byzantine=f, n_selected=n_clients - f),
        "norm clipping": functools.partial(agg.norm_clipped_mean, max_norm=max_norm),
    }
    return rules


@dataclasses.dataclass
class AttackResult:
    """One run: the clean test accuracy and, for the backdoor, how often the trigger works."""

    aggregator: str
    attack: str
    fraction: float
    accuracy: float
    backdoor_success: float
    history: Any = dataclasses.field(repr=False, default=None)


def backdoor_success(model, state: dict, data: Any, target: int = 0) -> float:
    """The share of test images *not* of class ``target`` that the trigger turns into ``target``."""
    from fedlearn_edu.simulation.models import evaluate

    keep = data.y_test != target
    triggered = add_trigger(data.x_test[keep], trigger_values(data.x_train))
    wanted = np.full(int(keep.sum()), target, dtype=data.y_test.dtype)
    return evaluate(model, state, triggered, wanted, "cross_entropy")[0]


def run_attack(
    data: Any,
    partitions: Sequence[Sequence[int]],
    attack: str,
    fraction: float,
    aggregator: str,
    *,
    rounds: int = 10,
    E: int = 1,
    B: int | None = 10,
    lr: float = 0.1,
    scale: float = 4.0,
    max_norm: float = 0.5,
    target: int = 0,
    seed: int = 0,
    C: float = 1.0,
    assumed_f: int | None = None,
) -> AttackResult:
    """FedAvg with ``fraction`` of the clients attacking; one rule. ``C``: the fraction of clients
    per round (default 1: every client, every round); the attackers are chosen by id. With C < 1
    the rules are set up for the m clients of a round and the attackers expected among them.
    ``assumed_f``: how many attackers a round the server's rules expect (default: the true number,
    at least 1) -- a real server must guess it.

    ``attack``: ``"none"``, ``"label_flip"``, ``"sign_flip"`` (update times ``-scale``) or
    ``"backdoor"`` (half of each attacker's images carry the trigger, labelled ``target``).

    Results are kept in memory: asked again for the same experiment (same data, partition and
    settings, e.g. in a later cell), it returns a copy of the first result instead of re-running it.
    """
    from fedlearn_edu.algorithms.fedavg import RuleAlgorithm
    from fedlearn_edu.simulation import default_model, simulate
    from fedlearn_edu.simulation.models import evaluate

    attackers = choose_attackers(len(partitions), fraction, seed=seed) if attack != "none" else []
    from fedlearn_edu.simulation.sampling import clients_per_round

    C = check_real(C, "C (the fraction of clients per round)", low=0, high=1, include_low=False)
    per_round = clients_per_round(len(partitions), C)  # the rules see this many clients a round
    expected = math.ceil(len(attackers) * per_round / len(partitions))  # attackers in a round, on average
    if assumed_f is not None:
        expected = check_count(assumed_f, "assumed_f (attackers the server expects)", minimum=1)
    rules = defences(per_round, expected, max_norm)  # with C = 1: every client and every attacker
    if aggregator not in rules:
        raise ValueError(f"aggregator must be one of {', '.join(rules)}; got {aggregator!r}")
    try:
        key = (_fingerprint(data, partitions), attack, float(fraction), aggregator, tuple(attackers), expected,
               rounds, E, B, lr, scale, max_norm, target, seed, C)  # fmt: skip
        hash(key)
    except (TypeError, ValueError, AttributeError):
        key = None  # an argument the checks below reject, with a message saying why
    if key in _RESULTS:  # this very experiment ran before (in an earlier cell): reuse it
        return dataclasses.replace(_RESULTS[key])
    poisoned = poison(data, partitions, attackers, attack, target=target, seed=seed)
    model = default_model(data, seed)
    algorithm = RuleAlgorithm(rules[aggregator], name=aggregator)
    if attack == "sign_flip":
        algorithm = Malicious(algorithm, attackers, sign_flip, scale)
    history = simulate(
        poisoned, partitions, algorithm, model, rounds=rounds, C=C, E=E, B=B, lr=lr, seed=seed, progress=False,
    )  # fmt: skip
    accuracy = evaluate(model, history.final_state, data.x_test, data.y_test, "cross_entropy")[0]
    success = backdoor_success(model, history.final_state, data, target)
    history.config["label"] = aggregator
    result = AttackResult(aggregator, attack, fraction, accuracy, success, history)
    if key is not None:
        if len(_RESULTS) >= _KEEP:
            _RESULTS.clear()
        _RESULTS[key] = result
    return dataclasses.replace(result)


_RESULTS: dict[tuple, AttackResult] = {}  # run_attack's results, by experiment: lessons ask some twice
_KEEP = 512


def _fingerprint(data: Any, partitions: Sequence[Sequence[int]]) -> str:
    """A digest of the data set and the partition: equal digests, same experiment."""
    digest = hashlib.blake2b(digest_size=16)
    for array in (data.x_train, data.y_train, data.x_test, data.y_test, *partitions):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.tobytes())
    digest.update(repr(data.n_classes).encode())
    return digest.hexdigest()


def attack_table(
    data: Any,
    partitions: Sequence[Sequence[int]],
    attacks: Sequence[str] = ATTACKS,
    fractions: Sequence[float] = (0.2,),
    aggregators: Sequence[str] | None = None,
    **options: Any,
) -> list[AttackResult]:
    """:func:`run_attack` for every attack x fraction x aggregator ("none" is run once, at 0)."""
    names = list(aggregators or defences(len(partitions), 1))
    out = []
    for attack in attacks:
        for fraction in [0.0] if attack == "none" else fractions:
            out += [run_attack(data, partitions, attack, fraction, name, **options) for name in names]
    return out

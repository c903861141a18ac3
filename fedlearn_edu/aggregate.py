"""Averaging client models: step 4 of FedAvg, "the server averages what the clients sent".

Two formulas, both written for a list with one model per client:

- :func:`federated_mean` -- the article's formula, every client counts the same::

      w = (1/N) * sum_k w_k

- :func:`fedavg` -- McMahan et al. (2017), each client counts by its number of samples n_k::

      w = sum_k (n_k / n) * w_k,   n = sum_k n_k

They agree when every client has the same number of samples (or every client sends the same
model). Both follow any single client anywhere, so for federations where some clients may lie
there are robust aggregators too (lesson 07): :func:`coordinate_median`, :func:`trimmed_mean`,
:func:`krum` / :func:`multi_krum` (with :func:`krum_scores`) and :func:`norm_clipped_mean`
(with :func:`clip_to_norm` and :func:`model_norm`, which differential privacy uses as well).

A model can be a number, a nested list, a numpy array, a torch tensor, or a dict of those such
as a PyTorch ``state_dict``; you get back the kind you gave (see :mod:`fedlearn_edu._models` for
the details, including integer tensors). Inputs are never modified. This module needs numpy
only: torch is used only when you pass torch tensors.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import TypeVar

import numpy as np

from fedlearn_edu._models import stack_models, unstack
from fedlearn_edu._validation import check_count, check_real

__all__ = [
    "clip_to_norm",
    "coordinate_median",
    "fedavg",
    "federated_mean",
    "krum",
    "krum_scores",
    "model_norm",
    "multi_krum",
    "norm_clipped_mean",
    "normalise_weights",
    "trimmed_mean",
]

Model = TypeVar("Model")


def normalise_weights(num_samples: Sequence[float], n_clients: int) -> np.ndarray:
    """Check client sample counts and turn them into weights n_k / n that sum to 1.

    >>> normalise_weights([10, 30], n_clients=2)
    array([0.25, 0.75])
    """
    if (
        isinstance(num_samples, (str, bytes, Mapping, set, frozenset))
        or not (hasattr(num_samples, "__len__") and hasattr(num_samples, "__getitem__"))
        or getattr(num_samples, "ndim", 1) != 1
    ):
        raise TypeError(
            "num_samples must be a list with one sample count per client, in the order of the models, "
            f"e.g. [120, 80, 40]; got {type(num_samples).__name__} {num_samples!r:.60}"
        )
    if len(num_samples) != n_clients:
        raise ValueError(
            f"num_samples has {len(num_samples)} entries but there are {n_clients} clients: "
            "give exactly one sample count per client, in the same order as the models"
        )
    counts = []
    for k, n in enumerate(num_samples):
        if hasattr(n, "item") and getattr(n, "ndim", 0) == 0:
            n = n.item()  # numpy / torch scalars
        name = f"num_samples[{k}] (client {k})"
        if isinstance(n, bool) or not isinstance(n, numbers.Real):
            raise TypeError(f"{name} is {n!r}: a sample count must be a number")
        if not np.isfinite(n):
            raise ValueError(f"{name} is {n}: a sample count must be finite")
        if n < 0:
            raise ValueError(f"{name} is {n}: a client cannot have a negative number of samples")
        if n != int(n):
            raise ValueError(
                f"{name} is {n}: a sample count must be a whole number. "
                "(Weights like 0.25 belong in fedavg's result, not its input: pass the counts n_k.)"
            )
        counts.append(float(n))
    counts = np.asarray(counts)
    with np.errstate(over="ignore"):
        total = float(np.sum(counts))
    if total == 0:
        raise ValueError("num_samples are all zero: with no samples anywhere there is nothing to weight by")
    if not np.isfinite(total):  # counts near 1e308: their sum overflows, so divide by the largest first
        counts = counts / counts.max()
        total = float(np.sum(counts))
    return counts / total


def _mean(array: np.ndarray) -> np.ndarray:
    """The mean over the client axis in float64, without overflow for values near the float64 limit."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = array.sum(axis=0)
    if np.isfinite(total).all():
        return total / array.shape[0]
    return (array / array.shape[0]).sum(axis=0)


def _safe_norm(flat: np.ndarray, axis: int | None = None) -> np.ndarray | float:
    """L2 norm(s) that neither overflow (values near 1e200) nor underflow (values near 1e-200)."""
    with np.errstate(over="ignore", under="ignore"):
        norm = np.linalg.norm(flat, axis=axis)
    peak = np.max(np.abs(flat), axis=axis, initial=0.0)
    risky = ~np.isfinite(norm) | ((norm < 1e-150) & (peak > 0))
    if not np.any(risky):
        return norm
    scale = np.where(peak > 0, peak, 1.0)
    safe = np.linalg.norm(flat / (scale if axis is None else np.expand_dims(scale, axis)), axis=axis) * scale
    return np.where(risky, safe, norm) if axis is not None else float(safe)


def _average(models: Sequence[Model], num_samples: Sequence[float] | None, weighted: bool) -> Model:
    stacked = stack_models(models)
    weights = normalise_weights(num_samples, stacked.n_clients) if weighted else None
    reduced = {}
    for key, array in stacked.arrays.items():
        if weights is None:
            reduced[key] = _mean(array)
        else:
            reduced[key] = np.tensordot(weights, array, axes=1)
    return unstack(stacked, reduced)


def federated_mean(models: Sequence[Model]) -> Model:
    """The article's FedAvg step: the plain mean, w = (1/N) sum_k w_k.

    The article's three nodes:

    >>> federated_mean([[0.1, 0.2, 0.3], [0.2, 0.3, 0.4], [0.3, 0.4, 0.5]])
    [0.2, 0.3, 0.4]

    (Your screen may show 0.20000000000000004: that is floating point, not a bug.)
    """
    return _average(models, None, weighted=False)


def fedavg(models: Sequence[Model], num_samples: Sequence[float]) -> Model:
    """McMahan et al.'s FedAvg step: the sample-weighted mean, w = sum_k (n_k/n) w_k.

    A client with three times the data counts three times as much:

    >>> fedavg([[0.0, 1.0], [4.0, 5.0]], num_samples=[30, 10])
    [1.0, 2.0]
    """
    return _average(models, num_samples, weighted=True)


# --- Robust aggregation: when some clients may lie ------------------------------------------------
#
# The mean follows any single client anywhere: one client sending 1e6 moves the average by 1e6/N.
# A robust aggregator bounds what f malicious clients out of N can do. Each one below takes the same
# models as fedavg (same kinds, same checks, same errors) and gives back the same kind.


def _count(value: object, name: str) -> int:
    """Check a number of clients given as a parameter (n_trim, n_byzantine, ...)."""
    return check_count(value, name)


def _positive(value: object, name: str) -> float:
    return check_real(value, name, low=0, include_low=False)


def _flat(arrays: dict) -> np.ndarray:
    """One row per client: all of its parameters flattened and concatenated."""
    return np.concatenate([a.reshape(a.shape[0], -1) for a in arrays.values()], axis=1)


def coordinate_median(models: Sequence[Model]) -> Model:
    """The median of each coordinate across clients (Yin et al. 2018).

    Fewer than half of the clients cannot drag it outside the range of the honest values:

    >>> coordinate_median([[1.0, 2.0], [1.2, 2.2], [1e6, -1e6]])
    [1.2, 2.0]
    """
    stacked = stack_models(models)
    return unstack(stacked, {key: _median(a) for key, a in stacked.arrays.items()})


def _median(array: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        median = np.median(array, axis=0)
    if np.isfinite(median).all():
        return median
    return 2 * np.median(array / 2, axis=0)  # halving is exact, and the middle pair no longer overflows


def trimmed_mean(models: Sequence[Model], n_trim: int) -> Model:
    """For each coordinate drop the ``n_trim`` largest and ``n_trim`` smallest values; average the rest.

    It tolerates up to ``n_trim`` malicious clients (Yin et al. 2018); ``n_trim=0`` is the plain mean.

    >>> trimmed_mean([[1.0], [2.0], [3.0], [100.0]], n_trim=1)
    [2.5]
    """
    stacked = stack_models(models)
    n = stacked.n_clients
    k = _count(n_trim, "n_trim")
    if 2 * k >= n:
        raise ValueError(f"n_trim={k} with {n} clients: cutting {k} from each end leaves nothing to average")
    reduced = {key: _mean(np.sort(a, axis=0)[k : n - k]) for key, a in stacked.arrays.items()}
    return unstack(stacked, reduced)


def _krum_scores(stacked, n_byzantine: int) -> np.ndarray:
    n = stacked.n_clients
    f = _count(n_byzantine, "n_byzantine")
    if n <= 2 * f + 2:
        raise ValueError(
            f"n_byzantine={f} with {n} clients: Krum needs more than 2f + 2 = {2 * f + 2} clients "
            f"(Blanchard et al. 2017), so it can tolerate at most {max((n - 3) // 2, 0)} here"
        )
    flat = _flat(stacked.arrays)
    with np.errstate(over="ignore", invalid="ignore"):
        scores = _neighbour_scores(flat, n - f - 2)
    if np.isfinite(scores).all():
        return scores
    # Values near the float64 limit: rank on a rescaled copy (the order of the scores is the same).
    peak = float(np.abs(flat).max())
    with np.errstate(over="ignore"):
        return _neighbour_scores(flat / peak, n - f - 2) * np.float64(peak) ** 2


def _neighbour_scores(flat: np.ndarray, n_neighbours: int) -> np.ndarray:
    dist = np.stack([((flat - row) ** 2).sum(axis=1) for row in flat])
    np.fill_diagonal(dist, np.inf)  # a client is not its own neighbour
    return np.sort(dist, axis=1)[:, :n_neighbours].sum(axis=1)


def krum_scores(models: Sequence[Model], n_byzantine: int) -> np.ndarray:
    """Krum's score of each client: the sum of squared distances to its n - f - 2 nearest others.

    An honest client sits among other honest ones (low score); a lone outlier is far from all.

    >>> krum_scores([[0.0], [1.0], [2.0], [3.0], [20.0]], n_byzantine=1).tolist()
    [5.0, 2.0, 2.0, 5.0, 613.0]
    """
    return _krum_scores(stack_models(models), n_byzantine)


def multi_krum(models: Sequence[Model], n_byzantine: int, n_selected: int) -> Model:
    """Average the ``n_selected`` clients with the lowest Krum scores (El Mhamdi et al. 2018).

    The scores are computed once, as in Flower's MultiKrum. ``n_selected=1`` is Krum itself.

    >>> multi_krum([[0.0], [1.0], [2.0], [3.0], [20.0]], n_byzantine=1, n_selected=3)
    [1.0]
    """
    stacked = stack_models(models)
    n = stacked.n_clients
    n_selected = check_count(n_selected, "n_selected", minimum=1, maximum=n)
    scores = _krum_scores(stacked, n_byzantine)
    if not np.isfinite(scores).all():  # only the ranking matters; rank on the rescaled scores
        peak = float(np.abs(_flat(stacked.arrays)).max())
        scores = _neighbour_scores(_flat(stacked.arrays) / peak, n - int(n_byzantine) - 2)
    chosen = np.argsort(scores, kind="stable")[:n_selected]
    return unstack(stacked, {key: _mean(a[chosen]) for key, a in stacked.arrays.items()})


def krum(models: Sequence[Model], n_byzantine: int) -> Model:
    """Krum (Blanchard et al. 2017): the one client model with the lowest Krum score.

    The result *is* one client's model: robust, but it throws away what all the others learned.

    >>> krum([[0.0], [1.0], [2.0], [3.0], [20.0]], n_byzantine=1)
    [1.0]
    """
    return multi_krum(models, n_byzantine, n_selected=1)


def model_norm(model: Model) -> float:
    """The L2 norm of a whole model: all its parameters flattened into one vector.

    >>> model_norm({"w": [3.0], "b": [4.0]})
    5.0
    """
    return float(_safe_norm(_flat(stack_models([model]).arrays)))


def clip_to_norm(model: Model, max_norm: float) -> Model:
    """Scale a model (usually an update) down so its L2 norm is at most ``max_norm``; keep its direction.

    >>> clip_to_norm([3.0, 4.0], max_norm=1.0)
    [0.6, 0.8]
    """
    stacked = stack_models([model])
    limit = _positive(max_norm, "max_norm")
    norm = float(_safe_norm(_flat(stacked.arrays)))
    if not norm > limit:
        return unstack(stacked, {key: a[0] * 1.0 for key, a in stacked.arrays.items()})
    scale = limit / norm
    if 1e-300 < scale:
        return unstack(stacked, {key: a[0] * scale for key, a in stacked.arrays.items()})
    # limit / norm would underflow: divide by the norm first (direction), then scale to the limit
    return unstack(stacked, {key: (a[0] / norm) * limit for key, a in stacked.arrays.items()})


def _updates_from(stacked, center: Model) -> tuple[dict, dict]:
    """The clients' updates ``w_k - center`` and the center, checking it has the clients' parameters."""
    ref = stack_models([center])
    for key, leaf in stacked.leaves.items():
        if key not in ref.leaves:
            raise ValueError(f"center has no parameter {key!r}, which the clients have")
        if ref.leaves[key].shape != leaf.shape:
            raise ValueError(
                f"center, parameter {key!r}: shape {ref.leaves[key].shape} but the clients have {leaf.shape}"
            )
    extra = [key for key in ref.leaves if key not in stacked.leaves]
    if extra:
        raise ValueError(f"center has a parameter {extra[0]!r} that the clients do not have")
    centre = {key: ref.arrays[key][0] for key in stacked.arrays}
    return {key: a - centre[key] for key, a in stacked.arrays.items()}, centre


def norm_clipped_mean(
    models: Sequence[Model],
    max_norm: float,
    center: Model | None = None,
    num_samples: Sequence[float] | None = None,
) -> Model:
    """Clip each update ``w_k - center`` to norm ``max_norm``, then average (weighted if counts are given).

    ``center`` is the global model the clients started from; without it the models are clipped
    themselves (pass updates then). One client can move the result by at most its weight times
    ``max_norm``.

    >>> norm_clipped_mean([[0.0, 1.0], [0.0, 100.0]], max_norm=2.0, center=[0.0, 0.0])
    [0.0, 1.5]
    """
    stacked = stack_models(models)
    limit = _positive(max_norm, "max_norm")
    n = stacked.n_clients
    updates, centre = (stacked.arrays, None) if center is None else _updates_from(stacked, center)
    norms = _safe_norm(_flat(updates), axis=1)
    scale = np.where(norms > limit, limit / np.where(norms > 0, norms, 1.0), 1.0)
    weights = np.full(n, 1.0 / n) if num_samples is None else normalise_weights(num_samples, n)
    reduced = {key: np.tensordot(weights * scale, u, axes=1) for key, u in updates.items()}
    if centre is not None:
        reduced = {key: centre[key] + r for key, r in reduced.items()}
    return unstack(stacked, reduced)

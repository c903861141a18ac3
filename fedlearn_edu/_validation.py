"""Checking arguments, written once: every public function of the kit calls these.

In the spirit of scikit-learn's ``check_scalar`` and ``check_random_state``. The rules:

- a wrong *type* is a ``TypeError``, a wrong *value* of the right type is a ``ValueError``;
- every message names the argument and shows the value it got (``n_clients must be ...; got -1``);
- ``np.integer`` is accepted wherever ``int`` is, ``np.floating`` wherever ``float`` is;
- ``bool`` is never a number here (``True`` as a count is almost always a mistake);
- checks run before any work starts, so a bad argument never costs a half-finished run.

Each ``check_*`` returns the value in a plain form (``int``, ``float``, an ``int64`` array, ...),
so the caller can go on with ``n = check_count(n, "n_clients", minimum=1)``.

>>> check_count(np.int64(3), "n_clients", minimum=1)
3
>>> check_fraction(0.25, "test_fraction", closed=False)
0.25
>>> check_count(True, "rounds")
Traceback (most recent call last):
...
TypeError: rounds must be a whole number (int); got True (bool)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "SeedLike",
    "check_count",
    "check_finite",
    "check_fraction",
    "check_indices",
    "check_partition",
    "check_real",
    "check_seed",
    "check_updates",
    "rng",
]

SeedLike = int | np.integer | np.random.Generator | None


def _show(value: Any) -> str:
    """The value as a message shows it: its repr (shortened) and, if it helps, its type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    plain = (int, float)
    return text if type(value) in plain else f"{text} ({type(value).__name__})"


def _scalar(value: Any) -> Any:
    """Unwrap a 0-d numpy array or a 0-d torch tensor into its Python number (else: unchanged)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if type(value).__module__.startswith("torch") and getattr(value, "ndim", None) == 0:
        return value.item()
    return value


def check_count(value: Any, name: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number (``int`` or ``np.integer``, not ``bool``) in ``[minimum, maximum]``.

    >>> check_count(5, "rounds")
    5
    >>> check_count(-1, "min_size")
    Traceback (most recent call last):
    ...
    ValueError: min_size must be a whole number >= 0; got -1
    >>> check_count(2.0, "n_clients")
    Traceback (most recent call last):
    ...
    TypeError: n_clients must be a whole number (int); got 2.0
    """
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number (int); got {_show(value)}")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        where = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise ValueError(f"{name} must be a whole number {where}; got {value}")
    return value


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    include_low: bool = True,
    include_high: bool = True,
    finite: bool = True,
) -> float:
    """A real number (``int``, ``float``, ``np.integer``, ``np.floating``; not ``bool``) in a range.

    NaN is always refused; infinity unless ``finite=False``.

    >>> check_real(0.5, "lr", low=0, include_low=False)
    0.5
    >>> check_real(float("inf"), "std", low=0)
    Traceback (most recent call last):
    ...
    ValueError: std must be a finite number >= 0; got inf
    >>> check_real("1", "lr")
    Traceback (most recent call last):
    ...
    TypeError: lr must be a real number; got '1' (str)
    """
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {_show(value)}")
    value = float(value)
    parts = []
    if low is not None:
        parts.append(f"{'>=' if include_low else '>'} {low:g}")
    if high is not None:
        parts.append(f"{'<=' if include_high else '<'} {high:g}")
    wanted = f"{name} must be a {'finite ' if finite else ''}number" + (
        " " + " and ".join(parts) if parts else ""
    )
    bad = (
        np.isnan(value)
        or (finite and not np.isfinite(value))
        or (low is not None and (value < low if include_low else value <= low))
        or (high is not None and (value > high if include_high else value >= high))
    )
    if bad:
        raise ValueError(f"{wanted}; got {value!r}")
    return value


def check_fraction(value: Any, name: str, *, closed: bool = True) -> float:
    """A share or probability: a real number in ``[0, 1]`` (``(0, 1)`` with ``closed=False``).

    >>> check_fraction(1, "sample_rate")
    1.0
    >>> check_fraction(1.0, "test_fraction", closed=False)
    Traceback (most recent call last):
    ...
    ValueError: test_fraction must be a finite number > 0 and < 1; got 1.0
    """
    return check_real(value, name, low=0, high=1, include_low=closed, include_high=closed)


def check_seed(seed: Any, name: str = "seed") -> int | np.random.Generator | None:
    """A seed: a whole number >= 0, a ``numpy.random.Generator``, or ``None``.

    ``None`` means the same everywhere in the kit: fresh entropy from the operating system, so a
    different result on every run (never a hidden fixed seed).

    >>> check_seed(np.int64(7))
    7
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be a whole number >= 0, a numpy.random.Generator or None; got -1
    >>> check_seed("0")
    Traceback (most recent call last):
    ...
    TypeError: seed must be a whole number >= 0, a numpy.random.Generator or None; got '0' (str)
    """
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    wanted = f"{name} must be a whole number >= 0, a numpy.random.Generator or None"
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{wanted}; got {_show(seed)}")
    if seed < 0:
        raise ValueError(f"{wanted}; got {int(seed)}")
    return int(seed)


def rng(seed: Any, name: str = "seed") -> np.random.Generator:
    """The random generator for ``seed`` (checked by :func:`check_seed`).

    A Generator is used as it is (so successive calls draw different numbers from one stream);
    a number gives ``numpy.random.default_rng(seed)``; ``None`` gives a generator seeded from the
    operating system's entropy.

    >>> rng(0).integers(10, size=3).tolist()
    [8, 6, 5]
    """
    seed = check_seed(seed, name)
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def check_finite(values: Any, name: str) -> np.ndarray:
    """Real numbers with no NaN or inf, as a float64 array (the values are not modified).

    >>> check_finite([1.0, float("nan")], "update")
    Traceback (most recent call last):
    ...
    ValueError: update contains NaN at index (1,): every value must be finite
    """
    try:
        array = np.asarray(values)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{name} must be an array of real numbers; got {_show(values)} ({exc})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {array.dtype} from {_show(values)}")
    array = array.astype(np.float64)
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        what = "NaN" if np.isnan(array[index]) else "inf"
        raise ValueError(f"{name} contains {what} at index {index}: every value must be finite")
    return array


def check_indices(values: Any, name: str, *, n: int | None = None, unique: bool = False) -> np.ndarray:
    """Whole-number indices (a list, range or integer array), each in ``0 .. n-1``; an ``int64`` array.

    Negative indices are refused (``-1`` is "the last one" to numpy, never what a client id means).

    >>> check_indices([0, 2], "attackers", n=3).tolist()
    [0, 2]
    >>> check_indices([-1], "attackers", n=3)
    Traceback (most recent call last):
    ...
    ValueError: attackers: index -1 is outside 0..2
    >>> check_indices([0.0, 1.0], "attackers")
    Traceback (most recent call last):
    ...
    TypeError: attackers must hold whole-number indices; got [0.0, 1.0] (list)
    """
    if values is None or isinstance(values, (str, bytes, Mapping, set, frozenset)) or np.ndim(values) > 1:
        raise TypeError(f"{name} must be a list or 1-D array of whole-number indices; got {_show(values)}")
    items = list(values) if not isinstance(values, np.ndarray) else values.tolist()
    for item in items:
        if isinstance(_scalar(item), (bool, np.bool_)) or not isinstance(_scalar(item), numbers.Integral):
            raise TypeError(f"{name} must hold whole-number indices; got {_show(values)}")
    array = np.asarray([int(_scalar(i)) for i in items], dtype=np.int64)
    if n is not None:
        outside = array[(array < 0) | (array >= n)]
        if outside.size:
            raise ValueError(f"{name}: index {outside[0]} is outside 0..{n - 1}")
    elif (array < 0).any():
        raise ValueError(f"{name}: index {array[array < 0][0]} is negative")
    if unique:
        values_, counts = np.unique(array, return_counts=True)
        if (counts > 1).any():
            raise ValueError(f"{name}: index {values_[counts > 1][0]} is given more than once")
    return array


def check_partition(parts: Any, n_samples: int, name: str = "partition") -> list[np.ndarray]:
    """One index array per client that together cover ``0 .. n_samples-1`` exactly once.

    Empty clients are allowed. Returns the parts as ``int64`` arrays. Anything that is a list but
    not a partition (indices that are not whole numbers, repeated, missing or out of range) is a
    ``ValueError``; ``parts`` that are not a list at all (``None``, a dict, a set) a ``TypeError``.

    >>> [p.tolist() for p in check_partition([[0, 2], [1]], 3)]
    [[0, 2], [1]]
    >>> check_partition([[0, 2], [2]], 3)
    Traceback (most recent call last):
    ...
    ValueError: partition: example 2 is in client 0 and again in client 1; each example must belong to exactly one client
    """
    n_samples = check_count(n_samples, "n_samples")
    if isinstance(parts, (str, bytes, Mapping, set, frozenset)) or not isinstance(
        parts, (Sequence, np.ndarray)
    ):
        raise TypeError(
            f"{name} must be a list with one array of example indices per client; got {_show(parts)}"
        )
    if isinstance(parts, np.ndarray) and parts.ndim == 1 and parts.dtype != object:
        raise ValueError(
            f"{name} must be a list with one array of example indices per client; got one flat array "
            f"of shape {parts.shape} (for a single client, wrap it: [indices])"
        )
    owner = np.full(n_samples, -1)
    out = []
    for client, part in enumerate(parts):
        array = _client_indices(part, f"{name}: client {client}")
        outside = array[(array < 0) | (array >= n_samples)]
        if outside.size:
            raise ValueError(f"{name}: client {client}: index {outside[0]} is outside 0..{n_samples - 1}")
        values, counts = np.unique(array, return_counts=True)
        if (counts > 1).any():
            raise ValueError(f"{name}: client {client} holds example {values[counts > 1][0]} more than once")
        taken = values[owner[values] >= 0]
        if taken.size:
            raise ValueError(
                f"{name}: example {taken[0]} is in client {owner[taken[0]]} and again in client {client}; "
                "each example must belong to exactly one client"
            )
        owner[values] = client
        out.append(array)
    if (owner < 0).any():
        missing = np.flatnonzero(owner < 0)
        raise ValueError(
            f"{name}: {missing.size} example(s) belong to no client (the first is {missing[0]}): "
            "a partition must cover the whole train set"
        )
    return out


def _client_indices(part: Any, where: str) -> np.ndarray:
    try:
        array = np.asarray(part)
    except (TypeError, ValueError):
        array = np.asarray([None])
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)  # an empty client is allowed
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise ValueError(
            f"{where}: expected a 1-D array of whole-number indices, got {array.dtype} of shape {array.shape}"
        )
    return array.astype(np.int64)


def check_updates(updates: Any, name: str = "updates", *, min_clients: int = 1) -> list[np.ndarray]:
    """One array of real numbers per client, all of the same shape and finite; a list of float64 arrays.

    >>> [u.tolist() for u in check_updates([[1, 2], [3, 4]])]
    [[1.0, 2.0], [3.0, 4.0]]
    >>> check_updates([np.zeros(2), np.zeros(3)])
    Traceback (most recent call last):
    ...
    ValueError: updates: client 1 has shape (3,) but client 0 has (2,)
    """
    if isinstance(updates, (str, bytes, Mapping, set)) or not isinstance(updates, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a list with one update (array) per client; got {_show(updates)}")
    if len(updates) < min_clients:
        raise ValueError(f"{name} must hold at least {min_clients} client update(s); got {len(updates)}")
    out = [check_finite(u, f"{name}: client {k}") for k, u in enumerate(updates)]
    for k, u in enumerate(out[1:], start=1):
        if u.shape != out[0].shape:
            raise ValueError(f"{name}: client {k} has shape {u.shape} but client 0 has {out[0].shape}")
    return out

"""Data for the lessons, and the ways of sharing it out among clients.

Two data sets, both offline:

- :func:`load_digits` -- the 8x8 handwritten digits that scikit-learn ships (1797 images, 10 classes),
  split into train and test with a fixed seed and standardised with the *train* part's statistics
  only (the test set must not leak into training, not even through its mean);
- :func:`bob_alice` -- the source article's toy data: two workers, two samples each;
- :func:`synthetic` -- the FedProx paper's Synthetic(alpha, beta) federation (Li et al., MLSys 2020):
  generated, so each client also holds its own test data (for per-client evaluation).

And the partitioners, which decide which client holds which training example. Each returns one
array of train-set indices per client; together they cover the train set exactly once
(:func:`check_partition` verifies that):

- :func:`iid_partition` -- shuffle, then cut into equal parts: every client looks like the whole;
- :func:`dirichlet_partition` -- label skew: each label is shared out in proportions drawn from
  Dirichlet(alpha); small alpha, few labels per client; large alpha, close to IID;
- :func:`shard_partition` -- McMahan et al. (2017)'s pathological split: sort by label, cut into
  shards, give each client a few shards (so a few labels);
- :func:`quantity_skew_partition` -- IID labels but very different client sizes.

For the federated view of a model -- each client's accuracy on its *own* data -- :func:`split_clients`
keeps back a seeded share of every client's examples as that client's held-out test data
(``simulate(..., client_test=...)`` scores the global model on them).

This module needs numpy only (not torch, not even scikit-learn's import: the digits file is read
directly from scikit-learn's installed data folder).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fedlearn_edu._validation import SeedLike, check_count, check_fraction, check_real, rng
from fedlearn_edu._validation import check_partition as _check_partition
from fedlearn_edu.i18n import t

__all__ = [
    "Dataset",
    "bob_alice",
    "bob_alice_federation",
    "check_partition",
    "digit_images",
    "dirichlet_partition",
    "iid_partition",
    "label_counts",
    "load_digits",
    "partition",
    "quantity_skew_partition",
    "shard_partition",
    "split_clients",
    "synthetic",
]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features ``x_*`` (float32, one row per example) and targets ``y_*`` for train and test.

    ``n_classes`` is the number of labels for classification (labels are ``0 .. n_classes-1``),
    ``None`` for regression (then ``y_*`` are float32 columns).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int | None = None

    def __repr__(self) -> str:
        sizes = {
            "name": repr(self.name),
            "train": len(self.x_train),
            "test": len(self.x_test),
            "features": self.x_train.shape[1],
        }
        if self.n_classes:
            return t(
                "Dataset({name}: {train} train and {test} test examples, {features} features, {classes} classes)",
                classes=self.n_classes,
                **sizes,
            )
        return t(
            "Dataset({name}: {train} train and {test} test examples, {features} features, regression)",
            **sizes,
        )


def _digits_file() -> Path:
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it (saves ~1 s)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the digits data set ships with scikit-learn, which is not installed: "
            "pip install scikit-learn (it is part of the classroom environment)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"


def _digits_table() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digits in the file's order: pixels 0..16 (float64, one row per image) and labels."""
    path = _digits_file()
    if path.exists():
        table = np.loadtxt(path, delimiter=",")
        return table[:, :-1], table[:, -1].astype(np.int64)
    # a future scikit-learn may move the file: fall back to its public loader
    from sklearn.datasets import load_digits as sklearn_digits

    x, y = sklearn_digits(return_X_y=True)
    return x.astype(np.float64), y.astype(np.int64)


def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 digits as they come: ``(images, labels)``, pixels scaled to [0, 1].

    The file's order, no split and no standardisation (``load_digits().data / 16`` in scikit-learn,
    without importing it): for drawing digits and for lesson 06's gradient leakage. ``images`` is
    float64, one flattened 8x8 image per row.

    >>> images, labels = digit_images()
    >>> images.shape, float(images.min()), float(images.max()), labels[:5].tolist()
    ((1797, 64), 0.0, 1.0, [0, 1, 2, 3, 4])
    """
    x, y = _digits_table()
    return x / 16.0, y


def _stratified_split(labels: np.ndarray, test_fraction: float, rng: np.random.Generator) -> np.ndarray:
    """A boolean mask marking the test examples: the same fraction of every label."""
    is_test = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        where = rng.permutation(np.flatnonzero(labels == label))
        is_test[where[: round(test_fraction * len(where))]] = True
    return is_test


def load_digits(test_fraction: float = 0.25, seed: SeedLike = 0) -> Dataset:
    """scikit-learn's 8x8 digits, split (same share of each digit in train and test) and standardised.

    Every pixel is shifted and scaled by the *train* mean and standard deviation (pixels that are
    constant in the train part are only shifted). Same seed, same split.

    >>> digits = load_digits(seed=0)
    >>> digits
    Dataset('digits': 1347 train and 450 test examples, 64 features, 10 classes)
    >>> print(abs(round(float(digits.x_train.mean()), 6)), digits.y_train[:5])
    0.0 [6 9 5 0 8]
    """
    test_fraction = check_fraction(test_fraction, "test_fraction", closed=False)
    generator = rng(seed)
    x, y = _digits_table()
    is_test = _stratified_split(y, test_fraction, generator)
    if not is_test.any() or is_test.all():
        empty = "test" if not is_test.any() else "train"
        raise ValueError(
            f"test_fraction={test_fraction!r} leaves the {empty} set empty ({len(y)} examples, "
            f"{len(np.unique(y))} classes): choose a fraction such as 0.25"
        )
    train_order = generator.permutation(np.flatnonzero(~is_test))  # shuffled: no hidden label order
    test_order = np.flatnonzero(is_test)
    mean = x[train_order].mean(axis=0)
    std = x[train_order].std(axis=0)
    std[std == 0] = 1.0

    def scaled(rows: np.ndarray) -> np.ndarray:
        return ((x[rows] - mean) / std).astype(np.float32)

    return Dataset("digits", scaled(train_order), y[train_order], scaled(test_order), y[test_order], 10)


def bob_alice() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The article's data: bob holds ``[[1,1],[0,1]] -> [1,1]``, alice ``[[0,0],[0,1]] -> [0,1]``.

    >>> x, y = bob_alice()["bob"]
    >>> x.tolist(), y.tolist()
    ([[1.0, 1.0], [0.0, 1.0]], [[1.0], [1.0]])
    """
    return {
        "bob": (np.array([[1, 1], [0, 1]], np.float32), np.array([[1], [1]], np.float32)),
        "alice": (np.array([[0, 0], [0, 1]], np.float32), np.array([[0], [1]], np.float32)),
    }


def bob_alice_federation() -> tuple[Dataset, list[np.ndarray]]:
    """The article's data as a federation: the pooled data set and its partition (bob, then alice).

    There is no test set in the article; "test" is the pooled data, so the test loss is the pooled loss.

    >>> data, parts = bob_alice_federation()
    >>> [p.tolist() for p in parts]
    [[0, 1], [2, 3]]
    """
    workers = bob_alice()
    x = np.concatenate([x for x, _ in workers.values()])
    y = np.concatenate([y for _, y in workers.values()])
    return Dataset("bob & alice", x, y, x.copy(), y.copy()), [np.arange(0, 2), np.arange(2, 4)]


def synthetic(
    alpha: float,
    beta: float,
    n_clients: int = 30,
    *,
    max_size: int | None = None,
    test_fraction: float = 0.2,
    seed: SeedLike = 0,
) -> tuple[Dataset, list[np.ndarray], list[np.ndarray]]:
    """The FedProx paper's Synthetic(alpha, beta): ``(data, train_parts, test_parts)``.

    Li et al. (MLSys 2020, Section 5.1), as its repository's ``generate_niid.py`` builds it: 60
    features, 10 classes, ``n_clients`` devices of power-law sizes (``lognormal(4, 2) + 50``
    examples). Device ``k`` labels its examples with its own logistic model,
    ``y = argmax(softmax(W_k x + b_k))`` with ``W_k ~ N(u_k, 1)``, ``b_k ~ N(u_k, 1)``,
    ``u_k ~ N(0, alpha)``; its inputs are ``x ~ N(v_k, Sigma)``, ``Sigma`` diagonal with
    ``Sigma_jj = j^-1.2``, ``v_k ~ N(B_k, 1)``, ``B_k ~ N(0, beta)``. ``alpha`` says how much the
    devices' models differ, ``beta`` how much their inputs do. (As in that code, the second argument
    of N is used as a standard deviation.) Each device keeps the last ``test_fraction`` of its
    examples as its own test data (our choice); the global test set is all of them.

    ``max_size`` caps a device's size (the tail of lognormal(4, 2) reaches tens of thousands;
    ``None``: no cap, as in the paper). Same seed, same federation -- but not the paper's draws
    (its code uses NumPy's legacy global generator).

    >>> data, train, test = synthetic(1, 1, seed=0)
    >>> data
    Dataset('synthetic(1, 1)': 4308 train and 1077 test examples, 60 features, 10 classes)
    >>> len(train), [len(p) for p in train[:3]], [len(p) for p in test[:3]]
    (30, [96, 73, 197], [24, 18, 49])
    """
    alpha = check_real(alpha, "alpha", low=0)
    beta = check_real(beta, "beta", low=0)
    n_clients = check_count(n_clients, "n_clients", minimum=1)
    if max_size is not None:
        max_size = check_count(max_size, "max_size", minimum=2)
    test_fraction = check_fraction(test_fraction, "test_fraction", closed=False)
    generator = rng(seed)
    dim, n_classes = 60, 10
    sizes = generator.lognormal(4, 2, n_clients).astype(np.int64) + 50
    if max_size is not None:
        sizes = np.minimum(sizes, max_size)
    u = generator.normal(0, alpha, n_clients)  # how far each device's model is from the others'
    b_shift = generator.normal(0, beta, n_clients)  # how far each device's inputs are
    std = np.sqrt(np.arange(1, dim + 1, dtype=float) ** -1.2)
    xs_train, ys_train, xs_test, ys_test = [], [], [], []
    for k in range(n_clients):
        mean_x = generator.normal(b_shift[k], 1, dim)
        w = generator.normal(u[k], 1, (dim, n_classes))
        b = generator.normal(u[k], 1, n_classes)
        x = mean_x + std * generator.standard_normal((sizes[k], dim))
        y = np.argmax(x @ w + b, axis=1)  # argmax of the softmax = argmax of the logits
        n_train = int(np.round((1 - test_fraction) * sizes[k]))
        xs_train.append(x[:n_train])
        ys_train.append(y[:n_train])
        xs_test.append(x[n_train:])
        ys_test.append(y[n_train:])

    def cuts(parts: list[np.ndarray]) -> list[np.ndarray]:
        ends = np.cumsum([len(p) for p in parts])
        return [np.arange(end - len(p), end) for p, end in zip(parts, ends, strict=True)]

    data = Dataset(
        f"synthetic({alpha:g}, {beta:g})",
        np.concatenate(xs_train).astype(np.float32),
        np.concatenate(ys_train).astype(np.int64),
        np.concatenate(xs_test).astype(np.float32),
        np.concatenate(ys_test).astype(np.int64),
        n_classes,
    )
    return data, cuts(xs_train), cuts(xs_test)


# --- partitions -------------------------------------------------------------------------------


def _check_clients(n_samples: int, n_clients: int, per_client: int = 1) -> int:
    n_clients = check_count(n_clients, "n_clients", minimum=1)
    if n_clients * per_client > n_samples:
        need = "example" if per_client == 1 else f"{per_client} examples"
        raise ValueError(
            f"{n_clients} clients but only {n_samples} examples: each client needs at least {need}. "
            "Use fewer clients (or allow empty clients where the partitioner offers min_size=0)."
        )
    return n_clients


def _labels(labels: Sequence[int] | np.ndarray) -> np.ndarray:
    """Class labels as a 1-D int64 array: whole numbers (floats such as 3.0 are accepted), no NaN."""
    if labels is None or isinstance(labels, (str, bytes, dict, set)):
        raise TypeError(f"labels must be an array with one class label per example; got {labels!r:.60}")
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ValueError(f"labels must be a 1-D array with one label per example; got shape {array.shape}")
    if array.size == 0:
        return array.astype(np.int64)
    if array.dtype.kind == "f":
        if np.isnan(array).any():
            raise ValueError(
                f"labels contain NaN (the first at index {int(np.flatnonzero(np.isnan(array))[0])}): "
                "every example needs a class label; drop the unlabelled ones first"
            )
        if not (np.isfinite(array) & (array == np.round(array))).all():
            bad = array[~(np.isfinite(array) & (array == np.round(array)))][0]
            raise TypeError(f"labels must be whole-number class labels; got the value {bad!r}")
        return array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"labels must be whole-number class labels; got dtype {array.dtype}")
    return array.astype(np.int64)


def iid_partition(
    labels: Sequence[int] | np.ndarray, n_clients: int, *, seed: SeedLike = 0
) -> list[np.ndarray]:
    """Shuffle, then cut into ``n_clients`` parts whose sizes differ by at most one.

    Shuffling first matters: cutting a label-sorted set into pieces gives each client one label.

    >>> [p.tolist() for p in iid_partition([0, 0, 1, 1, 2], 2, seed=0)]
    [[2, 3, 4], [0, 1]]
    """
    labels = _labels(labels)
    n_clients = _check_clients(len(labels), n_clients)
    order = rng(seed).permutation(len(labels))
    return [np.sort(part) for part in np.array_split(order, n_clients)]


def _top_up(parts: list[np.ndarray], min_size: int, generator: np.random.Generator) -> list[np.ndarray]:
    """Give each client with fewer than ``min_size`` examples some taken at random from the largest."""
    for client in range(len(parts)):
        need = min_size - len(parts[client])
        if need <= 0:
            continue
        donor = int(np.argmax([len(p) for p in parts]))
        moved = generator.choice(len(parts[donor]), size=need, replace=False)
        parts[client] = np.sort(np.concatenate([parts[client], parts[donor][moved]]))
        parts[donor] = np.delete(parts[donor], moved)
    return parts


def dirichlet_partition(
    labels: Sequence[int] | np.ndarray, n_clients: int, alpha: float, *, seed: SeedLike = 0, min_size: int = 1
) -> list[np.ndarray]:
    """Label skew: the examples of each label go to the clients in proportions ~ Dirichlet(alpha).

    alpha -> 0: each label goes (almost) all to one client; alpha -> infinity: every client gets
    its fair share of every label (IID). With small alpha a client can be left with nothing; each
    client with fewer than ``min_size`` examples then gets the missing ones at random from the
    largest client (so it, too, holds one or two labels). ``min_size=0`` allows empty clients.

    >>> parts = dirichlet_partition([0, 0, 0, 1, 1, 1], n_clients=2, alpha=1.0, seed=1)
    >>> sorted(int(i) for p in parts for i in p)
    [0, 1, 2, 3, 4, 5]
    """
    labels = _labels(labels)
    try:
        alpha = check_real(alpha, "alpha", low=0, include_low=False)
    except ValueError as err:
        raise ValueError(
            f"{err} (alpha is the Dirichlet concentration: a positive finite number). "
            "Small alpha (0.1) gives strong label skew, large alpha (100) is close to IID; "
            "for exactly IID use iid_partition."
        ) from None
    min_size = check_count(min_size, "min_size")
    n_clients = _check_clients(len(labels), n_clients, min_size)
    generator = rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in range(n_clients)]
    for label in np.unique(labels):
        examples = generator.permutation(np.flatnonzero(labels == label))
        shares = generator.dirichlet(np.full(n_clients, float(alpha)))
        cuts = np.round(np.cumsum(shares)[:-1] * len(examples)).astype(int)
        for client, chunk in enumerate(np.split(examples, cuts)):
            parts[client].append(chunk)
    merged = [np.sort(np.concatenate(chunks)) for chunks in parts]
    return _top_up(merged, min_size, generator)


def shard_partition(
    labels: Sequence[int] | np.ndarray, n_clients: int, shards_per_client: int = 2, *, seed: SeedLike = 0
) -> list[np.ndarray]:
    """McMahan et al.'s pathological non-IID split: sort by label, cut into ``n_clients *
    shards_per_client`` shards of (almost) equal size, and deal each client ``shards_per_client``
    shards at random. With 2 shards per client, most clients see only two labels.

    >>> labels = [0, 0, 0, 0, 1, 1, 1, 1]
    >>> [sorted({labels[i] for i in p}) for p in shard_partition(labels, 4, 1, seed=0)]
    [[0], [1], [0], [1]]
    """
    labels = _labels(labels)
    shards_per_client = check_count(shards_per_client, "shards_per_client", minimum=1)
    n_clients = _check_clients(len(labels), n_clients, shards_per_client)
    generator = rng(seed)
    shuffled = generator.permutation(len(labels))  # random order within each label ...
    by_label = shuffled[np.argsort(labels[shuffled], kind="stable")]  # ... then sorted by label
    shards = np.array_split(by_label, n_clients * shards_per_client)
    dealt = generator.permutation(len(shards)).reshape(n_clients, shards_per_client)
    return [np.sort(np.concatenate([shards[s] for s in row])) for row in dealt]


def quantity_skew_partition(
    labels: Sequence[int] | np.ndarray,
    n_clients: int,
    beta: float = 1.0,
    *,
    seed: SeedLike = 0,
    min_size: int = 1,
) -> list[np.ndarray]:
    """Quantity skew: labels are IID, but client sizes are drawn from Dirichlet(beta) proportions.

    Every client first gets ``min_size`` examples; the rest are shared out in proportions
    ~ Dirichlet(beta) (small beta: a few big clients and many tiny ones).

    >>> sizes = [len(p) for p in quantity_skew_partition(range(100), 4, beta=0.5, seed=0)]
    >>> sum(sizes), min(sizes) >= 1
    (100, True)
    """
    labels = _labels(labels)
    beta = check_real(beta, "beta", low=0, include_low=False)
    min_size = check_count(min_size, "min_size")
    n_clients = _check_clients(len(labels), n_clients, min_size)
    generator = rng(seed)
    extra = generator.multinomial(
        len(labels) - n_clients * min_size, generator.dirichlet(np.full(n_clients, beta))
    )
    cuts = np.cumsum(extra + min_size)[:-1]
    return [np.sort(part) for part in np.split(generator.permutation(len(labels)), cuts)]


_PARTITIONERS = {
    "iid": iid_partition,
    "dirichlet": dirichlet_partition,
    "shards": shard_partition,
    "quantity": quantity_skew_partition,
}


def partition(
    kind: str, labels: Sequence[int] | np.ndarray, n_clients: int, *, seed: SeedLike = 0, **options
):
    """Pick a partitioner by name: ``"iid"``, ``"dirichlet"`` (``alpha=``), ``"shards"``
    (``shards_per_client=``) or ``"quantity"`` (``beta=``).

    >>> len(partition("dirichlet", [0, 1] * 50, n_clients=5, alpha=0.5, seed=0))
    5
    """
    if not isinstance(kind, str):
        raise TypeError(
            f"kind must be a partition's name, one of {', '.join(map(repr, _PARTITIONERS))}; got {kind!r}"
        )
    if kind not in _PARTITIONERS:
        raise ValueError(f"unknown partition {kind!r}; choose one of {', '.join(map(repr, _PARTITIONERS))}")
    return _PARTITIONERS[kind](labels, n_clients, seed=seed, **options)


def check_partition(parts: Sequence[Sequence[int]], n_samples: int) -> None:
    """Raise ``ValueError`` (saying where) unless ``parts`` cover ``0 .. n_samples-1`` exactly once.

    (``TypeError`` if ``parts`` is not a list at all.) Empty clients are allowed.

    >>> check_partition([[0, 2], [1]], n_samples=3)
    >>> check_partition([[0, 2], [2]], n_samples=3)
    Traceback (most recent call last):
    ...
    ValueError: partition: example 2 is in client 0 and again in client 1; each example must belong to exactly one client
    """
    _check_partition(parts, n_samples, "partition")


def label_counts(parts: Sequence[Sequence[int]], labels: np.ndarray, n_classes: int | None = None):
    """A clients x labels table: how many examples of each label each client holds.

    >>> label_counts([[0, 1], [2]], np.array([0, 1, 1])).tolist()
    [[1, 1], [0, 1]]
    """
    labels = _labels(labels)
    if labels.size and labels.min() < 0:
        raise ValueError(f"labels must be class numbers 0, 1, 2, ...; got {labels.min()}")
    n_classes = int(labels.max()) + 1 if n_classes is None else check_count(n_classes, "n_classes")
    return np.stack([np.bincount(labels[np.asarray(p, int)], minlength=n_classes) for p in parts])


def split_clients(
    parts: Sequence[Sequence[int]], test_fraction: float = 0.2, *, seed: SeedLike = 0
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Split each client's examples into its own train and held-out parts: ``(train, held_out)``.

    Client k's indices are shuffled (one generator, ``seed``, client after client) and the first
    ``round(test_fraction * n_k)`` are held out, but never all of them: a client with examples
    keeps at least one to train on (a client of one example holds none out). Together, ``train``
    and ``held_out`` hold exactly the examples of ``parts``; both are sorted per client.

    >>> train, held_out = split_clients([[0, 1, 2, 3, 4], [5, 6], [7]], test_fraction=0.4, seed=0)
    >>> [t.tolist() for t in train], [h.tolist() for h in held_out]
    ([[0, 1, 3], [6], [7]], [[2, 4], [5], []])
    """
    test_fraction = check_fraction(test_fraction, "test_fraction", closed=False)
    parts = _disjoint(parts, "parts")
    generator = rng(seed)
    train, held_out = [], []
    for part in parts:
        n = len(part)
        n_out = min(round(test_fraction * n), max(n - 1, 0))
        order = generator.permutation(part)
        held_out.append(np.sort(order[:n_out]))
        train.append(np.sort(order[n_out:]))
    return train, held_out


def _disjoint(parts: Sequence[Sequence[int]], name: str) -> list[np.ndarray]:
    """``parts`` checked as clients' example indices that never repeat (but need not cover 0..n-1)."""
    if isinstance(parts, (str, bytes, dict, set, frozenset)) or not isinstance(parts, (Sequence, np.ndarray)):
        raise TypeError(
            f"{name} must be a list with one array of example indices per client; got {parts!r:.60}"
        )
    arrays = [np.asarray(p) for p in parts]
    whole = [a[a >= 0] for a in arrays if a.size and a.ndim == 1 and a.dtype.kind in "iu"]
    n = max((int(a.max()) + 1 for a in whole if a.size), default=0)
    covered = np.zeros(n, dtype=bool)
    for a in whole:
        covered[a] = True
    return _check_partition([*parts, np.flatnonzero(~covered)], n, name)[:-1]

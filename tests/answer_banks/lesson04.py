"""Answer bank for lesson 04, FedAvg at scale.

q4 and q5 are judged on the runs as well as the number, so their answers are the notebook's
variables (``{"speedup": ..., "fedsgd": History, "fedavg_run": History}``). The runs are made only
when a test first reads them (``_Answer``), so collecting the tests stays fast.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import torch

from fedlearn_edu.checker import MISSING
from fedlearn_edu.data import dirichlet_partition, iid_partition, load_digits, shard_partition
from fedlearn_edu.simulation import run_fedavg

# --- q1: label-skew splits, right and wrong ---------------------------------------------------


def _per_label_cuts(labels, n_clients, alpha, seed, *, one_vector=False):
    rng = np.random.default_rng(seed)
    shared = rng.dirichlet(alpha * np.ones(n_clients))
    parts = [[] for _ in range(n_clients)]
    for label in np.unique(labels):
        examples = rng.permutation(np.flatnonzero(labels == label))
        shares = shared if one_vector else rng.dirichlet(alpha * np.ones(n_clients))
        cuts = np.round(np.cumsum(shares)[:-1] * len(examples)).astype(int)
        for k, chunk in enumerate(np.split(examples, cuts)):
            parts[k].extend(chunk.tolist())
    return [np.sort(np.array(p, dtype=int)) for p in parts]


def quantity_skew(labels, n_clients, alpha, seed):
    """One Dirichlet vector shared by all labels: client sizes differ, label mixes do not."""
    return _per_label_cuts(labels, n_clients, alpha, seed, one_vector=True)


def inverted_alpha(labels, n_clients, alpha, seed):
    """Dirichlet(1 / alpha): strong skew where there should be none, and the other way round."""
    return _per_label_cuts(labels, n_clients, 1 / alpha, seed)


def sorted_blocks(labels, n_clients, alpha, seed):
    """Sort by label and deal contiguous blocks: pathological skew at every alpha."""
    blocks = np.array_split(np.argsort(labels, kind="stable"), n_clients)
    return [np.sort(blocks[i]) for i in np.random.default_rng(seed).permutation(n_clients)]


def unseeded(labels, n_clients, alpha, seed):
    """Right algorithm, but draws from the global numpy generator."""
    parts = [[] for _ in range(n_clients)]
    for label in np.unique(labels):
        examples = np.random.permutation(np.flatnonzero(labels == label))  # noqa: NPY002
        cuts = np.round(np.cumsum(np.random.dirichlet(alpha * np.ones(n_clients)))[:-1] * len(examples))  # noqa: NPY002
        for k, chunk in enumerate(np.split(examples, cuts.astype(int))):
            parts[k].extend(chunk.tolist())
    return [np.sort(np.array(p, dtype=int)) for p in parts]


def one_client_short(labels, n_clients, alpha, seed):
    """Off by one: shares for n_clients - 1 clients."""
    return _per_label_cuts(labels, n_clients - 1, alpha, seed)


def multinomial(labels, n_clients, alpha, seed):
    """Per-label multinomial allocation: each example goes to a client drawn from its label's shares."""
    rng = np.random.default_rng(seed)
    owner = np.empty(len(labels), dtype=int)
    for label in np.unique(labels):
        examples = np.flatnonzero(labels == label)
        owner[examples] = rng.choice(
            n_clients, size=len(examples), p=rng.dirichlet(alpha * np.ones(n_clients))
        )
    return [np.flatnonzero(owner == k) for k in range(n_clients)]


def per_client_proportions(labels, n_clients, alpha, seed):
    """Hsu et al. 2019: each client draws its own class proportions and fills an equal quota from them."""
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    pools = [list(rng.permutation(np.flatnonzero(labels == c))) for c in classes]
    parts = []
    for k in range(n_clients):
        q, mine = rng.dirichlet(alpha * np.ones(len(classes))), []
        for _ in range(len(labels) // n_clients + (k < len(labels) % n_clients)):
            left = np.array([len(pool) > 0 for pool in pools], dtype=float)
            w = q * left if (q * left).sum() > 0 else left
            mine.append(pools[rng.choice(len(classes), p=w / w.sum())].pop())
        parts.append(np.sort(mine))
    return parts


# --- q2: samplers ---------------------------------------------------------------------------


def _m(k, c):
    return max(1, round(c * k))


def ceil_count(k, c, rng):
    return np.sort(rng.choice(k, size=max(1, int(np.ceil(c * k))), replace=False))


def contiguous(k, c, rng):
    return np.sort((rng.integers(k) + np.arange(_m(k, c))) % k)


def every_kth(k, c, rng):
    return np.sort((rng.integers(k) + (k // _m(k, c)) * np.arange(_m(k, c))) % k)


def by_random_keys(k, c, rng):
    """The m clients with the smallest random keys: a uniform sample without replacement."""
    return np.sort(np.argsort(rng.random(k))[: _m(k, c)])


# --- q3: aggregation ------------------------------------------------------------------------


def stacked_weighted_sum(states, num_samples):
    w = torch.tensor(num_samples, dtype=torch.float32)
    w = w / w.sum()
    return {
        name: (torch.stack([s[name] for s in states]) * w.view(-1, *[1] * states[0][name].dim())).sum(0)
        for name in states[0]
    }


def in_place(states, num_samples):
    n = sum(num_samples)
    out = states[0]
    for name in out:
        out[name].mul_(num_samples[0] / n)
        for nk, s in zip(num_samples[1:], states[1:], strict=True):
            out[name].add_(nk / n * s[name])
    return out


# --- q4, q5: the runs, made when first read --------------------------------------------------


class _Answer(Mapping):
    """The notebook variables of one answer, built on first access."""

    def __init__(self, build: Callable[[], dict[str, Any]]):
        self._build = functools.cache(build)

    def __getitem__(self, key: str) -> Any:
        return self._build()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._build())


@functools.cache
def _data():
    digits = load_digits(seed=0)
    iid = iid_partition(digits.y_train, 100, seed=0)
    return digits, iid, shard_partition(digits.y_train, 100, shards_per_client=1, seed=0)


def _run(partition: str, **kw: Any):
    digits, iid, one = _data()
    settings = {"C": 0.1, "lr": 0.1, "seed": 0, **kw}
    return run_fedavg(digits, {"iid": iid, "one": one}[partition], **settings)


@functools.cache
def _speedup_runs(**kw: Any) -> dict[str, Any]:
    fedsgd = _run("iid", rounds=500, E=1, B=None, stop_at=0.93, **kw)
    fedavg_run = _run("iid", rounds=500, E=5, B=10, stop_at=0.93, **kw)
    return {
        "fedsgd": fedsgd,
        "fedavg_run": fedavg_run,
        "a": fedsgd.rounds_to(0.93),
        "b": fedavg_run.rounds_to(0.93),
    }


def _q4(speedup: Callable[[int, int], Any], **kw: Any) -> _Answer:
    def build():
        runs = _speedup_runs(**kw)
        return {
            "speedup": speedup(runs["a"], runs["b"]),
            "fedsgd": runs["fedsgd"],
            "fedavg_run": runs["fedavg_run"],
        }

    return _Answer(build)


def _without_rounds() -> dict[str, Any]:
    # the old text's instructions: no rounds= (10 by default); `speedup = None / 29` crashed the cell
    return {"speedup": MISSING, **{k: v for k, v in _speedup_runs().items() if k == "fedavg_run"},
            "fedsgd": _run("iid", E=1, B=None, stop_at=0.93)}  # fmt: skip


@functools.cache
def _gap_runs(**kw: Any) -> dict[str, Any]:
    settings = {"rounds": 10, "E": 5, "B": 10, **kw}
    return {"iid_run": _run("iid", **settings), "skewed_run": _run("one", **settings)}


def _q5(gap: Callable[[float, float], Any], **kw: Any) -> _Answer:
    def build():
        runs = _gap_runs(**kw)
        return {"gap": gap(runs["iid_run"].final_accuracy, runs["skewed_run"].final_accuracy), **runs}

    return _Answer(build)


def _two_shards() -> dict[str, Any]:
    digits, _, _ = _data()
    two = shard_partition(digits.y_train, 100, shards_per_client=2, seed=0)
    skewed = run_fedavg(digits, two, rounds=10, C=0.1, E=5, B=10, lr=0.1, seed=0)
    iid_run = _gap_runs()["iid_run"]
    return {"gap": iid_run.final_accuracy - skewed.final_accuracy, "iid_run": iid_run, "skewed_run": skewed}


def _swapped() -> dict[str, Any]:
    runs = _gap_runs()
    return {"gap": runs["iid_run"].final_accuracy - runs["skewed_run"].final_accuracy,
            "iid_run": runs["skewed_run"], "skewed_run": runs["iid_run"]}  # fmt: skip


BANK = {
    "q1": {
        "wrong": [
            ("one Dirichlet vector for all labels (quantity skew)", quantity_skew, "quantity skew"),
            (
                "ignores alpha: an IID split",
                lambda labels, k, a, s: iid_partition(labels, k, seed=s),
                "alpha=0.01",
            ),
            ("Dirichlet(1 / alpha)", inverted_alpha, "alpha=0.01"),
            ("label-sorted blocks, skewed at every alpha", sorted_blocks, "alpha=1000"),
            ("np.random.* instead of the seeded rng", unseeded, "same seed"),
            ("shares for n_clients - 1 clients", one_client_short, "5 index arrays"),
        ],
        "right": [
            ("per-label multinomial allocation", multinomial),
            ("per-client class proportions (Hsu et al. 2019)", per_client_proportions),
            (
                "the kit's split with its minimum-size redraw",
                lambda labels, k, a, s: dirichlet_partition(labels, k, a, seed=s),
            ),
        ],
    },
    "q2": {
        "wrong": [
            ("np.ceil instead of round", ceil_count, "np.ceil"),
            (
                "int() instead of round",
                lambda k, c, rng: np.sort(rng.choice(k, size=max(1, int(c * k)), replace=False)),
                "int() truncates",
            ),
            ("a random block of neighbours", contiguous, "chosen together"),
            ("every (K // m)-th client from a random start", every_kth, "chosen together"),
            (
                "with replacement",
                lambda k, c, rng: np.sort(rng.choice(k, size=_m(k, c), replace=True)),
                "twice",
            ),
            ("forgot to sort", lambda k, c, rng: rng.choice(k, size=_m(k, c), replace=False), "sorted"),
            ("always the first m clients", lambda k, c, rng: np.arange(_m(k, c)), "far more often"),
        ],
        "right": [
            ("the m smallest random keys", by_random_keys),
            (
                "a sorted prefix of a permutation, as a list",
                lambda k, c, rng: sorted(rng.permutation(k)[: _m(k, c)].tolist()),
            ),
        ],
    },
    "q3": {
        "wrong": [
            (
                "unweighted mean",
                lambda states, n: {k: sum(s[k] for s in states) / len(states) for k in states[0]},
                "plain mean",
            ),
            (
                "weighted sum, not divided by n",
                lambda states, n: {k: sum(nk * s[k] for nk, s in zip(n, states)) for k in states[0]},
                "did not divide",
            ),
            (
                "divided by the number of clients",
                lambda states, n: {
                    k: sum(nk * s[k] for nk, s in zip(n, states)) / len(states) for k in states[0]
                },
                "number of clients",
            ),
            (
                "lists instead of tensors",
                lambda states, n: {
                    k: sum(nk / sum(n) * s[k] for nk, s in zip(n, states)).tolist() for k in states[0]
                },
                "torch tensors",
            ),
            ("accumulated into the first client's state", in_place, "changed its input"),
            ("the first client's model returned unchanged", lambda states, n: states[0], "should return"),
        ],
        "right": [("stacked tensors times normalised weights", stacked_weighted_sum)],
    },
    "q4": {
        "wrong": [
            ("divided the other way round", _q4(lambda a, b: b / a), "other way round"),
            ("followed the old text: no rounds=, rounds_to is None", _Answer(_without_rounds), "rounds=500"),
            (
                "forgot lr=0.1 (the default 0.05), ratio of those runs",
                _q4(lambda a, b: a / b, lr=0.05),
                "lr=0.05",
            ),
            ("rounded to a whole number", _q4(lambda a, b: round(a / b)), "runs described give"),
            ("the difference of the rounds", _q4(lambda a, b: a - b), "ratio"),
        ],
        "right": [
            ("read off to one decimal", _q4(lambda a, b: round(a / b, 1))),
            (
                "runs made with the reference engine, ratio as a numpy float",
                _q4(lambda a, b: np.float64(a) / b, engine="reference"),
            ),
        ],
    },
    "q5": {
        "wrong": [
            ("E=1 in both runs: the gap lands on the same 56/450", _q5(lambda a, b: a - b, E=1), "E=1"),
            ("the sign flipped", _q5(lambda a, b: b - a), "sign is flipped"),
            ("in percent", _q5(lambda a, b: 100 * (a - b)), "fraction"),
            ("rounded to two decimals", _q5(lambda a, b: round(a - b, 2)), "runs described give"),
            ("two digits per client instead of one", _Answer(_two_shards), "not the right data"),
            ("the runs swapped", _Answer(_swapped), "not the right data"),
        ],
        "right": [
            ("read off to four decimals", _q5(lambda a, b: round(a - b, 4))),
            (
                "runs made with the reference engine, in float32",
                _q5(lambda a, b: np.float32(a - b), engine="reference"),
            ),
        ],
    },
}

UNCHECKABLE = {
    "q6": "a written answer (when do more local epochs help?); the notebook says it has no automatic check "
    "and shows the model answer after the question.",
}

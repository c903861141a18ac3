"""Exercises for lesson 04, FedAvg at scale: ``from fedlearn_edu.questions.lesson04 import q1, ...``.

q1 and q2 are judged by properties (a partition or a sample is right if it covers, is seeded and
has the right statistics), not by comparing with one particular sequence of random draws: there is
more than one correct way to write them. q4 and q5 ("predict, then run") re-run the experiment the
student was asked to run, with the kit's fast engine, and compare the numbers.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from fedlearn_edu._compare import brief
from fedlearn_edu.aggregate import fedavg, federated_mean
from fedlearn_edu.checker import (
    Case,
    CustomProblem,
    FunctionProblem,
    Incorrect,
    Mistake,
    call_student,
    label_problems,
)

NOTEBOOK = "04_fedavg_at_scale"
LABELS = np.repeat(np.arange(10), 20)  # 200 examples, 10 labels, label-sorted


def _call(func: Any, name: str, *args: Any) -> Any:
    """Call the student's function (a random generator argument is shown as ``rng``)."""
    shown = ", ".join("rng" if isinstance(a, np.random.Generator) else brief(a) for a in args)
    return call_student(func, name, *args, call=f"{name}({shown})")


# --- q1: the Dirichlet partition -------------------------------------------------------------


def _parts(result: Any, n_clients: int, n: int) -> list[np.ndarray]:
    from fedlearn_edu.data import check_partition

    try:
        parts = [np.asarray(p, dtype=np.int64) for p in result]
    except (TypeError, ValueError):
        raise Incorrect(
            f"return a list with one array of example indices per client, not {brief(result)}"
        ) from None
    if len(parts) != n_clients:
        raise Incorrect(
            f"with n_clients={n_clients} the result must hold {n_clients} index arrays, not {len(parts)}."
        )
    try:
        check_partition(parts, n)
    except ValueError as err:
        raise Incorrect(f"not a partition of the {n} examples: {err}.") from None
    return parts


def _judge_dirichlet(func: Any) -> str:
    from fedlearn_edu.data import label_counts

    def split(alpha: float, seed: int) -> list[np.ndarray]:
        labels = LABELS.copy()
        parts = _parts(_call(func, "dirichlet_split", labels, 5, alpha, seed), 5, len(LABELS))
        if not np.array_equal(labels, LABELS):
            raise Incorrect("your function changed the labels it was given; work on a copy.")
        return parts

    first, again, other = split(1.0, 0), split(1.0, 0), split(1.0, 1)
    if any(not np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(first, again, strict=True)):
        raise Incorrect(
            "two calls with the same seed gave different partitions: draw everything from "
            "`rng = np.random.default_rng(seed)`, not from np.random.* directly."
        )
    if all(np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(first, other, strict=True)):
        raise Incorrect("seed=0 and seed=1 gave the same partition: your function ignores its seed.")
    skewed = label_counts(split(0.01, 0), LABELS, 10)
    top_share = (skewed.max(0) / skewed.sum(0)).mean()
    if top_share < 0.8:
        raise Incorrect(
            f"with alpha=0.01 each label should go (almost) entirely to one client, but on average only "
            f"{top_share:.0%} of a label sits on its biggest client. Does alpha reach "
            "`rng.dirichlet(alpha * np.ones(n_clients))`, once per label?"
        )
    mixed = label_counts(split(1000.0, 0), LABELS, 10)
    if np.abs(mixed - 4).max() > 2:
        raise Incorrect(
            "with alpha=1000 every client should get about its fair share (20 / 5 = 4) of every label, "
            f"but the counts per client and label range from {mixed.min()} to {mixed.max()}. "
            "Split each label's examples in the drawn proportions, label by label."
        )
    return (
        "Your split covers every example once, is seeded, and moves from one label per client "
        "(alpha=0.01) to IID (alpha=1000)."
    )


q1 = CustomProblem(
    "dirichlet_split",
    title="Implement the Dirichlet label-skew partition",
    judge=_judge_dirichlet,
    hints=[
        "Work label by label: find the examples of that label (np.flatnonzero(labels == c)), shuffle "
        "them with rng.permutation, and draw the clients' shares with rng.dirichlet(alpha * np.ones(n_clients)).",
        "Turn the shares into cut points: np.cumsum(shares)[:-1] * len(examples), rounded to integers; "
        "np.split(examples, cuts) then gives one chunk per client.",
        "Collect each client's chunks over all labels in a list of lists, and return "
        "[np.sort(np.concatenate(chunks)) for chunks in parts].",
    ],
)


# --- q2: client sampling ---------------------------------------------------------------------


def _judge_sampling(func: Any) -> str:
    def sample(n_clients: int, fraction: float, seed: int) -> np.ndarray:
        result = _call(func, "sample_clients", n_clients, fraction, np.random.default_rng(seed))
        chosen = np.asarray(result)
        if chosen.ndim != 1 or (chosen.size and chosen.dtype.kind not in "iu"):
            raise Incorrect(f"return an array (or list) of client ids, whole numbers; got {brief(result)}")
        return chosen

    for n_clients, fraction, m in [(100, 0.1, 10), (10, 1.0, 10), (10, 0.27, 3), (10, 0.01, 1)]:
        chosen = sample(n_clients, fraction, 0)
        call = f"sample_clients({n_clients}, {fraction}, rng)"
        if len(chosen) == 0:
            raise Incorrect(f"{call} chose nobody: m = max(1, round(C * K)) is at least 1.")
        if len(np.unique(chosen)) != len(chosen):
            raise Incorrect(f"{call} chose a client twice ({brief(chosen)}): sample without replacement.")
        if len(chosen) != m:
            why = " (round C·K to the nearest whole number; int() truncates 2.7 to 2)" if m == 3 else ""
            raise Incorrect(
                f"{call} should choose m = max(1, round(C·K)) = {m} clients, not {len(chosen)}{why}."
            )
        if chosen.min() < 0 or chosen.max() >= n_clients:
            raise Incorrect(f"{call} chose {brief(chosen)}: client ids run from 0 to {n_clients - 1}.")
        if not np.all(np.diff(chosen) > 0):
            raise Incorrect(f"{call} returned {brief(chosen)}: return the ids sorted (np.sort).")
    if not np.array_equal(sample(50, 0.2, 7), sample(50, 0.2, 7)):
        raise Incorrect("the same rng seed gave different clients: draw from the `rng` you are given.")
    draws = np.concatenate([sample(50, 0.2, seed) for seed in range(300)])
    frequency = np.bincount(draws, minlength=50) / 300
    if np.abs(frequency - 0.2).max() > 0.12:
        raise Incorrect(
            "over 300 rounds with K=50, C=0.2 some clients were picked far more often than others "
            f"(from {frequency.min():.0%} to {frequency.max():.0%} of rounds; each should be near 20%): "
            "choose uniformly at random, e.g. rng.choice(n_clients, size=m, replace=False)."
        )
    return "Right count, no repeats, sorted, seeded through rng, and every client has the same chance."


q2 = CustomProblem(
    "sample_clients",
    title="Implement client sampling",
    judge=_judge_sampling,
    hints=[
        "m = max(1, round(C * n_clients)) clients per round.",
        "rng.choice(n_clients, size=m, replace=False) draws m different ids uniformly.",
        "return np.sort(rng.choice(n_clients, size=max(1, round(C * n_clients)), replace=False))",
    ],
)


# --- q3: the weighted aggregation of a round -----------------------------------------------


def _round_cases() -> list[Case]:
    import torch

    a = {"w": torch.tensor([[1.0, 2.0]]), "b": torch.tensor([0.5])}
    b = {"w": torch.tensor([[3.0, -2.0]]), "b": torch.tensor([1.5])}
    c = {"w": torch.tensor([[0.5, 0.0]]), "b": torch.tensor([-1.0])}
    return [
        Case([a, b], [30, 10], label="two clients"),
        Case([a, b, c], [10, 10, 20], label="three clients"),
        Case([a, b, c], [5, 5, 5], label="equal sizes"),
        Case([c], [7], label="one client"),
    ]


def _tensors(result: Any) -> str | None:
    torch = __import__("torch")
    for key, value in result.items():
        if not isinstance(value, torch.Tensor):
            return f"result[{key!r}] is a {type(value).__name__}; load_state_dict() needs torch tensors."
    return None


q3 = FunctionProblem(
    "aggregate_round",
    title="The weighted aggregation of one round",
    cases=_round_cases,
    reference=fedavg,
    validate=_tensors,
    mistakes=[
        Mistake(
            lambda states, n: federated_mean(states),
            "you ignored num_samples: that is the article's plain mean.",
        ),
        Mistake(
            lambda states, n: {k: sum(nk * s[k] for nk, s in zip(n, states)) for k in states[0]},
            "you multiplied by n_k but did not divide by n = sum(num_samples).",
        ),
        Mistake(
            lambda states, n: {
                k: sum(nk * s[k] for nk, s in zip(n, states)) / len(states) for k in states[0]
            },
            "you divided by the number of clients; divide by the total number of samples of this round's clients.",
        ),
    ],
    hints=[
        "Only this round's clients count: n = sum(num_samples) over the states you were given.",
        "For each parameter name: sum over clients of (n_k / n) * state[name].",
        "n = sum(num_samples); return {name: sum(nk / n * s[name] for nk, s in zip(num_samples, states)) "
        "for name in states[0]}",
    ],
)


# --- q4, q5: predict, then run ---------------------------------------------------------------


@functools.cache
def _experiments() -> dict[str, float]:
    """The numbers of q4 and q5, computed the way the exercise notebook asks (a second or two)."""
    from fedlearn_edu.data import iid_partition, load_digits, shard_partition
    from fedlearn_edu.simulation import run_fedavg

    digits = load_digits(seed=0)
    iid = iid_partition(digits.y_train, 100, seed=0)
    one_digit = shard_partition(digits.y_train, 100, shards_per_client=1, seed=0)
    common = {"C": 0.1, "lr": 0.1, "seed": 0}
    fedsgd = run_fedavg(digits, iid, rounds=500, E=1, B=None, stop_at=0.93, **common)
    fedavg_run = run_fedavg(digits, iid, rounds=500, E=5, B=10, stop_at=0.93, **common)
    iid10 = run_fedavg(digits, iid, rounds=10, E=5, B=10, **common)
    skew10 = run_fedavg(digits, one_digit, rounds=10, E=5, B=10, **common)
    return {
        "fedsgd": fedsgd.rounds_to(0.93),
        "fedavg": fedavg_run.rounds_to(0.93),
        "iid": iid10.final_accuracy,
        "skew": skew10.final_accuracy,
    }


def _number(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Incorrect(f"`{name}` should be a number, not {brief(value)}.") from None


def _judge_speedup(value: Any) -> str:
    got, e = _number(value, "speedup"), _experiments()
    want = e["fedsgd"] / e["fedavg"]
    if np.isclose(got, want, rtol=1e-6):
        return (
            f"FedSGD needs {e['fedsgd']} rounds, FedAvg (E=5, B=10) {e['fedavg']}: {want:.1f} times fewer "
            "rounds for the same accuracy, because each round does ~10 local steps instead of 1."
        )
    if np.isclose(got, 1 / want, rtol=1e-6):
        raise Incorrect("you divided the other way round: speedup = FedSGD's rounds / FedAvg's rounds (> 1).")
    raise Incorrect(
        f"speedup = {got:.4g}, but the runs described give a different number. Check: K=100 IID clients "
        "(iid_partition(..., seed=0)), C=0.1, lr=0.1, seed=0, stop_at=0.93, FedSGD E=1 B=None, FedAvg E=5 B=10, "
        "and speedup = FedSGD's history.rounds_to(0.93) / FedAvg's."
    )


def _judge_gap(value: Any) -> str:
    got, e = _number(value, "gap"), _experiments()
    want = e["iid"] - e["skew"]
    if np.isclose(got, want, atol=1e-9):
        return (
            f"After 10 rounds: {e['iid']:.1%} with IID clients, {e['skew']:.1%} with one digit per client "
            f"({100 * want:.1f} points lost to label skew). Each client drifts towards 'always my digit'; the average repairs much "
            "of it, but not all."
        )
    if np.isclose(got, -want, atol=1e-9):
        raise Incorrect("the sign is flipped: gap = IID accuracy − one-digit-per-client accuracy.")
    if np.isclose(got, 100 * want, atol=1e-6):
        raise Incorrect("give the gap as a fraction (e.g. 0.05), not in percent.")
    raise Incorrect(
        f"gap = {got:.4g}, but the runs described give a different number. Check: 10 rounds, K=100, C=0.1, "
        "E=5, B=10, lr=0.1, seed=0; IID = iid_partition(..., seed=0); one digit per client = "
        "shard_partition(..., shards_per_client=1, seed=0); gap = difference of history.final_accuracy."
    )


q4 = CustomProblem(
    "speedup",
    title="Predict, then run: how much does local work save?",
    judge=_judge_speedup,
    hints=[
        "Run run_fedavg twice on the IID split with stop_at=0.93: once with E=1, B=None (FedSGD), once "
        "with E=5, B=10. history.rounds_to(0.93) gives each run's rounds.",
        "speedup = fedsgd.rounds_to(0.93) / fedavg.rounds_to(0.93)",
    ],
)

q5 = CustomProblem(
    "gap",
    title="Predict, then run: what does label skew cost?",
    judge=_judge_gap,
    hints=[
        "Two runs of 10 rounds, identical except for the partition: iid_partition vs "
        "shard_partition(..., shards_per_client=1).",
        "gap = iid_run.final_accuracy - skewed_run.final_accuracy",
    ],
)

label_problems(globals(), notebook=NOTEBOOK)

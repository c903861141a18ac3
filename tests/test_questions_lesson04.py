"""Lesson 04's exercises: each check passes right answers, rejects wrong ones (naming the likely
mistake where the kit knows it), and says "not attempted" for an unsolved exercise."""

import numpy as np
import pytest
import torch

from fedlearn_edu.aggregate import fedavg
from fedlearn_edu.data import dirichlet_partition, iid_partition, load_digits, shard_partition
from fedlearn_edu.questions import lesson04 as L
from fedlearn_edu.simulation import run_fedavg


def _unsolved(*args, **kwargs):
    raise NotImplementedError("TODO: write your code here, then run the check below")


def verdict(problem, value):
    feedback = problem.evaluate(value)
    return feedback.status, feedback.message


# --- q1: Dirichlet ---------------------------------------------------------------------------


def dirichlet_split(labels, n_clients, alpha, seed):  # the solution's way
    rng = np.random.default_rng(seed)
    parts = [[] for _ in range(n_clients)]
    for label in np.unique(labels):
        examples = rng.permutation(np.flatnonzero(labels == label))
        shares = rng.dirichlet(alpha * np.ones(n_clients))
        cuts = np.round(np.cumsum(shares)[:-1] * len(examples)).astype(int)
        for k, chunk in enumerate(np.split(examples, cuts)):
            parts[k].extend(chunk.tolist())
    return [np.sort(np.array(p, dtype=int)) for p in parts]


def test_q1_accepts_right_answers():
    assert verdict(L.q1, dirichlet_split)[0] == "correct"
    assert (
        verdict(L.q1, lambda labels, k, a, s: dirichlet_partition(labels, k, a, seed=s, min_size=0))[0]
        == "correct"
    )

    def as_lists(labels, k, a, s):  # lists of Python ints are fine too
        return [p.tolist() for p in dirichlet_split(labels, k, a, s)]

    assert verdict(L.q1, as_lists)[0] == "correct"


def test_q1_unattempted():
    assert verdict(L.q1, _unsolved)[0] == "not attempted"
    assert verdict(L.q1, ...)[0] == "not attempted"


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (lambda labels, k, a, s: iid_partition(labels, k, seed=s), "alpha=0.01"),  # ignores alpha
        (lambda labels, k, a, s: dirichlet_split(labels, k, a, 0), "ignores its seed"),
        (lambda labels, k, a, s: dirichlet_split(labels, k, a, None), "same seed gave different"),
        (lambda labels, k, a, s: dirichlet_split(labels, k, a, s)[:-1], "must hold 5 index arrays"),
        (lambda labels, k, a, s: [*dirichlet_split(labels, k, a, s)[:-1], np.array([0])], "not a partition"),
        (lambda labels, k, a, s: np.array_split(np.arange(len(labels)), k), "ignores its seed"),  # no shuffle
        (lambda labels, k, a, s: 42, "one array of example indices"),
        (lambda labels, k, a, s: None, "forget a `return`"),
        (lambda labels, k, a, s: 1 / 0, "ZeroDivisionError"),
        ("not a function", "should be a function"),
    ],
)
def test_q1_rejects_wrong_answers(answer, says):
    status, message = verdict(L.q1, answer)
    assert status == "incorrect" and says in message, message


def test_q1_rejects_a_split_that_ignores_labels():
    def by_shares(labels, k, a, s):  # Dirichlet sizes, but labels ignored: IID-ish at any alpha
        rng = np.random.default_rng(s)
        order = rng.permutation(len(labels))
        cuts = np.round(np.cumsum(rng.dirichlet(a * np.ones(k)))[:-1] * len(labels)).astype(int)
        return np.split(order, cuts)

    status, message = verdict(L.q1, by_shares)
    assert status == "incorrect" and "alpha=1000" in message


def test_q1_rejects_modifying_the_labels():
    def sorts_in_place(labels, k, a, s):
        labels.sort()
        labels[:] = labels[::-1]
        return dirichlet_split(labels, k, a, s)

    assert "changed the labels" in verdict(L.q1, sorts_in_place)[1]


# --- q2: sampling ----------------------------------------------------------------------------


def sample_clients(n_clients, C, rng):
    return np.sort(rng.choice(n_clients, size=max(1, round(C * n_clients)), replace=False))


def test_q2_right_and_unattempted():
    assert verdict(L.q2, sample_clients)[0] == "correct"
    assert (
        verdict(L.q2, lambda k, c, rng: sorted(rng.permutation(k)[: max(1, round(c * k))].tolist()))[0]
        == "correct"
    )
    assert verdict(L.q2, _unsolved)[0] == "not attempted"


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (lambda k, c, rng: np.sort(rng.choice(k, size=round(c * k), replace=False)), "chose nobody"),
        (
            lambda k, c, rng: np.sort(rng.choice(k, size=max(1, round(c * k)), replace=True)),
            "chose a client twice",
        ),
        (lambda k, c, rng: np.sort(rng.choice(k, size=max(1, int(c * k)), replace=False)), "int() truncates"),
        (lambda k, c, rng: rng.choice(k, size=max(1, round(c * k)), replace=False), "sorted"),
        (lambda k, c, rng: np.arange(max(1, round(c * k))), "far more often"),  # always the first m
        (
            lambda k, c, rng: np.sort(np.random.choice(k, max(1, round(c * k)), replace=False)),  # noqa: NPY002
            "same rng seed",
        ),
        (lambda k, c, rng: np.arange(max(1, round(c * k))) + k, "ids run from 0"),
        (lambda k, c, rng: [0.5], "whole numbers"),
    ],
)
def test_q2_rejects_wrong_answers(answer, says):
    status, message = verdict(L.q2, answer)
    assert status == "incorrect" and says in message, message


def test_q2_biased_sampling_is_caught():
    def favours_low_ids(k, c, rng):
        m = max(1, round(c * k))
        p = np.linspace(2, 0.1, k)
        return np.sort(rng.choice(k, size=m, replace=False, p=p / p.sum()))

    status, message = verdict(L.q2, favours_low_ids)
    assert status == "incorrect" and "far more often" in message


# --- q3: weighted aggregation ----------------------------------------------------------------


def aggregate_round(states, num_samples):
    n = sum(num_samples)
    return {name: sum(nk / n * s[name] for nk, s in zip(num_samples, states)) for name in states[0]}


def test_q3():
    assert verdict(L.q3, aggregate_round)[0] == "correct"
    assert verdict(L.q3, fedavg)[0] == "correct"
    assert verdict(L.q3, _unsolved)[0] == "not attempted"
    status, message = verdict(
        L.q3, lambda states, n: {k: sum(s[k] for s in states) / len(states) for k in states[0]}
    )
    assert status == "incorrect" and "plain mean" in message
    status, message = verdict(
        L.q3, lambda states, n: {k: sum(nk * s[k] for nk, s in zip(n, states)) for k in states[0]}
    )
    assert status == "incorrect" and "did not divide by n" in message
    status, message = verdict(
        L.q3,
        lambda states, n: {
            k: (sum(nk / sum(n) * s[k] for nk, s in zip(n, states))).tolist() for k in states[0]
        },
    )
    assert status == "incorrect" and "torch tensors" in message

    def in_place(states, n):
        for s in states:
            s["w"].mul_(1.0)
            s["b"].add_(1.0)
        return aggregate_round(states, n)

    assert verdict(L.q3, in_place)[0] == "incorrect"


# --- q4, q5: predict, then run ---------------------------------------------------------------


@pytest.fixture(scope="module")
def experiments():
    digits = load_digits(seed=0)
    iid = iid_partition(digits.y_train, 100, seed=0)
    one = shard_partition(digits.y_train, 100, shards_per_client=1, seed=0)
    kw = {"C": 0.1, "lr": 0.1, "seed": 0}
    fedsgd = run_fedavg(digits, iid, rounds=500, E=1, B=None, stop_at=0.93, **kw)
    favg = run_fedavg(digits, iid, rounds=500, E=5, B=10, stop_at=0.93, **kw)
    a = run_fedavg(digits, iid, rounds=10, E=5, B=10, **kw)
    b = run_fedavg(digits, one, rounds=10, E=5, B=10, **kw)
    return fedsgd.rounds_to(0.93) / favg.rounds_to(0.93), a.final_accuracy - b.final_accuracy


def test_q4(experiments):
    speedup = experiments[0]
    assert speedup > 2  # the lesson's claim: local work saves rounds
    assert verdict(L.q4, speedup)[0] == "correct"
    assert verdict(L.q4, ...)[0] == "not attempted"
    assert "other way round" in verdict(L.q4, 1 / speedup)[1]
    assert "different number" in verdict(L.q4, speedup + 0.5)[1]
    assert "should be a number" in verdict(L.q4, "five")[1]


def test_q5(experiments):
    gap = experiments[1]
    assert gap > 0.02  # label skew costs accuracy after 10 rounds
    assert verdict(L.q5, gap)[0] == "correct"
    assert verdict(L.q5, np.float32(gap))[0] in ("correct", "incorrect")  # float32 rounding is the student's
    assert "sign is flipped" in verdict(L.q5, -gap)[1]
    assert "fraction" in verdict(L.q5, 100 * gap)[1]
    assert "different number" in verdict(L.q5, gap + 0.01)[1]
    assert verdict(L.q5, ...)[0] == "not attempted"


def test_problems_are_labelled():
    assert [p.name for p in (L.q1, L.q2, L.q3, L.q4, L.q5)] == ["q1", "q2", "q3", "q4", "q5"]
    assert {p.notebook for p in (L.q1, L.q2, L.q3, L.q4, L.q5)} == {"04_fedavg_at_scale"}
    assert torch.is_tensor(L._round_cases()[0].args[0][0]["w"])

"""Lesson 04's exercises: each check passes right answers, rejects wrong ones (naming the likely
mistake where the kit knows it), and says "not attempted" for an unsolved exercise."""

import json
from pathlib import Path

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


def multinomial_split(
    labels, n_clients, alpha, seed
):  # each example to a client drawn from its label's shares
    rng = np.random.default_rng(seed)
    owner = np.empty(len(labels), dtype=int)
    for label in np.unique(labels):
        examples = np.flatnonzero(labels == label)
        owner[examples] = rng.choice(
            n_clients, size=len(examples), p=rng.dirichlet(alpha * np.ones(n_clients))
        )
    return [np.flatnonzero(owner == k) for k in range(n_clients)]


def per_client_split(labels, n_clients, alpha, seed):  # Hsu et al. 2019: class proportions drawn per client
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    pools = [list(rng.permutation(np.flatnonzero(labels == c))) for c in classes]
    sizes = [len(labels) // n_clients + (k < len(labels) % n_clients) for k in range(n_clients)]
    parts = []
    for size in sizes:
        q, mine = rng.dirichlet(alpha * np.ones(len(classes))), []
        for _ in range(size):
            left = np.array([len(pool) > 0 for pool in pools], dtype=float)
            w = q * left if (q * left).sum() > 0 else left
            mine.append(pools[rng.choice(len(classes), p=w / w.sum())].pop())
        parts.append(np.sort(mine))
    return parts


def quantity_skew(
    labels, n_clients, alpha, seed
):  # one share vector for all labels: sizes differ, mixes do not
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet(alpha * np.ones(n_clients))
    parts = [[] for _ in range(n_clients)]
    for label in np.unique(labels):
        examples = rng.permutation(np.flatnonzero(labels == label))
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


@pytest.mark.parametrize("split", [multinomial_split, per_client_split, dirichlet_partition])
def test_q1_accepts_other_label_skew_algorithms(split):
    # per-label multinomial allocation, per-client proportions (Hsu et al.), the kit's min-size redraw:
    # all are label skew; at alpha=1000 their counts scatter around 4 with binomial noise (old check: +-2)
    if split is dirichlet_partition:
        split = lambda labels, k, a, s: dirichlet_partition(labels, k, a, seed=s)  # noqa: E731
    assert verdict(L.q1, split) == ("correct", verdict(L.q1, dirichlet_split)[1])


def test_q1_multinomial_noise_at_large_alpha_is_fine():
    from fedlearn_edu.data import label_counts

    counts = label_counts(multinomial_split(L.LABELS, 5, 1000.0, 0), L.LABELS, 10)
    assert np.abs(counts - 4).max() > 2  # what the old +-2 rule rejected ...
    assert verdict(L.q1, multinomial_split)[0] == "correct"  # ... is ordinary sampling noise


def test_q1_rejects_quantity_skew():
    status, message = verdict(L.q1, quantity_skew)
    assert status == "incorrect" and "quantity skew" in message and "alpha=0.01" in message, message


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
    assert status == "incorrect" and "alpha=0.01" in message, message


def test_q1_rejects_a_split_skewed_at_every_alpha():
    def sorted_blocks(labels, k, a, s):  # label-sorted blocks dealt at random: alpha ignored
        blocks = np.array_split(np.argsort(labels, kind="stable"), k)
        return [np.sort(blocks[i]) for i in np.random.default_rng(s).permutation(k)]

    status, message = verdict(L.q1, sorted_blocks)
    assert status == "incorrect" and "alpha=1000" in message and "fair share" in message, message


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
        (
            lambda k, c, rng: np.sort(rng.choice(k, size=max(1, int(np.ceil(c * k))), replace=False)),
            "np.ceil",
        ),
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


def contiguous(k, c, rng):  # a random block of neighbours: each client's own chance is right
    return np.sort((rng.integers(k) + np.arange(max(1, round(c * k)))) % k)


def every_kth(k, c, rng):  # every (K // m)-th client from a random start: the same
    m = max(1, round(c * k))
    return np.sort((rng.integers(k) + (k // m) * np.arange(m)) % k)


@pytest.mark.parametrize("sampler", [contiguous, every_kth])
def test_q2_rejects_samplers_in_fixed_groups(sampler):
    draws = np.concatenate([sampler(50, 0.2, np.random.default_rng(s)) for s in range(300)])
    assert np.abs(np.bincount(draws, minlength=50) / 300 - 0.2).max() <= 0.12  # passes the frequency test
    status, message = verdict(L.q2, sampler)
    assert status == "incorrect" and "chosen together" in message, message


def test_q2_checks_every_draw_for_repeats():
    def repeats_sometimes(k, c, rng):  # right on the fixed cases, a duplicate in about one round of 100
        m = max(1, round(c * k))
        chosen = rng.choice(k, size=m, replace=False)
        if m > 1 and rng.random() < 0.01:
            chosen[1] = chosen[0]
        return np.sort(chosen)

    assert all(  # the fixed cases (seed 0) and the seed test (seed 7) do not see it
        len(set(repeats_sometimes(k, c, np.random.default_rng(s)).tolist())) == max(1, round(c * k))
        for k, c, s in [
            (100, 0.1, 0),
            (10, 1.0, 0),
            (10, 0.27, 0),
            (10, 0.21, 0),
            (100, 0.123, 0),
            (50, 0.2, 7),
        ]
    )
    assert "chose a client twice" in verdict(L.q2, repeats_sometimes)[1]


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
# The runs come from the solution notebook's own answer cells (what a student is asked to write),
# not from a copy of the checker's code.

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions" / "04_fedavg_at_scale.ipynb"


def _answer_cell(name: str) -> str:
    cells = json.loads(SOLUTIONS.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "### BEGIN SOLUTION" in source and f"{name} =" in source:
            return "\n".join(line for line in source.splitlines() if not line.endswith(".check()"))
    raise AssertionError(f"no answer cell for {name} in {SOLUTIONS.name}")


@pytest.fixture(scope="module")
def answers():
    namespace = {}
    exec(
        "from fedlearn_edu.data import iid_partition, load_digits, shard_partition\n"
        "from fedlearn_edu.simulation import run_fedavg\ndigits = load_digits(seed=0)\n",
        namespace,
    )
    exec(_answer_cell("speedup"), namespace)
    exec(_answer_cell("gap"), namespace)
    return namespace


def _q4(ns, **changes):
    return {"speedup": ns["speedup"], "fedsgd": ns["fedsgd"], "fedavg_run": ns["fedavg_run"], **changes}


def _q5(ns, **changes):
    return {"gap": ns["gap"], "iid_run": ns["iid_run"], "skewed_run": ns["skewed_run"], **changes}


def test_q4_accepts_the_solution_and_a_read_off_value(answers):
    speedup = answers["speedup"]
    assert speedup > 2  # the lesson's claim: local work saves rounds
    assert verdict(L.q4, _q4(answers))[0] == "correct"
    assert verdict(L.q4, _q4(answers, speedup=round(speedup, 1)))[0] == "correct"  # 5.1 for 5.103
    assert verdict(L.q4, _q4(answers, speedup=round(speedup, 2)))[0] == "correct"


def test_q4_following_the_text_without_rounds_gets_advice_not_a_crash(answers):
    short = run_fedavg(load_digits(seed=0), iid_partition(load_digits(seed=0).y_train, 100, seed=0),
                       C=0.1, E=1, B=None, lr=0.1, seed=0, stop_at=0.93)  # fmt: skip
    assert short.rounds_to(0.93) is None  # rounds defaults to 10: the speedup cell cannot divide
    message = verdict(L.q4, _q4(answers, fedsgd=short, speedup=...))[1]
    assert "rounds=500" in message and "None" in message, message


def test_q4_rejects_wrong_numbers_and_wrong_runs(answers):
    speedup = answers["speedup"]
    assert "other way round" in verdict(L.q4, _q4(answers, speedup=1 / speedup))[1]
    assert "runs described give" in verdict(L.q4, _q4(answers, speedup=round(speedup)))[1]  # 5 for 5.1
    assert "should be a number" in verdict(L.q4, _q4(answers, speedup="five"))[1]
    swapped = _q4(answers, fedsgd=answers["fedavg_run"], fedavg_run=answers["fedsgd"], speedup=1 / speedup)
    assert "E=5" in verdict(L.q4, swapped)[1]
    assert verdict(L.q4, speedup)[0] == "not attempted"  # a bare number: the check asks for the runs


def test_q4_and_q5_not_attempted():
    assert verdict(L.q4, ...)[0] == "not attempted"
    assert verdict(L.q5, {"gap": ...})[0] == "not attempted"
    # the unsolved exercise cell: every name still `...`
    assert verdict(L.q4, {"speedup": ..., "fedsgd": ..., "fedavg_run": ...})[0] == "not attempted"
    assert verdict(L.q5, {"gap": ..., "iid_run": ..., "skewed_run": ...})[0] == "not attempted"
    assert "runs described give" in verdict(L.q5, -1)[1]  # a wrong number is wrong, runs or not


def test_q5_accepts_the_solution_and_read_off_values(answers):
    gap = answers["gap"]
    assert gap > 0.02  # label skew costs accuracy after 10 rounds
    assert verdict(L.q5, _q5(answers))[0] == "correct"
    assert verdict(L.q5, _q5(answers, gap=np.float32(gap)))[0] == "correct"  # float32 is well within READ_OFF
    assert verdict(L.q5, _q5(answers, gap=round(gap, 4)))[0] == "correct"


def test_q5_rejects_wrong_numbers(answers):
    gap = answers["gap"]
    assert "sign is flipped" in verdict(L.q5, _q5(answers, gap=-gap))[1]
    assert "fraction" in verdict(L.q5, _q5(answers, gap=100 * gap))[1]
    assert "runs described give" in verdict(L.q5, _q5(answers, gap=gap + 0.01))[1]


def test_q5_rejects_one_local_epoch_whose_gap_coincides(answers):
    # accuracies are multiples of 1/450: with E=1 both runs drop, and the gap is again 56/450
    digits = load_digits(seed=0)
    kw = {"rounds": 10, "C": 0.1, "E": 1, "B": 10, "lr": 0.1, "seed": 0}
    iid_run = run_fedavg(digits, iid_partition(digits.y_train, 100, seed=0), **kw)
    skewed_run = run_fedavg(digits, shard_partition(digits.y_train, 100, shards_per_client=1, seed=0), **kw)
    gap = iid_run.final_accuracy - skewed_run.final_accuracy
    assert gap == pytest.approx(answers["gap"], abs=1e-9)  # the number alone cannot tell E=1 from E=5
    status, message = verdict(L.q5, {"gap": gap, "iid_run": iid_run, "skewed_run": skewed_run})
    assert status == "incorrect" and "E=1" in message, message


@pytest.mark.parametrize(
    ("run", "change", "says"),
    [
        ("iid_run", {"E": 1}, "E=1"),  # the wrong number of local epochs
        ("skewed_run", {"E": 4}, "E=4"),
        ("iid_run", {"lr": 0.05}, "lr=0.05"),
        ("skewed_run", {"shards": 2}, "not the right data"),
        ("iid_run", {"rounds": 11}, "11 rounds"),
    ],
)
def test_q5_rejects_a_wrong_run_even_when_its_gap_is_typed_right(answers, run, change, says):
    digits = load_digits(seed=0)
    settings = {"rounds": 10, "C": 0.1, "E": 5, "B": 10, "lr": 0.1, "seed": 0}
    shards = change.pop("shards", None)
    if run == "iid_run":
        partition = iid_partition(digits.y_train, 100, seed=0)
    else:
        partition = shard_partition(digits.y_train, 100, shards_per_client=shards or 1, seed=0)
    wrong = run_fedavg(digits, partition, **{**settings, **change})
    runs = {"iid_run": answers["iid_run"], "skewed_run": answers["skewed_run"], run: wrong}
    gap = runs["iid_run"].final_accuracy - runs["skewed_run"].final_accuracy  # consistent with the runs
    status, message = verdict(L.q5, {"gap": gap, **runs})
    assert status == "incorrect" and says in message, message


def test_problems_are_labelled():
    assert [p.name for p in (L.q1, L.q2, L.q3, L.q4, L.q5)] == ["q1", "q2", "q3", "q4", "q5"]
    assert {p.notebook for p in (L.q1, L.q2, L.q3, L.q4, L.q5)} == {"04_fedavg_at_scale"}
    assert torch.is_tensor(L._round_cases()[0].args[0][0]["w"])

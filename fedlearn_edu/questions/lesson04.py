"""Exercises for lesson 04, FedAvg at scale: ``from fedlearn_edu.questions.lesson04 import q1, ...``.

q1 and q2 are judged by properties (a partition or a sample is right if it covers, is seeded and
has the right statistics), not by comparing with one particular sequence of random draws: there is
more than one correct way to write them. q4 and q5 ("predict, then run") re-run the experiment the
student was asked to run and compare both the student's runs (settings and accuracy curves) and the
number read off them (to the course's READ_OFF tolerance).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

from fedlearn_edu._compare import brief
from fedlearn_edu.aggregate import fedavg, federated_mean
from fedlearn_edu.checker import (
    EXACT,
    MISSING,
    READ_OFF,
    Case,
    CustomProblem,
    FunctionProblem,
    Incorrect,
    Mistake,
    NotAttempted,
    call_student,
    label_problems,
)
from fedlearn_edu.i18n import N_, t

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
            t("return a list with one array of example indices per client, not {value}", value=brief(result))
        ) from None
    if len(parts) != n_clients:
        raise Incorrect(
            t(
                "with n_clients={n_clients} the result must hold {n_clients} index arrays, not {n}.",
                n_clients=n_clients,
                n=len(parts),
            )
        )
    try:
        check_partition(parts, n)
    except ValueError as err:
        raise Incorrect(t("not a partition of the {n} examples: {error}.", n=n, error=err)) from None
    return parts


SEEDS = range(5)  # the statistics of q1 are taken over these seeds


def _label_skew(counts: np.ndarray) -> float:
    """How far the clients' label mixes are from the global one: the size-weighted mean total variation."""
    sizes = counts.sum(1)
    keep = sizes > 0
    mix = counts[keep] / sizes[keep, None]
    overall = counts.sum(0) / counts.sum()
    return float((sizes[keep] * 0.5 * np.abs(mix - overall).sum(1)).sum() / sizes.sum())


def _chi_square(counts: np.ndarray) -> np.ndarray:
    """Per client, Pearson's chi-square of its label counts against its fair share of every label."""
    sizes = counts.sum(1, keepdims=True)
    overall = counts.sum(0) / counts.sum()
    fair = np.maximum(sizes * overall, 1e-12)
    return ((counts - sizes * overall) ** 2 / fair).sum(1)


def _judge_dirichlet(func: Any) -> str:
    """A right answer is any label-skew split: judged by its statistics over several seeds.

    Per-label Dirichlet cuts (the solution), per-label multinomial allocation and per-client class
    proportions (Hsu et al. 2019) all pass; a split with one proportion vector for all labels
    (quantity skew), an IID split, or one that is skewed at every alpha does not.
    """
    from fedlearn_edu.data import label_counts

    n_labels = int(LABELS.max()) + 1

    def split(alpha: float, seed: int) -> list[np.ndarray]:
        labels = LABELS.copy()
        parts = _parts(_call(func, "dirichlet_split", labels, 5, alpha, seed), 5, len(LABELS))
        if not np.array_equal(labels, LABELS):
            raise Incorrect(t("your function changed the labels it was given; work on a copy."))
        return parts

    first, again, other = split(1.0, 0), split(1.0, 0), split(1.0, 1)
    if any(not np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(first, again, strict=True)):
        raise Incorrect(
            t(
                "two calls with the same seed gave different partitions: draw everything from "
                "`rng = np.random.default_rng(seed)`, not from np.random.* directly."
            )
        )
    if all(np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(first, other, strict=True)):
        raise Incorrect(t("seed=0 and seed=1 gave the same partition: your function ignores its seed."))

    # alpha = 0.01: each client's label mix is far from the global one. Per-label Dirichlet splits
    # give a mean total variation of about 0.7; an IID split about 0.17 (sampling noise); quantity
    # skew (one share vector for all labels) about 0: every client keeps the global mix.
    skewed = [label_counts(split(0.01, seed), LABELS, n_labels) for seed in SEEDS]
    distance = float(np.mean([_label_skew(counts) for counts in skewed]))
    if distance < 0.4:
        sizes = ", ".join(str(int(n)) for n in skewed[0].sum(1))
        raise Incorrect(
            t(
                "with alpha=0.01 the clients' label mixes should differ strongly (each client holds mostly one "
                "or two labels), but they stay close to the overall mix (mean total-variation distance "
                "{distance:.2f} over seeds 0-4; a label-skew split gives about 0.7, IID about 0.2). "
                "Client sizes for seed 0: {sizes}. "
                "Draw a separate share vector for each label (rng.dirichlet inside the loop over labels): "
                "one vector for all labels only changes how *many* examples a client gets (quantity skew), "
                "not *which* labels.",
                distance=distance,
                sizes=sizes,
            )
        )

    # alpha = 1000: every client's mix is the global one up to sampling noise. Under multinomial
    # sampling each client's chi-square statistic has mean (labels - 1) = 9; allow three times that
    # on average over clients and seeds (per-client proportions in the style of Hsu et al. give
    # about 12, the solution's rounded cuts about 0; a split skewed at every alpha gives > 100).
    mixed = [label_counts(split(1000.0, seed), LABELS, n_labels) for seed in SEEDS]
    chi = np.concatenate([_chi_square(counts) for counts in mixed])
    if chi.mean() > 3 * (n_labels - 1):
        seed, client = divmod(int(np.argmax(chi)), 5)
        counts = mixed[seed][client]
        fair = counts.sum() / n_labels
        raise Incorrect(
            t(
                "with alpha=1000 every client should get about its fair share of every label, but with seed "
                "{seed} client {client} holds the label counts {counts} (about {fair:.0f} each "
                "expected). A large alpha makes the Dirichlet shares nearly equal: does alpha reach "
                "`rng.dirichlet(alpha * np.ones(n_clients))`?",
                seed=seed,
                client=client,
                counts=counts.tolist(),
                fair=fair,
            )
        )
    return t(
        "Your split covers every example once, is seeded, gives each client only a few labels at "
        "alpha=0.01 and every client the overall label mix at alpha=1000 (checked over 5 seeds)."
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
            raise Incorrect(
                t("return an array (or list) of client ids, whole numbers; got {value}", value=brief(result))
            )
        return chosen

    def valid(chosen: np.ndarray, n_clients: int, fraction: float, m: int) -> None:
        call = f"sample_clients({n_clients}, {fraction}, rng)"
        if len(chosen) == 0:
            raise Incorrect(t("{call} chose nobody: m = max(1, round(C * K)) is at least 1.", call=call))
        if len(np.unique(chosen)) != len(chosen):
            raise Incorrect(
                t(
                    "{call} chose a client twice ({chosen}): sample without replacement.",
                    call=call,
                    chosen=brief(chosen),
                )
            )
        if len(chosen) != m:
            exact = fraction * n_clients
            values = {"call": call, "m": m, "n": len(chosen), "exact": exact}
            if len(chosen) == int(np.ceil(exact)) and m == round(exact):
                text = t(
                    "{call} should choose m = max(1, round(C·K)) = {m} clients, not {n} (round C·K = {exact:g} "
                    "to the *nearest* whole number; np.ceil rounds {exact:g} up).",
                    **values,
                )
            elif len(chosen) == int(exact) and m == round(exact):
                text = t(
                    "{call} should choose m = max(1, round(C·K)) = {m} clients, not {n} (round C·K = {exact:g} "
                    "to the nearest whole number; int() truncates it).",
                    **values,
                )
            else:
                text = t("{call} should choose m = max(1, round(C·K)) = {m} clients, not {n}.", **values)
            raise Incorrect(text)
        if chosen.min() < 0 or chosen.max() >= n_clients:
            raise Incorrect(
                t(
                    "{call} chose {chosen}: client ids run from 0 to {last}.",
                    call=call,
                    chosen=brief(chosen),
                    last=n_clients - 1,
                )
            )
        if not np.all(np.diff(chosen) > 0):
            raise Incorrect(
                t(
                    "{call} returned {chosen}: return the ids sorted (np.sort).",
                    call=call,
                    chosen=brief(chosen),
                )
            )

    # round(2.7) = 3 but int() gives 2; round(2.1) = 2 and round(12.3) = 12 but ceil gives 3 and 13
    for n_clients, fraction, m in [
        (100, 0.1, 10), (10, 1.0, 10), (10, 0.27, 3), (10, 0.21, 2), (100, 0.123, 12), (10, 0.01, 1),
    ]:  # fmt: skip
        valid(sample(n_clients, fraction, 0), n_clients, fraction, m)
    if not np.array_equal(sample(50, 0.2, 7), sample(50, 0.2, 7)):
        raise Incorrect(t("the same rng seed gave different clients: draw from the `rng` you are given."))
    draws = [sample(50, 0.2, seed) for seed in range(300)]
    for chosen in draws:
        valid(chosen, 50, 0.2, 10)
    frequency = np.bincount(np.concatenate(draws), minlength=50) / 300
    # each client's count is Binomial(300, 0.2): standard deviation 2.3% of rounds; 0.12 is 5 of them
    if np.abs(frequency - 0.2).max() > 0.12:
        raise Incorrect(
            t(
                "over 300 rounds with K=50, C=0.2 some clients were picked far more often than others "
                "(from {low:.0%} to {high:.0%} of rounds; each should be near 20%): "
                "choose uniformly at random, e.g. rng.choice(n_clients, size=m, replace=False).",
                low=frequency.min(),
                high=frequency.max(),
            )
        )
    # Every client having the same chance is not enough: every *pair* must have it too, or the
    # clients always train together in the same groups (a block of neighbours, every 3rd id...).
    # Uniform sampling of m = 3 of K = 10 picks a given pair with probability 3·2 / (10·9) = 1/15;
    # over 2000 rounds a pair's count is about Binomial(2000, 1/15): 133 ± 11. Allow 6 standard deviations.
    rounds, k, m = 2000, 10, 3
    together = np.zeros((k, k), dtype=int)
    for seed in range(rounds):
        chosen = sample(k, 0.3, 1000 + seed)
        valid(chosen, k, 0.3, m)
        together[np.ix_(chosen, chosen)] += 1
    pairs = together[np.triu_indices(k, 1)]
    expected = rounds * m * (m - 1) / (k * (k - 1))
    spread = 6 * np.sqrt(expected * (1 - m * (m - 1) / (k * (k - 1))))
    if np.abs(pairs - expected).max() > spread:
        i, j = np.unravel_index(np.argmax(np.abs(together - expected) * np.triu(np.ones((k, k)), 1)), (k, k))
        raise Incorrect(
            t(
                "over {rounds} rounds of sample_clients({k}, 0.3, rng), clients {i} and {j} were chosen together "
                "{together} times, but with {m} of {k} clients picked uniformly at random every pair "
                "meets about {expected:.0f} times (pairs ranged from {low} to {high}). Each "
                "client's own chance is right, but the clients come in fixed groups: a block of neighbours "
                "or every k-th id is not a random sample. Use rng.choice(n_clients, size=m, replace=False).",
                rounds=rounds,
                k=k,
                i=i,
                j=j,
                together=together[i, j],
                m=m,
                expected=expected,
                low=pairs.min(),
                high=pairs.max(),
            )
        )
    return t(
        "Right count, no repeats, sorted, seeded through rng, every client has the same chance, and "
        "so does every pair of clients."
    )


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
            return t(
                "result[{key!r}] is a {type}; load_state_dict() needs torch tensors.",
                key=key,
                type=type(value).__name__,
            )
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
# The student types a number read off two runs; many wrong runs give nearly the same number, so the
# check also looks at the runs themselves (their settings and accuracy curves), and accepts the
# number with the course's READ_OFF tolerance.


class RunsProblem(CustomProblem):
    """A number computed from two runs: ``check()`` also picks up the runs by name from the notebook.

    The value judged is ``{target: number, run_name: History, ...}``; ``check(x)`` with a bare number
    judges ``{target: x}`` and asks for the runs.
    """

    def __init__(self, target: str, *, runs: tuple[str, ...], **kw: Any):
        super().__init__(target, **kw)
        self.runs = runs

    def check(self, value: Any = MISSING) -> None:
        names = sys._getframe(1).f_globals
        if value is MISSING:
            value = {name: names.get(name, MISSING) for name in (self.target, *self.runs)}
        elif not isinstance(value, Mapping):
            value = {self.target: value, **{name: names.get(name, MISSING) for name in self.runs}}
        super().check(value)


@functools.cache
def _experiments() -> dict[str, Any]:
    """The runs of q4 and q5, made the way the exercise notebook asks (a second or two)."""
    from fedlearn_edu.data import iid_partition, load_digits, shard_partition
    from fedlearn_edu.simulation import run_fedavg

    digits = load_digits(seed=0)
    iid = iid_partition(digits.y_train, 100, seed=0)
    one_digit = shard_partition(digits.y_train, 100, shards_per_client=1, seed=0)
    common = {"C": 0.1, "lr": 0.1, "seed": 0}
    return {
        "fedsgd": run_fedavg(digits, iid, rounds=500, E=1, B=None, stop_at=TARGET, **common),
        "fedavg_run": run_fedavg(digits, iid, rounds=500, E=5, B=10, stop_at=TARGET, **common),
        "iid_run": run_fedavg(digits, iid, rounds=10, E=5, B=10, **common),
        "skewed_run": run_fedavg(digits, one_digit, rounds=10, E=5, B=10, **common),
    }


TARGET = 0.93
_SETTINGS = ("K", "C", "E", "B", "lr", "seed", "loss", "aggregate")
_RUNS = {  # translated where they are shown
    "fedsgd": N_("FedSGD on the IID split: iid_partition(digits.y_train, 100, seed=0), E=1, B=None"),
    "fedavg_run": N_("FedAvg on the IID split: iid_partition(digits.y_train, 100, seed=0), E=5, B=10"),
    "iid_run": N_("the IID run: iid_partition(digits.y_train, 100, seed=0), 10 rounds"),
    "skewed_run": N_(
        "the one-digit run: shard_partition(digits.y_train, 100, shards_per_client=1, seed=0), 10 rounds"
    ),
}


def _both(runs: tuple[str, ...]) -> str:
    first, second = runs
    return t("`{first}` and `{second}`", first=first, second=second)


def _given(value: Any) -> bool:
    return value is not MISSING and value is not Ellipsis


def _unpack(value: Any, target: str, runs: tuple[str, ...]) -> tuple[Any, dict[str, Any] | None]:
    """The number and the runs; ``None`` for the runs if any is missing (the number is judged alone)."""
    if not isinstance(value, Mapping):
        value = {target: value}
    got = value.get(target, MISSING)
    given = {name: value.get(name, MISSING) for name in runs}
    if all(_given(run) for run in given.values()):
        return got, given
    if not _given(got):
        raise NotAttempted(
            t("Set `{target}`, and keep your runs in {runs}.", target=target, runs=_both(runs))
        )
    return got, None


def _runs_missing(runs: tuple[str, ...]) -> NotAttempted:
    return NotAttempted(
        t(
            "The check also looks at your runs: keep them in variables named {runs} (the History objects "
            "run_fedavg returns), then check again.",
            runs=_both(runs),
        )
    )


def _judge_run(name: str, run: Any, reference: Any, *, reach: bool) -> None:
    """Is ``run`` the run the question describes? Its settings, then its accuracy curve."""
    from fedlearn_edu.simulation import History

    what = t(_RUNS[name])
    if not isinstance(run, History):
        raise Incorrect(
            t(
                "`{name}` should be what run_fedavg returns ({what}), not {value}.",
                name=name,
                what=what,
                value=brief(run),
            )
        )
    for key in _SETTINGS:
        mine, want = run.config.get(key), reference.config.get(key)
        if mine != want:
            raise Incorrect(
                t(
                    "`{name}` ran with {key}={mine!r}, but the question asks for {key}={want!r} ({what}; "
                    "C=0.1, lr=0.1, seed=0).",
                    name=name,
                    key=key,
                    mine=mine,
                    want=want,
                    what=what,
                )
            )
    n = min(len(run.test_accuracy), len(reference.test_accuracy))
    mine, want = np.asarray(run.test_accuracy[:n]), np.asarray(reference.test_accuracy[:n])
    if not np.allclose(mine, want, **EXACT):
        r = int(np.flatnonzero(~np.isclose(mine, want, **EXACT))[0])
        raise Incorrect(
            t(
                "`{name}` has the right settings, but not the right data: after round {r} its test accuracy is "
                "{mine:.4f}, the run the question describes has {want:.4f}. Check the partition ({what}).",
                name=name,
                r=r,
                mine=mine[r],
                want=want[r],
                what=what,
            )
        )
    if reach and run.rounds_to(TARGET) is None:
        raise Incorrect(
            t(
                "`{name}` stopped after {rounds} rounds without reaching {target:.0%}, so "
                "`{name}.rounds_to({target})` is None. run_fedavg runs `rounds` rounds (10 unless you say "
                "otherwise): pass rounds=500 -- stop_at={target} ends the run as soon as it gets there.",
                name=name,
                rounds=run.rounds,
                target=TARGET,
            )
        )
    if not reach and run.rounds != reference.rounds:
        raise Incorrect(
            t(
                "`{name}` ran {rounds} rounds; the question asks for {wanted}.",
                name=name,
                rounds=run.rounds,
                wanted=reference.rounds,
            )
        )


def _number(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Incorrect(
            t("`{name}` should be a number, not {value}.", name=name, value=brief(value))
        ) from None


def _read_off(got: float, want: float) -> bool:
    return bool(np.isclose(got, want, **READ_OFF))


def _judge_speedup(value: Any) -> str:
    names = ("fedsgd", "fedavg_run")
    got, runs = _unpack(value, "speedup", names)
    e = _experiments()
    for name, run in (runs or {}).items():
        _judge_run(name, run, e[name], reach=True)
    if not _given(got):
        raise NotAttempted(t("Your runs are right: now set `speedup`."))
    got = _number(got, "speedup")
    fedsgd, fedavg_rounds = e["fedsgd"].rounds_to(TARGET), e["fedavg_run"].rounds_to(TARGET)
    want = fedsgd / fedavg_rounds
    if _read_off(got, 1 / want):
        raise Incorrect(
            t("you divided the other way round: speedup = FedSGD's rounds / FedAvg's rounds (> 1).")
        )
    if _read_off(got, fedsgd - fedavg_rounds):
        raise Incorrect(
            t("you subtracted the rounds; speedup is a ratio: FedSGD's rounds / FedAvg's rounds.")
        )
    if not _read_off(got, want):
        raise Incorrect(
            t(
                "speedup = {got:.4g}, but the runs described give {fedsgd} / {fedavg} = {want:.4g}: "
                "speedup = fedsgd.rounds_to(0.93) / fedavg_run.rounds_to(0.93) (within 1 % is accepted: "
                "{want:.3g} would do).",
                got=got,
                fedsgd=fedsgd,
                fedavg=fedavg_rounds,
                want=want,
            )
        )
    if runs is None:
        raise _runs_missing(names)
    return t(
        "FedSGD needs {fedsgd} rounds, FedAvg (E=5, B=10) {fedavg}: {want:.1f} times fewer "
        "rounds for the same accuracy, because each round does ~10 local steps instead of 1.",
        fedsgd=fedsgd,
        fedavg=fedavg_rounds,
        want=want,
    )


def _judge_gap(value: Any) -> str:
    names = ("iid_run", "skewed_run")
    got, runs = _unpack(value, "gap", names)
    e = _experiments()
    for name, run in (runs or {}).items():
        _judge_run(name, run, e[name], reach=False)
    if not _given(got):
        raise NotAttempted(t("Your runs are right: now set `gap`."))
    got = _number(got, "gap")
    iid, skew = e["iid_run"].final_accuracy, e["skewed_run"].final_accuracy
    want = iid - skew
    if _read_off(got, -want):
        raise Incorrect(t("the sign is flipped: gap = IID accuracy − one-digit-per-client accuracy."))
    if _read_off(got, 100 * want):
        raise Incorrect(t("give the gap as a fraction (e.g. 0.05), not in percent."))
    if not _read_off(got, want):
        raise Incorrect(
            t(
                "gap = {got:.4g}, but the runs described give {iid:.4f} − {skew:.4f} = {want:.4f}: gap = "
                "iid_run.final_accuracy − skewed_run.final_accuracy (to within 1%: round(gap, 4) is fine, "
                "round(gap, 2) is not).",
                got=got,
                iid=iid,
                skew=skew,
                want=want,
            )
        )
    if runs is None:
        raise _runs_missing(names)
    return t(
        "After 10 rounds: {iid:.1%} with IID clients, {skew:.1%} with one digit per client "
        "({points:.1f} points lost to label skew). Each client drifts towards 'always my digit'; "
        "the average repairs much of it, but not all.",
        iid=iid,
        skew=skew,
        points=100 * want,
    )


q4 = RunsProblem(
    "speedup",
    runs=("fedsgd", "fedavg_run"),
    title="Predict, then run: how much does local work save?",
    judge=_judge_speedup,
    hints=[
        "Run run_fedavg twice on the IID split with rounds=500 and stop_at=0.93: once with E=1, B=None "
        "(FedSGD), once with E=5, B=10. Keep them as `fedsgd` and `fedavg_run`. "
        "history.rounds_to(0.93) gives each run's rounds (None if the run stopped before 93%).",
        "speedup = fedsgd.rounds_to(0.93) / fedavg_run.rounds_to(0.93)",
    ],
)

q5 = RunsProblem(
    "gap",
    runs=("iid_run", "skewed_run"),
    title="Predict, then run: what does label skew cost?",
    judge=_judge_gap,
    hints=[
        "Two runs of 10 rounds, identical except for the partition: iid_partition vs "
        "shard_partition(..., shards_per_client=1). Keep them as `iid_run` and `skewed_run`.",
        "gap = iid_run.final_accuracy - skewed_run.final_accuracy",
    ],
)

label_problems(globals(), notebook=NOTEBOOK)

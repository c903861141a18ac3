"""Lesson 05's algorithms and the per-client evaluation (issue 12).

- FedProx(mu=0) is FedAvg bit for bit (both engines); stragglers: FedAvg drops the very clients
  FedProx keeps, and a straggler takes exactly its drawn step budget;
- SCAFFOLD's round 1 (all control variates zero) is FedAvg's round 1; its option II update checked
  by hand; the batched hooks equal the one-client hooks; it sends twice FedAvg's values;
- FedAvgM, FedAdam, FedYogi against two rounds computed by hand (and Flower's own code if installed);
- per-client evaluation: both engines, a direct computation, eval_every, and the summary numbers.
(Both engines agree on every algorithm: tests/test_engine_equality.py; bad inputs:
tests/test_bad_inputs.py.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from fedlearn_edu.algorithms import (
    FedAdam,
    FedAvg,
    FedAvgM,
    FedProx,
    FedYogi,
    Message,
    Replies,
    Reply,
    Scaffold,
    TrainPlan,
)
from fedlearn_edu.algorithms.stragglers import draw_stragglers, straggler_steps
from fedlearn_edu.data import dirichlet_partition, iid_partition, load_digits, split_clients
from fedlearn_edu.simulation import History, mlp, simulate
from fedlearn_edu.simulation.history import client_stats
from fedlearn_edu.simulation.models import evaluate

pytestmark = pytest.mark.timeout(60)  # every test here; the longer ones say so themselves

DIGITS = load_digits(seed=0)
ENGINES = ("reference", "fast")


def difference(a: dict, b: dict) -> float:
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in a)


def run(algorithm, parts, engine="fast", rounds=3, **kw):
    settings = dict(rounds=rounds, C=0.5, E=2, B=16, lr=0.1, seed=3, engine=engine)
    return simulate(DIGITS, parts, algorithm, mlp((64, 16, 10), seed=1), **(settings | kw))


# --- FedProx -------------------------------------------------------------------------------------


@pytest.mark.timeout(120)
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("C", [1.0, 0.4])
def test_fedprox_with_mu_0_is_fedavg_exactly(engine, C):
    parts = dirichlet_partition(DIGITS.y_train, 10, alpha=0.5, seed=0)
    fedavg, fedprox = (run(a, parts, engine, C=C) for a in (FedAvg(), FedProx(mu=0)))
    assert all(torch.equal(fedavg.final_state[k], fedprox.final_state[k]) for k in fedavg.final_state)
    assert fedavg.client_loss == fedprox.client_loss and fedavg.values_up == fedprox.values_up
    assert difference(fedavg.final_state, run(FedProx(mu=0.5), parts, engine, C=C).final_state) > 1e-3


@pytest.mark.timeout(60)
def test_fedprox_sends_its_mu_and_pulls_towards_the_global_model():
    parts = iid_partition(DIGITS.y_train, 10, seed=0)
    start = mlp((64, 16, 10), seed=1).state_dict()
    moved = {
        mu: difference(run(FedProx(mu), parts, rounds=1, E=5).final_state, start) for mu in (0.0, 1.0, 10.0)
    }
    assert moved[0.0] > moved[1.0] > moved[10.0]  # a stronger pull: the clients move less
    messages = FedProx(0.25).configure(1, start, {}, [2, 5], TrainPlan(1, 10, 0.1))
    assert messages[2] is messages[5] and messages[2].plan.prox_mu == 0.25 and not messages[2].extras


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.9, 1.0])
def test_stragglers_are_the_same_clients_for_fedavg_and_fedprox(fraction):
    parts = dirichlet_partition(DIGITS.y_train, 20, alpha=0.5, seed=0)
    drop, keep = (
        run(a, parts, C=0.5) for a in (FedAvg(stragglers=fraction), FedProx(0.1, stragglers=fraction))
    )
    m = 10  # clients per round
    for r in range(3):
        late = drop.server_state.get("stragglers", [[]] * 3)[r] if fraction else []
        assert late == (keep.server_state["stragglers"][r] if fraction else [])
        assert len(late) == m - round((1 - fraction) * m)
        assert sorted(set(keep.sampled[r]) - set(drop.sampled[r])) == late  # FedAvg left them out
        assert set(drop.sampled[r]).isdisjoint(late)
    if fraction == 1.0:  # every client straggles: FedAvg never moves, FedProx still learns
        assert difference(drop.final_state, mlp((64, 16, 10), seed=1).state_dict()) == 0
        assert keep.final_accuracy > 0.3


class Spy(FedProx):
    """FedProx that records each round's replies' step counts."""

    def aggregate(self, round, weights, server_state, replies):
        server_state.setdefault("steps", []).append(dict(zip(replies.ids, replies.steps(), strict=True)))
        return super().aggregate(round, weights, server_state, replies)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("engine", ENGINES)
def test_a_straggler_takes_exactly_its_drawn_budget_and_the_others_all_their_steps(engine):
    parts = dirichlet_partition(DIGITS.y_train, 10, alpha=0.5, seed=0)
    h = run(Spy(0.1, stragglers=0.5), parts, engine, C=1.0, E=3, B=16)
    rng = np.random.default_rng([3, 2])  # the run's straggler stream: [seed, 2]
    for r in range(3):
        drawn = draw_stragglers(rng, list(range(10)), 0.5)
        assert sorted(drawn) == h.server_state["stragglers"][r]
        for k, steps in h.server_state["steps"][r].items():
            full = 3 * math.ceil(len(parts[k]) / 16)
            assert steps == (straggler_steps(drawn[k], len(parts[k]), 3, 16) if k in drawn else full)
            if k in drawn:
                assert 1 <= steps < max(full, 2)


def test_straggler_budget_is_uniform_over_1_to_total_minus_1():
    budgets = [straggler_steps(u, num_samples=50, epochs=2, batch_size=10) for u in np.arange(0, 1, 1 / 900)]
    counts = np.bincount(budgets)[1:]  # E * s = 2 * 5 = 10 steps: budgets 1..9, 100 each
    assert counts.tolist() == [100] * 9
    assert straggler_steps(0.99, num_samples=7, epochs=1, batch_size=None) == 1  # one step is all there is
    assert straggler_steps(0.5, num_samples=7, epochs=3, batch_size=None) == 2  # 1 + floor(0.5 * 2)


# --- SCAFFOLD ------------------------------------------------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("weighted", [True, False])
def test_scaffold_round_1_is_fedavgs_round_1(engine, weighted):
    parts = dirichlet_partition(DIGITS.y_train, 10, alpha=0.5, seed=0)
    kw = dict(rounds=1, C=0.5)
    scaffold = run(Scaffold(weighted=weighted), parts, engine, **kw)
    fedavg = run(FedAvg(weighted=weighted), parts, engine, **kw)
    assert difference(scaffold.final_state, fedavg.final_state) <= 1e-6
    two = [
        run(a, parts, engine, rounds=2, C=1.0)
        for a in (Scaffold(weighted=weighted), FedAvg(weighted=weighted))
    ]
    assert difference(two[0].final_state, two[1].final_state) > 1e-3  # round 2 is corrected


@pytest.mark.timeout(60)
def test_scaffold_sends_twice_the_values_of_fedavg():
    parts = iid_partition(DIGITS.y_train, 10, seed=0)
    scaffold, fedavg = (run(a, parts, C=0.5) for a in (Scaffold(), FedAvg()))
    n_params = 64 * 16 + 16 + 16 * 10 + 10
    assert fedavg.values_down == fedavg.values_up == [5 * n_params] * 3
    assert scaffold.values_down == scaffold.values_up == [2 * 5 * n_params] * 3


def test_scaffold_option_ii_by_hand():
    # x = [1, 2], c = [0.5, -0.5], client i has no c_i yet (zero), trains K = 2 steps of lr 0.1
    # and ends at y = [0, 2]:  c_i+ = c_i - c + (x - y) / (K lr) = -[0.5, -0.5] + [1, 0] / 0.2 = [4.5, 0.5]
    # its next correction c - c_i+ = [0.5 - 4.5, -0.5 - 0.5] = [-4, -1]
    algorithm = Scaffold()
    x, c = {"w": torch.tensor([1.0, 2.0])}, {"w": torch.tensor([0.5, -0.5])}
    message, state = Message(x, TrainPlan(1, None, 0.1), {"c": c}), {"num_samples": 3}
    assert algorithm.local_plan(0, message, state).grad_offset["w"].tolist() == [0.5, -0.5]
    reply = algorithm.client_reply(0, message, Reply({"w": torch.tensor([0.0, 2.0])}, 3, 0.1, 2), state)
    assert reply.extras["delta_c"]["w"].tolist() == pytest.approx([4.5, 0.5])
    assert state["c"].tolist() == pytest.approx([4.5, 0.5]) and reply.weights["w"].tolist() == [0.0, 2.0]
    assert algorithm.local_plan(0, message, state).grad_offset["w"].tolist() == pytest.approx([-4.0, -1.0])
    # the server: x <- mean of y (server_lr 1); c <- c + (1/N) sum of Δc_i, N = 4 clients
    server = {"c": c, "n_clients": 4}
    replies = Replies.from_list([0], [reply])
    new_x, server = algorithm.aggregate(1, x, server, replies)
    assert new_x["w"].tolist() == [0.0, 2.0]
    assert server["c"]["w"].tolist() == pytest.approx([0.5 + 4.5 / 4, -0.5 + 0.5 / 4])
    # server_lr 0.5: x + 0.5 (y - x) = [0.5, 2]
    assert Scaffold(server_lr=0.5).aggregate(1, x, dict(server), replies)[0]["w"].tolist() == [0.5, 2.0]


def test_scaffold_batched_hooks_equal_the_one_client_hooks():
    gen = torch.Generator().manual_seed(0)
    x = {"a": torch.randn(3, 2, generator=gen), "b": torch.randn(3, generator=gen)}
    c = {k: torch.randn(v.shape, generator=gen) for k, v in x.items()}
    message = Message(x, TrainPlan(1, 4, 0.05), {"c": c})
    clients = [1, 4, 6]
    states = {1: {}, 4: {"c": torch.randn(9, generator=gen).numpy()}, 6: {}}
    one = {k: dict(v) for k, v in states.items()}
    plans = Scaffold().local_plans(clients, dict.fromkeys(clients, message), states)
    for k in clients:
        alone = Scaffold().local_plan(k, message, one[k]).grad_offset
        assert difference(plans[k].grad_offset, alone) == 0
    ys = [Reply({n: v + 0.1 * (i + 1) for n, v in x.items()}, 5, 0.2, i + 2) for i in range(3)]
    batched = Scaffold().client_replies(
        clients, dict.fromkeys(clients, message), Replies(clients, ys), states
    )
    for i, k in enumerate(clients):
        alone = Scaffold().client_reply(k, message, ys[i], one[k])
        assert difference(batched[k].extras["delta_c"], alone.extras["delta_c"]) <= 1e-6
        np.testing.assert_allclose(states[k]["c"], one[k]["c"], atol=1e-6)
    assert Scaffold.as_weights(states[4]["c"], x)["a"].shape == (3, 2)


# --- server optimisers ---------------------------------------------------------------------------


def two_rounds(algorithm, second: float) -> tuple[float, float]:
    """x0 = 0. Round 1: clients send 1 (2 examples) and 4 (1 example): weighted mean 2, Δ1 = 2.
    Round 2: both send x1 + ``second``, so Δ2 = ``second``. Returns (x1, x2)."""
    x0 = {"w": torch.tensor([0.0])}
    state = algorithm.init(x0, seed=0, n_clients=2)

    def replies(a, b):
        return Replies.from_list([0, 1], [Reply({"w": torch.tensor([a])}, 2, 0.0, 1),
                                          Reply({"w": torch.tensor([b])}, 1, 0.0, 1)])  # fmt: skip

    x1, state = algorithm.aggregate(1, x0, state, replies(1.0, 4.0))
    x1 = float(x1["w"])
    x2, state = algorithm.aggregate(2, {"w": torch.tensor([x1])}, state, replies(x1 + second, x1 + second))
    return x1, float(x2["w"])


def test_server_optimisers_two_rounds_by_hand():
    # FedAvgM, server_lr 1, momentum 0.5: v1 = Δ1 = 2, x1 = 2; Δ2 = 1, v2 = 0.5 * 2 + 1 = 2, x2 = 4
    assert two_rounds(FedAvgM(server_lr=1.0, momentum=0.5), 1.0) == pytest.approx((2.0, 4.0))
    # server_lr 0.5: x1 = 0.5 * 2 = 1; v2 = 2, x2 = 1 + 0.5 * 2 = 2
    assert two_rounds(FedAvgM(server_lr=0.5, momentum=0.5), 1.0) == pytest.approx((1.0, 2.0))
    # momentum 0, server_lr 1 is FedAvg: x1 = 2, x2 = x1 + Δ2 = 3
    assert two_rounds(FedAvgM(server_lr=1.0, momentum=0.0), 1.0) == pytest.approx((2.0, 3.0))
    # FedAdam, eta 1, beta1 0.5, beta2 0.75, tau 1:
    # round 1: m = 0.5 * 2 = 1, v = 0.25 * 4 = 1, x1 = 0 + 1 / (1 + 1) = 0.5
    # round 2 (Δ2 = 1): m = 0.5 + 0.5 = 1, v = 0.75 + 0.25 = 1, x2 = 0.5 + 1 / 2 = 1
    adam = dict(server_lr=1.0, beta1=0.5, beta2=0.75, tau=1.0)
    assert two_rounds(FedAdam(**adam), 1.0) == pytest.approx((0.5, 1.0))
    # (Δ2 = 2): m = 0.5 + 1 = 1.5, v = 0.75 + 0.25 * 4 = 1.75, x2 = 0.5 + 1.5 / (sqrt(1.75) + 1) = 1.14575...
    assert two_rounds(FedAdam(**adam), 2.0) == pytest.approx((0.5, 1.1457513), abs=1e-6)
    # FedYogi, same settings: round 1 v = 0 - 0.25 * 4 * sign(0 - 4) = 1, x1 = 0.5 (as Adam)
    # (Δ2 = 2): v = 1 - 0.25 * 4 * sign(1 - 4) = 2, m = 1.5, x2 = 0.5 + 1.5 / (sqrt(2) + 1) = 1.1213...
    assert two_rounds(FedYogi(**adam), 2.0) == pytest.approx((0.5, 1.1213203), abs=1e-6)
    # (Δ2 = 0.5): v = 1 - 0.25 * 0.25 * sign(1 - 0.25) = 0.9375 (Adam: 0.8125), m = 0.75
    # x2 = 0.5 + 0.75 / (sqrt(0.9375) + 1) = 0.88105...
    assert two_rounds(FedYogi(**adam), 0.5) == pytest.approx((0.5, 0.8810500), abs=1e-6)
    # Flower's bias correction: eta_r = eta sqrt(1 - beta2^(r+1)) / (1 - beta1^(r+1))
    # round 1: sqrt(1 - 0.5625) / 0.75 = 0.8819171, x1 = 0.8819171 * 1 / 2 = 0.4409586
    x1, _ = two_rounds(FedAdam(**adam, bias_correction=True), 1.0)
    assert x1 == pytest.approx(0.4409586, abs=1e-6)


def test_server_optimisers_leave_an_empty_round_alone_and_run_in_a_simulation():
    x = {"w": torch.tensor([1.0])}
    for algorithm in (FedAvgM(), FedAdam(), FedYogi()):
        state = algorithm.init(x, seed=0, n_clients=1)
        assert algorithm.aggregate(1, x, state, Replies([], []))[0] is x
    parts = iid_partition(DIGITS.y_train, 10, seed=0)
    assert run(FedAdam(server_lr=0.01), parts, rounds=5).final_accuracy > 0.5


def _flower_run(strategy, rounds: list[list[tuple[float, int]]]) -> list[float]:
    """Flower's own ``aggregate_train`` on one scalar parameter, round after round."""
    from flwr.app import Array, ArrayRecord, MetricRecord, RecordDict
    from flwr.app import Message as FlowerMessage
    from flwr.supercore.task_identity import TaskIdentity

    def record(value: float) -> ArrayRecord:
        return ArrayRecord({"w": Array(np.array([value], dtype=np.float32))})

    saved = TaskIdentity._run_id, TaskIdentity._task_id, TaskIdentity._node_id
    TaskIdentity.run_id, TaskIdentity.task_id, TaskIdentity.node_id = 1, 1, 1  # what a ServerApp sets
    try:
        current, out = record(0.0), []
        for r, sends in enumerate(rounds, start=1):
            # what configure_train would remember: the arrays sent this round
            fedavgm = type(strategy).__name__ == "FedAvgM"
            strategy.current_arrays = current if fedavgm else {"w": current["w"].numpy()}
            replies = [
                FlowerMessage(
                    content=RecordDict(
                        {"arrays": record(value), "metrics": MetricRecord({"num-examples": n})}
                    ),
                    dst_node_id=0,
                    message_type="train",
                )
                for value, n in sends
            ]
            current, _ = strategy.aggregate_train(r, replies)
            out.append(float(current["w"].numpy()[0]))
        return out
    finally:
        TaskIdentity._run_id, TaskIdentity._task_id, TaskIdentity._node_id = saved


@pytest.mark.timeout(180)  # importing Flower takes a while
def test_server_optimisers_equal_flowers():
    pytest.importorskip("flwr")
    sends = [[(1.0, 2), (4.0, 1)], [(2.5, 3), (0.5, 1)], [(1.0, 1), (3.0, 1)]]
    ours = {}
    for name, algorithm in {
        "FedAvgM": FedAvgM(server_lr=0.7, momentum=0.9),
        "FedAdam": FedAdam(server_lr=0.1, beta1=0.9, beta2=0.99, tau=1e-3, bias_correction=True),
        "FedYogi": FedYogi(server_lr=0.1, beta1=0.9, beta2=0.99, tau=1e-3),
    }.items():
        x = {"w": torch.tensor([0.0])}
        state, values = algorithm.init(x, seed=0, n_clients=2), []
        for r, round_sends in enumerate(sends, start=1):
            replies = Replies.from_list(
                [0, 1], [Reply({"w": torch.tensor([v])}, n, 0.0, 1) for v, n in round_sends]
            )
            x, state = algorithm.aggregate(r, x, state, replies)
            values.append(float(x["w"]))
        ours[name] = values
    from flwr.serverapp.strategy import FedAdam as FlowerAdam
    from flwr.serverapp.strategy import FedAvgM as FlowerAvgM
    from flwr.serverapp.strategy import FedYogi as FlowerYogi

    kw = dict(eta=0.1, beta_1=0.9, beta_2=0.99, tau=1e-3)
    flower = {
        "FedAvgM": _flower_run(FlowerAvgM(server_learning_rate=0.7, server_momentum=0.9), sends),
        "FedAdam": _flower_run(FlowerAdam(**kw), sends),
        "FedYogi": _flower_run(FlowerYogi(**kw), sends),
    }
    for name in ours:
        assert ours[name] == pytest.approx(flower[name], abs=1e-5), name


# --- per-client evaluation -----------------------------------------------------------------------


def test_split_clients_holds_out_a_seeded_share_of_each_client():
    parts = dirichlet_partition(DIGITS.y_train, 12, alpha=0.3, seed=0)
    train, held = split_clients(parts, 0.25, seed=1)
    for p, t, h in zip(parts, train, held, strict=True):
        assert sorted([*t, *h]) == sorted(p.tolist()) and not set(t) & set(h)
        assert len(h) == min(round(0.25 * len(p)), max(len(p) - 1, 0)) and (len(t) >= 1 or len(p) == 0)
    # a client of one example keeps it to train on, even when round(f * n) would take it
    assert [h.tolist() for h in split_clients([[5], [1, 2]], 0.7, seed=0)[1]] == [[], [1]]
    again = split_clients(parts, 0.25, seed=1)[1]
    assert all(np.array_equal(a, b) for a, b in zip(held, again, strict=True))
    assert any(
        not np.array_equal(a, b) for a, b in zip(held, split_clients(parts, 0.25, seed=2)[1], strict=True)
    )


@pytest.mark.timeout(120)
def test_per_client_evaluation_is_the_same_in_both_engines_and_a_direct_computation():
    parts = dirichlet_partition(DIGITS.y_train, 10, alpha=0.3, seed=0)
    train, held = split_clients(parts, 0.3, seed=0)
    runs = {e: run(Scaffold(), train, e, rounds=5, C=0.6, client_test=held, eval_every=2) for e in ENGINES}
    ref, fast = runs["reference"], runs["fast"]
    assert ref.client_rounds == fast.client_rounds == [2, 4, 5]
    for a, b in zip(
        ref.client_accuracy + ref.client_test_loss, fast.client_accuracy + fast.client_test_loss, strict=True
    ):
        np.testing.assert_allclose(a, b, atol=1e-6)
    model = mlp((64, 16, 10), seed=1)
    for k, rows in enumerate(held):  # each client's own held-out data, scored one by one
        accuracy, loss = evaluate(
            model, fast.final_state, DIGITS.x_train[rows], DIGITS.y_train[rows], "cross_entropy"
        )
        assert fast.client_accuracy[-1][k] == pytest.approx(accuracy) and fast.client_test_loss[-1][
            k
        ] == pytest.approx(loss, rel=1e-5)
    assert fast.config["eval_every"] == 2
    # by default only the last round is scored; a run without client_test has none
    assert run(FedAvg(), train, rounds=3, client_test=held).client_rounds == [3]
    assert run(FedAvg(), parts, rounds=3).client_rounds == []


@pytest.mark.timeout(60)
def test_per_client_evaluation_when_a_run_stops_early_and_for_an_empty_client():
    parts = iid_partition(DIGITS.y_train, 9, seed=0)
    parts = [np.zeros(0, dtype=np.int64), *parts]
    train, held = split_clients(parts, 0.2, seed=0)
    h = run(FedAvg(), train, rounds=30, C=1.0, client_test=held, stop_at=0.5)
    assert h.rounds < 30 and h.client_rounds == [h.rounds]
    assert math.isnan(h.client_accuracy[-1][0]) and h.client_stats()["n_clients"] == 9


def test_client_stats_by_hand():
    # 11 clients: ceil(11 / 10) = 2 worst are 0.3 and 0.6, mean 0.45; percentiles 75 and 25 of the
    # sorted [0.3, 0.6, 0.7, 0.75, 0.8, 0.8, 0.85, 0.9, 0.9, 0.95, 1.0]: 0.9 and 0.725 -> IQR 0.175
    values = [0.9, 0.8, 1.0, 0.3, 0.95, 0.85, 0.9, 0.7, 0.75, 0.8, 0.6]
    stats = client_stats(values)
    assert stats["worst10"] == pytest.approx(0.45) and stats["iqr"] == pytest.approx(0.175)
    assert stats["mean"] == pytest.approx(np.mean(values)) and stats["std"] == pytest.approx(np.std(values))
    assert (stats["min"], stats["max"], stats["n_clients"]) == (0.3, 1.0, 11)
    # losses: higher is worse, so the worst 10 % are the largest
    assert client_stats([0.1, 0.2, 3.0], higher_is_better=False)["worst10"] == 3.0
    h = History({}, client_rounds=[2, 4], client_accuracy=[np.array([0.5, 1.0]), np.array([0.2, np.nan])],
                client_test_loss=[np.array([1.0, 0.1]), np.array([2.0, np.nan])])  # fmt: skip
    assert h.client_stats()["mean"] == 0.2 and h.client_stats(2)["worst10"] == 0.5
    assert h.client_stats(2, "loss")["worst10"] == 1.0


@pytest.mark.timeout(60)
def test_scaffold_and_server_optimisers_keep_a_float64_model_in_float64_and_the_engines_agree():
    parts = dirichlet_partition(DIGITS.y_train, 6, alpha=0.5, seed=0)
    for algorithm in (Scaffold, FedAdam):
        runs = [
            simulate(
                DIGITS,
                parts,
                algorithm(),
                mlp((64, 16, 10), seed=1).double(),
                rounds=3,
                C=0.5,
                seed=0,
                engine=e,
            )
            for e in ENGINES
        ]
        assert runs[0].final_state["0.weight"].dtype == torch.float64
        assert difference(runs[0].final_state, runs[1].final_state) <= 1e-9

"""Both engines compute the same thing for every algorithm, and the interface carries what lesson 05 needs.

- every algorithm (lesson 05's FedProx with and without stragglers, FedAvg dropping stragglers,
  SCAFFOLD, FedAvgM, FedAdam, FedYogi included) x {IID, Dirichlet, one empty client} x
  {C = 1, C < 1}: the same global weights (1e-5), the same sampled clients, losses and
  communication counts;
- the fast engine's batched trainer ends where :func:`fedlearn_edu.training.local_train` ends,
  with a step budget and correction terms (FedProx's mu, SCAFFOLD's offset) too;
- a throwaway FedAvgM (server momentum) and a SCAFFOLD-shaped algorithm (per-client state, extras
  counted as communication) drop in without any engine change.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

from fedlearn_edu import algorithms as lesson05
from fedlearn_edu.algorithms import (
    Algorithm,
    DPFedAvg,
    FedAvg,
    Krum,
    Median,
    Message,
    MultiKrum,
    NormClipping,
    Replies,
    Reply,
    TrainPlan,
    TrimmedMean,
)
from fedlearn_edu.attacks import Malicious, sign_flip
from fedlearn_edu.data import dirichlet_partition, iid_partition, load_digits
from fedlearn_edu.simulation import mlp, simulate
from fedlearn_edu.simulation.fast import FastEngine
from fedlearn_edu.training import local_train, proximal_and_offset

DIGITS = load_digits(seed=0)
K = 10


def difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in a)


class FedAvgM(Algorithm):
    """Throwaway FedAvgM (Hsu et al. 2019): server momentum on the pseudo-gradient w - mean."""

    name = "fedavgm"

    def __init__(self, beta: float = 0.9, server_lr: float = 1.0):
        self.beta, self.server_lr = beta, server_lr

    def init(self, weights, *, seed, n_clients):
        return {"momentum": {k: torch.zeros_like(v) for k, v in weights.items()}}

    def aggregate(self, round, weights, server_state, replies):
        if not replies:
            return weights, server_state
        mean, _ = FedAvg().aggregate(round, weights, {}, replies)
        m = {k: self.beta * server_state["momentum"][k] + (weights[k] - mean[k]) for k in weights}
        return {k: weights[k] - self.server_lr * m[k] for k in weights}, {"momentum": m}


class StragglersWithCorrection(Algorithm):
    """SCAFFOLD/FedProx-shaped toy: per-client state, a proximal term, an offset, a step budget for
    odd clients, and extras both ways (which must be counted as communication)."""

    name = "stragglers"

    def configure(self, round, weights, server_state, clients, plan):
        control = {k: torch.full_like(v, 0.01) for k, v in weights.items()}
        return {k: Message(weights, plan.with_(prox_mu=0.1), {"c": control}) for k in clients}

    def local_plan(self, client, message, client_state):
        c_i = client_state.get("c_i") or {k: torch.zeros_like(v) for k, v in message.weights.items()}
        offset = {k: message.extras["c"][k] - c_i[k] for k in c_i}
        return message.plan.with_(grad_offset=offset, max_steps=2 if client % 2 else None)

    def client_reply(self, client, message, reply, client_state):
        delta = {k: reply.weights[k] - message.weights[k] for k in reply.weights}
        client_state["c_i"] = {k: 0.5 * d for k, d in delta.items()}  # state kept between rounds
        return Reply(reply.weights, reply.num_samples, reply.loss, reply.steps, {"delta_c": delta})

    def aggregate(self, round, weights, server_state, replies):
        return FedAvg().aggregate(round, weights, server_state, replies)


ALGORITHMS = {
    "fedavg": lambda: FedAvg(),
    "plain-mean": lambda: FedAvg(weighted=False),
    "median": lambda: Median(),
    "trimmed-mean": lambda: TrimmedMean(1),
    "krum": lambda: Krum(1),
    "multi-krum": lambda: MultiKrum(1, 3),
    "norm-clipping": lambda: NormClipping(0.5),
    "dp-fedavg": lambda: DPFedAvg(clip_norm=0.5, noise_multiplier=0.3, sample_rate=0.8),
    "sign-flip-attack": lambda: Malicious(Median(), attackers=[0, 4], forge=sign_flip, scale=3.0),
    "fedavgm": lambda: FedAvgM(beta=0.9),
    "stragglers": lambda: StragglersWithCorrection(),
    # lesson 05
    "fedprox": lambda: lesson05.FedProx(mu=0.5),
    "fedprox-stragglers": lambda: lesson05.FedProx(mu=0.1, stragglers=0.5),
    "fedavg-drop-stragglers": lambda: lesson05.FedAvg(stragglers=0.5),
    "scaffold": lambda: lesson05.Scaffold(),
    "scaffold-plain-mean-lr": lambda: lesson05.Scaffold(server_lr=0.5, weighted=False),
    "lesson05-fedavgm": lambda: lesson05.FedAvgM(server_lr=1.0, momentum=0.9),
    "fedadam": lambda: lesson05.FedAdam(server_lr=0.01, bias_correction=True),
    "fedyogi": lambda: lesson05.FedYogi(server_lr=0.01),
}


def split(name: str) -> list[np.ndarray]:
    y = DIGITS.y_train
    if name == "iid":
        return iid_partition(y, K, seed=0)
    if name == "dirichlet":
        return dirichlet_partition(y, K, alpha=0.5, seed=0)
    parts = iid_partition(y, K - 1, seed=0)  # "empty": client 0 holds nothing
    return [np.zeros(0, dtype=np.int64), *parts]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("C", [1.0, 0.6], ids=["C=1", "C=0.6"])
@pytest.mark.parametrize("partition", ["iid", "dirichlet", "empty"])
@pytest.mark.parametrize("name", list(ALGORITHMS))
def test_both_engines_give_the_same_run(name, partition, C):
    parts = split(partition)
    runs = {
        engine: simulate(
            DIGITS,
            parts,
            ALGORITHMS[name](),
            mlp((64, 16, 10), seed=1),
            rounds=3,
            C=C,
            E=1,
            B=16,
            lr=0.1,
            seed=4,
            engine=engine,
        )
        for engine in ("reference", "fast")
    }
    ref, fast = runs["reference"], runs["fast"]
    assert difference(ref.final_state, fast.final_state) <= 1e-5
    assert difference(ref.final_state, mlp((64, 16, 10), seed=1).state_dict()) > 1e-3  # it did move
    assert all(np.array_equal(a, b) for a, b in zip(ref.sampled, fast.sampled, strict=True))
    assert ref.values_up == fast.values_up and ref.values_down == fast.values_down
    for a, b in zip(ref.client_loss, fast.client_loss, strict=True):
        assert a.keys() == b.keys()
        np.testing.assert_allclose(list(a.values()), list(b.values()), rtol=1e-4)
    if partition == "empty" and C == 1.0 and name not in ("dp-fedavg", "fedavg-drop-stragglers"):
        assert all(math.isnan(losses[0]) for losses in fast.client_loss)  # sampled, sent nothing


def test_an_empty_client_is_not_averaged_by_robust_rules():
    # the old fast engine averaged an empty client's untouched copy under non-FedAvg rules (1.2e-2 off)
    parts = split("empty")
    ref, fast = (
        simulate(DIGITS, parts, Median(), rounds=3, C=1.0, seed=0, engine=e) for e in ("reference", "fast")
    )
    assert difference(ref.final_state, fast.final_state) <= 1e-5
    n_params = sum(v.numel() for v in ref.final_state.values())
    assert fast.values_up == [(K - 1) * n_params] * 3  # the empty client sends nothing


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("epochs", "batch", "lr", "mu", "offset", "budget"),
    [(1, 10, 0.1, 0.0, False, None), (3, 7, 0.05, 0.0, False, None), (2, None, 0.3, 0.0, False, None),
     (2, 5, 0.1, 0.5, False, None), (2, 5, 0.1, 0.0, True, None), (3, 4, 0.1, 0.2, True, 5)],
)  # fmt: skip
def test_fast_batched_trainer_is_local_train(epochs, batch, lr, mu, offset, budget):
    parts = dirichlet_partition(DIGITS.y_train, 6, alpha=0.3, seed=2)
    parts = [p[:40] for p in parts]  # different sizes, small
    model = mlp((64, 16, 10), seed=3)
    start = {k: v.detach().clone() for k, v in model.state_dict().items()}
    rng = np.random.default_rng(0)
    offsets = {k: torch.from_numpy(rng.normal(0, 0.05, v.shape).astype(np.float32)) for k, v in start.items()}
    plan = TrainPlan(epochs, batch, lr, max_steps=budget, prox_mu=mu, grad_offset=offsets if offset else None)
    clients = [k for k, p in enumerate(parts) if len(p)]
    seeds = [11 * k + 5 for k in range(len(parts))]
    messages = dict.fromkeys(clients, Message(start, plan))
    replies = FastEngine(DIGITS, parts, model, "cross_entropy").train(
        1, clients, messages, dict.fromkeys(clients, plan), seeds
    )
    for k in clients:
        local = copy.deepcopy(model)
        x, y = torch.from_numpy(DIGITS.x_train[parts[k]]), torch.from_numpy(DIGITS.y_train[parts[k]])
        correction = proximal_and_offset(mu, start, offsets if offset else None) if (mu or offset) else None
        result = local_train(local, x, y, lr=lr, epochs=epochs, batch_size=batch, loss="cross_entropy",
                             seed=seeds[k], max_steps=budget, correction=correction)  # fmt: skip
        assert difference(replies[k].weights, local.state_dict()) <= 1e-5
        assert replies[k].steps == result.steps
        assert replies[k].loss == pytest.approx(result.loss, rel=1e-5)


def test_fedavgm_carries_server_state_between_rounds():
    w0 = {"w": torch.tensor([1.0])}

    def replies(value):
        return Replies.from_list([0], [Reply({"w": torch.tensor([value])}, 1, 0.0, 1)])

    algorithm = FedAvgM(beta=0.5)
    state = algorithm.init(w0, seed=0, n_clients=1)
    w1, state = algorithm.aggregate(1, w0, state, replies(0.0))  # d1 = 1 - 0 = 1; m = 1; w = 0
    assert w1["w"].item() == pytest.approx(0.0)
    w2, state = algorithm.aggregate(2, w1, state, replies(-1.0))  # d2 = 1; m = 0.5 * 1 + 1; w = -1.5
    assert w2["w"].item() == pytest.approx(-1.5) and state["momentum"]["w"].item() == pytest.approx(1.5)
    # in a run: beta = 0 is FedAvg exactly; beta > 0 is not, and the engines still agree
    parts = split("iid")
    plain = simulate(DIGITS, parts, FedAvg(), rounds=3, C=0.5, seed=0)
    zero = simulate(DIGITS, parts, FedAvgM(beta=0.0), rounds=3, C=0.5, seed=0)
    heavy = simulate(DIGITS, parts, FedAvgM(beta=0.9), rounds=3, C=0.5, seed=0)
    assert difference(plain.final_state, zero.final_state) <= 1e-6
    assert difference(plain.final_state, heavy.final_state) > 1e-3
    assert heavy.config["algorithm"] == "fedavgm" and "momentum" in heavy.server_state


def test_extras_are_counted_as_communication():
    parts = split("iid")
    h = simulate(
        DIGITS, parts, StragglersWithCorrection(), mlp((64, 16, 10), seed=1), rounds=2, C=0.5, seed=0
    )
    n_params = 64 * 16 + 16 + 16 * 10 + 10
    m = 5  # clients per round
    assert h.values_down == [m * 2 * n_params] * 2  # weights + the server's control variate
    assert h.values_up == [m * 2 * n_params] * 2  # weights + the client's control-variate update

"""DP-FedAvg's server step: clipping bounds each client, the noise has the promised size."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fedlearn_edu.aggregate import federated_mean
from fedlearn_edu.privacy.dp import add_gaussian_noise, dp_fedavg_step, poisson_sample


def test_without_noise_and_clipping_it_is_fedavg_of_the_updates():
    rng = np.random.default_rng(0)
    w = rng.normal(size=5)
    clients = [w + 0.01 * rng.normal(size=5) for _ in range(4)]
    out = dp_fedavg_step(w, clients, clip_norm=10.0, noise_multiplier=0.0, expected_clients=4)
    np.testing.assert_allclose(out, federated_mean(clients))


def test_fixed_denominator_scales_by_how_many_came():
    out = dp_fedavg_step([0.0], [[1.0], [1.0]], clip_norm=5.0, noise_multiplier=0.0, expected_clients=4)
    assert out == [0.5]  # 2 clients came where 4 were expected


def test_one_client_moves_the_model_by_at_most_c_over_qn():
    w = np.zeros(3)
    honest = [np.full(3, 0.01)] * 4
    liar = [np.full(3, 1e6)]
    out = dp_fedavg_step(w, honest + liar, clip_norm=1.0, noise_multiplier=0.0, expected_clients=5)
    without = dp_fedavg_step(w, honest, clip_norm=1.0, noise_multiplier=0.0, expected_clients=5)
    assert np.linalg.norm(out - without) == pytest.approx(1.0 / 5)


def test_noise_has_standard_deviation_sigma_c_over_qn():
    w = np.zeros(20000)
    out = dp_fedavg_step(w, [], clip_norm=2.0, noise_multiplier=1.5, expected_clients=10, seed=0)
    assert np.std(out) == pytest.approx(1.5 * 2.0 / 10, rel=0.02)
    assert abs(np.mean(out)) < 0.01


def test_seeded_and_kinds_preserved():
    w = {"w": torch.zeros(2, 2), "b": torch.zeros(2)}
    clients = [{"w": torch.ones(2, 2), "b": torch.ones(2)}] * 3
    a = dp_fedavg_step(w, clients, 1.0, 1.0, 3, seed=7)
    b = dp_fedavg_step(w, clients, 1.0, 1.0, 3, seed=7)
    c = dp_fedavg_step(w, clients, 1.0, 1.0, 3, seed=8)
    assert a["w"].dtype == torch.float32 and list(a) == ["w", "b"]
    assert torch.equal(a["w"], b["w"]) and not torch.equal(a["w"], c["w"])
    assert float(clients[0]["w"][0, 0]) == 1.0


def test_poisson_sampling_rate():
    counts = [len(poisson_sample(100, 0.2, seed=s)) for s in range(200)]
    assert np.mean(counts) == pytest.approx(20, rel=0.05)
    assert poisson_sample(5, 0.0, seed=1) == [] and poisson_sample(5, 1.0, seed=1) == [0, 1, 2, 3, 4]


def test_add_gaussian_noise():
    noisy = add_gaussian_noise(np.zeros(10000), std=0.5, seed=3)
    assert np.std(noisy) == pytest.approx(0.5, rel=0.03)
    with pytest.raises(ValueError, match="std must be a finite number >= 0"):
        add_gaussian_noise([1.0], std=-1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"clip_norm": 0.0}, "clip_norm (C) must be a finite number > 0"),
        ({"noise_multiplier": -0.5}, "noise_multiplier (sigma) must be a finite number >= 0"),
        ({"expected_clients": 0}, "expected_clients (q N) must be a finite number > 0"),
    ],
)
def test_errors(kwargs, message):
    args = {"clip_norm": 1.0, "noise_multiplier": 1.0, "expected_clients": 2} | kwargs
    with pytest.raises(ValueError) as info:
        dp_fedavg_step([0.0], [[1.0]], **args)
    assert message in str(info.value)


def test_bad_client_models_get_the_aggregate_errors():
    with pytest.raises(ValueError, match="client 1, parameter 'w': shape"):
        dp_fedavg_step({"w": [0.0]}, [{"w": [1.0]}, {"w": [1.0, 2.0]}], 1.0, 1.0, 2)

"""Lesson 05's drift lab, the Synthetic(alpha, beta) federation and the per-client accuracy plot."""

import numpy as np
import pytest
import torch

from fedlearn_edu import drift
from fedlearn_edu.data import synthetic
from fedlearn_edu.plots.drift import (
    plot_client_accuracy,
    plot_drift_paths,
    plot_fixed_points,
)
from fedlearn_edu.training import local_train

LAB = drift.drift_lab()
OPTIMUM = drift.global_optimum(LAB)


def _gap(point):
    return float(np.linalg.norm(point - OPTIMUM))


def test_the_global_optimum_minimises_the_federations_objective():
    gradient = sum(p * LAB.gradient(k, OPTIMUM) for k, p in enumerate(LAB.weights))
    assert np.abs(gradient).max() < 1e-12
    # and the clients' own optima are far from it and from each other: they conflict
    assert min(_gap(LAB.optimum(k)) for k in range(3)) > 0.5


@pytest.mark.parametrize("E", [2, 4, 8, 16])
def test_scaffold_reaches_the_optimum_where_fedavg_does_not(E):
    scaffold = drift.run(LAB, "scaffold", E=E, rounds=300)[-1]
    fedavg = drift.run(LAB, "fedavg", E=E, rounds=3000)[-1]
    assert _gap(scaffold) < 1e-3
    # FedAvg has settled (it no longer moves) ... somewhere else: objective inconsistency
    assert _gap(fedavg) > {2: 0.02, 4: 0.07, 8: 0.15, 16: 0.25}[E], _gap(fedavg)
    assert np.linalg.norm(fedavg - drift.fedavg_fixed_point(LAB, E, 0.1)) < 1e-9


def test_fedavg_with_one_local_step_is_gradient_descent_and_reaches_the_optimum():
    assert _gap(drift.run(LAB, "fedavg", E=1, rounds=3000)[-1]) < 1e-9
    assert _gap(drift.fedavg_fixed_point(LAB, 1, 0.1)) < 1e-12


def test_the_fixed_point_moves_away_as_E_grows():
    gaps = [_gap(drift.fedavg_fixed_point(LAB, E, 0.1)) for E in (1, 2, 4, 8, 16, 32)]
    assert gaps == sorted(gaps) and gaps[-1] > 0.4


def test_fedprox_settles_nearer_the_optimum_than_fedavg_for_many_local_steps():
    for E in (8, 16, 32):
        prox = drift.run(LAB, "fedprox", E=E, rounds=3000, mu=1.0)[-1]
        assert np.linalg.norm(prox - drift.fedavg_fixed_point(LAB, E, 0.1, mu=1.0)) < 1e-9
        assert _gap(prox) < 0.95 * _gap(drift.fedavg_fixed_point(LAB, E, 0.1))
    # mu = 0 is FedAvg exactly
    same = drift.run(LAB, "fedprox", E=4, rounds=50, mu=0.0), drift.run(LAB, "fedavg", E=4, rounds=50)
    assert np.array_equal(*same)


def test_a_drift_lab_round_is_what_local_train_does_with_a_linear_model():
    w = np.array([2.0, -2.0])
    for k in range(3):
        model = torch.nn.Linear(2, 1, bias=False).double()
        with torch.no_grad():
            model.weight.copy_(torch.tensor(w)[None])
        x, y = torch.tensor(LAB.xs[k]), torch.tensor(LAB.ys[k])[:, None]
        local_train(model, x, y, lr=0.1, epochs=5, batch_size=None, loss="sum_squares")
        ours = drift.local_steps(LAB, k, w, E=5, lr=0.1)
        assert np.allclose(model.weight.detach().numpy()[0], ours, atol=1e-12)


def test_run_returns_client_end_points():
    path, ends = drift.run(LAB, "fedavg", E=3, rounds=4, clients=True)
    assert path.shape == (5, 2) and ends.shape == (4, 3, 2)
    assert np.allclose(path[1:], np.einsum("k,rkd->rd", LAB.weights, ends))


def test_synthetic_is_seeded_and_shaped_like_the_paper():
    data, train, test = synthetic(1, 1, seed=0)
    again, _, _ = synthetic(1, 1, seed=0)
    other, _, _ = synthetic(1, 1, seed=1)
    assert np.array_equal(data.x_train, again.x_train) and not np.array_equal(data.x_train, other.x_train)
    assert data.x_train.shape[1] == 60 and data.n_classes == 10 and len(train) == len(test) == 30
    sizes = np.array([len(a) + len(b) for a, b in zip(train, test)])
    assert sizes.min() >= 50 and sizes.max() > 5 * np.median(sizes)  # power-law sizes
    assert sorted(np.concatenate(train).tolist()) == list(range(len(data.x_train)))
    assert sorted(np.concatenate(test).tolist()) == list(range(len(data.x_test)))
    _, train_capped, test_capped = synthetic(1, 1, max_size=100, seed=0)
    assert max(len(a) + len(b) for a, b in zip(train_capped, test_capped)) <= 100


def test_synthetic_alpha_and_beta_make_the_devices_differ():
    def spread_of_device_means(alpha, beta):
        data, train, _ = synthetic(alpha, beta, seed=0)
        return np.std([data.x_train[p].mean() for p in train])

    assert spread_of_device_means(0, 0) < 0.5 * spread_of_device_means(0, 3)


def test_client_accuracy_histogram_states_mean_and_worst_tenth():
    ax = plot_client_accuracy([0.2] + [1.0] * 19 + [np.nan], global_accuracy=0.97)  # nan: no held-out data
    assert "97%" in ax.get_title() and "60%" in ax.get_title()
    assert sum(p.get_height() for p in ax.patches) == 20


def test_drift_plots_draw_every_path():
    paths = {
        name: drift.run(LAB, name.lower(), E=4, rounds=10, mu=1.0)
        for name in ("FedAvg", "FedProx", "SCAFFOLD")
    }
    ax = plot_drift_paths(LAB, paths)
    labels = [line.get_label() for line in ax.get_lines()]
    assert {"FedAvg", "FedProx", "SCAFFOLD", "pooled optimum w*"} <= set(labels)
    ax = plot_fixed_points(LAB, {E: drift.fedavg_fixed_point(LAB, E, 0.1) for E in (1, 2, 4)})
    assert [t.get_text() for t in ax.texts] == ["E=1", "E=2", "E=4"]

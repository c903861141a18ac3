"""``simulate_many`` runs a sweep together and changes nothing but the speed.

- every run's History is the one ``simulate`` gives it alone, bit for bit: the same test accuracies,
  losses, sampled clients, communication counts and final weights -- for a mixed sweep (six
  algorithms, stragglers, three data sets (two of them in one batch) with different models, another batch size and epoch count,
  runs of different lengths, ``stop_at``, ``client_test``, an empty client, the reference engine);
- compatible runs really train together: one batched training call per round, not one per run;
- the keys come back as given, and an empty sweep is an empty dict.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from fedlearn_edu.algorithms import FedAvg, FedAvgM, FedProx, Median, Scaffold
from fedlearn_edu.data import dirichlet_partition, iid_partition, load_digits, split_clients, synthetic
from fedlearn_edu.simulation import fast, mlp, simulate, simulate_many

DIGITS = load_digits(seed=0)


def _runs() -> dict:
    iid = iid_partition(DIGITS.y_train, 12, seed=1)
    skew = dirichlet_partition(DIGITS.y_train, 12, alpha=0.1, seed=2)
    empty = [np.array([], dtype=np.int64), *iid[1:]]
    empty[1] = np.concatenate([iid[0], iid[1]])
    train, held = split_clients(iid, 0.2, seed=0)
    synth, synth_parts, _ = synthetic(1, 1, max_size=60, seed=0)
    other, other_parts, _ = synthetic(
        1, 1, max_size=60, seed=1
    )  # another data set, trained in the same batch
    common = dict(data=DIGITS, rounds=4, C=0.34, E=2, B=10, lr=0.05)
    synthetic_settings = dict(rounds=3, C=0.2, E=1, B=10, lr=0.01)
    return {
        "fedavg": dict(common, partitions=iid, seed=0),
        "fedprox": dict(common, partitions=skew, algorithm=FedProx(mu=0.1), seed=1),
        "fedprox-stragglers": dict(common, partitions=skew, algorithm=FedProx(1.0, stragglers=0.9), seed=2),
        "drop-stragglers": dict(common, partitions=skew, algorithm=FedAvg(stragglers=0.5), seed=2),
        "scaffold": dict(common, partitions=skew, algorithm=Scaffold(), seed=3),
        "fedavgm": dict(common, partitions=iid, algorithm=FedAvgM(momentum=0.9), seed=4),
        "median": dict(common, partitions=iid, algorithm=Median(), seed=5),
        "empty-client": dict(common, partitions=empty, C=1.0, seed=6),
        "B=4, E=1": dict(common, partitions=skew, B=4, E=1, seed=7),
        "longer": dict(common, partitions=iid, rounds=6, seed=8),
        "stops early": dict(common, partitions=iid, rounds=6, stop_at=0.5, seed=9),
        "client_test": dict(common, partitions=train, client_test=held, eval_every=2, seed=10),
        "synthetic": dict(
            synthetic_settings, data=synth, partitions=synth_parts, model=mlp((60, 10), seed=0), seed=0
        ),
        "synthetic, other data": dict(
            synthetic_settings, data=other, partitions=other_parts, model=mlp((60, 10), seed=1), seed=1
        ),
        "reference": dict(common, partitions=iid, engine="reference", seed=11),
    }


def _same(a, b) -> None:
    assert a.config == b.config
    assert a.test_accuracy == b.test_accuracy and a.test_loss == b.test_loss
    assert [s.tolist() for s in a.sampled] == [s.tolist() for s in b.sampled]
    assert a.values_up == b.values_up and a.values_down == b.values_down
    for x, y in zip(a.client_loss, b.client_loss, strict=True):
        assert x.keys() == y.keys()
        assert all(x[k] == y[k] or (math.isnan(x[k]) and math.isnan(y[k])) for k in x)
    assert a.client_rounds == b.client_rounds
    assert [np.asarray(v).tolist() for v in a.client_accuracy] == [
        np.asarray(v).tolist() for v in b.client_accuracy
    ]
    assert a.final_state.keys() == b.final_state.keys()
    for name in a.final_state:
        assert torch.equal(a.final_state[name], b.final_state[name]), name


def test_a_sweep_gives_each_run_exactly_what_simulate_gives_it():
    runs = _runs()
    together = simulate_many(runs)
    assert list(together) == list(runs)
    assert len(together["stops early"].test_accuracy) < 7  # it did stop early
    for key, arguments in runs.items():
        _same(together[key], simulate(**arguments))


def test_compatible_runs_train_as_one_batch(monkeypatch):
    calls = []
    original = fast._train_stacked

    def counting(weights, *args, **kwargs):
        calls.append(len(weights[0]))
        return original(weights, *args, **kwargs)

    monkeypatch.setattr(fast, "_train_stacked", counting)
    parts = iid_partition(DIGITS.y_train, 10, seed=0)
    runs = {(name, seed): dict(data=DIGITS, partitions=parts, algorithm=make(), rounds=3, C=0.3, seed=seed)
            for name, make in (("fedavg", FedAvg), ("fedavgm", FedAvgM), ("scaffold", Scaffold))
            for seed in range(4)}  # fmt: skip
    simulate_many(runs)
    assert calls == [12 * 3] * 3  # each round: the 3 clients of all 12 runs in one call


def test_an_empty_sweep_is_an_empty_dict():
    assert simulate_many({}) == {}


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_one_run_is_simulate(engine):
    parts = iid_partition(DIGITS.y_train, 6, seed=0)
    arguments = dict(data=DIGITS, partitions=parts, rounds=2, C=0.5, seed=3, engine=engine)
    _same(simulate_many({"only": arguments})["only"], simulate(**arguments))

"""Attacks: the poisoning helpers do what they say, and each attack breaks FedAvg but not every defence."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest
import torch

from fedlearn_edu import attacks
from fedlearn_edu.aggregate import coordinate_median, norm_clipped_mean
from fedlearn_edu.attacks import (
    TRIGGER_PIXELS,
    Malicious,
    add_trigger,
    attack_table,
    choose_attackers,
    defences,
    flip_labels,
    poison,
    run_attack,
    sign_flip,
    trigger_values,
)
from fedlearn_edu.data import iid_partition, load_digits

DIGITS = load_digits(seed=0)
PARTS = iid_partition(DIGITS.y_train, 20, seed=0)


def test_flip_labels():
    assert flip_labels(np.array([0, 1, 9]), 10).tolist() == [9, 8, 0]
    assert flip_labels(np.array([0, 1]), 2).tolist() == [1, 0]


def test_trigger_is_a_bright_corner_and_copies():
    images = np.zeros((3, 64), dtype=np.float32)
    stamped = add_trigger(images, np.array([5.0, 6.0, 7.0, 8.0]))
    assert stamped.dtype == np.float32 and (images == 0).all()
    assert stamped[:, TRIGGER_PIXELS].tolist() == [[5.0, 6.0, 7.0, 8.0]] * 3
    assert (np.delete(stamped, TRIGGER_PIXELS, axis=1) == 0).all()
    assert (trigger_values(DIGITS.x_train) >= DIGITS.x_train[:, TRIGGER_PIXELS]).all()


def test_choose_attackers():
    assert len(choose_attackers(20, 0.2, seed=1)) == 4
    assert choose_attackers(20, 0.2, seed=1) == choose_attackers(20, 0.2, seed=1)
    assert choose_attackers(20, 0.0) == []
    with pytest.raises(ValueError, match=r"fraction \(of attackers\) must be a finite number >= 0 and < 1"):
        choose_attackers(10, 1.0)


def test_poison_changes_only_the_attackers_training_rows():
    attackers = [2, 5]
    rows = np.concatenate([PARTS[k] for k in attackers])
    others = np.setdiff1d(np.arange(len(DIGITS.y_train)), rows)
    flipped = poison(DIGITS, PARTS, attackers, "label_flip")
    assert (flipped.y_train[rows] == 9 - DIGITS.y_train[rows]).all()
    assert (flipped.y_train[others] == DIGITS.y_train[others]).all()
    assert flipped.x_test is DIGITS.x_test and flipped.y_test is DIGITS.y_test
    backdoored = poison(DIGITS, PARTS, attackers, "backdoor", target=3, fraction=0.5, seed=0)
    changed = np.flatnonzero((backdoored.x_train != DIGITS.x_train).any(axis=1))
    assert set(changed) <= set(rows) and 0.3 < len(changed) / len(rows) < 0.7
    assert (backdoored.y_train[changed] == 3).all()
    assert (DIGITS.y_train == load_digits(seed=0).y_train).all()  # the original is untouched
    assert poison(DIGITS, PARTS, attackers, "sign_flip").y_train.tolist() == DIGITS.y_train.tolist()
    with pytest.raises(ValueError, match="attack must be one of"):
        poison(DIGITS, PARTS, attackers, "flood")


def test_sign_flip_keeps_the_kind():
    assert sign_flip([1.0, -2.0]) == [-1.0, 2.0]
    out = sign_flip({"w": torch.ones(2)}, scale=3.0)
    assert out["w"].dtype == torch.float32 and out["w"].tolist() == [-3.0, -3.0]


def test_malicious_clients_forge_by_id_and_rules_get_the_center():
    from fedlearn_edu.algorithms import FedAvg, Message, Replies, Reply, RuleAlgorithm, TrainPlan

    start = {"w": torch.zeros(2)}
    message = Message(start, TrainPlan(1, None, 0.1))
    bad = Malicious(FedAvg(weighted=False), attackers=[7], forge=sign_flip, scale=2.0)
    honest = Reply({"w": torch.tensor([1.0, 1.0])}, 1, 0.0, 1)
    assert bad.client_reply(3, message, honest, {}) is honest  # client 3 is honest
    forged = bad.client_reply(7, message, honest, {})  # client 7 sends 0 - 2 * (1 - 0) = -2
    assert forged.weights["w"].tolist() == [-2.0, -2.0]
    replies = Replies.from_list([3, 7], [honest, forged])
    assert bad.aggregate(1, start, {}, replies)[0]["w"].tolist() == [-0.5, -0.5]
    clip = RuleAlgorithm(functools.partial(norm_clipped_mean, max_norm=1.0))
    one = Replies.from_list([0], [Reply({"w": torch.tensor([20.0])}, 1, 0.0, 1)])
    assert clip.aggregate(1, {"w": torch.full((1,), 10.0)}, {}, one)[0]["w"].tolist() == [11.0]
    assert RuleAlgorithm(coordinate_median).name == "coordinate_median"
    with pytest.raises(ValueError, match="client ids"):
        Malicious(FedAvg(), attackers=[-1], forge=sign_flip)


def test_attacks_work_with_c_below_one_by_client_id():
    # the same attacker ids poison whichever rounds they are sampled in; with C < 1 the attack
    # still changes the result, and identically in both engines
    clean = run_attack(DIGITS, PARTS, "none", 0.0, "FedAvg", rounds=3, C=0.5)
    attacked = run_attack(DIGITS, PARTS, "sign_flip", 0.2, "FedAvg", rounds=3, C=0.5)
    assert attacked.accuracy < clean.accuracy - 0.1
    assert attacked.history.config["C"] == 0.5
    # every defence runs with C < 1, set up for the clients of a round; median resists the attack
    defended = {
        name: run_attack(DIGITS, PARTS, "sign_flip", 0.2, name, rounds=3, C=0.5) for name in defences(10, 2)
    }
    assert defended["median"].accuracy > attacked.accuracy + 0.2


def test_defences_are_set_up_for_the_attackers():
    rules = defences(20, 4)
    assert list(rules) == ["FedAvg", "median", "trimmed mean", "Krum", "multi-Krum", "norm clipping"]
    assert rules["Krum"].keywords == {"n_byzantine": 4}
    assert rules["multi-Krum"].keywords == {"n_byzantine": 4, "n_selected": 16}
    assert defences(20, 0)["trimmed mean"].keywords == {"n_trim": 1}


def test_sign_flipping_breaks_fedavg_but_not_the_median():
    # measured (10 rounds, 20 clients, 4 attackers, scale 4): FedAvg 0.24, median 0.86
    fed = run_attack(DIGITS, PARTS, "sign_flip", 0.2, "FedAvg")
    med = run_attack(DIGITS, PARTS, "sign_flip", 0.2, "median")
    assert fed.accuracy < 0.5 < 0.8 < med.accuracy


def test_backdoor_succeeds_against_fedavg_and_krum_stops_it():
    # measured: FedAvg keeps 0.87 clean accuracy while the trigger works 89% of the time; Krum 0.2%
    fed = run_attack(DIGITS, PARTS, "backdoor", 0.2, "FedAvg")
    krum = run_attack(DIGITS, PARTS, "backdoor", 0.2, "Krum")
    assert fed.accuracy > 0.8 and fed.backdoor_success > 0.7
    assert krum.backdoor_success < 0.1


def test_table_runs_none_once_and_is_seeded():
    rows = attack_table(
        DIGITS, PARTS, attacks=("none", "label_flip"), fractions=(0.1, 0.3), aggregators=["median"], rounds=2
    )
    assert [(r.attack, r.fraction) for r in rows] == [("none", 0.0), ("label_flip", 0.1), ("label_flip", 0.3)]
    attacks._RESULTS.clear()  # re-run it, not the result kept in memory
    again = attack_table(
        DIGITS, PARTS, attacks=("label_flip",), fractions=(0.3,), aggregators=["median"], rounds=2
    )
    assert again[0].accuracy == rows[2].accuracy
    with pytest.raises(ValueError, match="aggregator must be one of"):
        run_attack(DIGITS, PARTS, "none", 0.0, "mean", rounds=1)


def test_run_attack_reuses_a_result_only_for_the_same_experiment(monkeypatch):
    import fedlearn_edu.simulation as simulation

    calls, real = [], simulation.simulate
    monkeypatch.setattr(simulation, "simulate", lambda *a, **k: calls.append(1) or real(*a, **k))
    attacks._RESULTS.clear()
    first = run_attack(DIGITS, PARTS, "sign_flip", 0.2, "median", rounds=2)
    again = run_attack(DIGITS, PARTS, "sign_flip", 0.2, "median", rounds=2, assumed_f=4)  # 4 is the default
    assert len(calls) == 1 and again == first and again is not first
    run_attack(DIGITS, iid_partition(DIGITS.y_train, 20, seed=1), "sign_flip", 0.2, "median", rounds=2)
    shuffled_test = dataclasses.replace(DIGITS, y_test=DIGITS.y_test[::-1].copy())
    run_attack(shuffled_test, PARTS, "sign_flip", 0.2, "median", rounds=2)
    run_attack(DIGITS, PARTS, "sign_flip", 0.2, "median", rounds=2, assumed_f=3)
    run_attack(DIGITS, PARTS, "sign_flip", 0.2, "median", rounds=2, lr=0.05)
    assert len(calls) == 5  # another partition, data set, guess of f or learning rate: run again

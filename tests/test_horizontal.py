"""Horizontal FL across banks (lesson 08): the plumbing around the engine, and the per-bank table."""

from __future__ import annotations

import functools

import numpy as np
import torch

from fedlearn_edu.applications import credit, horizontal


@functools.cache
def splits():
    pairs = [credit.train_test_split(b, seed=0) for b in credit.make_banks(seed=0)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def test_federation_one_partition_per_bank_covering_the_train_rows():
    train, test = splits()
    data, parts = horizontal.federation(train, test)
    assert np.array_equal(np.concatenate(parts), np.arange(len(data.y_train)))
    for bank, part in zip(train, parts, strict=True):
        assert np.array_equal(data.y_train[part], bank.y)
        assert np.allclose(data.x_train[part], credit.design(bank.X), atol=1e-6)


def test_two_class_linear_layer_is_the_logistic_regression():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 2))
    Z = credit.design(splits()[1][0].X)
    with torch.no_grad():
        p_torch = torch.softmax(model(torch.tensor(Z, dtype=torch.float32)), dim=1)[:, 1].numpy()
    intercept, coef = horizontal.logistic_from_state(model.state_dict())
    assert np.allclose(p_torch, credit.sigmoid(intercept + Z @ coef), atol=1e-6)


def test_pooling_recovers_the_truth_better_than_the_rare_default_bank_alone():
    pooled, alone = horizontal.pooled_and_alone(splits()[0])
    error = lambda model: np.abs(model[1] - credit.TRUE_MODEL.coef).max()  # noqa: E731
    assert error(pooled) < 0.1
    assert error(alone[1]) > 3 * error(pooled)  # the private bank: 2-3 % defaults


def test_per_bank_table_deterministic_with_the_truth_first():
    train, test = splits()
    pooled, alone = horizontal.pooled_and_alone(train)
    rows = horizontal.per_bank_scores({"pooled": pooled, "alone": alone}, test)
    again = horizontal.per_bank_scores({"pooled": pooled, "alone": alone}, test)
    assert repr(rows) == repr(again)  # NaN coef_error of the truth compares by its text
    assert [r["method"] for r in rows[:5]] == ["true model"] * 5
    assert len(rows) == 15 and {r["bank"] for r in rows} == {b.name for b in test}
    for r in rows:
        assert 0.5 < r["auc"] <= 1 and 0 <= r["ece"] <= 1


@functools.cache
def fresh():
    return credit.make_banks(
        scale=10, seed=1
    )  # 10x fresh customers per bank: AUC differences of 0.01 are real


def test_fedavg_ranks_like_pooling_and_the_small_banks_gain_what_the_lesson_says():
    from fedlearn_edu.algorithms import FedAvg, Scaffold

    train, test = splits()
    pooled, alone = horizontal.pooled_and_alone(train)
    fedavg, history = horizontal.train_federated(train, test, FedAvg(), rounds=30)
    scaffold, _ = horizontal.train_federated(train, test, Scaffold(), rounds=30)
    assert history.rounds == 30 and all(
        len(s) == 5 for s in history.sampled
    )  # cross-silo: every bank, every round
    rows = horizontal.per_bank_scores(
        {"pooled": pooled, "alone": alone, "FedAvg": fedavg, "SCAFFOLD": scaffold}, fresh()
    )
    auc = {(r["method"], r["bank"]): r["auc"] for r in rows}
    for bank in ("national", "private", "consumer", "regional", "digital"):
        assert abs(auc["FedAvg", bank] - auc["pooled", bank]) < 0.005
        assert abs(auc["SCAFFOLD", bank] - auc["pooled", bank]) < 0.005
    # lesson 08: the private bank (2-3 % defaults) gains about 5 AUC points, the large banks nothing
    assert auc["FedAvg", "private"] - auc["alone", "private"] > 0.03
    assert abs(auc["FedAvg", "national"] - auc["alone", "national"]) < 0.005
    assert abs(auc["FedAvg", "consumer"] - auc["alone", "consumer"]) < 0.005
    assert np.abs(fedavg[1] - credit.TRUE_MODEL.coef).max() < 0.2


def test_concept_shift_breaks_the_shared_calibration_and_a_local_intercept_repairs_it():
    import dataclasses

    from fedlearn_edu.algorithms import FedAvg

    profiles = list(credit.BANKS)
    profiles[3] = dataclasses.replace(
        profiles[3], logit_shift=1.0
    )  # the regional bank counts defaults sooner
    pairs = [credit.train_test_split(b, seed=0) for b in credit.make_banks(profiles, seed=0)]
    train, test = [p[0] for p in pairs], [p[1] for p in pairs]
    fedavg, _ = horizontal.train_federated(train, test, FedAvg(), rounds=30)
    local = [horizontal.local_intercept(fedavg, b) for b in train]
    for bank, model in zip(train, local, strict=True):  # the intercept's maximum-likelihood condition
        assert abs(credit.sigmoid(model[0] + credit.design(bank.X) @ model[1]).sum() - bank.y.sum()) < 1e-6
    rows = horizontal.per_bank_scores(
        {"FedAvg": fedavg, "local": local}, credit.make_banks(profiles, scale=10, seed=1)
    )
    score = {(r["method"], r["bank"]): r for r in rows}
    assert score["FedAvg", "regional"]["ece"] > 0.04 > 0.02 > score["local", "regional"]["ece"]
    assert abs(score["FedAvg", "regional"]["auc"] - score["local", "regional"]["auc"]) < 1e-12  # same ranking


def test_probabilities_feed_the_shared_per_site_table():
    from fedlearn_edu.applications.evaluate import per_site_table

    train, test = splits()
    pooled, alone = horizontal.pooled_and_alone(train)
    probs = horizontal.probabilities({"pooled": pooled, "alone": alone}, test)
    assert list(probs) == ["true model", "pooled", "alone"]
    assert np.allclose(
        probs["alone"][1], credit.sigmoid(alone[1][0] + credit.design(test[1].X) @ alone[1][1])
    )
    rows = per_site_table(probs, [b.y for b in test], [b.name for b in test], n_boot=50)
    assert len(rows) == 15 and all(r["auc_low"] <= r["auc"] <= r["auc_high"] for r in rows)

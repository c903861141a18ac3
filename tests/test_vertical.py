"""Vertical FL (lesson 08): the toy PSI aligns and leaks; the split logistic regression equals the joined one."""

from __future__ import annotations

import numpy as np
import pytest

from fedlearn_edu.applications import credit
from fedlearn_edu.applications import vertical as vfl

SALT = b"agreed-by-both"


@pytest.fixture(scope="module")
def parties():
    return vfl.make_bank_and_retailer(seed=0)


def test_psi_aligns_exactly_the_shared_customers(parties):
    bank, retailer = parties
    rows_b, rows_r = vfl.salted_hash_psi(bank.ids, retailer.ids, salt=SALT)
    assert np.array_equal(bank.ids[rows_b], retailer.ids[rows_r])
    assert set(bank.ids[rows_b].tolist()) == set(bank.ids.tolist()) & set(retailer.ids.tolist())
    assert len(rows_b) == 2000


def test_psi_different_salts_find_nothing(parties):
    bank, retailer = parties
    h_b, h_r = vfl.hash_ids(bank.ids, b"one"), vfl.hash_ids(retailer.ids, b"two")
    assert not set(h_b) & set(h_r)


def test_dictionary_attack_reads_the_whole_customer_list():
    bank, retailer = vfl.make_bank_and_retailer(300, 400, 200, id_space=20_000, seed=1)
    sent_by_bank = vfl.hash_ids(bank.ids, SALT)
    recovered = vfl.dictionary_attack(sent_by_bank, salt=SALT, id_space=20_000)
    assert np.array_equal(recovered, np.sort(bank.ids))  # all 300, not only the 200 shared
    outsider = int(np.setdiff1d(bank.ids, retailer.ids)[0])
    assert vfl.is_customer(outsider, sent_by_bank, salt=SALT)
    assert not vfl.is_customer(int(np.setdiff1d(retailer.ids, bank.ids)[0]), sent_by_bank, salt=SALT)


def _aligned(parties):
    bank, retailer = parties
    rows_b, rows_r = vfl.salted_hash_psi(bank.ids, retailer.ids, salt=SALT)
    Xb = credit.design(bank.X[rows_b])
    Xr = vfl.retail_design(retailer.X[rows_r])
    return Xb, bank.y[rows_b], Xr


def test_vertical_equals_joined_to_1e6(parties):
    Xb, y, Xr = _aligned(parties)
    run = vfl.train_vertical(Xb, y, Xr, lr=0.5, steps=300, l2=1e-3)
    w, b = vfl.train_joined(np.hstack([Xb, Xr]), y, lr=0.5, steps=300, l2=1e-3)
    assert np.abs(np.r_[run.bank.w, run.retailer.w] - w).max() < 1e-6
    assert abs(run.bank.b - b) < 1e-6
    assert run.loss[-1] < run.loss[0]
    assert run.values_sent == 2 * 300 * len(y)


def test_residuals_reveal_every_label_at_every_step(parties):
    Xb, y, Xr = _aligned(parties)
    run = vfl.train_vertical(Xb, y, Xr, lr=0.5, steps=20)
    for residual in run.received_by_retailer:
        assert np.array_equal(vfl.labels_from_residuals(residual), y)


def test_bank_sees_how_the_retailers_scores_move(parties):
    # each change of the retailer's scores is -(lr/n) X_r X_r^T r: the bank knows r, so every step
    # tells it the retailer's customer-by-customer similarity matrix applied to a known vector
    Xb, y, Xr = _aligned(parties)
    run = vfl.train_vertical(Xb, y, Xr, lr=0.5, steps=5)
    u, r = run.received_by_bank, run.received_by_retailer
    for t in range(4):
        assert np.allclose(u[t + 1] - u[t], -0.5 / len(y) * Xr @ (Xr.T @ r[t]), atol=1e-12)


def test_the_retailers_columns_add_what_the_lesson_says(parties):
    # lesson 08 quotes these: bank alone 0.910, vertical 0.937, true model 0.939 (test AUC, seed 0)
    from fedlearn_edu.applications.evaluate import auc

    bank, retailer = parties
    rows_b, rows_r = vfl.salted_hash_psi(bank.ids, retailer.ids, salt=SALT)
    Xb, y, Xr = _aligned(parties)
    train, test = np.arange(len(y)) < 1400, np.arange(len(y)) >= 1400
    run = vfl.train_vertical(Xb[train], y[train], Xr[train], lr=0.5, steps=500)
    p_vertical = credit.sigmoid(run.bank.b + Xb[test] @ run.bank.w + Xr[test] @ run.retailer.w)
    b0, coef = credit.fit_logistic(Xb[train], y[train])
    p_bank = credit.sigmoid(b0 + Xb[test] @ coef)
    p_true = vfl.true_probability(bank.X[rows_b][test], retailer.X[rows_r][test])
    assert auc(y[test], p_bank) + 0.02 < auc(y[test], p_vertical) <= auc(y[test], p_true) + 0.005


def test_dh_psi_aligns_like_the_toy_and_resists_the_guessing_attack():
    bank, retailer = vfl.make_bank_and_retailer(300, 400, 200, id_space=20_000, seed=1)
    rows_b, rows_r = vfl.dh_psi(bank.ids, retailer.ids, seed=0)
    assert np.array_equal(bank.ids[rows_b], retailer.ids[rows_r]) and len(rows_b) == 200
    # the retailer holds h(x)**a for each bank id; hashing every id itself (without a) matches none
    a = vfl._secret_exponent(np.random.default_rng(0))
    received = {pow(vfl._to_group(x), a, vfl.TOY_PRIME) for x in bank.ids}
    guesses = {pow(vfl._to_group(z), 1, vfl.TOY_PRIME) for z in range(20_000)}
    assert not received & guesses
    assert received & {pow(vfl._to_group(z), a, vfl.TOY_PRIME) for z in range(20_000)}  # with a: all


def test_bank_rebuilds_the_retailers_columns_up_to_a_rotation_after_three_steps(parties):
    Xb, y, Xr = _aligned(parties)
    for l2 in (0.0, 1e-2):
        run = vfl.train_vertical(Xb, y, Xr, lr=0.5, steps=3, l2=l2)
        X_hat = vfl.reconstruct_partner_columns(run.received_by_bank, run.received_by_retailer, lr=0.5, l2=l2)
        assert X_hat.shape == Xr.shape
        assert np.allclose(X_hat @ X_hat.T, Xr @ Xr.T, atol=1e-8)  # every distance between customers

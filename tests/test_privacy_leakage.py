"""Gradient leakage: one image leaks from its gradient; batches, local steps and noise weaken it.

The thresholds come from measurements (8x8 digits, leaky_model(seed=0), 30 L-BFGS iterations):
single image ~3e-9; a batch of 32 ~0.12-0.15; 20 local steps on 4 images ~0.11; noise sigma=0.1
~0.35. "Guess the average digit" scores 0.073, so errors above ~0.07 mean nothing was learned.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from fedlearn_edu.aggregate import clip_to_norm
from fedlearn_edu.privacy import leakage
from fedlearn_edu.privacy.dp import add_gaussian_noise
from fedlearn_edu.privacy.leakage import (
    infer_label,
    leaky_model,
    local_update,
    reconstruct,
    reconstruction_error,
    shared_gradient,
)

DIGITS = load_digits()
X, Y = DIGITS.data / 16.0, DIGITS.target
MODEL = leaky_model(seed=0)
AVERAGE_DIGIT_ERROR = float(((X.mean(axis=0) - X) ** 2).mean())


def _attack(gradient, idx, seed=0, labels="known"):
    labels = Y[idx] if labels == "known" else None
    rec = reconstruct(MODEL, gradient, labels, n_images=len(idx), iterations=30, seed=seed)
    return reconstruction_error(rec.images, X[idx])


def test_average_digit_baseline_is_what_the_docs_say():
    # The package's own claim (reconstruction_error's docstring), checked with the package's own
    # error measure -- not a number copied into this file.
    import re

    claimed = float(
        re.search(
            r"average digit\" for every image scores about ([0-9]+\.[0-9]+)",
            leakage.reconstruction_error.__doc__,
        ).group(1)
    )
    mean_image = X.mean(axis=0)
    measured = np.mean([reconstruction_error(mean_image[None], X[i : i + 1]) for i in range(len(X))])
    assert measured == pytest.approx(AVERAGE_DIGIT_ERROR, rel=1e-12)
    assert round(measured, 3) == claimed


def test_idlg_reads_the_label_off_the_gradient():
    for i in range(60):
        assert infer_label(shared_gradient(MODEL, X[i : i + 1], Y[i : i + 1])) == Y[i]


def test_one_image_is_reconstructed_almost_exactly():
    idx = [0]
    gradient = shared_gradient(MODEL, X[idx], Y[idx])
    rec = reconstruct(MODEL, gradient, [infer_label(gradient)], iterations=30, snapshots=[0, 5, 30])
    assert reconstruction_error(rec.images, X[idx]) < 1e-4  # measured 3e-9
    errors = [reconstruction_error(rec.snapshots[k], X[idx]) for k in (0, 5, 30)]
    assert errors[0] > 0.1 > errors[1] and errors[2] < 1e-4  # from noise to the digit
    assert rec.loss < 1e-6


def test_dlg_without_the_label_sometimes_fails_where_idlg_succeeds():
    # Measured on digits 0-19 (seed = index): DLG 16/20 succeed, iDLG 20/20. Digits 9 and 10 are two failures.
    for i in (8, 9, 10):
        gradient = shared_gradient(MODEL, X[i : i + 1], Y[i : i + 1])
        dlg = reconstruct(MODEL, gradient, None, iterations=30, seed=i).images
        idlg = reconstruct(MODEL, gradient, [infer_label(gradient)], iterations=30, seed=i).images
        assert reconstruction_error(idlg, X[i : i + 1]) < 1e-4
        assert (reconstruction_error(dlg, X[i : i + 1]) < 1e-3) == (i == 8)


def test_clipping_alone_does_not_help_against_cosine_matching():
    idx = [3]
    clipped = clip_to_norm(shared_gradient(MODEL, X[idx], Y[idx]), max_norm=0.1)
    assert _attack(clipped, idx) < 1e-4


def test_the_defences_raise_the_error():
    rng = np.random.default_rng(0)
    single = [_attack(shared_gradient(MODEL, X[i], Y[i]), i) for i in ([k] for k in rng.choice(1797, 3))]
    big_batches = [rng.choice(len(X), 32, replace=False) for _ in range(2)]
    batch = [_attack(shared_gradient(MODEL, X[i], Y[i]), i, seed=s) for s, i in enumerate(big_batches)]
    fours = [rng.choice(len(X), 4, replace=False) for _ in range(3)]
    local = [
        _attack(local_update(MODEL, X[i], Y[i], steps=20, lr=0.5), i, seed=s) for s, i in enumerate(fours)
    ]
    noisy = []
    for s, i in enumerate([k] for k in rng.choice(1797, 3)):
        update = clip_to_norm(shared_gradient(MODEL, X[i], Y[i]), 1.0)
        noisy.append(_attack(add_gaussian_noise(update, std=0.1, seed=s), i, seed=s))
    assert max(single) < 1e-4
    assert np.mean(batch) > 0.05  # measured 0.12-0.15
    assert np.mean(local) > 0.05  # measured ~0.11
    assert np.mean(noisy) > 0.1  # measured ~0.35


def test_same_seed_same_reconstruction():
    idx = [11, 12]
    gradient = shared_gradient(MODEL, X[idx], Y[idx])
    a = reconstruct(MODEL, gradient, Y[idx], n_images=2, iterations=5, seed=4).images
    b = reconstruct(MODEL, gradient, Y[idx], n_images=2, iterations=5, seed=4).images
    np.testing.assert_array_equal(a, b)


def test_gradient_and_update_agree_for_one_step():
    idx = [1, 2, 3]
    g = shared_gradient(MODEL, X[idx], Y[idx])
    u = local_update(MODEL, X[idx], Y[idx], steps=1, lr=0.1)
    assert list(g) == [name for name, _ in MODEL.named_parameters()]
    for name in g:
        torch.testing.assert_close(u[name], 0.1 * g[name])


def test_models_are_seeded_without_touching_global_state():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, b = leaky_model(seed=5), leaky_model(seed=5)
    assert torch.rand(1) == before
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(next(leaky_model(seed=6).parameters()), next(a.parameters()))


def test_reconstruction_error_pairs_images_up_with_their_best_match():
    assert reconstruction_error([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [0.0, 1.0]]) == 0.0
    assert reconstruction_error([[0.0, 0.0]], [[1.0, 1.0]]) == 1.0


def test_one_label_per_image():
    with pytest.raises(ValueError, match="3 labels for images of shape"):
        shared_gradient(MODEL, X[:2], Y[:3])

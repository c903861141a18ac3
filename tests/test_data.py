"""fedlearn_edu.data: the digits split, the article's toy data, and the partitioners' properties."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedlearn_edu import data
from fedlearn_edu.data import (
    bob_alice,
    bob_alice_federation,
    check_partition,
    dirichlet_partition,
    iid_partition,
    label_counts,
    load_digits,
    partition,
    quantity_skew_partition,
    shard_partition,
)

LABELS = np.repeat(np.arange(10), 30)  # 300 examples, label-sorted (the trap for naive IID)


# --- digits ------------------------------------------------------------------------------------


def test_digits_split_sizes_and_types():
    d = load_digits(seed=0)
    assert d.x_train.shape == (1347, 64) and d.x_test.shape == (450, 64)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert d.n_classes == 10
    # stratified: every digit has (almost) the same share in the test set
    share = np.bincount(d.y_test, minlength=10) / np.bincount(np.concatenate([d.y_train, d.y_test]))
    assert np.all(np.abs(share - 0.25) < 0.01)


def test_digits_file_is_scikit_learns_digits():
    from sklearn.datasets import load_digits as sk_digits

    x, y = sk_digits(return_X_y=True)
    table = np.loadtxt(data._digits_file(), delimiter=",")
    assert np.array_equal(table[:, :-1], x) and np.array_equal(table[:, -1], y)
    images, labels = data.digit_images()  # lessons 06 and 07: the raw digits, scaled to [0, 1]
    assert np.array_equal(images, x / 16.0) and np.array_equal(labels, y)


def test_digits_standardised_with_train_statistics_only():
    d = load_digits(seed=0)
    np.testing.assert_allclose(d.x_train.mean(0), 0, atol=1e-5)
    std = d.x_train.std(0)
    assert np.all((np.abs(std - 1) < 1e-4) | (std == 0))  # pixels constant in train stay constant
    assert abs(float(d.x_test.mean())) > 1e-3  # the test part did not take part in the statistics
    # every example is in exactly one of the two parts
    y = np.loadtxt(data._digits_file(), delimiter=",")[:, -1]
    assert np.array_equal(np.sort(np.concatenate([d.y_train, d.y_test])), np.sort(y))


def test_digits_same_seed_same_split_other_seed_other_split():
    a, b, c = load_digits(seed=0), load_digits(seed=0), load_digits(seed=1)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train)


def test_digits_train_is_shuffled_not_label_sorted():
    y = load_digits(seed=0).y_train
    assert (np.diff(y) != 0).sum() > 500


def test_digits_rejects_bad_fraction():
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits(test_fraction=1.0)


def test_loading_digits_does_not_import_torch_or_scikit_learn():
    code = (
        "import sys; from fedlearn_edu.data import load_digits; load_digits(); "
        "print('torch' in sys.modules, 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_bob_alice_is_the_article_data():
    toy = bob_alice()
    assert toy["bob"][0].tolist() == [[1, 1], [0, 1]] and toy["bob"][1].tolist() == [[1], [1]]
    assert toy["alice"][0].tolist() == [[0, 0], [0, 1]] and toy["alice"][1].tolist() == [[0], [1]]
    pooled, parts = bob_alice_federation()
    assert pooled.n_classes is None and len(pooled.x_train) == 4
    assert np.array_equal(pooled.x_train[parts[1]], toy["alice"][0])


# --- partitions: properties --------------------------------------------------------------------

ALL = [
    ("iid", {}),
    ("dirichlet", {"alpha": 0.5}),
    ("shards", {"shards_per_client": 2}),
    ("quantity", {"beta": 0.5}),
]


@pytest.mark.parametrize(("kind", "options"), ALL)
def test_every_partitioner_covers_each_example_once(kind, options):
    parts = partition(kind, LABELS, 12, seed=3, **options)
    assert len(parts) == 12
    check_partition(parts, len(LABELS))
    assert sorted(np.concatenate(parts).tolist()) == list(range(len(LABELS)))
    assert all(len(p) >= 1 for p in parts)


@pytest.mark.parametrize(("kind", "options"), ALL)
def test_every_partitioner_is_seeded(kind, options):
    a = partition(kind, LABELS, 12, seed=3, **options)
    b = partition(kind, LABELS, 12, seed=3, **options)
    c = partition(kind, LABELS, 12, seed=4, **options)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 200),
    k=st.integers(1, 20),
    seed=st.integers(0, 2**32 - 1),
    alpha=st.floats(0.01, 100),
)
def test_partitions_cover_exactly_once_property(n, k, seed, alpha):
    labels = np.random.default_rng(seed).integers(0, 5, n)
    if k > n:
        with pytest.raises(ValueError, match="clients but only"):
            iid_partition(labels, k, seed=seed)
        return
    check_partition(iid_partition(labels, k, seed=seed), n)
    check_partition(dirichlet_partition(labels, k, alpha, seed=seed, min_size=0), n)
    check_partition(quantity_skew_partition(labels, k, alpha, seed=seed), n)
    if 2 * k <= n:
        check_partition(shard_partition(labels, k, 2, seed=seed), n)


def test_iid_shuffles_first_so_a_sorted_set_is_mixed():
    counts = label_counts(iid_partition(LABELS, 10, seed=0), LABELS)
    assert counts.shape == (10, 10)
    assert (counts > 0).sum(1).min() >= 7  # every client sees most labels, not one
    sizes = counts.sum(1)
    assert sizes.max() - sizes.min() <= 1


def test_dirichlet_alpha_extremes():
    big = label_counts(dirichlet_partition(LABELS, 5, alpha=1e4, seed=0), LABELS)
    assert np.abs(big - 6).max() <= 2  # close to 30 / 5 = 6 of each label everywhere
    small = label_counts(dirichlet_partition(LABELS, 5, alpha=0.01, seed=0), LABELS)
    # almost every label lives on one client
    assert (small.max(0) / small.sum(0)).mean() > 0.95


def test_dirichlet_bad_alpha_and_too_many_clients():
    for alpha in (0, -1, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="alpha must be a finite number > 0"):
            dirichlet_partition(LABELS, 5, alpha=alpha)
    with pytest.raises(ValueError, match="301 clients but only 300 examples"):
        dirichlet_partition(LABELS, 301, alpha=1.0)


def test_dirichlet_empty_clients_topped_up_or_allowed():
    labels = np.repeat(np.arange(2), 10)
    # alpha this small sends each label to one client; the other clients get topped up
    parts = dirichlet_partition(labels, 6, alpha=0.001, seed=0, min_size=2)
    check_partition(parts, 20)
    assert min(len(p) for p in parts) == 2
    labels5 = np.repeat(np.arange(5), 20)
    parts5 = dirichlet_partition(labels5, 8, alpha=0.001, seed=0, min_size=2)
    assert (label_counts(parts5, labels5) > 0).sum(1).mean() <= 2  # still strongly skewed (IID: 5)
    # min_size=0 allows empty clients (documented)
    parts = dirichlet_partition(labels, 6, alpha=0.001, seed=0, min_size=0)
    check_partition(parts, 20)
    assert min(len(p) for p in parts) == 0
    with pytest.raises(ValueError, match="6 clients but only 20 examples: each client needs at least 4"):
        dirichlet_partition(labels, 6, alpha=1, min_size=4)


def test_dirichlet_small_alpha_many_clients_on_digits():
    y = load_digits(seed=0).y_train
    for alpha in (0.01, 0.1):
        parts = dirichlet_partition(y, 100, alpha=alpha, seed=0)
        check_partition(parts, len(y))
        assert min(len(p) for p in parts) >= 1


def test_shards_give_few_labels_per_client():
    counts = label_counts(shard_partition(LABELS, 10, 2, seed=0), LABELS)
    assert ((counts > 0).sum(1) <= 2).all()
    assert (counts.sum(1) == 30).all()


def test_shard_errors():
    with pytest.raises(ValueError, match="2 examples"):
        shard_partition(LABELS, 200, 2)
    with pytest.raises(ValueError, match="shards_per_client"):
        shard_partition(LABELS, 10, 0)
    with pytest.raises(TypeError, match="shards_per_client"):
        shard_partition(LABELS, 10, 1.5)


def test_quantity_skew_sizes_vary_labels_do_not():
    parts = quantity_skew_partition(LABELS, 10, beta=0.3, seed=0)
    sizes = np.array([len(p) for p in parts])
    assert sizes.min() >= 1 and sizes.max() > 3 * np.median(sizes)
    with pytest.raises(ValueError, match="beta"):
        quantity_skew_partition(LABELS, 10, beta=0)


def test_bad_client_counts():
    for k in (0, -1):
        with pytest.raises(ValueError, match="n_clients"):
            iid_partition(LABELS, k)
    for k in (2.5, True, None, "3"):
        with pytest.raises(TypeError, match="n_clients"):
            iid_partition(LABELS, k)
    with pytest.raises(ValueError, match="unknown partition 'pathological'"):
        partition("pathological", LABELS, 3)
    with pytest.raises(ValueError, match="1-D"):
        iid_partition(np.zeros((3, 2)), 2)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([[0, 1], [1, 2]], "example 1 is in client 0 and again in client 1"),
        ([[0, 1]], "1 example.* belong to no client .*first is 2"),
        ([[0, 0, 1, 2]], "client 0 holds example 0 more than once"),
        ([[0, 1], [2, 3]], "client 1: index 3 is outside 0..2"),
        ([[0, 1], [2.0]], "client 1: expected a 1-D array of whole-number indices"),
        (np.array([0, 1, 2]), "one array of example indices per client"),
    ],
)
def test_check_partition_says_what_is_wrong(parts, message):
    with pytest.raises(ValueError, match=message):
        check_partition(parts, 3)


def test_check_partition_accepts_empty_clients():
    check_partition([[0, 1, 2], []], 3)


def test_label_counts():
    counts = label_counts([[0, 1], [2]], np.array([0, 1, 1]), n_classes=3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0]]

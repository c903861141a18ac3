"""Lesson 08's hospitals: the split, federated standardisation, the per-site table (issue 13)."""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest

from conftest import ROOT
from fedlearn_edu.applications import evaluate as ev
from fedlearn_edu.applications import medical as med


@pytest.fixture(scope="module")
def data():
    return med.load_breast_cancer()


@pytest.fixture(scope="module")
def hospitals(data):
    return med.split_hospitals(*data, seed=0)


def test_the_data_are_the_wisconsin_set(data):
    X, y = data
    assert X.shape == (569, 30) and int(y.sum()) == 212  # 1 = malignant


def test_split_sizes_case_mix_and_scanner(data, hospitals):
    X, y = data
    for profile, h in zip(med.HOSPITALS, hospitals, strict=True):
        assert h.name == profile.name and len(h) == profile.n
        assert int(h.y.sum()) == round(profile.n * profile.malignant)
        np.testing.assert_array_equal(h.y, y[h.patient])
        np.testing.assert_allclose(h.X, X[h.patient] * profile.scale, rtol=0, atol=0)
    patients = np.concatenate([h.patient for h in hospitals])
    assert len(np.unique(patients)) == len(patients), "a patient at two hospitals"
    sizes = [len(h) for h in hospitals]
    assert max(sizes) >= 5 * min(sizes)
    rates = [h.y.mean() for h in hospitals]
    assert max(rates) - min(rates) >= 0.3
    assert sum(h.scale != 1.0 for h in hospitals) == 1


def test_split_is_seeded(data):
    a, b, c = (med.split_hospitals(*data, seed=s) for s in (3, 3, 4))
    assert all(np.array_equal(x.patient, y.patient) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x.patient, y.patient) for x, y in zip(a, c, strict=True))


def test_train_test_split_is_stratified_and_disjoint(hospitals):
    for h in hospitals:
        train, test = med.train_test_split(h, test_fraction=0.3, seed=0)
        assert len(train) + len(test) == len(h)
        assert not set(train.patient) & set(test.patient)
        assert int(test.y.sum()) == round(0.3 * h.y.sum())
        assert int((1 - test.y).sum()) == round(0.3 * (1 - h.y).sum())
        assert test.scale == h.scale


def test_federated_standardisation_equals_pooled(hospitals):
    mean, std = med.federated_standardisation([med.site_sums(h.X) for h in hospitals])
    pooled = np.vstack([h.X for h in hospitals])
    np.testing.assert_allclose(mean, pooled.mean(axis=0), rtol=1e-12, atol=0)
    np.testing.assert_allclose(std, pooled.std(axis=0), rtol=1e-12, atol=0)
    z = (pooled - mean) / std
    np.testing.assert_allclose(z, (pooled - pooled.mean(0)) / pooled.std(0), rtol=0, atol=1e-12)


def test_federated_standardisation_random_sites():
    g = np.random.default_rng(1)
    sites = [g.normal(g.normal(0, 5), g.uniform(0.5, 3), size=(g.integers(1, 40), 4)) for _ in range(6)]
    mean, std = med.federated_standardisation([med.site_sums(s) for s in sites])
    pooled = np.vstack(sites)
    np.testing.assert_allclose(mean, pooled.mean(0), rtol=1e-12)
    np.testing.assert_allclose(std, pooled.std(0), rtol=1e-12)


def _table(seed):
    g = np.random.default_rng(0)
    labels = [np.r_[np.zeros(20), np.ones(10)].astype(int), np.r_[np.zeros(6), np.ones(6)].astype(int)]
    probabilities = {
        m: [np.clip(y * 0.25 + g.uniform(0, 0.75, len(y)), 0, 1) for y in labels] for m in ("alone", "FedAvg")
    }
    return (
        ev.per_site_table(probabilities, labels, ["big", "small"], n_boot=200, seed=seed),
        probabilities,
        labels,
    )


def test_per_site_table_is_deterministic_and_right():
    rows, probabilities, labels = _table(0)
    again, _, _ = _table(0)
    assert rows == again
    other, _, _ = _table(1)
    assert [r["auc_low"] for r in rows] != [r["auc_low"] for r in other]
    assert [(r["method"], r["site"]) for r in rows] == [
        ("alone", "big"), ("alone", "small"), ("FedAvg", "big"), ("FedAvg", "small"),
    ]  # fmt: skip
    for r in rows:
        k = ["big", "small"].index(r["site"])
        p, y = probabilities[r["method"]][k], labels[k]
        assert r["auc"] == ev.auc(y, p) and r["accuracy"] == ev.accuracy(y, p) and r["n_test"] == len(y)
        assert (
            r["auc_low"] <= r["auc"] <= r["auc_high"]
            and r["accuracy_low"] <= r["accuracy"] <= r["accuracy_high"]
        )


def test_accuracy_threshold():
    assert ev.accuracy([1, 0], [0.5, 0.49]) == 1.0
    assert ev.accuracy([1, 0], [0.6, 0.7], threshold=0.65) == 0.0


def test_federation_partitions_are_the_hospitals(hospitals):
    splits = [med.train_test_split(h, seed=0) for h in hospitals]
    train, test = [s[0] for s in splits], [s[1] for s in splits]
    mean, std = med.federated_standardisation([med.site_sums(h.X) for h in train])
    data, parts = med.federation(train, test, mean, std)
    assert [len(p) for p in parts] == [len(h) for h in train]
    np.testing.assert_allclose(data.x_train[parts[3]], (train[3].X - mean) / std, rtol=1e-6, atol=1e-6)
    assert data.n_classes == 2 and len(data.x_test) == sum(len(h) for h in test)


def test_local_intercept_matches_the_site_case_count(hospitals):
    mean, std = med.federated_standardisation([med.site_sums(h.X) for h in hospitals])
    Z = [(h.X - mean) / std for h in hospitals]
    shared = med.fit_logistic(np.vstack(Z), np.concatenate([h.y for h in hospitals]))
    for z, h in zip(Z, hospitals, strict=True):
        b0, coef = med.local_intercept(shared, z, h.y)
        np.testing.assert_array_equal(coef, shared[1])
        assert abs(med.predict((b0, coef), z).sum() - h.y.sum()) < 1e-8


def test_lesson_08_numbers_in_the_text_match_the_stored_outputs():
    nb = nbformat.read(ROOT / "notebooks" / "08_applications.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    out = "\n".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream"
    )
    assert re.search(
        r"rural clinic\s+mean accuracy gain from joining \+0\.017\s+better in\s+25%, worse in\s+5%", out
    )
    assert "gains 1.7 points on average, is better off in 5 of the 20 splits and worse in 1" in text
    assert re.search(r"university\s+mean accuracy gain from joining -0\.004", out)
    assert "0.898 → 0.811" in text and "cancer centre 0.898" in out and "cancer centre 0.811" in out
    assert " 4.0      5.2" in out and "ε = 5.2 needs z = 4" in text
    assert "for epsilon = 1 in 30 rounds: 15.9" in out and "z ≈ 16" in text
    own = re.search(r"shared \+ own intercept(.*)", out).group(1)
    alone = re.search(r"^alone\s+(university .*)", out, re.MULTILINE).group(1)
    assert "cancer centre 0.941" in own and "community 0.969" in own and "(0.917 → 0.969)" in text
    got = [float(v) for v in re.findall(r"\d\.\d{3}", own)]
    assert len(got) == 5 and all(
        a >= b for a, b in zip(got, [float(v) for v in re.findall(r"\d\.\d{3}", alone)], strict=True)
    )

"""Cross-silo diagnosis: the breast-cancer data split across hospitals that differ (lesson 08).

The Wisconsin diagnostic breast-cancer data (569 patients, 30 measurements of a cell-nucleus image,
malignant or benign) ships with scikit-learn, so the lesson runs offline. We make five "hospitals"
from it that differ the way real ones do:

- **size** -- from 225 patients down to 40;
- **case mix** -- the share of malignant cases, from 25 % (a screening clinic) to 60 % (a cancer
  centre that receives referrals);
- **a feature shift** -- one site's scanner reads every measurement ``scale`` times too high.

Labels here are ``1 = malignant`` (the class a diagnosis looks for; scikit-learn's own coding is
the reverse).

- :func:`load_breast_cancer` -- the 569 x 30 table, read from scikit-learn's CSV file;
- :func:`split_hospitals` -- the seeded split into :class:`Hospital` s (:data:`HOSPITALS`);
- :func:`train_test_split` -- each hospital's own stratified test set;
- :func:`site_sums` and :func:`federated_standardisation` -- the mean and standard deviation of
  all hospitals' training data from three sums each hospital sends (n, Σx, Σx²);
- :func:`federation` -- the hospitals as clients of the simulation engine;
- :func:`fit_logistic` / :func:`predict` -- the pooled and "each alone" baselines and scoring;
- :func:`local_intercept` -- a shared model with one number re-fitted at home (its intercept).

>>> hospitals = split_hospitals(*load_breast_cancer(), seed=0)
>>> [(h.name, len(h), round(float(h.y.mean()), 2)) for h in hospitals]  # doctest: +NORMALIZE_WHITESPACE
[('university', 225, 0.36), ('regional', 140, 0.25), ('cancer centre', 90, 0.6),
 ('community', 60, 0.35), ('rural clinic', 40, 0.25)]
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fedlearn_edu._validation import check_count, check_fraction, check_real, rng
from fedlearn_edu.applications import credit
from fedlearn_edu.data import Dataset

__all__ = [
    "HOSPITALS",
    "Hospital",
    "SiteProfile",
    "federated_standardisation",
    "federation",
    "fit_logistic",
    "load_breast_cancer",
    "local_intercept",
    "predict",
    "site_sums",
    "split_hospitals",
    "train_test_split",
]


@dataclasses.dataclass(frozen=True)
class SiteProfile:
    """How one hospital is drawn: ``n`` patients, a share ``malignant`` of them malignant, and a
    ``scale`` by which its scanner multiplies every measurement (1.0: no shift)."""

    name: str
    n: int
    malignant: float
    scale: float = 1.0


HOSPITALS: tuple[SiteProfile, ...] = (
    SiteProfile("university", 225, 0.36),
    SiteProfile("regional", 140, 0.25),
    SiteProfile("cancer centre", 90, 0.60),
    SiteProfile("community", 60, 0.35, scale=1.25),
    SiteProfile("rural clinic", 40, 0.25),
)


@dataclasses.dataclass(frozen=True)
class Hospital:
    """One site's patients: measurements ``X`` (n x 30, as its scanner reads them), labels ``y``
    (1 = malignant), and ``patient`` (row numbers in the full table, to check the split)."""

    name: str
    X: np.ndarray
    y: np.ndarray
    patient: np.ndarray
    scale: float = 1.0

    def __len__(self) -> int:
        return len(self.y)


def _csv_file() -> Path:
    spec = importlib.util.find_spec("sklearn")  # the file, without importing scikit-learn (~1 s)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the breast-cancer data ship with scikit-learn, which is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "breast_cancer.csv"


def load_breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)``: 569 patients x 30 measurements, ``y = 1`` for malignant (212 of them).

    >>> X, y = load_breast_cancer()
    >>> X.shape, int(y.sum())
    ((569, 30), 212)
    """
    path = _csv_file()
    if path.exists():
        table = np.loadtxt(path, delimiter=",", skiprows=1)
        X, benign = table[:, :-1], table[:, -1]
    else:  # a future scikit-learn may move the file
        from sklearn.datasets import load_breast_cancer as sklearn_load

        X, benign = sklearn_load(return_X_y=True)
    return X.astype(float), (benign == 0).astype(np.int64)


def _profiles(sites: object) -> list[SiteProfile]:
    if isinstance(sites, SiteProfile) or not isinstance(sites, Sequence) or not sites:
        raise TypeError(f"sites must be a non-empty list of SiteProfile; got {type(sites).__name__}")
    for i, s in enumerate(sites):
        if not isinstance(s, SiteProfile):
            raise TypeError(f"sites[{i}] must be a SiteProfile; got {type(s).__name__}")
    return list(sites)


def split_hospitals(
    X: np.ndarray, y: np.ndarray, sites: Sequence[SiteProfile] = HOSPITALS, *, seed=0
) -> list[Hospital]:
    """Deal the patients out to ``sites``: each gets ``round(n * malignant)`` malignant and the rest
    benign patients, drawn without replacement (no patient at two sites); then its scanner ``scale``
    is applied. Patients left over are not used. Same seed, same split.
    """
    sites = _profiles(sites)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (len(X),):
        raise ValueError(f"X must be (n, d) and y (n,); got shapes {X.shape} and {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"y must hold 0/1 labels; got values {np.unique(y)[:5].tolist()}")
    g = rng(seed)
    pools = {c: list(g.permutation(np.flatnonzero(y == c))) for c in (0, 1)}
    need = {1: 0, 0: 0}
    wanted = []
    for s in sites:
        check_count(s.n, f"site {s.name!r}: n", minimum=2)
        check_fraction(s.malignant, f"site {s.name!r}: malignant")
        check_real(s.scale, f"site {s.name!r}: scale", low=0, include_low=False)
        m = round(s.n * s.malignant)
        wanted.append((m, s.n - m))
        need[1] += m
        need[0] += s.n - m
    for c, label in ((1, "malignant"), (0, "benign")):
        if need[c] > len(pools[c]):
            raise ValueError(f"sites ask for {need[c]} {label} patients but the data have {len(pools[c])}")
    hospitals = []
    for s, (m, b) in zip(sites, wanted, strict=True):
        rows = np.array(pools[1][:m] + pools[0][:b], dtype=np.int64)
        del pools[1][:m], pools[0][:b]
        rows = g.permutation(rows)
        hospitals.append(Hospital(s.name, X[rows] * s.scale, y[rows].astype(np.int64), rows, s.scale))
    return hospitals


def train_test_split(hospital: Hospital, *, test_fraction: float = 0.3, seed=0) -> tuple[Hospital, Hospital]:
    """The hospital's own ``(train, test)``: the same share of each class in both (stratified)."""
    if not isinstance(hospital, Hospital):
        raise TypeError(f"hospital must be a Hospital (from split_hospitals); got {type(hospital).__name__}")
    test_fraction = check_fraction(test_fraction, "test_fraction", closed=False)
    g = rng(seed)
    is_test = np.zeros(len(hospital), dtype=bool)
    for c in (0, 1):
        where = g.permutation(np.flatnonzero(hospital.y == c))
        is_test[where[: max(1, round(test_fraction * len(where)))] if len(where) > 1 else []] = True

    def take(mask: np.ndarray) -> Hospital:
        return Hospital(
            hospital.name, hospital.X[mask], hospital.y[mask], hospital.patient[mask], hospital.scale
        )

    return take(~is_test), take(is_test)


def site_sums(X: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """What one site sends for federated standardisation: ``(n, Σx, Σx²)`` per column.

    >>> n, s1, s2 = site_sums([[1.0, 2.0], [3.0, 4.0]])
    >>> n, s1.tolist(), s2.tolist()
    (2, [4.0, 6.0], [10.0, 20.0])
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be a non-empty (n, d) table; got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or inf")
    return len(X), X.sum(axis=0), (X**2).sum(axis=0)


def federated_standardisation(
    sums: Sequence[tuple[int, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """The server's step: ``(mean, std)`` of all sites' rows together, from their :func:`site_sums`.

    mean = ΣΣx / Σn and variance = ΣΣx² / Σn - mean² (the population variance, as ``np.std``).

    >>> a, b = np.array([[1.0], [2.0]]), np.array([[4.0], [9.0], [4.0]])
    >>> mean, std = federated_standardisation([site_sums(a), site_sums(b)])
    >>> mean.tolist(), bool(np.allclose(std, np.std(np.vstack([a, b]), axis=0)))
    ([4.0], True)
    """
    if not isinstance(sums, Sequence) or not sums or isinstance(sums[0], (int, np.integer)):
        raise TypeError(f"sums must be a list of (n, Σx, Σx²), one per site; got {type(sums).__name__}")
    n = sum(check_count(s[0], f"sums[{i}]: n", minimum=1) for i, s in enumerate(sums))
    s1 = np.sum([np.asarray(s[1], dtype=float) for s in sums], axis=0)
    s2 = np.sum([np.asarray(s[2], dtype=float) for s in sums], axis=0)
    mean = s1 / n
    var = np.maximum(s2 / n - mean**2, 0.0)
    return mean, np.sqrt(var)


def federation(
    train: Sequence[Hospital], test: Sequence[Hospital], mean: np.ndarray, std: np.ndarray
) -> tuple[Dataset, list[np.ndarray]]:
    """The engine's view: every site's standardised training rows in one :class:`Dataset`, and each
    site's rows as its partition (its test rows form the engine's test set)."""
    for name, sites in (("train", train), ("test", test)):
        if not isinstance(sites, Sequence) or not sites or not all(isinstance(h, Hospital) for h in sites):
            raise TypeError(f"{name} must be a non-empty list of Hospital; got {type(sites).__name__}")
    if len(train) != len(test):
        raise ValueError(f"train and test must list the same hospitals; got {len(train)} and {len(test)}")

    def z(h: Hospital) -> np.ndarray:
        return (h.X - mean) / std

    x_train = np.concatenate([z(h) for h in train]).astype(np.float32)
    x_test = np.concatenate([z(h) for h in test]).astype(np.float32)
    y_train = np.concatenate([h.y for h in train]).astype(np.int64)
    y_test = np.concatenate([h.y for h in test]).astype(np.int64)
    ends = np.cumsum([len(h) for h in train])
    parts = [np.arange(end - len(h), end) for h, end in zip(train, ends, strict=True)]
    return Dataset("breast cancer", x_train, y_train, x_test, y_test, n_classes=2), parts


def fit_logistic(Z: np.ndarray, y: np.ndarray, *, l2: float = 0.05) -> tuple[float, np.ndarray]:
    """Penalised maximum-likelihood logistic regression (Newton): ``(intercept, coef)``.

    The same routine as the credit lesson's, with a larger default penalty: 30 correlated
    measurements and, at the rural clinic, 28 training patients.
    """
    return credit.fit_logistic(Z, y, l2=l2)


def predict(model: tuple[float, np.ndarray], Z: np.ndarray) -> np.ndarray:
    """P(malignant) for standardised rows ``Z`` under ``model = (intercept, coef)``."""
    intercept, coef = model
    return credit.sigmoid(intercept + np.asarray(Z, dtype=float) @ np.asarray(coef, dtype=float))


def local_intercept(
    model: tuple[float, np.ndarray], Z: np.ndarray, y: np.ndarray, *, steps: int = 50
) -> tuple[float, np.ndarray]:
    """The shared ``model`` with its intercept re-fitted by maximum likelihood on one site's rows.

    The coefficients stay shared; the new intercept makes the predicted cases add up to the site's
    observed cases (Newton's method in one variable) -- the simplest personalisation.

    >>> Z, y = np.array([[-1.0], [0.0], [1.0], [2.0]]), np.array([0, 0, 1, 1])
    >>> b0, coef = local_intercept((0.0, np.array([1.0])), Z, y)
    >>> round(b0, 3), bool(abs(predict((b0, coef), Z).sum() - 2) < 1e-9)
    (-0.5, True)
    """
    Z = np.asarray(Z, dtype=float)
    y = np.asarray(y)
    if Z.ndim != 2 or y.shape != (len(Z),):
        raise ValueError(f"Z must be (n, d) and y (n,); got shapes {Z.shape} and {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"y must hold 0/1 labels; got values {np.unique(y)[:5].tolist()}")
    if y.sum() in (0, len(y)):
        raise ValueError(f"y needs both classes to fit an intercept; got {int(y.sum())} cases of {len(y)}")
    steps = check_count(steps, "steps", minimum=1)
    intercept, coef = float(model[0]), np.asarray(model[1], dtype=float)
    score = Z @ coef
    for _ in range(steps):
        p = credit.sigmoid(intercept + score)
        step = (p.sum() - y.sum()) / max(float((p * (1 - p)).sum()), 1e-12)
        intercept -= step
        if abs(step) < 1e-12:
            break
    return float(intercept), coef

"""Horizontal federated learning across banks: same features, different customers (lesson 08).

Each bank of :func:`~fedlearn_edu.applications.credit.make_banks` is one client of the simulation
engine; the model is a logistic regression on the six :func:`~fedlearn_edu.applications.credit.design`
columns, written as the engine's smallest network, ``mlp((6, 2))`` (one linear layer and a softmax
over two classes: the difference of its two rows *is* a logistic regression, see
:func:`logistic_from_state`). This module is the plumbing around the comparison a risk team would
ask for -- pooled data, each bank alone, and federated algorithms -- judged **per bank**:

- :func:`federation` -- the banks' train sets as one engine :class:`~fedlearn_edu.data.Dataset`
  plus one partition (index array) per bank;
- :func:`logistic_from_state` -- ``(intercept, coef)`` of a trained engine model;
- :func:`pooled_and_alone` -- the two baselines by maximum likelihood (Newton's method): one model
  on the pooled train sets (what a data-sharing consortium could fit), and each bank on its own;
- :func:`train_federated` -- run one algorithm of :mod:`fedlearn_edu.algorithms` over the banks
  (every bank takes part in every round: cross-silo) and read off its logistic regression;
- :func:`local_intercept` -- one bank re-fits only the intercept of a shared model on its own
  data (the smallest personalisation: the shared ranking, the bank's own default level);
- :func:`probabilities` -- every method's predicted probabilities per bank, the input of the
  shared :func:`~fedlearn_edu.applications.evaluate.per_site_table` (bootstrap intervals);
- :func:`per_bank_scores` -- for each method and bank: AUC, average precision, Brier score,
  expected calibration error on the bank's test set, and the coefficient error (distance of the
  fitted coefficients from :data:`~fedlearn_edu.applications.credit.TRUE_MODEL`).

>>> from fedlearn_edu.applications import credit
>>> splits = [credit.train_test_split(b, seed=0) for b in credit.make_banks(scale=0.2, seed=0)]
>>> data, parts = federation([s[0] for s in splits], [s[1] for s in splits])
>>> data.x_train.shape, [len(p) for p in parts]
((1512, 6), [700, 168, 350, 84, 210])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from fedlearn_edu.applications import credit
from fedlearn_edu.applications.evaluate import auc, average_precision, brier_score, expected_calibration_error
from fedlearn_edu.data import Dataset

__all__ = [
    "federation",
    "local_intercept",
    "logistic_from_state",
    "per_bank_scores",
    "pooled_and_alone",
    "probabilities",
    "train_federated",
]


def _banks(banks: object, name: str) -> list[credit.Bank]:
    if isinstance(banks, credit.Bank) or not isinstance(banks, Sequence) or not banks:
        raise TypeError(
            f"{name} must be a non-empty list of Bank (from make_banks); got {type(banks).__name__}"
        )
    for i, b in enumerate(banks):
        if not isinstance(b, credit.Bank):
            raise TypeError(f"{name}[{i}] must be a Bank; got {type(b).__name__}")
    return list(banks)


def federation(
    train_banks: Sequence[credit.Bank], test_banks: Sequence[credit.Bank]
) -> tuple[Dataset, list[np.ndarray]]:
    """The engine's view: a :class:`Dataset` of all banks' design columns, and each bank's train rows.

    The test part is every bank's test set together (the engine reports accuracy on it each round;
    per-bank scores come from :func:`per_bank_scores`).
    """
    train_banks, test_banks = _banks(train_banks, "train_banks"), _banks(test_banks, "test_banks")
    if len(train_banks) != len(test_banks):
        raise ValueError(
            f"train_banks and test_banks must list the same banks; got {len(train_banks)} and {len(test_banks)}"
        )
    x_train = np.concatenate([credit.design(b.X) for b in train_banks]).astype(np.float32)
    x_test = np.concatenate([credit.design(b.X) for b in test_banks]).astype(np.float32)
    y_train = np.concatenate([b.y for b in train_banks]).astype(np.int64)
    y_test = np.concatenate([b.y for b in test_banks]).astype(np.int64)
    ends = np.cumsum([len(b) for b in train_banks])
    parts = [np.arange(end - len(b), end) for b, end in zip(train_banks, ends, strict=True)]
    return Dataset("credit", x_train, y_train, x_test, y_test, n_classes=2), parts


def _array(value: object) -> np.ndarray:
    """A torch tensor or array-like as a float64 numpy array."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=float)


def logistic_from_state(state: Mapping) -> tuple[float, np.ndarray]:
    """``(intercept, coef)`` of a one-layer, two-class model: row 1 minus row 0 of its weight and bias.

    softmax([z0, z1])[1] = sigmoid(z1 - z0), so the two-class linear model is the logistic regression
    with ``coef = W[1] - W[0]`` and ``intercept = b[1] - b[0]``.

    >>> import torch
    >>> logistic_from_state({"0.weight": torch.tensor([[0.0, 1.0], [0.5, 3.0]]), "0.bias": torch.tensor([1.0, 0.0])})
    (-1.0, array([0.5, 2. ]))
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a state_dict (a mapping); got {type(state).__name__}")
    weights = [k for k in state if k.endswith("weight")]
    if len(weights) != 1:
        raise ValueError(f"state must hold exactly one linear layer (mlp((d, 2))); got weights {weights}")
    W = _array(state[weights[0]])
    b = _array(state[weights[0][: -len("weight")] + "bias"])
    if W.ndim != 2 or W.shape[0] != 2 or b.shape != (2,):
        raise ValueError(
            f"state must be a two-class linear layer: weight (2, d), bias (2,); got {W.shape} and {b.shape}"
        )
    return float(b[1] - b[0]), W[1] - W[0]


def pooled_and_alone(
    train_banks: Sequence[credit.Bank], *, l2: float = 1e-3
) -> tuple[tuple[float, np.ndarray], list[tuple[float, np.ndarray]]]:
    """The two baselines by maximum likelihood: ``(pooled model, [each bank's own model])``.

    >>> splits = [credit.train_test_split(b, seed=0) for b in credit.make_banks(seed=0)]
    >>> pooled, alone = pooled_and_alone([s[0] for s in splits])
    >>> round(pooled[0], 2), len(alone)
    (-2.82, 5)
    """
    train_banks = _banks(train_banks, "train_banks")
    Z = np.concatenate([credit.design(b.X) for b in train_banks])
    pooled = credit.fit_logistic(Z, np.concatenate([b.y for b in train_banks]), l2=l2)
    alone = [credit.fit_logistic(credit.design(b.X), b.y, l2=l2) for b in train_banks]
    return pooled, alone


def train_federated(
    train_banks: Sequence[credit.Bank],
    test_banks: Sequence[credit.Bank],
    algorithm=None,
    *,
    rounds: int = 30,
    E: int = 1,
    B: int | None = 64,
    lr: float = 0.3,
    seed: int = 0,
):
    """Train ``mlp((6, 2))`` with ``algorithm`` (default FedAvg) over the banks: ``((intercept, coef), history)``.

    All banks train in every round (C = 1, as in cross-silo federations); E local epochs of
    minibatches of B customers with learning rate ``lr``; the fast engine. Arguments are checked by
    :func:`~fedlearn_edu.simulation.simulate`.

    >>> splits = [credit.train_test_split(b, seed=0) for b in credit.make_banks(seed=0)]
    >>> (intercept, coef), history = train_federated([s[0] for s in splits], [s[1] for s in splits], rounds=5)
    >>> history.rounds, round(intercept, 2)
    (5, -2.67)
    """
    from fedlearn_edu.simulation import mlp, simulate  # torch: only when a federation is trained

    data, parts = federation(train_banks, test_banks)
    history = simulate(data, parts, algorithm, mlp((data.x_train.shape[1], 2), seed=seed),
                       rounds=rounds, C=1.0, E=E, B=B, lr=lr, seed=seed, progress=False)  # fmt: skip
    return logistic_from_state(history.final_state), history


def local_intercept(
    model: tuple[float, np.ndarray], bank: credit.Bank, *, steps: int = 50
) -> tuple[float, np.ndarray]:
    """The shared ``model`` with its intercept re-fitted by maximum likelihood on ``bank`` alone.

    The coefficients (the ranking) stay shared; the intercept becomes the one for which the
    predicted defaults add up to the bank's observed defaults (Newton's method in one variable).

    >>> bank = credit.make_banks(seed=0)[2]
    >>> b0, coef = local_intercept((0.0, credit.TRUE_MODEL.coef), bank)
    >>> round(b0, 2), bool(abs(credit.sigmoid(b0 + credit.design(bank.X) @ coef).sum() - bank.y.sum()) < 1e-6)
    (-2.89, True)
    """
    if not isinstance(bank, credit.Bank):
        raise TypeError(f"bank must be a Bank (from make_banks); got {type(bank).__name__}")
    intercept, coef = float(model[0]), np.asarray(model[1], dtype=float)
    if bank.y.sum() in (0, len(bank)):
        raise ValueError(f"bank {bank.name!r} needs both defaults and non-defaults to fit an intercept")
    score = credit.design(bank.X) @ coef
    for _ in range(steps):
        p = credit.sigmoid(intercept + score)
        step = (p.sum() - bank.y.sum()) / max((p * (1 - p)).sum(), 1e-12)
        intercept -= step
        if abs(step) < 1e-12:
            break
    return float(intercept), coef


def probabilities(
    models: Mapping[str, tuple[float, np.ndarray] | Sequence[tuple[float, np.ndarray]]],
    banks: Sequence[credit.Bank],
) -> dict[str, list[np.ndarray]]:
    """Each method's predicted default probabilities, one array per bank: ``{method: [p_bank, ...]}``.

    ``models`` maps a method's name to one ``(intercept, coef)`` used at every bank, or to a list of
    them, one per bank (e.g. "alone"). ``"true model"`` (each customer's true ``p_default``) comes
    first. This is the input of :func:`~fedlearn_edu.applications.evaluate.per_site_table`
    (AUC and accuracy with bootstrap intervals, shared with the medical part):

    >>> from fedlearn_edu.applications.evaluate import per_site_table
    >>> splits = [credit.train_test_split(b, seed=0) for b in credit.make_banks(seed=0)]
    >>> test = [s[1] for s in splits]
    >>> probs = probabilities({"pooled": pooled_and_alone([s[0] for s in splits])[0]}, test)
    >>> rows = per_site_table(probs, [b.y for b in test], [b.name for b in test], n_boot=200)
    >>> [(r["method"], r["site"], round(r["auc"], 3), round(r["auc_low"], 2)) for r in rows[5:7]]
    [('pooled', 'national', 0.839, 0.8), ('pooled', 'private', 0.883, 0.83)]
    """
    banks = _banks(banks, "banks")
    if not isinstance(models, Mapping):
        raise TypeError(f"models must map a method name to (intercept, coef); got {type(models).__name__}")
    out = {"true model": [b.p_default for b in banks]}
    for method, model in models.items():
        per_bank = model if isinstance(model, list) else [model] * len(banks)
        if len(per_bank) != len(banks):
            raise ValueError(f"models[{method!r}] lists {len(per_bank)} models for {len(banks)} banks")
        out[method] = [
            credit.sigmoid(float(b0) + credit.design(bank.X) @ np.asarray(coef))
            for bank, (b0, coef) in zip(banks, per_bank, strict=True)
        ]
    return out


def per_bank_scores(
    models: Mapping[str, tuple[float, np.ndarray] | Sequence[tuple[float, np.ndarray]]],
    test_banks: Sequence[credit.Bank],
    *,
    truth: credit.TrueModel = credit.TRUE_MODEL,
) -> list[dict]:
    """One row per (method, bank): AUC, average precision, Brier, ECE, and the coefficient error.

    ``models`` as in :func:`probabilities` (the ``"true model"`` rows, the ceiling, come first).
    ``coef_error`` is the largest absolute difference from ``truth.coef`` (NaN for the truth; for
    a list of per-bank models, each bank's own). For bootstrap intervals use
    :func:`~fedlearn_edu.applications.evaluate.per_site_table` on :func:`probabilities`.
    """
    test_banks = _banks(test_banks, "test_banks")
    probs = probabilities(models, test_banks)
    rows = []
    for method, per_bank in probs.items():
        model = models.get(method)
        coefs = model if isinstance(model, list) else [model] * len(test_banks)
        for bank, p, m in zip(test_banks, per_bank, coefs, strict=True):
            rows.append(
                {
                    "method": method,
                    "bank": bank.name,
                    "auc": auc(bank.y, p),
                    "average_precision": average_precision(bank.y, p),
                    "brier": brier_score(bank.y, p),
                    "ece": expected_calibration_error(bank.y, p),
                    "coef_error": float("nan")
                    if m is None
                    else float(np.abs(np.asarray(m[1]) - truth.coef).max()),
                }
            )
    return rows

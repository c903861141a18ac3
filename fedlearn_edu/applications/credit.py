"""Synthetic credit data: several banks, different customers, one known default model (lesson 08).

Real loan books cannot ship with a teaching kit, so this module *generates* them -- which has one
advantage a real data set never has: the **true default model is known**. Every customer's default
probability comes from one logistic model (:data:`TRUE_MODEL`), the same at every bank, so a lesson
can say how close each way of training gets to the truth (the true model's AUC is the ceiling; the
distance of fitted coefficients from :data:`TRUE_MODEL` is the coefficient error).

What differs between banks is *who their customers are* (covariate shift), and with it the default
rate (see :data:`BANKS`): a large national bank, a private bank with older, better-off customers and rare
defaults (about 2-3 %, the rare-positive regime), a consumer-credit lender with many defaults, a small
regional bank, and a young digital bank with young customers and short credit histories. A profile's
``logit_shift`` adds a concept shift at one bank (it counts defaults differently); none of
:data:`BANKS` uses it.

Each customer has five raw features (:data:`FEATURES`):

=================  ==========================================================================
``age``            years, 18-85
``income``         yearly income, thousands of euros (log-normal)
``debt_ratio``     monthly debt payments / monthly income, 0-1 (beta distributed)
``history_years``  length of the credit history, years (at most ``age - 18``)
``late_payments``  late payments in the last two years (Poisson; more with a higher debt ratio)
=================  ==========================================================================

The true model is a logistic regression on :func:`design` (X): the five features put on a fixed
scale (the same constants at every bank, like a published scorecard, so no data is needed to
compute them) plus **one interaction**, ``debt_ratio x late_payments`` (a customer who already pays
late *and* owes a lot is riskier than the two effects added). A logistic regression on the six
design columns can therefore recover :data:`TRUE_MODEL` exactly; one on the five main effects
alone (``design(X, interaction=False)``) cannot.

>>> banks = make_banks(seed=0)
>>> [b.name for b in banks]
['national', 'private', 'consumer', 'regional', 'digital']
>>> [len(b.y) for b in banks]
[5000, 1200, 2500, 600, 1500]
>>> [round(float(b.y.mean()), 3) for b in banks]   # default rates
[0.066, 0.031, 0.218, 0.058, 0.117]
>>> design(banks[0].X).shape
(5000, 6)

Numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fedlearn_edu._validation import check_count, check_fraction, check_real, rng

__all__ = [
    "BANKS",
    "DESIGN_COLUMNS",
    "FEATURES",
    "TRUE_MODEL",
    "Bank",
    "BankProfile",
    "TrueModel",
    "design",
    "draw_customers",
    "fit_logistic",
    "make_banks",
    "sigmoid",
    "train_test_split",
]

FEATURES = ("age", "income", "debt_ratio", "history_years", "late_payments")
DESIGN_COLUMNS = (*FEATURES, "debt_ratio x late_payments")

# The fixed scale of design(): (centre, spread) of each raw feature; income on the log scale.
_SCALE = {
    "age": (45.0, 15.0),
    "income": (np.log(35.0), 0.5),
    "debt_ratio": (0.35, 0.15),
    "history_years": (10.0, 8.0),
    "late_payments": (0.5, 1.0),
}


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), computed without overflow.

    >>> sigmoid(np.array([-800.0, 0.0, 800.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _check_raw(X: object, name: str = "X") -> np.ndarray:
    """Raw customer features: a finite (n, 5) array in the order of :data:`FEATURES`."""
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers; got {type(X).__name__}") from None
    if X.ndim != 2 or X.shape[1] != len(FEATURES):
        raise ValueError(
            f"{name} must have shape (n, {len(FEATURES)}) (columns {FEATURES}); got shape {X.shape}"
        )
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or inf: every feature must be finite")
    if (X[:, 1] <= 0).any():
        raise ValueError(f"{name}: income (column 1) must be > 0; got {X[:, 1].min()!r}")
    return X


def design(X: np.ndarray, *, interaction: bool = True) -> np.ndarray:
    """The columns the true model is linear in: raw features on a fixed scale, plus the interaction.

    ``z = (feature - centre) / spread`` with the same constants everywhere (income: its logarithm),
    then ``z_debt_ratio * z_late_payments`` as a sixth column (left out with ``interaction=False``).

    >>> design(np.array([[45.0, 35.0, 0.35, 10.0, 0.5]])).tolist()
    [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
    >>> design(np.array([[60.0, 35.0, 0.5, 10.0, 1.5]]), interaction=False).round(2).tolist()
    [[1.0, 0.0, 1.0, 0.0, 1.0]]
    """
    X = _check_raw(X)
    cols = []
    for j, name in enumerate(FEATURES):
        centre, spread = _SCALE[name]
        x = np.log(X[:, j]) if name == "income" else X[:, j]
        cols.append((x - centre) / spread)
    if interaction:
        cols.append(cols[2] * cols[4])
    return np.column_stack(cols)


@dataclass(frozen=True)
class TrueModel:
    """The known default model: P(default | x) = sigmoid(intercept + design(x) @ coef).

    >>> TRUE_MODEL.coef.tolist()
    [-0.3, -0.6, 0.7, -0.4, 0.6, 0.25]
    >>> round(float(TRUE_MODEL.probability(np.array([[45.0, 35.0, 0.35, 10.0, 0.5]]))[0]), 4)
    0.0522
    """

    intercept: float
    coef: np.ndarray  # one per DESIGN_COLUMNS entry

    def logit(self, X: np.ndarray) -> np.ndarray:
        """The log-odds of default for raw features ``X`` (n, 5)."""
        return self.intercept + design(X) @ self.coef

    def probability(self, X: np.ndarray) -> np.ndarray:
        """The probability of default for raw features ``X`` (n, 5)."""
        return sigmoid(self.logit(X))

    def as_dict(self) -> dict[str, float]:
        """``{"intercept": ..., column name: coefficient, ...}``, for tables."""
        return {"intercept": self.intercept, **dict(zip(DESIGN_COLUMNS, self.coef.tolist(), strict=True))}


#: Older, richer, longer history, fewer late payments, lower debt: lower risk; the interaction adds risk.
TRUE_MODEL = TrueModel(intercept=-2.9, coef=np.array([-0.3, -0.6, 0.7, -0.4, 0.6, 0.25]))


@dataclass(frozen=True)
class BankProfile:
    """Who a bank's customers are: how many, and the centre of each feature's distribution.

    ``late_rate`` is the mean number of late payments at the average debt ratio (0.35).
    ``logit_shift`` (default 0: none of :data:`BANKS` uses it) is added to the true model's logit at
    this bank only -- a *concept shift*, e.g. a bank that counts a loan as defaulted sooner. With
    it, the same customer has a different default probability at different banks, and one shared
    model cannot be calibrated for all of them.
    """

    name: str
    n_customers: int
    age_mean: float  # years
    income_median: float  # thousand euros a year
    debt_ratio_mean: float  # 0-1
    late_rate: float  # late payments in two years, at debt ratio 0.35
    logit_shift: float = 0.0  # added to the true logit at this bank (concept shift)


#: Five banks; expected default rates about 6 %, 2.6 %, 22 %, 6.5 % and 12 % (the mean of
#: ``p_default`` over a large draw); the drawn rates of one seed differ by chance (module example).
BANKS = (
    BankProfile("national", 5000, age_mean=45, income_median=38, debt_ratio_mean=0.33, late_rate=0.40),
    BankProfile("private", 1200, age_mean=52, income_median=45, debt_ratio_mean=0.28, late_rate=0.15),
    BankProfile("consumer", 2500, age_mean=38, income_median=26, debt_ratio_mean=0.42, late_rate=0.80),
    BankProfile("regional", 600, age_mean=50, income_median=32, debt_ratio_mean=0.35, late_rate=0.35),
    BankProfile("digital", 1500, age_mean=29, income_median=33, debt_ratio_mean=0.32, late_rate=0.50),
)


@dataclass(frozen=True, eq=False)
class Bank:
    """One bank's customers: raw features ``X`` (n, 5), defaults ``y`` (0/1), and the truth.

    ``p_default`` is each customer's true default probability (:data:`TRUE_MODEL`, plus the
    profile's ``logit_shift`` if any); ``y`` was drawn from it. ``customer_id`` is a number unique across all banks of one :func:`make_banks` call.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    p_default: np.ndarray
    customer_id: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


def draw_customers(profile: BankProfile, n: int, *, seed=0) -> np.ndarray:
    """Raw features (n, 5) of ``n`` customers drawn from ``profile`` (see the module table).

    >>> X = draw_customers(BANKS[0], 3, seed=0)
    >>> X.shape, bool((X[:, 3] <= X[:, 0] - 18).all())
    ((3, 5), True)
    """
    n = check_count(n, "n", minimum=1)
    g = rng(seed)
    age = np.clip(g.normal(profile.age_mean, 12.0, n), 18.0, 85.0)
    income = np.exp(g.normal(np.log(profile.income_median) + 0.01 * (age - profile.age_mean), 0.45))
    k = 10.0  # beta concentration: mean m, variance m(1-m)/(k+1)
    debt = g.beta(profile.debt_ratio_mean * k, (1 - profile.debt_ratio_mean) * k, n)
    history = g.uniform(0.1, 1.0, n) * (age - 18.0)
    late = g.poisson(profile.late_rate * np.exp(2.0 * (debt - 0.35))).astype(float)
    return np.column_stack([age, income, debt, history, late])


def make_banks(
    profiles: Sequence[BankProfile] = BANKS,
    *,
    model: TrueModel = TRUE_MODEL,
    scale: float = 1.0,
    seed=0,
) -> list[Bank]:
    """Generate every bank's customers and their defaults (drawn from ``model``).

    ``scale`` multiplies every bank's size (e.g. 0.2 for a quick test). Same seed, same data.

    >>> banks = make_banks(scale=0.1, seed=1)
    >>> [len(b) for b in banks], banks[1].customer_id[:2].tolist()
    ([500, 120, 250, 60, 150], [500, 501])
    """
    if isinstance(profiles, BankProfile) or not isinstance(profiles, Sequence) or not profiles:
        raise TypeError(
            f"profiles must be a non-empty sequence of BankProfile; got {type(profiles).__name__}"
        )
    for i, p in enumerate(profiles):
        if not isinstance(p, BankProfile):
            raise TypeError(f"profiles[{i}] must be a BankProfile; got {type(p).__name__}")
    if not isinstance(model, TrueModel):
        raise TypeError(f"model must be a TrueModel; got {type(model).__name__}")
    scale = check_real(scale, "scale", low=0, include_low=False)
    g = rng(seed)
    banks, start = [], 0
    for p in profiles:
        n = max(1, round(p.n_customers * scale))
        X = draw_customers(p, n, seed=g)
        prob = sigmoid(model.logit(X) + check_real(p.logit_shift, f"{p.name}.logit_shift"))
        y = (g.random(n) < prob).astype(np.int64)
        banks.append(Bank(p.name, X, y, prob, np.arange(start, start + n)))
        start += n
    return banks


def train_test_split(bank: Bank, *, test_fraction: float = 0.3, seed=0) -> tuple[Bank, Bank]:
    """Split one bank's customers into train and test, stratified (same default rate in both).

    >>> train, test = train_test_split(make_banks(seed=0)[1], seed=0)
    >>> len(train), len(test), int(train.y.sum()), int(test.y.sum())
    (840, 360, 26, 11)
    """
    if not isinstance(bank, Bank):
        raise TypeError(f"bank must be a Bank (from make_banks); got {type(bank).__name__}")
    test_fraction = check_fraction(test_fraction, "test_fraction", closed=False)
    g = rng(seed)
    test = []
    for label in (0, 1):
        idx = np.flatnonzero(bank.y == label)
        g.shuffle(idx)
        test.append(idx[: round(len(idx) * test_fraction)])
    test_idx = np.sort(np.concatenate(test))
    train_idx = np.setdiff1d(np.arange(len(bank)), test_idx)

    def take(idx: np.ndarray) -> Bank:
        return Bank(bank.name, bank.X[idx], bank.y[idx], bank.p_default[idx], bank.customer_id[idx])

    return take(train_idx), take(test_idx)


def fit_logistic(
    Z: np.ndarray, y: np.ndarray, *, l2: float = 1e-4, steps: int = 50
) -> tuple[float, np.ndarray]:
    """Maximum-likelihood logistic regression by Newton's method: ``(intercept, coef)``.

    Minimises the mean log loss plus ``l2/2 * |coef|^2`` (the intercept is not penalised; a small
    ``l2`` keeps a bank with few defaults from diverging). Stops early once a step changes no
    coefficient by more than 1e-10. Used for the "pooled" and "each bank alone" baselines, and to
    check that the generator's true model can be recovered from enough data.

    >>> banks = make_banks(scale=2, seed=0)
    >>> Z = design(np.concatenate([b.X for b in banks])); y = np.concatenate([b.y for b in banks])
    >>> b0, coef = fit_logistic(Z, y)
    >>> round(b0, 1), np.round(coef, 1).tolist()
    (-2.9, [-0.3, -0.6, 0.7, -0.4, 0.6, 0.2])
    """
    Z = np.asarray(Z, dtype=float)
    y = np.asarray(y)
    if Z.ndim != 2 or y.shape != (len(Z),):
        raise ValueError(f"Z must be (n, d) and y (n,); got shapes {Z.shape} and {y.shape}")
    if not np.isfinite(Z).all():
        raise ValueError("Z contains NaN or inf")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"y must hold 0/1 labels; got values {np.unique(y)[:5].tolist()}")
    l2 = check_real(l2, "l2", low=0)
    steps = check_count(steps, "steps", minimum=1)
    A = np.column_stack([np.ones(len(Z)), Z])
    penalty = np.full(A.shape[1], l2)
    penalty[0] = 0.0
    theta = np.zeros(A.shape[1])
    n = len(y)
    for _ in range(steps):
        p = sigmoid(A @ theta)
        grad = A.T @ (p - y) / n + penalty * theta
        hess = (A * (p * (1 - p))[:, None]).T @ A / n + np.diag(penalty) + 1e-12 * np.eye(A.shape[1])
        delta = np.linalg.solve(hess, grad)
        theta = theta - delta
        if np.max(np.abs(delta)) < 1e-10:
            break
    return float(theta[0]), theta[1:]

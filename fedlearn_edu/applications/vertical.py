"""Vertical federated learning, from scratch: a bank and a retailer, the same customers, different columns.

In *horizontal* FL the parties hold different customers with the same features; in *vertical* FL
they hold different features of the same customers (the taxonomy of Yang, Liu, Chen and Tong, 2019,
"Federated Machine Learning: Concept and Applications", ACM TIST 10(2)). Here a **bank** holds its
customers' financial features and whether they defaulted (the labels); a **retailer** holds
shopping behaviour of partly the same people. Two steps:

1. **Align** the shared customers without swapping customer lists (:func:`salted_hash_psi`). Real
   systems use a private set intersection (PSI) protocol, which reveals the intersection and
   nothing else. The toy here -- both sides hash ``salt + id`` and compare hashes -- is *not* one:
   with the shared salt and a small ID space, either side can hash every possible ID and read the
   other's whole customer list (:func:`dictionary_attack`), or test any one person
   (:func:`is_customer`).
2. **Train** a logistic regression whose weights live with the party that holds the columns
   (:func:`train_vertical`): each step, the retailer sends its partial logits ``X_r @ w_r`` (one number
   per customer); the bank adds its own, computes the residuals ``sigmoid(logit) - y`` and sends them
   back; each party updates its own weights with ``X_k.T @ residual / n``. The result equals
   gradient descent on the joined table (:func:`train_joined`) up to floating-point rounding.

What each side receives still leaks: the residuals' signs *are* the labels
(:func:`labels_from_residuals`), and the partial logits are the retailer's per-customer risk score.
Hardy et al. (2017), "Private federated learning on vertically partitioned data via entity
resolution and additively homomorphic encryption" (arXiv:1711.10677), keep these messages encrypted
with an additively homomorphic scheme, a third party (the coordinator) holding the decryption key,
and train on a Taylor approximation of the logistic
loss; this module shows the plaintext protocol so that what the encryption has to hide is visible.

>>> bank, retailer = make_bank_and_retailer(seed=0)
>>> len(bank.ids), len(retailer.ids), len(set(bank.ids) & set(retailer.ids))
(3000, 4000, 2000)
>>> b_rows, r_rows = salted_hash_psi(bank.ids, retailer.ids, salt=b"shared-salt")
>>> bool((bank.ids[b_rows] == retailer.ids[r_rows]).all()), len(b_rows)
(True, 2000)

Numpy and the standard library (``hashlib``) only.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from fedlearn_edu._validation import check_count, check_real, rng
from fedlearn_edu.applications.credit import BANKS, FEATURES, TRUE_MODEL, draw_customers, sigmoid

__all__ = [
    "INTERCEPT_SHIFT",
    "RETAIL_COEF",
    "RETAIL_FEATURES",
    "TOY_PRIME",
    "Party",
    "PartyData",
    "VerticalRun",
    "dh_psi",
    "dictionary_attack",
    "hash_ids",
    "is_customer",
    "labels_from_residuals",
    "make_bank_and_retailer",
    "reconstruct_partner_columns",
    "retail_design",
    "salted_hash_psi",
    "shared_rows",
    "train_joined",
    "train_vertical",
    "true_probability",
]

RETAIL_FEATURES = ("bnpl_share", "spend_volatility")
#: The retailer's columns in the true model (see :func:`true_probability`).
RETAIL_COEF = np.array([0.8, 0.6])
#: Added to TRUE_MODEL's intercept so that about 5 % of the shared customers default.
INTERCEPT_SHIFT = -0.6


# --- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PartyData:
    """One party's table: customer ``ids`` (int64), raw features ``X`` and, at the bank, labels ``y``."""

    name: str
    ids: np.ndarray
    X: np.ndarray
    feature_names: tuple[str, ...]
    y: np.ndarray | None = None


def retail_design(X_retail: np.ndarray) -> np.ndarray:
    """The retailer's two columns on a fixed scale: ``(bnpl - 0.15) / 0.1`` and ``log(vol / 0.3) / 0.3``.

    >>> retail_design(np.array([[0.15, 0.3]])).tolist()
    [[0.0, 0.0]]
    """
    X = np.asarray(X_retail, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X_retail must have shape (n, 2) (columns {RETAIL_FEATURES}); got shape {X.shape}")
    if not np.isfinite(X).all() or (X[:, 1] <= 0).any():
        raise ValueError("X_retail must be finite, with spend_volatility > 0")
    return np.column_stack([(X[:, 0] - 0.15) / 0.1, np.log(X[:, 1] / 0.3) / 0.3])


def true_probability(X_bank: np.ndarray, X_retail: np.ndarray) -> np.ndarray:
    """The known default model of the shared customers (raw features of both parties, aligned rows).

    ``sigmoid(TRUE_MODEL.logit(X_bank) + INTERCEPT_SHIFT + retail_design(X_retail) @ RETAIL_COEF)``:
    the bank's six design columns keep their :data:`~fedlearn_edu.applications.credit.TRUE_MODEL`
    coefficients, the retailer's two add :data:`RETAIL_COEF`.

    >>> round(float(true_probability(np.array([[45.0, 35.0, 0.35, 10.0, 0.5]]), np.array([[0.15, 0.3]]))[0]), 4)
    0.0293
    """
    logit = TRUE_MODEL.logit(X_bank) + INTERCEPT_SHIFT + retail_design(X_retail) @ RETAIL_COEF
    return sigmoid(logit)


def make_bank_and_retailer(
    n_bank: int = 3000,
    n_retailer: int = 4000,
    n_shared: int = 2000,
    *,
    id_space: int = 1_000_000,
    seed=0,
) -> tuple[PartyData, PartyData]:
    """A bank and a retailer with ``n_shared`` customers in common, each table in its own row order.

    Customer ids are distinct whole numbers below ``id_space`` (think of a six-digit membership
    number). The bank holds the five :data:`~fedlearn_edu.applications.credit.FEATURES` and the
    defaults ``y``; the retailer holds :data:`RETAIL_FEATURES` (share of purchases paid later, and
    how much monthly spending varies). Defaults are drawn from the known model
    :func:`true_probability`.

    >>> bank, retailer = make_bank_and_retailer(30, 20, 10, seed=1)
    >>> bank.X.shape, retailer.X.shape, bank.y.shape, retailer.y is None
    ((30, 5), (20, 2), (30,), True)
    """
    n_bank = check_count(n_bank, "n_bank", minimum=1)
    n_retailer = check_count(n_retailer, "n_retailer", minimum=1)
    n_shared = check_count(n_shared, "n_shared", minimum=0, maximum=min(n_bank, n_retailer))
    total = n_bank + n_retailer - n_shared
    id_space = check_count(id_space, "id_space", minimum=total)
    g = rng(seed)
    X_bank = draw_customers(BANKS[0], total, seed=g)
    bnpl = g.beta(2.0, 12.0, total) + 0.3 * np.clip(X_bank[:, 2] - 0.35, 0, None)
    volatility = np.exp(g.normal(np.log(0.3), 0.3, total))
    X_retail = np.column_stack([bnpl, volatility])
    p = true_probability(X_bank, X_retail)
    y = (g.random(total) < p).astype(np.int64)
    ids = g.choice(id_space, size=total, replace=False).astype(np.int64)
    at_bank = g.permutation(np.arange(n_bank))  # persons 0 .. n_bank-1, shuffled
    at_retailer = g.permutation(np.arange(n_bank - n_shared, total))
    bank = PartyData("bank", ids[at_bank], X_bank[at_bank], FEATURES, y[at_bank])
    retailer = PartyData("retailer", ids[at_retailer], X_retail[at_retailer], RETAIL_FEATURES)
    return bank, retailer


# --- aligning the shared customers ---------------------------------------------------------------


def _ids(ids: Iterable, name: str) -> np.ndarray:
    arr = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(
            f"{name} must be a 1-d sequence of whole-number ids; got dtype {arr.dtype}, shape {arr.shape}"
        )
    if len(np.unique(arr)) != len(arr):
        raise ValueError(f"{name} must not repeat an id; got {len(arr) - len(np.unique(arr))} repeats")
    return arr.astype(np.int64)


def _salt(salt: object) -> bytes:
    if not isinstance(salt, bytes):
        raise TypeError(f"salt must be bytes (e.g. b'shared-salt'); got {type(salt).__name__}")
    return salt


def hash_ids(ids: Iterable[int], salt: bytes) -> list[str]:
    """SHA-256 of ``salt + str(id)`` for each id, as hex strings: what each party sends the other.

    >>> hash_ids([42], b"s")[0][:16]
    'e903fcd0a7b9e8f1'
    """
    salt = _salt(salt)
    return [hashlib.sha256(salt + str(int(i)).encode()).hexdigest() for i in _ids(ids, "ids")]


def shared_rows(my_hashes: Sequence[str], their_hashes: Iterable[str]) -> np.ndarray:
    """What each party runs on its own: its rows whose hash the other also sent, **in hash order**.

    Sorting by hash is what lets both parties list the shared customers in the same order without
    sending a single id: the same customer has the same hash on both sides.

    >>> shared_rows(["c", "a", "b"], ["b", "c", "x"]).tolist()
    [2, 0]
    """
    theirs = set(their_hashes)
    mine = sorted((h, i) for i, h in enumerate(my_hashes) if h in theirs)
    return np.array([i for _, i in mine], dtype=np.int64)


def salted_hash_psi(
    ids_a: Iterable[int], ids_b: Iterable[int], *, salt: bytes
) -> tuple[np.ndarray, np.ndarray]:
    """The toy alignment: rows ``(rows_a, rows_b)`` with ``ids_a[rows_a] == ids_b[rows_b]``.

    Each party hashes its own ids with the shared ``salt`` (:func:`hash_ids`) and sends the hashes;
    each then keeps its rows whose hash the other also sent (:func:`shared_rows`). **Not private:**
    see :func:`dictionary_attack` and :func:`is_customer`.

    >>> salted_hash_psi([7, 3, 9], [9, 8, 7], salt=b"s")
    (array([0, 2]), array([2, 0]))
    """
    hashes_a, hashes_b = hash_ids(ids_a, salt), hash_ids(ids_b, salt)  # each sends these to the other
    return shared_rows(hashes_a, hashes_b), shared_rows(hashes_b, hashes_a)


def dictionary_attack(received: Iterable[str], *, salt: bytes, id_space: int) -> np.ndarray:
    """Recover the ids behind salted hashes by hashing every id below ``id_space`` (sorted ids found).

    Works because the receiver knows the salt (it had to, to hash its own ids the same way) and the
    ids come from a small space. The other party's customers *outside* the intersection are exposed too.

    >>> dictionary_attack(hash_ids([12, 7], b"s"), salt=b"s", id_space=100).tolist()
    [7, 12]
    """
    salt = _salt(salt)
    id_space = check_count(id_space, "id_space", minimum=1)
    wanted = set(received)
    found = [i for i in range(id_space) if hashlib.sha256(salt + str(i).encode()).hexdigest() in wanted]
    return np.array(found, dtype=np.int64)


def is_customer(person_id: int, received: Iterable[str], *, salt: bytes) -> bool:
    """Membership test: is ``person_id`` among the other party's customers? One hash, no search.

    >>> hashes = hash_ids([12, 7], b"s")
    >>> is_customer(7, hashes, salt=b"s"), is_customer(8, hashes, salt=b"s")
    (True, False)
    """
    return hash_ids([check_count(person_id, "person_id")], salt)[0] in set(received)


def _secret_exponent(g: np.random.Generator) -> int:
    """A secret key for :func:`dh_psi`: coprime to p - 1, so that x -> x**key is one-to-one."""
    while True:
        key = int.from_bytes(g.bytes(16), "big") % (TOY_PRIME - 3) + 2
        if math.gcd(key, TOY_PRIME - 1) == 1:
            return key


#: The toy group of :func:`dh_psi`: whole numbers modulo the Mersenne prime 2**127 - 1. Far too weak
#: for real use (p - 1 has only small factors, so discrete logarithms are easy); real deployments
#: use a standard group, e.g. an elliptic curve, and hash onto it properly.
TOY_PRIME = 2**127 - 1


def _to_group(person_id: int) -> int:
    return int.from_bytes(hashlib.sha256(str(int(person_id)).encode()).digest(), "big") % TOY_PRIME


def dh_psi(ids_a: Iterable[int], ids_b: Iterable[int], *, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """A Diffie-Hellman-style PSI (toy parameters): rows ``(rows_a, rows_b)`` of the shared ids.

    Each party has a secret key (``a``, ``b``) and *blinds* its hashed ids by raising them to it:
    A sends ``h(x)**a``, B sends ``h(y)**b`` (mod :data:`TOY_PRIME`). Each raises what it received to
    its own key and sends it back, so both hold ``h(x)**(a*b)`` for their own rows and ``h(y)**(b*a)``
    for the other's. Since ``(h**a)**b == (h**b)**a``, a shared customer gives the same doubly-blinded
    number on both sides; sorted by it (as text), both list the shared customers in the same order.
    Unlike :func:`salted_hash_psi`, neither can test a guess: checking ``z`` against B's
    ``h(y)**b`` needs ``b``. Each learns the intersection and the size of the other's list.

    >>> dh_psi([7, 3, 9], [9, 8, 7], seed=0)
    (array([2, 0]), array([0, 2]))
    """
    ids_a, ids_b = _ids(ids_a, "ids_a"), _ids(ids_b, "ids_b")
    g = rng(seed)
    a, b = _secret_exponent(g), _secret_exponent(g)
    p = TOY_PRIME
    sent_by_a = [pow(_to_group(x), a, p) for x in ids_a]  # A -> B
    sent_by_b = [pow(_to_group(y), b, p) for y in ids_b]  # B -> A
    a_own_double = [pow(v, b, p) for v in sent_by_a]  # B blinds A's values again, sends them back
    b_own_double = [pow(v, a, p) for v in sent_by_b]  # A does the same for B
    # each now compares its own doubly-blinded list with the other's (the same numbers for shared ids)
    own_a, own_b = [str(v) for v in a_own_double], [str(v) for v in b_own_double]
    return shared_rows(own_a, own_b), shared_rows(own_b, own_a)


# --- training: the split logistic regression -----------------------------------------------------


@dataclass(eq=False)
class Party:
    """A party's share of the model: its columns ``X`` (n, d) and its weights (the bank also a bias).

    Only two things ever leave a party: :meth:`partial_logit` (n numbers) and, at the label holder,
    the residuals (n numbers). Its weights and columns stay home.
    """

    X: np.ndarray
    has_bias: bool = False
    w: np.ndarray = field(init=False)
    b: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.X = np.asarray(self.X, dtype=float)
        self.w = np.zeros(self.X.shape[1])

    def partial_logit(self) -> np.ndarray:
        """This party's part of every customer's logit: ``X @ w (+ b)``."""
        return self.X @ self.w + (self.b if self.has_bias else 0.0)

    def step(self, residual: np.ndarray, lr: float, l2: float) -> None:
        """One gradient step on the mean log loss, using the shared residuals ``p - y``."""
        n = len(residual)
        self.w -= lr * (self.X.T @ residual / n + l2 * self.w)
        if self.has_bias:
            self.b -= lr * residual.mean()


@dataclass(eq=False)
class VerticalRun:
    """The outcome of :func:`train_vertical`: both parties, and what each received, step by step."""

    bank: Party
    retailer: Party
    received_by_bank: list[np.ndarray]  # the retailer's partial logits, one array per step
    received_by_retailer: list[np.ndarray]  # the bank's residuals, one array per step
    loss: list[float]

    @property
    def values_sent(self) -> int:
        """Numbers that crossed between the parties (both directions)."""
        return sum(len(u) for u in self.received_by_bank) + sum(len(r) for r in self.received_by_retailer)


def _check_training(X_bank, y, X_retailer, lr, steps, l2):
    X_bank = np.asarray(X_bank, dtype=float)
    X_retailer = np.asarray(X_retailer, dtype=float)
    y = np.asarray(y)
    for name, X in (("X_bank", X_bank), ("X_retailer", X_retailer)):
        if X.ndim != 2:
            raise ValueError(f"{name} must be a 2-d array (customers x columns); got shape {X.shape}")
        if not np.isfinite(X).all():
            raise ValueError(f"{name} contains NaN or inf")
    if y.shape != (len(X_bank),) or len(X_retailer) != len(X_bank):
        raise ValueError(
            f"X_bank, y and X_retailer must have one row per shared customer, aligned; got "
            f"{len(X_bank)}, {y.shape} and {len(X_retailer)} rows (align them first: salted_hash_psi)"
        )
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"y must hold 0/1 labels; got values {np.unique(y)[:5].tolist()}")
    lr = check_real(lr, "lr", low=0, include_low=False)
    steps = check_count(steps, "steps", minimum=1)
    l2 = check_real(l2, "l2", low=0)
    return X_bank, y.astype(float), X_retailer, lr, steps, l2


def _log_loss(p: np.ndarray, y: np.ndarray) -> float:
    eps = 1e-15
    return float(-np.mean(y * np.log(np.clip(p, eps, 1)) + (1 - y) * np.log(np.clip(1 - p, eps, 1))))


def train_vertical(
    X_bank: np.ndarray,
    y: np.ndarray,
    X_retailer: np.ndarray,
    *,
    lr: float = 0.5,
    steps: int = 300,
    l2: float = 0.0,
) -> VerticalRun:
    """Full-batch gradient descent on a logistic regression split by columns between two parties.

    Rows must already be aligned (row i is the same customer at both). The bank holds ``y`` and the
    bias. Each step::

        u_r = retailer.partial_logit()          # retailer -> bank: n numbers
        p = sigmoid(bank.partial_logit() + u_r)  # at the bank
        residual = p - y                         # bank -> retailer: n numbers
        bank.step(residual); retailer.step(residual)

    >>> X_b, X_r, y = np.array([[1.0], [-1.0], [0.5]]), np.array([[0.2], [0.1], [-0.3]]), np.array([1, 0, 1])
    >>> run = train_vertical(X_b, y, X_r, lr=0.1, steps=2)
    >>> run.values_sent, np.round(run.bank.w, 4).tolist()
    (12, [0.0825])
    """
    X_bank, y, X_retailer, lr, steps, l2 = _check_training(X_bank, y, X_retailer, lr, steps, l2)
    bank, retailer = Party(X_bank, has_bias=True), Party(X_retailer)
    run = VerticalRun(bank, retailer, [], [], [])
    for _ in range(steps):
        u_r = retailer.partial_logit()
        run.received_by_bank.append(u_r)
        p = sigmoid(bank.partial_logit() + u_r)
        residual = p - y
        run.received_by_retailer.append(residual)
        run.loss.append(_log_loss(p, y))
        bank.step(residual, lr, l2)
        retailer.step(residual, lr, l2)
    return run


def train_joined(
    X: np.ndarray, y: np.ndarray, *, lr: float = 0.5, steps: int = 300, l2: float = 0.0
) -> tuple[np.ndarray, float]:
    """The same gradient descent on the joined table ``X = [X_bank | X_retailer]``: ``(w, b)``.

    >>> X, y = np.array([[1.0, 0.2], [-1.0, 0.1], [0.5, -0.3]]), np.array([1, 0, 1])
    >>> w, b = train_joined(X, y, lr=0.1, steps=2)
    >>> np.round(w, 4).tolist()[0]
    0.0825
    """
    X, y, _, lr, steps, l2 = _check_training(X, y, np.zeros((len(np.asarray(X)), 0)), lr, steps, l2)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        residual = sigmoid(X @ w + b) - y
        w = w - lr * (X.T @ residual / len(y) + l2 * w)
        b = b - lr * residual.mean()
    return w, b


def labels_from_residuals(residual: np.ndarray) -> np.ndarray:
    """What the retailer reads from one residual message: ``p - y < 0`` exactly when ``y = 1``.

    Since 0 < p < 1, a defaulter's residual is negative and everyone else's positive.

    >>> labels_from_residuals(np.array([0.3, -0.8, 0.1])).tolist()
    [0, 1, 0]
    """
    return (np.asarray(residual) < 0).astype(np.int64)


def reconstruct_partner_columns(
    received: list[np.ndarray], residuals: list[np.ndarray], *, lr: float, l2: float = 0.0
) -> np.ndarray:
    """What the bank can rebuild from the retailer's partial logits: its columns, up to a rotation.

    Between two steps the retailer's scores change by ``-lr * (X_r @ X_r.T @ r / n + l2 * u)``; the
    bank knows every ``u`` (it received them) and every ``r`` (it computed them). So the changes
    span the same space as the columns of ``X_r``, and solving for the 2 x 2 (d x d) matrix that
    links them gives ``X_r @ Q`` for some unknown rotation ``Q``: every distance between two
    customers in the retailer's feature space, exactly. A handful of steps is enough
    (one more than the retailer's number of columns, when the residuals differ enough).

    >>> g = np.random.default_rng(0); Xr = g.normal(size=(50, 2)); y = (g.random(50) < 0.3).astype(int)
    >>> run = train_vertical(g.normal(size=(50, 3)), y, Xr, lr=0.5, steps=4)
    >>> X_hat = reconstruct_partner_columns(run.received_by_bank, run.received_by_retailer, lr=0.5)
    >>> bool(np.allclose(X_hat @ X_hat.T, Xr @ Xr.T))
    True
    """
    lr = check_real(lr, "lr", low=0, include_low=False)
    l2 = check_real(l2, "l2", low=0)
    if len(received) != len(residuals) or len(received) < 2:
        raise ValueError(
            f"received and residuals must be the messages of the same steps, at least 2; got {len(received)} and {len(residuals)}"
        )
    U = np.column_stack(received).astype(float)  # n x T scores the bank received
    R = np.column_stack(residuals).astype(float)[:, :-1]  # the residuals that caused each change
    n = U.shape[0]
    change = U[:, 1:] - U[:, :-1] + lr * l2 * U[:, :-1]  # = -(lr/n) K R, with K = X_r X_r^T
    basis, sing, _ = np.linalg.svd(change, full_matrices=False)
    d = int((sing > sing[0] * 1e-8).sum()) if sing[0] > 0 else 0
    if d == 0:
        raise ValueError("the partner's scores never changed: nothing to reconstruct")
    basis = basis[:, :d]  # the span of X_r's columns
    # change = -(lr/n) basis G basis^T R with G = A A^T (X_r = basis A): solve for G, least squares
    left, right = basis.T @ change, basis.T @ R
    G = -(n / lr) * left @ np.linalg.pinv(right)
    G = (G + G.T) / 2
    values, vectors = np.linalg.eigh(G)
    return basis @ vectors @ np.diag(np.sqrt(np.clip(values, 0, None)))

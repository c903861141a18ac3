"""Secure aggregation by pairwise masking (Bonawitz et al. 2017), small and from scratch.

The server needs the *sum* of the clients' updates, not each update. So every pair of clients
(i, j) agrees on a random seed; from it both draw the same mask ``m_ij``. Client i *adds* ``m_ij``
for every j > i and *subtracts* it for every j < i. One masked update is indistinguishable from
random numbers; in the sum every mask appears once with + and once with -, and cancels exactly.

Exactly -- because we compute with integers modulo 2**64, as the real protocol does: updates are
turned into fixed-point integers (``x * 2**24``, rounded), masks are uniform 64-bit integers, and
numpy's uint64 arithmetic wraps around modulo 2**64 by itself.

The pieces, in the order they are used:

- key agreement: each client has a secret key ``a`` and publishes ``g**a mod p``; clients i and j
  both compute the seed ``g**(a_i a_j) mod p`` (Diffie-Hellman) without ever sending it;
- dropouts: each client also splits its secret key into Shamir shares (any ``threshold`` of them
  rebuild it) and gives one to every other client; if a client drops out after the masks were
  fixed, the survivors hand the server their shares of its key, and the server removes its masks.

Honest limits of this version: the numbers are toy-sized (anyone could break a 61-bit
Diffie-Hellman; real systems use elliptic curves), and the full protocol adds what a dishonest
server would otherwise exploit -- a second, *self* mask per client, so that revealing a "dropped"
client's key never exposes an update that arrives late; encrypted, authenticated channels for
the shares; signatures and consistency checks against active attackers.

Randomness: secret keys and Shamir polynomials come from the operating system's entropy
(:mod:`secrets`) unless you pass ``seed=``. A seeded run is a *teaching replay* -- anyone who knows
the seed can rebuild every key and unmask every update -- never security. Lessons and tests pass
a seed so that their numbers repeat; the default ``seed=None`` is the only secure setting.

>>> result = secure_sum([np.array([1.0, 2.0]), np.array([0.5, -1.0]), np.array([2.0, 0.25])], seed=0)
>>> result.total.tolist()
[3.5, 1.25]
"""

from __future__ import annotations

import numbers
import secrets as _secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from fedlearn_edu._validation import check_count, check_indices, check_seed, check_updates, rng

__all__ = [
    "PRIME",
    "SecAggRound",
    "decode",
    "encode",
    "make_keys",
    "mask_for",
    "pair_seed",
    "recover_secret",
    "secure_sum",
    "share_secret",
]

PRIME = 2**61 - 1  # a Mersenne prime: the toy-sized field for key agreement and secret sharing
GENERATOR = 3
SCALE = 2**24  # fixed point: 24 bits after the binary point, about 7 decimal digits


def encode(update: np.ndarray, scale: int = SCALE) -> np.ndarray:
    """Real numbers to integers modulo 2**64 (fixed point, two's complement for negatives).

    >>> decode(encode(np.array([1.5, -0.25]))).tolist()
    [1.5, -0.25]
    """
    values = np.rint(np.asarray(update, dtype=np.float64) * scale)
    if not np.isfinite(values).all() or np.abs(values).max(initial=0) >= 2**62:
        raise ValueError("the update is too large (or not finite) to encode in 64-bit fixed point")
    return values.astype(np.int64).view(np.uint64)


def decode(encoded: np.ndarray, scale: int = SCALE) -> np.ndarray:
    """Integers modulo 2**64 back to real numbers (the inverse of :func:`encode`)."""
    return np.asarray(encoded, dtype=np.uint64).view(np.int64).astype(np.float64) / scale


Seed = int | np.random.Generator | None


def make_keys(n_clients: int, seed: Seed = None) -> tuple[list[int], list[int]]:
    """Each client's secret key ``a`` and public key ``g**a mod p``; returns (secrets, publics).

    Without a seed the keys come from the operating system (:mod:`secrets`); with one they are a
    replay (``numpy.random.default_rng(seed)``), for lessons and tests only.
    """
    n_clients = check_count(n_clients, "n_clients")
    seed = check_seed(seed)
    if seed is None:
        keys = [2 + _secrets.randbelow(PRIME - 3) for _ in range(n_clients)]  # 2 .. p - 2
    else:
        keys = [int(s) for s in rng(seed).integers(2, PRIME - 1, size=n_clients)]
    return keys, [pow(GENERATOR, a, PRIME) for a in keys]


def pair_seed(my_secret: int, their_public: int) -> int:
    """The seed clients i and j share: ``(g**a_j)**a_i = (g**a_i)**a_j mod p`` (Diffie-Hellman).

    >>> secrets, publics = make_keys(2, seed=1)
    >>> pair_seed(secrets[0], publics[1]) == pair_seed(secrets[1], publics[0])
    True
    """
    return pow(their_public, my_secret, PRIME)


def _mask(seed: int, size: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**64, size=size, dtype=np.uint64)


def mask_for(
    index: int, secret: int, publics: Sequence[int], size: int, others: Sequence[int] | None = None
) -> np.ndarray:
    """Client ``index``'s total mask: + m_ij for every other client j > i, - m_ij for j < i (mod 2**64).

    ``others`` limits the sum to some clients (the server uses this to remove a dropped client's masks).
    """
    total = np.zeros(size, dtype=np.uint64)
    for j in range(len(publics)) if others is None else others:
        if j == index:
            continue
        m = _mask(pair_seed(secret, publics[j]), size)
        total = total + m if j > index else total - m
    return total


def share_secret(secret: int, n_shares: int, threshold: int, seed: Seed = None) -> list[tuple[int, int]]:
    """Shamir: split ``secret`` into points ``(x, f(x))`` of a random polynomial with ``f(0) = secret``.

    Any ``threshold`` points rebuild it; fewer reveal nothing about it -- *if* the polynomial's other
    coefficients are secret: without a seed they come from the operating system (:mod:`secrets`);
    with a seed they are a replay that anyone with the seed can recompute (lessons and tests only).

    >>> shares = share_secret(1234, n_shares=5, threshold=3, seed=0)
    >>> recover_secret(shares[:3]), recover_secret(shares[2:])
    (1234, 1234)
    """
    if isinstance(secret, bool) or not isinstance(secret, numbers.Integral):
        raise TypeError(f"secret must be a whole number; got {secret!r}")
    n_shares = check_count(n_shares, "n_shares", minimum=1)
    threshold = check_count(threshold, "threshold", minimum=1, maximum=n_shares)
    seed = check_seed(seed)
    if seed is None:
        randoms = [_secrets.randbelow(PRIME) for _ in range(threshold - 1)]
    else:
        randoms = [int(c) for c in rng(seed).integers(0, PRIME, size=threshold - 1)]
    coefficients = [int(secret) % PRIME, *randoms]
    return [
        (x, sum(c * pow(x, k, PRIME) for k, c in enumerate(coefficients)) % PRIME)
        for x in range(1, n_shares + 1)
    ]


def recover_secret(shares: Sequence[tuple[int, int]]) -> int:
    """Rebuild the secret ``f(0)`` from shares by Lagrange interpolation modulo p.

    >>> recover_secret([(1, 5), (1, 5)])
    Traceback (most recent call last):
    ...
    ValueError: shares: the point x=1 is given more than once; each share must come from a different client
    """
    if isinstance(shares, (str, bytes, dict, set)) or not isinstance(shares, Sequence) or len(shares) == 0:
        raise ValueError(f"shares must be a non-empty list of (x, y) points; got {shares!r:.60}")
    seen = set()
    for share in shares:
        if (
            not isinstance(share, (tuple, list))
            or len(share) != 2
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in share)
        ):
            raise TypeError(f"shares must be (x, y) pairs of whole numbers; got {share!r}")
        if share[0] % PRIME in seen:
            raise ValueError(
                f"shares: the point x={share[0]} is given more than once; "
                "each share must come from a different client"
            )
        seen.add(share[0] % PRIME)
    secret = 0
    for i, (xi, yi) in enumerate(shares):
        num, den = 1, 1
        for j, (xj, _) in enumerate(shares):
            if j != i:
                num, den = num * (-xj) % PRIME, den * (xi - xj) % PRIME
        secret = (secret + yi * num * pow(den, -1, PRIME)) % PRIME
    return secret


@dataclass
class SecAggRound:
    """What one round of secure aggregation produced, and what the server saw."""

    total: np.ndarray  # the sum of the surviving clients' updates (what the server learns)
    masked: dict[int, np.ndarray]  # the masked update each surviving client sent (uint64)
    dropped: list[int] = field(default_factory=list)
    recovered: dict[int, int] = field(
        default_factory=dict
    )  # dropped client -> secret key rebuilt from shares
    publics: list[int] = field(
        default_factory=list
    )  # every client's public key (they pass through the server)
    # Every client's Shamir shares as dealt: shares[i][j] is held by client j. The server itself only
    # receives the ``threshold`` survivors' shares of each *dropped* client; the rest is here so that a
    # lesson or test can play a colluding client who hands the server one more share.
    shares: dict[int, list[tuple[int, int]]] = field(default_factory=dict, repr=False)


def secure_sum(
    updates: Sequence[np.ndarray],
    dropped: Sequence[int] = (),
    threshold: int | None = None,
    seed: Seed = None,
) -> SecAggRound:
    """Run one round: keys and shares, masking, some clients dropping out, unmasking.

    ``dropped`` clients fixed their masks with everybody but never sent their update; the server
    rebuilds their secret keys from ``threshold`` survivors' shares (default: a majority).

    Sums are computed modulo 2**64 in fixed point: updates whose sum could leave the signed 64-bit
    range are refused before anything is masked, instead of wrapping around to garbage.
    ``seed=None`` (the default) draws keys and polynomials from the operating system; a seed gives a
    teaching replay, not security (see the module's docstring).
    """
    arrays = check_updates(updates, "updates")
    n = len(arrays)
    if n < 2:
        raise ValueError(f"secure aggregation needs at least 2 clients; got {n}")
    seed = check_seed(seed)
    shape, size = arrays[0].shape, int(arrays[0].size)
    dropped = check_indices(dropped, "dropped", n=n, unique=True).tolist()
    threshold = n // 2 + 1 if threshold is None else check_count(threshold, "threshold", minimum=1, maximum=n)
    survivors = [i for i in range(n) if i not in set(dropped)]
    if len(survivors) < threshold:
        raise ValueError(
            f"only {len(survivors)} clients survived; rebuilding keys needs threshold={threshold}"
        )
    reach = (np.sum([np.abs(arrays[i]) for i in survivors], axis=0) * SCALE).max(initial=0.0)
    if reach >= 2**63:
        raise ValueError(
            f"the updates are too large for 64-bit fixed point: their sum could reach {reach / SCALE:.3g}, "
            f"beyond +-2**63 / 2**{SCALE.bit_length() - 1} = {2**63 / SCALE:.3g}, and would wrap around "
            "modulo 2**64. Scale the updates down (or clip them) before secure aggregation"
        )
    secret_keys, publics = make_keys(n, seed)
    if seed is None:
        polynomial_seeds = [None] * n
    elif isinstance(seed, np.random.Generator):
        polynomial_seeds = [seed] * n
    else:
        polynomial_seeds = [np.random.default_rng([seed, i]) for i in range(n)]  # replay only
    shares = {
        i: share_secret(secret_keys[i], n, threshold, seed=polynomial_seeds[i]) for i in range(n)
    }  # shares[i][j]: client j's
    masked = {i: encode(arrays[i].ravel()) + mask_for(i, secret_keys[i], publics, size) for i in survivors}
    total = np.zeros(size, dtype=np.uint64)
    for y in masked.values():
        total = total + y
    recovered = {}
    for d in dropped:  # the survivors' masks with d do not cancel: rebuild d's key and remove them
        recovered[d] = recover_secret([shares[d][j] for j in survivors[:threshold]])
        total = total + mask_for(d, recovered[d], publics, size, others=survivors)
    return SecAggRound(
        decode(total).reshape(shape), masked, sorted(dropped), recovered, publics=publics, shares=shares
    )

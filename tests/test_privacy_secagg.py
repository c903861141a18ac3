"""Secure aggregation: masks cancel exactly, one masked update looks like noise, dropouts recover."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedlearn_edu.privacy.secagg import (
    decode,
    encode,
    make_keys,
    mask_for,
    pair_seed,
    recover_secret,
    secure_sum,
    share_secret,
)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 7), st.integers(1, 20), st.integers(0, 2**32))
def test_masks_cancel_exactly(n, size, seed):
    secrets, publics = make_keys(n, seed)
    total = np.zeros(size, dtype=np.uint64)
    for i in range(n):
        total = total + mask_for(i, secrets[i], publics, size)
    assert (total == 0).all()  # exactly zero modulo 2**64, not "close to zero"


def test_the_sum_is_exact_on_the_encoded_updates():
    rng = np.random.default_rng(1)
    updates = [rng.normal(size=50) for _ in range(5)]
    result = secure_sum(updates, seed=2)
    exact = decode(sum((encode(u) for u in updates), np.zeros(50, dtype=np.uint64)))
    np.testing.assert_array_equal(result.total, exact)
    np.testing.assert_allclose(result.total, sum(updates), atol=5 * 2**-24)


def test_one_masked_update_looks_like_uniform_noise():
    update = np.full(4000, 0.5)
    masked = secure_sum([update, -update, update], seed=3).masked[0]
    bits = np.unpackbits(masked.view(np.uint8))
    assert bits.mean() == pytest.approx(0.5, abs=0.01)  # each bit a fair coin
    top_byte = (masked >> np.uint64(56)).astype(int)
    assert np.bincount(top_byte, minlength=256).std() < 30  # ~ sqrt(4000/256) for uniform bytes
    assert np.abs(np.corrcoef(decode(masked), update + np.arange(4000))[0, 1]) < 0.05


def test_a_dropout_is_recovered_from_the_survivors_shares():
    rng = np.random.default_rng(4)
    updates = [rng.normal(size=8) for _ in range(6)]
    result = secure_sum(updates, dropped=[1, 4], seed=5)
    survivors = [u for i, u in enumerate(updates) if i not in (1, 4)]
    np.testing.assert_allclose(result.total, sum(survivors), atol=1e-6)
    assert sorted(result.masked) == [0, 2, 3, 5] and result.dropped == [1, 4]
    secrets, _ = make_keys(6, np.random.default_rng(5))
    assert result.recovered == {1: secrets[1], 4: secrets[4]}


def test_without_recovery_a_dropout_leaves_garbage():
    secrets, publics = make_keys(3, seed=0)
    x = [np.ones(4) * k for k in range(3)]
    total = (
        encode(x[0])
        + mask_for(0, secrets[0], publics, 4)
        + encode(x[2])
        + mask_for(2, secrets[2], publics, 4)
    )
    assert np.abs(decode(total) - 2.0).min() > 1e3  # client 1's masks did not cancel


def test_too_many_dropouts_cannot_be_recovered():
    with pytest.raises(ValueError, match="only 2 clients survived; rebuilding keys needs threshold=3"):
        secure_sum([np.zeros(2)] * 5, dropped=[0, 1, 2])
    with pytest.raises(ValueError, match=r"dropped: index 7 is outside 0\.\.2"):
        secure_sum([np.zeros(2)] * 3, dropped=[7])


def test_shamir_threshold():
    shares = share_secret(987654321, n_shares=6, threshold=4, seed=0)
    assert recover_secret(shares[:4]) == 987654321 == recover_secret(shares[2:])
    assert recover_secret(shares[:3]) != 987654321  # too few shares: a wrong answer, not the secret


def test_pair_seeds_agree_and_differ():
    secrets, publics = make_keys(4, seed=9)
    seeds = {(i, j): pair_seed(secrets[i], publics[j]) for i in range(4) for j in range(4) if i != j}
    assert all(seeds[i, j] == seeds[j, i] for i, j in seeds)
    assert len({seeds[i, j] for i, j in seeds if i < j}) == 6


def test_encode_refuses_what_does_not_fit():
    with pytest.raises(ValueError, match="too large"):
        encode(np.array([1e30]))
    with pytest.raises(ValueError, match="too large"):
        encode(np.array([np.nan]))


# --- The honest-but-curious server ------------------------------------------------------------------
#
# It sees the public keys, every masked update and the survivors' shares of dropped clients; a
# colluding client may hand it one more share. The bug this guards against: Shamir polynomials
# seeded with ``[seed or 0, i]`` were predictable, so one share was enough to rebuild a client's key.


def _key_from_one_share(client: int, share: tuple[int, int], threshold: int) -> int:
    """The attack on predictable polynomials: subtract the guessable coefficients from one share."""
    from fedlearn_edu.privacy.secagg import PRIME

    guessed = np.random.default_rng([0, client]).integers(0, PRIME, size=threshold - 1)
    x, y = share
    return (y - sum(int(c) * pow(x, k + 1, PRIME) for k, c in enumerate(guessed))) % PRIME


def _unmask(result, client: int, key: int, others=None) -> np.ndarray:
    size = result.masked[client].size
    return decode(result.masked[client] - mask_for(client, key, result.publics, size, others=others))


def _curious_server(result, updates, threshold):
    """For each surviving client: try to unmask its update from one share. Returns who leaked."""
    from fedlearn_edu.privacy.secagg import GENERATOR, PRIME

    leaked = []
    for i in result.masked:
        helper = (i + 1) % len(updates)  # a colluding client hands over its share of i's key
        key = _key_from_one_share(i, result.shares[i][helper], threshold)
        if pow(GENERATOR, key, PRIME) == result.publics[i] or np.allclose(
            _unmask(result, i, key), updates[i], atol=1e-6
        ):
            leaked.append(i)
    return leaked


def test_curious_server_with_one_share_learns_no_single_update():
    rng = np.random.default_rng(7)
    updates = [rng.normal(size=6) for _ in range(5)]
    result = secure_sum(updates, dropped=[2], threshold=3)  # seed=None: keys and polynomials from the OS
    assert _curious_server(result, updates, threshold=3) == []
    for i, masked in result.masked.items():  # what it sees on its own is noise, too
        assert not np.allclose(decode(masked), updates[i], atol=1e-3)
    np.testing.assert_allclose(result.total, sum(u for k, u in enumerate(updates) if k != 2), atol=1e-6)


def test_the_attack_works_on_a_seeded_replay():
    # The attacker above is real: on a replay (seed=0, polynomials from [0, i]) it unmasks everyone.
    rng = np.random.default_rng(7)
    updates = [rng.normal(size=6) for _ in range(5)]
    result = secure_sum(updates, dropped=[2], threshold=3, seed=0)
    assert _curious_server(result, updates, threshold=3) == [0, 1, 3, 4]


def test_threshold_shares_reveal_only_a_dropped_clients_masks():
    from fedlearn_edu.privacy.secagg import GENERATOR, PRIME

    rng = np.random.default_rng(8)
    updates = [rng.normal(size=6) for _ in range(5)]
    result = secure_sum(updates, dropped=[2], threshold=3)
    survivors = sorted(result.masked)
    key = recover_secret([result.shares[2][j] for j in survivors[:3]])  # what the protocol gives it
    assert key == result.recovered[2] and pow(GENERATOR, key, PRIME) == result.publics[2]
    for i in survivors:  # removing the dropped client's masks leaves the survivors' pairwise masks
        stripped = decode(
            result.masked[i] + mask_for(2, key, result.publics, 6, others=[i])
        )  # i's mask with 2, cancelled
        assert not np.allclose(stripped, updates[i], atol=1e-3)
    # ... and fewer than threshold shares of a survivor's key give a wrong key.
    for i in survivors:
        partial = recover_secret([result.shares[i][j] for j in survivors if j != i][:2])
        assert pow(GENERATOR, partial, PRIME) != result.publics[i]

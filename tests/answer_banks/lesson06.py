"""Answer bank for lesson 06, privacy is not automatic."""

from __future__ import annotations

import numpy as np


def _clip_right(update, max_norm):
    norm = float(np.sqrt(np.sum(update**2)))
    return update / max(1.0, norm / max_norm)


def _clip_in_place(update, max_norm):
    norm = np.linalg.norm(update)
    if norm > max_norm:
        update *= max_norm / norm
    return update


def _mask_every_pair(i, pair_masks):
    """Adds every pair's mask it belongs to, first or second: nothing cancels."""
    return sum(m for (a, b), m in pair_masks.items() if i in (a, b))


def _mask_only_first(i, pair_masks):
    """Handles only the pairs where it is first; the second client sends nothing."""
    size = len(next(iter(pair_masks.values())))
    return sum((m for (a, _), m in pair_masks.items() if a == i), np.zeros(size, dtype=np.int64))


def _mask_all_pairs(i, pair_masks):
    """Every mask of the round with a sign, also of pairs the client is not in."""
    return sum(m if a == i else -m for (a, _), m in pair_masks.items())


def _mask_vectorised(i, pair_masks):
    signs = [(a == i) - (b == i) for a, b in pair_masks]
    return np.tensordot(np.array(signs), np.stack(list(pair_masks.values())), axes=1)


BANK = {
    "q1": {
        "wrong": [
            ("argmax of the row sums", lambda g: int(np.argmax(g.sum(axis=1))), "largest sum"),
            ("argmin over the whole matrix", lambda g: int(np.argmin(g)), "flattened"),
            ("summed over the wrong axis", lambda g: int(np.argmin(g.sum(axis=0))), "axis=1"),
            (
                "off by one: labels counted from 1",
                lambda g: int(np.argmin(g.sum(axis=1))) + 1,
                "should return",
            ),
            ("returned the row sums unchanged", lambda g: g.sum(axis=1), "should return"),
            ("a constant that matches the first case", lambda g: 3, "the label is 0"),
        ],
        "right": [
            ("the index of the negative row", lambda g: [row.sum() < 0 for row in g].index(True)),
            ("the first column is enough (h_0 > 0)", lambda g: int(np.flatnonzero(g[:, 0] < 0)[0])),
        ],
    },
    "q2": {
        "wrong": [
            ("np.clip per coordinate", lambda u, c: np.clip(u, -c, c), "np.clip"),
            (
                "scaled every update to max_norm",
                lambda u, c: u * c / np.linalg.norm(u),
                "also the short ones",
            ),
            ("a unit vector", lambda u, c: u / np.linalg.norm(u), "did not multiply"),
            (
                "compared the squared norm",
                lambda u, c: u if (u**2).sum() <= c else u * c / np.linalg.norm(u),
                "squared norm",
            ),
            ("the update returned unchanged", lambda u, c: u, "should return"),
            ("scaled the given array in place", _clip_in_place, "changed its input"),
        ],
        "right": [("divide by max(1, norm / max_norm)", _clip_right)],
    },
    "q3": {
        "wrong": [
            ("the noise on the sum, sigma * C", 0.3, "sigma * C"),
            ("forgot the clipping norm", 0.015, "clipping norm"),
            ("divided by N", 0.00015, "N = 2000"),
            ("a rounded value", 0.0, ""),
            ("divided by q only", 1.5 * 0.2 / 0.05, ""),
        ],
        "right": [("written as the formula", 1.5 * 0.2 / (0.05 * 2000))],
    },
    "q4": {
        "wrong": [
            ("only the noise", {"a"}, "missing"),
            ("the clipping norm too", {"a", "c", "d"}, "epsilon does not depend"),
            ("more clients too", {"a", "c", "e"}, "accuracy, not privacy"),
            ("more rounds", "b", "epsilon grows"),
        ],
        "right": [("a list in upper case", ["C", "A"])],
    },
    "q5": {
        "wrong": [
            ("adds every mask of its pairs", _mask_every_pair, "not zero"),
            ("only the pairs where it comes first", _mask_only_first, "unmasked"),
            ("also the masks of other clients' pairs", _mask_all_pairs, "not zero"),
            ("sends no mask", lambda i, pair_masks: np.zeros(2, dtype=int), "unmasked"),
        ],
        "right": [
            ("signs as a vector, one tensordot", _mask_vectorised),
            ("the opposite convention: first subtracts, second adds", lambda i, pm: -_mask_vectorised(i, pm)),
        ],
    },
    "q6": {
        "wrong": [
            ("server-side clipping still works", {"a", "c", "e"}, "masked numbers"),
            ("two clients are safe", {"a", "c", "d"}, "sum minus mine"),
            ("a masked update leaks", {"a", "b", "c"}, "uniformly random"),
            ("only the exact sum", "a", "missing"),
        ],
        "right": [("a tuple in upper case", ("C", "a"))],
    },
}

UNCHECKABLE = {
    "q7": "a written answer (what 'the data never leaves the client' gets right and misses); the notebook says "
    "it has no automatic check and shows the model answer after the question.",
}

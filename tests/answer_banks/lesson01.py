"""Answer bank for lesson 01, why federated learning (format: tests/answer_banks/README.md)."""

import numpy as np
import torch


def _divide_in_place(grad_w, grad_b):  # right numbers, but it overwrites the gradient it was given
    for i in range(len(grad_w)):
        grad_w[i] = grad_w[i] / grad_b
    return grad_w


BANK = {
    "q1": {
        "wrong": [
            ("the records travel (centralised learning)", "a", "centralised"),
            ("nothing travels", "c", "something must travel"),
            ("a 1% sample of the records travels", "d", "no records"),
            ("parameters and a sample", {"b", "d"}, "no records"),
        ],
        "right": [("upper case, in brackets, in a list", ["(B)"])],
    },
    "q2": {
        "wrong": [
            ("only the hospitals", {"a"}, "missing"),
            ("phones counted as silos", {"a", "b", "c"}, "cross-device"),
            ("the two cross-device ones", {"b", "d"}, "cross-device"),
            ("every option", {"a", "b", "c", "d"}, "cross-device"),
        ],
        "right": [("a list of upper-case letters, other order", ["C", "A"]), ("a tuple", ("a", "c"))],
    },
    "q3": {
        "wrong": [
            ("divided the other way round", lambda gw, gb: [gb / g for g in gw], "other way round"),
            ("returned grad_w unchanged", lambda gw, gb: gw, "grad_w itself"),
            ("divided by |grad_b|: the sign is lost", lambda gw, gb: [g / abs(gb) for g in gw], "sign"),
            ("divided by 2 grad_b (the 2 cancels)", lambda gw, gb: [g / (2 * gb) for g in gw], "cancels"),
            ("integer division", lambda gw, gb: [g // gb for g in gw], "should return"),
            ("overwrote the caller's grad_w", _divide_in_place, "changed its input"),
            ("a constant that fits the first case", lambda gw, gb: [1.0, 2.0, -3.0], "should return"),
        ],
        "right": [
            ("multiplies by the reciprocal", lambda gw, gb: [g * (1 / gb) for g in gw]),
            ("a numpy array", lambda gw, gb: np.divide(gw, gb)),
            (
                "via torch, back to a list",
                lambda gw, gb: (torch.tensor(gw, dtype=torch.float64) / gb).tolist(),
            ),
        ],
    },
    "q4": {
        "wrong": [
            ("one direction only", 400, "one direction"),
            ("forgot the 4 bytes per float", 200, "4 bytes"),
            ("megabits", 6400, "megabits"),
            ("one round", 8, "one round"),
            ("MiB instead of MB", 800 * 1e6 / 2**20, "MiB"),
            ("typed with a unit", "800 MB", "expected a number"),
            ("one byte off per round", 799.2, "expected"),
        ],
        "right": [
            ("a float", 800.0),
            ("the arithmetic itself", 1_000_000 * 32 / 8 * 2 * 100 / 10**6),
            ("numpy number", np.float32(800)),
        ],
    },
}

# written answers; the notebook says there is no automatic check and shows a model answer
UNCHECKABLE = {
    "q5": "a written answer (what is right and what is missing in 'FL greatly protects privacy'): "
    "no code can grade an argument; the exercise shows a model answer to compare with.",
}

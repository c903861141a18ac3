"""Answer bank for the course knowledge check (``fedlearn_edu/questions/quiz.py``): every wrong option of
every multiple-choice question is rejected, so are the numbers students really get, and each question
accepts a right answer written differently from the key."""

from __future__ import annotations

import math

import numpy as np

BANK = {
    "q1": {
        "wrong": [
            ("the raw data", "a", "stays on the client"),
            ("nothing", "c", "something must travel"),
            ("predictions", "d", "distillation"),
            ("raw data and parameters", {"a", "b"}, "stays on the client"),
        ],
        "right": [("upper case in a list", ["B"])],
    },
    "q2": {
        "wrong": [
            ("phones", "a", "cross-device"),
            ("a data centre", "c", "distributed training"),
            ("smartwatches", "d", "cross-device"),
        ],
        "right": [("with brackets", "(b)")],
    },
    "q3": {
        "wrong": [
            ("the plain mean", 2.0, "plain mean"),
            ("weights swapped", 1.5, "wrong way round"),
            ("the sum", 4.0, "sum"),
            ("a string", "2.5", ""),
        ],
        "right": [("a fraction", 5 / 2), ("numpy float32", np.float32(2.5))],
    },
    "q4": {
        "wrong": [
            ("always", "a", "weight"),
            ("never", "c", "same number"),
            ("small learning rate", "d", "no learning rate"),
        ],
        "right": [("a one-element set", {"b"})],
    },
    "q5": {
        "wrong": [
            ("C itself", 0.1, "that is C"),
            ("every client", 100, "every client"),
            ("C times K times 100", 1000, "multiply"),
            ("one client", 1, ""),
        ],
        "right": [("a float", 10.0), ("computed", round(0.1 * 100))],
    },
    "q6": {
        "wrong": [
            ("one epoch", 60, "one epoch"),
            ("one example per step", 1200, "batch"),
            ("divided by E", 30, "E multiplies"),
        ],
        "right": [("computed", 2 * math.ceil(600 / 10)), ("a float", 120.0)],
    },
    "q7": {
        "wrong": [
            ("faster", "a", "slows"),
            ("unaffected", "c", "pooled data"),
            ("cannot run", "d", "runs"),
        ],
        "right": [("upper case", "B")],
    },
    "q8": {
        "wrong": [
            ("C = 1", "b", "how many clients"),
            ("many epochs", "c", "opposite"),
            ("B = 1", "d", "many steps"),
        ],
        "right": [("a tuple", ("a",))],
    },
    "q9": {
        "wrong": [
            ("the median", "b", "robust rule"),
            ("noise", "c", "DP-FedAvg"),
            ("masks", "d", "secure aggregation"),
        ],
        "right": [("spaces around", " a ")],
    },
    "q10": {
        "wrong": [
            ("nothing can be learned", "b", "invertible"),
            ("only the label", "c", "image too"),
            ("clipping stops it", "d", "clipping alone"),
        ],
        "right": [("upper case", "A")],
    },
    "q11": {
        "wrong": [
            ("local data", "b", "where privacy starts"),
            ("secure aggregation alone", "c", "still leak"),
            ("local epochs", "d", "guarantee nothing"),
        ],
        "right": [("a set", {"a"})],
    },
    "q12": {
        "wrong": [
            ("each update", "a", "random numbers"),
            ("nothing", "c", "needs the sum"),
            ("raw data", "d", "never travels"),
        ],
        "right": [("a list", ["b"])],
    },
    "q13": {
        "wrong": [
            ("the mean", 103 / 3, "mean"),
            ("the largest", 100.0, "largest"),
            ("the honest mean", 1.5, "honest values"),
        ],
        "right": [("an int", 2), ("np.median", float(np.median([1.0, 2.0, 100.0])))],
    },
    "q14": {
        "wrong": [
            ("f = 4", 4, "strictly"),
            ("half", 5, "half"),
            ("n - 2", 8, "largest whole f"),
        ],
        "right": [("a float", 3.0), ("solved", (10 - 2 - 1) // 2)],
    },
    "q15": {
        "wrong": [
            ("horizontal", "a", "same columns"),
            ("cross-device", "c", "cross-silo"),
            ("centralised", "d", "neither party"),
        ],
        "right": [("upper case with brackets", "(B)")],
    },
}

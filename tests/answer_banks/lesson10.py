"""Answer bank for lesson 10, FAQ and next steps."""

from __future__ import annotations

import math

KEY = {1: "b", 2: "b", 3: 2.5, 4: "b", 5: 10, 6: 120, 7: "b", 8: "a", 9: "a", 10: "a", 11: "a", 12: "b",
       13: 2.0, 14: 3, 15: "b"}  # fmt: skip


def _with(**changes):
    answers = dict(KEY)
    for key, value in changes.items():
        answers[int(key.lstrip("a"))] = value
    return answers


BANK = {
    "q1": {
        "wrong": [
            ("bits, not bytes", lambda p, k, b: p * k * b, "8 bits"),
            ("one client only", lambda p, k, b: p * b / 8, "one client"),
            ("always 4 bytes", lambda p, k, b: p * k * 4, "4 bytes"),
            ("divided by 8 twice", lambda p, k, b: p * k * b / 64, "twice"),
            ("a constant that fits the first case", lambda p, k, b: 96400, "should return"),
        ],
        "right": [
            ("integer division of bits", lambda p, k, b: (p * b * k) // 8),
            ("bytes per number first", lambda p, k, b: k * (p * (b / 8))),
        ],
    },
    "q2": {
        "wrong": [
            ("at least one drops", 1 - 0.9**20, "at least one"),
            ("all drop", 0.1**20, "all twenty drop out"),
            ("the expected number", 18.0, "expected number"),
            ("1 - 20 * 0.1", -1.0, "multiply"),
            ("one client", 0.9, "one client"),
            ("rounded to two digits", 0.12, ""),
        ],
        "right": [("a product", math.prod([0.9] * 20)), ("via logs", math.exp(20 * math.log(0.9)))],
    },
    "q3": {
        "wrong": [
            ("e to the epsilon", math.exp(2), "ratio"),
            ("the error rate", 1 / (1 + math.exp(2)), "error rate"),
            ("a coin toss", 0.5, "coin toss"),
            ("1 - e^-eps", 1 - math.exp(-2), "bound"),
        ],
        "right": [("the logistic function", 1 / (1 + math.exp(-2)))],
    },
    "q4": {
        "wrong": [
            ("secure aggregation protects the model", {"a", "b", "c"}, "memorise"),
            ("the data never left", {"b", "c", "d"}, "recovered data"),
            ("only DP", {"c"}, "missing"),
            ("only the attack", "b", "missing"),
        ],
        "right": [("a list in upper case", ["C", "B"])],
    },
    "q5": {
        "wrong": [
            ("the plain mean for q3", _with(a3=2.0), "plain mean"),
            ("Krum's f = 4", _with(a14=4), "strictly"),
            ("secure aggregation shows each update", _with(a12="a"), "random numbers"),
            ("half answered", {n: v for n, v in KEY.items() if n <= 7}, "not answered"),
            ("not a dict", ["b", "b", 2.5], "a1"),
            ("a key that is no question", _with(a16="a"), "not a question"),
        ],
        "right": [
            (
                "keys 'a1' ..., upper case, floats",
                {f"a{n}": (v.upper() if isinstance(v, str) else float(v)) for n, v in KEY.items()},
            ),
        ],
    },
}

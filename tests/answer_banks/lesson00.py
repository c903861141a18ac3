"""Answer bank for lesson 00's warm-up questions."""

BANK = {
    "q1": {
        "wrong": [
            ("the average per hospital", 80.0, "average"),
            ("forgot one hospital", 200, ""),
            ("a string", "240", ""),
        ],
        "right": [("written as a float", 240.0)],
    },
    "q2": {
        "wrong": [
            ("divided the other way round", lambda n_k, n: n / n_k if n_k else float("inf"), "other way"),
            ("a percentage", lambda n_k, n: 100 * n_k / n, "percentage"),
            ("integer division", lambda n_k, n: n_k // n, ""),
        ],
        "right": [("multiplies by the reciprocal", lambda n_k, n: n_k * (1.0 / n))],
    },
    "q3": {
        "wrong": [
            ("the lessons folder", "a", ""),
            ("the solutions folder", "c", ""),
            ("every folder", {"a", "b", "c"}, ""),
        ],
        "right": [("upper-case letter", "B")],
    },
}

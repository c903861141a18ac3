"""Exercises for lesson 10, FAQ and next steps: ``from fedlearn_edu.questions.lesson10 import q1, ...``.

q1-q4 put numbers on three FAQ answers (communication, dropouts, what DP says about membership); q5 is the
course's knowledge check again, as a post-test (:mod:`fedlearn_edu.questions.quiz`).
"""

from __future__ import annotations

import math

from fedlearn_edu.checker import (
    EXACT,
    Case,
    ChoiceProblem,
    FunctionProblem,
    Mistake,
    ValueProblem,
    label_problems,
)
from fedlearn_edu.questions.quiz import PostTest

NOTEBOOK = "10_faq_and_next_steps"


def _round_bytes(n_params, n_clients, bits):
    return n_params * n_clients * bits / 8


q1 = FunctionProblem(
    "upload_bytes",
    title="Bytes uploaded in one round",
    cases=[
        Case(2410, 10, 32, label="lesson 04's MLP, 10 clients, float32"),
        Case(2410, 10, 8, label="the same, quantised to 8 bits"),
        Case(1000, 1, 1, label="one client, one bit per parameter"),
        Case(11_689_512, 100, 16, label="a ResNet-18, 100 clients, float16"),
        Case(5, 3, 64, label="float64"),
    ],
    reference=_round_bytes,
    mistakes=[
        Mistake(lambda p, k, b: p * k * b, "that is bits, not bytes: a byte is 8 bits, so divide by 8."),
        Mistake(
            lambda p, k, b: p * b / 8, "that is one client's upload; every one of the n_clients sends one."
        ),
        Mistake(lambda p, k, b: p * k * 4, "you assumed 4 bytes per parameter whatever `bits` says."),
        Mistake(lambda p, k, b: p * k * b / 64, "you divided by 8 twice: bits / 8 is already bytes."),
    ],
    hints=[
        "Each of the n_clients sends n_params numbers of `bits` bits each.",
        "Total bits = n_params * n_clients * bits; a byte is 8 bits.",
    ],
)

ALL_REPORT = 0.9**20

q2 = ValueProblem(
    "p_all_report",
    title="Will all twenty report back?",
    expected=ALL_REPORT,
    mistakes=[
        Mistake(
            1 - ALL_REPORT,
            "that is the chance that at least one client drops out; the question asks the opposite.",
        ),
        Mistake(0.1**20, "that is the chance that all twenty drop out; each reports with probability 0.9."),
        Mistake(0.9 * 20, "that is the expected number of clients that report (18), not a probability."),
        Mistake(
            1 - 20 * 0.1, "probabilities of independent events multiply; 1 - 20 * 0.1 is not a probability."
        ),
        Mistake(0.9, "that is one client; all twenty must report, independently: multiply."),
    ],
    hints=[
        "Each client reports with probability 1 - 0.1 = 0.9, independently of the others.",
        "The chance that all of them report is the product of their chances: 0.9 ** 20.",
    ],
    **EXACT,
)

EPSILON = 2.0
MI_BOUND = math.exp(EPSILON) / (1 + math.exp(EPSILON))

q3 = ValueProblem(
    "best_guess",
    title="The best membership guess ε = 2 allows",
    expected=MI_BOUND,
    mistakes=[
        Mistake(
            math.exp(EPSILON),
            "e^ε is the ratio of probabilities, not an accuracy (accuracies are at most 1).",
        ),
        Mistake(1 / (1 + math.exp(EPSILON)), "that is the smallest error rate; the accuracy is 1 minus it."),
        Mistake(0.5, "0.5 is a coin toss: what ε = 0 would allow. With ε = 2 the attacker can do better."),
        Mistake(1 - math.exp(-EPSILON), "use the bound from the lesson: accuracy ≤ e^ε / (1 + e^ε)."),
    ],
    hints=[
        "The lesson's bound, with δ = 0: accuracy ≤ e^ε / (1 + e^ε).",
        "math.exp(2) / (1 + math.exp(2))",
    ],
    **EXACT,
)

q4 = ChoiceProblem(
    "private_model",
    title="Is the trained model private?",
    options={
        "a": "secure aggregation stops the final model from memorising a client's data",
        "b": "a membership-inference attack can work with nothing but the trained model's outputs",
        "c": "DP-FedAvg with a small ε bounds what anyone can infer about one client from the final model",
        "d": "since the raw data never left the clients, the model cannot reveal it",
    },
    answer={"b", "c"},
    why={
        "a": "secure aggregation hides single updates from the server; the model trained on their sum can "
        "still memorise (lesson 06).",
        "b": "(b) Shokri et al. (2017) attacked models through their prediction API only.",
        "c": "(c) DP holds for everything computed from the model, whoever computes it.",
        "d": "lessons 01 and 06 recovered data from what was shared; language models have been made to "
        "repeat training text (Carlini et al.).",
    },
    hints=[
        "Ask of each defence: does it protect the messages, or the model trained from them?",
        "Two are true. Which defence's guarantee covers everything computed from the final model?",
    ],
)

q5 = PostTest()

label_problems(globals(), notebook=NOTEBOOK)

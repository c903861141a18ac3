"""Exercises for lesson 01, why federated learning."""

from __future__ import annotations

import numpy as np

from fedlearn_edu.checker import (
    EXACT,
    Case,
    ChoiceProblem,
    FunctionProblem,
    Mistake,
    ValueProblem,
    label_problems,
)

NOTEBOOK = "01_why_federated_learning"

q1 = ChoiceProblem(
    "what_travels",
    title="What leaves a hospital in FedAvg?",
    options={
        "a": "its patients' records",
        "b": "the parameters of the model it trained (or the change to them)",
        "c": "nothing at all",
        "d": "a random sample of 1% of its records, for validation",
    },
    answer="b",
    why={
        "a": "then it would be centralised learning: in FL the records stay where they are.",
        "b": "only model parameters (or updates) travel, plus small metadata such as the sample count n_k.",
        "c": "something must travel, or the hospitals would never learn from each other.",
        "d": "no records leave, not even a sample.",
    },
    hints=["Look at the arrows in lesson 01's picture: what is written on the blue ones?"],
)

q2 = ChoiceProblem(
    "cross_silo",
    title="Which of these are cross-silo federations?",
    options={
        "a": "five hospitals training a tumour detector together",
        "b": "ten million phones training next-word prediction",
        "c": "three banks building a fraud model",
        "d": "smart watches learning to spot irregular heartbeats",
    },
    answer={"a", "c"},
    why={
        "a": "(a) A few known, always-on organisations, each with a lot of data: cross-silo.",
        "b": "phones are many, small, anonymous and often offline: that is cross-device.",
        "c": "(c) Few, known, reliable institutions: cross-silo.",
        "d": "millions of small personal devices: cross-device.",
    },
    hints=[
        "Cross-silo: a handful of organisations. Cross-device: millions of personal devices.",
        "Two options are right.",
    ],
)


def _recover_input(grad_w, grad_b):
    return (np.asarray(grad_w, dtype=float) / float(grad_b)).tolist()


q3 = FunctionProblem(
    "recover_input",
    title="Read a patient's record from a shared gradient",
    cases=[
        Case([2.0, 4.0, -6.0], 2.0),
        Case([-0.6, -1.2], -0.3, label="a negative error"),
        Case([63.0, 142.0, 5.1], 1.0),
    ],
    reference=_recover_input,
    mistakes=[
        Mistake(
            lambda gw, gb: (float(gb) / np.asarray(gw, dtype=float)).tolist(),
            "you divided the other way round: x = grad_w / grad_b.",
        ),
        Mistake(lambda gw, gb: list(gw), "that is grad_w itself; it is x multiplied by grad_b, so divide."),
        Mistake(
            lambda gw, gb: (np.asarray(gw, dtype=float) / abs(float(gb))).tolist(),
            "the sign is lost: divide by grad_b itself, not by its absolute value. When the prediction "
            "is too small, grad_b is negative, and so is grad_w.",
        ),
        Mistake(
            lambda gw, gb: (np.asarray(gw, dtype=float) / (2 * float(gb))).tolist(),
            "the factor 2 is in both gradients, so it cancels: x = grad_w / grad_b, with no extra 2.",
        ),
    ],
    hints=[
        "For one example, grad_w = 2 (prediction - y) x and grad_b = 2 (prediction - y). What is grad_w / grad_b?",
        "Divide every entry of grad_w by the number grad_b: [g / grad_b for g in grad_w].",
    ],
)

q4 = ValueProblem(
    "megabytes",
    title="How much does one phone send and receive?",
    expected=800,
    **EXACT,  # arithmetic on given numbers: 800 exactly
    mistakes=[
        Mistake(
            400, "that counts one direction only: the model comes down and the update goes up, every round."
        ),
        Mistake(200, "each float32 parameter takes 4 bytes."),
        Mistake(6400, "that is megabits: a byte is 8 bits; the question asks for megabytes."),
        Mistake(8, "that is one round; there are 100."),
        Mistake(800 * 1e6 / 2**20, "that is in MiB (2**20 bytes); here 1 MB is 1,000,000 bytes."),
    ],
    hints=[
        "One copy of the model: 1,000,000 parameters x 4 bytes = 4,000,000 bytes = 4 MB.",
        "Per round the phone receives one copy and sends one back; then there are 100 rounds.",
    ],
)

label_problems(globals(), notebook=NOTEBOOK)

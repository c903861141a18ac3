"""Shared test set-up: figures never open windows, and the repo root is known."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


def incorrect_message(problem, answer) -> str:
    """The feedback a question gives a wrong answer (asserting that it is judged incorrect)."""
    feedback = problem.evaluate(answer)
    assert feedback.status == "incorrect", feedback
    return feedback.message

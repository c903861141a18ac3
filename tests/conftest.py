"""Shared test set-up: figures never open windows, and the repo root is known."""

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


def incorrect_message(problem, answer) -> str:
    """The feedback a question gives a wrong answer (asserting that it is judged incorrect)."""
    feedback = problem.evaluate(answer)
    assert feedback.status == "incorrect", feedback
    return feedback.message


@pytest.fixture(autouse=True)
def _generous_student_time_limit(monkeypatch):
    """Checks stop student code after checker.TIME_LIMIT (10 s) -- right for a student, but a loaded CI machine
    can take that long for an honest answer. Tests that are about the limit set their own (test_checker_hardening)."""
    from fedlearn_edu import checker

    monkeypatch.setattr(checker, "TIME_LIMIT", 120.0)

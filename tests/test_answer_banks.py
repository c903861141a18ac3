"""Every checkable question has a bank of answers: known-wrong ones it must reject, other-right ones it must accept.

The banks live in ``tests/answer_banks/lessonNN.py`` (format: ``tests/answer_banks/README.md``).
A question missing from its bank fails here, so a new question cannot land without one.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import fedlearn_edu.questions as questions
from fedlearn_edu.checker import Problem

BANKS = Path(__file__).parent / "answer_banks"


def _bank_module(lesson: str):
    path = BANKS / f"{lesson}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"answer_bank_{lesson}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _problems():
    for info in pkgutil.iter_modules(questions.__path__):
        module = importlib.import_module(f"fedlearn_edu.questions.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, Problem):
                yield info.name, name, value


PROBLEMS = list(_problems())
IDS = [f"{lesson}.{name}" for lesson, name, _ in PROBLEMS]


@pytest.mark.parametrize(("lesson", "name", "problem"), PROBLEMS, ids=IDS)
def test_every_question_has_a_bank(lesson, name, problem):
    bank = _bank_module(lesson)
    assert bank is not None, f"tests/answer_banks/{lesson}.py is missing"
    if name in getattr(bank, "UNCHECKABLE", {}):
        assert name not in bank.BANK, f"{lesson}.{name} is both banked and marked uncheckable"
        return
    entry = bank.BANK.get(name)
    assert entry is not None, f"{lesson}.{name} has no answer bank (add it to tests/answer_banks/{lesson}.py)"
    assert len(entry["wrong"]) >= 3, f"{lesson}.{name}: at least three known-wrong answers"
    assert len(entry["right"]) >= 1, f"{lesson}.{name}: at least one alternative correct answer"


def _entries(kind):
    for lesson, name, problem in PROBLEMS:
        bank = _bank_module(lesson)
        if bank is None or name not in bank.BANK:
            continue
        for item in bank.BANK[name][kind]:
            yield pytest.param(problem, *item, id=f"{lesson}.{name}: {item[0]}")


@pytest.mark.parametrize(("problem", "label", "answer", "word"), list(_entries("wrong")))
def test_wrong_answer_is_rejected(problem, label, answer, word):
    feedback = problem.evaluate(answer)
    assert feedback.status == "incorrect", f"{label!r} was judged {feedback.status}: {feedback.message}"
    assert feedback.message.strip(), f"{label!r}: an incorrect verdict must say why"
    assert word.lower() in feedback.message.lower(), f"{label!r}: feedback lacks {word!r}: {feedback.message}"


@pytest.mark.parametrize(("problem", "label", "answer"), list(_entries("right")))
def test_alternative_right_answer_is_accepted(problem, label, answer):
    feedback = problem.evaluate(answer)
    assert feedback.status == "correct", f"{label!r} was judged {feedback.status}: {feedback.message}"

"""Every question of every lesson, generically: it can be unattempted, and it rejects wrong answers.

(That each question accepts its worked solution is shown by the solutions notebooks, whose stored
"Correct" outputs nbval compares with a fresh run; tests/test_notebooks.py checks they say so.)
Lesson-specific tests (tests/test_questions_lessonNN.py) add the common mistakes of each question.
"""

import importlib
import pkgutil

import pytest

import fedlearn_edu.questions as questions
from fedlearn_edu.checker import ChoiceProblem, FunctionProblem, Problem, ValueProblem

PROBLEMS = [
    (f"{info.name}.{name}", value)
    for info in pkgutil.iter_modules(questions.__path__)
    for name, value in vars(importlib.import_module(f"fedlearn_edu.questions.{info.name}")).items()
    if isinstance(value, Problem)
]
IDS = [key for key, _ in PROBLEMS]


def test_there_are_questions():
    assert len(PROBLEMS) >= 10


@pytest.mark.parametrize(("key", "problem"), PROBLEMS, ids=IDS)
def test_unattempted(key, problem):
    assert problem.evaluate().status == "not attempted"
    assert problem.evaluate(...).status == "not attempted"
    if isinstance(problem, FunctionProblem):

        def stub(*args, **kwargs):
            raise NotImplementedError("TODO")

        assert problem.evaluate(stub).status == "not attempted"


@pytest.mark.parametrize(("key", "problem"), PROBLEMS, ids=IDS)
def test_rejects_wrong_answers(key, problem):
    if isinstance(problem, FunctionProblem):
        wrong = [lambda *a, **k: None, lambda *a, **k: 12345.678, lambda *a, **k: "nonsense"]

        def raises(*args, **kwargs):
            raise ValueError("student bug")

        feedback = problem.evaluate(raises)
        assert feedback.status == "incorrect" and "Python raised ValueError: student bug" in feedback.message
        wrong.append(42)  # not even a function
    elif isinstance(problem, ValueProblem):
        wrong = ["nonsense", None, {"x": 1}]
    elif isinstance(problem, ChoiceProblem):
        wrong = [set(), "zz"] + [{option} for option in problem.options if {option} != problem.answer]
        wrong.append(set(problem.options))
    else:
        wrong = [object(), "nonsense", None, -1]
    for answer in wrong:
        feedback = problem.evaluate(answer)
        assert feedback.status == "incorrect", (key, answer, feedback)


@pytest.mark.parametrize(("key", "problem"), PROBLEMS, ids=IDS)
def test_has_title_and_help(key, problem):
    assert problem.title and problem.name.startswith("q") and problem.notebook
    assert problem.hints or problem.explanation, "give at least one hint or an explanation"

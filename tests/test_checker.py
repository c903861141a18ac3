"""The checker itself: three verdicts, readable feedback, and it never raises."""

import numpy as np
import pytest

from fedlearn_edu import checker
from fedlearn_edu._compare import brief, difference
from fedlearn_edu.checker import (
    Case,
    ChoiceProblem,
    CustomProblem,
    Feedback,
    FunctionProblem,
    Incorrect,
    Mistake,
    ValueProblem,
    label_problems,
)

double = FunctionProblem(
    "double",
    title="Double it",
    cases=[Case(3), Case(-1.5), Case([1.0, 2.0], label="a list")],
    reference=lambda x: np.multiply(x, 2).tolist() if isinstance(x, list) else 2 * x,
    mistakes=[Mistake(lambda x: np.square(x).tolist() if isinstance(x, list) else x * x, "you squared it.")],
    hints=["Multiply by two.", "return 2 * x (for lists: [2 * v for v in x])"],
)
answer = ValueProblem("answer", title="Six times seven", expected=42, mistakes=[Mistake(13, "you added.")])
choice = ChoiceProblem(
    "pick",
    title="Pick",
    options={"a": "right", "b": "also right", "c": "wrong"},
    answer={"a", "b"},
    why={"a": "A!", "b": "B!", "c": "C is wrong because."},
)
label_problems(globals(), notebook="99_test")


def test_label_problems_names_each_problem_after_its_variable():
    assert (double.name, answer.name, choice.name) == ("double", "answer", "choice")
    assert double.notebook == "99_test"


def test_function_problem_three_verdicts():
    def stub(x):
        raise NotImplementedError

    assert double.evaluate(lambda x: [2 * v for v in x] if isinstance(x, list) else 2 * x).status == "correct"
    assert double.evaluate(stub).status == "not attempted"
    assert double.evaluate(...).status == "not attempted"
    assert double.evaluate().status == "not attempted"
    assert double.evaluate(lambda x: x).status == "incorrect"


def test_incorrect_feedback_shows_the_failing_case_and_the_likely_mistake():
    feedback = double.evaluate(lambda x: x * x if not isinstance(x, list) else [v * v for v in x])
    assert feedback.status == "incorrect"
    assert "double(3) should return 6 but returned 9" in feedback.message
    assert "you squared it" in feedback.message


def test_student_exceptions_are_reported_not_raised():
    feedback = double.evaluate(lambda x: 1 / 0)
    assert feedback.status == "incorrect"
    assert "When calling double(3), Python raised ZeroDivisionError" in feedback.message


def test_forgotten_return_gets_a_hint():
    feedback = double.evaluate(lambda x: None)
    assert "Did you forget a `return`" in feedback.message


def test_non_callable_answer_for_a_function_problem():
    assert "should be a function" in double.evaluate(5).message


def test_modifying_the_input_is_incorrect():
    def sneaky(x):
        if isinstance(x, list):
            x.append(0)
            return [2 * v for v in x[:-1]]
        return 2 * x

    feedback = double.evaluate(sneaky)
    assert feedback.status == "incorrect" and "changed its input" in feedback.message


def test_validate_adds_demands_beyond_the_numbers():
    problem = FunctionProblem(
        "f",
        title="t",
        cases=[Case(1)],
        reference=lambda x: x,
        validate=lambda got: None if isinstance(got, int) else "use an int",
    )
    assert problem.evaluate(lambda x: x).status == "correct"
    assert "use an int" in problem.evaluate(lambda x: float(x)).message


def test_cases_can_be_built_lazily():
    built = []

    def make():
        built.append(1)
        return [Case(2)]

    problem = FunctionProblem("f", title="t", cases=make, reference=lambda x: x + 1)
    assert not built
    assert problem.evaluate(lambda x: x + 1).status == "correct"
    assert problem.evaluate(lambda x: x + 1).status == "correct"
    assert built == [1]


def test_value_problem():
    assert answer.evaluate(42).status == "correct"
    assert answer.evaluate(42.0000000001).status == "correct"
    wrong = answer.evaluate(13)
    assert wrong.status == "incorrect" and "you added" in wrong.message
    assert answer.evaluate("42").status == "incorrect"
    assert answer.evaluate(None).status == "incorrect"
    assert answer.evaluate(...).status == "not attempted"


def test_choice_problem():
    assert choice.evaluate({"a", "b"}).status == "correct"
    assert choice.evaluate(["A", " b "]).status == "correct"
    assert "something is missing" in choice.evaluate("a").message
    assert "C is wrong because" in choice.evaluate({"a", "b", "c"}).message
    assert "not one of the options" in choice.evaluate("z").message
    assert choice.evaluate(7).status == "incorrect"


def test_custom_problem():
    def judge(value):
        if value != "ok":
            raise Incorrect("say ok")
        return "well said"

    problem = CustomProblem("word", title="t", judge=judge)
    assert problem.evaluate("ok").message == "well said"
    assert problem.evaluate("no").status == "incorrect"


def test_a_bug_in_the_checker_is_reported_not_raised():
    def broken(value):
        raise KeyError("oops")

    feedback = CustomProblem("x", title="t", judge=broken).evaluate(1)
    assert feedback.status == "kit error" and "KeyError" in feedback.message


def test_check_finds_the_answer_in_the_callers_globals(capsys):
    global answer_value_for_test
    problem = ValueProblem("answer_value_for_test", title="t", expected=1)
    answer_value_for_test = 1
    problem.check()
    assert problem.last.status == "correct"
    del answer_value_for_test
    problem.check()
    assert problem.last.status == "not attempted"
    assert "Not attempted yet" in capsys.readouterr().out  # plain-text fallback outside Jupyter


def test_check_with_an_explicit_value(capsys):
    answer.check(13)
    assert answer.last.status == "incorrect"
    assert "✗ Incorrect" in capsys.readouterr().out


def test_hints_have_levels_and_an_end(capsys):
    double.hint()
    first = capsys.readouterr().out
    double.hint(2)
    second = capsys.readouterr().out
    double.hint(99)
    last = capsys.readouterr().out
    assert "Multiply by two" in first and "double.hint(2)" in first
    assert "return 2 * x" in second and "double.solution()" in second
    assert last == second
    answer.hint()
    assert "There is no hint" in capsys.readouterr().out


def test_solution_comes_from_the_generated_solutions_file(capsys, monkeypatch):
    monkeypatch.setattr(checker, "_solutions", lambda: {"99_test:double": "return 2 * x"})
    double.solution()
    assert "return 2 * x" in capsys.readouterr().out
    monkeypatch.setattr(checker, "_solutions", dict)
    double.solution()
    assert "python kit.py exercises" in capsys.readouterr().out


def test_feedback_renders_as_html_and_text():
    feedback = Feedback("incorrect", "Q <1>", "expected 1 & got 2", code="x = 1")
    html = feedback._repr_html_()
    assert "&lt;1&gt;" in html and "&amp;" in html and "#D55E00" in html and "<pre" in html
    assert str(feedback).startswith("✗ Incorrect -- Q <1>") and repr(feedback) == str(feedback)


@pytest.mark.parametrize(
    ("got", "expected", "same"),
    [
        ([0.2, 0.3], [0.2, 0.3 + 1e-12], True),
        ([0.2, 0.3], [0.2, 0.31], False),
        (np.array([1.0, 2.0]), [1.0, 2.0], True),
        ([1.0, 2.0], [1.0, 2.0, 3.0], False),
        ({"a": [1.0]}, {"a": [1.0]}, True),
        ({"a": [1.0]}, {"b": [1.0]}, False),
        ([1.0, float("nan")], [1.0, 2.0], False),
        ("a", "a", True),
        ({"a", "b"}, {"b", "a"}, True),
        ("1", 1, False),
        (None, 1.0, False),
    ],
)
def test_difference(got, expected, same):
    assert (difference(got, expected) is None) == same


def test_brief_is_short_and_stable():
    assert brief(0.1 + 0.2) == "0.3"
    assert brief(np.zeros((50, 50))).startswith("array of shape (50, 50)")
    assert brief({"w": [1.0]}) == "{'w': [1.0]}"

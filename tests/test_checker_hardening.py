"""The checker against students who loop forever, exit, recurse, monkeypatch, or are off in the 6th digit.

Every test here failed on the checker before it was hardened (issue 11, item 4): a hang (ended by
the timeout marker), an escaping SystemExit, a "kit error", a wrong answer judged correct, or
feedback in which expected and got read the same.
"""

from __future__ import annotations

import signal
import sys
import threading
import time

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import fedlearn_edu._compare as compare
from fedlearn_edu import checker
from fedlearn_edu._compare import brief
from fedlearn_edu.checker import (
    Case,
    ChoiceProblem,
    CustomProblem,
    FunctionProblem,
    ValueProblem,
    call_student,
)

LIMIT = 0.3  # seconds: the time limit in these tests
posix_main = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="SIGALRM is POSIX-only")


@pytest.fixture(autouse=True)
def short_limit(monkeypatch):
    monkeypatch.setattr(checker, "TIME_LIMIT", LIMIT)


def _double():
    return FunctionProblem(
        "double", title="Double it", cases=[Case(3), Case(-1.5)], reference=lambda x: 2 * x
    )


def loop_forever(x):
    while True:
        pass


def loop_swallowing_everything(x):
    while True:
        try:
            sum(range(1000))
        except:  # noqa: E722 - the point: a student's bare except inside the loop
            pass


def sleep_long(x):
    time.sleep(3 * LIMIT + 1.5)
    return 2 * x


def _timed(run):
    start = time.monotonic()
    result = run()
    return result, time.monotonic() - start


def _in_other_thread(run):
    box = []
    thread = threading.Thread(target=lambda: box.append(run()), daemon=True)
    thread.start()
    thread.join()
    return box[0]


# --- 1. a time limit on student code -----------------------------------------------------------


@pytest.mark.timeout(30)
@posix_main
@pytest.mark.parametrize("student", [loop_forever, loop_swallowing_everything])
def test_an_endless_loop_is_stopped_and_reported(student):
    handler, timer, trace = (
        signal.getsignal(signal.SIGALRM),
        signal.getitimer(signal.ITIMER_REAL),
        sys.gettrace(),
    )
    feedback, seconds = _timed(lambda: _double().evaluate(student))
    assert feedback.status == "incorrect"
    assert (
        "When calling double(3), your code ran longer than 0.3 s, so the check stopped it" in feedback.message
    )
    assert "could not stop" not in feedback.message
    assert seconds < LIMIT + 1.0
    assert signal.getsignal(signal.SIGALRM) is handler and sys.gettrace() is trace  # all as it was
    assert (signal.getitimer(signal.ITIMER_REAL)[0] > 0) == (timer[0] > 0)


@pytest.mark.timeout(30)
@posix_main
def test_the_alarm_handler_and_timer_set_before_are_put_back_and_still_fire():
    fired = []

    def earlier(signum, frame):
        fired.append(time.monotonic())

    previous = signal.signal(signal.SIGALRM, earlier)
    try:
        start = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, LIMIT / 2)  # due while the student's loop runs
        assert _double().evaluate(loop_forever).status == "incorrect"
        assert len(fired) == 1 and fired[0] - start < LIMIT  # it fired on time, inside the check
        signal.setitimer(signal.ITIMER_REAL, 5.0)  # due long after the check
        assert _double().evaluate(lambda x: 2 * x).status == "correct"
        assert signal.getsignal(signal.SIGALRM) is earlier
        assert 4.0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 5.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.timeout(30)
def test_outside_the_main_thread_a_python_loop_is_stopped_too():
    feedback, seconds = _timed(lambda: _in_other_thread(lambda: _double().evaluate(loop_forever)))
    assert feedback.status == "incorrect" and "ran longer than 0.3 s" in feedback.message
    assert "could not stop" not in feedback.message
    assert seconds < LIMIT + 1.5
    time.sleep(0.05)
    assert not [t for t in threading.enumerate() if t.name == "fedlearn_edu: student code"]


@pytest.mark.timeout(30)
def test_outside_the_main_thread_a_long_call_into_c_is_reported_honestly():
    feedback, seconds = _timed(lambda: _in_other_thread(lambda: _double().evaluate(sleep_long)))
    assert feedback.status == "incorrect" and "ran longer than 0.3 s" in feedback.message
    assert "could not stop it: it keeps running in the background" in feedback.message
    assert seconds < LIMIT + 1.5  # the check returns; the sleep goes on without it


@pytest.mark.timeout(30)
@posix_main
def test_custom_judges_get_the_limit_through_call_student():
    def judge(func):
        call_student(func, "f", 1)
        return "fine"

    feedback = CustomProblem("f", title="t", judge=judge).evaluate(loop_forever)
    assert feedback.status == "incorrect" and "When calling f(1), your code ran longer" in feedback.message


class LoopsWhenPrinted:
    def __repr__(self):
        while True:
            pass


@pytest.mark.timeout(30)
@posix_main
@pytest.mark.parametrize(
    ("problem", "value"),
    [
        (ValueProblem("answer", title="t", expected=42), LoopsWhenPrinted()),
        (ChoiceProblem("pick", title="t", options={"a": "x", "b": "y"}, answer="a", why={}), iter(int, 1)),
        (_double(), lambda x: LoopsWhenPrinted()),
    ],
    ids=["a value whose repr loops", "an endless iterator as a choice", "a function returning such a value"],
)
def test_student_code_hidden_in_a_value_is_limited_too(problem, value):
    feedback, seconds = _timed(lambda: problem.evaluate(value))
    assert feedback.status == "incorrect" and "ran longer than 0.3 s" in feedback.message
    assert seconds < LIMIT + 1.0


# --- 2. SystemExit and deep recursion are the student's --------------------------------------


@pytest.mark.parametrize("student", [lambda x: sys.exit(3), lambda x: exit(), lambda x: quit()])
def test_exit_in_student_code_is_reported_not_raised(student):
    feedback = _double().evaluate(student)
    assert feedback.status == "incorrect"
    assert "your code called exit() or sys.exit() (SystemExit), which would stop the whole notebook" in (
        feedback.message
    )


def test_keyboard_interrupt_still_stops_the_check():
    def stop(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _double().evaluate(stop)


def recurse(x):
    return recurse(x)


def returns_itself(x):
    result = []
    result.append(result)
    return result


def returns_deep_nesting(x):
    result = []
    for _ in range(sys.getrecursionlimit() * 2):
        result = [result]
    return result


def test_deep_recursion_is_the_students_not_the_kits():
    feedback = _double().evaluate(recurse)
    assert feedback.status == "incorrect"
    assert (
        "When calling double(3), your function called itself too deeply (RecursionError)" in feedback.message
    )


@pytest.mark.parametrize("student", [returns_itself, returns_deep_nesting])
def test_a_result_nested_too_deeply_is_the_students_not_the_kits(student):
    feedback = _double().evaluate(student)
    assert feedback.status == "incorrect", feedback
    assert "What double(3) returned is nested too deeply, or contains itself" in feedback.message


def test_a_value_that_contains_itself_is_the_students_not_the_kits():
    feedback = ValueProblem("w", title="t", expected=[0.2, 0.3]).evaluate(returns_itself(0))
    assert feedback.status == "incorrect", feedback
    assert "nested too deeply, or contains itself" in feedback.message


# --- 3. immune to monkeypatching ---------------------------------------------------------------

always_none = staticmethod(lambda *args, **kwargs: None)
always_true = staticmethod(lambda *args, **kwargs: True)


def _boom(*args, **kwargs):
    raise RuntimeError("patched")


PATCHES = [
    (np, "allclose", always_true.__func__),
    (np, "isclose", always_true.__func__),
    (np, "all", always_true.__func__),
    (compare, "difference", always_none.__func__),
    (compare, "_difference", always_none.__func__),
    (checker, "difference", always_none.__func__),
    (checker, "brief", _boom),
    (compare, "brief", _boom),
    (checker, "_diagnose", _boom),
    (checker.ValueProblem, "judge", lambda self, value: "patched: correct"),
    (checker.FunctionProblem, "judge", lambda self, value: "patched: correct"),
]


def _is_close_problem():
    """A custom judge that compares with numpy, as lesson 04's do."""

    def judge(value):
        if (
            not np.isclose(value, 0.5)
            or not np.allclose([value], [0.5])
            or not np.all(np.asarray(value) == 0.5)
        ):
            raise checker.Incorrect(f"expected 0.5, got {brief(value)}")
        return "right"

    return CustomProblem("x", title="t", judge=judge)


@pytest.mark.parametrize(
    ("owner", "name", "patch"), PATCHES, ids=[f"{getattr(o, '__name__', o)}.{n}" for o, n, _ in PATCHES]
)
def test_a_monkeypatched_comparison_does_not_make_a_wrong_answer_correct(monkeypatch, owner, name, patch):
    problems = [
        (_double(), lambda x: 3 * x, "double(3) should return 6 but returned 9"),
        (ValueProblem("w", title="t", expected=[0.2, 0.3, 0.4]), [0.6, 0.9, 1.2], "expected [0.2, 0.3, 0.4]"),
        (_is_close_problem(), 0.7, "expected 0.5, got 0.7"),
    ]
    original = getattr(owner, name, None)
    monkeypatch.setattr(owner, name, patch, raising=False)
    for problem, wrong, words in problems:
        feedback = problem.evaluate(wrong)
        assert feedback.status == "incorrect", f"{problem.title}: {feedback}"
        assert words in feedback.message
        assert f"your notebook had replaced `{getattr(owner, '__name__', '')}" in feedback.message or (
            isinstance(owner, type) and f"{owner.__qualname__}.{name}`" in feedback.message
        )
        assert getattr(owner, name) is patch  # the notebook is left as it was
    if original is not None:
        monkeypatch.setattr(owner, name, original)
        assert "replaced" not in _double().evaluate(lambda x: 3 * x).message


def test_check_uses_the_originals_too(monkeypatch, capsys):
    problem = _double()
    monkeypatch.setattr(checker, "difference", always_none.__func__)
    monkeypatch.setattr(
        checker.Problem, "evaluate", lambda self, value=None: checker.Feedback("correct", "t")
    )
    problem.check(lambda x: 3 * x)
    assert problem.last.status == "incorrect" and "Incorrect" in capsys.readouterr().out


def test_replacing_a_problems_own_judge_does_not_help():
    problem = ValueProblem("w", title="t", expected=1.0)
    problem.judge = lambda value: "patched: correct"
    assert problem.evaluate(2.0).status == "incorrect"


def test_a_reloaded_module_is_not_a_students_patch():
    import importlib

    try:
        importlib.reload(compare)
        feedback = ValueProblem("w", title="t", expected=1.0).evaluate(2.0)
        assert feedback.status == "incorrect" and "replaced" not in feedback.message
    finally:
        importlib.reload(compare)


# --- 4. numbers in feedback with enough significant digits to differ -------------------------


def test_tiny_numbers_are_not_shown_as_zero():
    assert brief(1.27e-6) == "1.27e-06"
    assert brief(9e-6) == "9e-06"
    assert brief(-0.0) == "0.0"
    assert brief(np.array([1e-9, 0.5])) == "array([1e-09, 0.5])"


def test_ex03_q5_and_ex06_q3_tiny_numbers_in_feedback():
    noise = ValueProblem("noise_std", title="t", expected=0.003).evaluate(9e-6)
    assert "`noise_std`: expected 0.003 but got 9e-06." in noise.message
    loss = ValueProblem("loss_one_step", title="t", expected=1.27e-6, rtol=1e-3, atol=1e-12).evaluate(1.3e-6)
    assert "expected 1.27e-06 but got 1.3e-06" in loss.message


def test_ex02_q2_a_wrong_list_never_reads_like_the_right_one():
    problem = FunctionProblem(
        "weighted_mean_from_scratch",
        title="t",
        cases=[Case([[0.1, 0.2, 0.3], [0.2, 0.3, 0.4], [0.3, 0.4, 0.5]], [1, 1, 1])],
        reference=lambda models, n: [sum(c) / len(c) for c in zip(*models)],
    )
    feedback = problem.evaluate(lambda models, n: [0.2, 0.3, 0.40001])
    assert "should return [0.2, 0.3, 0.4] but returned [0.2, 0.3, 0.40001]." in feedback.message


def test_both_sides_get_the_same_digits_and_types_do_not_hide_the_difference():
    assert compare.brief_pair(0.4789879, 0.4789) == ("0.479", "0.4789")
    assert compare.brief_pair(6, 6.0001) == ("6", "6.0001")
    assert compare.brief_pair([1.0, 2.0], np.array([1.0, 2.00001])) == ("[1.0, 2.0]", "array([1.0, 2.00001])")
    assert compare.difference({"w": [1.0, 2.0]}, {"w": [1.0, 2.00001]}) == (
        "expected [1.0, 2.00001] for key 'w' but got [1.0, 2.0]"
    )


def test_a_difference_beyond_the_numbers_shown_is_located():
    want = np.zeros(50)
    got = want.copy()
    got[37] = 1e-3
    text = compare.difference(got, want)
    assert "the first difference is at index [37]: expected 0.0, got 0.001" in text
    feedback = FunctionProblem("f", title="t", cases=[Case(0)], reference=lambda x: want).evaluate(
        lambda x: got
    )
    assert "index [37]" in feedback.message


finite = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False)


@given(finite, finite)
def test_two_different_numbers_are_always_shown_differently(a, b):
    shown = compare.brief_pair(a, b)
    assert (shown[0] == shown[1]) == (a == b)
    if a != 0:
        assert shown[0] != "0.0"


@given(finite.filter(lambda x: x != 0))
def test_brief_keeps_four_significant_digits(x):
    assert abs(float(brief(x)) - x) <= 5e-4 * abs(x)


# --- check() never raises ----------------------------------------------------------------------


@pytest.mark.timeout(60)
@posix_main
@pytest.mark.parametrize(
    "student",
    [
        loop_forever,
        recurse,
        returns_itself,
        lambda x: sys.exit(0),
        lambda x: 1 / 0,
        lambda x: None,
        "not a function",
    ],
)
def test_check_never_raises(student, capsys):
    problem = _double()
    problem.check(student)
    assert problem.last.status == "incorrect"
    assert "Incorrect" in capsys.readouterr().out

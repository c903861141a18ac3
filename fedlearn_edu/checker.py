"""The exercise checker: ``q1.check()``, ``q1.hint()``, ``q1.solution()``.

In the spirit of Kaggle Learn's exercises. Each question is a *problem* object that knows the name
of the variable or function the student writes, how to judge it, some hints and where its
solution is. ``check()`` always ends in one of three verdicts:

- **not attempted yet** -- the name is not defined, is still ``...``, or the function still raises
  ``NotImplementedError``;
- **correct**;
- **incorrect** -- with the small case that failed: the call, the expected and the actual result,
  and, where the kit recognises a common mistake, what probably went wrong.

``check()`` never raises: an exception in the student's code is reported as part of the verdict,
and a bug in the checker itself is reported as such, so "Run All" always runs to the end.
Feedback is shown as coloured HTML in Jupyter and as plain text anywhere else.

    >>> double = FunctionProblem("double", cases=[Case(3)], reference=lambda x: 2 * x, title="Double it")
    >>> double.evaluate(lambda x: x + x).status
    'correct'
    >>> print(double.evaluate(lambda x: x * x))
    ✗ Incorrect -- Double it
    double(3) should return 6 but returned 9.
"""

from __future__ import annotations

import copy
import html
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from fedlearn_edu._compare import brief, difference

__all__ = [
    "EXACT",
    "READ_OFF",
    "Case",
    "ChoiceProblem",
    "CustomProblem",
    "Feedback",
    "FunctionProblem",
    "Incorrect",
    "Mistake",
    "NotAttempted",
    "Problem",
    "ValueProblem",
    "call_student",
    "label_problems",
]

MISSING = object()

# One tolerance policy for measured numbers across the course (lesson 00 states it to students):
# - EXACT: a value your code computes from the same inputs and seed as the kit -- equal up to float rounding;
# - READ_OFF: a measured number you read off a printout or plot and type in -- within 1 % (5.1 for 5.07 is
#   fine; three significant figures are always enough).
# A question that accepts READ_OFF values must also check what defines the run (e.g. the whole curve),
# because many different runs agree to within 1 %.
EXACT = {"rtol": 1e-6, "atol": 1e-9}
READ_OFF = {"rtol": 1e-2, "atol": 1e-12}

# Okabe-Ito colours: distinguishable with every common colour-vision deficiency; icons carry the meaning too.
_STYLE = {
    "correct": ("✓", "Correct", "#009E73"),
    "incorrect": ("✗", "Incorrect", "#D55E00"),
    "not attempted": ("…", "Not attempted yet", "#0072B2"),
    "hint": ("?", "Hint", "#E69F00"),
    "solution": ("★", "Solution", "#555555"),
    "kit error": ("!", "The checker hit a problem (a bug in the kit, not in your code)", "#CC79A7"),
}


class NotAttempted(Exception):
    """Raised inside a judge: the student has not written an answer yet."""


class Incorrect(Exception):
    """Raised inside a judge: the answer is wrong; the message says why."""


@dataclass
class Feedback:
    """One verdict, hint or solution, shown as HTML in Jupyter and as text elsewhere."""

    status: str
    title: str
    message: str = ""
    code: str | None = None

    def __str__(self) -> str:
        icon, label, _ = _STYLE[self.status]
        lines = [f"{icon} {label} -- {self.title}"]
        if self.message:
            lines.append(self.message)
        if self.code:
            lines.append(self.code)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        icon, label, colour = _STYLE[self.status]
        message = html.escape(self.message).replace("\n", "<br>")
        code = f"<pre style='margin:0.4em 0 0 0'>{html.escape(self.code)}</pre>" if self.code else ""
        return (
            f"<div style='border-left:5px solid {colour};padding:0.3em 0.8em;margin:0.2em 0'>"
            f"<b style='color:{colour}'>{icon} {label}</b> &mdash; {html.escape(self.title)}"
            f"{'<br>' + message if message else ''}{code}</div>"
        )


def _show(feedback: Feedback) -> None:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import display

        display(feedback)
    else:
        print(feedback)


def _solutions() -> dict[str, str]:
    try:
        text = (
            resources.files("fedlearn_edu.questions").joinpath("solutions.json").read_text(encoding="utf-8")
        )
    except FileNotFoundError:
        return {}
    return json.loads(text)


class Problem:
    """A question in an exercise notebook. Subclasses say how to judge an answer.

    ``target`` is the name the student defines (a variable or a function); ``check()`` finds it
    in the notebook by itself, or takes the answer as an argument: ``q1.check(my_answer)``.
    """

    def __init__(
        self, target: str, *, title: str, hints: Sequence[str] = (), explanation: str = "", name: str = "q?"
    ):
        self.target = target
        self.title = title
        self.hints = list(hints)
        self.explanation = explanation
        self.name = name  # label_problems() sets it to the variable's name (q1, q2, ...)
        self.notebook: str | None = None
        self.last: Feedback | None = None

    def __repr__(self) -> str:
        return f"<{self.name}: {self.title} -- try {self.name}.check(), {self.name}.hint(), {self.name}.solution()>"

    # --- what subclasses provide -------------------------------------------------------------
    def judge(self, value: Any) -> str:
        """Raise NotAttempted or Incorrect, or return a sentence praising the correct answer."""
        raise NotImplementedError

    # --- what students call -------------------------------------------------------------------
    @property
    def heading(self) -> str:
        return f"{self.name}: {self.title}" if self.name != "q?" else self.title

    def evaluate(self, value: Any = MISSING) -> Feedback:
        """The verdict for ``value`` as a :class:`Feedback` (``check()`` shows this)."""
        heading = self.heading
        try:
            if value is MISSING:
                raise NotAttempted(
                    f"Define `{self.target}` in a cell above, run that cell, then check again."
                )
            if value is Ellipsis:
                raise NotAttempted(f"`{self.target}` is still `...`: replace the `...` with your answer.")
            praise = self.judge(value)
        except NotAttempted as exc:
            return Feedback("not attempted", heading, str(exc))
        except Incorrect as exc:
            return Feedback("incorrect", heading, str(exc))
        except Exception as exc:  # a bug in the kit: say so, do not stop the notebook
            return Feedback("kit error", heading, f"{type(exc).__name__}: {exc}")
        return Feedback("correct", heading, praise or "")

    def check(self, value: Any = MISSING) -> None:
        """Check your answer (found by name in your notebook) and show the verdict."""
        if value is MISSING:
            value = sys._getframe(1).f_globals.get(self.target, MISSING)
        self.last = self.evaluate(value)
        _show(self.last)

    def hint(self, level: int = 1) -> None:
        """Show hint number ``level`` (1 is the gentlest)."""
        heading, me = self.heading, self.name if self.name != "q?" else "this question"
        if not self.hints:
            _show(Feedback("hint", heading, f"There is no hint for this one; try {me}.solution()."))
            return
        level = max(1, min(int(level), len(self.hints)))
        more = (
            f"\n(Hint {level} of {len(self.hints)}: {me}.hint({level + 1}) says more.)"
            if level < len(self.hints)
            else f"\n(Last hint. Still stuck? {me}.solution() shows a solution.)"
        )
        _show(Feedback("hint", heading, self.hints[level - 1] + more))

    def solution(self) -> None:
        """Show a solution (it comes from the lesson's solutions notebook)."""
        key = f"{self.notebook}:{self.name}"
        code = _solutions().get(key)
        if code is None and not self.explanation:
            code = (
                f"(no solution found for {key}: an instructor can run `python kit.py exercises` to fix this)"
            )
        _show(Feedback("solution", self.heading, self.explanation, code))


@dataclass
class Case:
    """One small input to call a student's function with (``Case(a, b, key=c)``)."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    expected: Any = MISSING
    label: str = ""

    def __init__(self, *args: Any, expected: Any = MISSING, label: str = "", **kwargs: Any):
        self.args, self.kwargs, self.expected, self.label = args, kwargs, expected, label

    def call_text(self, name: str) -> str:
        parts = [brief(a) for a in self.args] + [f"{k}={brief(v)}" for k, v in self.kwargs.items()]
        return f"{name}({', '.join(parts)})"


@dataclass
class Mistake:
    """A common wrong answer, written as the wrong function (or value), and what to tell the student."""

    wrong: Any
    message: str

    def matches(self, got: Any, case: Case | None, rtol: float, atol: float) -> bool:
        try:
            value = (
                self.wrong(*case.args, **case.kwargs)
                if case is not None and callable(self.wrong)
                else self.wrong
            )
        except Exception:
            return False
        return difference(got, value, rtol, atol) is None


def _diagnose(mistakes: Iterable[Mistake], got: Any, case: Case | None, rtol: float, atol: float) -> str:
    for mistake in mistakes:
        if mistake.matches(got, case, rtol, atol):
            return "\nLikely cause: " + mistake.message
    return ""


class FunctionProblem(Problem):
    """The student writes a function; we call it on small cases and compare with the reference."""

    def __init__(
        self,
        target: str,
        *,
        cases: Sequence[Case] | Callable[[], Sequence[Case]],
        reference: Callable | None = None,
        mistakes: Sequence[Mistake] = (),
        validate: Callable[[Any], str | None] | None = None,
        rtol: float = 1e-6,
        atol: float = 1e-9,
        **kw: Any,
    ):
        super().__init__(target, **kw)
        # cases may be a function, so that building them (e.g. with torch) waits until the first check
        self._cases, self.reference, self.mistakes = cases, reference, list(mistakes)
        self.validate = validate  # extra demands on a right-valued result (e.g. "values must be tensors")
        self.rtol, self.atol = rtol, atol

    @property
    def cases(self) -> list[Case]:
        if callable(self._cases):
            self._cases = self._cases()
        return list(self._cases)

    def expected(self, case: Case) -> Any:
        if case.expected is not MISSING:
            return case.expected
        return self.reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))

    def judge(self, func: Any) -> str:
        for case in self.cases:
            call = case.call_text(self.target)
            args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
            expected = self.expected(case)
            got = call_student(func, self.target, *args, call=call, allow_none=expected is None, **kwargs)
            diff = difference(got, expected, self.rtol, self.atol)
            if diff:
                label = f" ({case.label})" if case.label else ""
                text = f"{call}{label} should return {brief(expected)} but returned {brief(got)}."
                if any(word in diff for word in ("shape", "missing", "unexpected key", "expected a")):
                    text += f"\nIn detail: {diff}."
                raise Incorrect(text + _diagnose(self.mistakes, got, case, self.rtol, self.atol))
            problem = self.validate(got) if self.validate is not None else None
            if problem:
                raise Incorrect(f"{call} has the right numbers, but {problem}")
            changed = difference(args, case.args, 0, 0) or difference(kwargs, case.kwargs, 0, 0)
            if changed:
                raise Incorrect(
                    f"{call} returned the right answer but changed its input. Build a new result "
                    "instead of modifying what you were given (in FL, what clients sent must stay as it was)."
                )
        return f"Your `{self.target}` gives the right answer on all {len(self.cases)} test cases."


def call_student(
    func: Any, name: str, *args: Any, call: str = "", allow_none: bool = False, **kwargs: Any
) -> Any:
    """Call a student's function ``name`` as every check does, turning what can go wrong into a verdict.

    Not a function -> Incorrect; ``NotImplementedError`` (the exercise's stub) -> NotAttempted; any
    other exception -> Incorrect, naming the call; ``None`` -> Incorrect ("did you forget return?").
    ``call`` is how the call is shown (default: built from the arguments). Custom judges use this too.

    >>> call_student(lambda x: 2 * x, "double", 3)
    6
    """
    if not callable(func):
        raise Incorrect(f"`{name}` should be a function (def {name}(...): ...), not {brief(func)}.")
    if not call:
        parts = [brief(a) for a in args] + [f"{k}={brief(v)}" for k, v in kwargs.items()]
        call = f"{name}({', '.join(parts)})"
    try:
        result = func(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted(
            f"`{name}` still raises NotImplementedError: replace that line with your code."
        ) from None
    except Exception as exc:
        raise Incorrect(f"When calling {call}, Python raised {type(exc).__name__}: {exc}") from None
    if result is None and not allow_none:
        raise Incorrect(f"{call} returned None. Did you forget a `return` statement?")
    return result


class ValueProblem(Problem):
    """The student computes a value (a number, a list, ...) and stores it in ``target``."""

    def __init__(
        self, target: str, *, expected: Any, mistakes: Sequence[Mistake] = (), rtol=1e-6, atol=1e-9, **kw
    ):
        super().__init__(target, **kw)
        self.expected, self.mistakes, self.rtol, self.atol = expected, list(mistakes), rtol, atol

    def judge(self, value: Any) -> str:
        diff = difference(value, self.expected, self.rtol, self.atol)
        if diff:
            raise Incorrect(
                f"`{self.target}`: {diff}." + _diagnose(self.mistakes, value, None, self.rtol, self.atol)
            )
        return f"`{self.target}` = {brief(value)}."


class ChoiceProblem(Problem):
    """A multiple-choice question: the student sets ``target`` to a letter, or a set of letters."""

    def __init__(
        self, target: str, *, options: Mapping[str, str], answer: str | set[str], why: Mapping[str, str], **kw
    ):
        super().__init__(target, **kw)
        self.options = dict(options)
        self.answer = {answer} if isinstance(answer, str) else set(answer)
        self.why = dict(why)

    def _letters(self, value: Any) -> set[str]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, Iterable):
            raise Incorrect(f'`{self.target}` should be a letter such as "a", not {brief(value)}.')
        letters = {str(v).strip().lower().strip("()") for v in items}
        if not letters:
            raise Incorrect("You chose nothing: pick at least one option.")
        unknown = sorted(letters - set(self.options))
        if unknown:
            raise Incorrect(f"{unknown[0]!r} is not one of the options {', '.join(sorted(self.options))}.")
        return letters

    def judge(self, value: Any) -> str:
        letters = self._letters(value)
        if letters == self.answer:
            return " ".join(self.why.get(letter, "") for letter in sorted(letters)).strip()
        wrong = sorted(letters - self.answer)
        if wrong:
            raise Incorrect(f"({wrong[0]}) is not right: {self.why.get(wrong[0], 'think again.')}")
        raise Incorrect(
            "Everything you chose is right, but something is missing: more than one option is true."
        )


class CustomProblem(Problem):
    """A problem judged by a function ``judge(value)`` that raises :class:`Incorrect` or returns praise."""

    def __init__(self, target: str, *, judge: Callable[[Any], str | None], **kw: Any):
        super().__init__(target, **kw)
        self._judge = judge

    def judge(self, value: Any) -> str:
        return self._judge(value) or ""


def label_problems(namespace: dict[str, Any], notebook: str) -> None:
    """Name each problem after its variable (``q1`` ...) and tie it to its exercise notebook."""
    for name, value in namespace.items():
        if isinstance(value, Problem):
            value.name, value.notebook = name, notebook

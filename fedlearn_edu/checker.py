"""The exercise checker: ``q1.check()``, ``q1.hint()``, ``q1.solution()``.

In the spirit of Kaggle Learn's exercises. Each question is a *problem* object that knows the name
of the variable or function the student writes, how to judge it, some hints and where its
solution is. ``check()`` always ends in one of three verdicts:

- **not attempted yet** -- the name is not defined, is still ``...``, or the function still raises
  ``NotImplementedError``;
- **correct**;
- **incorrect** -- with the small case that failed: the call, the expected and the actual result
  (numbers shown with as many significant digits as it takes to see that they differ), and, where
  the kit recognises a common mistake, what probably went wrong.

``check()`` never raises: an exception in the student's code is reported as part of the verdict,
and a bug in the checker itself is reported as such, so "Run All" always runs to the end.
Feedback is shown as coloured HTML in Jupyter and as plain text anywhere else.

    >>> double = FunctionProblem("double", cases=[Case(3)], reference=lambda x: 2 * x, title="Double it")
    >>> double.evaluate(lambda x: x + x).status
    'correct'
    >>> print(double.evaluate(lambda x: x * x))
    ✗ Incorrect -- Double it
    double(3) should return 6 but returned 9.

**How close is close enough** (one policy for the whole course, stated to students in lesson 00):

- :data:`EXACT` -- a value the student's code computes from the same inputs and seed as the kit:
  equal up to float rounding (relative 1e-6). Rounding it (``round(x, 1)``) usually makes it wrong.
- :data:`READ_OFF` -- a measured number read off a printout or plot and typed in: within 1 %
  (relative 1e-2). Three significant figures always pass; two may not (5.1 for 5.07 passes, 1.1
  for 1.05 does not). A question accepting READ_OFF numbers also checks what defines the run,
  because many different runs agree to 1 %.

    >>> ValueProblem("x", title="t", expected=5.07, **READ_OFF).evaluate(5.1).status
    'correct'
    >>> ValueProblem("x", title="t", expected=0.4789879, **EXACT).evaluate(0.479).status
    'incorrect'

**The student's code runs under guard.** Every call of a student's function goes through
:func:`call_student`, and every comparison of a student's value with the right one through the
same guard:

- *a time limit*: code that runs longer than :data:`TIME_LIMIT` seconds is stopped and reported
  ("your code ran longer than 10 s"). In the main thread on Linux and macOS (where Jupyter runs
  cells) a ``SIGALRM`` timer interrupts it, and any timer and handler already set are put back
  afterwards. Elsewhere (Windows, or ``check()`` called from another thread) the code runs in a
  helper thread: after the limit the check reports, and asks Python to stop the thread; a loop in
  Python code stops, but one long call into compiled code (``time.sleep(1e9)``) keeps running in
  the background until it returns, and the feedback says so. Either way ``check()`` returns.
  A loop that catches every exception (a bare ``except:``) cannot hide from it in the main thread:
  from then on every line it runs raises it again. In a helper thread it can, and the feedback
  then says that the code still runs.
- *exits and deep recursion are the student's*: ``SystemExit`` (``exit()``, ``sys.exit()``) and any
  other exception from the student's code is reported as the student's, and so is a
  ``RecursionError`` ("your function called itself too deeply"; or a value nested too deeply to
  compare). The one exception ``check()`` lets through is ``KeyboardInterrupt``: it is how Jupyter's
  Stop button stops a cell, so it stops the check too (even when the student's code raises it).
- *the kit's tools as they were*: the functions of numpy (``numpy``, ``numpy.linalg``,
  ``numpy.random``) and of the kit's own modules (and their classes' methods) are remembered when
  first seen; if a notebook has replaced one (``np.allclose = lambda *a, **k: True``, or
  ``fedlearn_edu.checker.difference = ...``), the check puts the original back while it runs,
  says so in the feedback, and then leaves the notebook as it was. Determined cheating from inside
  the same Python process cannot be ruled out (editing a problem's ``expected``, replacing
  ``Problem.check`` itself, torch or builtins); this guards against the one-line patches.
"""

from __future__ import annotations

import contextlib
import copy
import html
import json
import math
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from fedlearn_edu._compare import brief, brief_pair, difference
from fedlearn_edu.i18n import N_, language, t

__all__ = [
    "EXACT",
    "READ_OFF",
    "TIME_LIMIT",
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
# - READ_OFF: a measured number you read off a printout or plot and type in -- within 1 %: three significant
#   figures always pass, two may not (5.1 for 5.07 passes; 1.1 for 1.05 does not).
# A question that accepts READ_OFF values must also check what defines the run (e.g. the whole curve),
# because many different runs agree to 1 %.
EXACT = {"rtol": 1e-6, "atol": 1e-9}
READ_OFF = {"rtol": 1e-2, "atol": 1e-12}

TIME_LIMIT = 10.0
"""Seconds one call of a student's code may run before the check stops it (tests lower it)."""

# Okabe-Ito colours: distinguishable with every common colour-vision deficiency; icons carry the meaning too.
# The labels are translated where they are shown (Feedback), so a verdict made in English shows in Chinese.
_STYLE = {
    "correct": ("✓", N_("Correct"), "#009E73"),
    "incorrect": ("✗", N_("Incorrect"), "#D55E00"),
    "not attempted": ("…", N_("Not attempted yet"), "#0072B2"),
    "hint": ("?", N_("Hint"), "#E69F00"),
    "solution": ("★", N_("Solution"), "#555555"),
    "kit error": ("!", N_("The checker hit a problem (a bug in the kit, not in your code)"), "#CC79A7"),
}


class NotAttempted(Exception):
    """Raised inside a judge: the student has not written an answer yet."""


class Incorrect(Exception):
    """Raised inside a judge: the answer is wrong; the message says why."""


# --- running the student's code: a time limit, and exits and recursion reported as the student's ----


class _TimeUp(BaseException):
    """Raised into a student's code that ran past :data:`TIME_LIMIT`.

    A ``BaseException``, so that ``except Exception:`` in the student's code does not swallow it.
    ``args[0]`` is True when the code could not be stopped and still runs in the background.
    """


_RUNNING = [0]  # how many limited runs are under way (a nested run is covered by the outer one's limit)


def _seconds(limit: float) -> str:
    return f"{limit:g}"


def _run_limited(run: Callable[[], Any]) -> Any:
    """``run()``, stopped with :class:`_TimeUp` after :data:`TIME_LIMIT` seconds."""
    limit = TIME_LIMIT
    if not limit or limit <= 0 or _RUNNING[0]:
        return run()
    _RUNNING[0] += 1
    try:
        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            return _run_with_alarm(run, limit)
        return _run_in_thread(run, limit)
    finally:
        _RUNNING[0] -= 1


def _run_with_alarm(run: Callable[[], Any], limit: float) -> Any:
    """POSIX, main thread: a SIGALRM timer interrupts ``run``; the previous handler and timer are put back."""
    start = time.monotonic()
    deadline = start + limit
    old_handler = signal.getsignal(signal.SIGALRM)
    old_delay, old_interval = signal.getitimer(signal.ITIMER_REAL)
    old_due = start + old_delay if old_delay > 0 else math.inf
    here = sys._getframe()  # an alarm that lands in this frame (setting up, tidying up) never raises

    def arm(now: float) -> None:
        due = min(deadline, old_due) if callable(old_handler) else deadline
        signal.setitimer(signal.ITIMER_REAL, max(due - now, 1e-4))

    def on_alarm(signum: int, frame: Any) -> None:
        nonlocal old_due
        now = time.monotonic()
        if callable(old_handler) and now >= old_due - 1e-3:  # the timer set before ours is due: its turn
            old_due = now + old_interval if old_interval > 0 else math.inf
            arm(now)
            old_handler(signum, frame)
        elif now < deadline - 1e-3:
            arm(now)
        elif frame is here or frame is None or frame.f_code in (arm.__code__, on_alarm.__code__):
            signal.setitimer(signal.ITIMER_REAL, 1e-3)
        else:  # time is up, and the alarm landed in the student's code: stop it
            # In case their code swallows the exception (`try: ... except: pass` in a loop): from now on
            # every line they run raises it again, including the lines of that `except`, and so does
            # every alarm, until the exception reaches us.
            sys.settrace(stop)
            while frame is not None and frame is not here:
                frame.f_trace, frame = stop, frame.f_back
            signal.setitimer(signal.ITIMER_REAL, 0.005)
            raise _TimeUp(False)

    def stop(frame: Any, event: str, arg: Any) -> Any:
        if event in ("call", "line"):
            raise _TimeUp(False)
        return stop  # an error here on an "exception" event would turn tracing off

    old_trace = sys.gettrace()

    signal.signal(signal.SIGALRM, on_alarm)
    try:
        arm(start)
        return run()
    finally:  # sys.settrace and signal.setitimer are built-ins: no line of Python runs before they are done
        sys.settrace(old_trace)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler if old_handler is not None else signal.SIG_DFL)
        if old_due < math.inf:
            signal.setitimer(signal.ITIMER_REAL, max(old_due - time.monotonic(), 1e-4), old_interval)


def _run_in_thread(run: Callable[[], Any], limit: float) -> Any:
    """Windows, or not the main thread: run in a helper thread, wait at most ``limit`` seconds."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = run()
        except BaseException as exc:
            box["error"] = exc

    try:  # a deep recursion must end in RecursionError, not overflow a small thread stack
        old_size = threading.stack_size(64 * 2**20)
    except (ValueError, RuntimeError):
        old_size = None
    try:
        worker = threading.Thread(target=target, name="fedlearn_edu: student code", daemon=True)
        worker.start()
    finally:
        if old_size is not None:
            threading.stack_size(old_size)
    worker.join(limit)
    if worker.is_alive():
        for _ in range(100):  # for up to 1 s, in case the student's code swallows it
            _raise_in(worker, _TimeUp)
            worker.join(0.01)
            if not worker.is_alive():
                break
        raise _TimeUp(worker.is_alive())
    if "error" in box:
        raise box["error"]
    return box.get("result")


def _raise_in(thread: threading.Thread, exc_type: type[BaseException]) -> None:
    """Raise ``exc_type`` in ``thread`` at its next line of Python code (CPython; elsewhere nothing)."""
    try:
        import ctypes

        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(exc_type))
    except Exception:  # pragma: no cover - not CPython
        pass


# Where something went wrong: calling the student's function (``call``: how the call is shown), or comparing
# the student's value (``what``: "what f(3) returned", "your `x`") with the right answer. Each sentence is one
# template per place, so that a translation can put the place where its language wants it.


def _time_up(exc: _TimeUp, *, call: str = "", what: str = "") -> str:
    if call:
        text = t(
            "When calling {call}, your code ran longer than {seconds} s, so the check stopped it. Is there a "
            "loop that never ends (a `while` whose condition stays True, a counter that never changes)?",
            call=call,
            seconds=_seconds(TIME_LIMIT),
        )
    else:
        text = t(
            "While comparing {what} with the right answer, your code ran longer than {seconds} s, so the "
            "check stopped it. Is there a loop that never ends (a `while` whose condition stays True, a "
            "counter that never changes)?",
            what=what,
            seconds=_seconds(TIME_LIMIT),
        )
    if exc.args and exc.args[0]:
        text += "\n" + t(
            "The check could not stop it: it keeps running in the background and may slow the notebook "
            "down. Fix the loop, then restart the kernel (Kernel ▸ Restart Kernel)."
        )
    return text


def _recursion(call: str) -> str:
    return t(
        "When calling {call}, your function called itself too deeply (RecursionError): does every call get "
        "closer to a case that returns without calling itself again?",
        call=call,
    )


def _exited(exc: BaseException, *, call: str = "", what: str = "") -> str:
    if isinstance(exc, SystemExit):
        if call:
            return t(
                "When calling {call}, your code called exit() or sys.exit() (SystemExit), which would stop the "
                "whole notebook. Return the result instead.",
                call=call,
            )
        return t(
            "While comparing {what} with the right answer, your code called exit() or sys.exit() "
            "(SystemExit), which would stop the whole notebook. Return the result instead.",
            what=what,
        )
    return _raised(exc, call=call, what=what)


def _raised(exc: BaseException, *, call: str = "", what: str = "") -> str:
    if call:
        return t(
            "When calling {call}, Python raised {error}: {message}",
            call=call,
            error=type(exc).__name__,
            message=exc,
        )
    return t(
        "While comparing {what} with the right answer, Python raised {error}: {message}",
        what=what,
        error=type(exc).__name__,
        message=exc,
    )


def call_student(
    func: Any, name: str, *args: Any, call: str = "", allow_none: bool = False, **kwargs: Any
) -> Any:
    """Call a student's function ``name`` as every check does, turning what can go wrong into a verdict.

    Not a function -> Incorrect; ``NotImplementedError`` (the exercise's stub) -> NotAttempted; any
    other exception -> Incorrect, naming the call (also ``SystemExit`` and ``RecursionError``: they
    are the student's, not the kit's); running longer than :data:`TIME_LIMIT` seconds -> Incorrect;
    ``None`` -> Incorrect ("did you forget return?"). Only ``KeyboardInterrupt`` (Jupyter's Stop
    button) passes through. ``call`` is how the call is shown (default: built from the arguments).
    Custom judges call students' functions through this too.

    >>> call_student(lambda x: 2 * x, "double", 3)
    6
    """
    if not callable(func):
        raise Incorrect(
            t(
                "`{name}` should be a function (def {name}(...): ...), not {value}.",
                name=name,
                value=brief(func),
            )
        )
    if not call:
        parts = [brief(a) for a in args] + [f"{k}={brief(v)}" for k, v in kwargs.items()]
        call = f"{name}({', '.join(parts)})"
    try:
        result = _run_limited(lambda: func(*args, **kwargs))
    except NotImplementedError:
        raise NotAttempted(
            t("`{name}` still raises NotImplementedError: replace that line with your code.", name=name)
        ) from None
    except _TimeUp as exc:
        raise Incorrect(_time_up(exc, call=call)) from None
    except RecursionError:
        raise Incorrect(_recursion(call)) from None
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        raise Incorrect(_raised(exc, call=call)) from None
    except BaseException as exc:  # SystemExit, GeneratorExit, ...: the student's, not a reason to stop
        raise Incorrect(_exited(exc, call=call)) from None
    if result is None and not allow_none:
        raise Incorrect(t("{call} returned None. Did you forget a `return` statement?", call=call))
    return result


def _judging(run: Callable[[], Any], *, returned_by: str = "", target: str = "") -> Any:
    """Run a comparison of the student's value under the same guard as their code.

    The value is what the call ``returned_by`` returned, or the student's variable ``target``.
    A student's value can run code of its own (``__eq__``, ``__iter__``, ``__float__``) or contain
    itself; a verdict (Incorrect, NotAttempted) and a genuine bug of the kit pass through unchanged.
    """
    what = t("what {call} returned", call=returned_by) if returned_by else t("your `{target}`", target=target)
    try:
        return _run_limited(run)
    except _TimeUp as exc:
        raise Incorrect(_time_up(exc, what=what)) from None
    except RecursionError:
        if returned_by:
            raise Incorrect(
                t(
                    "What {call} returned is nested too deeply, or contains itself, for the check to compare it "
                    "(RecursionError).",
                    call=returned_by,
                )
            ) from None
        raise Incorrect(
            t(
                "Your `{target}` is nested too deeply, or contains itself, for the check to compare it "
                "(RecursionError).",
                target=target,
            )
        ) from None
    except (KeyboardInterrupt, Exception):
        raise
    except BaseException as exc:
        raise Incorrect(_exited(exc, what=what)) from None


# --- the kit's tools as they were: a notebook's replacements are undone while a check runs ---------

_GONE = object()


def _members(owner: Any) -> dict[str, Any]:
    """The functions (and classes and submodules) a module holds, or the methods a class defines."""
    if isinstance(owner, type):
        kinds = (types.FunctionType, classmethod, staticmethod, property)
        return {k: v for k, v in vars(owner).items() if isinstance(v, kinds)}
    return {
        k: v
        for k, v in vars(owner).items()
        if not (k.startswith("__") and k.endswith("__")) and (callable(v) or isinstance(v, types.ModuleType))
    }


def _same_definition(a: Any, b: Any) -> bool:
    """True for the same ``def`` run again (``importlib.reload``), not for a notebook's replacement."""
    names = ("__module__", "__qualname__")
    return type(a) is type(b) and all(getattr(a, n, None) == getattr(b, n, 0) for n in names)


class _Originals:
    """What numpy's and the kit's names pointed at when first seen; put back while a check runs."""

    def __init__(self) -> None:
        self._saved: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._replaced: list[str] = []  # names replaced in the notebook, while a check runs

    def remember(self, owner: Any, label: str) -> None:
        if label not in self._saved:
            self._saved[label] = (owner, _members(owner))

    def remember_kit(self) -> None:
        """Every kit module loaded so far, and the classes it defines (first sight counts)."""
        for name, module in list(sys.modules.items()):
            if name.split(".")[0] != "fedlearn_edu" or name in self._saved or module is None:
                continue
            self.remember(module, name)
            for value in list(vars(module).values()):
                if isinstance(value, type) and value.__module__ == name:
                    self.remember(value, f"{name}.{value.__qualname__}")

    @contextlib.contextmanager
    def in_place(self) -> Iterator[list[str]]:
        """Put the originals back; yield the names the notebook had replaced; then undo."""
        self.remember_kit()
        swapped = []
        for label, (owner, members) in self._saved.items():
            current = vars(owner)
            for name, original in members.items():
                now = current.get(name, _GONE)
                if now is not original and _same_definition(now, original):  # a reload: the new one counts
                    members[name] = now
                elif now is not original:
                    with contextlib.suppress(AttributeError, TypeError):
                        setattr(owner, name, original)
                        swapped.append((owner, name, now, f"{label}.{name}"))
        outer = len(self._replaced)
        self._replaced.extend(label for *_, label in swapped)
        try:
            yield list(self._replaced)
        finally:
            del self._replaced[outer:]
            for owner, name, now, _ in reversed(swapped):
                with contextlib.suppress(AttributeError, TypeError):
                    if now is _GONE:
                        delattr(owner, name)
                    else:
                        setattr(owner, name, now)


_ORIGINALS = _Originals()
for _module in ("numpy", "numpy.linalg", "numpy.random"):
    __import__(_module)
    _ORIGINALS.remember(sys.modules[_module], _module)


def _replaced_note(names: list[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:3])
    if len(names) > 3:
        shown = t("{names} and {more} more", names=shown, more=len(names) - 3)
    if len(names) > 1:
        return "\n" + t(
            "(Note: your notebook had replaced {names}; this check used the originals.)", names=shown
        )
    return "\n" + t("(Note: your notebook had replaced {names}; this check used the original.)", names=shown)


@dataclass
class Feedback:
    """One verdict, hint or solution, shown as HTML in Jupyter and as text elsewhere."""

    status: str
    title: str
    message: str = ""
    code: str | None = None

    def __str__(self) -> str:
        icon, label, _ = _STYLE[self.status]
        lines = [f"{icon} {t(label)} -- {self.title}"]
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
            f"<b style='color:{colour}'>{icon} {html.escape(t(label))}</b> &mdash; {html.escape(self.title)}"
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
    """The solutions' code: ``solutions.zh.json`` in Chinese (the build writes it), else ``solutions.json``."""
    names = ["solutions.json"] if language() == "en" else [f"solutions.{language()}.json", "solutions.json"]
    for name in names:
        try:
            text = resources.files("fedlearn_edu.questions").joinpath(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        return json.loads(text)
    return {}


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
        return t(
            "<{name}: {title} -- try {name}.check(), {name}.hint(), {name}.solution()>",
            name=self.name,
            title=t(self.title),
        )

    # --- what subclasses provide -------------------------------------------------------------
    def judge(self, value: Any) -> str:
        """Raise NotAttempted or Incorrect, or return a sentence praising the correct answer."""
        raise NotImplementedError

    # --- what students call -------------------------------------------------------------------
    @property
    def heading(self) -> str:
        """``q1: title`` in the reader's language (question texts are translated where they are shown)."""
        title = t(self.title)
        return t("{name}: {title}", name=self.name, title=title) if self.name != "q?" else title

    def evaluate(self, value: Any = MISSING) -> Feedback:
        """The verdict for ``value`` as a :class:`Feedback` (``check()`` shows this)."""
        with _ORIGINALS.in_place() as replaced:
            feedback = Problem._verdict(self, value)
        if replaced:
            feedback.message += _replaced_note(replaced)
        return feedback

    def _verdict(self, value: Any) -> Feedback:
        heading = self.heading
        try:
            if value is MISSING:
                raise NotAttempted(
                    t(
                        "Define `{target}` in a cell above, run that cell, then check again.",
                        target=self.target,
                    )
                )
            if value is Ellipsis:
                raise NotAttempted(
                    t("`{target}` is still `...`: replace the `...` with your answer.", target=self.target)
                )
            praise = type(self).judge(self, value)  # the class's judge, even if the instance's was replaced
        except NotAttempted as exc:
            return Feedback("not attempted", heading, str(exc))
        except Incorrect as exc:
            return Feedback("incorrect", heading, str(exc))
        except RecursionError:  # a student's value that is nested too deeply, or contains itself
            return Feedback(
                "incorrect",
                heading,
                t(
                    "`{target}` is nested too deeply, or contains itself, for the check to work with it "
                    "(RecursionError).",
                    target=self.target,
                ),
            )
        except Exception as exc:  # a bug in the kit: say so, do not stop the notebook
            return Feedback("kit error", heading, f"{type(exc).__name__}: {exc}")
        return Feedback("correct", heading, praise or "")

    def check(self, value: Any = MISSING) -> None:
        """Check your answer (found by name in your notebook) and show the verdict."""
        if value is MISSING:
            value = sys._getframe(1).f_globals.get(self.target, MISSING)
        with _ORIGINALS.in_place():
            self.last = Problem.evaluate(self, value)
            _show(self.last)

    def hint(self, level: int = 1) -> None:
        """Show hint number ``level`` (1 is the gentlest)."""
        heading, me = self.heading, self.name if self.name != "q?" else t("this question")
        if not self.hints:
            _show(Feedback("hint", heading, t("There is no hint for this one; try {me}.solution().", me=me)))
            return
        level = max(1, min(int(level), len(self.hints)))
        more = (
            t("(Hint {level} of {total}: {me}.hint({next}) says more.)", level=level, total=len(self.hints),
              me=me, next=level + 1)
            if level < len(self.hints)
            else t("(Last hint. Still stuck? {me}.solution() shows a solution.)", me=me)
        )  # fmt: skip
        _show(Feedback("hint", heading, t(self.hints[level - 1]) + "\n" + more))

    def solution(self) -> None:
        """Show a solution (it comes from the lesson's solutions notebook)."""
        key = f"{self.notebook}:{self.name}"
        code = _solutions().get(key)
        if code is None and not self.explanation:
            code = t(
                "(no solution found for {key}: an instructor can run `python kit.py exercises` to fix this)",
                key=key,
            )
        _show(Feedback("solution", self.heading, _shown(self.explanation), code))


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


def _shown(text: str) -> str:
    """A question's own text (a hint, an option's why, ...) in the reader's language; "" stays ""."""
    return t(text) if text else text


def _diagnose(mistakes: Iterable[Mistake], got: Any, case: Case | None, rtol: float, atol: float) -> str:
    for mistake in mistakes:
        if mistake.matches(got, case, rtol, atol):
            return "\n" + t("Likely cause: {message}", message=t(mistake.message))
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
            _judging(
                lambda: self._compare(case, call, got, expected, args, kwargs),  # noqa: B023 - called now
                returned_by=call,
            )
        return t(
            "Your `{target}` gives the right answer on all {n} test cases.",
            target=self.target,
            n=len(self.cases),
        )

    def _compare(self, case: Case, call: str, got: Any, expected: Any, args: tuple, kwargs: dict) -> None:
        diff = difference(got, expected, self.rtol, self.atol)
        if diff:
            shown_expected, shown_got = brief_pair(expected, got)
            if case.label:
                text = t(
                    "{call} ({label}) should return {expected} but returned {got}.",
                    call=call,
                    label=t(case.label),
                    expected=shown_expected,
                    got=shown_got,
                )
            else:
                text = t(
                    "{call} should return {expected} but returned {got}.",
                    call=call,
                    expected=shown_expected,
                    got=shown_got,
                )
            english = getattr(diff, "english", diff)  # the same detail in every language
            if any(
                word in english
                for word in ("shape", "missing", "unexpected key", "expected a", "first difference")
            ):
                text += "\n" + t("In detail: {difference}.", difference=diff)
            raise Incorrect(text + _diagnose(self.mistakes, got, case, self.rtol, self.atol))
        problem = self.validate(got) if self.validate is not None else None
        if problem:
            raise Incorrect(t("{call} has the right numbers, but {problem}", call=call, problem=problem))
        changed = difference(args, case.args, 0, 0) or difference(kwargs, case.kwargs, 0, 0)
        if changed:
            raise Incorrect(
                t(
                    "{call} returned the right answer but changed its input. Build a new result instead of "
                    "modifying what you were given (in FL, what clients sent must stay as it was).",
                    call=call,
                )
            )


class ValueProblem(Problem):
    """The student computes a value (a number, a list, ...) and stores it in ``target``."""

    def __init__(
        self, target: str, *, expected: Any, mistakes: Sequence[Mistake] = (), rtol=1e-6, atol=1e-9, **kw
    ):
        super().__init__(target, **kw)
        self.expected, self.mistakes, self.rtol, self.atol = expected, list(mistakes), rtol, atol

    def judge(self, value: Any) -> str:
        return _judging(lambda: self._compare(value), target=self.target)

    def _compare(self, value: Any) -> str:
        diff = difference(value, self.expected, self.rtol, self.atol)
        if diff:
            raise Incorrect(
                t("`{target}`: {difference}.", target=self.target, difference=diff)
                + _diagnose(self.mistakes, value, None, self.rtol, self.atol)
            )
        return t("`{target}` = {value}.", target=self.target, value=brief(value))


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
            raise Incorrect(
                t(
                    '`{target}` should be a letter such as "a", not {value}.',
                    target=self.target,
                    value=brief(value),
                )
            )
        letters = {str(v).strip().lower().strip("()") for v in items}
        if not letters:
            raise Incorrect(t("You chose nothing: pick at least one option."))
        unknown = sorted(letters - set(self.options))
        if unknown:
            raise Incorrect(
                t(
                    "{letter} is not one of the options {options}.",
                    letter=repr(unknown[0]),
                    options=", ".join(sorted(self.options)),
                )
            )
        return letters

    def judge(self, value: Any) -> str:
        letters = _judging(lambda: self._letters(value), target=self.target)
        if letters == self.answer:
            return " ".join(_shown(self.why.get(letter, "")) for letter in sorted(letters)).strip()
        wrong = sorted(letters - self.answer)
        if wrong:
            why = _shown(self.why[wrong[0]]) if wrong[0] in self.why else t("think again.")
            raise Incorrect(t("({letter}) is not right: {why}", letter=wrong[0], why=why))
        raise Incorrect(
            t("Everything you chose is right, but something is missing: more than one option is true.")
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
    _ORIGINALS.remember_kit()  # the questions module calling this, as it is now, before any student code


_ORIGINALS.remember_kit()

"""The course knowledge check: the same 15 questions as a pre-test (lesson 00) and a post-test (lesson 10).

A student answers in variables ``a1`` ... ``a15`` and runs ``pretest.check()`` (or, in lesson 10,
``q5.check()``). The result ends in one **score line** to paste where the instructor collects them::

    fedlearn-edu quiz v1 pre 7/15 q1+ q2- q3. ...

(``+`` right, ``-`` wrong, ``.`` not answered). The pre-test shows the score and the marks only: no right
answers and no explanations, so that the post-test still measures what the course taught. The post-test
explains every question. An instructor pastes the lines into a text file and runs::

    python -m fedlearn_edu.questions.quiz results.txt

which prints the class's pre and post scores per question (see ``docs/instructors.md``).
The answer key is in this file: the quiz is a self-assessment for learning, not an exam.

    >>> report({1: "b", 3: 2.5, 4: "a"}, "pre").line
    'fedlearn-edu quiz v1 pre 2/15 q1+ q2. q3+ q4- q5. q6. q7. q8. q9. q10. q11. q12. q13. q14. q15.'
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fedlearn_edu.checker import (
    EXACT,
    ChoiceProblem,
    Incorrect,
    Mistake,
    NotAttempted,
    Problem,
    ValueProblem,
    label_problems,
)
from fedlearn_edu.i18n import N_, t

VERSION = "v1"  # change it whenever a question or its answer changes: lines of different versions never mix
STAGES = ("pre", "post")
# Not a notebook of its own: the quiz is marked by report() in lesson 00 (pre) and lesson 10 (post), and its
# answers are explained by the post-test, never by a solutions notebook (q1 here is not lesson 10's q1).
NOTEBOOK = "quiz"
MARK = {"correct": "+", "incorrect": "-", "not attempted": "."}

q1 = ChoiceProblem(
    "a1",
    title="What travels from a client to the server?",
    options={
        "a": "the client's raw training data",
        "b": "model parameters or updates (and how many examples they came from)",
        "c": "nothing at all",
        "d": "only the client's predictions on a public test set",
    },
    answer="b",
    why={
        "a": "the raw data stays on the client; that is the point of FL (lesson 01).",
        "b": "The model goes to the data; parameters or updates come back, weighted by n_k (lessons 01-02).",
        "c": "something must travel, or the server could not average anything.",
        "d": "that is a different scheme (distillation); FedAvg sends parameters.",
    },
)

q2 = ChoiceProblem(
    "a2",
    title="Which federation is cross-silo?",
    options={
        "a": "next-word prediction trained on millions of phones",
        "b": "five hospitals training one tumour detector",
        "c": "one company splitting its own data over 64 GPUs in a data centre",
        "d": "a fleet of smartwatches learning to detect falls",
    },
    answer="b",
    why={
        "a": "millions of small, intermittent clients: that is cross-device.",
        "b": "A few organisations, each with a lot of data, always on: cross-silo (lesson 01).",
        "c": "one owner who splits the data as it likes: that is distributed training, not FL.",
        "d": "many small personal devices: cross-device.",
    },
)

q3 = ValueProblem(
    "a3",
    title="McMahan's weighted average",
    expected=2.5,
    mistakes=[
        Mistake(2.0, "that is the article's plain mean; weight each client by its share n_k / n."),
        Mistake(1.5, "the weights are the wrong way round: the client with 300 examples counts 3/4."),
        Mistake(4.0, "that is the sum; divide by the total number of examples too."),
    ],
    **EXACT,
)

q4 = ChoiceProblem(
    "a4",
    title="When do the plain and the weighted mean agree?",
    options={
        "a": "always",
        "b": "when every client holds the same number of examples",
        "c": "never",
        "d": "when the learning rate is small",
    },
    answer="b",
    why={
        "a": "a hospital with 10 times the data gets 10 times the weight in the weighted mean only.",
        "b": "With equal n_k every weight n_k / n is 1/N: the weighted mean is the plain one (lesson 02).",
        "c": "they agree when all clients hold the same number of examples.",
        "d": "the averaging formula has no learning rate in it.",
    },
)

q5 = ValueProblem(
    "a5",
    title="Clients per round",
    expected=10,
    mistakes=[
        Mistake(0.1, "that is C itself; the number of clients is m = max(1, round(C * K))."),
        Mistake(100, "that is every client; only a fraction C of them train each round."),
        Mistake(1000, "multiply C by K: 0.1 * 100."),
    ],
    **EXACT,
)

q6 = ValueProblem(
    "a6",
    title="Local steps per round",
    expected=120,
    mistakes=[
        Mistake(60, "that is one epoch; E = 2 epochs take twice as many steps."),
        Mistake(1200, "a step uses a batch of B = 10 examples, not one."),
        Mistake(30, "E multiplies the steps: u = E * ceil(n_k / B)."),
    ],
    **EXACT,
)

q7 = ChoiceProblem(
    "a7",
    title="Strong label skew",
    options={
        "a": "FedAvg converges faster than on an IID split",
        "b": "FedAvg converges more slowly: each client drifts towards its own few classes",
        "c": "nothing changes, since the average still sees every class",
        "d": "FedAvg cannot run at all",
    },
    answer="b",
    why={
        "a": "skew slows FedAvg down; lesson 04 measured it.",
        "b": "Each client fits its own labels and drifts; averaging repairs much of it, slowly (lesson 04).",
        "c": "the average of drifted models is not the model trained on the pooled data.",
        "d": "it runs, just more slowly.",
    },
)

q8 = ChoiceProblem(
    "a8",
    title="FedSGD",
    options={
        "a": "E = 1 local epoch and B = infinity (the whole local data as one batch)",
        "b": "C = 1 (every client in every round)",
        "c": "as many local epochs as possible",
        "d": "B = 1 (one example per step)",
    },
    answer="a",
    why={
        "a": "One gradient step per client per round: the weighted average is one step of gradient descent "
        "on the pooled data (lesson 04).",
        "b": "C says how many clients take part, not how much each trains.",
        "c": "that is the opposite: FedSGD does the least local work.",
        "d": "B = 1 means many steps per epoch: much local work, the opposite of FedSGD.",
    },
)

q9 = ChoiceProblem(
    "a9",
    title="What FedProx adds",
    options={
        "a": "a proximal term (mu/2)·||w - w_global||² in each client's local loss",
        "b": "the coordinate-wise median instead of the mean",
        "c": "Gaussian noise on the sum of the updates",
        "d": "pairwise masks on every update",
    },
    answer="a",
    why={
        "a": "The term pulls each client back towards the global model and so limits drift (lesson 05).",
        "b": "that is a robust rule against attackers (lesson 07).",
        "c": "that is DP-FedAvg (lesson 06).",
        "d": "that is secure aggregation (lesson 06).",
    },
)

q10 = ChoiceProblem(
    "a10",
    title="One shared gradient",
    options={
        "a": "the image it came from can be rebuilt from it, and the label read off first",
        "b": "nothing can be learned about the data without the raw data",
        "c": "only the label leaks, never the image",
        "d": "clipping the gradient's norm stops the reconstruction",
    },
    answer="a",
    why={
        "a": "DLG rebuilds the image by matching gradients; iDLG reads the label first (lesson 06).",
        "b": "a gradient is a function of the data, often an invertible one (lessons 01 and 06).",
        "c": "lesson 06 rebuilt the image too.",
        "d": "clipping alone changed nothing in lesson 06; only enough noise can guarantee anything.",
    },
)

q11 = ChoiceProblem(
    "a11",
    title="Where DP-FedAvg's guarantee comes from",
    options={
        "a": "clipping every update to norm C and adding Gaussian noise of scale sigma·C to the sum",
        "b": "keeping the raw data on the clients",
        "c": "secure aggregation on its own",
        "d": "many local epochs, which blur the update",
    },
    answer="a",
    why={
        "a": "Clipping bounds each client's influence; noise as large as that bound hides it (lesson 06).",
        "b": "keeping data local is where privacy starts; lesson 06 recovered data anyway.",
        "c": "secure aggregation hides single updates from the server, but the sum and the model still leak.",
        "d": "local steps made the attack harder in lesson 06 but guarantee nothing.",
    },
)

q12 = ChoiceProblem(
    "a12",
    title="What secure aggregation shows the server",
    options={
        "a": "each client's update",
        "b": "only the sum of the updates",
        "c": "nothing, not even the sum",
        "d": "the clients' raw data",
    },
    answer="b",
    why={
        "a": "each masked update looks like random numbers; only their sum is readable.",
        "b": "The pairwise masks cancel in the sum, so the server learns the sum and nothing else (lesson 06).",
        "c": "the server needs the sum to update the model; the masks cancel exactly there.",
        "d": "the raw data never travels.",
    },
)

q13 = ValueProblem(
    "a13",
    title="A coordinate-wise median",
    expected=2.0,
    mistakes=[
        Mistake(103 / 3, "that is the mean, which the one liar dragged far away."),
        Mistake(100.0, "that is the largest value; the median is the middle one after sorting."),
        Mistake(1.5, "that is the mean of the two honest values; the median of three is the middle one."),
    ],
    **EXACT,
)

q14 = ValueProblem(
    "a14",
    title="How many attackers Krum can expect",
    expected=3,
    mistakes=[
        Mistake(4, "with f = 4: 2f + 2 = 10, and Krum needs n > 2f + 2 strictly."),
        Mistake(5, "that is half of the clients; Krum needs n > 2f + 2."),
        Mistake(8, "solve 10 > 2f + 2 for the largest whole f."),
    ],
    **EXACT,
)

q15 = ChoiceProblem(
    "a15",
    title="A bank and a shop",
    options={
        "a": "horizontal FL: the same features, different customers",
        "b": "vertical FL: different features about the same customers",
        "c": "cross-device FL",
        "d": "centralised learning",
    },
    answer="b",
    why={
        "a": "horizontal FL would be two banks with the same columns about different customers.",
        "b": "The parties hold different columns for the same rows (customers): vertical FL (lesson 08).",
        "c": "two organisations are a cross-silo federation.",
        "d": "neither party hands its data to the other or to a centre.",
    },
)

QUESTIONS: list[Problem] = [q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15]

# The lesson that teaches each question's answer: the hint, and what an instructor revisits when few get it.
LESSON_OF = {1: "01", 2: "01", 3: "02", 4: "02", 5: "04", 6: "04", 7: "04", 8: "04", 9: "05", 10: "06",
             11: "06", 12: "06", 13: "07", 14: "07", 15: "08"}  # fmt: skip
for _number, _problem in enumerate(QUESTIONS, start=1):
    _problem.hints = [f"Lesson {LESSON_OF[_number]} covers this."]
del _number, _problem

# The text each question is asked with; options come from the problem itself.
TEXT = {
    1: N_("In federated learning, what travels from a client to the server?"),
    2: N_("Which of these is a cross-silo federation?"),
    3: N_(
        "Client A holds 100 examples and its model's weight is 1.0; client B holds 300 examples and its "
        "weight is 3.0. What is FedAvg's weighted average of the weight (McMahan et al.)? A number."
    ),
    4: N_("When do the article's plain mean (1/N) Σ w_k and McMahan's weighted mean Σ (n_k/n) w_k agree?"),
    5: N_("K = 100 clients and C = 0.1. How many clients train in one FedAvg round? A number."),
    6: N_(
        "A client holds 600 examples and trains E = 2 local epochs with batch size B = 10. How many "
        "local SGD steps does it take in one round? A number."
    ),
    7: N_(
        "Each client holds only one or two of the ten digit classes (strong label skew). Compared with an "
        "IID split..."
    ),
    8: N_("FedSGD is the special case of FedAvg with..."),
    9: N_("How does FedProx change FedAvg?"),
    10: N_("A client shares the gradient of its loss on a single image. What can the server do with it?"),
    11: N_("In DP-FedAvg, what gives the (ε, δ) guarantee?"),
    12: N_("With secure aggregation (pairwise masks), what does the server learn?"),
    13: N_(
        "Three clients send 1.0, 2.0 and 100.0 for one coordinate. What is the coordinate-wise median? "
        "A number."
    ),
    14: N_(
        "Krum needs n > 2f + 2. With n = 10 clients, what is the largest number of attackers f it can be "
        "told to expect? A number."
    ),
    15: N_(
        "A bank and an online shop hold different information about the same customers and want to train "
        "one credit model together. Which kind of FL is this?"
    ),
}


# What a number's right answer comes from: shown with every numeric question in the post-test.
WORKED = {
    3: N_("(100 * 1.0 + 300 * 3.0) / 400 = 2.5 (lesson 02)."),
    5: N_("m = max(1, round(C * K)) = round(0.1 * 100) = 10 (lesson 04)."),
    6: N_("u = E * ceil(n_k / B) = 2 * ceil(600 / 10) = 120 (lesson 04)."),
    13: N_("sorted 1.0, 2.0, 100.0: the middle value is 2.0, whatever the liar sends (lesson 07)."),
    14: N_("10 > 2f + 2 holds for f = 3 (10 > 8) but not for f = 4 (10 > 10 is false) (lesson 07)."),
}


def _mark(problem: Problem, value: Any) -> str:
    """One question's verdict: 'correct', 'incorrect' or 'not attempted' (no answer, or `...`)."""
    if value is None or value is Ellipsis:
        return "not attempted"
    status = problem.evaluate(value).status
    return status if status in MARK else "incorrect"


def _number(key: Any) -> int:
    text = str(key).strip().lower().lstrip("aq")
    if not text.isdigit() or not 1 <= int(text) <= len(QUESTIONS):
        raise ValueError(f"answers: key {key!r} is not a question (use 1 to {len(QUESTIONS)}, or 'a1', 'q1')")
    return int(text)


@dataclass
class Report:
    """A student's result: the marks, the score line and (post-test only) what each answer means."""

    stage: str
    marks: list[str]
    feedback: list[str]

    @property
    def score(self) -> int:
        return self.marks.count("correct")

    @property
    def answered(self) -> int:
        return len(self.marks) - self.marks.count("not attempted")

    @property
    def line(self) -> str:
        items = " ".join(f"q{i}{MARK[m]}" for i, m in enumerate(self.marks, start=1))
        return f"fedlearn-edu quiz {VERSION} {self.stage} {self.score}/{len(self.marks)} {items}"

    def __str__(self) -> str:
        counts = {"score": self.score, "total": len(self.marks), "answered": self.answered}
        if self.stage == "pre":
            lines = [
                t("Your pre-test score: {score} of {total} ({answered} answered).", **counts),
                t("The answers are explained in lesson 10, where you take the same quiz again."),
            ]
        else:
            lines = [t("Your post-test score: {score} of {total} ({answered} answered).", **counts)]
            lines += [f"q{i}: {text}" for i, text in enumerate(self.feedback, start=1)]
        lines += [
            t("Paste this line where your instructor collects them:"),
            self.line,
        ]  # the line stays as it is
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        body = html.escape(str(self)).replace("\n", "<br>")
        return f"<div style='border-left:5px solid #0072B2;padding:0.3em 0.8em'>{body}</div>"


def report(answers: Mapping[Any, Any], stage: str) -> Report:
    """Mark ``answers`` ({1: "b", 3: 2.5, ...} or {"a1": "b", ...}) as the ``stage`` ("pre" or "post") test."""
    if not isinstance(stage, str) or stage not in STAGES:
        raise ValueError(f"stage must be 'pre' or 'post', got {stage!r}")
    if not isinstance(answers, Mapping):
        raise TypeError(f"answers must be a dict such as {{1: 'b'}}, got {type(answers).__name__}")
    given = {_number(key): value for key, value in answers.items()}
    marks, feedback = [], []
    for number, problem in enumerate(QUESTIONS, start=1):
        value = given.get(number)
        mark = _mark(problem, value)
        marks.append(mark)
        if mark == "not attempted":
            feedback.append(t("not answered."))
        else:
            verdict = problem.evaluate(value)
            worked = t(WORKED[number]) if number in WORKED else ""
            if mark == "correct":
                feedback.append(
                    t("right. {message} {worked}", message=verdict.message, worked=worked).strip()
                )
            else:
                feedback.append(
                    t("wrong. {message} {worked}", message=verdict.message, worked=worked).strip()
                )
    return Report(stage, marks, feedback)


def sheet() -> str:
    """The questions as text: what a student reads before answering."""
    lines = [
        t("The fedlearn-edu knowledge check ({n} questions). Answer each in a1 ... a15:", n=len(QUESTIONS))
    ]
    lines.append(t('a letter such as "b" for a choice, a number for a number.'))
    for number, problem in enumerate(QUESTIONS, start=1):
        lines += ["", f"{number}. {t(TEXT[number])}"]
        for letter, option in getattr(problem, "options", {}).items():
            lines.append(f"   ({letter}) {t(option)}")
    return "\n".join(lines)


def _from_caller(namespace: Mapping[str, Any]) -> dict[int, Any]:
    return {n: namespace.get(f"a{n}") for n in range(1, len(QUESTIONS) + 1)}


class Quiz:
    """The quiz as a student meets it: ``show()`` the questions, ``check()`` the answers a1 ... a15."""

    def __init__(self, stage: str):
        if stage not in STAGES:
            raise ValueError(f"stage must be 'pre' or 'post', got {stage!r}")
        self.stage = stage

    def __repr__(self) -> str:
        if self.stage == "pre":
            return t("<the fedlearn-edu pre-test: show() the questions, then check() your answers>")
        return t("<the fedlearn-edu post-test: show() the questions, then check() your answers>")

    def show(self) -> None:
        print(sheet())

    def check(self, answers: Mapping[Any, Any] | None = None) -> None:
        """Mark a1 ... a15 (found in your notebook, or given as a dict) and show the score line."""
        if answers is None:
            answers = _from_caller(sys._getframe(1).f_globals)
        _display(report(answers, self.stage))


def _display(obj: Any) -> None:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import display

        display(obj)
    else:
        print(obj)


pretest = Quiz("pre")


class PostTest(Problem):
    """The post-test as an exercise question: correct when all fifteen answers are right.

    Its verdict carries the same score line as the pre-test, with every question explained.
    """

    def __init__(self, **kw: Any):
        hints = [
            "Questions 1-4 come from lessons 01-02, 5-8 from lesson 04, 9 from lesson 05, 10-12 from lesson "
            "06, 13-14 from lesson 07 and 15 from lesson 08.",
            "Each wrong answer's explanation above says what to look up; change it and check again.",
        ]
        super().__init__("a1 ... a15", title="The knowledge check, again (post-test)", hints=hints, **kw)

    def show(self) -> None:
        print(sheet())

    def judge(self, value: Any) -> str:
        if not isinstance(value, Mapping):
            raise Incorrect(
                t(
                    "give your answers as a1 ... a15 (or a dict such as {{1: 'b'}}), not {value!r}.",
                    value=value,
                )
            )
        try:
            result = report(value, "post")
        except ValueError as exc:
            raise Incorrect(str(exc)) from None
        if result.answered == 0:
            raise NotAttempted(t("Answer a1 ... a15 above (replace each `...`), then check again."))
        if result.score < len(QUESTIONS):
            raise Incorrect(str(result))
        return str(result)

    def check(self, value: Any = None) -> None:
        if value is None:
            value = _from_caller(sys._getframe(1).f_globals)
        super().check(value)


LINE = re.compile(r"fedlearn-edu quiz (v\d+) (pre|post) (\d+)/(\d+)((?: q\d+[-+.])+)")


def parse(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Read pasted score lines; the text before ``fedlearn-edu quiz`` (a name, if any) is the student.

    >>> parse(["ana: fedlearn-edu quiz v1 pre 1/2 q1+ q2-"])[0]["marks"]
    ['+', '-']
    """
    if isinstance(lines, str):
        lines = lines.splitlines()
    rows = []
    for number, raw in enumerate(lines, start=1):
        if not isinstance(raw, str):
            raise TypeError(f"lines: line {number} should be text, got {type(raw).__name__}")
        found = LINE.search(raw)
        if not found:
            continue
        marks = re.findall(r"q\d+([-+.])", found.group(5))
        who = raw[: found.start()].strip(" \t:-,;|")
        rows.append(
            {"student": who, "version": found.group(1), "stage": found.group(2), "marks": marks,
             "score": marks.count("+")}
        )  # fmt: skip
    return rows


def summarise(lines: Iterable[str]) -> str:
    """The class's pre- and post-test results, per question and overall, as text an instructor reads."""
    rows = parse(lines)
    if not rows:
        return "No score lines found (they start with 'fedlearn-edu quiz')."
    versions = sorted({r["version"] for r in rows})
    if len(versions) > 1:
        raise ValueError(f"lines: score lines of different quiz versions {versions} cannot be compared")
    n = max(len(r["marks"]) for r in rows)
    out = [f"quiz {versions[0]}: " + ", ".join(
        f"{sum(r['stage'] == s for r in rows)} {s}-test lines" for s in STAGES)]  # fmt: skip
    out.append("question   pre right   post right")
    for q in range(n):
        cells = []
        for stage in STAGES:
            marks = [r["marks"][q] for r in rows if r["stage"] == stage and q < len(r["marks"])]
            cells.append(f"{100 * marks.count('+') / len(marks):5.0f} %" if marks else "     --")
        out.append(f"q{q + 1:<9}{cells[0]:>10}{cells[1]:>13}")
    out.append("all lines: " + _means(rows, n))
    named = {r["student"] for r in rows if r["student"]}
    both = [s for s in sorted(named) if {r["stage"] for r in rows if r["student"] == s} == set(STAGES)]
    if both:
        last = {(r["student"], r["stage"]): r for r in rows if r["student"] in both}  # a student's last line
        out.append(f"the {len(both)} named students with both tests: " + _means(list(last.values()), n))
    return "\n".join(out)


def _means(rows: list[dict[str, Any]], n: int) -> str:
    """Mean pre and post scores of ``rows`` and the normalised gain (Hake 1998) of the two means."""
    means = {}
    for stage in STAGES:
        scores = [r["score"] for r in rows if r["stage"] == stage]
        means[stage] = sum(scores) / len(scores) if scores else None
    text = "   ".join(f"{s} {means[s]:.1f}/{n}" if means[s] is not None else f"{s} --" for s in STAGES)
    pre, post = means["pre"], means["post"]
    if pre is not None and post is not None and pre < n:
        text += f"   normalised gain {(post - pre) / (n - pre):.2f}"
    return text


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m fedlearn_edu.questions.quiz", description="Summarise pasted quiz score lines."
    )
    parser.add_argument("files", nargs="*", help="text files of pasted lines (default: read standard input)")
    args = parser.parse_args(argv)
    lines: list[str] = []
    if args.files:
        for name in args.files:
            with open(name, encoding="utf-8") as handle:
                lines += handle.read().splitlines()
    else:
        lines = sys.stdin.read().splitlines()
    print(summarise(lines))
    return 0


label_problems(globals(), notebook=NOTEBOOK)

if __name__ == "__main__":
    sys.exit(main())

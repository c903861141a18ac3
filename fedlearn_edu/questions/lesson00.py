"""Warm-up exercises for lesson 00, to learn how checks, hints and solutions work."""

from __future__ import annotations

from fedlearn_edu.checker import Case, ChoiceProblem, FunctionProblem, Mistake, ValueProblem, label_problems

NOTEBOOK = "00_welcome"

q1 = ValueProblem(
    "total_patients",
    title="Add up the patients",
    expected=240,
    mistakes=[Mistake(80.0, "that is the average per hospital; the question asks for the total.")],
    hints=["Three hospitals hold 120, 80 and 40 patients.", "total_patients = 120 + 80 + 40"],
)

q2 = FunctionProblem(
    "share_of",
    title="A client's share of the data",
    cases=[Case(120, 240), Case(40, 240), Case(0, 10, label="a client with no data"), Case(5, 5)],
    reference=lambda n_k, n: n_k / n,
    mistakes=[
        Mistake(
            lambda n_k, n: n / n_k if n_k else float("inf"),
            "you divided the other way round: n_k / n, not n / n_k.",
        ),
        Mistake(lambda n_k, n: 100 * n_k / n, "that is a percentage; return a fraction between 0 and 1."),
    ],
    hints=["A share is a part divided by the whole.", "return n_k / n"],
)

q3 = ChoiceProblem(
    "where_to_work",
    title="Where do you write your answers?",
    options={
        "a": "in notebooks/ (the lessons)",
        "b": "in exercises/ (the practice notebooks)",
        "c": "in solutions/ (the worked solutions)",
    },
    answer="b",
    why={
        "a": "the lessons are for reading and running; your edits there would be mixed up with the lesson.",
        "b": "exercises/ is yours: the kit never overwrites a practice notebook you have edited.",
        "c": "solutions/ is the instructor's source from which exercises/ is generated; peeking is fine, writing is not.",
    },
    hints=["Practice notebooks live in a folder named after what you do there."],
)

label_problems(globals(), notebook=NOTEBOOK)

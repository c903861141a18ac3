"""Lessons 00-02: each question accepts right answers in any reasonable form and names common mistakes."""

import importlib.util
import json
import re

import numpy as np
import pytest
import torch

from conftest import ROOT, incorrect_message
from fedlearn_edu.questions import lesson00, lesson01, lesson02

lessons = {"lesson01": lesson01, "lesson02": lesson02}


def _bank(lesson):
    spec = importlib.util.spec_from_file_location(
        f"bank_{lesson}", ROOT / "tests" / "answer_banks" / f"{lesson}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _status_and_message(problem, answer):
    feedback = problem.evaluate(answer)
    return feedback.status, feedback.message


# --- lesson 00 ----------------------------------------------------------------------------------------
def test_lesson00_total_patients():
    assert lesson00.q1.evaluate(240).status == "correct"
    status, message = _status_and_message(lesson00.q1, 80)
    assert status == "incorrect" and "average" in message


def test_lesson00_share_of():
    assert lesson00.q2.evaluate(lambda n_k, n: n_k / n).status == "correct"
    assert "other way round" in lesson00.q2.evaluate(lambda n_k, n: n / n_k if n_k else 0.0).message
    assert "percentage" in lesson00.q2.evaluate(lambda n_k, n: 100 * n_k / n).message
    assert lesson00.q2.evaluate(lambda n_k, n: n_k // n).status == "incorrect"  # integer division


def test_lesson00_where_to_work():
    assert lesson00.q3.evaluate("b").status == "correct"
    assert lesson00.q3.evaluate("B").status == "correct"
    assert "instructor" in lesson00.q3.evaluate("c").message


# --- lesson 01 ----------------------------------------------------------------------------------------
def test_lesson01_choices():
    assert lesson01.q1.evaluate("b").status == "correct"
    assert "centralised" in lesson01.q1.evaluate("a").message
    assert lesson01.q2.evaluate({"a", "c"}).status == "correct"
    assert "cross-device" in lesson01.q2.evaluate({"a", "b", "c"}).message


def test_lesson01_recover_input():
    assert lesson01.q3.evaluate(lambda gw, gb: [g / gb for g in gw]).status == "correct"
    assert lesson01.q3.evaluate(lambda gw, gb: np.asarray(gw) / gb).status == "correct"
    assert "other way round" in lesson01.q3.evaluate(lambda gw, gb: [gb / g for g in gw]).message
    assert "grad_w itself" in lesson01.q3.evaluate(lambda gw, gb: gw).message


def test_lesson01_megabytes():
    assert lesson01.q4.evaluate(800).status == "correct"
    assert lesson01.q4.evaluate(800.0).status == "correct"
    for wrong, words in [(400, "one direction"), (200, "4 bytes"), (6400, "megabits"), (8, "one round")]:
        status, message = _status_and_message(lesson01.q4, wrong)
        assert status == "incorrect" and words in message, (wrong, message)


# --- lesson 02 ----------------------------------------------------------------------------------------
def test_lesson02_mean_from_scratch():
    right = [
        lambda models: [sum(c) / len(models) for c in zip(*models)],
        lambda models: np.mean(
            models, axis=0
        ),  # numpy is fine for the checker, even if the task says plain Python
    ]
    for answer in right:
        assert lesson02.q1.evaluate(answer).status == "correct"
    mistakes = {
        "did not divide by N": lambda models: [sum(c) for c in zip(*models)],
        "length of one vector": lambda models: [sum(c) / len(models[0]) for c in zip(*models)],
        "inside each client": lambda models: [sum(m) / len(m) for m in models],
    }
    for words, answer in mistakes.items():
        status, message = _status_and_message(lesson02.q1, answer)
        assert status == "incorrect" and words in message, (words, message)
    assert "the article's three nodes" in lesson02.q1.evaluate(lambda m: [0.0] * len(m[0])).message


def test_lesson02_weighted_mean():
    def right(models, n):
        total = sum(n)
        return [sum(nk / total * w for nk, w in zip(n, c)) for c in zip(*models)]

    assert lesson02.q2.evaluate(right).status == "correct"
    mistakes = {
        "ignored num_samples": lambda models, n: [sum(c) / len(models) for c in zip(*models)],
        "did not divide by n": lambda models, n: [sum(nk * w for nk, w in zip(n, c)) for c in zip(*models)],
        "divided by the number of clients": lambda models, n: [
            sum(nk * w for nk, w in zip(n, c)) / len(models) for c in zip(*models)
        ],
    }
    for words, answer in mistakes.items():
        status, message = _status_and_message(lesson02.q2, answer)
        assert status == "incorrect" and words in message, (words, message)


def test_lesson02_by_hand():
    assert lesson02.q3.evaluate([0.2, 0.3, 0.4]).status == "correct"
    assert lesson02.q3.evaluate(np.array([0.2, 0.3, 0.4])).status == "correct"
    assert "sum of the three vectors" in lesson02.q3.evaluate([0.6, 0.9, 1.2]).message
    assert "three" in lesson02.q3.evaluate([0.2, 0.3]).message
    assert lesson02.q4.evaluate([0.225, 0.325, 0.425]).status == "correct"
    assert "unweighted" in lesson02.q4.evaluate([0.2, 0.3, 0.4]).message
    assert "forgot to divide" in lesson02.q4.evaluate([4.5, 6.5, 8.5]).message


def test_lesson02_state_dicts():
    right = lambda sds: {k: sum(sd[k] for sd in sds) / len(sds) for k in sds[0]}  # noqa: E731
    assert lesson02.q5.evaluate(right).status == "correct"
    assert "summed" in lesson02.q5.evaluate(lambda sds: {k: sum(sd[k] for sd in sds) for k in sds[0]}).message
    as_numpy = lesson02.q5.evaluate(lambda sds: {k: right(sds)[k].numpy() for k in sds[0]})
    assert as_numpy.status == "incorrect" and "torch tensors" in as_numpy.message
    missing = lesson02.q5.evaluate(lambda sds: {"weight": right(sds)["weight"]})
    assert missing.status == "incorrect" and "'bias' is missing" in missing.message

    def in_place(sds):
        for sd in sds[1:]:
            for k in sd:
                sds[0][k] += sd[k]
        return {k: v / len(sds) for k, v in sds[0].items()}

    assert "changed its input" in lesson02.q5.evaluate(in_place).message
    assert isinstance(lesson02.q5.cases[0].args[0][0]["weight"], torch.Tensor)


def test_lesson02_concept():
    assert lesson02.q6.evaluate({"a", "b"}).status == "correct"
    assert "missing" in lesson02.q6.evaluate({"a"}).message
    assert "close" in lesson02.q6.evaluate({"a", "b", "d"}).message
    assert "0.1 and 0.9" in lesson02.q6.evaluate({"c"}).message


# --- issue 11: checks that accepted wrong answers, feedback that must differ, written answers -------------
def test_lesson02_mean_rejects_rounded_answers_and_the_median():
    rounded = lambda models: [round(v, 1) for v in np.mean(models, axis=0)]  # noqa: E731
    assert "rounded" in incorrect_message(lesson02.q1, rounded)
    assert "median" in incorrect_message(lesson02.q1, lambda models: np.median(models, axis=0))
    assert any(case.label == "the article's three nodes" for case in lesson02.q1.cases)
    assert lesson02.q1.evaluate(lambda models: np.mean(models, axis=0)).status == "correct"


def _printed_expected_and_got(message):
    match = re.search(r"should return (.*) but returned (.*?)\.(\n|$)", message)
    assert match, message
    return match.group(1), match.group(2)


def test_lesson02_weighted_feedback_shows_a_difference_it_judges():
    def weights_typed_as_0_3333(models, num_samples):  # wrong only in the 5th decimal
        weights = [round(nk / sum(num_samples), 4) for nk in num_samples]
        return [sum(p * w for p, w in zip(weights, column)) for column in zip(*models)]

    expected, got = _printed_expected_and_got(incorrect_message(lesson02.q2, weights_typed_as_0_3333))
    assert expected != got, f"an incorrect verdict printed the same value twice: {expected}"


def test_lesson01_megabytes_is_exact_and_knows_mib():
    assert "MiB" in incorrect_message(lesson01.q4, 800 * 1e6 / 2**20)
    assert lesson01.q4.evaluate(799.2).status == "incorrect"  # 1e-3 used to accept this


def test_lesson01_recover_input_keeps_the_sign_and_has_no_extra_two():
    assert "sign" in incorrect_message(lesson01.q3, lambda gw, gb: [g / abs(gb) for g in gw])
    assert "cancels" in incorrect_message(lesson01.q3, lambda gw, gb: [g / (2 * gb) for g in gw])


def _question_cells(notebook, number):
    cells = json.loads((ROOT / notebook).read_text(encoding="utf-8"))["cells"]
    for i, cell in enumerate(cells):
        if "".join(cell["source"]).startswith(f"## Question {number} "):
            return (" ".join("".join(cells[j]["source"]).split()) for j in (i, i + 1))
    raise AssertionError(f"no Question {number} in {notebook}")


@pytest.mark.parametrize(
    ("lesson", "stem"), [("lesson01", "01_why_federated_learning"), ("lesson02", "02_averaging_formula")]
)
def test_written_questions_say_they_are_not_checked_and_offer_a_model_answer(lesson, stem):
    bank = _bank(lesson)
    assert bank.UNCHECKABLE, f"{lesson} has a written question"
    for name in bank.UNCHECKABLE:
        assert not hasattr(getattr(lessons[lesson], name, None), "check"), f"{lesson}.{name} is checkable"
        question, answer = _question_cells(f"exercises/{stem}.ipynb", name[1:])
        assert "no automatic check" in question, question
        assert "model answer" in answer and "<details>" in answer, answer
        _, solution = _question_cells(f"solutions/{stem}.ipynb", name[1:])
        assert "### BEGIN SOLUTION" in solution

"""Exercises for lesson 02, the averaging formula: ``from fedlearn_edu.questions.lesson02 import q1, ...``."""

from __future__ import annotations

import statistics

from fedlearn_edu.aggregate import fedavg, federated_mean
from fedlearn_edu.checker import (
    Case,
    ChoiceProblem,
    FunctionProblem,
    Mistake,
    ValueProblem,
    label_problems,
)
from fedlearn_edu.i18n import t

NOTEBOOK = "02_averaging_formula"
ARTICLE_NODES = [[0.1, 0.2, 0.3], [0.2, 0.3, 0.4], [0.3, 0.4, 0.5]]


def _elementwise_sum(models):
    return [sum(column) for column in zip(*models)]


q1 = FunctionProblem(
    "mean_from_scratch",
    title="The article's formula, from scratch",
    cases=[
        Case(ARTICLE_NODES, label="the article's three nodes"),
        Case([[1.0, -2.0], [3.0, 4.0]]),
        Case([[5.0, 6.0, 7.0, 8.0]], label="a single client"),
        Case([[0.0], [1.0], [1.0], [0.0], [3.0]]),
        # means with more than one decimal, where the median differs from the mean:
        # round(answer, 1), round(answer, 2) and the coordinate-wise median fail here
        Case([[0.1, 0.25], [0.3, 0.4], [0.7, 1.0]], label="means with many decimals"),
        Case([[1.0, 2.0, 4.0], [2.0, 2.0, 1.0], [4.0, 5.0, 1.0], [1.0, 2.0, 1.0]], label="four clients"),
    ],
    reference=federated_mean,
    mistakes=[
        Mistake(
            _elementwise_sum, "you added the clients' vectors but did not divide by N, the number of clients."
        ),
        Mistake(
            lambda models: [s / len(models[0]) for s in _elementwise_sum(models)],
            "you divided by the length of one vector; divide by the number of clients, len(models).",
        ),
        Mistake(
            lambda models: [sum(m) / len(m) for m in models],
            "you averaged inside each client's vector; average across clients, coordinate by coordinate.",
        ),
        Mistake(
            lambda models: [round(v, 1) for v in federated_mean(models)],
            "the numbers were rounded; return them exactly as computed.",
        ),
        Mistake(
            lambda models: [round(v, 2) for v in federated_mean(models)],
            "the numbers were rounded; return them exactly as computed.",
        ),
        Mistake(
            lambda models: [statistics.median(c) for c in zip(*models)],
            "that is the median of each coordinate; the formula asks for the mean, sum / N.",
        ),
    ],
    hints=[
        "Go coordinate by coordinate: the first coordinate of the result is the mean of every client's first coordinate.",
        "`zip(*models)` gives you the columns: for the article's nodes, the first column is (0.1, 0.2, 0.3).",
        "`return [sum(column) / len(models) for column in zip(*models)]`, or the same with two explicit loops.",
    ],
)

q2 = FunctionProblem(
    "weighted_mean_from_scratch",
    title="McMahan's weighted FedAvg, from scratch",
    cases=[
        Case([[0.0, 1.0], [4.0, 5.0]], [30, 10]),
        Case(ARTICLE_NODES, [1, 1, 1], label="equal counts: the plain mean"),
        Case(ARTICLE_NODES, [10, 10, 20]),
        Case([[2.0, -1.0], [8.0, 3.0]], [0, 5], label="a client with no data counts for nothing"),
    ],
    reference=fedavg,
    mistakes=[
        Mistake(
            lambda models, n: federated_mean(models), "you ignored num_samples: that is the unweighted mean."
        ),
        Mistake(
            lambda models, n: [sum(nk * w for nk, w in zip(n, col)) for col in zip(*models)],
            "you multiplied by n_k but did not divide by n = sum(num_samples).",
        ),
        Mistake(
            lambda models, n: [sum(nk * w for nk, w in zip(n, col)) / len(models) for col in zip(*models)],
            "you divided by the number of clients; the weights n_k / n must divide by the total number of samples.",
        ),
        Mistake(
            lambda models, n: [
                sum(nk * w for nk, w in zip(reversed(n), col)) / sum(n) for col in zip(*models)
            ],
            "the weights went to the wrong clients: num_samples[k] belongs to models[k].",
        ),
    ],
    hints=[
        "Each client's weight is p_k = n_k / n, where n = sum(num_samples). The weights add up to 1.",
        "For each coordinate: sum over clients of p_k times that client's value.",
        "n = sum(num_samples); return [sum(nk / n * w for nk, w in zip(num_samples, column)) for column in zip(*models)]",
    ],
)

q3 = ValueProblem(
    "w2",
    title="The article's three-node example, by hand",
    expected=[0.2, 0.3, 0.4],
    mistakes=[
        Mistake([0.6, 0.9, 1.2], "that is the sum of the three vectors: divide each coordinate by 3."),
        Mistake([0.2, 0.3], "the result has as many coordinates as each client's vector: three."),
        Mistake([0.225, 0.325, 0.425], "that is Question 4's weighted mean; here every node counts equally."),
        Mistake([0.1, 0.2, 0.3], "that is the first node's vector; average all three."),
    ],
    hints=[
        "Add the three vectors coordinate by coordinate, then divide each sum by N = 3.",
        "First coordinate: (0.1 + 0.2 + 0.3) / 3 = 0.6 / 3.",
    ],
)

q4 = ValueProblem(
    "w2_weighted",
    title="The same three nodes, weighted by hand",
    expected=[0.225, 0.325, 0.425],
    mistakes=[
        Mistake([0.2, 0.3, 0.4], "that is the unweighted mean; the third node holds half of all samples."),
        Mistake([4.5, 6.5, 8.5], "you multiplied by n_k = 10, 10, 20 but forgot to divide by n = 40."),
        Mistake([0.175, 0.275, 0.375], "the 20 samples belong to the third node, [0.3, 0.4, 0.5]."),
        Mistake([1.5, 6.5 / 3, 8.5 / 3], "you divided by N = 3; the weighted form divides by n = 40."),
    ],
    hints=[
        "n = 10 + 10 + 20 = 40, so the weights are 10/40, 10/40 and 20/40.",
        "First coordinate: 0.25 * 0.1 + 0.25 * 0.2 + 0.5 * 0.3.",
    ],
)


def _state_dict_cases():
    import torch

    a = {"weight": torch.tensor([[1.0, 2.0]]), "bias": torch.tensor([0.5])}
    b = {"weight": torch.tensor([[3.0, -2.0]]), "bias": torch.tensor([1.5])}
    c = {"weight": torch.tensor([[0.5, 0.0]]), "bias": torch.tensor([-1.0])}
    return [
        Case([a, b], label="two clients"),
        Case([a, b, c], label="three clients"),
        Case([c], label="one client"),
    ]


def _tensors_with_shapes(result):
    torch = __import__("torch")
    for key, value in result.items():
        if not isinstance(value, torch.Tensor):
            return t(
                "result[{key!r}] is a {type}; load_state_dict() needs torch tensors.",
                key=key,
                type=type(value).__name__,
            )
    return None


q5 = FunctionProblem(
    "average_state_dicts",
    title="Average PyTorch state_dicts",
    cases=_state_dict_cases,
    reference=federated_mean,
    validate=_tensors_with_shapes,
    mistakes=[
        Mistake(
            lambda sds: {k: sum(sd[k] for sd in sds) for k in sds[0]},
            "you summed the tensors; divide by the number of clients.",
        ),
        Mistake(
            lambda sds: {k: v.clone() for k, v in sds[0].items()},
            "that is the first client's state_dict unchanged; average over all clients.",
        ),
    ],
    hints=[
        "A state_dict is a dict from parameter names to tensors; average each name separately.",
        "Tensors add like numbers: `sum(sd[key] for sd in state_dicts) / len(state_dicts)` is a tensor.",
        "return {key: sum(sd[key] for sd in state_dicts) / len(state_dicts) for key in state_dicts[0]}",
    ],
)

q6 = ChoiceProblem(
    "agree_when",
    title="When do the weighted and the unweighted mean agree?",
    options={
        "a": "when every client has the same number of samples",
        "b": "when every client sends the same model",
        "c": "when there are exactly two clients",
        "d": "when the clients' data are IID (drawn from the same distribution)",
    },
    answer={"a", "b"},
    why={
        "a": "(a) Equal n_k make every weight n_k / n equal to 1/N.",
        "b": "(b) Any weighted average of identical vectors is that vector.",
        "c": "two clients with 10 and 90 samples get weights 0.1 and 0.9, not 0.5 and 0.5.",
        "d": "IID data make the clients' models similar, so the two means come close -- but not equal.",
    },
    hints=[
        "Write both formulas for N = 2 with n_1 = 10, n_2 = 90. When is 0.1 w_1 + 0.9 w_2 = 0.5 w_1 + 0.5 w_2?",
        "That equation rearranges to 0.4 (w_2 - w_1) = 0. Two things can make it hold. More than one option is right.",
    ],
    explanation="Answer: {'a', 'b'}. Equal sample counts make the weights equal; identical models make any average equal.",
)

label_problems(globals(), notebook=NOTEBOOK)

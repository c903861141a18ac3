"""Exercises for lesson 03, two workers in PyTorch: ``from fedlearn_edu.questions.lesson03 import q1, ...``.

q1-q3: write the loop (local training, averaging two ``state_dict``s, one whole round);
q4-q9: predict, then run (one local step, a hundred, a learning rate of 0.5), checked on the numbers.
The expected numbers come from the package's own run of the article's experiment, starting from
``article_model(seed=5)`` as the lesson does. The student's code runs the same experiment from the same
seed, so q5, q7 and q9 use the course's ``EXACT`` tolerance: a number typed in from a printout, or a
neighbouring run (99 or 200 local steps, seed 0), is told apart from the run asked for.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from fedlearn_edu._compare import difference
from fedlearn_edu.aggregate import federated_mean
from fedlearn_edu.checker import (
    EXACT,
    READ_OFF,
    Case,
    ChoiceProblem,
    FunctionProblem,
    Mistake,
    ValueProblem,
    label_problems,
)
from fedlearn_edu.i18n import t
from fedlearn_edu.two_workers import article_data, article_model, train_two_workers
from fedlearn_edu.workers import VirtualWorker

NOTEBOOK = "03_two_workers_pytorch"
SEED = 5  # the lesson's starting model
# float32 training: a correct loop written another way (torch.optim.SGD, p -= lr * p.grad, or the
# gradient formula in float64) differs from ours by rounding only: at most 1.1e-7 relative, 6e-8 absolute
# on q1's cases. The tolerance is 100 times that; the nearest mistake (one step too few or too many)
# is 0.02 away.
RTOL, ATOL = 1e-5, 1e-6


def _state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _model_from(state: Mapping[str, torch.Tensor]) -> nn.Linear:
    model = nn.Linear(2, 1)
    model.load_state_dict(state)
    return model


def _tensors(result) -> str | None:
    if not isinstance(result, Mapping):
        return None  # the comparison already said what is wrong
    for key, value in result.items():
        if not isinstance(value, torch.Tensor):
            return t(
                "result[{key!r}] is a {type}; load_state_dict() needs torch tensors.",
                key=key,
                type=type(value).__name__,
            )
    return None


# --- q1: the local training loop -------------------------------------------------------------------


def reference_local_train(global_state, x, y, steps, lr):
    """One worker's part of a round: ``steps`` full-batch SGD steps on sum (pred - y)^2."""
    worker = VirtualWorker("you", x, y, model=nn.Linear(2, 1))
    return dict(worker.train(global_state, lr=lr, steps=steps))


def _sgd(global_state, x, y, steps, lr, *, loss="sum", sign=-1.0, zero_grad=True):
    """The local loop with the switches that produce the common mistakes."""
    model = _model_from(global_state)
    for _ in range(steps):
        pred = model(x)
        value = ((pred - y) ** 2).sum() if loss == "sum" else ((pred - y) ** 2).mean()
        if zero_grad:
            model.zero_grad()
        value.backward()
        with torch.no_grad():
            for p in model.parameters():
                p += sign * lr * p.grad
    return _state(model)


def _warm_up_torch_optim() -> None:
    """One tiny optimizer step. torch.optim's first ``step()`` imports some 800 modules (torch._dynamo,
    sympy): 1-2 s on a quiet laptop, 7-8 s on a busy one. A student's loop written with
    ``torch.optim.SGD`` must not pay that inside the check's time limit, so the cases pay it first."""
    p = torch.zeros(1, requires_grad=True)
    p.sum().backward()
    torch.optim.SGD([p], lr=0.1).step()


def _local_cases() -> list[Case]:
    _warm_up_torch_optim()
    start = _state(article_model(seed=SEED))
    x_bob, y_bob = article_data("bob")
    x_alice, y_alice = article_data("alice")
    g = torch.Generator().manual_seed(0)
    x3, y3 = torch.randn(3, 2, generator=g), torch.randn(3, 1, generator=g)
    return [
        Case(start, x_bob, y_bob, 10, 0.1, label="bob's data, the article's 10 steps"),
        Case(start, x_alice, y_alice, 3, 0.05, label="alice's data"),
        Case(_state(article_model(seed=1)), x3, y3, 2, 0.2, label="three other samples"),
        Case(start, x_bob, y_bob, 0, 0.1, label="zero steps: nothing should change"),
    ]


q1 = FunctionProblem(
    "local_train",
    title="The local training loop",
    cases=_local_cases,
    reference=reference_local_train,
    validate=_tensors,
    rtol=RTOL,
    atol=ATOL,
    mistakes=[
        Mistake(
            lambda s, x, y, k, lr: _sgd(s, x, y, k, lr, zero_grad=False),
            "the gradients piled up: PyTorch *adds* each backward() to .grad, so clear it every step "
            "(opt.zero_grad() or model.zero_grad()) before loss.backward().",
        ),
        Mistake(
            lambda s, x, y, k, lr: _sgd(s, x, y, k, lr, loss="mean"),
            "you used the mean of the squared errors; the article's loss is their sum, ((pred - y)**2).sum().",
        ),
        Mistake(
            lambda s, x, y, k, lr: _sgd(s, x, y, k, lr, sign=+1.0),
            "the parameters moved uphill: a gradient-descent step subtracts, p -= lr * p.grad.",
        ),
        Mistake(
            lambda s, x, y, k, lr: _sgd(s, x, y, min(k, 1), lr),
            "you took a single step; the loop must take `steps` steps.",
        ),
        Mistake(
            lambda s, x, y, k, lr: _sgd(s, x, y, max(k - 1, 0), lr),
            "you took one step too few: `for _ in range(steps)` runs exactly `steps` times.",
        ),
        Mistake(
            lambda s, x, y, k, lr: _sgd(s, x, y, k + 1, lr),
            "you took one step too many: `for _ in range(steps)` runs exactly `steps` times.",
        ),
        Mistake(
            lambda s, x, y, k, lr: {key: v.clone() for key, v in s.items()},
            "you returned the parameters you started from: did the training happen on a model you "
            "then did not return?",
        ),
    ],
    hints=[
        "Build a fresh nn.Linear(2, 1), load `global_state` into it (model.load_state_dict), then "
        "run the article's loop on it and return model.state_dict().",
        "Each step: opt.zero_grad(); loss = ((model(x) - y) ** 2).sum(); loss.backward(); opt.step(), "
        "with opt = torch.optim.SGD(model.parameters(), lr=lr) made once before the loop.",
    ],
)


# --- q2: averaging two state_dicts ----------------------------------------------------------------------


def reference_average_two(state_a, state_b):
    """The article's step 4 for two workers: (a + b) / 2, parameter by parameter."""
    return federated_mean([state_a, state_b])


def _average_cases() -> list[Case]:
    history = train_two_workers(article_model(seed=SEED), rounds=1)
    bob, alice = history.worker_params["bob"][0], history.worker_params["alice"][0]
    a = {"weight": torch.tensor([[1.0, 2.0]]), "bias": torch.tensor([0.5])}
    b = {"weight": torch.tensor([[3.0, -2.0]]), "bias": torch.tensor([1.5])}
    net = {"0.weight": torch.ones(3, 2), "0.bias": torch.zeros(3), "1.weight": torch.ones(1, 3)}
    other = {"0.weight": -torch.ones(3, 2), "0.bias": torch.ones(3), "1.weight": 3 * torch.ones(1, 3)}
    return [
        Case(a, b, label="small numbers"),
        Case(dict(bob), dict(alice), label="bob and alice after round 1"),
        Case(net, other, label="a bigger model with other parameter names"),
    ]


q2 = FunctionProblem(
    "average_two",
    title="Average two state_dicts",
    cases=_average_cases,
    reference=reference_average_two,
    validate=_tensors,
    mistakes=[
        Mistake(lambda a, b: {k: a[k] + b[k] for k in a}, "you added the two models; divide the sum by 2."),
        Mistake(lambda a, b: {k: a[k].clone() for k in a}, "you returned the first model unchanged."),
        Mistake(
            lambda a, b: {k: a[k] + b[k] / 2 for k in a},
            "Python divides before it adds: a + b / 2 is a + (b / 2). Write (a + b) / 2.",
        ),
        Mistake(
            lambda a, b: {k: (a[k] + b[k]).mean() for k in a},
            "you averaged all the numbers inside each tensor; average the two models entry by entry, "
            "keeping each tensor's shape.",
        ),
    ],
    hints=[
        "Go parameter by parameter: for every name in state_a, the new tensor is the mean of "
        "state_a[name] and state_b[name].",
        "return {name: (state_a[name] + state_b[name]) / 2 for name in state_a}",
    ],
)


# --- q3: one whole round -----------------------------------------------------------------------------


def reference_one_round(global_state, steps, lr):
    """bob and alice both train from the global model, then the server averages (the article's round)."""
    history = train_two_workers(_model_from(global_state), rounds=1, local_steps=steps, lr=lr)
    return history.global_params[1]


def _sequential(global_state, steps, lr, *, average=True):
    x_bob, y_bob = article_data("bob")
    x_alice, y_alice = article_data("alice")
    bob = reference_local_train(global_state, x_bob, y_bob, steps, lr)
    alice = reference_local_train(bob, x_alice, y_alice, steps, lr)  # alice starts from bob's result
    return reference_average_two(bob, alice) if average else alice


def _bob_only(global_state, steps, lr):
    return reference_local_train(global_state, *article_data("bob"), steps, lr)


def _round_cases() -> list[Case]:
    _warm_up_torch_optim()
    return [
        Case(_state(article_model(seed=SEED)), 10, 0.1, label="the lesson's first round"),
        Case(_state(article_model(seed=0)), 1, 0.1, label="one local step"),
        Case(_state(article_model(seed=2)), 5, 0.05),
    ]


q3 = FunctionProblem(
    "one_round",
    title="One whole round",
    cases=_round_cases,
    reference=reference_one_round,
    validate=_tensors,
    rtol=RTOL,
    atol=ATOL,
    mistakes=[
        Mistake(
            lambda s, k, lr: _sequential(s, k, lr, average=True),
            "alice started from bob's trained model. In FedAvg both workers start from the same "
            "global model, in parallel; each round ends with one average. (If your code does pass "
            "global_state to both, check that bob's training did not change global_state itself.)",
        ),
        Mistake(
            lambda s, k, lr: _sequential(s, k, lr, average=False),
            "that is sequential training (bob, then alice continuing from bob's model), not "
            "FedAvg: both should start from global_state, then you average.",
        ),
        Mistake(_bob_only, "you returned bob's model; the round ends with the average of bob's and alice's."),
        Mistake(
            lambda s, k, lr: reference_local_train(s, *article_data("pooled"), k, lr),
            "you trained one model on bob's and alice's data together: that is centralised training, "
            "which FL cannot do. Each worker trains on its own data only; then the server averages.",
        ),
    ],
    hints=[
        "Both workers start from global_state: local_train(global_state, x_bob, y_bob, steps, lr), "
        "the same for alice, then combine the two results with your average_two.",
        "return average_two(local_train(global_state, x_bob, y_bob, steps, lr), "
        "local_train(global_state, x_alice, y_alice, steps, lr))",
    ],
)


# --- q4-q9: predict, then run -------------------------------------------------------------------------

_BASE = train_two_workers(article_model(seed=SEED))  # the lesson's run: 10 rounds x 10 steps, lr 0.1
_ONE_STEP = train_two_workers(article_model(seed=SEED), local_steps=1)
_MANY_STEPS = train_two_workers(article_model(seed=SEED), local_steps=100)
_BIG_LR = train_two_workers(article_model(seed=SEED), lr=0.5)


class _TypedIn(Mistake):
    """The right number copied from a printout: it agrees within READ_OFF's 1 %, not EXACT.

    ``wrong`` is what a printout shows (three significant figures); any number within READ_OFF of the
    exact value gets the same diagnosis.
    """

    def __init__(self, exact: float, where: str):
        super().__init__(
            float(f"{exact:.3g}"),
            "that is the right number rounded, as a printout shows it. The check wants the value your "
            f"code computed: store `{where}` itself, not a number typed in from its output.",
        )
        self.exact = exact

    def matches(self, got, case, rtol, atol) -> bool:
        return difference(got, self.exact, **READ_OFF) is None


def _seed0(value: float) -> Mistake:
    return Mistake(
        value,
        "that run starts from `article_model()`, whose seed is 0; the lesson's runs start from "
        "`article_model(seed=5)`.",
    )


q4 = ChoiceProblem(
    "predict_one_step",
    title="Predict: one local step per round",
    options={
        "a": "lower than with 10 local steps",
        "b": "higher than with 10 local steps",
        "c": "the same as with 10 local steps",
        "d": "training blows up",
    },
    answer="b",
    why={
        "a": "each round now does one gradient step per worker instead of ten: less progress per round.",
        "b": "(b) With one local step per round, the workers do ten times less work each round, so after "
        "10 rounds the model is further from the optimum. One step from the same model, then an "
        "equal average, is exactly one gradient step on the pooled loss with half the learning rate.",
        "c": "the number of rounds is the same but each round now does less work.",
        "d": "a smaller amount of local training cannot make plain gradient descent unstable here.",
    },
    hints=["Count the gradient steps each worker takes in 10 rounds, with 1 and with 10 local steps."],
)

q5 = ValueProblem(
    "loss_one_step",
    title="Run: the pooled loss after 10 rounds of one local step",
    expected=_ONE_STEP.pooled_loss[-1],
    **EXACT,
    mistakes=[
        Mistake(
            _BASE.pooled_loss[-1], "that is the loss with the default 10 local steps: set local_steps=1."
        ),
        Mistake(
            _MANY_STEPS.pooled_loss[-1],
            "that is the loss with 100 local steps (Question 6's run): set local_steps=1.",
        ),
        Mistake(_ONE_STEP.pooled_loss[0], "that is the loss before any training; take the last entry, [-1]."),
        Mistake(_ONE_STEP.pooled_loss[1], "that is the loss after round 1; take the last entry, [-1]."),
        _seed0(train_two_workers(article_model(), local_steps=1).pooled_loss[-1]),
        _TypedIn(_ONE_STEP.pooled_loss[-1], "history.pooled_loss[-1]"),
    ],
    hints=[
        "train_two_workers(article_model(seed=5), local_steps=1) returns a history; its "
        "pooled_loss list has one entry per round (entry 0 is before training).",
    ],
)

q6 = ChoiceProblem(
    "predict_many_steps",
    title="Predict: a hundred local steps per round",
    options={
        "a": "after round 1, bob's and alice's models are further apart than with 10 local steps",
        "b": "after round 1, each worker's model fits its own data almost exactly",
        "c": "training blows up",
        "d": "after 10 rounds, the pooled loss is higher than with 10 local steps",
    },
    answer={"a", "b"},
    why={
        "a": "(a) More local steps take each worker further towards its own line of solutions: more "
        "client drift.",
        "b": "(b) A hundred steps bring bob (almost) onto his line w1 = 0, w2 + b = 1 and alice onto "
        "hers, b = 0, w2 = 1.",
        "c": "the learning rate is what decides stability; 0.1 is safe for both workers.",
        "d": "here the pooled loss is *lower*: both workers' lines cross at the pooled optimum, so "
        "averaging two points near their lines still homes in on the crossing. When the "
        "workers' wishes conflict (lesson 05), drift does hurt.",
    },
    hints=[
        "Where does plain gradient descent go on one worker's data if you let it run long? "
        "More than one option is right."
    ],
)

q7 = ValueProblem(
    "drift_many_steps",
    title="Run: the client drift in round 1 with a hundred local steps",
    expected=float(_MANY_STEPS.drift()[0]),
    **EXACT,
    mistakes=[
        Mistake(float(_BASE.drift()[0]), "that is the drift with 10 local steps: set local_steps=100."),
        Mistake(float(_MANY_STEPS.drift()[-1]), "that is the last round's drift; take round 1, drift()[0]."),
        Mistake(float(_MANY_STEPS.drift()[1]), "that is round 2's drift; round 1 is entry 0, drift()[0]."),
        _seed0(float(train_two_workers(article_model(), rounds=1, local_steps=100).drift()[0])),
        _TypedIn(float(_MANY_STEPS.drift()[0]), "history.drift()[0]"),
    ],
    hints=[
        "history.drift() gives, for each round, the distance between bob's and alice's models after "
        "their local training; round 1 is entry 0.",
    ],
)

q8 = ChoiceProblem(
    "predict_big_lr",
    title="Predict: learning rate 0.5",
    options={
        "a": "it converges faster than with 0.1",
        "b": "it converges about as fast as with 0.1",
        "c": "the loss grows round after round until the numbers overflow",
    },
    answer="c",
    why={
        "a": "a bigger step only helps while it stays below the stability limit.",
        "b": "a step five times bigger changes a lot, one way or the other.",
        "c": "(c) Plain gradient descent on bob's sum-of-squares loss is stable only for lr below "
        "2 / 9.12 = 0.22 (9.12 is the largest curvature of his loss; alice's limit is 0.38). "
        "At 0.5 every step overshoots further than the last.",
    },
    hints=["The article's loss is a sum, not a mean: with lr 0.5, try one step by hand on bob's data."],
)

q9 = ValueProblem(
    "loss_big_lr_round1",
    title="Run: the pooled loss after round 1 with learning rate 0.5",
    expected=_BIG_LR.pooled_loss[1],
    **EXACT,
    mistakes=[
        Mistake(_BIG_LR.pooled_loss[0], "that is the loss before training (entry 0); round 1 is entry 1."),
        Mistake(_BASE.pooled_loss[1], "that is round 1 with lr 0.1: set lr=0.5."),
        Mistake(_BIG_LR.pooled_loss[-1], "that is the last loss recorded; round 1 is entry 1."),
        _seed0(train_two_workers(article_model(), rounds=1, lr=0.5).pooled_loss[1]),
        _TypedIn(_BIG_LR.pooled_loss[1], "history.pooled_loss[1]"),
    ],
    hints=["train_two_workers(article_model(seed=5), lr=0.5).pooled_loss[1]"],
)

label_problems(globals(), notebook=NOTEBOOK)

"""Answer bank for lesson 03, two workers in PyTorch (format: tests/answer_banks/README.md)."""

import numpy as np
import torch
from torch import nn

from fedlearn_edu.aggregate import federated_mean
from fedlearn_edu.two_workers import article_data, article_model, flat_params, pooled_loss, train_two_workers

X_BOB, Y_BOB = article_data("bob")
X_ALICE, Y_ALICE = article_data("alice")


# --- q1: local_train --------------------------------------------------------------------------------------
def _loop(global_state, x, y, steps, lr, *, zero_grad=True, loss="sum", optimiser="sgd", start=0):
    """A student's loop with switches for the usual slips."""
    model = nn.Linear(2, 1)
    model.load_state_dict(global_state)
    opt = (
        torch.optim.SGD(model.parameters(), lr=lr)
        if optimiser == "sgd"
        else torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        if optimiser == "momentum"
        else torch.optim.Adam(model.parameters(), lr=lr)
    )
    for _ in range(start, steps):
        if zero_grad:
            opt.zero_grad()
        err = (model(x) - y) ** 2
        (err.sum() if loss == "sum" else err.mean()).backward()
        opt.step()
    return model.state_dict()


def local_train(global_state, x, y, steps, lr):  # the model solution, used by the answers below
    return _loop(global_state, x, y, steps, lr)


def local_train_formula_float64(global_state, x, y, steps, lr):  # right: the gradient by hand, in float64
    x, y = x.double(), y.double()
    w, b = global_state["weight"].double(), global_state["bias"].double()
    for _ in range(steps):
        r = x @ w.T + b - y  # residuals, one per example
        w, b = w - lr * 2 * r.T @ x, b - lr * 2 * r.sum(0)
    return {"weight": w.float(), "bias": b.float()}


def local_train_autograd(global_state, x, y, steps, lr):  # right: torch.autograd.grad on bare tensors
    w = global_state["weight"].clone().requires_grad_(True)
    b = global_state["bias"].clone().requires_grad_(True)
    for _ in range(steps):
        gw, gb = torch.autograd.grad(((x @ w.T + b - y) ** 2).sum(), [w, b])
        with torch.no_grad():
            w -= lr * gw
            b -= lr * gb
    return {"weight": w.detach(), "bias": b.detach()}


def local_train_on_the_global(global_state, x, y, steps, lr):  # right numbers, but trains global_state itself
    model = nn.Linear(2, 1)
    model.weight, model.bias = nn.Parameter(global_state["weight"]), nn.Parameter(global_state["bias"])
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        ((model(x) - y) ** 2).sum().backward()
        opt.step()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def local_train_returns_model(global_state, x, y, steps, lr):
    model = nn.Linear(2, 1)
    model.load_state_dict(local_train(global_state, x, y, steps, lr))
    return model


# --- q2: average_two ---------------------------------------------------------------------------------------
def average_into_a(state_a, state_b):  # right numbers, but it overwrites state_a's tensors
    for name in state_a:
        state_a[name] += state_b[name]
        state_a[name] /= 2
    return state_a


# --- q3: one_round -----------------------------------------------------------------------------------------
def average_two(state_a, state_b):
    return {name: (state_a[name] + state_b[name]) / 2 for name in state_a}


def one_round_sequential(global_state, steps, lr):  # alice continues from bob's model, then average
    bob = local_train(global_state, X_BOB, Y_BOB, steps, lr)
    return average_two(bob, local_train(bob, X_ALICE, Y_ALICE, steps, lr))


def one_round_with_the_global(global_state, steps, lr):  # the global model also gets a vote
    bob = local_train(global_state, X_BOB, Y_BOB, steps, lr)
    alice = local_train(global_state, X_ALICE, Y_ALICE, steps, lr)
    return federated_mean([global_state, bob, alice])


def one_round_on_the_global(global_state, steps, lr):  # right numbers, but bob trains global_state itself
    bob = local_train_on_the_global(global_state, X_BOB, Y_BOB, steps, lr)
    return average_two(bob, local_train(global_state, X_ALICE, Y_ALICE, steps, lr))


def one_round_by_package(global_state, steps, lr):  # right: the package's loop, one round
    model = nn.Linear(2, 1)
    model.load_state_dict(global_state)
    return train_two_workers(model, rounds=1, local_steps=steps, lr=lr).global_params[1]


def one_round_weights_loop(global_state, steps, lr):  # right: own helpers, averaged with federated_mean
    states = [
        local_train_autograd(global_state, x, y, steps, lr) for x, y in ((X_BOB, Y_BOB), (X_ALICE, Y_ALICE))
    ]
    return federated_mean(states)


# --- q5, q7, q9: numbers from runs ---------------------------------------------------------------------
def _run(seed=5, **settings):
    return train_two_workers(article_model(seed=seed), **settings)


ONE_STEP = _run(local_steps=1)
MANY_STEPS = _run(local_steps=100)
BIG_LR = _run(lr=0.5)


def _round_sig(value, figures):
    return float(f"{value:.{figures}g}")


BANK = {
    "q1": {
        "wrong": [
            ("forgot zero_grad", lambda *a: _loop(*a, zero_grad=False), "zero_grad"),
            ("the mean squared error", lambda *a: _loop(*a, loss="mean"), "the mean of the squared errors"),
            ("one step too few (range(1, steps))", lambda *a: _loop(*a, start=1), "one step too few"),
            ("one step too many", lambda g, x, y, k, lr: _loop(g, x, y, k + 1, lr), "one step too many"),
            ("SGD with momentum", lambda *a: _loop(*a, optimiser="momentum"), "should return"),
            ("Adam: a different optimiser", lambda *a: _loop(*a, optimiser="adam"), "should return"),
            (
                "returned the starting state",
                lambda g, x, y, k, lr: {n: v.clone() for n, v in g.items()},
                "started from",
            ),
            ("returned the model, not its state_dict", local_train_returns_model, "expected a dict"),
            (
                "returned lists, not tensors",
                lambda *a: {n: v.tolist() for n, v in local_train(*a).items()},
                "torch tensors",
            ),
            ("trained the global_state tensors themselves", local_train_on_the_global, "changed its input"),
        ],
        "right": [
            ("the gradient formula in float64", local_train_formula_float64),
            ("torch.autograd.grad on bare tensors", local_train_autograd),
        ],
    },
    "q2": {
        "wrong": [
            ("added, did not halve", lambda a, b: {k: a[k] + b[k] for k in a}, "divide the sum by 2"),
            ("precedence: a + b / 2", lambda a, b: {k: a[k] + b[k] / 2 for k in a}, "divides before it adds"),
            ("first model unchanged", lambda a, b: {k: v.clone() for k, v in a.items()}, "unchanged"),
            ("averaged inside each tensor", lambda a, b: {k: (a[k] + b[k]).mean() for k in a}, "shape"),
            ("overwrote state_a", average_into_a, "changed its input"),
            (
                "averaged the stacked models over the wrong axis",
                lambda a, b: {k: torch.stack([a[k], b[k]]).mean(dim=-1) for k in a},
                "shape",
            ),
        ],
        "right": [
            ("half of each", lambda a, b: {k: 0.5 * a[k] + 0.5 * b[k] for k in a}),
            ("torch.lerp halfway", lambda a, b: {k: torch.lerp(a[k], b[k], 0.5) for k in a}),
            ("stack, mean over models", lambda a, b: {k: torch.stack([a[k], b[k]]).mean(dim=0) for k in a}),
        ],
    },
    "q3": {
        "wrong": [
            ("sequential: alice starts from bob's model", one_round_sequential, "alice started from bob's"),
            (
                "sequential, no average",
                lambda g, k, lr: local_train(local_train(g, X_BOB, Y_BOB, k, lr), X_ALICE, Y_ALICE, k, lr),
                "sequential training",
            ),
            ("bob's model only", lambda g, k, lr: local_train(g, X_BOB, Y_BOB, k, lr), "bob's model"),
            (
                "centralised: one model on the pooled data",
                lambda g, k, lr: local_train(g, *article_data(), k, lr),
                "centralised",
            ),
            ("averaged with the global model too", one_round_with_the_global, "should return"),
            ("bob trained global_state in place", one_round_on_the_global, "did not change global_state"),
        ],
        "right": [
            ("the package's train_two_workers, one round", one_round_by_package),
            ("own autograd loop + federated_mean", one_round_weights_loop),
        ],
    },
    "q4": {
        "wrong": [
            ("lower", "a", "less progress"),
            ("the same", "c", "less work"),
            ("blows up", "d", "unstable"),
            ("two letters", {"a", "b"}, "less progress"),
        ],
        "right": [("upper case in a set", {"B"})],
    },
    "q5": {
        "wrong": [
            ("the lesson's 10 local steps", _run().pooled_loss[-1], "local_steps=1"),
            ("100 local steps (1.27e-6)", MANY_STEPS.pooled_loss[-1], "100 local steps"),
            ("entry 0: before training", ONE_STEP.pooled_loss[0], "before any training"),
            ("entry 1: after round 1", ONE_STEP.pooled_loss[1], "after round 1"),
            ("article_model() without seed=5", _run(seed=0, local_steps=1).pooled_loss[-1], "seed"),
            ("typed in from the printout (0.479)", 0.479, "printout"),
            ("a neighbouring run: lr 0.1001", _run(local_steps=1, lr=0.1001).pooled_loss[-1], "expected"),
            ("the whole list", ONE_STEP.pooled_loss, "shape"),
        ],
        "right": [
            ("recomputed from the last global model", pooled_loss(ONE_STEP.global_params[-1])),
            ("entry 10 of 11, as a numpy float", np.float64(ONE_STEP.pooled_loss[10])),
        ],
    },
    "q6": {
        "wrong": [
            ("only (a)", {"a"}, "missing"),
            ("blows up too", {"a", "b", "c"}, "stability"),
            ("drift hurts the final loss", {"a", "b", "d"}, "lower"),
            ("only (d)", "d", "lower"),
        ],
        "right": [("a list, other order", ["b", "a"])],
    },
    "q7": {
        "wrong": [
            ("10 local steps", float(_run().drift()[0]), "local_steps=100"),
            ("the last round", float(MANY_STEPS.drift()[-1]), "last round"),
            ("round 2 (entry 1)", float(MANY_STEPS.drift()[1]), "round 2"),
            (
                "article_model() without seed=5",
                float(_run(seed=0, rounds=1, local_steps=100).drift()[0]),
                "seed",
            ),
            ("typed in from the printout (1.56)", 1.56, "printout"),
            (
                "a neighbouring run: 99 local steps",
                float(_run(rounds=1, local_steps=99).drift()[0]),
                "expected",
            ),
            (
                "a neighbouring run: 200 local steps",
                float(_run(rounds=1, local_steps=200).drift()[0]),
                "expected",
            ),
        ],
        "right": [
            (
                "the distance computed by hand",
                float(
                    torch.dist(
                        torch.cat([v.flatten() for v in MANY_STEPS.worker_params["bob"][0].values()]),
                        torch.cat([v.flatten() for v in MANY_STEPS.worker_params["alice"][0].values()]),
                    )
                ),
            ),
            (
                "numpy norm of flat_params",
                np.linalg.norm(
                    flat_params(MANY_STEPS.worker_params["bob"][0])
                    - flat_params(MANY_STEPS.worker_params["alice"][0])
                ),
            ),
        ],
    },
    "q8": {
        "wrong": [
            ("faster", "a", "stability limit"),
            ("about as fast", "b", "one way or the other"),
            ("faster and overflows", {"a", "c"}, "stability limit"),
        ],
        "right": [("in brackets", "(c)")],
    },
    "q9": {
        "wrong": [
            ("entry 0: before training", BIG_LR.pooled_loss[0], "before training"),
            ("lr 0.1", _run().pooled_loss[1], "lr=0.5"),
            ("the last entry", BIG_LR.pooled_loss[-1], "last loss"),
            ("article_model() without seed=5", _run(seed=0, rounds=1, lr=0.5).pooled_loss[1], "seed"),
            ("typed in from the printout (3.73e10)", _round_sig(BIG_LR.pooled_loss[1], 3), "printout"),
            ("a neighbouring run: 9 local steps", _run(lr=0.5, local_steps=9).pooled_loss[1], "expected"),
        ],
        "right": [
            ("recomputed from round 1's global model", pooled_loss(BIG_LR.global_params[1])),
            ("one round is enough", _run(lr=0.5, rounds=1).pooled_loss[-1]),
        ],
    },
}

UNCHECKABLE = {
    "q10": "a written answer (why neither worker alone finds w = [0, 1], b = 0, and why averaging does): "
    "no code can grade an explanation; the exercise shows a model answer to compare with.",
}

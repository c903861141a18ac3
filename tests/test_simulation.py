"""fedlearn_edu.simulation: the two engines agree, the history is complete, the randomness is seeded."""

import functools
import io
import math

import numpy as np
import pytest
import torch
from torch import nn

from fedlearn_edu.aggregate import coordinate_median, fedavg, federated_mean
from fedlearn_edu.algorithms.rules import apply_rule_stacked
from fedlearn_edu.data import (
    bob_alice_federation,
    dirichlet_partition,
    iid_partition,
    load_digits,
    quantity_skew_partition,
)
from fedlearn_edu.simulation import History, client_seed, mlp, run_fedavg, sample_clients
from fedlearn_edu.simulation.fast import schedule
from fedlearn_edu.simulation.models import linear_layers
from fedlearn_edu.simulation.progress import Progress
from fedlearn_edu.simulation.sampling import client_seeds, clients_per_round, sampling_rng
from fedlearn_edu.training import minibatch_order as local_batches

DIGITS = load_digits(seed=0)


def max_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k] - b[k]).abs().max()) for k in a)


def both(parts, **kw):
    runs = {
        e: run_fedavg(DIGITS, parts, mlp((64, 32, 10), seed=1), engine=e, **kw) for e in ("reference", "fast")
    }
    return runs["reference"], runs["fast"]


# --- the engines agree -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("split", "E", "B", "C"),
    [
        ("iid", 1, 10, 0.2),
        ("iid", 3, 7, 0.5),
        ("dirichlet", 1, 10, 0.3),
        ("dirichlet", 2, 5, 1.0),
        ("dirichlet", 2, None, 0.5),  # full batch
        ("quantity", 2, 16, 0.4),  # very different client sizes: most padding and masking
    ],
)
def test_engines_reach_the_same_global_weights(split, E, B, C):
    y = DIGITS.y_train
    parts = {
        "iid": lambda: iid_partition(y, 20, seed=0),
        "dirichlet": lambda: dirichlet_partition(y, 20, alpha=0.3, seed=0),
        "quantity": lambda: quantity_skew_partition(y, 20, beta=0.3, seed=0),
    }[split]()
    ref, fast = both(parts, rounds=4, C=C, E=E, B=B, lr=0.05, seed=5)
    assert max_difference(ref.final_state, fast.final_state) <= 1e-5
    np.testing.assert_allclose(ref.test_accuracy, fast.test_accuracy, atol=1 / 450)
    np.testing.assert_allclose(ref.test_loss, fast.test_loss, rtol=1e-4)
    assert all(np.array_equal(a, b) for a, b in zip(ref.sampled, fast.sampled, strict=True))
    assert ref.values_up == fast.values_up and ref.values_down == fast.values_down
    for a, b in zip(ref.client_loss, fast.client_loss, strict=True):
        assert a.keys() == b.keys()
        np.testing.assert_allclose(list(a.values()), list(b.values()), rtol=1e-5)


@pytest.mark.parametrize("rule", [federated_mean, coordinate_median])
def test_engines_agree_with_other_aggregation_rules(rule):
    parts = dirichlet_partition(DIGITS.y_train, 10, alpha=0.5, seed=0)
    ref, fast = both(parts, rounds=3, C=0.5, E=1, B=10, lr=0.05, aggregate=rule)
    assert max_difference(ref.final_state, fast.final_state) <= 1e-5
    assert fast.config["aggregate"] == rule.__name__


def test_minibatch_order_is_documented_rule():
    # training.minibatch_order is the one place minibatch order comes from: default_rng(seed),
    # one permutation per epoch, cut into batches of B (full batch: the data as stored)
    for epochs, batch in [(1, 5), (3, 4), (2, None), (1, 20)]:
        ours = local_batches(13, epochs, batch, seed=42)
        rng = np.random.default_rng(42)
        expected = []
        for _ in range(epochs):
            order = np.arange(13) if batch is None else rng.permutation(13)
            step = 13 if batch is None else batch
            expected += [order[i : i + step] for i in range(0, 13, step)]
        assert len(ours) == len(expected)
        assert all(np.array_equal(o, e) for o, e in zip(ours, expected, strict=True))


@pytest.mark.parametrize(("epochs", "batch"), [(1, 10), (3, 4), (2, None), (1, 50), (2, 1)])
def test_schedule_is_local_batches_client_by_client(epochs, batch):
    rng = np.random.default_rng(0)
    parts = [rng.permutation(100)[:n] for n in (13, 0, 7, 30, 1)]
    seeds = [11, 12, 13, 14, 15]
    index, mask, steps = schedule(parts, seeds, epochs, batch)
    for c, (part, seed) in enumerate(zip(parts, seeds, strict=True)):
        batches = local_batches(len(part), epochs, batch, seed)
        assert steps[c] == len(batches)
        for t, positions in enumerate(batches):
            assert index[t, c][mask[t, c] > 0].tolist() == part[positions].tolist()
        assert mask[len(batches) :, c].sum() == 0


def test_schedule_masks_short_clients():
    parts = [np.arange(0, 5), np.arange(5, 7)]
    index, mask, steps = schedule(parts, [1, 2], epochs=1, batch_size=3)
    assert steps.tolist() == [2, 1] and index.shape == (2, 2, 3)
    assert mask[:, 0].sum() == 5 and mask[:, 1].tolist() == [[1, 1, 0], [0, 0, 0]]
    assert sorted(index[:, 1][mask[:, 1] > 0].tolist()) == [5, 6]


def test_fedsgd_with_all_clients_is_full_batch_gradient_descent():
    # E=1, B=∞, C=1, weighted: the weighted mean of the clients' mean gradients is the pooled mean
    # gradient, so one round is one step of gradient descent on all the training data.
    parts = dirichlet_partition(DIGITS.y_train, 8, alpha=0.5, seed=0)
    history = run_fedavg(DIGITS, parts, mlp((64, 32, 10), seed=2), rounds=3, C=1.0, E=1, B=None, lr=0.3)
    model = mlp((64, 32, 10), seed=2)
    x, y = torch.from_numpy(DIGITS.x_train), torch.from_numpy(DIGITS.y_train)
    for _ in range(3):
        loss = nn.functional.cross_entropy(model(x), y)
        grads = torch.autograd.grad(loss, list(model.parameters()))
        with torch.no_grad():
            for p, g in zip(model.parameters(), grads, strict=True):
                p -= 0.3 * g
    assert max_difference(history.final_state, model.state_dict()) < 1e-5


def test_the_articles_two_workers_are_a_special_case():
    from fedlearn_edu.two_workers import article_model, train_two_workers

    data, parts = bob_alice_federation()
    ours = run_fedavg(
        data, parts, article_model(0), rounds=10, C=1.0, E=10, B=None, lr=0.1, aggregate=federated_mean
    )
    theirs = train_two_workers(article_model(0), rounds=10, local_steps=10, lr=0.1)
    assert ours.config["loss"] == "sum_squares" and math.isnan(ours.final_accuracy)
    assert max_difference(ours.final_state, dict(theirs.global_params[-1])) < 1e-6
    reference = run_fedavg(
        data, parts, article_model(0), rounds=10, C=1.0, E=10, B=None, lr=0.1,
        aggregate=federated_mean, engine="reference",
    )  # fmt: skip
    assert max_difference(ours.final_state, reference.final_state) < 1e-6


# --- the history -------------------------------------------------------------------------------


def test_history_contents():
    parts = iid_partition(DIGITS.y_train, 30, seed=0)
    h = run_fedavg(DIGITS, parts, rounds=6, C=0.2, E=2, B=10, lr=0.05, seed=3)
    n_params = 64 * 32 + 32 + 32 * 10 + 10
    assert isinstance(h, History) and h.rounds == 6
    assert len(h.test_accuracy) == len(h.test_loss) == 7  # the initial model, then each round
    assert [len(s) for s in h.sampled] == [6] * 6 and all(np.all(np.diff(s) > 0) for s in h.sampled)
    assert h.values_down == h.values_up == [6 * n_params] * 6
    assert all(set(c) == {int(k) for k in s} for c, s in zip(h.client_loss, h.sampled, strict=True))
    assert all(v > 0 for c in h.client_loss for v in c.values())
    assert len(h.seconds) == 6 and min(h.seconds) > 0
    assert h.test_accuracy[-1] > h.test_accuracy[0] + 0.3  # it learns
    assert h.config == {
        "rounds": 6, "C": 0.2, "E": 2, "B": 10, "lr": 0.05, "loss": "cross_entropy", "seed": 3,
        "K": 30, "aggregate": "fedavg", "engine": "fast",
    }  # fmt: skip
    assert h.rounds_to(0.0) == 0 and h.rounds_to(1.01) is None
    assert h.label() == "E=2, B=10" and "fast engine, 6 rounds" in repr(h)


def test_same_seed_same_history_other_seed_other_history():
    parts = iid_partition(DIGITS.y_train, 20, seed=0)
    a, b, c = (run_fedavg(DIGITS, parts, rounds=3, C=0.3, seed=s) for s in (4, 4, 5))
    assert a.test_accuracy == b.test_accuracy and max_difference(a.final_state, b.final_state) == 0
    assert a.test_accuracy != c.test_accuracy


def test_run_touches_no_global_state():
    model = mlp((64, 32, 10), seed=0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng_state, threads = torch.random.get_rng_state(), torch.get_num_threads()
    run_fedavg(DIGITS, iid_partition(DIGITS.y_train, 5, seed=0), model, rounds=2)
    assert max_difference(before, model.state_dict()) == 0  # the model given is not modified
    assert torch.equal(rng_state, torch.random.get_rng_state())
    assert torch.get_num_threads() == threads


def test_mlp_is_seeded_without_the_global_generator():
    state = torch.random.get_rng_state()
    a, b, c = mlp(seed=0), mlp(seed=0), mlp(seed=1)
    assert torch.equal(state, torch.random.get_rng_state())
    assert max_difference(a.state_dict(), b.state_dict()) == 0
    assert max_difference(a.state_dict(), c.state_dict()) > 0
    assert float(a[0].weight.detach().abs().max()) <= 1 / 8  # PyTorch's default bound 1/sqrt(fan_in)
    with pytest.raises(ValueError, match="sizes"):
        mlp((10,))


def test_empty_clients_are_allowed():
    labels = np.repeat(np.arange(2), 10)
    parts = dirichlet_partition(labels, 6, alpha=0.001, seed=0, min_size=0)
    assert min(len(p) for p in parts) == 0
    small = type(DIGITS)("toy", DIGITS.x_train[:20], labels, DIGITS.x_test, DIGITS.y_test, 10)
    ref, fast = (run_fedavg(small, parts, rounds=3, C=1.0, engine=e) for e in ("reference", "fast"))
    assert max_difference(ref.final_state, fast.final_state) <= 1e-5
    ref_fb, fast_fb = (
        run_fedavg(small, parts, rounds=2, C=1.0, B=None, engine=e) for e in ("reference", "fast")
    )
    assert max_difference(ref_fb.final_state, fast_fb.final_state) <= 1e-5
    empty = next(k for k, p in enumerate(parts) if len(p) == 0)
    assert math.isnan(fast.client_loss[0][empty]) and math.isnan(ref.client_loss[0][empty])


# --- the randomness ----------------------------------------------------------------------------


def test_client_seeds_are_spawned_from_the_run_seed():
    seeds = client_seeds(7, 3, 50)
    expected = np.random.SeedSequence(7).spawn(2)[1].spawn(4)[3].generate_state(50, dtype=np.uint64)
    assert np.array_equal(seeds, expected)
    assert client_seed(7, 3, 12) == int(seeds[12])
    assert len(set(seeds.tolist())) == 50


def test_sampling():
    assert clients_per_round(100, 0.1) == 10 and clients_per_round(5, 0.01) == 1
    chosen = [sample_clients(50, 0.2, np.random.default_rng(s)) for s in range(400)]
    assert all(len(c) == 10 and len(set(c.tolist())) == 10 for c in chosen)
    frequency = np.bincount(np.concatenate(chosen), minlength=50) / 400
    assert np.abs(frequency - 0.2).max() < 0.1  # every client is picked about C of the time
    a, b = sampling_rng(1), sampling_rng(1)
    assert np.array_equal(sample_clients(50, 0.2, a), sample_clients(50, 0.2, b))
    for bad in (0, 1.5, -0.1):
        with pytest.raises(ValueError, match="fraction of clients"):
            clients_per_round(10, bad)


# --- errors and odds and ends ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "turbo"}, "engine must be"),
        ({"C": 0}, "fraction of clients"),
        ({"E": 0}, "E \\(local epochs\\)"),
        ({"B": 0}, "B \\(the local batch size"),
        ({"lr": -1}, "lr must be"),
        ({"loss": "hinge"}, "loss must be"),
    ],
)
def test_bad_settings_are_explained(kwargs, message):
    # (wrong types, e.g. rounds=2.5, are TypeErrors: see tests/test_bad_inputs.py)
    with pytest.raises(ValueError, match=message):
        run_fedavg(DIGITS, iid_partition(DIGITS.y_train, 5, seed=0), **kwargs)


def test_bad_partitions_are_explained():
    with pytest.raises(ValueError, match="belong to no client"):
        run_fedavg(DIGITS, [np.arange(10)])
    with pytest.raises(ValueError, match="partitions is empty"):
        run_fedavg(DIGITS, [])


def test_b_infinity_means_full_batch():
    parts = iid_partition(DIGITS.y_train, 5, seed=0)
    a = run_fedavg(DIGITS, parts, rounds=2, B=math.inf)
    b = run_fedavg(DIGITS, parts, rounds=2, B=None)
    assert a.config["B"] is None and max_difference(a.final_state, b.final_state) == 0


def test_fast_engine_refuses_other_models_and_reference_trains_them():
    model = nn.Sequential(nn.Linear(64, 16), nn.Tanh(), nn.Linear(16, 10))
    parts = iid_partition(DIGITS.y_train, 4, seed=0)
    with pytest.raises(TypeError, match="engine='reference'"):
        run_fedavg(DIGITS, parts, model, rounds=1)
    assert run_fedavg(DIGITS, parts, model, rounds=1, C=1.0, engine="reference").rounds == 1
    assert linear_layers(nn.Linear(2, 1)) == [""]
    with pytest.raises(TypeError, match="ends with a Linear"):
        linear_layers(nn.Sequential(nn.Linear(2, 2), nn.ReLU()))


def test_a_diverging_client_is_named():
    parts = iid_partition(DIGITS.y_train, 4, seed=0)
    with pytest.raises(ValueError, match=r"client .* contains (NaN|inf)"):
        run_fedavg(DIGITS, parts, rounds=3, C=1.0, lr=1e6)


def test_stacked_fast_path_equals_the_rule():
    rng = np.random.default_rng(0)
    stacked = {"w": torch.from_numpy(rng.normal(size=(5, 3, 2)).astype(np.float32))}
    counts = [3, 1, 4, 1, 5]
    models = [{"w": stacked["w"][i]} for i in range(5)]
    for rule in (fedavg, federated_mean):
        fast = apply_rule_stacked(rule, stacked, counts)
        slow = rule(models, counts) if rule is fedavg else rule(models)
        assert torch.equal(fast["w"], slow["w"])
    trimmed = functools.partial(coordinate_median)
    assert torch.equal(apply_rule_stacked(trimmed, stacked, counts)["w"], coordinate_median(models)["w"])


def test_progress_bar_only_when_asked_or_long():
    stream = io.StringIO()
    bar = Progress(4, show=True, stream=stream)
    for r in range(1, 5):
        bar.update(r)
    bar.close()
    assert "100% of 4 rounds" in stream.getvalue() and stream.getvalue().endswith("\n")
    quiet = io.StringIO()
    bar = Progress(4, show=None, after_seconds=3600, stream=quiet)
    bar.update(1)
    bar.close()
    assert quiet.getvalue() == ""


def test_stop_at_ends_the_run_at_the_target():
    parts = iid_partition(DIGITS.y_train, 20, seed=0)
    full = run_fedavg(DIGITS, parts, rounds=30, C=0.5, lr=0.1)
    target = full.test_accuracy[12]
    for engine in ("fast", "reference"):
        stopped = run_fedavg(DIGITS, parts, rounds=30, C=0.5, lr=0.1, stop_at=target, engine=engine)
        assert stopped.rounds == full.rounds_to(target) == stopped.rounds_to(target)
        assert stopped.test_accuracy == pytest.approx(full.test_accuracy[: stopped.rounds + 1], abs=1 / 450)


def test_evaluate_leaves_the_model_alone():
    from fedlearn_edu.simulation.models import evaluate

    model = mlp((64, 32, 10), seed=0)
    start = model.state_dict()
    before = {k: v.clone() for k, v in start.items()}
    other = mlp((64, 32, 10), seed=1).state_dict()
    accuracy, loss = evaluate(model, other, DIGITS.x_test, DIGITS.y_test, "cross_entropy")
    scored = mlp((64, 32, 10), seed=1)  # the model evaluate was told to score, computed by hand
    with torch.no_grad():
        out = scored(torch.from_numpy(DIGITS.x_test))
    target = torch.from_numpy(DIGITS.y_test)
    assert accuracy == pytest.approx((out.argmax(1) == target).double().mean().item(), abs=1e-12)
    assert loss == pytest.approx(nn.functional.cross_entropy(out, target).item(), rel=1e-6)
    mine, _ = evaluate(model, start, DIGITS.x_test, DIGITS.y_test, "cross_entropy")
    assert mine != accuracy  # a different state scores differently: the state given is the one used
    r_accuracy, r_loss = evaluate(nn.Linear(64, 1), {"weight": torch.ones(1, 64), "bias": torch.zeros(1)},
                                  DIGITS.x_test, DIGITS.x_test.sum(1, keepdims=True), "sum_squares")  # fmt: skip
    assert math.isnan(r_accuracy) and r_loss == pytest.approx(0.0, abs=1e-3)  # a perfect regression
    assert max_difference(before, start) == 0  # a state_dict taken earlier still holds the same numbers


def test_engines_agree_on_the_lessons_skewed_settings():
    # 100 clients of different sizes, 10 rounds: catches any mix-up in the order the fast engine
    # trains and re-orders clients (a swap of two clients once went unnoticed by smaller tests)
    parts = dirichlet_partition(DIGITS.y_train, 100, alpha=1.0, seed=0)
    ref, fast = both(parts, rounds=10, C=0.1, E=5, B=10, lr=0.1, seed=0)
    assert max_difference(ref.final_state, fast.final_state) <= 1e-5
    for a, b in zip(ref.client_loss, fast.client_loss, strict=True):
        np.testing.assert_allclose(list(a.values()), list(b.values()), rtol=1e-4)

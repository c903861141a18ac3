"""Workers that keep their data, the communication log, and the article's two-worker experiment."""

import copy

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from fedlearn_edu.aggregate import fedavg
from fedlearn_edu.commlog import CommunicationLog, Transfer
from fedlearn_edu.two_workers import (
    ARTICLE_DATA,
    article_data,
    article_model,
    flat_params,
    pooled_loss,
    train_two_workers,
)
from fedlearn_edu.workers import PrivacyError, VirtualWorker


def _worker(n=6, d=3, seed=0, **kw):
    g = torch.Generator().manual_seed(seed)
    return VirtualWorker("carol", torch.randn(n, d, generator=g), torch.randn(n, 1, generator=g), **kw)


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _same(a, b, tol=0.0):
    assert list(a) == list(b)
    for key in a:
        assert torch.allclose(a[key], b[key], atol=tol, rtol=0), (key, a[key], b[key])


# --- the privacy guard ------------------------------------------------------------------------------


@pytest.mark.parametrize("attribute", ["x", "y", "data", "targets", "dataset", "labels", "X"])
def test_reading_a_workers_data_raises_privacy_error_that_explains(attribute):
    bob = VirtualWorker("bob", *article_data("bob"))
    with pytest.raises(PrivacyError) as info:
        getattr(bob, attribute)
    message = str(info.value)
    assert f"bob.{attribute}" in message
    assert "never sees" in message and "bob.train(" in message and "num_samples" in message
    assert "teaching device, not security" in message


def test_privacy_error_is_a_permission_error_and_replacing_the_data_is_refused_too():
    bob = VirtualWorker("bob", *article_data("bob"))
    assert issubclass(PrivacyError, PermissionError)
    with pytest.raises(PrivacyError):
        bob.x = torch.zeros(2, 2)
    with pytest.raises(PrivacyError):
        bob._VirtualWorker__data = None
    with pytest.raises(AttributeError) as info:
        bob.no_such_thing  # noqa: B018 -- an ordinary typo is an ordinary AttributeError
    assert not isinstance(info.value, PrivacyError)


def test_metadata_is_public_and_the_docstring_says_it_is_not_security():
    bob = VirtualWorker("bob", *article_data("bob"))
    assert bob.name == "bob" and bob.num_samples == 2
    assert repr(bob) == "VirtualWorker('bob', num_samples=2)"
    assert "teaching device, not security" in VirtualWorker.__doc__.replace("\n", " ").replace("  ", " ")


def test_worker_keeps_its_own_copy_of_the_data():
    x, y = article_data("bob")
    bob = VirtualWorker("bob", x, y)
    model = article_model(seed=2)
    before = bob.train(model, lr=0.1, steps=3)
    x += 100.0  # the owner changes their tensor afterwards: the worker's copy is unaffected
    _same(bob.train(model, lr=0.1, steps=3), before)


def test_worker_checks_its_data():
    with pytest.raises(ValueError, match="one row per example"):
        VirtualWorker("bob", torch.zeros(3, 2), torch.zeros(2, 1))
    with pytest.raises(TypeError, match="numbers"):
        VirtualWorker("bob", np.array([["a", "b"]]), np.zeros((1, 1)))
    w = VirtualWorker("np", np.ones((4, 2)), np.array([0, 1, 1, 0]))
    assert w.num_samples == 4


# --- training -----------------------------------------------------------------------------------------


def _sgd_by_hand(model, x, y, lr, batches, loss_fn):
    """torch.optim.SGD, no momentum: what VirtualWorker.train must equal."""
    model = copy.deepcopy(model)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for idx in batches:
        xb, yb = (x, y) if idx is None else (x[idx], y[idx])
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()
    return _state(model)


def test_train_with_steps_is_full_batch_sgd_on_the_sum_of_squares():
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(5, 3, generator=g), torch.randn(5, 1, generator=g)
    model = nn.Linear(3, 1)
    got = VirtualWorker("w", x, y).train(model, lr=0.05, steps=7)
    want = _sgd_by_hand(model, x, y, 0.05, [None] * 7, lambda p, t: ((p - t) ** 2).sum())
    _same(got, want, 1e-6)


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 9),
    batch_size=st.integers(1, 10),
    epochs=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_minibatch_order_is_the_documented_one(n, batch_size, epochs, seed):
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(n, 2, generator=g), torch.randint(0, 3, (n,), generator=g)
    model = nn.Linear(2, 3)
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(epochs):
        order = rng.permutation(n)
        batches += [torch.from_numpy(order[i : i + batch_size]) for i in range(0, n, batch_size)]
    want = _sgd_by_hand(model, x, y, 0.3, batches, nn.functional.cross_entropy)
    got = VirtualWorker("w", x, y).train(
        model, lr=0.3, epochs=epochs, batch_size=batch_size, loss="cross_entropy", seed=seed
    )
    _same(got, want, 1e-6)


def test_epochs_without_batch_size_are_full_batch_steps():
    worker, model = _worker(), nn.Linear(3, 1)
    _same(worker.train(model, lr=0.1, epochs=4), worker.train(model, lr=0.1, steps=4))


def test_train_does_not_modify_the_model_it_was_given_and_returns_new_tensors():
    model = article_model(seed=3)
    before = _state(model)
    bob = VirtualWorker("bob", *article_data("bob"))
    new = bob.train(model, lr=0.1, steps=10)
    _same(_state(model), before)
    assert not torch.equal(new["weight"], before["weight"])
    assert all(isinstance(v, torch.Tensor) and not v.requires_grad for v in new.values())


def test_train_same_call_same_answer():
    worker, model = _worker(n=8), nn.Linear(3, 1)
    a = worker.train(model, lr=0.1, epochs=2, batch_size=3, seed=4)
    b = worker.train(model, lr=0.1, epochs=2, batch_size=3, seed=4)
    c = worker.train(model, lr=0.1, epochs=2, batch_size=3, seed=5)
    _same(a, b)
    assert not torch.equal(a["weight"], c["weight"])


def test_a_state_dict_needs_an_architecture():
    x, y = article_data("bob")
    state = _state(article_model(seed=1))
    with pytest.raises(ValueError, match="architecture"):
        VirtualWorker("bob", x, y).train(state, lr=0.1, steps=1)
    with_model = VirtualWorker("bob", x, y, model=nn.Linear(2, 1))
    _same(
        with_model.train(state, lr=0.1, steps=5),
        VirtualWorker("b", x, y).train(article_model(1), lr=0.1, steps=5),
    )
    with pytest.raises(ValueError, match="cannot load"):
        with_model.train({"weight": torch.zeros(1, 3), "bias": torch.zeros(1)}, lr=0.1, steps=1)
    with pytest.raises(TypeError, match=r"nn\.Module"):
        with_model.train([1.0, 2.0], lr=0.1, steps=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.1}, "exactly one of steps"),
        ({"lr": 0.1, "steps": 2, "epochs": 1}, "exactly one of steps"),
        ({"lr": 0.1, "steps": 2, "batch_size": 1}, "full-batch"),
        ({"lr": -0.1, "steps": 2}, "lr must be"),
        ({"lr": float("nan"), "steps": 2}, "lr must be"),
        ({"lr": 0.1, "steps": -1}, "steps must be"),
        # steps=1.5 (a wrong type) is a TypeError: tests/test_bad_inputs.py
        ({"lr": 0.1, "epochs": 1, "batch_size": 0}, "batch_size"),
        ({"lr": 0.1, "steps": 1, "loss": "mse"}, "loss must be one of"),
        ({"lr": 0.1, "steps": 1, "loss": "cross_entropy"}, "integer class labels"),
    ],
)
def test_train_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _worker().train(nn.Linear(3, 1), **kwargs)


def test_train_argument_types_are_checked():
    with pytest.raises(TypeError, match="steps must be a whole number"):
        _worker().train(nn.Linear(3, 1), lr=0.1, steps=1.5)


def test_a_target_that_would_broadcast_is_refused():
    x, y = article_data("bob")
    worker = VirtualWorker("bob", x, y.flatten())
    with pytest.raises(ValueError, match="broadcast"):
        worker.train(nn.Linear(2, 1), lr=0.1, steps=1)


# --- the communication log ---------------------------------------------------------------------------


def test_train_logs_one_transfer_each_way():
    log = CommunicationLog()
    bob = VirtualWorker("bob", *article_data("bob"), log=log)
    bob.train(nn.Linear(2, 1), lr=0.1, steps=3, round=4)
    assert [(t.round, t.sender, t.receiver, t.what) for t in log] == [
        (4, "server", "bob", "global model"),
        (4, "bob", "server", "trained model"),
    ]
    assert all(t.names == ("weight", "bias") and t.n_values == 3 and t.n_bytes == 12 for t in log)


def test_log_counts_selects_and_prints():
    log = CommunicationLog()
    log.record(1, "server", "bob", "global model", {"w": np.zeros((2, 3), np.float32)})
    log.record(1, "bob", "server", "trained model", {"w": torch.zeros(2, 3, dtype=torch.float64)})
    assert len(log) == 2 and log[1].n_bytes == 48 and log.total_values() == 12 and log.total_bytes() == 72
    assert log.select(sender="bob") == [log[1]] and log.select(round=2) == []
    assert isinstance(log[0], Transfer)
    text = str(log)
    assert text.splitlines()[0].split() == ["round", "from", "to", "what", "tensors", "values", "bytes"]
    assert text.endswith("2 transfers, 12 values, 72 bytes")
    assert "<table>" in log._repr_html_() and "bob" in log._repr_html_()
    assert repr(log) == "<CommunicationLog: 2 transfers, 12 values, 72 bytes>"
    with pytest.raises(TypeError, match="cannot count"):
        log.record(1, "a", "b", "c", {"x": [1, 2]})
    log.clear()
    assert len(log) == 0


def test_long_logs_are_shortened_in_the_middle():
    log = train_two_workers(article_model(seed=0), rounds=10).log
    lines = str(log).splitlines()
    assert len(lines) == 1 + 12 + 1 + 1 and "... 28 more transfers ..." in lines[7]
    assert len(log.table(None).splitlines()) == 1 + 40 + 1


@pytest.mark.parametrize("rounds", [1, 3, 10])
def test_log_proves_only_parameters_travelled(rounds):
    history = train_two_workers(article_model(seed=0), rounds=rounds)
    log = history.log
    assert len(log) == 2 * rounds * 2  # 2 workers x R rounds x 2 directions
    for name in ("bob", "alice"):
        assert len(log.select(sender="server", receiver=name)) == rounds
        assert len(log.select(sender=name, receiver="server")) == rounds
    assert {t.names for t in log} == {("weight", "bias")}
    assert {t.n_values for t in log} == {3}  # w1, w2, b; bob's data would be 4 + 2 values
    assert {t.round for t in log} == set(range(1, rounds + 1))


# --- the article's experiment --------------------------------------------------------------------------


def _article_loop_by_hand(model, rounds=10, local_steps=10, lr=0.1):
    """Section 5 of the article, in plain PyTorch: PySyft's send/move/get replaced by copies."""
    data_bob = torch.tensor([[1.0, 1], [0, 1]])
    target_bob = torch.tensor([[1.0], [1]])
    data_alice = torch.tensor([[0, 0], [0, 1.0]])
    target_alice = torch.tensor([[0.0], [1]])
    model = copy.deepcopy(model)
    globals_, bobs, alices = [_state(model)], [], []
    for _ in range(rounds):
        model_bob = copy.deepcopy(model)  # model.copy().send(bob)
        model_alice = copy.deepcopy(model)  # model.copy().send(alice)
        opt_bob = torch.optim.SGD(params=model_bob.parameters(), lr=lr)
        opt_alice = torch.optim.SGD(params=model_alice.parameters(), lr=lr)
        for _ in range(local_steps):
            opt_bob.zero_grad()
            pred = model_bob(data_bob)
            loss = ((pred - target_bob) ** 2).sum()
            loss.backward()
            opt_bob.step()
        for _ in range(local_steps):
            opt_alice.zero_grad()
            pred = model_alice(data_alice)
            loss = ((pred - target_alice) ** 2).sum()
            loss.backward()
            opt_alice.step()
        with torch.no_grad():
            model.weight.set_((model_bob.weight.data + model_alice.weight.data) / 2)
            model.bias.set_((model_bob.bias.data + model_alice.bias.data) / 2)
        bobs.append(_state(model_bob))
        alices.append(_state(model_alice))
        globals_.append(_state(model))
    return globals_, bobs, alices, model


@pytest.mark.parametrize(("seed", "rounds", "local_steps", "lr"), [(0, 10, 10, 0.1), (5, 4, 3, 0.05)])
def test_train_two_workers_equals_the_article_loop_written_by_hand(seed, rounds, local_steps, lr):
    model = article_model(seed)
    globals_, bobs, alices, final = _article_loop_by_hand(model, rounds, local_steps, lr)
    history = train_two_workers(model, rounds=rounds, local_steps=local_steps, lr=lr)
    assert history.rounds_done == rounds and history.diverged_in is None
    for got, want in zip(history.global_params, globals_, strict=True):
        _same(got, want, 1e-6)
    for got, want in zip(history.worker_params["bob"], bobs, strict=True):
        _same(got, want, 1e-6)
    for got, want in zip(history.worker_params["alice"], alices, strict=True):
        _same(got, want, 1e-6)
    _same(_state(history.model), _state(final), 1e-6)
    x, y = article_data("pooled")
    with torch.no_grad():
        assert history.pooled_loss[-1] == pytest.approx(float(((final(x) - y) ** 2).sum()), abs=1e-6)


def test_train_two_workers_is_reproducible_and_leaves_its_inputs_alone():
    rng_state = torch.get_rng_state()
    model = article_model(seed=7)
    assert torch.equal(torch.get_rng_state(), rng_state)  # article_model touches no global state
    before = _state(model)
    a, b = train_two_workers(model), train_two_workers(article_model(seed=7))
    assert a.pooled_loss == b.pooled_loss
    for sa, sb in zip(a.global_params, b.global_params, strict=True):
        _same(sa, sb)
    _same(_state(model), before)
    assert a.model is not model
    other = train_two_workers(article_model(seed=8))
    assert other.pooled_loss != a.pooled_loss


def test_the_global_model_converges_to_the_pooled_optimum():
    history = train_two_workers(article_model(seed=0), rounds=10, local_steps=10, lr=0.1)
    w1, w2, b = flat_params(history.model)
    assert abs(w1) < 0.01 and abs(w2 - 1) < 0.01 and abs(b) < 0.01
    assert history.pooled_loss[-1] < 1e-4 < history.pooled_loss[0]
    assert all(later < earlier for earlier, later in zip(history.pooled_loss, history.pooled_loss[1:]))
    assert pooled_loss({"weight": torch.tensor([[0.0, 1.0]]), "bias": torch.tensor([0.0])}) == 0.0


def test_each_worker_alone_fits_its_own_data_but_not_the_pooled_data():
    model = article_model(seed=5)
    steps = 100
    central = VirtualWorker("pooled", *article_data("pooled")).train(model, lr=0.1, steps=steps)
    assert pooled_loss(central) < 1e-6
    for name in ("bob", "alice"):
        alone = VirtualWorker(name, *article_data(name)).train(model, lr=0.1, steps=steps)
        x, y = article_data(name)
        assert pooled_loss(alone) > 0.1  # the other worker's data are not fitted
        m = nn.Linear(2, 1)
        m.load_state_dict(alone)
        with torch.no_grad():
            assert float(((m(x) - y) ** 2).sum()) < 1e-6  # its own data are
    w1, w2, b = flat_params(VirtualWorker("bob", *article_data("bob")).train(model, lr=0.1, steps=steps))
    assert abs(w1) < 1e-3 and abs(w2 + b - 1) < 1e-3 and abs(w2 - 1) > 0.1  # on bob's line, not at (0, 1)


def test_one_local_step_is_centralised_gradient_descent_with_half_the_rate():
    model = article_model(seed=5)
    history = train_two_workers(model, rounds=6, local_steps=1, lr=0.1)
    central = VirtualWorker("pooled", *article_data("pooled"))
    want = central.train(model, lr=0.05, steps=6)
    _same(history.global_params[-1], want, 1e-6)


def test_more_local_steps_means_more_drift():
    drift = [train_two_workers(article_model(5), local_steps=k).drift()[0] for k in (1, 10, 100)]
    assert drift[0] < drift[1] < drift[2]
    assert train_two_workers(article_model(5), rounds=3).drift().shape == (3,)


def test_a_too_large_learning_rate_diverges_and_the_run_stops():
    history = train_two_workers(article_model(seed=5), lr=0.5)
    assert history.diverged_in is not None and history.diverging
    assert history.rounds_done == history.diverged_in - 1 < 10
    assert len(history.pooled_loss) == history.rounds_done + 1
    assert "DIVERGED" in str(history)
    growing = train_two_workers(article_model(seed=5), lr=0.3)
    assert growing.diverged_in is None and growing.diverging and "growing" in str(growing)
    assert np.isfinite(growing.pooled_loss).all()


def test_weighting_matters_only_when_sample_counts_differ():
    model = article_model(seed=5)
    equal, by_size = (
        train_two_workers(model, weighting="equal"),
        train_two_workers(model, weighting="samples"),
    )
    _same(equal.global_params[-1], by_size.global_params[-1], 1e-7)
    equal2 = train_two_workers(model, weighting="equal", bob_copies=2)
    by_size2 = train_two_workers(model, weighting="samples", bob_copies=2)
    assert not torch.allclose(equal2.global_params[-1]["weight"], by_size2.global_params[-1]["weight"])
    first = [by_size2.worker_params["bob"][0], by_size2.worker_params["alice"][0]]
    _same(by_size2.global_params[1], fedavg(first, num_samples=[4, 2]), 1e-7)


def test_history_gives_trajectories_and_a_summary():
    history = train_two_workers(article_model(seed=0), rounds=4)
    assert history.trajectory().shape == (5, 3) and history.trajectory("bob").shape == (4, 3)
    assert np.allclose(history.trajectory()[0], flat_params(article_model(seed=0)))
    with pytest.raises(ValueError, match="who must be"):
        history.trajectory("carol")
    assert str(history).startswith("4 rounds x 10 local steps, lr 0.1, equal weights: pooled loss")
    assert train_two_workers(article_model(0), rounds=0).trajectory("bob").shape == (0, 3)


def test_article_data_and_arguments_are_checked():
    assert article_data("bob")[0].tolist() == ARTICLE_DATA["bob"][0]
    assert article_data("bob", bob_copies=3)[0].shape == (6, 2)
    assert article_data("pooled", bob_copies=2)[1].flatten().tolist() == [1, 1, 1, 1, 0, 1]
    with pytest.raises(ValueError, match="who must be"):
        article_data("carol")
    with pytest.raises(ValueError, match="bob_copies"):
        article_data("bob", bob_copies=0)
    with pytest.raises(ValueError, match="weighting"):
        train_two_workers(article_model(0), weighting="median")
    with pytest.raises(ValueError, match="rounds"):
        train_two_workers(article_model(0), rounds=-1)


def test_workers_does_not_import_two_workers():
    # two_workers (the article's experiment) uses workers; the other way round would be a cycle
    import fedlearn_edu.workers as workers

    source = open(workers.__file__, encoding="utf-8").read()
    assert "two_workers" not in source.replace("fedlearn_edu.two_workers` (which", "")
    with pytest.raises(AttributeError):
        workers.train_two_workers  # noqa: B018

"""Property tests (hypothesis) of the averaging formulas."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fedlearn_edu.aggregate import fedavg, federated_mean

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def clients(draw, min_clients=1, max_clients=8):
    """A list of same-shaped float arrays (one per client) and integer sample counts with a positive total."""
    n = draw(st.integers(min_clients, max_clients))
    shape = draw(st.tuples(st.integers(1, 4), st.integers(1, 3)))
    models = [draw(arrays(np.float64, shape, elements=finite)) for _ in range(n)]
    counts = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n).filter(lambda c: sum(c) > 0))
    return models, counts


def close(a, b):
    scale = max(1.0, float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    return np.allclose(a, b, rtol=1e-9, atol=1e-9 * scale)


@settings(max_examples=60, deadline=None)
@given(clients(), st.randoms(use_true_random=False))
def test_permuting_clients_changes_nothing(data, random):
    models, counts = data
    order = list(range(len(models)))
    random.shuffle(order)
    assert close(federated_mean(models), federated_mean([models[i] for i in order]))
    assert close(fedavg(models, counts), fedavg([models[i] for i in order], [counts[i] for i in order]))


@settings(max_examples=60, deadline=None)
@given(clients())
def test_identical_clients_average_to_themselves(data):
    models, counts = data
    same = [models[0].copy() for _ in models]
    assert close(federated_mean(same), models[0])
    assert close(fedavg(same, counts), models[0])


@settings(max_examples=60, deadline=None)
@given(clients(), st.integers(1, 10_000))
def test_equal_weights_give_the_plain_mean(data, n):
    models, _ = data
    assert close(fedavg(models, [n] * len(models)), federated_mean(models))


@settings(max_examples=60, deadline=None)
@given(clients(), st.integers(1, 1000))
def test_scaling_all_weights_changes_nothing(data, factor):
    models, counts = data
    assert close(fedavg(models, counts), fedavg(models, [c * factor for c in counts]))


@settings(max_examples=60, deadline=None)
@given(clients())
def test_result_lies_within_the_clients_min_and_max(data):
    models, counts = data
    stacked = np.stack(models)
    low, high = stacked.min(axis=0), stacked.max(axis=0)
    slack = 1e-9 * np.maximum(1.0, np.abs(stacked).max(axis=0))
    for result in (federated_mean(models), fedavg(models, counts)):
        assert np.all(result >= low - slack) and np.all(result <= high + slack)


@settings(max_examples=40, deadline=None)
@given(clients(min_clients=2))
def test_weighted_mean_is_the_pooled_mean_of_per_sample_values(data):
    # if client k holds n_k copies of the vector w_k, FedAvg equals the mean over all samples
    models, counts = data
    pooled = np.concatenate([np.repeat(m[None], c, axis=0) for m, c in zip(models, counts)])
    assert close(fedavg(models, counts), pooled.mean(axis=0))


@settings(max_examples=40, deadline=None)
@given(clients())
def test_nested_lists_and_arrays_agree(data):
    models, counts = data
    as_lists = [m.tolist() for m in models]
    assert close(np.asarray(fedavg(as_lists, counts)), fedavg(models, counts))
    assert isinstance(federated_mean(as_lists), list)

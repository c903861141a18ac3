"""Robust aggregators: they resist a minority of arbitrary clients, and take the same inputs as fedavg."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fedlearn_edu.aggregate import (
    clip_to_norm,
    coordinate_median,
    fedavg,
    federated_mean,
    krum,
    krum_scores,
    model_norm,
    multi_krum,
    norm_clipped_mean,
    trimmed_mean,
)

# Every robust aggregator as a function of the models alone, with parameters valid for >= 3 clients.
AGGREGATORS = {
    "coordinate_median": coordinate_median,
    "trimmed_mean": lambda models: trimmed_mean(models, n_trim=0),
    "krum": lambda models: krum(models, n_byzantine=0),
    "multi_krum": lambda models: multi_krum(models, n_byzantine=0, n_selected=1),
    "norm_clipped_mean": lambda models: norm_clipped_mean(models, max_norm=1.0),
}

BAD_INPUTS = {
    "not a list": {"w": [1.0]},
    "a string": "abc",
    "empty": [],
    "mixed kinds": [[1.0, 2.0], np.array([1.0, 2.0]), [3.0, 4.0]],
    "shapes differ": [np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((3, 2))],
    "NaN": [[1.0, 2.0], [1.0, float("nan")], [0.0, 0.0]],
    "inf": [np.array([1.0]), np.array([np.inf]), np.array([0.0])],
    "missing key": [{"a": [1.0], "b": [2.0]}, {"a": [1.0]}, {"a": [1.0], "b": [2.0]}],
    "extra key": [{"a": [1.0]}, {"a": [1.0], "c": [0.0]}, {"a": [1.0]}],
    "ragged list": [[1.0, 2.0], [1.0, [2.0, 3.0]], [1.0, 2.0]],
    "not a number": [[1.0], ["x"], [2.0]],
    "an object": [object(), object(), object()],
    "empty dict": [{}, {}, {}],
    "strings in array": [np.array(["a"]), np.array(["b"]), np.array(["c"])],
}


def _error_of(func, *args):
    with pytest.raises(Exception) as info:
        func(*args)
    return type(info.value), str(info.value)


@pytest.mark.parametrize("bad", list(BAD_INPUTS))
@pytest.mark.parametrize("name", list(AGGREGATORS))
def test_bad_inputs_get_the_same_error_as_fedavg(name, bad):
    models = BAD_INPUTS[bad]
    counts = [10] * (len(models) if isinstance(models, list) else 1)
    expected = _error_of(fedavg, models, counts)
    assert _error_of(federated_mean, models) == expected
    assert _error_of(AGGREGATORS[name], models) == expected


@pytest.mark.parametrize("name", list(AGGREGATORS))
def test_same_kinds_back_and_inputs_untouched(name):
    aggregate = AGGREGATORS[name]
    lists = [[0.1, 0.2], [0.2, 0.3], [0.3, 0.5]]
    copy = [list(m) for m in lists]
    out = aggregate(lists)
    assert isinstance(out, list) and lists == copy
    out = aggregate([np.array([1.0, 2.0], dtype=np.float32)] * 3)
    assert out.dtype == np.float32 and out.shape == (2,)
    assert isinstance(aggregate([1, 2, 3]), float)
    states = [{"w": torch.full((2, 2), float(k)), "n": torch.tensor(k, dtype=torch.int64)} for k in range(3)]
    out = aggregate(states)
    assert list(out) == ["w", "n"]
    assert out["w"].dtype == torch.float32 and out["w"].shape == (2, 2)
    assert out["n"].dtype == torch.int64
    assert float(states[2]["w"][0, 0]) == 2.0


def test_one_liar_moves_the_mean_but_not_the_robust_rules():
    honest = [[1.0, -1.0]] * 4
    models = [*honest, [1e6, 1e6]]
    assert abs(federated_mean(models)[0] - 1.0) > 1e5  # the problem
    assert coordinate_median(models) == [1.0, -1.0]
    assert trimmed_mean(models, n_trim=1) == [1.0, -1.0]
    assert krum(models, n_byzantine=1) == [1.0, -1.0]
    assert multi_krum(models, n_byzantine=1, n_selected=4) == [1.0, -1.0]
    clipped = norm_clipped_mean(models, max_norm=2.0, center=[0.0, 0.0])
    assert np.linalg.norm(np.subtract(clipped, [1.0, -1.0])) <= 2 * 2.0 / 5 + 1e-12


def test_known_values():
    assert coordinate_median([[1.0, 4.0], [3.0, 2.0]]) == [2.0, 3.0]  # even n: the middle two averaged
    assert trimmed_mean([[5.0], [1.0], [2.0], [3.0], [-40.0]], n_trim=1) == [2.0]
    assert trimmed_mean([[1.0, 2.0], [3.0, 6.0]], n_trim=0) == federated_mean([[1.0, 2.0], [3.0, 6.0]])
    scores = krum_scores([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [5.0, 5.0], [0.0, 0.0]], n_byzantine=1)
    # n - f - 2 = 2 nearest neighbours each; squared distances.
    assert scores.tolist() == [1.0, 2.0, 8.0, 75.0, 1.0]
    assert krum([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [5.0, 5.0], [0.0, 0.0]], n_byzantine=1) == [0.0, 0.0]
    assert model_norm({"a": np.ones((2, 2)), "b": [0.0]}) == 2.0
    assert clip_to_norm([0.3, 0.4], max_norm=1.0) == [0.3, 0.4]  # short updates are left alone
    assert clip_to_norm([0.0, 0.0], max_norm=1.0) == [0.0, 0.0]
    np.testing.assert_allclose(
        norm_clipped_mean([[3.0, 4.0], [0.0, 1.0]], 1.0, num_samples=[1, 3]), [0.15, 0.95]
    )


def test_krum_uses_all_parameters_of_a_state_dict():
    models = [{"a": [0.0], "b": [0.0]}] * 3 + [{"a": [0.0], "b": [10.0]}]
    models = [*models, {"a": [0.1], "b": [0.0]}]
    scores = krum_scores(models, n_byzantine=1)
    assert scores.argmax() == 3 and scores[3] >= 100


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: trimmed_mean(m, n_trim=2), "n_trim=2 with 4 clients: cutting 2 from each end"),
        (lambda m: trimmed_mean(m, n_trim=-1), "n_trim must be a whole number"),
        (lambda m: krum(m, n_byzantine=1), "Krum needs more than 2f + 2 = 4 clients"),
        (lambda m: krum_scores(m, n_byzantine=2), "at most 0 here"),
        (lambda m: multi_krum(m, n_byzantine=0, n_selected=5), "n_selected must be a whole number from 1 to"),
        (lambda m: multi_krum(m, n_byzantine=0, n_selected=0), "n_selected must be"),
        (lambda m: norm_clipped_mean(m, max_norm=0.0), "max_norm must be a finite number > 0"),
        (lambda m: norm_clipped_mean(m, max_norm=float("inf")), "max_norm must be"),
        (lambda m: clip_to_norm(m[0], max_norm=-1), "max_norm must be"),
        (lambda m: norm_clipped_mean(m, 1.0, center=[0.0]), "center, parameter None: shape (1,)"),
        (lambda m: norm_clipped_mean(m, 1.0, num_samples=[1, 2]), "num_samples has 2 entries"),
    ],
)
def test_parameter_errors_say_what_is_wrong(call, message):
    with pytest.raises(ValueError) as info:
        call([[1.0, 2.0]] * 4)
    assert message in str(info.value)


def test_center_must_match_the_clients():
    models = [{"w": [1.0], "b": [0.0]}] * 3
    with pytest.raises(ValueError, match="center has no parameter 'b'"):
        norm_clipped_mean(models, 1.0, center={"w": [0.0]})
    with pytest.raises(ValueError, match="center has a parameter 'z'"):
        norm_clipped_mean(models, 1.0, center={"w": [0.0], "b": [0.0], "z": [0.0]})


# --- property tests: (n - f) identical honest clients, f arbitrary ones --------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def federations(draw, breakdown):
    """(honest vector, list of models with f arbitrary ones at random positions, n, f)."""
    dim = draw(st.integers(1, 4))
    n = draw(st.integers(3, 11))
    f = draw(st.integers(0, breakdown(n)))
    honest = draw(arrays(np.float64, dim, elements=st.floats(-10, 10)))
    bad = [draw(arrays(np.float64, dim, elements=finite)) for _ in range(f)]
    order = draw(st.permutations(range(n)))
    models = [bad[i] if i < f else honest.copy() for i in order]
    return honest, models, n, f


@settings(max_examples=60, deadline=None)
@given(federations(lambda n: (n - 1) // 2))
def test_median_recovers_honest_below_half(case):
    honest, models, _, _ = case
    np.testing.assert_allclose(coordinate_median(models), honest, rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(federations(lambda n: (n - 1) // 2))
def test_trimmed_mean_recovers_honest_when_trimming_enough(case):
    honest, models, _, f = case
    np.testing.assert_allclose(trimmed_mean(models, n_trim=f), honest, rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(federations(lambda n: max((n - 3) // 2, 0)))
def test_krum_and_multi_krum_pick_honest_clients(case):
    honest, models, n, f = case
    # close, not equal: an 'attacker' within 1e-300 of the honest update ties with it, and may be picked
    np.testing.assert_allclose(krum(models, n_byzantine=f), honest, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(multi_krum(models, n_byzantine=f, n_selected=n - f), honest, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(federations(lambda n: n - 1), st.floats(0.1, 10))
def test_norm_clipping_bounds_each_clients_influence(case, max_norm):
    honest, models, n, f = case
    honest = clip_to_norm(honest, max_norm)  # an honest update within the clipping norm
    models = [honest.copy() if np.array_equal(m, case[0]) else m for m in models]
    center = np.full_like(honest, 3.0)
    out = norm_clipped_mean([center + m for m in models], max_norm, center=center)
    assert np.linalg.norm(out - center - honest) <= 2 * max_norm * f / n + 1e-9


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(1, 6), elements=finite), st.floats(0.01, 100))
def test_clip_to_norm_keeps_direction_and_bounds_norm(update, max_norm):
    clipped = clip_to_norm(update, max_norm)
    assert model_norm(clipped) <= max_norm * (1 + 1e-12)
    norm = np.linalg.norm(update)
    if norm <= max_norm:
        np.testing.assert_array_equal(clipped, update)
    else:
        np.testing.assert_allclose(clipped * norm / max_norm, update, rtol=1e-9, atol=1e-6)


def test_beyond_the_breakdown_point_the_median_is_lost():
    # 2 liars out of 4 is not a minority: the median can be dragged as far as they like.
    models = [[0.0], [0.0], [1e6], [1e6]]
    assert coordinate_median(models) == [5e5]


def test_importing_aggregate_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, fedlearn_edu.aggregate as a; a.krum([[0.0]] * 3, 0); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

"""Unit tests of fedlearn_edu.aggregate: the article's example, every kind of model, every bad input."""

import copy
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
import torch

from fedlearn_edu import aggregate as agg
from fedlearn_edu.aggregate import fedavg, federated_mean, normalise_weights

ARTICLE = [[0.1, 0.2, 0.3], [0.2, 0.3, 0.4], [0.3, 0.4, 0.5]]


def test_article_three_nodes_give_0_2_0_3_0_4():
    result = federated_mean(ARTICLE)
    assert isinstance(result, list)
    assert np.allclose(result, [0.2, 0.3, 0.4], rtol=0, atol=1e-15)


def test_weighted_mean_weights_by_sample_count():
    assert np.allclose(fedavg([[0.0, 1.0], [4.0, 5.0]], [30, 10]), [1.0, 2.0])
    assert np.allclose(fedavg(ARTICLE, [10, 10, 20]), [0.225, 0.325, 0.425])


def test_weighted_and_plain_differ_when_counts_differ():
    assert not np.allclose(fedavg(ARTICLE, [1, 1, 100]), federated_mean(ARTICLE))


def test_client_with_zero_samples_counts_for_nothing():
    assert fedavg([1.0, 100.0], [5, 0]) == 1.0


def test_numbers_give_a_float():
    result = federated_mean([1, 2])
    assert result == 1.5 and isinstance(result, float)
    assert isinstance(federated_mean([np.float32(1.0), 2.0]), float)


def test_numpy_arrays_keep_float_dtype_and_shape():
    models = [np.full((2, 3), k, dtype=np.float32) for k in range(3)]
    result = fedavg(models, [1, 1, 2])
    assert isinstance(result, np.ndarray)
    assert result.dtype == np.float32 and result.shape == (2, 3)
    assert np.allclose(result, 1.25)


def test_integer_numpy_arrays_give_float64():
    result = federated_mean([np.array([1, 2]), np.array([2, 3])])
    assert result.dtype == np.float64
    assert np.array_equal(result, [1.5, 2.5])


def test_state_dict_in_state_dict_out():
    torch.manual_seed(0)
    models = [torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2)) for _ in range(3)]
    for k, model in enumerate(models):
        for _ in range(k + 1):
            model(torch.randn(4, 3))
    sds = [m.state_dict() for m in models]
    result = fedavg(sds, [10, 20, 30])
    assert type(result) is type(sds[0])
    assert list(result) == list(sds[0])
    for key in sds[0]:
        assert result[key].shape == sds[0][key].shape, key
        assert result[key].dtype == sds[0][key].dtype, key
    expected_w = (10 * sds[0]["0.weight"] + 20 * sds[1]["0.weight"] + 30 * sds[2]["0.weight"]) / 60
    assert torch.allclose(result["0.weight"], expected_w, atol=1e-7)
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    fresh.load_state_dict(result)  # loads without complaint


def test_integer_tensor_is_rounded_and_keeps_dtype():
    # num_batches_tracked: counts 1, 2, 3 weighted 1:1:2 -> 2.25 -> 2; 0-d shape kept
    sds = [{"n": torch.tensor(c, dtype=torch.int64)} for c in (1, 2, 3)]
    result = fedavg(sds, [1, 1, 2])
    assert result["n"].dtype == torch.int64
    assert result["n"].shape == ()
    assert int(result["n"]) == 2
    # half to even: 2.5 -> 2, 3.5 -> 4
    assert int(federated_mean([torch.tensor(2), torch.tensor(3)])) == 2
    assert int(federated_mean([torch.tensor(3), torch.tensor(4)])) == 4


def test_low_precision_tensors_keep_dtype():
    result = federated_mean([torch.ones(2, dtype=torch.float16), torch.zeros(2, dtype=torch.float16)])
    assert result.dtype == torch.float16 and torch.allclose(result.float(), torch.full((2,), 0.5))


def test_nested_dicts_and_plain_dicts():
    models = [{"layer": {"w": [1.0, 2.0], "b": 0.0}}, {"layer": {"w": [3.0, 4.0], "b": 1.0}}]
    result = federated_mean(models)
    assert result == {"layer": {"w": [2.0, 3.0], "b": 0.5}}
    assert type(result) is dict


def test_ordered_dict_metadata_survives():
    sd = torch.nn.Linear(2, 1).state_dict()
    assert isinstance(sd, OrderedDict)
    result = federated_mean([sd, sd])
    assert getattr(result, "_metadata", None) == sd._metadata


def test_inputs_are_never_modified():
    lists = copy.deepcopy(ARTICLE)
    arrays = [np.array(v) for v in ARTICLE]
    sds = [{"w": torch.tensor(v)} for v in ARTICLE]
    before = ([a.copy() for a in arrays], [{"w": sd["w"].clone()} for sd in sds])
    federated_mean(lists)
    fedavg(arrays, [1, 2, 3])
    result = fedavg(sds, [1, 2, 3])
    result["w"] += 100  # the result is a new tensor, not a view of a client's
    assert lists == ARTICLE
    assert all(np.array_equal(a, b) for a, b in zip(arrays, before[0]))
    assert all(torch.equal(a["w"], b["w"]) for a, b in zip(sds, before[1]))


def test_single_client_returns_a_copy():
    model = np.array([1.0, 2.0])
    result = federated_mean([model])
    assert np.array_equal(result, model) and result is not model


# --- bad input: the message names what, where and why ----------------------------------------------
@pytest.mark.parametrize(
    ("models", "error", "words"),
    [
        ([], ValueError, ["empty", "at least one client"]),
        ({"w": 1.0}, TypeError, ["one model per client"]),
        ("abc", TypeError, ["one model per client"]),
        ([[1.0, 2.0], [1.0, 2.0, 3.0]], ValueError, ["client 1", "shape (3,)", "client 0 has (2,)"]),
        ([[1.0, 2.0], np.array([1.0, 2.0])], TypeError, ["client 1", "numpy array", "client 0 is a list"]),
        ([{"w": 1.0}, {"b": 1.0}], ValueError, ["client 1", "'w'"]),
        ([{"w": 1.0}, {"w": 1.0, "b": 2.0}], ValueError, ["client 1", "'b'"]),
        ([{"w": [1.0]}, {"w": np.array([1.0])}], TypeError, ["client 1", "'w'"]),
        ([{"w": np.ones(2)}, {"w": np.ones(3)}], ValueError, ["client 1, parameter 'w'", "(3,)", "(2,)"]),
        (
            [{"w": np.ones(2)}, {"w": np.array([1.0, np.nan])}],
            ValueError,
            ["client 1, parameter 'w'", "NaN", "(1,)"],
        ),
        ([np.ones(2), np.array([np.inf, 1.0])], ValueError, ["client 1", "inf"]),
        ([[1.0, [2.0]], [1.0, 2.0]], ValueError, ["client 0", "rectangular"]),
        ([["a", "b"], ["c", "d"]], ValueError, ["client 0"]),
        (["hello", "world"], TypeError, ["client 0", "str"]),
        ([{}, {}], ValueError, ["client 0", "empty"]),
        ([object(), object()], TypeError, ["client 0", "cannot average"]),
    ],
)
def test_bad_models_get_a_clear_error(models, error, words):
    for aggregate in (
        federated_mean,
        lambda m: fedavg(m, [1] * max(len(m), 1) if isinstance(m, list) else [1]),
    ):
        with pytest.raises(error) as info:
            aggregate(models)
        for word in words:
            assert word in str(info.value), (word, str(info.value))


def test_nan_in_a_tensor_names_client_and_key():
    sds = [{"fc.weight": torch.ones(2, 2)}, {"fc.weight": torch.tensor([[1.0, 1.0], [float("nan"), 1.0]])}]
    with pytest.raises(ValueError, match=r"client 1, parameter 'fc.weight'.*NaN at index \(1, 0\)"):
        fedavg(sds, [1, 1])


def test_tensor_shape_mismatch_message_matches_the_style_guide():
    sds = [{"fc.weight": torch.ones(2, 2)}, {"fc.weight": torch.ones(2, 2)}, {"fc.weight": torch.ones(3, 2)}]
    with pytest.raises(ValueError) as info:
        federated_mean(sds)
    assert str(info.value) == "client 2, parameter 'fc.weight': shape (3, 2) but client 0 has (2, 2)"


@pytest.mark.parametrize(
    ("num_samples", "error", "words"),
    [
        ([1], ValueError, ["1 entries", "2 clients"]),
        ([1, 2, 3], ValueError, ["3 entries", "2 clients"]),
        ([1, -1], ValueError, ["num_samples[1]", "client 1", "negative"]),
        ([0, 0], ValueError, ["all zero"]),
        ([1.5, 2], ValueError, ["num_samples[0]", "whole number"]),
        ([1, float("nan")], ValueError, ["num_samples[1]", "finite"]),
        ([1, float("inf")], ValueError, ["num_samples[1]", "finite"]),
        ([True, 1], TypeError, ["num_samples[0]", "number"]),
        (["10", 1], TypeError, ["num_samples[0]", "number"]),
        ("12", TypeError, ["one sample count per client"]),
        (5, TypeError, ["one sample count per client"]),
        (None, TypeError, ["one sample count per client"]),
    ],
)
def test_bad_num_samples_get_a_clear_error(num_samples, error, words):
    with pytest.raises(error) as info:
        fedavg([[1.0], [2.0]], num_samples)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_integer_like_num_samples_are_accepted():
    expected = fedavg([[1.0], [2.0]], [1, 3])
    for counts in ([1.0, 3.0], np.array([1, 3]), [np.int64(1), np.int64(3)], torch.tensor([1, 3])):
        assert fedavg([[1.0], [2.0]], counts) == expected


def test_normalise_weights_sum_to_one():
    weights = normalise_weights([3, 1, 0], n_clients=3)
    assert np.allclose(weights, [0.75, 0.25, 0.0]) and np.isclose(weights.sum(), 1.0)


def test_import_aggregate_does_not_import_torch():
    code = "import sys, fedlearn_edu.aggregate, fedlearn_edu.checker; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_torch_inputs_work_when_torch_is_imported_later():
    # the module was imported before torch in the test above's fresh process; here both are loaded
    assert torch.allclose(federated_mean([torch.ones(2), torch.zeros(2)]), torch.full((2,), 0.5))


# --- Flower's form of a model: a list of arrays, one per layer, of different shapes --------------------


def _flower_clients(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(1,))] for _ in range(n)]


def _as_dict(model):
    return {f"layer{i}": a for i, a in enumerate(model)}


@pytest.mark.parametrize(
    "rule",
    [
        agg.federated_mean,
        lambda m: agg.fedavg(m, [1, 2, 3, 4, 5]),
        agg.coordinate_median,
        lambda m: agg.trimmed_mean(m, n_trim=1),
        lambda m: agg.krum(m, n_byzantine=1),
        lambda m: agg.multi_krum(m, n_byzantine=1, n_selected=3),
        lambda m: agg.norm_clipped_mean(m, max_norm=1.0, center=m[0]),
    ],
    ids=["mean", "fedavg", "median", "trimmed", "krum", "multi-krum", "norm-clipped"],
)
def test_aggregators_accept_flowers_list_of_arrays(rule):
    clients = _flower_clients()
    result = rule(clients)
    assert isinstance(result, list) and len(result) == 3
    assert [r.shape for r in result] == [(3, 2), (2,), (1,)]
    expected = rule([_as_dict(c) for c in clients])  # the same maths on the dict form
    for i, layer in enumerate(result):
        np.testing.assert_array_equal(layer, expected[f"layer{i}"])


def test_flower_form_keeps_dtype_and_tensors():
    import torch

    f32 = [
        [np.ones((2, 2), np.float32), np.zeros(3, np.float32)],
        [np.zeros((2, 2), np.float32), np.ones(3, np.float32)],
    ]
    out = agg.federated_mean(f32)
    assert [a.dtype for a in out] == [np.float32, np.float32] and out[0].tolist() == [[0.5, 0.5]] * 2
    tensors = [[torch.ones(2, 2), torch.zeros(3)], [torch.zeros(2, 2), torch.ones(3)]]
    out = agg.fedavg(tensors, [1, 3])
    assert all(isinstance(t, torch.Tensor) for t in out) and out[1].tolist() == [0.75] * 3
    assert agg.model_norm([np.array([3.0]), np.array([[4.0]])]) == 5.0
    clipped = agg.clip_to_norm([np.array([3.0]), np.array([[4.0]])], max_norm=1.0)
    np.testing.assert_allclose(clipped[0], [0.6]) and np.testing.assert_allclose(clipped[1], [[0.8]])
    assert [c.shape for c in clipped] == [(1,), (1, 1)]


def test_flower_form_errors_name_the_layer():
    clients = _flower_clients(2)
    clients[1][1] = np.zeros(4)
    with pytest.raises(
        ValueError, match=r"client 1, parameter '\[1\]': shape \(4,\) but client 0 has \(2,\)"
    ):
        agg.federated_mean(clients)
    with pytest.raises(ValueError, match=r"client 1 has no parameter '\[2\]'"):
        agg.federated_mean([_flower_clients(1)[0], _flower_clients(1)[0][:2]])


def test_state_dicts_stack_in_one_step_exactly_as_client_by_client(monkeypatch):
    from fedlearn_edu import _models

    gen = torch.Generator().manual_seed(0)
    models = [
        {"w": torch.randn(3, 2, generator=gen), "b": torch.randn(2, generator=gen, dtype=torch.float64),
         "steps": torch.tensor(k + 1), "mask": torch.tensor([True, k % 2 == 0])}
        for k in range(3)
    ]  # fmt: skip
    quick = _models.stack_models(models)
    assert _models._stack_state_dicts(models) is not None  # the quick path was taken
    monkeypatch.setattr(_models, "_stack_state_dicts", lambda models: None)
    slow = _models.stack_models(models)
    assert quick.leaves == slow.leaves and list(quick.arrays) == list(slow.arrays)
    for key, array in slow.arrays.items():
        assert quick.arrays[key].dtype == array.dtype == np.float64
        assert np.array_equal(quick.arrays[key], array)


def test_quick_stacking_leaves_bad_state_dicts_to_the_checks_that_name_them():
    nan = {"w": torch.tensor([1.0, float("nan")])}
    with pytest.raises(ValueError, match="client 1, parameter 'w': contains NaN"):
        fedavg([{"w": torch.zeros(2)}, nan], [1, 1])
    with pytest.raises(ValueError, match=r"client 1, parameter 'w': shape \(3,\)"):
        fedavg([{"w": torch.zeros(2)}, {"w": torch.zeros(3)}], [1, 1])
    with pytest.raises(ValueError, match="client 1 has no parameter 'w'"):
        fedavg([{"w": torch.zeros(2)}, {"v": torch.zeros(2)}], [1, 1])

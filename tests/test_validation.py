"""The one validation layer: its rules hold for every check (types, values, messages, numpy scalars)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fedlearn_edu._validation import (
    check_count,
    check_finite,
    check_fraction,
    check_indices,
    check_partition,
    check_real,
    check_seed,
    check_updates,
    rng,
)

CHECKS = {
    "count": lambda v: check_count(v, "the_arg"),
    "real": lambda v: check_real(v, "the_arg"),
    "fraction": lambda v: check_fraction(v, "the_arg"),
    "seed": lambda v: check_seed(v, "the_arg"),
}


@pytest.mark.parametrize("check", CHECKS.values(), ids=CHECKS)
@pytest.mark.parametrize("bad", [True, False, np.bool_(True), "1", None, [1], {1: 2}, 1j])
def test_wrong_types_are_type_errors_that_name_the_argument_and_value(check, bad):
    if bad is None and check is CHECKS["seed"]:
        return  # None is a seed (fresh entropy)
    with pytest.raises(TypeError) as info:
        check(bad)
    assert "the_arg" in str(info.value) and repr(bad)[:10] in str(info.value)


@pytest.mark.parametrize(
    ("check", "bad", "shown"),
    [
        (CHECKS["count"], -1, "got -1"),
        (CHECKS["real"], float("nan"), "got nan"),
        (CHECKS["real"], float("inf"), "got inf"),
        (CHECKS["fraction"], 1.5, "got 1.5"),
        (CHECKS["fraction"], np.float32(-0.5), "got -0.5"),
        (CHECKS["seed"], np.int64(-3), "got -3"),
    ],
)
def test_wrong_values_are_value_errors_that_name_the_argument_and_value(check, bad, shown):
    with pytest.raises(ValueError) as info:
        check(bad)
    assert "the_arg" in str(info.value) and shown in str(info.value)


@given(st.integers(0, 2**62))
def test_numpy_integers_count_as_int(n):
    for kind in (np.int64, np.uint64, np.int32):
        if n <= np.iinfo(kind).max:
            assert check_count(kind(n), "n") == n and type(check_count(kind(n), "n")) is int
            assert check_seed(kind(n)) == n


@given(st.floats(0, 1))
def test_numpy_floats_count_as_float(x):
    for kind in (np.float64, np.float32):
        assert check_fraction(kind(x), "q") == float(kind(x))
        assert check_real(kind(x), "x") == float(kind(x))
    assert check_real(np.array(x), "x") == x  # 0-d arrays, too


def test_none_means_fresh_entropy_and_a_generator_is_used_as_it_is():
    assert rng(None).integers(2**62) != rng(None).integers(2**62)
    assert rng(5).integers(2**62) == rng(5).integers(2**62) == rng(np.int64(5)).integers(2**62)
    stream = np.random.default_rng(0)
    assert rng(stream) is stream


def test_indices_partition_updates_finite():
    assert check_indices(np.array([2, 0], np.uint8), "ids", n=3).tolist() == [2, 0]
    with pytest.raises(ValueError, match=r"ids: index 3 is outside 0\.\.2"):
        check_indices([3], "ids", n=3)
    with pytest.raises(ValueError, match="given more than once"):
        check_indices([1, 1], "ids", unique=True)
    with pytest.raises(TypeError, match="ids must hold whole-number indices"):
        check_indices([True], "ids")
    with pytest.raises(TypeError, match="ids must be a list"):
        check_indices({1, 2}, "ids")
    assert [p.tolist() for p in check_partition([np.array([], float), [1, 0]], 2)] == [[], [1, 0]]
    with pytest.raises(ValueError, match="belong to no client"):
        check_partition([[0]], 2)
    with pytest.raises(ValueError, match=r"updates: client 1 has shape \(3,\) but client 0 has \(2,\)"):
        check_updates([[1, 2], [1, 2, 3]])
    with pytest.raises(ValueError, match=r"x contains inf at index \(0, 1\)"):
        check_finite([[0.0, np.inf]], "x")
    with pytest.raises(TypeError, match="x must hold real numbers"):
        check_finite(["a"], "x")

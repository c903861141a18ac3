"""Compare a student's answer with the expected one, and describe values briefly.

:func:`difference` returns ``None`` when two values agree (numbers to a tolerance) and otherwise a
short sentence saying where they differ -- the sentence a student reads in a check's feedback.
Numbers, nested lists, tuples, numpy arrays, torch tensors and dicts of those are understood;
torch is never imported here.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np


def _is_tensor(value: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _to_array(value: Any) -> np.ndarray | None:
    """A float array for numeric values (numbers, lists, arrays, tensors), else ``None``."""
    if _is_tensor(value):
        return value.detach().cpu().double().numpy()
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (numbers.Real, np.ndarray, list, tuple)):
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        return array
    return None


def _number(x: float, digits: int) -> str:
    text = f"{x:.{digits}g}"
    return text if any(c in text for c in ".enN") else text + ".0"


def _nested(array: np.ndarray, digits: int) -> str:
    if array.ndim == 0:
        return _number(float(array), digits)
    return "[" + ", ".join(_nested(row, digits) for row in array) + "]"


def brief(value: Any, digits: int = 4, max_items: int = 12) -> str:
    """A short, stable description of a value for feedback messages.

    >>> brief([0.20000000000000004, 0.3, 0.4])
    '[0.2, 0.3, 0.4]'
    >>> brief({"w": [[1.0, 2.0]], "b": 0.5})
    "{'w': [[1.0, 2.0]], 'b': 0.5}"
    >>> brief(list(range(100)))
    'integers of shape (100,): [0, 1, 2, 3, ...]'
    >>> brief([0.5] * 20)
    'nested list of shape (20,): [0.5, 0.5, 0.5, 0.5, ...]'
    """
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k!r}: {brief(v, digits, max_items)}" for k, v in list(value.items())[:max_items])
        more = ", ..." if len(value) > max_items else ""
        return "{" + inner + more + "}"
    if value is None or isinstance(value, (str, bool, np.bool_)):
        return repr(value)
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(repr(v) for v in value)) + "}"
    array = _to_array(value)
    if array is None:
        if isinstance(value, (list, tuple)) and len(value) <= max_items:
            inner = ", ".join(brief(v, digits, max_items) for v in value)
            return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    if not _is_tensor(value) and np.asarray(value).dtype.kind in "iu":  # whole numbers stay whole: 3, not 3.0
        ints = np.asarray(value)
        start = ", ".join(str(v) for v in ints.ravel()[:4].tolist())
        text = (
            str(ints.tolist())
            if ints.size <= max_items
            else f"integers of shape {ints.shape}: [{start}, ...]"
        )
        return f"array({text})" if isinstance(value, np.ndarray) else text
    rounded = np.round(array, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    wrap = "tensor({})" if _is_tensor(value) else ("array({})" if isinstance(value, np.ndarray) else "{}")
    if array.ndim == 0:
        return (
            _number(float(rounded), digits)
            if not wrap.startswith(("t", "a"))
            else wrap.format(_number(float(rounded), digits))
        )
    if array.size <= max_items:
        return wrap.format(_nested(rounded, digits))
    kind = "tensor" if _is_tensor(value) else ("array" if isinstance(value, np.ndarray) else "nested list")
    start = ", ".join(_number(float(x), digits) for x in rounded.ravel()[:4])
    return f"{kind} of shape {tuple(array.shape)}: [{start}, ...]"


def _kind(value: Any) -> str:
    if _is_tensor(value):
        return "a torch tensor"
    if isinstance(value, np.ndarray):
        return "a numpy array"
    if isinstance(value, Mapping):
        return "a dict"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (bool, np.bool_)):
        return "True/False"
    if isinstance(value, numbers.Real):
        return "a number"
    return f"a {type(value).__name__}"


def difference(
    got: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-9, where: str = ""
) -> str | None:
    """``None`` if ``got`` matches ``expected``; otherwise a sentence saying how it differs.

    >>> difference([0.2, 0.3], [0.2, 0.3 + 1e-12]) is None
    True
    >>> difference([0.6, 0.9], [0.2, 0.3])
    'expected [0.2, 0.3] but got [0.6, 0.9]'
    """
    at = f" for {where}" if where else ""
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return f"expected a dict{at} (like a state_dict) but got {_kind(got)}"
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing:
            return f"the key {missing[0]!r} is missing{at}"
        if extra:
            return f"there is an unexpected key {extra[0]!r}{at}"
        for key in expected:
            diff = difference(got[key], expected[key], rtol, atol, where=f"key {key!r}")
            if diff:
                return diff
        return None
    if isinstance(expected, (str, bool, np.bool_)) or expected is None:
        return None if got == expected else f"expected {brief(expected)}{at} but got {brief(got)}"
    if isinstance(expected, (list, tuple)) and _to_array(expected) is None:
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            return f"expected a list of {len(expected)}{at} but got {brief(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            diff = difference(g, e, rtol, atol, where=f"item {i}" + (f" of {where}" if where else ""))
            if diff:
                return diff
        return None
    if isinstance(expected, (set, frozenset)):
        if not isinstance(got, (set, frozenset, list, tuple)):
            return f"expected a set of choices{at} but got {brief(got)}"
        return (
            None if set(got) == set(expected) else f"expected {brief(expected)}{at} but got {brief(set(got))}"
        )
    want = _to_array(expected)
    if want is None:
        return None if got == expected else f"expected {brief(expected)}{at} but got {brief(got)}"
    if got is None:
        return f"expected {brief(expected)}{at} but got None"
    have = _to_array(got)
    if have is None:
        return f"expected {_kind(expected)}{at} but got {_kind(got)}: {brief(got)}"
    if have.shape != want.shape:
        return f"expected shape {want.shape}{at} but got shape {have.shape} ({brief(got)})"
    if not np.all(np.isfinite(have)):
        return f"got non-finite values (NaN or inf){at}: {brief(got)}"
    if not np.allclose(have, want, rtol=rtol, atol=atol):
        return f"expected {brief(expected)}{at} but got {brief(got)}"
    return None

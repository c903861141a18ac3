"""Compare a student's answer with the expected one, and describe values briefly.

:func:`difference` returns ``None`` when two values agree (numbers to a tolerance) and otherwise a
short sentence saying where they differ -- the sentence a student reads in a check's feedback.
Numbers, nested lists, tuples, numpy arrays, torch tensors and dicts of those are understood;
torch is never imported here.

What a comparison needs from numpy is bound once, at import: a student who replaces
``numpy.allclose`` (or ``numpy.isclose``, ``numpy.all``, ...) in their notebook does not change how
answers are compared here. (The checker also restores such replacements while it checks; see
``checker``.)
"""

from __future__ import annotations

import functools
import numbers
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

from fedlearn_edu.i18n import N_, t

# Bound at import, so that a notebook's `np.allclose = lambda *a, **k: True` cannot reach them.
# Ufuncs and ndarray methods are C objects: they cannot be replaced, only the names pointing at them.
_asarray, _ndarray, _bool, _float64 = np.asarray, np.ndarray, np.bool_, np.float64
_absolute, _isfinite, _less_equal, _equal = np.absolute, np.isfinite, np.less_equal, np.equal
_argwhere, _errstate = np.argwhere, np.errstate


class Said(str):
    """A sentence in the reader's language that also keeps its English (``english``).

    The checker decides what to show from the English words of a difference, so that a student reading
    Chinese gets exactly the feedback an English reader gets, in Chinese.
    """

    english: str


def say(template: str, /, **values: Any) -> Said:
    """``t(template, **values)``, remembering the English (values that are :class:`Said` give theirs)."""
    said = Said(t(template, **values))
    said.english = template.format(**{k: getattr(v, "english", v) for k, v in values.items()})
    return said


def _cat(*pieces: str) -> str:
    """The pieces joined; a :class:`Said` (with the pieces' English) if any piece is one."""
    text = "".join(pieces)
    if not any(isinstance(p, Said) for p in pieces):
        return text
    said = Said(text)
    said.english = "".join(getattr(p, "english", p) for p in pieces)
    return said


def _joined(pieces: list[str], separator: str = ", ") -> str:
    out: list[str] = []
    for i, piece in enumerate(pieces):
        out += [separator, piece] if i else [piece]
    return _cat(*out)


def _say_at(plain: str, located: str, where: str, /, **values: Any) -> Said:
    """``plain`` -- or ``located``, which names ``{where}`` the difference is, when there is a ``where``."""
    return say(located, where=where, **values) if where else say(plain, **values)


def _is_tensor(value: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _to_array(value: Any) -> np.ndarray | None:
    """A float array for numeric values (numbers, lists, arrays, tensors), else ``None``."""
    if _is_tensor(value):
        return value.detach().cpu().double().numpy()
    if isinstance(value, (bool, _bool)):
        return None
    if isinstance(value, (numbers.Real, _ndarray, list, tuple)):
        try:
            array = _asarray(value, dtype=_float64)
        except (TypeError, ValueError):
            return None
        return array
    return None


def _close(have: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Element-wise ``numpy.isclose`` (|have - want| <= atol + rtol |want|), built from bound ufuncs."""
    with _errstate(invalid="ignore", over="ignore"):
        near = _less_equal(_absolute(have - want), atol + rtol * _absolute(want))
    return (near & _isfinite(want)) | _equal(have, want)


def _number(x: float, digits: int) -> str:
    """``x`` to ``digits`` significant digits: 0.479, 1.27e-06, 2.0 (never 0.0 for a non-zero number)."""
    if x == 0:
        return "0.0"  # also for -0.0
    text = f"{x:.{digits}g}"
    return text if any(c in text for c in ".enN") else text + ".0"


def _nested(array: np.ndarray, digits: int) -> str:
    if array.ndim == 0:
        return _number(float(array), digits)
    return "[" + ", ".join(_nested(row, digits) for row in array) + "]"


def brief(value: Any, digits: int = 4, max_items: int = 12) -> str:
    """A short, stable description of a value for feedback messages; numbers to ``digits`` significant digits.

    >>> brief([0.20000000000000004, 0.3, 0.4])
    '[0.2, 0.3, 0.4]'
    >>> brief({"w": [[1.0, 2.0]], "b": 0.5})
    "{'w': [[1.0, 2.0]], 'b': 0.5}"
    >>> brief(list(range(100)))
    'integers of shape (100,): [0, 1, 2, 3, ...]'
    >>> brief([0.5] * 20)
    'nested list of shape (20,): [0.5, 0.5, 0.5, 0.5, ...]'
    >>> brief(1.27e-6)
    '1.27e-06'
    """
    return _brief(value, digits, max_items, numbers_only=False)


def brief_pair(expected: Any, got: Any, digits: int = 4, max_items: int = 12) -> tuple[str, str]:
    """``brief`` of both values, with the fewest significant digits (at least ``digits``) that tell them apart.

    Both are shown with the same number of digits, so a wrong answer never reads like the right one:

    >>> brief_pair([0.2, 0.3, 0.4], [0.2, 0.3, 0.40001])
    ('[0.2, 0.3, 0.4]', '[0.2, 0.3, 0.40001]')
    >>> brief_pair(0.003, 9e-6)
    ('0.003', '9e-06')
    """
    for more in range(digits, 18):  # 17 significant digits tell any two different floats apart
        if _brief(expected, more, max_items, numbers_only=True) != _brief(
            got, more, max_items, numbers_only=True
        ):
            return _brief(expected, more, max_items, False), _brief(got, more, max_items, False)
    return _brief(expected, digits, max_items, False), _brief(got, digits, max_items, False)


def _brief(value: Any, digits: int, max_items: int, numbers_only: bool) -> str:
    """``brief``; with ``numbers_only`` every number is shown as a float in a bare list (for comparing digits)."""
    again = functools.partial(_brief, digits=digits, max_items=max_items, numbers_only=numbers_only)
    if isinstance(value, Mapping):
        inner = _joined([_cat(f"{k!r}: ", again(v)) for k, v in list(value.items())[:max_items]])
        more = ", ..." if len(value) > max_items else ""
        return _cat("{", inner, more, "}")
    if value is None or isinstance(value, (str, bool, _bool)):
        return repr(value)
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(repr(v) for v in value)) + "}"
    array = _to_array(value)
    if array is None:
        if isinstance(value, (list, tuple)) and len(value) <= max_items:
            inner = _joined([again(v) for v in value])
            if isinstance(value, list):
                return _cat("[", inner, "]")
            return _cat("(", inner, "," if len(value) == 1 else "", ")")
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    tensor, ndarray = _is_tensor(value), isinstance(value, _ndarray)
    if not numbers_only and not tensor and _asarray(value).dtype.kind in "iu":  # whole numbers stay whole: 3
        ints = _asarray(value)
        start = ", ".join(str(v) for v in ints.ravel()[:4].tolist())
        if ints.size <= max_items:
            text = str(ints.tolist())
            return f"array({text})" if ndarray else text
        text = say(N_("integers of shape {shape}: [{start}, ...]"), shape=ints.shape, start=start)
        return _cat("array(", text, ")") if ndarray else text
    wrap = "{}" if numbers_only else ("tensor({})" if tensor else ("array({})" if ndarray else "{}"))
    if array.size <= max_items:
        return wrap.format(_nested(array, digits))
    start = ", ".join(_number(float(x), digits) for x in array.ravel()[:4])
    shape = tuple(array.shape)
    if numbers_only:  # compared, never shown
        return f"numbers of shape {shape}: [{start}, ...]"
    if tensor:
        return say(N_("tensor of shape {shape}: [{start}, ...]"), shape=shape, start=start)
    if ndarray:
        return say(N_("array of shape {shape}: [{start}, ...]"), shape=shape, start=start)
    return say(N_("nested list of shape {shape}: [{start}, ...]"), shape=shape, start=start)


def _kind(value: Any) -> str:
    if _is_tensor(value):
        return say(N_("a torch tensor"))
    if isinstance(value, _ndarray):
        return say(N_("a numpy array"))
    if isinstance(value, Mapping):
        return say(N_("a dict"))
    if isinstance(value, (list, tuple)):
        return say(N_("a list"))
    if isinstance(value, (bool, _bool)):
        return "True/False"
    if isinstance(value, numbers.Real):
        return say(N_("a number"))
    return say(N_("a {type}"), type=type(value).__name__)


def difference(
    got: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-9, where: str = ""
) -> str | None:
    """``None`` if ``got`` matches ``expected``; otherwise a sentence saying how it differs.

    >>> difference([0.2, 0.3], [0.2, 0.3 + 1e-12]) is None
    True
    >>> difference([0.6, 0.9], [0.2, 0.3])
    'expected [0.2, 0.3] but got [0.6, 0.9]'
    >>> difference([0.2, 0.30001], [0.2, 0.3])
    'expected [0.2, 0.3] but got [0.2, 0.30001]'
    """
    return _difference(got, expected, rtol, atol, where)


def _differ(expected: Any, got: Any, where: str) -> Said:
    shown_expected, shown_got = brief_pair(expected, got)
    return _say_at(
        N_("expected {expected} but got {got}"),
        N_("expected {expected} for {where} but got {got}"),
        where,
        expected=shown_expected,
        got=shown_got,
    )


def _difference(got: Any, expected: Any, rtol: float, atol: float, where: str = "") -> str | None:
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return _say_at(
                N_("expected a dict (like a state_dict) but got {kind}"),
                N_("expected a dict for {where} (like a state_dict) but got {kind}"),
                where,
                kind=_kind(got),
            )
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing:
            return _say_at(
                N_("the key {key} is missing"),
                N_("the key {key} is missing for {where}"),
                where,
                key=repr(missing[0]),
            )
        if extra:
            return _say_at(
                N_("there is an unexpected key {key}"),
                N_("there is an unexpected key {key} for {where}"),
                where,
                key=repr(extra[0]),
            )
        for key in expected:
            diff = _difference(got[key], expected[key], rtol, atol, where=say(N_("key {key}"), key=repr(key)))
            if diff:
                return diff
        return None
    if isinstance(expected, (str, bool, _bool)) or expected is None:
        return None if got == expected else _differ(expected, got, where)
    if isinstance(expected, (list, tuple)) and _to_array(expected) is None:
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            return _say_at(
                N_("expected a list of {n} but got {got}"),
                N_("expected a list of {n} for {where} but got {got}"),
                where,
                n=len(expected),
                got=brief(got),
            )
        for i, (g, e) in enumerate(zip(got, expected)):
            item = say(N_("item {i} of {where}"), i=i, where=where) if where else say(N_("item {i}"), i=i)
            diff = _difference(g, e, rtol, atol, where=item)
            if diff:
                return diff
        return None
    if isinstance(expected, (set, frozenset)):
        if not isinstance(got, (set, frozenset, list, tuple)):
            return _say_at(
                N_("expected a set of choices but got {got}"),
                N_("expected a set of choices for {where} but got {got}"),
                where,
                got=brief(got),
            )
        return None if set(got) == set(expected) else _differ(expected, set(got), where)
    want = _to_array(expected)
    if want is None:
        return None if got == expected else _differ(expected, got, where)
    if got is None:
        return _say_at(
            N_("expected {expected} but got None"),
            N_("expected {expected} for {where} but got None"),
            where,
            expected=brief(expected),
        )
    have = _to_array(got)
    if have is None:
        return _say_at(
            N_("expected {kind} but got {got_kind}: {got}"),
            N_("expected {kind} for {where} but got {got_kind}: {got}"),
            where,
            kind=_kind(expected),
            got_kind=_kind(got),
            got=brief(got),
        )
    if have.shape != want.shape:
        return _say_at(
            N_("expected shape {want} but got shape {have} ({got})"),
            N_("expected shape {want} for {where} but got shape {have} ({got})"),
            where,
            want=want.shape,
            have=have.shape,
            got=brief(got),
        )
    if not _isfinite(have).all():
        return _say_at(
            N_("got non-finite values (NaN or inf): {got}"),
            N_("got non-finite values (NaN or inf) for {where}: {got}"),
            where,
            got=brief(got),
        )
    close = _close(have, want, rtol, atol)
    if close.all():
        return None
    text = _differ(expected, got, where)
    if want.size > 12:  # brief() shows only the first few numbers: say where they differ
        index = tuple(int(i) for i in _argwhere(~close)[0])
        first, second = brief_pair(float(want[index]), float(have[index]))
        text = say(
            N_("{difference}; the first difference is at index {index}: expected {first}, got {second}"),
            difference=text,
            index=list(index),
            first=first,
            second=second,
        )
    return text

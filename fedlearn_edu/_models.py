"""Turn a list of client models into aligned float64 arrays, and back.

Every aggregator in :mod:`fedlearn_edu.aggregate` does the same three things:

1. check that the clients' models agree (same kind, same keys, same shapes, finite values),
2. stack each parameter across clients into one array of shape ``(n_clients, *shape)``,
3. reduce along the client axis and rebuild a model of the kind it was given.

Steps 1 and 3 live here, written once, so every aggregator accepts the same inputs and gives
the same error messages. A *model* is any of:

- a number (``int``, ``float``, numpy scalar)                       -> returns a ``float``
- a (nested) list or tuple of numbers                               -> returns a nested ``list``
- a numpy array                                                     -> same dtype and shape
- a torch tensor (torch is only touched if you pass one)            -> same dtype, shape, device
- a mapping of names to any of the above, e.g. a PyTorch ``state_dict`` -> same mapping type, keys, order
- a list (or tuple) of numpy arrays or torch tensors, of any shapes: Flower's form of a model,
  one array per layer (``ArrayRecord.to_numpy_ndarrays()``)        -> a list of the same kind

Parameter names are the keys joined by dots (``fc.weight``); two keys that give the same name
(``1`` and ``"1"``, or a nested ``{"a": {"b": ...}}`` beside a flat ``"a.b"``) are refused, never
silently merged. In Flower's form the parameters are named by position: ``[0]``, ``[1]``, ...

Integers: the average of integers is usually not an integer, so numbers, lists and integer numpy
arrays come back as floats (``float64``). Integer and boolean *torch tensors* are different: in a
``state_dict`` they are counters such as BatchNorm's ``num_batches_tracked``, and the model needs
them back in their own dtype. They are averaged like the rest, then rounded to the nearest
integer (half to even), and keep their dtype.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fedlearn_edu.i18n import t

# The kinds of leaf we know, in the words the error messages use.
NUMBER, LIST, ARRAY, TENSOR = "a number", "a list", "a numpy array", "a torch tensor"


def _torch_tensor_type():
    """Return ``torch.Tensor`` if torch is already imported, else ``None`` (never imports torch)."""
    torch = sys.modules.get("torch")
    return getattr(torch, "Tensor", None) if torch is not None else None


def kind_of(value: Any) -> str | None:
    """Name the kind of a leaf value, or ``None`` if it is not a leaf we accept."""
    tensor_type = _torch_tensor_type()
    if tensor_type is not None and isinstance(value, tensor_type):
        return TENSOR
    if isinstance(value, np.ndarray):
        return ARRAY
    if isinstance(value, (numbers.Real, np.bool_)) and not isinstance(value, np.ndarray):
        return NUMBER
    if isinstance(value, (list, tuple)):
        return LIST
    return None


def _where(client: int, key: str | None) -> str:
    return f"client {client}" + (f", parameter {key!r}" if key is not None else "")


@dataclass(frozen=True)
class Leaf:
    """What we need to rebuild one parameter: its kind, shape and dtype (and device for tensors)."""

    kind: str
    shape: tuple[int, ...]
    dtype: Any
    device: Any = None

    @property
    def is_integer_tensor(self) -> bool:
        return self.kind == TENSOR and not self.dtype.is_floating_point


def _as_float_array(value: Any, kind: str, where: str) -> tuple[np.ndarray, Leaf]:
    if kind == TENSOR:
        if value.is_complex():
            raise TypeError(f"{where}: complex tensors cannot be averaged here")
        leaf = Leaf(TENSOR, tuple(value.shape), value.dtype, value.device)
        return value.detach().cpu().double().numpy(), leaf
    if kind == LIST:
        try:
            array = np.asarray(value, dtype=np.float64)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{where}: this nested list is not a rectangular grid of numbers "
                f"(rows of different lengths, or something that is not a number inside): {exc}"
            ) from None
        return array, Leaf(LIST, array.shape, np.float64)
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: expected real numbers, got values of dtype {array.dtype}")
    dtype = array.dtype if array.dtype.kind == "f" else np.dtype(np.float64)
    return array.astype(np.float64), Leaf(kind, array.shape, dtype)


def is_layer_list(model: Any) -> bool:
    """Flower's form of a model: a non-empty list or tuple whose items are all arrays or tensors."""
    return (
        isinstance(model, (list, tuple))
        and len(model) > 0
        and all(kind_of(item) in (ARRAY, TENSOR) for item in model)
    )


def _child_name(prefix: str | None, key: Any, layer_list: bool) -> str:
    if layer_list:
        return f"[{key}]" if prefix is None else f"{prefix}[{key}]"
    return str(key) if prefix is None else f"{prefix}.{key}"


def _flatten(model: Any, client: int, prefix: str | None = None) -> dict[str | None, tuple[Any, str]]:
    """Map each parameter name (``None`` for a bare model) to ``(value, kind)``."""
    layer_list = is_layer_list(model)
    if isinstance(model, Mapping) or layer_list:
        if not model:
            raise ValueError(f"{_where(client, prefix)}: the model is an empty mapping, it has no parameters")
        out: dict[str | None, tuple[Any, str]] = {}
        items = enumerate(model) if layer_list else model.items()
        for key, value in items:
            name = _child_name(prefix, key, layer_list)
            inner = _flatten(value, client, name)
            clash = [k for k in inner if k in out]
            if clash:
                raise ValueError(
                    f"{_where(client, None)}: two parameters collide under the name {clash[0]!r} "
                    f"(keys such as 1 and '1', or a nested dict beside a dotted name); rename one"
                )
            out.update(inner)
        return out
    kind = kind_of(model)
    if kind is None:
        raise TypeError(
            f"{_where(client, prefix)}: cannot average a {type(model).__name__}. "
            "Give numbers, lists of numbers, numpy arrays, torch tensors, or a dict of those "
            "(such as model.state_dict())."
        )
    return {prefix: (model, kind)}


def _model_kind(model: Any) -> str:
    if isinstance(model, Mapping):
        return "a dict of parameters"
    if is_layer_list(model):
        return "a list of arrays"
    return kind_of(model) or type(model).__name__


@dataclass
class Stacked:
    """Client models aligned parameter by parameter.

    ``arrays[key]`` has shape ``(n_clients, *shape)`` and dtype float64; ``leaves[key]`` says how
    to turn a reduced array back into what the clients sent.
    """

    template: Any
    arrays: dict[str | None, np.ndarray]
    leaves: dict[str | None, Leaf]

    @property
    def n_clients(self) -> int:
        return next(iter(self.arrays.values())).shape[0]


def stack_models(models: Sequence[Any]) -> Stacked:
    """Check that all client models agree, then stack each parameter across clients.

    >>> s = stack_models([[0.1, 0.2], [0.3, 0.4]])
    >>> s.arrays[None].shape
    (2, 2)
    """
    if isinstance(models, (Mapping, str, bytes)) or not isinstance(models, Sequence):
        raise TypeError(
            "models must be a list with one model per client, e.g. [model_a, model_b]; "
            f"got {type(models).__name__}"
        )
    if len(models) == 0:
        raise ValueError("models is empty: there must be at least one client to average")
    quick = _stack_state_dicts(models)
    if quick is not None:
        return quick

    first = models[0]
    first_kind = _model_kind(first)
    reference = _flatten(first, 0)
    columns: dict[str | None, list[np.ndarray]] = {key: [] for key in reference}
    leaves: dict[str | None, Leaf] = {}

    for client, model in enumerate(models):
        kind = _model_kind(model)
        if kind != first_kind:
            raise TypeError(
                t(
                    "client {client} is {kind} but client 0 is {first_kind}: every client must send its model in "
                    "the same form",
                    client=client,
                    kind=kind,
                    first_kind=first_kind,
                )
            )
        flat = reference if client == 0 else _flatten(model, client)
        missing = [k for k in reference if k not in flat]
        extra = [k for k in flat if k not in reference]
        if missing:
            raise ValueError(
                t(
                    "client {client} has no parameter {key!r}, which client 0 has",
                    client=client,
                    key=missing[0],
                )
            )
        if extra:
            raise ValueError(
                t(
                    "client {client} has a parameter {key!r} that client 0 does not have",
                    client=client,
                    key=extra[0],
                )
            )
        for key, (value, leaf_kind) in flat.items():
            where = _where(client, key)
            ref_kind = reference[key][1]
            if leaf_kind != ref_kind:
                raise TypeError(f"{where}: is {leaf_kind} but client 0 has {ref_kind}")
            array, leaf = _as_float_array(value, leaf_kind, where)
            if client == 0:
                leaves[key] = leaf
            elif array.shape != leaves[key].shape:
                values = {"client": client, "key": key, "shape": array.shape, "first": leaves[key].shape}
                raise ValueError(
                    t("client {client}, parameter {key!r}: shape {shape} but client 0 has {first}", **values)
                    if key is not None
                    else t("client {client}: shape {shape} but client 0 has {first}", **values)
                )
            bad = ~np.isfinite(array)
            if bad.any():
                index = tuple(int(i) for i in np.argwhere(bad)[0])
                what = "NaN" if np.isnan(array[bad]).any() else "inf"
                at = f" at index {index}" if index else ""
                raise ValueError(
                    f"{where}: contains {what}{at}. A client whose training diverged would poison the "
                    "average; leave it out or lower its learning rate"
                )
            columns[key].append(array)
    arrays = {key: np.stack(column) for key, column in columns.items()}
    return Stacked(first, arrays, leaves)


def _stack_state_dicts(models: Sequence[Any]) -> Stacked | None:
    """The common case in one step per parameter: every model a ``state_dict`` -- the same string
    keys, each a real tensor of the same shape, dtype and device as client 0's -- and all values
    finite. Gives exactly what the general path gives; ``None`` when anything differs, and the
    general path then checks client by client and names what is wrong."""
    torch = sys.modules.get("torch")
    first = models[0]
    if torch is None or not isinstance(first, Mapping) or not first:
        return None
    arrays: dict[str | None, np.ndarray] = {}
    leaves: dict[str | None, Leaf] = {}
    for key, ref in first.items():
        if not isinstance(key, str) or not isinstance(ref, torch.Tensor) or ref.is_complex():
            return None
        column = []
        for model in models:
            value = model.get(key) if isinstance(model, Mapping) and len(model) == len(first) else None
            if not (
                isinstance(value, torch.Tensor)
                and value.shape == ref.shape
                and value.dtype == ref.dtype
                and value.device == ref.device
            ):
                return None
            column.append(value.detach())
        array = torch.stack(column).cpu().double().numpy()
        if not np.isfinite(array).all():
            return None
        arrays[key] = array
        leaves[key] = Leaf(TENSOR, tuple(ref.shape), ref.dtype, ref.device)
    return Stacked(first, arrays, leaves)


def _restore_leaf(array: np.ndarray, leaf: Leaf) -> Any:
    array = np.array(array, dtype=np.float64).reshape(leaf.shape)  # a fresh array, never a view
    if leaf.kind == TENSOR:
        if leaf.is_integer_tensor:
            np.rint(array, out=array)
        torch = sys.modules["torch"]
        return torch.from_numpy(array).to(dtype=leaf.dtype, device=leaf.device)
    if leaf.kind == LIST:
        return array.tolist()
    if leaf.kind == NUMBER:
        return float(array)
    return array.astype(leaf.dtype)


def _rebuild(template: Any, reduced: dict[str | None, np.ndarray], leaves: dict, prefix: str | None) -> Any:
    if isinstance(template, Mapping):
        items = []
        for key, value in template.items():
            name = _child_name(prefix, key, False)
            items.append((key, _rebuild(value, reduced, leaves, name)))
        out = type(template)(items) if type(template) is not dict else dict(items)
        metadata = getattr(template, "_metadata", None)  # PyTorch keeps module versions here
        if metadata is not None:
            out._metadata = metadata.copy()
        return out
    if is_layer_list(template):
        layers = [_rebuild(v, reduced, leaves, _child_name(prefix, i, True)) for i, v in enumerate(template)]
        return type(template)(layers)
    return _restore_leaf(reduced[prefix], leaves[prefix])


def unstack(stacked: Stacked, reduced: dict[str | None, np.ndarray]) -> Any:
    """Build one model, of the clients' kind, from one reduced array per parameter."""
    return _rebuild(stacked.template, reduced, stacked.leaves, None)

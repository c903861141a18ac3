"""The models the simulation trains, and how a global model is scored on the test set.

:func:`mlp` builds a multi-layer perceptron -- ``Linear, ReLU, Linear, ..., Linear`` -- with
PyTorch's default initialisation (uniform in +-1/sqrt(fan_in)) drawn from its own seeded generator:
the same seed gives the same model, and torch's global random state is never touched.

The fast engine trains exactly this family (any depth, including a single ``nn.Linear``);
:func:`linear_layers` checks that a model belongs to it and names its layers.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["evaluate", "evaluate_clients", "linear_layers", "mlp"]


def mlp(sizes: Sequence[int] = (64, 32, 10), *, seed: int = 0) -> nn.Sequential:
    """``Linear(sizes[0], sizes[1]), ReLU, ..., Linear(sizes[-2], sizes[-1])``, seeded.

    >>> model = mlp((64, 32, 10), seed=0)
    >>> model
    Sequential(
      (0): Linear(in_features=64, out_features=32, bias=True)
      (1): ReLU()
      (2): Linear(in_features=32, out_features=10, bias=True)
    )
    >>> sum(p.numel() for p in model.parameters())
    2410
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least an input and an output size, all >= 1; got {sizes}")
    generator = torch.Generator().manual_seed(seed)
    global_state = torch.random.get_rng_state()  # nn.Linear() draws its own init from the global
    layers: list[nn.Module] = []  # generator: we put its state back and draw from ours instead
    for n_in, n_out in itertools.pairwise(sizes):
        layer = nn.Linear(n_in, n_out)
        bound = 1 / math.sqrt(n_in)  # what nn.Linear's own initialisation uses
        with torch.no_grad():
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.uniform_(-bound, bound, generator=generator)
        layers += [layer, nn.ReLU()]
    torch.random.set_rng_state(global_state)
    return nn.Sequential(*layers[:-1])


def linear_layers(model: nn.Module) -> list[str]:
    """The state_dict prefixes of the Linear layers of an MLP (``""`` for a bare ``nn.Linear``).

    Raises ``TypeError`` for anything the fast engine cannot train.

    >>> linear_layers(mlp((4, 3, 2)))
    ['0', '2']
    """
    if isinstance(model, nn.Linear):
        return [""]
    if not isinstance(model, nn.Sequential):
        raise TypeError(
            f"the fast engine trains MLPs built as nn.Sequential(Linear, ReLU, ..., Linear) "
            f"(see fedlearn_edu.simulation.mlp); got a {type(model).__name__}. Use engine='reference', "
            "which trains any PyTorch model"
        )
    names = []
    for i, (name, layer) in enumerate(model.named_children()):
        wanted = nn.Linear if i % 2 == 0 else nn.ReLU
        if not isinstance(layer, wanted) or (wanted is nn.Linear and layer.bias is None):
            raise TypeError(
                f"the fast engine trains Linear (with bias) and ReLU layers, alternating; layer {name!r} "
                f"is {layer!r} where a {wanted.__name__} was expected. Use engine='reference' for this model"
            )
        if wanted is nn.Linear:
            names.append(name)
    if len(model) % 2 == 0:
        raise TypeError("the fast engine needs an MLP that ends with a Linear layer, not a ReLU")
    return names


def evaluate(
    model: nn.Module,
    state: Mapping[str, torch.Tensor],
    x: np.ndarray,
    y: np.ndarray,
    loss: str,
    *,
    in_place: bool = False,
) -> tuple[float, float]:
    """(accuracy, loss) of ``model`` with parameters ``state`` on ``(x, y)``.

    Classification (``loss="cross_entropy"``): accuracy in [0, 1] and the mean cross-entropy.
    Regression (``"sum_squares"``): accuracy is ``nan`` and the loss is the sum of squares.
    ``model`` itself is not changed (a copy is loaded with ``state``), unless ``in_place=True``
    (the engines' own private model: saves a copy per round).
    """
    module = model if in_place else copy.deepcopy(model)
    module.load_state_dict(state)
    with torch.no_grad():
        out = module(torch.from_numpy(x))
        target = torch.from_numpy(y)
        if loss == "cross_entropy":
            value = nn.functional.cross_entropy(out, target).item()
            return (out.argmax(1) == target).double().mean().item(), value
        return math.nan, ((out - target) ** 2).sum().item()


def evaluate_clients(
    model: nn.Module,
    state: Mapping[str, torch.Tensor],
    x: np.ndarray,
    y: np.ndarray,
    groups: Sequence[np.ndarray],
    loss: str,
    *,
    in_place: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Each client's (accuracy, loss) of the model ``state`` on its own rows ``x[groups[k]]``.

    One forward pass over all the rows, then a mean per client: the accuracy and mean
    cross-entropy (classification), or ``nan`` and the sum of squares (regression), as
    :func:`evaluate` scores one set. A client with no rows gets ``nan`` for both.

    >>> model = torch.nn.Linear(1, 2)
    >>> state = {"weight": torch.tensor([[1.0], [-1.0]]), "bias": torch.zeros(2)}
    >>> x, y = np.array([[1.0], [2.0], [-1.0]], dtype=np.float32), np.array([0, 1, 1])
    >>> accuracy, _ = evaluate_clients(model, state, x, y, [np.array([0, 1]), np.array([2]), np.array([], int)], "cross_entropy")
    >>> accuracy.tolist()
    [0.5, 1.0, nan]
    """
    module = model if in_place else copy.deepcopy(model)
    module.load_state_dict(state)
    sizes = np.array([len(g) for g in groups])
    rows = np.concatenate([np.asarray(g, dtype=np.int64) for g in groups] + [np.zeros(0, np.int64)])
    owner = np.repeat(np.arange(len(groups)), sizes)
    with torch.no_grad():
        out = module(torch.from_numpy(x[rows]))
        target = torch.from_numpy(y[rows])
        if loss == "cross_entropy":
            row_loss = nn.functional.cross_entropy(out, target, reduction="none").double().numpy()
            correct = (out.argmax(1) == target).double().numpy()
        else:
            row_loss = ((out - target) ** 2).double().sum(tuple(range(1, out.ndim))).numpy()
            correct = None
    with np.errstate(invalid="ignore", divide="ignore"):
        loss_sum = np.bincount(owner, weights=row_loss, minlength=len(groups))
        if loss == "cross_entropy":
            losses = loss_sum / sizes
            accuracy = np.bincount(owner, weights=correct, minlength=len(groups)) / sizes
        else:
            losses = np.where(sizes > 0, loss_sum, np.nan)
            accuracy = np.full(len(groups), np.nan)
    return accuracy, losses

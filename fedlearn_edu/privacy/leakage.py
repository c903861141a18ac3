"""Gradient leakage: rebuild a client's training image from the gradient it shares.

Deep Leakage from Gradients (DLG, Zhu et al. 2019): the attacker (an honest-but-curious server)
knows the model and the shared gradient ``g``. It starts from a random "dummy" image and changes
it until the dummy's gradient matches ``g``. iDLG (Zhao et al. 2020) first reads the label off the
gradient of the last layer, which makes the search easier. We match by cosine similarity
(Geiping et al. 2020), so rescaling the update -- clipping, a learning rate -- does not help the
client. Gradients are dicts ``{parameter name: tensor}``, like a ``state_dict``, so the kit's
aggregation and clipping functions apply to them unchanged.

>>> model = leaky_model(seed=0)
>>> image, label = torch.linspace(0, 1, 64, dtype=torch.float64)[None], torch.tensor([3])
>>> infer_label(shared_gradient(model, image, label))
3
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from fedlearn_edu._validation import SeedLike, check_count, check_real, check_seed
from fedlearn_edu.training import LOSSES, local_train

__all__ = [
    "Reconstruction",
    "infer_label",
    "leaky_model",
    "local_update",
    "reconstruct",
    "reconstruction_error",
    "shared_gradient",
]

Gradient = dict[str, torch.Tensor]


def leaky_model(n_inputs: int = 64, hidden: int = 32, n_classes: int = 10, seed: SeedLike = 0) -> nn.Module:
    """A small MLP (input -> sigmoid hidden layer -> class scores), in float64 for precise matching.

    DLG needs a model it can differentiate twice smoothly, hence the sigmoid rather than a ReLU.
    PyTorch's default initialisation, seeded without touching the global random state.
    """
    seed = _torch_seed(seed)
    with torch.random.fork_rng(devices=[]):
        if seed is None:
            torch.seed()  # fresh entropy, as seed=None means everywhere in the kit
        else:
            torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(n_inputs, hidden), nn.Sigmoid(), nn.Linear(hidden, n_classes))
    return model.double()


def _torch_seed(seed) -> int | None:
    """A checked seed as torch takes it: an int, or ``None`` for fresh entropy."""
    seed = check_seed(seed)
    return int(seed.integers(2**63)) if isinstance(seed, np.random.Generator) else seed


def _widths(model: nn.Module) -> tuple[int, int]:
    """(input width, number of classes) of an MLP: its first and last weight matrices."""
    matrices = [p for p in model.parameters() if p.ndim == 2]
    if not matrices:
        raise ValueError("the model has no weight matrix: the attack needs a model with linear layers")
    return int(matrices[0].shape[1]), int(matrices[-1].shape[0])


def _as_labels(labels, n_classes: int) -> torch.Tensor:
    array = np.asarray(labels).reshape(-1)
    if array.dtype.kind not in "iu" and not (
        array.dtype.kind == "f" and np.isfinite(array).all() and (array == np.round(array)).all()
    ):
        raise TypeError(f"labels must be whole-number class labels; got {labels!r:.60}")
    array = array.astype(np.int64)
    outside = array[(array < 0) | (array >= n_classes)]
    if outside.size:
        raise ValueError(f"labels: {outside[0]} is outside the model's classes 0..{n_classes - 1}")
    return torch.as_tensor(array)


def _as_batch(images, labels, model: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    width, n_classes = _widths(model)
    y = _as_labels(labels, n_classes)
    x = torch.as_tensor(np.asarray(images, dtype=np.float64))
    if x.numel() % max(len(y), 1) != 0 or len(y) == 0:
        raise ValueError(f"{len(y)} labels for images of shape {tuple(x.shape)}: give one label per image")
    x = x.reshape(len(y), -1)
    if x.shape[1] != width:
        raise ValueError(
            f"images have {x.shape[1]} values each but the model's input is {width} wide "
            f"(64 for the 8x8 digits): give images of shape (n, {width})"
        )
    return x, y


def shared_gradient(model: nn.Module, images, labels) -> Gradient:
    """The gradient of the mean cross-entropy loss on a batch: what a FedSGD client sends."""
    x, y = _as_batch(images, labels, model)
    names = [name for name, _ in model.named_parameters()]
    grads = torch.autograd.grad(LOSSES["cross_entropy"](model(x), y), list(model.parameters()))
    return {name: g.detach() for name, g in zip(names, grads)}


def local_update(model: nn.Module, images, labels, steps: int, lr: float) -> Gradient:
    """What a FedAvg client sends instead: ``w_start - w_end`` after ``steps`` of full-batch SGD."""
    steps = check_count(steps, "steps")
    lr = check_real(lr, "lr", low=0)
    x, y = _as_batch(images, labels, model)
    local = copy.deepcopy(model)
    local_train(local, x, y, lr=lr, epochs=steps, batch_size=None, loss="cross_entropy")
    start = dict(model.named_parameters())
    return {name: (start[name] - p).detach() for name, p in local.named_parameters()}


def infer_label(gradient: Gradient) -> int:
    """iDLG: the label of a single image, read off the gradient of the last layer's weights.

    With softmax cross-entropy, row c of that gradient is ``(p_c - y_c) * h``: the hidden
    activations ``h`` are positive (sigmoid), ``p_c - y_c`` is negative only for the true class.
    """
    matrices = [g for g in gradient.values() if getattr(g, "ndim", 0) == 2]
    if not matrices:
        raise ValueError(
            "the gradient has no weight matrix (no 2-D entry): infer_label reads the label off the "
            "last layer's weight gradient"
        )
    weight = matrices[-1]
    return int(torch.argmin(weight.sum(dim=1)))


@dataclass
class Reconstruction:
    """The attacker's result: the images (n, 64) in [0, 1], snapshots along the way, the final loss."""

    images: np.ndarray
    snapshots: dict[int, np.ndarray] = field(default_factory=dict)
    loss: float = float("nan")


def _cosine_distance(a: Sequence[torch.Tensor], b: Sequence[torch.Tensor]) -> torch.Tensor:
    va, vb = torch.cat([t.reshape(-1) for t in a]), torch.cat([t.reshape(-1) for t in b])
    return 1 - (va @ vb) / (va.norm() * vb.norm() + 1e-30)


def reconstruct(
    model: nn.Module,
    gradient: Gradient,
    labels: Sequence[int] | None,
    n_images: int = 1,
    iterations: int = 30,
    snapshots: Sequence[int] = (),
    seed: SeedLike = 0,
) -> Reconstruction:
    """Find ``n_images`` images whose gradient matches ``gradient`` (L-BFGS from random noise).

    Give the ``labels`` (iDLG: from :func:`infer_label`), or ``None`` to search for soft labels
    too (the original DLG). ``snapshots`` lists the iterations at which to keep a copy.
    """
    n_images = check_count(n_images, "n_images", minimum=1)
    iterations = check_count(iterations, "iterations")
    seed = _torch_seed(seed)
    width, n_classes = _widths(model)
    for name, parameter in model.named_parameters():
        if name not in gradient:
            raise ValueError(f"the gradient has no entry for the model's parameter {name!r}")
        if tuple(gradient[name].shape) != tuple(parameter.shape):
            raise ValueError(
                f"gradient[{name!r}] has shape {tuple(gradient[name].shape)} "
                f"but the parameter has {tuple(parameter.shape)}"
            )
    if labels is not None:
        y = _as_labels(labels, n_classes)
        if len(y) != n_images:
            raise ValueError(f"{len(y)} labels for n_images={n_images}: give one label per image")
    generator = torch.Generator()
    if seed is None:
        generator.seed()  # fresh entropy, as seed=None means everywhere in the kit
    else:
        generator.manual_seed(seed)
    dummy = torch.rand(n_images, width, generator=generator, dtype=torch.float64).requires_grad_(True)
    unknowns = [dummy]
    if labels is None:
        soft = torch.randn(n_images, n_classes, generator=generator, dtype=torch.float64).requires_grad_(True)
        unknowns.append(soft)
    target = [gradient[name].detach().to(torch.float64) for name, _ in model.named_parameters()]
    optimiser = torch.optim.LBFGS(unknowns, lr=1, max_iter=1, history_size=100, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        out = model(dummy)
        if labels is None:
            loss = -(F.softmax(soft, dim=-1) * F.log_softmax(out, dim=-1)).sum(dim=-1).mean()
        else:
            loss = F.cross_entropy(out, y)
        grads = torch.autograd.grad(loss, list(model.parameters()), create_graph=True)
        distance = _cosine_distance(grads, target)
        # the gradient for the unknowns only: distance.backward() would also fill the model's
        # parameters' .grad, work nobody reads (and a side effect on the caller's model)
        for unknown, grad in zip(unknowns, torch.autograd.grad(distance, unknowns), strict=True):
            unknown.grad = grad
        return distance

    kept, loss, threads = {}, float("nan"), torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: a second thread costs more than it saves
    try:
        for step in range(iterations + 1):
            if step in snapshots:
                kept[step] = dummy.detach().clamp(0, 1).numpy().copy()
            if step < iterations and not loss < 1e-14:  # stop early once the gradients match exactly
                loss = float(optimiser.step(closure).detach())
    finally:
        torch.set_num_threads(threads)
    return Reconstruction(dummy.detach().clamp(0, 1).numpy(), kept, loss)


def reconstruction_error(reconstructed, original) -> float:
    """Mean squared pixel error (pixels in [0, 1]), pairing each reconstruction with its best match.

    0 is a perfect copy; guessing "the average digit" for every image scores about 0.073.

    >>> reconstruction_error([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [0.0, 1.0]])
    0.0
    """
    from scipy.optimize import linear_sum_assignment  # comes with scikit-learn

    b = np.asarray(original, dtype=np.float64)
    b = b.reshape(b.shape[0] if b.ndim > 1 else 1, -1)
    a = np.asarray(reconstructed, dtype=np.float64)
    if a.size != b.size:
        raise ValueError(
            f"reconstructed has shape {a.shape} but original has {np.shape(original)}: "
            "give the same number of images, of the same size"
        )
    a = a.reshape(b.shape)
    cost = ((a[:, None, :] - b[None, :, :]) ** 2).mean(axis=-1)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())

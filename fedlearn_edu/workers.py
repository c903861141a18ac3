"""Workers that keep their data: the article's bob and alice, in plain PyTorch.

The article (section 5) built its two workers with PySyft 0.2's ``sy.VirtualWorker``, a library
that no longer installs (syft 0.2.9 needs torch ~=1.4 and numpy ~=1.18). This module keeps the
idea and the name. A :class:`VirtualWorker` holds a private dataset; the server hands it a
model, it trains a private copy with plain SGD and hands back the new parameters. Asking for its
data raises :class:`PrivacyError`. Every transfer can be written to a
:class:`~fedlearn_edu.commlog.CommunicationLog`.

The article's experiment itself (its data, its model and its loop) is in
:mod:`fedlearn_edu.two_workers` (which imports this module, never the other way round). The SGD
loop itself is :func:`fedlearn_edu.training.local_train`, shared by every client in the kit.

>>> import torch
>>> bob = VirtualWorker("bob", torch.tensor([[1.0, 1.0], [0.0, 1.0]]), torch.tensor([[1.0], [1.0]]))
>>> bob
VirtualWorker('bob', num_samples=2)
>>> new_state = bob.train(torch.nn.Linear(2, 1), lr=0.1, steps=10)
>>> sorted(new_state)
['bias', 'weight']
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from fedlearn_edu._validation import check_count, check_real
from fedlearn_edu.commlog import CommunicationLog
from fedlearn_edu.i18n import N_, t
from fedlearn_edu.training import LOSSES, Correction, local_train

__all__ = ["LOSSES", "PrivacyError", "VirtualWorker"]

SERVER = "server"

# Names a curious server might try; each one is refused with the explanation below.
_DATA_NAMES = frozenset(
    {"x", "y", "X", "Y", "data", "target", "targets", "dataset", "features", "labels", "inputs"}
)


class PrivacyError(PermissionError):
    """Raised when code outside a worker tries to read (or replace) the worker's data."""


def _refuse(worker: str, attribute: str) -> PrivacyError:
    return PrivacyError(
        t(
            "{worker}'s data stay on {worker}'s device: `{worker}.{attribute}` is not available to the "
            "server. In federated learning the server never sees a worker's examples; it sends the model "
            "and gets trained parameters back. To learn from {worker}'s data, call "
            "`{worker}.train(model, lr=..., steps=...)`; `{worker}.num_samples` says how many examples "
            "{worker} holds. (This guard is a teaching device, not security: see VirtualWorker's docstring.)",
            worker=worker,
            attribute=attribute,
        )
    )


def _as_data(value: Any, name: str, worker: str, labels: bool = False) -> torch.Tensor:
    """A private copy of ``x`` or ``y`` as a tensor (numpy data become float32, or int64 labels)."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{worker}: {name} must be a tensor or an array of numbers ({exc})") from None
    if array.dtype.kind in "iub" and labels:
        return torch.as_tensor(array, dtype=torch.long)
    if array.dtype.kind not in "iubf":
        raise TypeError(f"{worker}: {name} must hold numbers, got dtype {array.dtype}")
    return torch.as_tensor(array, dtype=torch.get_default_dtype())


def _check_number(value: Any, name: str, *, integer: bool = False) -> None:
    if integer:
        check_count(value, name)
    else:
        check_real(value, name, low=0)


class VirtualWorker:
    """A federated-learning worker that holds a private dataset ``(x, y)`` and never hands it out.

    The server may call :meth:`train` (send a model, get new parameters back) and read
    :attr:`name` and :attr:`num_samples` (metadata, which FedAvg's weights need). Reading
    ``worker.x``, ``worker.y``, ``worker.data`` and the like raises :class:`PrivacyError`.

    **A teaching device, not security.** Python has no private memory: anyone in the same
    process can dig the tensors out (``vars(worker)``). In a real federation the data sit on
    another machine and only what the protocol sends ever crosses the network; this class
    imitates that boundary so that a lesson's code must respect it, and so that the
    :class:`~fedlearn_edu.commlog.CommunicationLog` can show what crossed it.

    ``model`` (optional) is the architecture the worker uses when it receives a bare
    ``state_dict``; without it, the worker uses the last model it received.
    """

    def __init__(
        self,
        name: str,
        x: Any,
        y: Any,
        log: CommunicationLog | None = None,
        *,
        model: nn.Module | None = None,
    ):
        x_t = _as_data(x, "x", name)
        y_t = _as_data(y, "y", name, labels=True)
        if x_t.ndim == 0 or y_t.ndim == 0 or len(x_t) != len(y_t):
            raise ValueError(
                f"{name}: x and y must hold one row per example, but x has shape {tuple(x_t.shape)} "
                f"and y has shape {tuple(y_t.shape)}"
            )
        object.__setattr__(self, "_VirtualWorker__data", (x_t, y_t))
        self.name = name
        self.num_samples = len(x_t)
        self.last_loss = math.nan  # mean minibatch loss of the last train() call (a client may report it)
        self.last_steps = 0  # how many SGD steps the last train() call took
        self.log = log
        self._template = copy.deepcopy(model) if model is not None else None

    # --- the privacy guard ----------------------------------------------------------------------
    def __getattr__(self, attribute: str) -> Any:  # only called when normal lookup fails
        if attribute in _DATA_NAMES:
            raise _refuse(self.__dict__.get("name", "this worker"), attribute)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attribute!r}")

    def __setattr__(self, attribute: str, value: Any) -> None:
        if attribute in _DATA_NAMES or attribute == "_VirtualWorker__data":
            raise _refuse(self.__dict__.get("name", "this worker"), attribute)
        object.__setattr__(self, attribute, value)

    def __repr__(self) -> str:
        return f"VirtualWorker({self.name!r}, num_samples={self.num_samples})"

    # --- what the server may ask ----------------------------------------------------------------
    def _record(self, round: int, sender: str, receiver: str, what: str, state: Mapping) -> None:
        if self.log is not None:
            self.log.record(round, sender, receiver, what, state)

    def _receive(self, model_or_state: Any, round: int) -> nn.Module:
        """Make the worker's private copy of the global model (and log the transfer)."""
        if isinstance(model_or_state, nn.Module):
            module = copy.deepcopy(model_or_state)
        elif isinstance(model_or_state, Mapping):
            if self._template is None:
                raise ValueError(
                    f"{self.name} received a state_dict but does not know the model's architecture: "
                    f"send the model itself, or create the worker with VirtualWorker(..., model=nn.Linear(2, 1))"
                )
            module = self._template  # the worker's own copy: loading overwrites every parameter and buffer
            try:
                module.load_state_dict(model_or_state)
            except RuntimeError as exc:
                raise ValueError(f"{self.name} cannot load the state_dict it received: {exc}") from None
        else:
            raise TypeError(
                f"{self.name}.train expects a torch model (nn.Module) or its state_dict, "
                f"got {type(model_or_state).__name__}"
            )
        self._record(round, SERVER, self.name, N_("global model"), module.state_dict())
        return module

    def _epochs(self, steps: int | None, epochs: int | None, batch_size: int | None) -> int:
        """How many passes over the local data one call to :meth:`train` makes."""
        if (steps is None) == (epochs is None):
            raise ValueError(
                "give exactly one of steps=k (k full-batch SGD steps, as in the article) "
                "or epochs=E (E passes over the local data, with batch_size=B)"
            )
        if steps is not None:
            _check_number(steps, "steps", integer=True)
            if batch_size is not None:
                raise ValueError(
                    "steps=k means k full-batch steps; for minibatches use epochs=E with batch_size=B"
                )
            return int(steps)  # k full-batch steps = k epochs of one full batch
        _check_number(epochs, "epochs", integer=True)
        if batch_size is not None:
            check_count(batch_size, "batch_size (or None for the whole local data)", minimum=1)
        return int(epochs)

    def train(
        self,
        model_or_state: nn.Module | Mapping[str, torch.Tensor],
        *,
        lr: float,
        steps: int | None = None,
        epochs: int | None = None,
        batch_size: int | None = None,
        loss: str = "sum_squares",
        seed: int = 0,
        round: int = 0,
        max_steps: int | None = None,
        correction: Correction | None = None,
    ) -> dict[str, torch.Tensor]:
        """Train a private copy of the global model on the local data; return its new ``state_dict``.

        Receiving the model is logged as a server -> worker transfer, returning the parameters as
        worker -> server. Plain SGD (no momentum, no weight decay): ``p -= lr * grad``.

        - ``steps=k``: k full-batch steps (the article: 10);
        - ``epochs=E, batch_size=B``: E passes over the data in minibatches of B (B=None: full
          batch). Minibatch order: ``rng = numpy.random.default_rng(seed)``, then for each epoch
          ``order = rng.permutation(num_samples)`` cut into ``order[i:i+B]`` (the last may be smaller).
        - ``loss="sum_squares"``: ``((pred - y)**2).sum()`` (the article); ``"cross_entropy"``:
          the mean cross-entropy over the batch (``y`` integer class labels).

        ``max_steps`` (a step budget) and ``correction`` (a term added to each gradient) are passed
        on to :func:`fedlearn_edu.training.local_train`, which does the training.

        The model given is not modified. ``round`` only labels the log entries. Afterwards
        ``last_loss`` holds the mean of the minibatch losses of this call (``nan`` if no step was
        taken): a number a client may report along with its update, as Flower's clients do.
        """
        _check_number(lr, "lr")
        check_count(seed, "seed")
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")
        n_epochs = self._epochs(steps, epochs, batch_size)
        x, y = self.__data
        module = self._receive(model_or_state, round)
        result = local_train(
            module, x, y, lr=lr, epochs=n_epochs, batch_size=batch_size, loss=loss, seed=seed,
            max_steps=max_steps, correction=correction, who=self.name,
        )  # fmt: skip
        # a copy, so that the module can be reused for the next round without changing what was sent
        state = {name: value.detach().clone() for name, value in module.state_dict().items()}
        self._template = module
        self.last_loss, self.last_steps = result.loss, result.steps
        self._record(round, self.name, SERVER, N_("trained model"), state)
        return state

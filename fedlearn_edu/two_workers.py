"""The article's experiment: bob and alice train ``nn.Linear(2, 1)`` together, exactly as in section 5.

- bob's data:   x = [[1, 1], [0, 1]],  y = [1, 1]
- alice's data: x = [[0, 0], [0, 1]],  y = [0, 1]
- each round: both workers start from the global model, take ``local_steps`` plain SGD steps
  (lr 0.1) on the loss sum (pred - y)^2, and the server averages weights and bias, 1/2 each.

Why it is a good first example: a model ``w1*x1 + w2*x2 + b`` fits bob's data exactly whenever
``w1 = 0`` and ``w2 + b = 1`` (a whole line of solutions), and alice's whenever ``b = 0`` and
``w2 = 1`` (another line). Alone, neither can find the one model that fits everyone:
``w = [0, 1], b = 0``, where the two lines cross. Together they can.

>>> history = train_two_workers(article_model(seed=0), rounds=10, local_steps=10, lr=0.1)
>>> print(history)
10 rounds x 10 local steps, lr 0.1, equal weights: pooled loss 4.691 -> 6.864e-06; w = [0.0019, 0.9973], b = 0.0021
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from fedlearn_edu._validation import check_count, check_real
from fedlearn_edu.aggregate import fedavg, federated_mean
from fedlearn_edu.commlog import CommunicationLog
from fedlearn_edu.data import bob_alice
from fedlearn_edu.i18n import N_, t
from fedlearn_edu.workers import VirtualWorker

__all__ = [
    "ARTICLE_DATA",
    "TwoWorkerHistory",
    "article_data",
    "article_model",
    "article_workers",
    "flat_params",
    "pooled_loss",
    "train_two_workers",
]

# The article's data (section 5), kept once in fedlearn_edu.data: inputs x, targets y (one column).
ARTICLE_DATA = {who: (x.tolist(), y.tolist()) for who, (x, y) in bob_alice().items()}
WEIGHTING_NAMES = {
    "equal": N_("equal weights"),
    "samples": N_("sample-size weights"),
}  # translated where shown
WEIGHTINGS = tuple(WEIGHTING_NAMES)


def article_data(who: str = "pooled", bob_copies: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x, y)`` of ``"bob"``, ``"alice"`` or both (``"pooled"``: bob's rows, then alice's).

    ``bob_copies=k`` repeats bob's two examples k times (bob with more data of the same kind).

    >>> x, y = article_data("pooled")
    >>> x.tolist(), y.flatten().tolist()
    ([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0], [0.0, 1.0]], [1.0, 1.0, 0.0, 1.0])
    """
    if who not in ("bob", "alice", "pooled"):
        raise ValueError(f"who must be 'bob', 'alice' or 'pooled'; got {who!r}")
    if isinstance(bob_copies, bool) or not isinstance(bob_copies, int) or bob_copies < 1:
        raise ValueError(f"bob_copies must be a whole number, 1 or more; got {bob_copies!r}")
    parts = {
        "bob": [ARTICLE_DATA["bob"]] * bob_copies,
        "alice": [ARTICLE_DATA["alice"]],
    }
    chosen = parts["bob"] + parts["alice"] if who == "pooled" else parts[who]
    x = torch.tensor([row for data in chosen for row in data[0]])
    y = torch.tensor([row for data in chosen for row in data[1]])
    return x, y


def article_model(seed: int = 0) -> nn.Linear:
    """The article's model, ``nn.Linear(2, 1)``, initialised by PyTorch's default rule from ``seed``.

    The global random state is left as it was.

    >>> article_model(seed=0).weight.shape
    torch.Size([1, 2])
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Linear(2, 1)


def article_workers(
    log: CommunicationLog | None = None, bob_copies: int = 1
) -> tuple[VirtualWorker, VirtualWorker]:
    """bob and alice, each holding the article's data, both writing to ``log``."""
    bob = VirtualWorker("bob", *article_data("bob", bob_copies), log=log, model=nn.Linear(2, 1))
    alice = VirtualWorker("alice", *article_data("alice"), log=log, model=nn.Linear(2, 1))
    return bob, alice


def _module(model_or_state: nn.Module | Mapping[str, torch.Tensor]) -> nn.Module:
    if isinstance(model_or_state, nn.Module):
        return model_or_state
    model = nn.Linear(2, 1)
    model.load_state_dict(model_or_state)
    return model


def pooled_loss(model_or_state: nn.Module | Mapping[str, torch.Tensor], bob_copies: int = 1) -> float:
    """The article's loss, sum (pred - y)^2, on bob's and alice's data together.

    This is the lesson's measurement, made by us who wrote the data down, not by the server:
    in the federation nobody holds the pooled data.

    >>> pooled_loss({"weight": torch.tensor([[0.0, 1.0]]), "bias": torch.tensor([0.0])})
    0.0
    """
    x, y = article_data("pooled", bob_copies)
    with torch.no_grad():  # squared in float64, so a diverging model gives a big number, not inf
        return float(((_module(model_or_state)(x).double() - y.double()) ** 2).sum())


def flat_params(model_or_state: nn.Module | Mapping[str, torch.Tensor]) -> np.ndarray:
    """All parameters in one vector, in ``state_dict`` order: ``[w1, w2, b]`` for the article's model.

    >>> flat_params({"weight": torch.tensor([[0.5, 1.0]]), "bias": torch.tensor([0.25])}).tolist()
    [0.5, 1.0, 0.25]
    """
    state = model_or_state.state_dict() if isinstance(model_or_state, nn.Module) else model_or_state
    return np.concatenate([t.detach().double().numpy().ravel() for t in state.values()])


def _copy_state(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {key: value.detach().clone() for key, value in state.items()}


def _finite(state: Mapping[str, torch.Tensor]) -> bool:
    return all(bool(torch.isfinite(t).all()) for t in state.values())


@dataclass
class TwoWorkerHistory:
    """What :func:`train_two_workers` saw, round by round.

    - ``global_params[r]``: the global ``state_dict`` after round r (``[0]`` is the model you gave);
    - ``worker_params[name][r - 1]``: that worker's ``state_dict`` after its local training in round r;
    - ``pooled_loss[r]``: the global model's loss on the pooled data after round r (``[0]``: before);
    - ``model``: the final global model (a new module; the one you gave is untouched);
    - ``log``: every transfer; ``settings``: the arguments of the run;
    - ``diverged_in``: the round in which a worker's parameters became inf or NaN (the run
      stopped there and that round was not averaged), or ``None``.
    """

    global_params: list[dict[str, torch.Tensor]]
    worker_params: dict[str, list[dict[str, torch.Tensor]]]
    pooled_loss: list[float]
    model: nn.Module
    log: CommunicationLog
    settings: dict[str, Any] = field(default_factory=dict)
    diverged_in: int | None = None

    @property
    def rounds_done(self) -> int:
        """How many rounds were completed (fewer than asked if training diverged)."""
        return len(self.global_params) - 1

    @property
    def diverging(self) -> bool:
        """True if training blew up: a worker's parameters became inf/NaN, or the loss grew."""
        return self.diverged_in is not None or self.pooled_loss[-1] > self.pooled_loss[0]

    def trajectory(self, who: str = "global") -> np.ndarray:
        """One row of parameters ``[w1, w2, b]`` per round: ``"global"`` (from round 0) or a worker."""
        states = self.global_params if who == "global" else self.worker_params.get(who)
        if states is None:
            raise ValueError(f"who must be 'global' or one of {sorted(self.worker_params)}; got {who!r}")
        if not states:
            return np.empty((0, len(flat_params(self.global_params[0]))))
        return np.stack([flat_params(s) for s in states])

    def drift(self) -> np.ndarray:
        """Client drift per round: the distance between bob's and alice's models after local training."""
        names = list(self.worker_params)
        return np.linalg.norm(self.trajectory(names[0]) - self.trajectory(names[1]), axis=1)

    def __str__(self) -> str:
        s = self.settings
        weighting = s.get("weighting")
        settings = {
            "rounds": s.get("rounds"),
            "steps": s.get("local_steps"),
            "lr": s.get("lr"),
            "weighting": t(WEIGHTING_NAMES[weighting]) if weighting in WEIGHTING_NAMES else weighting,
        }
        if s.get("bob_copies", 1) != 1:
            head = t(
                "{rounds} rounds x {steps} local steps, lr {lr}, {weighting}, bob's data x{copies}",
                copies=s["bob_copies"],
                **settings,
            )
        else:
            head = t("{rounds} rounds x {steps} local steps, lr {lr}, {weighting}", **settings)
        w1, w2, b = flat_params(self.global_params[-1])[:3]
        loss = {"head": head, "start": self.pooled_loss[0], "end": self.pooled_loss[-1]}
        if self.diverged_in is not None:
            return t(
                "{head}: DIVERGED in round {round} (lr too large); pooled loss {start:.4g} -> {end:.4g} before that",
                round=self.diverged_in,
                **loss,
            )
        if self.diverging:
            return t("{head}: pooled loss {start:.4g} -> {end:.4g}, growing (lr too large)", **loss)
        return t(
            "{head}: pooled loss {start:.4g} -> {end:.4g}; w = [{w1:.4f}, {w2:.4f}], b = {b:.4f}",
            w1=w1,
            w2=w2,
            b=b,
            **loss,
        ).replace("-0.0000", "0.0000")

    __repr__ = __str__


def train_two_workers(
    model: nn.Module,
    rounds: int = 10,
    local_steps: int = 10,
    lr: float = 0.1,
    *,
    weighting: str = "equal",
    bob_copies: int = 1,
    log: CommunicationLog | None = None,
) -> TwoWorkerHistory:
    """The article's loop: ``rounds`` times, bob and alice train from the global model, the server averages.

    ``weighting="equal"`` is the article's (1/2, 1/2); ``"samples"`` is McMahan's n_k / n.
    ``bob_copies=k`` gives bob k copies of his data (so the two weightings differ). Starts from
    ``model`` without modifying it; records every transfer in ``log`` (a new log if none given).
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be 'equal' (the article) or 'samples' (McMahan); got {weighting!r}")
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"model must be the starting model, a torch nn.Module such as article_model(seed=0); "
            f"got {type(model).__name__}"
        )
    rounds = check_count(rounds, "rounds")
    local_steps = check_count(local_steps, "local_steps")
    lr = check_real(lr, "lr", low=0)
    log = CommunicationLog() if log is None else log
    workers = article_workers(log, bob_copies)
    global_model = copy.deepcopy(model)
    history = TwoWorkerHistory(
        global_params=[_copy_state(global_model.state_dict())],
        worker_params={w.name: [] for w in workers},
        pooled_loss=[pooled_loss(global_model, bob_copies)],
        model=global_model,
        log=log,
        settings={
            "rounds": rounds,
            "local_steps": local_steps,
            "lr": lr,
            "weighting": weighting,
            "bob_copies": bob_copies,
        },
    )
    for r in range(1, rounds + 1):
        trained = [w.train(global_model, lr=lr, steps=local_steps, round=r) for w in workers]
        if not all(_finite(state) for state in trained):
            history.diverged_in = r
            break
        for w, state in zip(workers, trained, strict=True):
            history.worker_params[w.name].append(state)
        if weighting == "equal":
            new_state = federated_mean(trained)
        else:
            new_state = fedavg(trained, num_samples=[w.num_samples for w in workers])
        global_model.load_state_dict(new_state)
        history.global_params.append(_copy_state(new_state))
        history.pooled_loss.append(pooled_loss(global_model, bob_copies))
    return history

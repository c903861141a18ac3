"""The algorithm interface: what every federated algorithm in the kit says, round by round.

An engine (:mod:`fedlearn_edu.simulation`) runs rounds; an :class:`Algorithm` decides what happens
in them. Per round ``r`` the engine samples clients, then asks the algorithm three things:

1. **configure** -- ``configure(r, weights, server_state, clients, plan)``: for each client id the
   server talks to, the :class:`Message` it sends: the global weights, a :class:`TrainPlan` (epochs,
   batch size, learning rate, a step budget, a proximal ``mu``, a gradient offset) and any extras
   (tensors in ``extras`` are counted as communication). It may leave clients out (DP's Poisson
   sampling does).
2. **client update** -- the client trains with :func:`fedlearn_edu.training.local_train` as its plan
   says. Two optional hooks run *on the client*, with that client's own state (kept between rounds,
   e.g. SCAFFOLD's control variate): ``local_plan`` (adjust the plan before training) and
   ``client_reply`` (change or extend the :class:`Reply` after training). A client's state starts
   as ``{"num_samples": n_k}`` (a client knows how many examples it holds). Engines call the
   hooks for all of a round's clients at once (``local_plans``, ``client_replies``); by default
   these call the one-client hooks client by client, and an algorithm may override them to do
   the same arithmetic on stacked tensors (SCAFFOLD does, for speed).
3. **server update** -- ``aggregate(r, weights, server_state, replies)``: with the round number, the
   current global weights, the algorithm's own server state and the replies **keyed by client id**
   (:class:`Replies`), return the next global weights and server state.

``server_state`` is a dict the algorithm owns (optimiser moments, a random generator, ...), created
by ``init``. Engines only decide *how* the selected clients train (one by one, or batched).

A student's algorithm -- FedAvg with a server learning rate -- fits in a few lines:

>>> import torch
>>> from fedlearn_edu.algorithms import Algorithm, FedAvg
>>> class ServerLR(Algorithm):
...     name = "fedavg_server_lr"
...     def __init__(self, server_lr=1.0):
...         self.server_lr = server_lr
...     def aggregate(self, round, weights, server_state, replies):
...         mean, _ = FedAvg().aggregate(round, weights, server_state, replies)
...         new = {k: w + self.server_lr * (mean[k] - w) for k, w in weights.items()}
...         return new, server_state
>>> replies = Replies.from_list([0, 3], [Reply({"w": torch.tensor([2.0])}, 1, 0.0, 1),
...                                      Reply({"w": torch.tensor([4.0])}, 3, 0.0, 1)])
>>> ServerLR(0.5).aggregate(1, {"w": torch.tensor([0.0])}, {}, replies)[0]
{'w': tensor([1.7500])}
>>> sorted(replies), replies[3].num_samples
([0, 3], 3)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch is imported only when tensors are handled: the interface itself is plain Python
    import torch

__all__ = ["Algorithm", "Message", "Replies", "Reply", "StackedRow", "TrainPlan", "count_values"]

Weights = dict[str, "torch.Tensor"]


@dataclass(frozen=True)
class TrainPlan:
    """How a client trains this round (see :func:`fedlearn_edu.training.local_train`).

    ``max_steps``: a step budget (a straggler's partial work; ``None``: no limit). ``prox_mu``:
    FedProx's proximal term ``mu * (w - w_received)`` added to each gradient. ``grad_offset``: a
    constant added to each gradient, per parameter name (SCAFFOLD's ``c - c_i``).
    """

    epochs: int
    batch_size: int | None
    lr: float
    max_steps: int | None = None
    prox_mu: float = 0.0
    grad_offset: Mapping[str, torch.Tensor] | None = None

    @property
    def plain(self) -> bool:
        """True if this is plain SGD: no step budget and no correction term."""
        return self.max_steps is None and not self.prox_mu and self.grad_offset is None

    def with_(self, **changes: Any) -> TrainPlan:
        """A copy with some fields changed: ``plan.with_(max_steps=3)``."""
        return replace(self, **changes)


@dataclass
class Message:
    """What the server sends one client: the weights to start from, how to train, and extras."""

    weights: Weights
    plan: TrainPlan
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reply:
    """What a client sends back: its new weights, its number of examples, its mean training loss,
    how many steps it took, and extras (e.g. its control-variate update)."""

    weights: Weights
    num_samples: int
    loss: float
    steps: int
    extras: dict[str, Any] = field(default_factory=dict)


class StackedRow(Mapping):
    """Client ``row``'s tensors out of ``{name: tensor stacked over clients}``: a read-only dict
    ``{name: stacked[name][row]}`` made without copying. A batched ``local_plans`` can hand each
    client its ``grad_offset`` this way; the fast engine then uses the stacked tensors directly.

    >>> import torch
    >>> StackedRow({"w": torch.tensor([[1.0, 2.0], [3.0, 4.0]])}, 1)["w"]
    tensor([3., 4.])
    """

    def __init__(self, stacked: Mapping[str, Any], row: int):
        self.stacked, self.row = stacked, row

    def __getitem__(self, name: str) -> Any:
        return self.stacked[name][self.row]

    def __iter__(self) -> Iterator[str]:
        return iter(self.stacked)

    def __len__(self) -> int:
        return len(self.stacked)


def count_values(weights: Mapping[str, Any], extras: Mapping[str, Any] | None = None) -> int:
    """How many numbers a message or reply carries: every tensor in ``weights`` and in ``extras``.

    >>> import torch
    >>> count_values({"w": torch.zeros(2, 3)}, {"c": {"w": torch.zeros(2, 3)}, "note": "hi"})
    12
    """

    def size(value: Any) -> int:
        if hasattr(value, "numel"):  # a torch tensor
            return int(value.numel())
        if hasattr(value, "size") and hasattr(value, "dtype"):  # a numpy array
            return int(value.size)
        if isinstance(value, Mapping):
            return sum(size(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return sum(size(v) for v in value)
        return 0

    return size(weights) + size(extras or {})


class Replies(Mapping):
    """The round's replies, keyed by client id (sorted), with cheap views for aggregation rules.

    Engines build it either from a list of :class:`Reply` (one per client) or, for the fast engine,
    from weights stacked along a first client axis (``stacked()`` then costs nothing).
    """

    def __init__(self, ids: Sequence[int], replies: Sequence[Reply] | None = None, *, stacked=None,
                 num_samples=None, losses=None, steps=None, stacked_extras=None):  # fmt: skip
        self.ids = [int(k) for k in ids]
        self._replies = list(replies) if replies is not None else None
        self._stacked = stacked
        self._stacked_extras = dict(stacked_extras or {})  # {key: {name: tensor stacked over clients}}
        if replies is not None:
            num_samples = [r.num_samples for r in self._replies]
            losses = [r.loss for r in self._replies]
            steps = [r.steps for r in self._replies]
        self._num_samples, self._losses, self._steps = list(num_samples), list(losses), list(steps)
        self._position = {k: i for i, k in enumerate(self.ids)}

    @classmethod
    def from_list(cls, ids: Sequence[int], replies: Sequence[Reply]) -> Replies:
        return cls(ids, replies)

    def __getitem__(self, client: int) -> Reply:
        i = self._position[client]
        if self._replies is not None:
            return self._replies[i]
        weights = {name: value[i] for name, value in self._stacked.items()}
        extras = {
            key: {name: v[i] for name, v in value.items()} for key, value in self._stacked_extras.items()
        }
        return Reply(weights, self._num_samples[i], self._losses[i], self._steps[i], extras)

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def num_samples(self) -> list[int]:
        """Each client's number of examples, in id order."""
        return list(self._num_samples)

    def losses(self) -> list[float]:
        return list(self._losses)

    def steps(self) -> list[int]:
        return list(self._steps)

    def models(self) -> list[Weights]:
        """Each client's weights, in id order (what the rules of :mod:`fedlearn_edu.aggregate` take)."""
        return [self[k].weights for k in self.ids]

    def stacked(self) -> dict[str, torch.Tensor]:
        """Every parameter stacked over clients, in id order: ``stacked()[name][i]``."""
        if self._stacked is None:
            import torch

            models = self.models()
            self._stacked = {name: torch.stack([m[name] for m in models]) for name in models[0]}
        return self._stacked

    def stacked_extra(self, key: str) -> dict[str, torch.Tensor]:
        """The extra ``key`` (a dict of tensors) of every client, stacked in id order."""
        if key not in self._stacked_extras:
            import torch

            values = [self[k].extras[key] for k in self.ids]
            self._stacked_extras[key] = {name: torch.stack([v[name] for v in values]) for name in values[0]}
        return self._stacked_extras[key]

    @property
    def has_extras(self) -> bool:
        if self._replies is None:
            return bool(self._stacked_extras)
        return any(r.extras for r in self._replies)

    def values_sent(self) -> int:
        """How many numbers the clients sent: all weights and tensor extras (see :func:`count_values`)."""
        if self._replies is None:
            return count_values(self._stacked, self._stacked_extras)
        return sum(count_values(r.weights, r.extras) for r in self._replies)


class Algorithm:
    """The base class: FedAvg's client side, and no server update (subclasses write ``aggregate``).

    Override only what your algorithm changes (see the module docstring for the round).
    """

    name = "algorithm"

    def init(self, weights: Weights, *, seed: int, n_clients: int) -> dict[str, Any]:
        """The server's own state at the start of a run (default: nothing). ``seed`` is the run's,
        ``n_clients`` the number K of clients in the federation."""
        return {}

    def configure(
        self, round: int, weights: Weights, server_state: dict, clients: Sequence[int], plan: TrainPlan
    ) -> dict[int, Message]:
        """The message for each client the server talks to (default: the same one for all)."""
        return dict.fromkeys(clients, Message(weights, plan))

    def local_plan(self, client: int, message: Message, client_state: dict) -> TrainPlan:
        """On the client, before training: the plan it follows (default: the one it was sent)."""
        return message.plan

    def client_reply(self, client: int, message: Message, reply: Reply, client_state: dict) -> Reply:
        """On the client, after training: what it sends back; it may update ``client_state`` in place."""
        return reply

    def local_plans(
        self, clients: Sequence[int], messages: Mapping[int, Message], client_states: Mapping[int, dict]
    ) -> dict[int, TrainPlan]:
        """``local_plan`` for each of ``clients`` (what engines call; override to batch)."""
        return {k: self.local_plan(k, messages[k], client_states[k]) for k in clients}

    def client_replies(
        self, clients: Sequence[int], messages: Mapping[int, Message], replies: Replies,
        client_states: Mapping[int, dict],
    ) -> Replies:  # fmt: skip
        """``client_reply`` for each of ``clients`` (what engines call; override to batch)."""
        return Replies.from_list(
            clients, [self.client_reply(k, messages[k], replies[k], client_states[k]) for k in clients]
        )

    def aggregate(
        self, round: int, weights: Weights, server_state: dict, replies: Replies
    ) -> tuple[Weights, dict]:
        """The server update: the next global weights and server state."""
        raise NotImplementedError(f"{type(self).__name__} must define aggregate()")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

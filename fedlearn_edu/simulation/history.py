"""What a FedAvg run leaves behind: one :class:`History` per run."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fedlearn_edu.i18n import t

__all__ = ["History", "client_stats"]


@dataclass(eq=False)
class History:
    """Everything measured during one run of :func:`~fedlearn_edu.simulation.run_fedavg`.

    Lists indexed by round hold the *initial* model at index 0, then round 1, 2, ...:

    - ``test_accuracy[r]``, ``test_loss[r]`` -- the global model after round ``r`` on the test set;

    lists about what happened *during* a round start at round 1 (index 0 is round 1):

    - ``sampled[r-1]`` -- the clients the server sent the model to in round ``r`` (sorted ids; a client
      with no data among them sends nothing back);
    - ``client_loss[r-1]`` -- ``{client id: mean loss over its local minibatches}``;
    - ``values_down[r-1]``, ``values_up[r-1]`` -- numbers sent server -> clients and clients -> server;
    - ``seconds[r-1]`` -- wall-clock time of the round (for benchmarks; it varies from run to run).

    ``final_state`` is the global model's ``state_dict`` at the end; ``config`` the run's settings;
    ``server_state`` the algorithm's own server state at the end (e.g. DP's participants).

    **Per-client evaluation** (only when the run was given ``client_test``): the global model after
    round ``client_rounds[i]`` scored on each client's own held-out data --
    ``client_accuracy[i][k]``, ``client_test_loss[i][k]`` for client ``k`` (``nan`` for a client
    with no held-out data). :meth:`client_stats` sums such a distribution up (mean, worst 10 %,
    spread).
    """

    config: dict[str, Any]
    test_accuracy: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    sampled: list[np.ndarray] = field(default_factory=list)
    client_loss: list[dict[int, float]] = field(default_factory=list)
    values_down: list[int] = field(default_factory=list)
    values_up: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    final_state: dict[str, Any] = field(default_factory=dict)
    server_state: dict[str, Any] = field(default_factory=dict, repr=False)
    client_rounds: list[int] = field(default_factory=list)
    client_accuracy: list[np.ndarray] = field(default_factory=list, repr=False)
    client_test_loss: list[np.ndarray] = field(default_factory=list, repr=False)

    @property
    def rounds(self) -> int:
        """How many rounds were run."""
        return len(self.sampled)

    @property
    def final_accuracy(self) -> float:
        """Test accuracy of the final global model."""
        return self.test_accuracy[-1]

    def rounds_to(self, target: float) -> int | None:
        """The first round after which test accuracy reached ``target`` (``None``: never).

        >>> History({}, test_accuracy=[0.1, 0.5, 0.92, 0.95]).rounds_to(0.9)
        2
        """
        for r, accuracy in enumerate(self.test_accuracy):
            if accuracy >= target:
                return r
        return None

    def client_stats(self, round: int | None = None, metric: str = "accuracy") -> dict[str, float]:
        """The per-client distribution after ``round`` (default: the last evaluated round).

        ``metric``: ``"accuracy"`` or ``"loss"``. Returns ``mean``, ``worst10`` (the mean of the
        worst 10 % of clients -- the lowest accuracies or highest losses -- at least one client),
        ``std``, ``iqr`` (75th minus 25th percentile), ``min``, ``max`` and ``n_clients``, over
        the clients that hold held-out data (see :func:`client_stats`).

        >>> h = History({}, client_rounds=[5], client_accuracy=[np.array([1.0, 0.5, 0.9, np.nan])])
        >>> h.client_stats()["worst10"], round(h.client_stats()["mean"], 3)
        (0.5, 0.8)
        """
        if not self.client_rounds:
            raise ValueError(
                "this run has no per-client evaluation: pass client_test= (see data.split_clients) to simulate"
            )
        if metric not in ("accuracy", "loss"):
            raise ValueError(f"metric must be 'accuracy' or 'loss'; got {metric!r}")
        at = self.client_rounds[-1] if round is None else round
        if at not in self.client_rounds:
            raise ValueError(f"round {at!r} was not evaluated per client; these were: {self.client_rounds}")
        values = (self.client_accuracy if metric == "accuracy" else self.client_test_loss)[
            self.client_rounds.index(at)
        ]
        return client_stats(values, higher_is_better=metric == "accuracy")

    def label(self) -> str:
        """A short label for plots, e.g. ``"E=5, B=10"`` (or ``config["label"]`` if set)."""
        if "label" in self.config:
            return str(self.config["label"])
        b = self.config.get("B")
        return f"E={self.config.get('E')}, B={'∞' if b is None else b}"

    def __repr__(self) -> str:
        accuracy = self.final_accuracy if self.test_accuracy else math.nan
        run = {"engine": self.config.get("engine", "?"), "rounds": self.rounds}
        if math.isnan(accuracy) and self.test_loss:
            return t(
                "<History: {engine} engine, {rounds} rounds, final test loss {loss:.4g}>",
                loss=self.test_loss[-1],
                **run,
            )
        return t(
            "<History: {engine} engine, {rounds} rounds, final test accuracy {accuracy:.3f}>",
            accuracy=accuracy,
            **run,
        )


def client_stats(values: Any, *, higher_is_better: bool = True) -> dict[str, float]:
    """Mean, worst 10 %, spread of per-client numbers (``nan`` -- clients without data -- left out).

    ``worst10`` is the mean over the ``ceil(n / 10)`` worst clients (lowest values if
    ``higher_is_better``, else highest).

    >>> stats = client_stats([0.9, 0.8, 1.0, 0.3, 0.95, 0.85, 0.9, 0.7, 0.75, 0.8, 0.6])
    >>> stats["worst10"], stats["n_clients"]
    (0.45, 11)
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    if values.size == 0:
        nan = math.nan
        return {"mean": nan, "worst10": nan, "std": nan, "iqr": nan, "min": nan, "max": nan, "n_clients": 0}
    ordered = np.sort(values) if higher_is_better else -np.sort(-values)
    n_worst = math.ceil(values.size / 10)
    q75, q25 = np.percentile(values, [75, 25])
    return {
        "mean": float(values.mean()),
        "worst10": float(ordered[:n_worst].mean()),
        "std": float(values.std()),
        "iqr": float(q75 - q25),
        "min": float(values.min()),
        "max": float(values.max()),
        "n_clients": int(values.size),
    }

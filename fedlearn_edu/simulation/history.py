"""What a FedAvg run leaves behind: one :class:`History` per run."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["History"]


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

    def label(self) -> str:
        """A short label for plots, e.g. ``"E=5, B=10"`` (or ``config["label"]`` if set)."""
        if "label" in self.config:
            return str(self.config["label"])
        b = self.config.get("B")
        return f"E={self.config.get('E')}, B={'∞' if b is None else b}"

    def __repr__(self) -> str:
        accuracy = self.final_accuracy if self.test_accuracy else math.nan
        what = (
            f"final test loss {self.test_loss[-1]:.4g}"
            if math.isnan(accuracy) and self.test_loss
            else f"final test accuracy {accuracy:.3f}"
        )
        return f"<History: {self.config.get('engine', '?')} engine, {self.rounds} rounds, {what}>"

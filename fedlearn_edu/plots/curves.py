"""Figures of FedAvg runs: test accuracy (or loss) per round for several runs on one axes, and the
rounds each run needed to reach a target accuracy.

Both take :class:`~fedlearn_edu.simulation.History` objects (anything with ``test_accuracy``,
``test_loss``, ``rounds_to`` and ``label()``), and a label per run or the runs' own labels.

>>> from fedlearn_edu.simulation.history import History
>>> runs = [History({"E": 1, "B": 10}, test_accuracy=[0.1, 0.6, 0.9]),
...         History({"E": 5, "B": 10}, test_accuracy=[0.1, 0.9, 0.95])]
>>> plot_rounds_to_target(runs, 0.9).get_title()
'Rounds to reach 90% test accuracy: E=5, B=10 is fastest (1)'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from fedlearn_edu.i18n import t
from fedlearn_edu.plots import OKABE_ITO, SIZES, WIDTHS, style

__all__ = ["curves_title", "plot_curves", "plot_rounds_to_target"]

# Okabe-Ito without the yellow (too pale on white for thin lines); black first.
LINE_COLOURS = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
LINE_STYLES = ["-", "--", "-.", ":"]


def _labels(histories: Sequence[Any], labels: Sequence[str] | None) -> list[str]:
    if labels is None:
        return [h.label() for h in histories]
    if len(labels) != len(histories):
        raise ValueError(f"{len(labels)} labels for {len(histories)} runs: give one label per run")
    return list(labels)


def curves_title(histories: Sequence[Any], labels: Sequence[str]) -> str:
    """A title that states the finding: which run ends with the best test accuracy."""
    finals = [h.test_accuracy[-1] for h in histories]
    best = int(np.nanargmax(finals))
    return t("Best final test accuracy: {label} ({accuracy:.1%})", label=labels[best], accuracy=finals[best])


def plot_curves(
    histories: Sequence[Any],
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
    *,
    metric: str = "accuracy",
    target: float | None = None,
    title: str | None = None,
) -> Axes:
    """Test accuracy (in %) or test loss per round, one line per run; ``target`` draws a dashed line."""
    if metric not in ("accuracy", "loss"):
        raise ValueError(f"metric must be 'accuracy' or 'loss'; got {metric!r}")
    labels = _labels(histories, labels)
    with style():
        if ax is None:
            ax = plt.subplots()[1]
        for i, (history, label) in enumerate(zip(histories, labels, strict=True)):
            values = np.asarray(history.test_accuracy if metric == "accuracy" else history.test_loss, float)
            values = 100 * values if metric == "accuracy" else values
            colour, dash = LINE_COLOURS[i % len(LINE_COLOURS)], LINE_STYLES[(i // len(LINE_COLOURS)) % 4]
            ax.plot(np.arange(len(values)), values, dash, color=colour, label=label, lw=WIDTHS["data"])
        if target is not None and metric == "accuracy":
            ax.axhline(
                100 * target,
                color="#777777",
                ls="--",
                lw=WIDTHS["reference"],
                label=t("target {target:.0%}", target=target),
            )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(t("round"))
        ax.set_ylabel(t("test accuracy (%)") if metric == "accuracy" else t("test loss (cross-entropy)"))
        if metric == "loss":
            ax.set_yscale("log")
        default = curves_title(histories, labels) if metric == "accuracy" else t("Test loss per round")
        ax.set_title(default if title is None else title)
        ax.legend(loc="lower right" if metric == "accuracy" else "upper right")
    return ax


def plot_rounds_to_target(
    histories: Sequence[Any],
    target: float,
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Axes:
    """One bar per run: the rounds it took to reach ``target`` test accuracy (hatched: not reached)."""
    labels = _labels(histories, labels)
    reached = [h.rounds_to(target) for h in histories]
    ran = [len(h.test_accuracy) - 1 for h in histories]
    with style():
        if ax is None:
            ax = plt.subplots(figsize=(7.0, 0.5 * len(histories) + 1.6), layout="constrained")[1]
        y = np.arange(len(histories))
        for i, (r, total) in enumerate(zip(reached, ran, strict=True)):
            colour = OKABE_ITO[4]
            if r is None:
                ax.barh(i, total, color="white", edgecolor=colour, hatch="//", height=0.6)
                ax.text(
                    total,
                    i,
                    t("not reached in {rounds}", rounds=total) + " ",
                    va="center",
                    ha="right",
                    fontsize=SIZES["note"],
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
                )
            else:
                ax.barh(i, r, color=colour, height=0.6)
                ax.text(r, i, f" {r}", va="center", fontsize=SIZES["note"])
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlabel(t("rounds to reach {target:.0%} test accuracy", target=target))
        ax.set_xlim(0, 1.12 * max([*ran, 1]))
        ax.grid(axis="y", visible=False)
        done = [(r, lab) for r, lab in zip(reached, labels, strict=True) if r is not None]
        default = (
            t(
                "Rounds to reach {target:.0%} test accuracy: {label} is fastest ({rounds})",
                target=target,
                label=min(done)[1],
                rounds=min(done)[0],
            )
            if done
            else t("No run reached {target:.0%} test accuracy", target=target)
        )
        ax.set_title(default if title is None else title)
    return ax

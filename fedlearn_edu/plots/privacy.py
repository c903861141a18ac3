"""Figures for lesson 06: what a gradient gives away, and what differential privacy costs.

>>> import numpy as np
>>> fig = plot_reconstruction(np.zeros(64), {0: np.ones(64), 10: np.zeros(64)}, title="t")
>>> len(fig.axes)
3
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullFormatter, ScalarFormatter

from fedlearn_edu.i18n import t
from fedlearn_edu.plots import COLOURS, OKABE_ITO, SIZES, WIDTHS, style

__all__ = [
    "plot_accuracy_vs_epsilon",
    "plot_defence_errors",
    "plot_dp_runs",
    "plot_masked_update",
    "plot_reconstruction",
]


def _image(ax: Axes, pixels: np.ndarray, label: str) -> None:
    ax.imshow(np.asarray(pixels, dtype=float).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(label, fontsize=SIZES["text"])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def plot_reconstruction(
    original: np.ndarray, snapshots: Mapping[int, np.ndarray], *, title: str, errors: bool = True
) -> Figure:
    """The client's image, then the attacker's guess after each number of iterations (8x8, ink dark)."""
    with style():
        n = len(snapshots) + 1
        fig, axes = plt.subplots(1, n, figsize=(1.6 * n, 2.4), layout="constrained")
        _image(axes[0], original, t("the client's\nimage"))
        for ax, (step, guess) in zip(axes[1:], sorted(snapshots.items()), strict=True):
            mse = float(np.mean((np.ravel(guess) - np.ravel(original)) ** 2))
            label = (
                t("iteration {step}\nerror {error:.3f}", step=step, error=mse)
                if errors
                else t("iteration {step}", step=step)
            )
            _image(ax, guess, label)
        for i, ax in enumerate(axes):  # a frame round every image; a thick one round the original
            for spine in ax.spines.values():
                spine.set_visible(True)
                spine.set_color(COLOURS["global"] if i == 0 else COLOURS["client"])
                spine.set_linewidth(WIDTHS["data"] if i == 0 else WIDTHS["thin"])
        fig.suptitle(title)
    return fig


def plot_defence_errors(
    panels: Mapping[str, tuple[Sequence[float], Sequence[Sequence[float]]]],
    *,
    baseline: float,
    title: str,
) -> Figure:
    """One panel per defence: x = its strength, y = reconstruction error (mean and each trial).

    ``panels[name] = (x values, errors per x value)``; ``baseline`` is the error of guessing the
    average digit: above it, the attacker learned nothing about the image.
    """
    with style():
        fig, axes = plt.subplots(1, len(panels), figsize=(4.0 * len(panels), 3.6), sharey=True)
        for ax, (name, (xs, errs)), colour in zip(
            np.atleast_1d(axes), panels.items(), OKABE_ITO[4:], strict=False
        ):
            errs = [np.asarray(e, dtype=float) for e in errs]
            positions = np.arange(len(xs))
            for i, e in enumerate(errs):
                ax.scatter(np.full(len(e), i), e, s=14, color=colour, alpha=0.45, zorder=2)
            ax.plot(
                positions, [e.mean() for e in errs], "o-", color=colour, zorder=3, label=t("mean of trials")
            )
            ax.axhline(
                baseline,
                color=COLOURS["client"],
                ls="--",
                lw=WIDTHS["reference"],
                label=t("guess: the average digit"),
            )
            ax.set_xticks(positions, [str(x) for x in xs])
            ax.set_xlabel(name)
        first = np.atleast_1d(axes)[0]
        first.set_ylabel(t("reconstruction error\n(mean squared, pixels in [0, 1])"))
        first.legend(loc="upper left")
        fig.suptitle(title)
        fig.tight_layout()
    return fig


def plot_dp_runs(histories: Sequence, *, title: str, ax: Axes | None = None) -> Axes:
    """Test accuracy per round of several DP-FedAvg runs (their labels give sigma and epsilon)."""
    with style():
        if ax is None:
            _, ax = plt.subplots()
        for history, colour in zip(histories, [COLOURS["global"], *OKABE_ITO], strict=False):
            ax.plot(
                np.arange(len(history.test_accuracy)),
                history.test_accuracy,
                color=colour,
                label=history.label(),
            )
        ax.set_xlabel(t("round"))
        ax.set_ylabel(t("test accuracy"))
        ax.set_ylim(0, 1)
        ax.set_title(title)
        ax.legend(loc="lower right")
    return ax


def plot_accuracy_vs_epsilon(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    references: Mapping[str, float],
    title: str,
) -> Axes:
    """Final accuracy against epsilon (log scale), one curve per setting (``curves[label] = (epsilons,
    accuracies)``), and each setting's accuracy without noise as a dashed line of the same colour.
    Small epsilon is strong privacy: to the left."""
    with style():
        _, ax = plt.subplots()
        colours = [COLOURS["weighted"], COLOURS["unweighted"], *OKABE_ITO]
        for (label, (eps, acc)), colour in zip(curves.items(), colours, strict=False):
            ax.plot(eps, acc, "o-", color=colour, label=label)
            if label in references:
                ax.axhline(
                    references[label],
                    color=colour,
                    ls="--",
                    lw=WIDTHS["reference"],
                    label=t("{label}, no noise", label=label),
                )
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        every_eps = [e for eps, _ in curves.values() for e in eps]
        ticks = (0.5, 1, 2, 5, 10, 20, 50, 100)
        ax.set_xticks([t for t in ticks if min(every_eps) / 1.5 <= t <= max(every_eps) * 1.5])
        ax.set_xlabel(t("ε  (privacy loss, log scale; smaller = more private)"))
        ax.set_ylabel(t("final test accuracy"))
        lowest = min(min(a) for _, a in curves.values())
        ax.set_ylim(max(0.0, np.floor(10 * lowest - 1) / 10), 1)
        ax.set_title(title)
        ax.legend(loc="lower right")
    return ax


def plot_masked_update(update: np.ndarray, masked: np.ndarray, *, title: str) -> Figure:
    """A client's update next to what the server receives (its 64-bit masked integers, scaled to [0, 1))."""
    with style():
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
        left.bar(np.arange(len(update)), update, color=COLOURS["bob"])
        left.set_title(t("what the client computed"))
        left.set_xlabel(t("coordinate"))
        left.set_ylabel(t("update value"))
        right.bar(
            np.arange(len(masked)), np.asarray(masked, dtype=np.uint64) / 2.0**64, color=COLOURS["client"]
        )
        right.set_title(t("what the server receives"))
        right.set_xlabel(t("coordinate"))
        right.set_ylabel(t("masked value / 2⁶⁴"))
        right.set_ylim(0, 1)
        for ax in (left, right):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        fig.suptitle(title)
        fig.tight_layout()
    return fig

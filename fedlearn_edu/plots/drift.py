"""Figures of lesson 05: the drift lab in weight space, and each client's accuracy as a distribution.

- :func:`plot_drift_paths` continues lesson 03's (w1, w2) picture (:func:`.convergence.plot_trajectories`):
  the global model round by round, each client's own optimum, the pooled optimum as a green star --
  now for three clients whose optima conflict, and one path per algorithm;
- :func:`plot_fixed_points` shows where FedAvg settles as the number of local steps E grows;
- :func:`plot_client_accuracy` is the federated view of a model: a histogram of each client's
  accuracy on its own held-out data, with the mean, the worst 10 % (as
  :func:`fedlearn_edu.simulation.history.client_stats` computes them) and the global test accuracy.

>>> ax = plot_client_accuracy([0.9, 0.95, 0.4, 1.0], global_accuracy=0.9)
>>> ax.get_title()
'Global test accuracy 90%; mean per client 81%, worst 10% of clients 40%'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from fedlearn_edu._validation import check_real
from fedlearn_edu.i18n import t
from fedlearn_edu.plots import COLOURS, SIZES, WIDTHS, client_colour, style
from fedlearn_edu.simulation.history import client_stats

__all__ = ["plot_client_accuracy", "plot_drift_paths", "plot_fixed_points"]

PATH_COLOURS = {"FedAvg": "#000000", "FedProx": "#0072B2", "SCAFFOLD": "#D55E00"}


def _axes(ax: Axes | None, figsize=(7.5, 6.0)) -> Axes:
    if ax is not None:
        return ax
    with style():
        return plt.subplots(figsize=figsize)[1]


def _landscape(ax: Axes, lab, limits) -> None:
    """Grey contour lines of the federation's objective, each client's optimum, the pooled optimum."""
    from fedlearn_edu.drift import global_optimum

    (x0, x1), (y0, y1) = limits
    g1, g2 = np.meshgrid(np.linspace(x0, x1, 120), np.linspace(y0, y1, 120))
    grid = np.stack([g1.ravel(), g2.ravel()], axis=1)
    p = lab.weights
    values = sum(p[k] * ((grid @ lab.xs[k].T - lab.ys[k]) ** 2).sum(axis=1) for k in range(len(p)))
    ax.contour(g1, g2, values.reshape(g1.shape), levels=12, colors="#bbbbbb", linewidths=WIDTHS["thin"])
    for k, name in enumerate(lab.names):
        ax.plot(*lab.optimum(k), "X", ms=12, color=client_colour(k), mec="white", zorder=4,
                label=t("{name}'s own optimum", name=name))  # fmt: skip
    ax.plot(*global_optimum(lab), "*", ms=20, color=COLOURS["optimum"], mec="white", zorder=6,
            label=t("pooled optimum w*"))  # fmt: skip
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel(t("w₁ (first weight)"))
    ax.set_ylabel(t("w₂ (second weight)"))
    ax.set_aspect("equal")


@style()
def plot_drift_paths(
    lab,
    paths: Mapping[str, np.ndarray],
    *,
    client_ends: np.ndarray | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    limits=((-1.6, 2.3), (-2.3, 1.6)),
) -> Axes:
    """The global model's path (one per algorithm, ``{label: array (rounds + 1, 2)}``) over the
    objective's contours; ``client_ends`` (``(rounds, K, 2)``) adds lesson 03's drift segments for
    the first path: from the global model of each round to where each client's local steps ended."""
    ax = _axes(ax)
    _landscape(ax, lab, limits)
    first = next(iter(paths.values()))
    if client_ends is not None:
        for r, ends in enumerate(client_ends):
            for k, end in enumerate(ends):
                ax.plot(
                    *np.stack([first[r], end]).T, "-", color=client_colour(k), lw=WIDTHS["thin"], alpha=0.6
                )
                ax.plot(*end, "o", ms=4, color=client_colour(k), alpha=0.8)
    for i, (label, path) in enumerate(paths.items()):
        colour = PATH_COLOURS.get(label.split()[0].strip(","), client_colour(i + 4))
        ax.plot(
            *np.asarray(path).T, "-o", ms=3.5, lw=WIDTHS["reference"], color=colour, label=label, zorder=5
        )
    ax.plot(*first[0], "s", ms=9, color=COLOURS["global"], label=t("start"), zorder=6)
    ax.set_title(title or t("Where the global model goes, round by round"), fontsize=SIZES["title"])
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=SIZES["note"], frameon=False)
    return ax


@style()
def plot_fixed_points(
    lab,
    points: Mapping[int, np.ndarray],
    *,
    ax: Axes | None = None,
    title: str | None = None,
    limits=((-1.2, 0.2), (-0.1, 0.6)),
) -> Axes:
    """FedAvg's fixed point for each number of local steps E (``{E: point}``), joined in order of E."""
    ax = _axes(ax, figsize=(7.5, 4.5))
    _landscape(ax, lab, limits)
    es = sorted(points)
    xy = np.array([points[e] for e in es])
    ax.plot(
        *xy.T,
        "-o",
        color=COLOURS["global"],
        ms=6,
        lw=WIDTHS["reference"],
        label=t("FedAvg's fixed point"),
        zorder=5,
    )
    for e, point in zip(es, xy, strict=True):
        ax.annotate(f"E={e}", point, textcoords="offset points", xytext=(6, 6), fontsize=SIZES["note"])
    ax.set_title(title or t("FedAvg settles further from w* as E grows"), fontsize=SIZES["title"])
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=SIZES["note"], frameon=False)
    return ax


def _accuracies(accuracies: Sequence[float]) -> np.ndarray:
    """Per-client accuracies as an array without the clients that hold no held-out data (``nan``)."""
    try:
        values = np.asarray(accuracies, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"accuracies must be a list of numbers in [0, 1]; got {accuracies!r:.80}") from None
    values = values[~np.isnan(values)] if values.ndim == 1 else values
    if (
        values.ndim != 1
        or values.size == 0
        or np.any(np.isinf(values))
        or np.any((values < 0) | (values > 1))
    ):
        raise ValueError(
            f"accuracies must be a non-empty list of numbers in [0, 1] (nan: a client without held-out "
            f"data); got {accuracies!r:.80}"
        )
    return values


@style()
def plot_client_accuracy(
    accuracies: Sequence[float],
    global_accuracy: float | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    label: str | None = None,
    colour: str = "#0072B2",
) -> Axes:
    """A histogram of per-client accuracies (in %; ``nan`` -- no held-out data -- left out), with the mean, the worst 10 % and (if given)
    the global test accuracy as vertical lines. Call twice on one ``ax`` to compare two models."""
    values = _accuracies(accuracies)
    summary = client_stats(values)
    if global_accuracy is not None:
        global_accuracy = check_real(global_accuracy, "global_accuracy", low=0, high=1)
    ax = _axes(ax, figsize=(8.0, 4.0))
    ax.hist(
        100 * values, bins=np.linspace(0, 100, 21), color=colour, alpha=0.55, edgecolor="white", label=label
    )
    ax.axvline(
        100 * summary["mean"],
        color=colour,
        lw=WIDTHS["data"],
        label=t("mean per client {mean:.0%}", mean=summary["mean"]),
    )
    ax.axvline(100 * summary["worst10"], color=colour, lw=WIDTHS["data"], ls=":",
               label=t("worst 10% of clients {worst:.0%}", worst=summary["worst10"]))  # fmt: skip
    if global_accuracy is not None:
        ax.axvline(100 * global_accuracy, color=COLOURS["global"], lw=WIDTHS["data"], ls="--",
                   label=t("global test accuracy {accuracy:.0%}", accuracy=global_accuracy))  # fmt: skip
    ax.set_xlabel(t("accuracy on the client's own held-out data (%)"))
    ax.set_ylabel(t("number of clients"))
    if title is None and global_accuracy is not None:
        title = t(
            "Global test accuracy {accuracy:.0%}; mean per client {mean:.0%}, worst 10% of clients {worst:.0%}",
            accuracy=global_accuracy,
            mean=summary["mean"],
            worst=summary["worst10"],
        )
    elif title is None:
        title = t(
            "mean per client {mean:.0%}, worst 10% of clients {worst:.0%}",
            mean=summary["mean"],
            worst=summary["worst10"],
        )
    ax.set_title(title, fontsize=SIZES["title"])
    ax.legend(loc="upper left", fontsize=SIZES["note"])
    return ax

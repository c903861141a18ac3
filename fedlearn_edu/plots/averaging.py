"""Figures for lesson 02: the average as a centre of mass, and weighted vs unweighted estimates."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from fedlearn_edu.aggregate import fedavg, federated_mean
from fedlearn_edu.i18n import t
from fedlearn_edu.plots import COLOURS, WIDTHS, client_colour, style


def _legend_with_equal_markers(ax: plt.Axes) -> None:
    legend = ax.legend(loc="best")
    for handle in legend.legend_handles:
        if hasattr(handle, "set_sizes"):
            handle.set_sizes([70])


@style()
def plot_models_2d(
    models: Sequence[Sequence[float]],
    *,
    labels: Sequence[str],
    num_samples: Sequence[int] | None = None,
    ax: plt.Axes | None = None,
    title: str = "",
) -> plt.Axes:
    """Each client's first two parameters as a point; the plain mean (and the weighted one, if
    ``num_samples`` is given) as crosses. Marker area grows with the client's number of samples."""
    ax = ax or plt.gca()
    points = np.asarray(models, dtype=float)[:, :2]
    sizes = (
        np.full(len(points), 120.0)
        if num_samples is None
        else 60 + 900 * np.asarray(num_samples) / max(num_samples)
    )
    for k, (point, label) in enumerate(zip(points, labels)):
        ax.scatter(*point, s=sizes[k], color=client_colour(k), alpha=0.85, zorder=3, label=label)
    mean = np.asarray(federated_mean(list(points)))
    ax.scatter(*mean, marker="X", s=180, color=COLOURS["unweighted"], zorder=4, label=t("plain mean (1/N)"))
    if num_samples is not None:
        weighted = np.asarray(fedavg(list(points), num_samples))
        ax.scatter(
            *weighted,
            marker="P",
            s=180,
            color=COLOURS["weighted"],
            zorder=4,
            label=t("weighted mean (n_k/n)"),
        )
    ax.set_xlabel(t("parameter $w_1$"))
    ax.set_ylabel(t("parameter $w_2$"))
    ax.set_title(title)
    _legend_with_equal_markers(ax)
    ax.margins(0.25)
    return ax


@style()
def plot_estimates(
    estimates: Sequence[float],
    counts: Sequence[int],
    *,
    labels: Sequence[str],
    truth: float,
    unit: str,
    ax: plt.Axes | None = None,
    title: str = "",
) -> plt.Axes:
    """Each client's local estimate as a dot (area ~ its sample count) with three horizontal lines:
    the pooled truth, the weighted mean and the plain mean of the estimates."""
    ax = ax or plt.gca()
    counts_arr = np.asarray(counts, dtype=float)
    x = np.arange(len(estimates))
    sizes = 60 + 1500 * counts_arr / counts_arr.max()
    ax.scatter(x, estimates, s=sizes, color=[client_colour(k) for k in x], zorder=3, alpha=0.85)
    ax.axhline(
        truth, color=COLOURS["centralised"], lw=WIDTHS["band"], alpha=0.45, label=t("pooled data (the truth)")
    )
    ax.axhline(
        fedavg(list(estimates), counts), color=COLOURS["weighted"], ls="--", label=t("weighted mean (FedAvg)")
    )
    ax.axhline(
        federated_mean(list(estimates)),
        color=COLOURS["unweighted"],
        ls=":",
        label=t("plain mean (the article)"),
    )
    ax.set_xticks(x, [f"{name}\n(n = {int(n)})" for name, n in zip(labels, counts)])
    ax.set_ylabel(unit)
    ax.set_title(title)
    ax.legend(loc="best")
    ax.margins(x=0.2)
    return ax

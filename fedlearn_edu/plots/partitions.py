"""Figures of a partition: who holds which labels (a clients x labels heatmap) and how much data.

>>> import numpy as np
>>> from fedlearn_edu.data import shard_partition
>>> labels = np.repeat(np.arange(10), 20)
>>> fig = plot_partition(shard_partition(labels, 20, 2, seed=0), labels)
>>> [ax.get_xlabel() for ax in fig.axes[:2]]
['label', 'examples held']
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fedlearn_edu.data import label_counts
from fedlearn_edu.i18n import t
from fedlearn_edu.plots import COLOURS, style

__all__ = [
    "heatmap_title",
    "plot_client_sizes",
    "plot_label_heatmap",
    "plot_partition",
    "sorted_by_main_label",
]

CMAP = "viridis"  # perceptually uniform and colour-blind safe; dark = few examples


def heatmap_title(counts: np.ndarray) -> str:
    """A title stating the skew: how many labels a typical client holds."""
    per_client = (counts > 0).sum(1)
    return t(
        "A client holds {median:.0f} of {labels} labels (median)",
        median=np.median(per_client),
        labels=counts.shape[1],
    )


def plot_label_heatmap(
    parts: Sequence[Sequence[int]],
    labels: np.ndarray,
    ax: Axes | None = None,
    *,
    n_classes: int | None = None,
    title: str | None = None,
    colorbar: bool = True,
) -> Axes:
    """Clients (rows) x labels (columns), coloured by how many examples of the label the client holds."""
    counts = label_counts(parts, labels, n_classes)
    with style():
        if ax is None:
            ax = plt.subplots(figsize=(5.0, 4.2))[1]
        image = ax.imshow(counts, aspect="auto", cmap=CMAP, interpolation="nearest")
        ax.set_xticks(range(counts.shape[1]))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax.grid(False)
        ax.set_xlabel(t("label"))
        ax.set_ylabel(t("client"))
        ax.set_title(heatmap_title(counts) if title is None else title)
        if colorbar:
            ax.figure.colorbar(image, ax=ax, label=t("examples"), fraction=0.05, pad=0.03)
    return ax


def plot_client_sizes(
    parts: Sequence[Sequence[int]], ax: Axes | None = None, *, title: str | None = None
) -> Axes:
    """One horizontal bar per client: how many training examples it holds."""
    sizes = np.array([len(p) for p in parts])
    with style():
        if ax is None:
            ax = plt.subplots(figsize=(4.0, 4.2))[1]
        ax.barh(np.arange(len(sizes)), sizes, height=1.0, color=COLOURS["weighted"], edgecolor="none")
        ax.set_ylim(len(sizes) - 0.5, -0.5)  # client 0 at the top, as in the heatmap
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax.set_xlabel(t("examples held"))
        ax.set_ylabel(t("client"))
        default = t("Sizes {low} to {high}", low=sizes.min(), high=sizes.max())
        ax.set_title(default if title is None else title)
    return ax


def sorted_by_main_label(parts: Sequence[Sequence[int]], labels: np.ndarray) -> list:
    """The clients reordered by the label they hold most of (then by size): label skew shows as blocks."""
    counts = label_counts(parts, labels)
    order = np.lexsort((-counts.sum(1), counts.argmax(1)))
    return [parts[i] for i in order]


def plot_partition(
    parts: Sequence[Sequence[int]],
    labels: np.ndarray,
    *,
    title: str | None = None,
    n_classes: int | None = None,
    sort: bool = False,
) -> Figure:
    """The label heatmap (left) and the client sizes (right), side by side.

    ``sort=True`` draws the clients ordered by their main label (the partition itself is unchanged).
    """
    if sort:
        parts = sorted_by_main_label(parts, labels)
    with style():
        fig, (left, right) = plt.subplots(
            1, 2, figsize=(9.5, 4.0), width_ratios=[2.2, 1], layout="constrained", sharey=True
        )
        plot_label_heatmap(parts, labels, left, n_classes=n_classes)
        plot_client_sizes(parts, right)
        right.set_ylabel("")
        if sort:
            left.set_ylabel(t("client (sorted by main label)"))
        if title:
            fig.suptitle(title)
    return fig

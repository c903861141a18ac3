"""Figures for lesson 07: where each aggregator lands, and how attacks and defences compare.

>>> ax = plot_aggregates_1d([1.0, 1.1, 0.9, 5.0], {"mean": 2.0, "median": 1.05}, title="t")
>>> ax.get_xlabel()
'value sent by each client'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from fedlearn_edu.i18n import N_, t
from fedlearn_edu.plots import COLOURS, OKABE_ITO, SIZES, WIDTHS, style

__all__ = [
    "AGGREGATOR_COLOURS",
    "aggregator_name",
    "plot_aggregates_1d",
    "plot_attack_grid",
    "plot_benign_cost",
    "plot_triggered",
]

# One colour (and marker) per aggregation rule, the same in every figure of the lesson.
AGGREGATOR_COLOURS = {
    "FedAvg": COLOURS["global"],
    "median": OKABE_ITO[4],
    "trimmed mean": OKABE_ITO[1],
    "Krum": OKABE_ITO[5],
    "multi-Krum": OKABE_ITO[0],
    "norm clipping": OKABE_ITO[6],
}
MARKERS = {
    "FedAvg": "o",
    "median": "s",
    "trimmed mean": "D",
    "Krum": "^",
    "multi-Krum": "v",
    "norm clipping": "P",
}
ATTACK_TITLES = {  # translated where they are shown
    "label_flip": N_("label flipping"),
    "sign_flip": N_("sign flipping (×4)"),
    "backdoor": N_("backdoor: clean accuracy"),
}
# The rules' names as a figure shows them (the keys above stay the names the code uses).
_SHOWN_NAMES = (N_("median"), N_("trimmed mean"), N_("multi-Krum"), N_("norm clipping"))


def aggregator_name(name: str) -> str:
    """An aggregation rule's name in the reader's language ("trimmed mean" is 截尾均值 in Chinese)."""
    return t(name) if name in _SHOWN_NAMES else name


def plot_aggregates_1d(values: Sequence[float], results: Mapping[str, float], *, title: str) -> Axes:
    """Clients' values as dots on a line, and a vertical mark where each aggregation rule lands."""
    with style():
        _, ax = plt.subplots(figsize=(8, 3.2))
        ax.scatter(values, np.zeros(len(values)), s=60, color=COLOURS["client"], zorder=3, label=t("clients"))
        for i, (name, value) in enumerate(results.items()):
            colour = AGGREGATOR_COLOURS.get(name, OKABE_ITO[i % len(OKABE_ITO)])
            ax.axvline(
                value,
                color=colour,
                lw=WIDTHS["data"],
                ls=["-", "--", ":", "-."][i % 4],
                label=f"{aggregator_name(name)}: {value:.3g}",
            )
        ax.set_yticks([])
        ax.set_xlabel(t("value sent by each client"))
        ax.set_title(title)
        ax.legend(loc="upper center", ncol=3, bbox_to_anchor=(0.5, -0.3))
    return ax


def _rows(results: Sequence[Any], attack: str, aggregator: str) -> tuple[list[float], list[Any]]:
    rows = [r for r in results if r.aggregator == aggregator and r.attack in (attack, "none")]
    rows.sort(key=lambda r: r.fraction)
    return [r.fraction for r in rows], rows


def plot_attack_grid(results: Sequence[Any], *, title: str) -> Figure:
    """Clean accuracy per attack (three panels) and the backdoor's success (fourth), against the
    fraction of attackers, one line per aggregator. ``results`` are :class:`~fedlearn_edu.attacks.AttackResult`
    (the "none" run is each line's point at fraction 0)."""
    aggregators = list(dict.fromkeys(r.aggregator for r in results))
    with style():
        fig, axes = plt.subplots(2, 2, figsize=(10, 7.2), sharex=True)
        panels = [*ATTACK_TITLES.items(), ("backdoor", N_("backdoor: trigger success"))]
        for ax, (attack, panel_title) in zip(axes.flat, panels, strict=True):
            success = panel_title.endswith("success")
            for name in aggregators:
                x, rows = _rows(results, attack, name)
                y = [r.backdoor_success if success else r.accuracy for r in rows]
                ax.plot(x, y, marker=MARKERS.get(name, "o"), color=AGGREGATOR_COLOURS.get(name),
                        label=aggregator_name(name))  # fmt: skip
            ax.set_title(t(panel_title))
            ax.set_ylim(-0.03, 1.03)
            ax.set_ylabel(t("triggered images → target") if success else t("clean test accuracy"))
        for ax in axes[1]:
            ax.set_xlabel(t("fraction of clients attacking"))
        axes[0, 0].legend(loc="lower left")
        fig.suptitle(title)
        fig.tight_layout()
    return fig


def plot_benign_cost(accuracy: Mapping[str, Mapping[str, float]], *, title: str) -> Axes:
    """Grouped bars: accuracy of each aggregator (x) for each data split (``accuracy[split][name]``)."""
    with style():
        _, ax = plt.subplots(figsize=(8, 4))
        splits = list(accuracy)
        names = list(next(iter(accuracy.values())))
        width = 0.8 / len(splits)
        for j, (split, colour) in enumerate(
            zip(splits, [COLOURS["weighted"], COLOURS["unweighted"], *OKABE_ITO], strict=False)
        ):
            xs = np.arange(len(names)) + (j - (len(splits) - 1) / 2) * width
            bars = ax.bar(xs, [accuracy[split][n] for n in names], width, color=colour, label=split)
            ax.bar_label(bars, fmt="%.2f", fontsize=SIZES["note"])
        ax.set_xticks(np.arange(len(names)), [aggregator_name(n) for n in names], rotation=15)
        ax.set_ylabel(t("test accuracy, no attack"))
        ax.set_ylim(0, 1.2)
        ax.set_title(title)
        ax.legend(loc="upper center", ncol=len(splits))
    return ax


def plot_triggered(clean: np.ndarray, triggered: np.ndarray, *, title: str) -> Figure:
    """A few digits before and after the backdoor trigger is stamped on (pixels in [0, 1], ink dark)."""
    with style():
        n = len(clean)
        fig, axes = plt.subplots(2, n, figsize=(1.5 * n, 3.4))
        for row, images, label in ((0, clean, t("clean")), (1, triggered, t("with trigger"))):
            for k in range(n):
                ax = axes[row, k]
                ax.imshow(np.asarray(images[k]).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                for spine in ax.spines.values():
                    spine.set_visible(True)
                    spine.set_color(COLOURS["client"])
            axes[row, 0].set_ylabel(label)
        fig.suptitle(title)
        fig.tight_layout()
    return fig
